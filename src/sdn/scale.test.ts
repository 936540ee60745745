import { describe, expect, it } from 'vitest';
import type { Prefix } from '../lib/prefix.js';
import { ipv4Prefix } from '../lib/prefix.js';
import { p } from './fixtures.test-support.js';
import { VirtualNetworkModel } from './model.js';

/** `count` distinct /28s of 10.0.0.0/8. */
const slash28s = (count: number): Prefix[] =>
  Array.from({ length: count }, (_, i) => ipv4Prefix(((10 << 24) >>> 0) + i * 16, 28));

/** A model with `tables` route tables and one VNet of `subnets` /24 subnets, every other one with a table. */
function crowdedModel(tables: number, subnets: number): VirtualNetworkModel {
  const model = new VirtualNetworkModel({ name: 'scale' });
  for (let t = 0; t < tables; t++) model.createRouteTable({ id: `rt${t}` });
  model.createVirtualNetwork({ id: 'big', addressSpaces: [p('10.0.0.0/8')] });
  for (let s = 0; s < subnets; s++) {
    model.createSubnet({
      vnetId: 'big',
      name: `s${s}`,
      addressPrefix: ipv4Prefix(((10 << 24) >>> 0) + s * 256, 24),
      routeTableId: s % 2 === 0 ? `rt${s % tables}` : null,
    });
  }
  return model;
}

describe('virtual network model at scale', () => {
  it('finds an overlap anywhere in a long address space list, in either order', () => {
    const model = new VirtualNetworkModel();
    const spaces = slash28s(5000);
    const covering = p('10.0.40.0/22');
    expect(() => model.createVirtualNetwork({ id: 'a', addressSpaces: [...spaces, covering] })).toThrow(
      /10\.0\.40\.0\/22 overlaps 10\.0\.40\.0\/28/,
    );
    expect(() => model.createVirtualNetwork({ id: 'b', addressSpaces: [covering, ...spaces] })).toThrow(
      /10\.0\.40\.0\/28 overlaps 10\.0\.40\.0\/22/,
    );
    expect(() => model.createVirtualNetwork({ id: 'c', addressSpaces: [...spaces, spaces[4321]!] })).toThrow(
      /overlaps .* in the same virtual network/,
    );
    expect(model.createVirtualNetwork({ id: 'd', addressSpaces: spaces }).addressSpaces).toHaveLength(5000);
  });

  it('checks a peering against every address space of both VNets', () => {
    const model = new VirtualNetworkModel();
    model.createVirtualNetwork({ id: 'many', addressSpaces: slash28s(3000) });
    model.createVirtualNetwork({ id: 'inside', addressSpaces: [p('10.0.46.0/23')] });
    model.createVirtualNetwork({ id: 'apart', addressSpaces: [p('172.16.0.0/12')] });
    expect(() => model.createPeering({ id: 'x', localVnetId: 'apart', remoteVnetId: 'many' })).not.toThrow();
    expect(() => model.createPeering({ id: 'y', localVnetId: 'inside', remoteVnetId: 'many' })).toThrow(
      /overlaps 10\.0\.46\.0\/28 of peered virtual network 'many'/,
    );
  });

  it('recomputes one domain for a subnet write, whatever else is stored', () => {
    const model = crowdedModel(2000, 1000);
    model.createVirtualNetwork({ id: 'small', addressSpaces: [p('172.16.0.0/16')] });
    model.createSubnet({
      vnetId: 'small',
      name: 'one',
      addressPrefix: p('172.16.1.0/24'),
      routeTableId: 'rt7',
    });
    expect(model.lastRebuildWork()).toEqual({
      systemLayersChecked: 0,
      userLayersBuilt: 0,
      subnetsChecked: 1,
      domainsChecked: 1,
    });
  });

  it('rebuilds one route table and the domains using it when its routes change', () => {
    const model = crowdedModel(2000, 1000);
    model.updateRouteTable('rt4', {
      routes: [
        { name: 'r', addressPrefix: p('192.168.0.0/16'), nextHopType: 'None', nextHopIpAddress: null },
      ],
    });
    expect(model.lastRebuildWork()).toMatchObject({
      systemLayersChecked: 0,
      userLayersBuilt: 1,
      domainsChecked: 1,
    });
    model.createRouteTable({ id: 'fresh' });
    expect(model.lastRebuildWork()).toMatchObject({ userLayersBuilt: 1, domainsChecked: 0 });
  });

  it('answers the same effective routes as a model built in one go', () => {
    const model = crowdedModel(50, 40);
    model.createVirtualNetwork({ id: 'hub', addressSpaces: [p('172.16.0.0/16')] });
    model.createSubnet({ vnetId: 'hub', name: 'RouteServerSubnet', addressPrefix: p('172.16.0.0/26') });
    model.attachRouteServer({ id: 'rs', vnetId: 'hub' });
    model.createPeering({ id: 'h2b', localVnetId: 'hub', remoteVnetId: 'big', allowGatewayTransit: true });
    model.createPeering({ id: 'b2h', localVnetId: 'big', remoteVnetId: 'hub', useRemoteGateways: true });
    model.setSubnetRouteTable('big/subnets/s1', 'rt3');
    model.updateRouteTable('rt3', { disableBgpRoutePropagation: true });
    model.deleteSubnet('big/subnets/s2');
    model.setAddressSpaces('hub', [p('172.16.0.0/16'), p('172.17.0.0/16')]);

    const fresh = new VirtualNetworkModel({ name: 'fresh' });
    for (let t = 0; t < 50; t++)
      fresh.createRouteTable({ id: `rt${t}`, disableBgpRoutePropagation: t === 3 });
    fresh.createVirtualNetwork({ id: 'big', addressSpaces: [p('10.0.0.0/8')] });
    fresh.createVirtualNetwork({ id: 'hub', addressSpaces: [p('172.16.0.0/16'), p('172.17.0.0/16')] });
    fresh.createSubnet({ vnetId: 'hub', name: 'RouteServerSubnet', addressPrefix: p('172.16.0.0/26') });
    for (const subnet of model.routeDomains().flatMap((d) => model.subnetsOfDomain(d.id))) {
      const original = model.subnet(subnet)!;
      if (original.vnetId === 'big') fresh.createSubnet(original);
    }
    fresh.attachRouteServer({ id: 'rs', vnetId: 'hub' });
    fresh.createPeering({ id: 'h2b', localVnetId: 'hub', remoteVnetId: 'big', allowGatewayTransit: true });
    fresh.createPeering({ id: 'b2h', localVnetId: 'big', remoteVnetId: 'hub', useRemoteGateways: true });

    const subnets = model.routeDomains().flatMap((d) => model.subnetsOfDomain(d.id));
    expect(subnets).toHaveLength(40);
    for (const subnet of subnets) {
      expect(model.effectiveRoutesForSubnet(subnet)).toEqual(fresh.effectiveRoutesForSubnet(subnet));
    }
    expect(model.routeServer('rs')!.advertisedAddressSpaces()).toEqual(
      fresh.routeServer('rs')!.advertisedAddressSpaces(),
    );
  });
});
