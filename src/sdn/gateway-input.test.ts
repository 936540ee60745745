import { afterEach, describe, expect, it } from 'vitest';
import { formatPrefix } from '../lib/prefix.js';
import type { EffectiveRoutesChangedEvent, SdnRouteEvent } from './events.js';
import { subscribeRouteEvents } from './events.js';
import { injected, p, rowsFor } from './fixtures.test-support.js';
import { VirtualNetworkModel } from './model.js';
import { SDN_ERROR_CODES as E } from './errors.js';

const VPN = {
  id: 'vpn',
  vnetId: 'hub',
  type: 'Vpn' as const,
  instances: [
    { instance: 'IN_0', address: '10.0.255.4' },
    { instance: 'IN_1', address: '10.0.255.5' },
  ],
};
const ER = {
  id: 'er',
  vnetId: 'hub',
  type: 'ExpressRoute' as const,
  instances: [
    { instance: 'IN_0', address: '10.0.255.6' },
    { instance: 'IN_1', address: '10.0.255.7' },
  ],
};

/** A hub with a GatewaySubnet and no route server; spoke1 may use its gateways, spoke2 is only peered. */
function hubWithoutRouteServer(): VirtualNetworkModel {
  const model = new VirtualNetworkModel({ name: 'gateways' });
  model.createVirtualNetwork({ id: 'hub', addressSpaces: [p('10.0.0.0/16')] });
  model.createSubnet({ vnetId: 'hub', name: 'GatewaySubnet', addressPrefix: p('10.0.255.0/27') });
  model.createSubnet({ vnetId: 'hub', name: 'app', addressPrefix: p('10.0.3.0/24') });
  model.createNetworkInterface({ id: 'app-vm', subnetId: 'hub/subnets/app', privateIpAddress: '10.0.3.4' });
  for (const spoke of ['spoke1', 'spoke2']) {
    const n = spoke === 'spoke1' ? 1 : 2;
    model.createVirtualNetwork({ id: spoke, addressSpaces: [p(`10.${n}.0.0/16`)] });
    model.createSubnet({ vnetId: spoke, name: 'workload', addressPrefix: p(`10.${n}.1.0/24`) });
    model.createNetworkInterface({
      id: `${spoke}-vm`,
      subnetId: `${spoke}/subnets/workload`,
      privateIpAddress: `10.${n}.1.4`,
    });
    model.createPeering({
      id: `hub-to-${spoke}`,
      localVnetId: 'hub',
      remoteVnetId: spoke,
      allowGatewayTransit: true,
    });
  }
  model.createPeering({ id: 'spoke2-to-hub', localVnetId: 'spoke2', remoteVnetId: 'hub' });
  return model;
}

const onPrem = (model: VirtualNetworkModel, nic: string) =>
  rowsFor(model.effectiveRoutes(nic), '192.168.10.0/24');

