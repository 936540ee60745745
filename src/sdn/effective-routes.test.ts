import { describe, expect, it } from 'vitest';
import { VirtualNetworkModel } from './model.js';
import { hubAndSpokes, injected, Instances, p, rows, rowsFor } from './fixtures.test-support.js';

describe('system routes', () => {
  it('gives a lone VNet VnetLocal, Internet and the None routes for unused private ranges', () => {
    const model = new VirtualNetworkModel();
    model.createVirtualNetwork({ id: 'v', addressSpaces: [p('10.5.0.0/16')] });
    model.createSubnet({ vnetId: 'v', name: 's', addressPrefix: p('10.5.0.0/24') });
    expect(rows(model.effectiveRoutesForSubnet('v/subnets/s'))).toEqual([
      'Default Active 0.0.0.0/0 Internet',
      'Default Active 10.0.0.0/8 None',
      'Default Active 10.5.0.0/16 VnetLocal',
      'Default Active 100.64.0.0/10 None',
      'Default Active 172.16.0.0/12 None',
      'Default Active 192.168.0.0/16 None',
    ]);
  });

  it('turns a None route into VnetLocal when the address space equals the range', () => {
    const model = new VirtualNetworkModel();
    model.createVirtualNetwork({ id: 'v', addressSpaces: [p('192.168.0.0/16')] });
    model.createSubnet({ vnetId: 'v', name: 's', addressPrefix: p('192.168.0.0/24') });
    expect(rowsFor(model.effectiveRoutesForSubnet('v/subnets/s'), '192.168.0.0/16')).toEqual([
      'Default Active 192.168.0.0/16 VnetLocal',
    ]);
  });

  it('removes a None route when the address space contains the range', () => {
    const model = new VirtualNetworkModel();
    model.createVirtualNetwork({ id: 'v', addressSpaces: [p('10.0.0.0/7')] });
    model.createSubnet({ vnetId: 'v', name: 's', addressPrefix: p('10.0.0.0/24') });
    const table = model.effectiveRoutesForSubnet('v/subnets/s');
    expect(rowsFor(table, '10.0.0.0/8')).toEqual([]);
    expect(rowsFor(table, '10.0.0.0/7')).toEqual(['Default Active 10.0.0.0/7 VnetLocal']);
  });

  it('adds ::/0 to the Internet for a dual-stack VNet', () => {
    const model = new VirtualNetworkModel();
    model.createVirtualNetwork({ id: 'v', addressSpaces: [p('10.5.0.0/16'), p('fd00:5::/48')] });
    model.createSubnet({ vnetId: 'v', name: 's6', addressPrefix: p('fd00:5:0:1::/64') });
    const table = model.effectiveRoutesForSubnet('v/subnets/s6');
    expect(rowsFor(table, '::/0')).toEqual(['Default Active ::/0 Internet']);
    expect(rowsFor(table, 'fd00:5::/48')).toEqual(['Default Active fd00:5::/48 VnetLocal']);
  });

  it('lists a peered VNet as VNetPeering only once both sides of the peering exist', () => {
    const model = new VirtualNetworkModel();
    model.createVirtualNetwork({ id: 'a', addressSpaces: [p('10.10.0.0/16')] });
    model.createVirtualNetwork({ id: 'b', addressSpaces: [p('10.20.0.0/16')] });
    model.createSubnet({ vnetId: 'a', name: 's', addressPrefix: p('10.10.0.0/24') });
    model.createPeering({ id: 'a-b', localVnetId: 'a', remoteVnetId: 'b' });
    expect(model.peeringState('a-b')).toBe('Initiated');
    expect(rowsFor(model.effectiveRoutesForSubnet('a/subnets/s'), '10.20.0.0/16')).toEqual([]);
    model.createPeering({ id: 'b-a', localVnetId: 'b', remoteVnetId: 'a' });
    expect(model.peeringState('a-b')).toBe('Connected');
    expect(rowsFor(model.effectiveRoutesForSubnet('a/subnets/s'), '10.20.0.0/16')).toEqual([
      'Default Active 10.20.0.0/16 VNetPeering',
    ]);
  });
});

