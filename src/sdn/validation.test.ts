import { describe, expect, it } from 'vitest';
import { SDN_ERROR_CODES as E, SdnError } from './errors.js';
import { hubAndSpokes, p } from './fixtures.test-support.js';
import { VirtualNetworkModel } from './model.js';

/** Runs a mutation that must fail; returns the error after checking the model did not change. */
function rejects(model: VirtualNetworkModel, subnetId: string, mutate: () => unknown): SdnError {
  const before = JSON.stringify(model.effectiveRoutesForSubnet(subnetId));
  const domains = model.routeDomains().length;
  let caught: unknown;
  try {
    mutate();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SdnError);
  expect(JSON.stringify(model.effectiveRoutesForSubnet(subnetId))).toBe(before);
  expect(model.routeDomains().length).toBe(domains);
  return caught as SdnError;
}

describe('validation', () => {
  it('rejects overlapping address spaces within a VNet', () => {
    const { model } = hubAndSpokes();
    const error = rejects(model, 'hub/subnets/app', () =>
      model.createVirtualNetwork({ id: 'x', addressSpaces: [p('10.9.0.0/16'), p('10.9.1.0/24')] }),
    );
    expect(error.code).toBe(E.ADDRESS_SPACE_OVERLAP);
    expect(error.field).toBe('addressSpaces[1]');
    expect(model.virtualNetwork('x')).toBeUndefined();
  });

  it('rejects address spaces in ranges Azure reserves', () => {
    const { model } = hubAndSpokes();
    const error = rejects(model, 'hub/subnets/app', () =>
      model.createVirtualNetwork({ id: 'x', addressSpaces: [p('169.254.0.0/16')] }),
    );
    expect(error.code).toBe(E.ADDRESS_SPACE_RESERVED);
  });

  it('treats IPv6 address spaces as IPv4 ones: ::/0 and the special ranges refused, global unicast accepted', () => {
    const { model } = hubAndSpokes();
    for (const space of ['0.0.0.0/0', '::/0', '::1/128', '::ffff:10.0.0.0/104', 'fe80::/64', 'ff02::/16']) {
      const error = rejects(model, 'hub/subnets/app', () =>
        model.createVirtualNetwork({ id: 'x', addressSpaces: [p(space)] }),
      );
      expect(error.code, space).toBe(E.ADDRESS_SPACE_RESERVED);
    }
    model.createVirtualNetwork({ id: 'x', addressSpaces: [p('2001:db8::/48'), p('fd00:1::/48')] });
    expect(model.virtualNetwork('x')).toBeDefined();
  });

  it('rejects a subnet outside its VNet', () => {
    const { model } = hubAndSpokes();
    const error = rejects(model, 'hub/subnets/app', () =>
      model.createSubnet({ vnetId: 'hub', name: 'out', addressPrefix: p('10.9.0.0/24') }),
    );
    expect(error.code).toBe(E.SUBNET_OUTSIDE_VNET);
    expect(error.field).toBe('addressPrefix');
    expect(model.subnet('hub/subnets/out')).toBeUndefined();
  });

  it('rejects overlapping subnets', () => {
    const { model } = hubAndSpokes();
    const error = rejects(model, 'hub/subnets/app', () =>
      model.createSubnet({ vnetId: 'hub', name: 'dup', addressPrefix: p('10.0.3.128/25') }),
    );
    expect(error.code).toBe(E.SUBNET_OVERLAP);
  });

  it('rejects a RouteServerSubnet smaller than /26', () => {
    const model = new VirtualNetworkModel();
    model.createVirtualNetwork({ id: 'v', addressSpaces: [p('10.0.0.0/16')] });
    model.createSubnet({ vnetId: 'v', name: 'other', addressPrefix: p('10.0.9.0/24') });
    const error = rejects(model, 'v/subnets/other', () =>
      model.createSubnet({ vnetId: 'v', name: 'RouteServerSubnet', addressPrefix: p('10.0.1.0/27') }),
    );
    expect(error.code).toBe(E.ROUTE_SERVER_SUBNET_TOO_SMALL);
  });

  it('rejects shrinking an address space below an existing subnet', () => {
    const { model } = hubAndSpokes();
    const error = rejects(model, 'hub/subnets/app', () => model.setAddressSpaces('hub', [p('10.0.0.0/23')]));
    expect(error.code).toBe(E.IN_USE);
  });

  it('rejects a peering between overlapping VNets', () => {
    const { model } = hubAndSpokes();
    model.createVirtualNetwork({ id: 'clash', addressSpaces: [p('10.0.128.0/17')] });
    const error = rejects(model, 'hub/subnets/app', () =>
      model.createPeering({ id: 'x', localVnetId: 'hub', remoteVnetId: 'clash' }),
    );
    expect(error.code).toBe(E.PEERING_OVERLAP);
  });

  it('rejects a peering to a VNet that overlaps another peer', () => {
    const { model } = hubAndSpokes();
    model.createVirtualNetwork({ id: 'clash', addressSpaces: [p('10.1.0.0/20')] });
    const error = rejects(model, 'hub/subnets/app', () =>
      model.createPeering({ id: 'x', localVnetId: 'hub', remoteVnetId: 'clash' }),
    );
    expect(error.code).toBe(E.PEERING_OVERLAP);
  });

  it('rejects an address-space change that would overlap a peered VNet', () => {
    const { model } = hubAndSpokes();
    const error = rejects(model, 'hub/subnets/app', () =>
      model.setAddressSpaces('spoke2', [p('10.2.0.0/16'), p('10.0.128.0/17')]),
    );
    expect(error.code).toBe(E.PEERING_OVERLAP);
  });

  it('rejects useRemoteGateways when the remote VNet has no route server', () => {
    const { model } = hubAndSpokes();
    const error = rejects(model, 'spoke2/subnets/workload', () =>
      model.createPeering({
        id: 'x',
        localVnetId: 'spoke2',
        remoteVnetId: 'spoke1',
        useRemoteGateways: true,
      }),
    );
    expect(error.code).toBe(E.REMOTE_GATEWAY);
  });

  it('rejects a NIC address outside its subnet, reserved by Azure, or taken', () => {
    const { model } = hubAndSpokes();
    const nic = (privateIpAddress: string) => () =>
      model.createNetworkInterface({ id: 'new', subnetId: 'hub/subnets/app', privateIpAddress });
    expect(rejects(model, 'hub/subnets/app', nic('10.0.4.10')).code).toBe(E.NIC_ADDRESS_OUTSIDE_SUBNET);
    for (const reserved of ['10.0.3.0', '10.0.3.1', '10.0.3.2', '10.0.3.3', '10.0.3.255']) {
      const error = rejects(model, 'hub/subnets/app', nic(reserved));
      expect(error.code).toBe(E.NIC_ADDRESS_RESERVED);
      expect(error.field).toBe('privateIpAddress');
    }
    expect(rejects(model, 'hub/subnets/app', nic('10.0.3.4')).code).toBe(E.NIC_ADDRESS_IN_USE);
    expect(rejects(model, 'hub/subnets/app', nic('not-an-ip')).code).toBe(E.INVALID_ADDRESS);
    expect(model.networkInterface('new')).toBeUndefined();
    expect(
      model.createNetworkInterface({ id: 'new', subnetId: 'hub/subnets/app', privateIpAddress: '10.0.3.254' })
        .privateIpAddress,
    ).toBe('10.0.3.254');
  });

  it('reserves the first four addresses of an IPv6 subnet', () => {
    const model = new VirtualNetworkModel();
    model.createVirtualNetwork({ id: 'v', addressSpaces: [p('fd00:1::/48')] });
    model.createSubnet({ vnetId: 'v', name: 's', addressPrefix: p('fd00:1:0:1::/64') });
    const create = (id: string, ip: string) =>
      model.createNetworkInterface({ id, subnetId: 'v/subnets/s', privateIpAddress: ip });
    expect(() => create('a', 'fd00:1:0:1::3')).toThrow(
      expect.objectContaining({ code: E.NIC_ADDRESS_RESERVED }),
    );
    expect(create('b', 'fd00:1:0:1::4').privateIpAddress).toBe('fd00:1:0:1::4');
    expect(create('c', 'fd00:1:0:1::1:0').privateIpAddress).toBe('fd00:1:0:1::1:0');
  });

  it('keeps NICs out of RouteServerSubnet and route tables off it', () => {
    const { model } = hubAndSpokes();
    model.createRouteTable({ id: 'rt' });
    expect(
      rejects(model, 'hub/subnets/app', () =>
        model.createNetworkInterface({
          id: 'x',
          subnetId: 'hub/subnets/RouteServerSubnet',
          privateIpAddress: '10.0.1.10',
        }),
      ).code,
    ).toBe(E.SUBNET_RESERVED_FOR_SERVICE);
    expect(
      rejects(model, 'hub/subnets/app', () =>
        model.setSubnetRouteTable('hub/subnets/RouteServerSubnet', 'rt'),
      ).code,
    ).toBe(E.SUBNET_RESERVED_FOR_SERVICE);
  });

  it('rejects deleting resources still in use', () => {
    const { model } = hubAndSpokes();
    model.createRouteTable({ id: 'rt' });
    model.setSubnetRouteTable('hub/subnets/app', 'rt');
    const inUse = [
      () => model.deleteSubnet('hub/subnets/app'),
      () => model.deleteSubnet('hub/subnets/RouteServerSubnet'),
      () => model.deleteVirtualNetwork('spoke2'),
      () => model.deleteRouteTable('rt'),
      () => model.detachRouteServer('rs'),
    ];
    for (const mutate of inUse) expect(rejects(model, 'hub/subnets/app', mutate).code).toBe(E.IN_USE);
  });

  it('rejects malformed user-defined routes', () => {
    const { model } = hubAndSpokes();
    const route = (nextHopType: 'VirtualAppliance' | 'Internet', nextHopIpAddress: string | null) => () =>
      model.createRouteTable({
        id: 'rt',
        routes: [{ name: 'r', addressPrefix: p('0.0.0.0/0'), nextHopType, nextHopIpAddress }],
      });
    expect(rejects(model, 'hub/subnets/app', route('VirtualAppliance', null)).code).toBe(E.INVALID_ROUTE);
    expect(rejects(model, 'hub/subnets/app', route('VirtualAppliance', 'fd00::1')).code).toBe(
      E.INVALID_ROUTE,
    );
    expect(rejects(model, 'hub/subnets/app', route('Internet', '10.0.2.4')).code).toBe(E.INVALID_ROUTE);
    expect(model.routeTable('rt')).toBeUndefined();
  });

  it('deletes a VNet once nothing uses it', () => {
    const { model } = hubAndSpokes();
    model.deleteNetworkInterface('spoke2-vm');
    model.deletePeering('spoke2-to-hub');
    model.deletePeering('hub-to-spoke2');
    model.deleteVirtualNetwork('spoke2');
    expect(model.subnet('spoke2/subnets/workload')).toBeUndefined();
    expect(model.nextHop('app-vm', '10.2.1.4').nextHopType).toBe('None');
  });
});
