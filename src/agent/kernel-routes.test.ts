/** From effective rows to kernel routes, kernel read-back, and the plan between them. */
import { describe, expect, it } from 'vitest';
import {
  batchLine,
  desiredRoutes,
  planRoutes,
  readRoutes,
  type EffectiveRow,
  type KernelRoute,
} from './kernel-routes.js';

const row = (prefix: string, nextHopType: string, hops: string[] = [], state = 'Active'): EffectiveRow => ({
  state,
  addressPrefix: [prefix],
  nextHopType,
  nextHopIpAddress: hops,
});

const PROTO = 247;

describe('desired kernel routes', () => {
  it('routes a BGP prefix via its NVA, and ECMP rows as one multipath route in address order', () => {
    const routes = desiredRoutes(
      [
        row('10.250.0.0/16', 'VirtualNetworkGateway', ['10.0.1.9']),
        row('10.250.0.0/16', 'VirtualNetworkGateway', ['10.0.1.10']),
        row('10.251.0.0/16', 'VirtualNetworkGateway', ['10.0.1.4']),
      ],
      'eth0',
    );
    expect(routes.get('10.250.0.0/16')).toEqual({
      prefix: '10.250.0.0/16',
      type: 'unicast',
      gateways: ['10.0.1.9', '10.0.1.10'],
      dev: 'eth0',
    });
    expect(routes.get('10.251.0.0/16')!.gateways).toEqual(['10.0.1.4']);
  });

  it('routes a VirtualAppliance user route via its address and blackholes None', () => {
    const routes = desiredRoutes(
      [row('10.9.0.0/16', 'VirtualAppliance', ['10.0.1.5']), row('10.8.0.0/16', 'None')],
      'eth1',
    );
    expect(routes.get('10.9.0.0/16')).toMatchObject({ type: 'unicast', gateways: ['10.0.1.5'], dev: 'eth1' });
    expect(routes.get('10.8.0.0/16')).toEqual({
      prefix: '10.8.0.0/16',
      type: 'blackhole',
      gateways: [],
      dev: undefined,
    });
  });

  it('routes VNet and peering prefixes on-link and leaves Internet to the host', () => {
    const routes = desiredRoutes(
      [row('10.0.0.0/16', 'VnetLocal'), row('10.1.0.0/16', 'VNetPeering'), row('0.0.0.0/0', 'Internet')],
      'eth0',
    );
    expect(routes.get('10.0.0.0/16')).toMatchObject({ type: 'unicast', gateways: [], dev: 'eth0' });
    expect(routes.get('10.1.0.0/16')).toMatchObject({ gateways: [], dev: 'eth0' });
    expect(routes.has('0.0.0.0/0')).toBe(false);
  });

  it('follows the Active row and ignores the Invalid ones it overrode', () => {
    const routes = desiredRoutes(
      [
        row('10.250.0.0/16', 'VirtualNetworkGateway', ['10.0.1.4'], 'Invalid'),
        row('10.250.0.0/16', 'VirtualAppliance', ['10.0.1.5']),
        row('0.0.0.0/0', 'Internet', [], 'Invalid'),
        row('0.0.0.0/0', 'VirtualNetworkGateway', ['10.0.1.5']),
      ],
      'eth0',
    );
    expect(routes.get('10.250.0.0/16')!.gateways).toEqual(['10.0.1.5']);
    expect(routes.get('0.0.0.0/0')!.gateways).toEqual(['10.0.1.5']);
  });
});

const route = (prefix: string, gateways: string[] = ['10.0.1.4']): KernelRoute => ({
  prefix,
  type: 'unicast',
  gateways,
  dev: 'eth0',
});