describe('BGP routes from the route server', () => {
  it('shows one VirtualNetworkGateway row per ECMP next hop', () => {
    const { model, rs } = hubAndSpokes();
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16', '10.0.2.5', '10.0.2.4')]);
    expect(rowsFor(model.effectiveRoutes('app-vm'), '172.20.0.0/16')).toEqual([
      'VirtualNetworkGateway Active 172.20.0.0/16 VirtualNetworkGateway 10.0.2.4',
      'VirtualNetworkGateway Active 172.20.0.0/16 VirtualNetworkGateway 10.0.2.5',
    ]);
  });

  it('programs the routes into every hub subnet, the NVA subnet included', () => {
    const { model, rs } = hubAndSpokes();
    rs.applyRouteChanges('IN_0', [injected('0.0.0.0/0', '10.0.2.4')]);
    expect(rowsFor(model.effectiveRoutes('nva1'), '0.0.0.0/0')).toEqual([
      'VirtualNetworkGateway Active 0.0.0.0/0 VirtualNetworkGateway 10.0.2.4',
      'Default Invalid 0.0.0.0/0 Internet',
    ]);
  });

  it('programs a spoke that uses the remote gateway and whose hub allows gateway transit', () => {
    const { model, rs } = hubAndSpokes();
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16', '10.0.2.4')]);
    expect(rowsFor(model.effectiveRoutes('spoke1-vm'), '172.20.0.0/16')).toEqual([
      'VirtualNetworkGateway Active 172.20.0.0/16 VirtualNetworkGateway 10.0.2.4',
    ]);
  });

  it('does not program a peered spoke without useRemoteGateways', () => {
    const { model, rs } = hubAndSpokes();
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16', '10.0.2.4')]);
    expect(rowsFor(model.effectiveRoutes('spoke2-vm'), '172.20.0.0/16')).toEqual([]);
  });

  it('stops programming a spoke when the hub withdraws gateway transit', () => {
    const { model, rs } = hubAndSpokes();
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16', '10.0.2.4')]);
    model.updatePeering('hub-to-spoke1', { allowGatewayTransit: false });
    expect(rowsFor(model.effectiveRoutes('spoke1-vm'), '172.20.0.0/16')).toEqual([]);
    model.updatePeering('hub-to-spoke1', { allowGatewayTransit: true });
    expect(rowsFor(model.effectiveRoutes('spoke1-vm'), '172.20.0.0/16')).toHaveLength(1);
  });

  it('programs the union of both instances, deduplicated by prefix and next hop', () => {
    const { model, rs } = hubAndSpokes();
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16', '10.0.2.4', '10.0.2.5')]);
    rs.applyRouteChanges('IN_1', [
      injected('172.20.0.0/16', '10.0.2.4'),
      injected('172.21.0.0/16', '10.0.2.5'),
    ]);
    const table = model.effectiveRoutes('app-vm');
    expect(rowsFor(table, '172.20.0.0/16')).toEqual([
      'VirtualNetworkGateway Active 172.20.0.0/16 VirtualNetworkGateway 10.0.2.4',
      'VirtualNetworkGateway Active 172.20.0.0/16 VirtualNetworkGateway 10.0.2.5',
    ]);
    expect(rowsFor(table, '172.21.0.0/16')).toHaveLength(1);
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16')]);
    expect(rowsFor(model.effectiveRoutes('app-vm'), '172.20.0.0/16')).toEqual([
      'VirtualNetworkGateway Active 172.20.0.0/16 VirtualNetworkGateway 10.0.2.4',
    ]);
    rs.applyRouteChanges('IN_1', [injected('172.20.0.0/16')]);
    expect(rowsFor(model.effectiveRoutes('app-vm'), '172.20.0.0/16')).toEqual([]);
  });

  it('drops one ECMP row when a next hop is lost', () => {
    const { model, rs } = hubAndSpokes();
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16', '10.0.2.4', '10.0.2.5')]);
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16', '10.0.2.5')]);
    expect(rowsFor(model.effectiveRoutes('app-vm'), '172.20.0.0/16')).toEqual([
      'VirtualNetworkGateway Active 172.20.0.0/16 VirtualNetworkGateway 10.0.2.5',
    ]);
  });

  it('does not program prefixes equal to or inside an advertised address space', () => {
    const { model, rs } = hubAndSpokes();
    const instances = new Instances(rs, ['10.0.2.4']);
    for (const prefix of ['10.0.0.0/16', '10.1.5.0/24', '10.0.0.0/8'])
      instances.learn('IN_0', prefix, '10.0.2.4');
    const table = model.effectiveRoutes('app-vm');
    expect(rows(table).filter((r) => r.startsWith('VirtualNetworkGateway'))).toEqual([
      'VirtualNetworkGateway Active 10.0.0.0/8 VirtualNetworkGateway 10.0.2.4',
    ]);
    expect(rowsFor(table, '10.0.0.0/8')).toContain('Default Invalid 10.0.0.0/8 None');
  });

  it('gives no BGP routes to a subnet whose route table disables propagation', () => {
    const { model, rs } = hubAndSpokes();
    model.createRouteTable({ id: 'no-bgp', disableBgpRoutePropagation: true });
    model.setSubnetRouteTable('hub/subnets/nva', 'no-bgp');
    rs.applyRouteChanges('IN_0', [injected('0.0.0.0/0', '10.0.2.4')]);
    expect(rowsFor(model.effectiveRoutes('nva1'), '0.0.0.0/0')).toEqual([
      'Default Active 0.0.0.0/0 Internet',
    ]);
    expect(rowsFor(model.effectiveRoutes('app-vm'), '0.0.0.0/0')[0]).toContain(
      'VirtualNetworkGateway Active',
    );
    model.updateRouteTable('no-bgp', { disableBgpRoutePropagation: false });
    expect(rowsFor(model.effectiveRoutes('nva1'), '0.0.0.0/0')[0]).toContain('VirtualNetworkGateway Active');
  });
});

