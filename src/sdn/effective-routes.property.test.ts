/**
 * Random sequences of BGP and topology changes, checked two ways:
 * - every subnet's effective table equals a direct transcription of Azure's
 *   rules computed from the raw configuration with plain arrays (no tries,
 *   no layers, no caching);
 * - a consumer that only applies the published change events ends with the
 *   same tables (no change goes unpublished).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Prefix } from '../lib/prefix.js';
import { comparePrefixes, formatPrefix, prefixContains, prefixEquals } from '../lib/prefix.js';
import { compareAddressText } from './addresses.js';
import type { SdnRouteEvent } from './events.js';
import { subscribeRouteEvents } from './events.js';
import { hubAndSpokes, Instances, p, rows } from './fixtures.test-support.js';
import type { VirtualNetworkModel } from './model.js';
import type { UserDefinedRoute } from './types.js';

const POOL = [
  '0.0.0.0/0',
  '10.0.0.0/8',
  '10.0.0.0/16',
  '10.0.3.0/24',
  '10.1.0.0/16',
  '10.1.1.0/24',
  '10.2.0.0/16',
  '10.2.1.0/25',
  '100.64.0.0/10',
  '172.16.0.0/12',
  '172.20.0.0/16',
  '192.168.0.0/16',
];
const HOPS = ['10.0.2.4', '10.0.2.5', '10.0.2.6'];
const SUBNETS = ['hub/subnets/nva', 'hub/subnets/app', 'spoke1/subnets/workload', 'spoke2/subnets/workload'];

type Op =
  | { kind: 'bgp'; instance: string; prefix: string; hops: string[] }
  | { kind: 'udr'; table: 'rt1' | 'rt2'; prefix: string; type: UserDefinedRoute['nextHopType'] | 'delete' }
  | { kind: 'propagation'; table: 'rt1' | 'rt2'; disabled: boolean }
  | { kind: 'associate'; subnet: string; table: 'rt1' | 'rt2' | null }
  | { kind: 'peering'; id: string; allowGatewayTransit?: boolean; useRemoteGateways?: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('bgp' as const),
      instance: fc.constantFrom('IN_0', 'IN_1'),
      prefix: fc.constantFrom(...POOL),
      hops: fc.subarray(HOPS),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('udr' as const),
      table: fc.constantFrom('rt1' as const, 'rt2' as const),
      prefix: fc.constantFrom(...POOL),
      type: fc.constantFrom('VirtualAppliance', 'Internet', 'None', 'VnetLocal', 'delete'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('propagation' as const),
      table: fc.constantFrom('rt1' as const, 'rt2' as const),
      disabled: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('associate' as const),
      subnet: fc.constantFrom(...SUBNETS),
      table: fc.constantFrom('rt1' as const, 'rt2' as const, null),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.record({
        kind: fc.constant('peering' as const),
        id: fc.constantFrom('hub-to-spoke1', 'hub-to-spoke2'),
        allowGatewayTransit: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant('peering' as const),
        id: fc.constantFrom('spoke1-to-hub', 'spoke2-to-hub'),
        useRemoteGateways: fc.boolean(),
      }),
    ),
  },
);

function apply(model: VirtualNetworkModel, instances: Instances, op: Op): void {
  switch (op.kind) {
    case 'bgp':
      return instances.learn(op.instance, op.prefix, ...op.hops);
    case 'udr': {
      const name = op.prefix.replace(/[./]/g, '_');
      if (op.type === 'delete') {
        if (model.routeTable(op.table)!.routes.some((r) => r.name === name))
          model.deleteRoute(op.table, name);
        return;
      }
      const hop = op.type === 'VirtualAppliance' ? '10.0.2.100' : null;
      model.setRoute(op.table, {
        name,
        addressPrefix: p(op.prefix),
        nextHopType: op.type,
        nextHopIpAddress: hop,
      });
      return;
    }
    case 'propagation':
      model.updateRouteTable(op.table, { disableBgpRoutePropagation: op.disabled });
      return;
    case 'associate':
      model.setSubnetRouteTable(op.subnet, op.table);
      return;
    case 'peering': {
      const { kind: _kind, id, ...changes } = op;
      model.updatePeering(id, changes);
    }
  }
}

/** Azure's rules, transcribed directly from the raw configuration. */
function expectedRows(
  model: VirtualNetworkModel,
  subnetId: string,
  bgpUnion: Map<string, string[]>,
): string[] {
  const subnet = model.subnet(subnetId)!;
  const peering = (id: string) => model.peering(id)!;
  const vnet = (id: string) => model.virtualNetwork(id)!.addressSpaces;
  const peers = subnet.vnetId === 'hub' ? ['spoke1', 'spoke2'] : ['hub'];
  const peerSpaces = peers.flatMap(vnet);
  const ownSpaces = vnet(subnet.vnetId);
  const spaces = [...ownSpaces, ...peerSpaces];
  const usesRs = (spoke: string) =>
    peering(`${spoke}-to-hub`).useRemoteGateways && peering(`hub-to-${spoke}`).allowGatewayTransit;
  const advertised = [...vnet('hub'), ...['spoke1', 'spoke2'].filter(usesRs).flatMap(vnet)];
  const table = subnet.routeTableId ? model.routeTable(subnet.routeTableId)! : null;
  const receives = (subnet.vnetId === 'hub' || usesRs(subnet.vnetId)) && !table?.disableBgpRoutePropagation;
  const system = new Map<string, string>([['0.0.0.0/0', 'Internet']]);
  for (const range of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10']) {
    if (!spaces.some((s) => prefixContains(s, p(range)))) system.set(range, 'None');
  }
  for (const s of ownSpaces) system.set(formatPrefix(s), 'VnetLocal');
  for (const s of peerSpaces) system.set(formatPrefix(s), 'VNetPeering');
  const bgp = new Map<string, string[]>();
  if (receives) {
    for (const [prefix, hops] of bgpUnion) {
      if (!advertised.some((a) => prefixContains(a, p(prefix)))) bgp.set(prefix, hops);
    }
  }
  const user = new Map((table?.routes ?? []).map((r) => [formatPrefix(r.addressPrefix), r]));
  const all = [...new Set([...system.keys(), ...bgp.keys(), ...user.keys()])]
    .map((t) => p(t))
    .sort(comparePrefixes);
  const out: string[] = [];
  for (const prefix of all) {
    const key = formatPrefix(prefix);
    const u = user.get(key);
    const b = bgp.get(key);
    const s = system.get(key);
    const inVnet = spaces.some(
      (space: Prefix) => prefixContains(space, prefix) || prefixEquals(space, prefix),
    );
    if (u)
      out.push(`User Active ${key} ${u.nextHopType}${u.nextHopIpAddress ? ` ${u.nextHopIpAddress}` : ''}`);
    for (const hop of b ?? []) {
      out.push(
        `VirtualNetworkGateway ${u || inVnet ? 'Invalid' : 'Active'} ${key} VirtualNetworkGateway ${hop}`,
      );
    }
    if (s) out.push(`Default ${u || (b && !inVnet) ? 'Invalid' : 'Active'} ${key} ${s}`);
  }
  return out;
}