describe('planning', () => {
  it('adds what is missing, replaces what differs, removes its own stale routes, keeps the rest', () => {
    const desired = new Map([
      ['10.1.0.0/16', route('10.1.0.0/16')],
      ['10.2.0.0/16', route('10.2.0.0/16', ['10.0.1.4', '10.0.1.5'])],
      ['10.3.0.0/16', route('10.3.0.0/16')],
    ]);
    const installed = new Map([
      ['10.2.0.0/16', route('10.2.0.0/16')],
      ['10.3.0.0/16', route('10.3.0.0/16')],
      ['10.4.0.0/16', route('10.4.0.0/16')],
    ]);
    const plan = planRoutes(desired, installed, new Set());
    expect(plan.operations.map((op) => `${op.op} ${op.route.prefix}`)).toEqual([
      'delete 10.4.0.0/16',
      'replace 10.1.0.0/16',
      'replace 10.2.0.0/16',
    ]);
    expect(plan.conflicts).toEqual([]);
  });

  it('plans nothing when the kernel already holds the table (a restart duplicates nothing)', () => {
    const desired = new Map([['10.1.0.0/16', route('10.1.0.0/16')]]);
    expect(planRoutes(desired, new Map(desired), new Set()).operations).toEqual([]);
  });

  it('leaves a prefix another owner holds alone and reports it', () => {
    const desired = new Map([['10.0.0.0/16', route('10.0.0.0/16', [])]]);
    const plan = planRoutes(desired, new Map(), new Set(['10.0.0.0/16']));
    expect(plan.operations).toEqual([]);
    expect(plan.conflicts).toEqual(['10.0.0.0/16']);
  });
});

describe('ip batch lines', () => {
  it('marks every route with the protocol, multipath as nexthop clauses', () => {
    expect(batchLine({ op: 'replace', route: route('10.1.0.0/16') }, PROTO)).toBe(
      'route replace 10.1.0.0/16 via 10.0.1.4 dev eth0 proto 247',
    );
    expect(batchLine({ op: 'replace', route: route('10.1.0.0/16', ['10.0.1.4', '10.0.1.5']) }, PROTO)).toBe(
      'route replace 10.1.0.0/16 proto 247 nexthop via 10.0.1.4 dev eth0 nexthop via 10.0.1.5 dev eth0',
    );
    expect(batchLine({ op: 'replace', route: route('10.1.0.0/16', []) }, PROTO)).toBe(
      'route replace 10.1.0.0/16 dev eth0 scope link proto 247',
    );
    const blackhole: KernelRoute = { prefix: '10.8.0.0/16', type: 'blackhole', gateways: [], dev: undefined };
    expect(batchLine({ op: 'replace', route: blackhole }, PROTO)).toBe(
      'route replace blackhole 10.8.0.0/16 proto 247',
    );
    expect(batchLine({ op: 'delete', route: blackhole }, PROTO)).toBe('route del 10.8.0.0/16 proto 247');
  });
});

describe('kernel read-back', () => {
  it('reads its own routes of every kind and only the prefixes of others', () => {
    const { own, foreign } = readRoutes(
      [
        { dst: 'default', gateway: '192.0.2.1', dev: 'eth0' },
        { dst: '10.0.0.0/16', dev: 'eth0', protocol: '2' },
        { dst: '10.250.0.0/16', gateway: '10.0.1.4', dev: 'eth0', protocol: '247' },
        {
          dst: '10.251.0.0/16',
          protocol: '247',
          nexthops: [
            { gateway: '10.0.1.10', dev: 'eth0' },
            { gateway: '10.0.1.9', dev: 'eth0' },
          ],
        },
        { type: 'blackhole', dst: '10.8.0.0/16', protocol: '247' },
        { dst: '10.1.0.0/16', dev: 'eth0', protocol: '247' },
        { dst: '192.0.2.7', gateway: '10.0.1.4', dev: 'eth0', protocol: '4' },
      ],
      PROTO,
    );
    expect([...foreign]).toEqual(['0.0.0.0/0', '10.0.0.0/16', '192.0.2.7/32']);
    expect([...own.values()]).toEqual([
      route('10.250.0.0/16'),
      route('10.251.0.0/16', ['10.0.1.9', '10.0.1.10']),
      { prefix: '10.8.0.0/16', type: 'blackhole', gateways: [], dev: undefined },
      route('10.1.0.0/16', []),
    ]);
  });

  it('reads back exactly what it plans, so a second pass plans nothing', () => {
    const desired = desiredRoutes(
      [
        row('10.251.0.0/16', 'VirtualNetworkGateway', ['10.0.1.10']),
        row('10.251.0.0/16', 'VirtualNetworkGateway', ['10.0.1.9']),
        row('10.8.0.0/16', 'None'),
      ],
      'eth0',
    );
    const { own } = readRoutes(
      [
        {
          dst: '10.251.0.0/16',
          protocol: '247',
          nexthops: [
            { gateway: '10.0.1.9', dev: 'eth0' },
            { gateway: '10.0.1.10', dev: 'eth0' },
          ],
        },
        { type: '6', dst: '10.8.0.0/16', protocol: '247' },
      ],
      PROTO,
    );
    expect(planRoutes(desired, own, new Set()).operations).toEqual([]);
  });
});