describe('gateway routes in a VNet without a route server', () => {
  it('programs what a VPN gateway learns, next hop the instance that learned it', () => {
    const model = hubWithoutRouteServer();
    const vpn = model.attachGateway(VPN);
    vpn.applyRouteChanges('IN_0', [injected('192.168.10.0/24', '192.168.255.1')]);
    expect(onPrem(model, 'app-vm')).toEqual([
      'VirtualNetworkGateway Active 192.168.10.0/24 VirtualNetworkGateway 10.0.255.4',
    ]);
    vpn.applyRouteChanges('IN_1', [injected('192.168.10.0/24', '192.168.255.1')]);
    expect(onPrem(model, 'app-vm')).toEqual([
      'VirtualNetworkGateway Active 192.168.10.0/24 VirtualNetworkGateway 10.0.255.4',
      'VirtualNetworkGateway Active 192.168.10.0/24 VirtualNetworkGateway 10.0.255.5',
    ]);
    expect(model.nextHop('app-vm', '192.168.10.9')).toMatchObject({
      nextHopType: 'VirtualNetworkGateway',
      nextHopIpAddresses: ['10.0.255.4', '10.0.255.5'],
    });
    vpn.applyRouteChanges('IN_0', [injected('192.168.10.0/24')]);
    vpn.withdrawInstance('IN_1');
    expect(onPrem(model, 'app-vm')).toEqual([]);
  });

  it('programs the spokes that use the hub gateways and not the others', () => {
    const model = hubWithoutRouteServer();
    const vpn = model.attachGateway(VPN);
    model.createPeering({
      id: 'spoke1-to-hub',
      localVnetId: 'spoke1',
      remoteVnetId: 'hub',
      useRemoteGateways: true,
    });
    vpn.applyRouteChanges('IN_0', [injected('192.168.10.0/24', '192.168.255.1')]);
    expect(onPrem(model, 'spoke1-vm')).toEqual([
      'VirtualNetworkGateway Active 192.168.10.0/24 VirtualNetworkGateway 10.0.255.4',
    ]);
    expect(onPrem(model, 'spoke2-vm')).toEqual([]);
    model.updatePeering('hub-to-spoke1', { allowGatewayTransit: false });
    expect(onPrem(model, 'spoke1-vm')).toEqual([]);
  });

  it('advertises the hub and the spokes using its gateways, and says when that changes', () => {
    const model = hubWithoutRouteServer();
    const vpn = model.attachGateway(VPN);
    let calls = 0;
    vpn.onAddressSpacesChanged(() => calls++);
    expect(vpn.advertisedAddressSpaces().map(formatPrefix)).toEqual(['10.0.0.0/16']);
    model.updatePeering('spoke2-to-hub', { useRemoteGateways: true });
    expect(vpn.advertisedAddressSpaces().map(formatPrefix)).toEqual(['10.0.0.0/16', '10.2.0.0/16']);
    expect(calls).toBe(1);
  });

  it('prefers the ExpressRoute gateway for a prefix both gateways learn; the longest prefix first', () => {
    const model = hubWithoutRouteServer();
    const vpn = model.attachGateway(VPN);
    const er = model.attachGateway(ER);
    vpn.applyRouteChanges('IN_0', [
      injected('10.250.0.0/16', '192.168.255.1'),
      injected('10.250.1.0/24', '192.168.255.1'),
    ]);
    er.applyRouteChanges('IN_0', [injected('10.250.0.0/16', '172.16.0.1')]);
    er.applyRouteChanges('IN_1', [injected('10.250.0.0/16', '172.16.0.5')]);
    const table = model.effectiveRoutes('app-vm');
    expect(rowsFor(table, '10.250.0.0/16')).toEqual([
      'VirtualNetworkGateway Active 10.250.0.0/16 VirtualNetworkGateway 10.0.255.6',
      'VirtualNetworkGateway Active 10.250.0.0/16 VirtualNetworkGateway 10.0.255.7',
    ]);
    expect(rowsFor(table, '10.250.1.0/24')).toEqual([
      'VirtualNetworkGateway Active 10.250.1.0/24 VirtualNetworkGateway 10.0.255.4',
    ]);
    model.detachGateway('er');
    expect(rowsFor(model.effectiveRoutes('app-vm'), '10.250.0.0/16')).toEqual([
      'VirtualNetworkGateway Active 10.250.0.0/16 VirtualNetworkGateway 10.0.255.4',
    ]);
  });

  it('gives no gateway route to a subnet whose route table disables propagation', () => {
    const model = hubWithoutRouteServer();
    const vpn = model.attachGateway(VPN);
    model.createRouteTable({ id: 'no-bgp', disableBgpRoutePropagation: true });
    model.setSubnetRouteTable('hub/subnets/app', 'no-bgp');
    vpn.applyRouteChanges('IN_0', [injected('192.168.10.0/24', '192.168.255.1')]);
    expect(onPrem(model, 'app-vm')).toEqual([]);
  });

  it('lets a spoke use remote gateways only where a gateway or a route server is, and keeps the last one', () => {
    const model = hubWithoutRouteServer();
    const spokeToHub = {
      id: 'spoke1-to-hub',
      localVnetId: 'spoke1',
      remoteVnetId: 'hub',
      useRemoteGateways: true,
    };
    expect(() => model.createPeering(spokeToHub)).toThrow(
      expect.objectContaining({ code: E.REMOTE_GATEWAY }),
    );
    model.attachGateway(VPN);
    model.createPeering(spokeToHub);
    expect(() => model.attachGateway({ ...VPN, id: 'spoke-vpn', vnetId: 'spoke1' })).toThrow(
      expect.objectContaining({ code: E.REMOTE_GATEWAY }),
    );
    model.attachGateway(ER);
    model.detachGateway('vpn');
    expect(() => model.detachGateway('er')).toThrow(expect.objectContaining({ code: E.IN_USE }));
    expect(() => model.deleteVirtualNetwork('hub')).toThrow(expect.objectContaining({ code: E.IN_USE }));
  });
});