let unsubscribe: (() => void) | undefined;
afterEach(() => unsubscribe?.());

describe('effective routes under random changes', () => {
  it('follow Azure rules and are fully described by the published events', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), (ops) => {
        const { model, rs } = hubAndSpokes('random');
        // the instances are real route engines: they apply the injectability rule (src/rib/injection.ts)
        const instances = new Instances(rs, HOPS);
        model.createRouteTable({ id: 'rt1' });
        model.createRouteTable({ id: 'rt2' });
        const shadow = new Map(SUBNETS.map((s) => [s, new Map<string, string[]>()]));
        const load = (subnetId: string): void => {
          const bySubnet = new Map<string, string[]>();
          for (const r of model.effectiveRoutesForSubnet(subnetId)) {
            const key = formatPrefix(r.addressPrefixes[0]!);
            bySubnet.set(key, [...(bySubnet.get(key) ?? []), ...rows([r])]);
          }
          shadow.set(subnetId, bySubnet);
        };
        SUBNETS.forEach(load);
        unsubscribe?.();
        unsubscribe = subscribeRouteEvents((event: SdnRouteEvent) => {
          if (event.network !== 'random') return;
          if (event.type === 'route-domain-assigned') return event.subnetIds.forEach(load);
          for (const domain of event.domains) {
            for (const subnetId of domain.subnetIds) {
              const table = shadow.get(subnetId);
              if (!table) continue;
              for (const change of domain.changes) table.set(formatPrefix(change.prefix), rows(change.after));
            }
          }
        });
        const perInstance = new Map<string, Map<string, string[]>>([
          ['IN_0', new Map()],
          ['IN_1', new Map()],
        ]);
        for (const op of ops) {
          try {
            apply(model, instances, op);
          } catch (error) {
            // useRemoteGateways and the like may be refused; a refusal must change nothing.
            if (op.kind !== 'peering') throw error;
          }
          instances.settle();
          if (op.kind === 'bgp') perInstance.get(op.instance)!.set(op.prefix, op.hops);
        }
        const union = new Map<string, string[]>();
        for (const prefix of POOL) {
          const hops = new Set([...perInstance.values()].flatMap((m) => m.get(prefix) ?? []));
          if (hops.size > 0) union.set(prefix, [...hops].sort(compareAddressText));
        }
        for (const subnetId of SUBNETS) {
          const actual = rows(model.effectiveRoutesForSubnet(subnetId));
          expect(actual).toEqual(expectedRows(model, subnetId, union));
          const published = [...shadow.get(subnetId)!.entries()]
            .filter(([, r]) => r.length > 0)
            .sort(([a], [b]) => comparePrefixes(p(a), p(b)))
            .flatMap(([, r]) => r);
          expect(published).toEqual(actual);
        }
      }),
      { numRuns: 120 },
    );
  });
});