describe('precedence', () => {
  it('prefers a user-defined route over BGP and system routes for the same prefix', () => {
    const { model, rs } = hubAndSpokes();
    model.createRouteTable({
      id: 'rt',
      routes: [
        {
          name: 'to-internet',
          addressPrefix: p('0.0.0.0/0'),
          nextHopType: 'Internet',
          nextHopIpAddress: null,
        },
      ],
    });
    model.setSubnetRouteTable('hub/subnets/nva', 'rt');
    rs.applyRouteChanges('IN_0', [injected('0.0.0.0/0', '10.0.2.4', '10.0.2.5')]);
    expect(rowsFor(model.effectiveRoutes('nva1'), '0.0.0.0/0')).toEqual([
      'User Active 0.0.0.0/0 Internet',
      'VirtualNetworkGateway Invalid 0.0.0.0/0 VirtualNetworkGateway 10.0.2.4',
      'VirtualNetworkGateway Invalid 0.0.0.0/0 VirtualNetworkGateway 10.0.2.5',
      'Default Invalid 0.0.0.0/0 Internet',
    ]);
    const invalid = model.effectiveRoutes('nva1').filter((r) => r.state === 'Invalid');
    expect(new Set(invalid.map((r) => r.invalidReason))).toEqual(new Set(['OverriddenByUserRoute']));
  });

  it('prefers a BGP route over the system route for the same prefix', () => {
    const { model, rs } = hubAndSpokes();
    rs.applyRouteChanges('IN_0', [injected('100.64.0.0/10', '10.0.2.4')]);
    const table = model.effectiveRoutes('app-vm');
    expect(rowsFor(table, '100.64.0.0/10')).toEqual([
      'VirtualNetworkGateway Active 100.64.0.0/10 VirtualNetworkGateway 10.0.2.4',
      'Default Invalid 100.64.0.0/10 None',
    ]);
    expect(table.find((r) => r.state === 'Invalid')?.invalidReason).toBe('OverriddenByBgpRoute');
  });

  it('prefers a user-defined route over the system route for a VNet prefix', () => {
    const { model } = hubAndSpokes();
    model.createRouteTable({
      id: 'rt',
      routes: [
        {
          name: 'spoke2',
          addressPrefix: p('10.2.0.0/16'),
          nextHopType: 'VirtualAppliance',
          nextHopIpAddress: '10.0.2.4',
        },
      ],
    });
    model.setSubnetRouteTable('hub/subnets/app', 'rt');
    expect(rowsFor(model.effectiveRoutes('app-vm'), '10.2.0.0/16')).toEqual([
      'User Active 10.2.0.0/16 VirtualAppliance 10.0.2.4',
      'Default Invalid 10.2.0.0/16 VNetPeering',
    ]);
  });

  it('keeps VNet and peering routes over more specific BGP routes and marks those Invalid', () => {
    const { model, rs } = hubAndSpokes();
    // spoke2 does not use the route server, so its space is injectable, yet the hub's peering route wins.
    rs.applyRouteChanges('IN_0', [injected('10.2.1.0/24', '10.0.2.4')]);
    const table = model.effectiveRoutes('app-vm');
    expect(rowsFor(table, '10.2.1.0/24')).toEqual([
      'VirtualNetworkGateway Invalid 10.2.1.0/24 VirtualNetworkGateway 10.0.2.4',
    ]);
    expect(table.find((r) => r.state === 'Invalid')?.invalidReason).toBe('VirtualNetworkRoutePreferred');
    expect(model.nextHop('app-vm', '10.2.1.9').nextHopType).toBe('VNetPeering');
  });

  it('lets a longer user-defined route win over a shorter BGP route', () => {
    const { model, rs } = hubAndSpokes();
    model.createRouteTable({
      id: 'rt',
      routes: [
        { name: 'blackhole', addressPrefix: p('172.20.9.0/24'), nextHopType: 'None', nextHopIpAddress: null },
      ],
    });
    model.setSubnetRouteTable('hub/subnets/app', 'rt');
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16', '10.0.2.4')]);
    expect(model.nextHop('app-vm', '172.20.9.1').nextHopType).toBe('None');
    expect(model.nextHop('app-vm', '172.20.8.1').nextHopType).toBe('VirtualNetworkGateway');
  });
});

describe('route domains', () => {
  it('shares one table among NICs of a subnet and among subnets with the same route table', () => {
    const { model } = hubAndSpokes();
    expect(model.routeDomainOfSubnet('hub/subnets/nva')).toBe(model.routeDomainOfSubnet('hub/subnets/app'));
    model.createRouteTable({ id: 'rt' });
    model.setSubnetRouteTable('hub/subnets/app', 'rt');
    const domain = model.routeDomainOfSubnet('hub/subnets/app');
    expect(domain).not.toBe(model.routeDomainOfSubnet('hub/subnets/nva'));
    expect(model.nicsOfDomain(domain.id)).toEqual(['app-vm']);
    expect(model.effectiveRoutes('nva1')).toEqual(model.effectiveRoutes('nva2'));
  });
});