describe('gateway routes and a route server in the same VNet', () => {
  let unsubscribe: (() => void) | undefined;
  afterEach(() => unsubscribe?.());

  it('keeps the gateway routes while a route server is placed, then programs its decision alone', () => {
    const model = hubWithoutRouteServer();
    model.createSubnet({ vnetId: 'hub', name: 'RouteServerSubnet', addressPrefix: p('10.0.1.0/26') });
    const vpn = model.attachGateway(VPN);
    vpn.applyRouteChanges('IN_0', [injected('10.250.0.0/16', '192.168.255.1')]);
    vpn.applyRouteChanges('IN_1', [injected('10.250.0.0/16', '192.168.255.1')]);
    const viaGateway = [
      'VirtualNetworkGateway Active 10.250.0.0/16 VirtualNetworkGateway 10.0.255.4',
      'VirtualNetworkGateway Active 10.250.0.0/16 VirtualNetworkGateway 10.0.255.5',
    ];
    const events: SdnRouteEvent[] = [];
    unsubscribe = subscribeRouteEvents((event) => events.push(event));
    const rs = model.attachRouteServer({ id: 'rs', vnetId: 'hub' });
    expect(rowsFor(model.effectiveRoutes('app-vm'), '10.250.0.0/16')).toEqual(viaGateway);
    // hub routing preference VpnGateway: the route server's decision is the NVA's route
    rs.applyRouteChanges('IN_0', [injected('10.250.0.0/16', '10.0.2.4')]);
    expect(rowsFor(model.effectiveRoutes('app-vm'), '10.250.0.0/16')).toEqual([
      'VirtualNetworkGateway Active 10.250.0.0/16 VirtualNetworkGateway 10.0.2.4',
    ]);
    expect(model.nextHop('app-vm', '10.250.3.3').nextHopIpAddresses).toEqual(['10.0.2.4']);
    const bgpEvents = events.filter(
      (e): e is EffectiveRoutesChangedEvent => e.type === 'effective-routes-changed' && e.cause === 'bgp',
    );
    expect(bgpEvents).toHaveLength(1);
    const change = bgpEvents[0]!.domains[0]!.changes[0]!;
    expect(change.before.map((r) => r.nextHopIpAddresses[0])).toEqual(['10.0.255.4', '10.0.255.5']);
    expect(change.after.map((r) => r.nextHopIpAddresses[0])).toEqual(['10.0.2.4']);
    // the gateway changing its route under the route server's is no change for the VMs
    events.length = 0;
    vpn.applyRouteChanges('IN_1', [injected('10.250.0.0/16')]);
    expect(events).toEqual([]);
    model.detachRouteServer('rs');
    expect(rowsFor(model.effectiveRoutes('app-vm'), '10.250.0.0/16')).toEqual([viaGateway[0]]);
  });

  it('shows a more specific gateway route beside the route server routes, once', () => {
    const model = hubWithoutRouteServer();
    model.createSubnet({ vnetId: 'hub', name: 'RouteServerSubnet', addressPrefix: p('10.0.1.0/26') });
    const rs = model.attachRouteServer({ id: 'rs', vnetId: 'hub' });
    const vpn = model.attachGateway(VPN);
    rs.applyRouteChanges('IN_0', [
      injected('10.250.0.0/16', '10.0.2.4'),
      injected('192.168.10.0/24', '10.0.255.4'),
    ]);
    vpn.applyRouteChanges('IN_0', [
      injected('10.250.1.0/24', '192.168.255.1'),
      injected('192.168.10.0/24', '192.168.255.1'),
    ]);
    const table = model.effectiveRoutes('app-vm');
    expect(
      table
        .filter((r) => r.source === 'VirtualNetworkGateway')
        .map((r) => formatPrefix(r.addressPrefixes[0]!)),
    ).toEqual(['10.250.0.0/16', '10.250.1.0/24', '192.168.10.0/24']);
    expect(model.nextHop('app-vm', '10.250.1.1').nextHopIpAddresses).toEqual(['10.0.255.4']);
    expect(model.nextHop('app-vm', '10.250.2.1').nextHopIpAddresses).toEqual(['10.0.2.4']);
  });
});
