import { afterEach, describe, expect, it } from 'vitest';
import { formatPrefix } from '../lib/prefix.js';
import type { EffectiveRoutesChangedEvent, RouteDomainAssignedEvent, SdnRouteEvent } from './events.js';
import { subscribeRouteEvents } from './events.js';
import { hubAndSpokes, injected, p, rows } from './fixtures.test-support.js';

let unsubscribe: (() => void) | undefined;
afterEach(() => unsubscribe?.());

function collect(network: string): SdnRouteEvent[] {
  const events: SdnRouteEvent[] = [];
  unsubscribe = subscribeRouteEvents((event) => {
    if (event.network === network) events.push(event);
  });
  return events;
}

const changed = (events: SdnRouteEvent[]) =>
  events.filter((e): e is EffectiveRoutesChangedEvent => e.type === 'effective-routes-changed');

describe('effective route change events', () => {
  it('publishes a BGP change once per affected domain with its subnets and NICs', () => {
    const { model, rs } = hubAndSpokes('events-bgp');
    model.createRouteTable({ id: 'no-bgp', disableBgpRoutePropagation: true });
    model.setSubnetRouteTable('hub/subnets/nva', 'no-bgp');
    const events = collect('events-bgp');
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16', '10.0.2.4', '10.0.2.5')]);
    const [event] = changed(events);
    expect(changed(events)).toHaveLength(1);
    expect(event!.cause).toBe('bgp');
    const touched = event!.domains.map((d) => [d.subnetIds, d.nicIds]);
    expect(touched).toEqual([
      [['hub/subnets/RouteServerSubnet', 'hub/subnets/app'], ['app-vm']],
      [['spoke1/subnets/workload'], ['spoke1-vm']],
    ]);
    const change = event!.domains[0]!.changes[0]!;
    expect(formatPrefix(change.prefix)).toBe('172.20.0.0/16');
    expect(change.before).toEqual([]);
    expect(rows(change.after)).toHaveLength(2);
  });

  it('publishes the lost ECMP member as a before/after pair', () => {
    const { rs } = hubAndSpokes('events-ecmp');
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16', '10.0.2.4', '10.0.2.5')]);
    const events = collect('events-ecmp');
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16', '10.0.2.4')]);
    const change = changed(events)[0]!.domains[0]!.changes[0]!;
    expect(rows(change.before)).toHaveLength(2);
    expect(rows(change.after)).toEqual([
      'VirtualNetworkGateway Active 172.20.0.0/16 VirtualNetworkGateway 10.0.2.4',
    ]);
  });

  it('publishes nothing when the other instance already had the same next hop', () => {
    const { rs } = hubAndSpokes('events-union');
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16', '10.0.2.4')]);
    const events = collect('events-union');
    rs.applyRouteChanges('IN_1', [injected('172.20.0.0/16', '10.0.2.4')]);
    expect(events).toEqual([]);
  });

  it('publishes a user-route change only for the domains using that route table', () => {
    const { model, rs } = hubAndSpokes('events-udr');
    rs.applyRouteChanges('IN_0', [injected('0.0.0.0/0', '10.0.2.4')]);
    model.createRouteTable({ id: 'rt' });
    model.setSubnetRouteTable('hub/subnets/app', 'rt');
    const events = collect('events-udr');
    model.setRoute('rt', {
      name: 'inet',
      addressPrefix: p('0.0.0.0/0'),
      nextHopType: 'Internet',
      nextHopIpAddress: null,
    });
    const [event] = changed(events);
    expect(event!.cause).toBe('topology');
    expect(event!.domains.map((d) => d.subnetIds)).toEqual([['hub/subnets/app']]);
    expect(rows(event!.domains[0]!.changes[0]!.after)).toEqual([
      'User Active 0.0.0.0/0 Internet',
      'VirtualNetworkGateway Invalid 0.0.0.0/0 VirtualNetworkGateway 10.0.2.4',
      'Default Invalid 0.0.0.0/0 Internet',
    ]);
  });

  it('publishes the BGP routes a spoke gains when it starts using the route server', () => {
    const { model, rs } = hubAndSpokes('events-spoke');
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16', '10.0.2.4')]);
    const events = collect('events-spoke');
    model.updatePeering('spoke2-to-hub', { useRemoteGateways: true });
    const spoke = changed(events)[0]!.domains.find((d) => d.vnetId === 'spoke2')!;
    expect(spoke.nicIds).toEqual(['spoke2-vm']);
    expect(spoke.changes.map((c) => formatPrefix(c.prefix))).toEqual(['172.20.0.0/16']);
  });

  it('tells subscribers when a subnet moves to another route domain and when a NIC appears', () => {
    const { model } = hubAndSpokes('events-assign');
    model.createRouteTable({ id: 'rt' });
    const events = collect('events-assign');
    model.setSubnetRouteTable('hub/subnets/app', 'rt');
    model.createNetworkInterface({ id: 'vm2', subnetId: 'hub/subnets/app', privateIpAddress: '10.0.3.5' });
    const assigned = events.filter((e): e is RouteDomainAssignedEvent => e.type === 'route-domain-assigned');
    expect(assigned.map((e) => [e.subnetIds, e.nicIds, e.previousDomainId, e.domainId])).toEqual([
      [['hub/subnets/app'], ['app-vm'], 'hub#system', 'hub#rt'],
      [[], ['vm2'], null, 'hub#rt'],
    ]);
    expect(assigned[1]!.sequence).toBeGreaterThan(assigned[0]!.sequence);
  });
});
