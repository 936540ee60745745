/**
 * The ARM error body of every kind of refused write, field path included:
 * each refusal names the JSON path of the request member at fault, as ARM
 * does (`properties.addressSpace.addressPrefixes[3]`), whether the domain
 * service, the virtual network model or the body's shape refused it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiHarness, type ApiHarness } from './test-harness.test-support.js';

let api: ApiHarness;

beforeEach(async () => {
  api = await apiHarness();
  await api.request('PUT', 'virtualNetworks/hub', {
    location: 'local',
    properties: {
      addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
      subnets: [
        { name: 'RouteServerSubnet', properties: { addressPrefix: '10.0.1.0/26' } },
        { name: 'app', properties: { addressPrefix: '10.0.3.0/24' } },
      ],
    },
  });
  await api.request('PUT', 'routeTables/rt', { location: 'local' });
  await api.request('PUT', 'virtualHubs/rs', { location: 'local', properties: {} });
});

afterEach(async () => {
  await api.close();
});

const SUBNETS =
  '/subscriptions/00000000-0000-0000-0000-0000000000ee/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/hub/subnets';
const vnet = (properties: object) => ({ location: 'local', properties });
const space = (...prefixes: string[]) => ({ addressSpace: { addressPrefixes: prefixes } });
const route = (addressPrefix: string, nextHopType: string, nextHopIpAddress?: string) => ({
  properties: { addressPrefix, nextHopType, ...(nextHopIpAddress === undefined ? {} : { nextHopIpAddress }) },
});

type Case = readonly [
  name: string,
  path: string,
  body: object,
  status: number,
  code: string,
  target?: string,
];

const CASES: readonly Case[] = [
  [
    'a malformed address space',
    'virtualNetworks/vn',
    vnet(space('10.0.0.0/16', '10.1.0.0/16', '10.2.0.0/16', '10.3.0.1/16')),
    400,
    'InvalidParameter',
    'properties.addressSpace.addressPrefixes[3]',
  ],
  [
    'overlapping address spaces',
    'virtualNetworks/vn',
    vnet(space('10.0.0.0/16', '10.0.1.0/24')),
    400,
    'NetcfgOverlappingAddressSpaces',
    'properties.addressSpace.addressPrefixes[1]',
  ],
  [
    'a reserved address space',
    'virtualNetworks/vn',
    vnet(space('127.0.0.0/8')),
    400,
    'NetcfgInvalidAddressSpace',
    'properties.addressSpace.addressPrefixes[0]',
  ],
  [
    'an empty address space',
    'virtualNetworks/vn',
    vnet(space()),
    400,
    'AddressSpaceCannotBeEmpty',
    'properties.addressSpace.addressPrefixes',
  ],
  [
    'an inline subnet outside the VNet',
    'virtualNetworks/vn',
    vnet({ ...space('10.9.0.0/16'), subnets: [{ name: 'a', properties: { addressPrefix: '10.8.0.0/24' } }] }),
    400,
    'NetcfgSubnetRangeOutsideVnet',
    'properties.subnets[0].properties.addressPrefix',
  ],
  [
    'an inline subnet without a prefix',
    'virtualNetworks/vn',
    vnet({ ...space('10.9.0.0/16'), subnets: [{ name: 'a', properties: {} }] }),
    400,
    'InvalidRequestFormat',
    'properties.subnets[0].properties.addressPrefix',
  ],
  [
    'an inline subnet listed twice',
    'virtualNetworks/vn',
    vnet({
      ...space('10.9.0.0/16'),
      subnets: [
        { name: 'a', properties: { addressPrefix: '10.9.0.0/24' } },
        { name: 'A', properties: { addressPrefix: '10.9.1.0/24' } },
      ],
    }),
    400,
    'InvalidParameter',
    'properties.subnets[1].name',
  ],
  [
    'an inline subnet with a missing route table',
    'virtualNetworks/vn',
    vnet({
      ...space('10.9.0.0/16'),
      subnets: [
        { name: 'a', properties: { addressPrefix: '10.9.0.0/24', routeTable: { id: `${SUBNETS}/x` } } },
      ],
    }),
    400,
    'InvalidResourceReference',
    'properties.subnets[0].properties.routeTable.id',
  ],
  [
    'an inline peering with a missing remote',
    'virtualNetworks/vn',
    vnet({
      ...space('10.9.0.0/16'),
      virtualNetworkPeerings: [{ name: 'p', properties: { remoteVirtualNetwork: { id: `${SUBNETS}/x` } } }],
    }),
    400,
    'InvalidResourceReference',
    'properties.virtualNetworkPeerings[0].properties.remoteVirtualNetwork.id',
  ],
  [
    'an inline peering without properties',
    'virtualNetworks/vn',
    vnet({ ...space('10.9.0.0/16'), virtualNetworkPeerings: [{ name: 'p' }] }),
    400,
    'InvalidRequestFormat',
    'properties.virtualNetworkPeerings[0].properties.remoteVirtualNetwork',
  ],
  [
    'a subnet that is too small',
    'virtualNetworks/hub/subnets/tiny',
    { properties: { addressPrefix: '10.0.4.0/30' } },
    400,
    'NetcfgInvalidSubnet',
    'properties.addressPrefix',
  ],
  [
    'a subnet without a prefix',
    'virtualNetworks/hub/subnets/none',
    { properties: {} },
    400,
    'InvalidRequestFormat',
    'properties.addressPrefix',
  ],
  [
    'a route table on RouteServerSubnet',
    'virtualNetworks/hub/subnets/RouteServerSubnet',
    { properties: { addressPrefix: '10.0.1.0/26', routeTable: { id: 'ROUTE_TABLE' } } },
    400,
    'SubnetReservedForService',
    'properties.routeTable.id',
  ],
  [
    'a peering with itself',
    'virtualNetworks/hub/virtualNetworkPeerings/self',
    { properties: { remoteVirtualNetwork: { id: 'HUB' } } },
    400,
    'InvalidVirtualNetworkPeering',
    'properties.remoteVirtualNetwork.id',
  ],
  [
    'a route with a malformed prefix',
    'routeTables/rt/routes/r',
    route('10.0.0.1/8', 'None'),
    400,
    'InvalidParameter',
    'properties.addressPrefix',
  ],
  [
    'a VirtualAppliance route without a next hop',
    'routeTables/rt/routes/r',
    route('10.0.0.0/8', 'VirtualAppliance'),
    400,
    'InvalidRoute',
    'properties.nextHopIpAddress',
  ],
  [
    'a route with a malformed next hop',
    'routeTables/rt/routes/r',
    route('10.0.0.0/8', 'VirtualAppliance', 'x'),
    400,
    'InvalidParameter',
    'properties.nextHopIpAddress',
  ],
  [
    'inline routes with one name twice',
    'routeTables/rt2',
    {
      location: 'local',
      properties: {
        routes: [
          { name: 'a', ...route('10.0.0.0/8', 'None') },
          { name: 'a', ...route('10.1.0.0/16', 'None') },
        ],
      },
    },
    400,
    'InvalidParameter',
    'properties.routes[1].name',
  ],
  [
    'inline routes with one prefix twice',
    'routeTables/rt2',
    {
      location: 'local',
      properties: {
        routes: [
          { name: 'a', ...route('10.0.0.0/8', 'None') },
          { name: 'b', ...route('10.0.0.0/8', 'None') },
        ],
      },
    },
    400,
    'InvalidRoute',
    'properties.routes[1].properties.addressPrefix',
  ],
  [
    'an inline route without a next hop',
    'routeTables/rt2',
    {
      location: 'local',
      properties: { routes: [{ name: 'a', ...route('10.0.0.0/8', 'VirtualAppliance') }] },
    },
    400,
    'InvalidRoute',
    'properties.routes[0].properties.nextHopIpAddress',
  ],
  [
    'a NIC in a missing subnet',
    'networkInterfaces/vm',
    {
      location: 'local',
      properties: { ipConfigurations: [{ name: 'c', properties: { subnet: { id: `${SUBNETS}/none` } } }] },
    },
    400,
    'InvalidResourceReference',
    'properties.ipConfigurations[0].properties.subnet.id',
  ],
  [
    'a NIC address outside its subnet',
    'networkInterfaces/vm',
    {
      location: 'local',
      properties: {
        ipConfigurations: [
          {
            name: 'c',
            properties: {
              subnet: { id: `${SUBNETS}/app` },
              privateIPAddress: '10.0.9.9',
              privateIPAllocationMethod: 'Static',
            },
          },
        ],
      },
    },
    400,
    'PrivateIPAddressNotInSubnet',
    'properties.ipConfigurations[0].properties.privateIPAddress',
  ],
  [
    'a malformed NIC address',
    'networkInterfaces/vm',
    {
      location: 'local',
      properties: {
        ipConfigurations: [
          {
            name: 'c',
            properties: {
              subnet: { id: `${SUBNETS}/app` },
              privateIPAddress: 'x',
              privateIPAllocationMethod: 'Static',
            },
          },
        ],
      },
    },
    400,
    'InvalidParameter',
    'properties.ipConfigurations[0].properties.privateIPAddress',
  ],
  [
    'a NIC in RouteServerSubnet',
    'networkInterfaces/vm',
    {
      location: 'local',
      properties: {
        ipConfigurations: [{ name: 'c', properties: { subnet: { id: `${SUBNETS}/RouteServerSubnet` } } }],
      },
    },
    400,
    'SubnetReservedForService',
    'properties.ipConfigurations[0].properties.subnet.id',
  ],
  [
    'a router ASN other than 65515',
    'virtualHubs/rs',
    { location: 'local', properties: { virtualRouterAsn: 65001 } },
    400,
    'InvalidVirtualRouterAsn',
    'properties.virtualRouterAsn',
  ],
  [
    'a capacity out of range',
    'virtualHubs/rs',
    { location: 'local', properties: { virtualRouterAutoScaleConfiguration: { minCapacity: 49 } } },
    400,
    'InvalidParameter',
    'properties.virtualRouterAutoScaleConfiguration.minCapacity',
  ],
  [
    'an ipConfiguration outside RouteServerSubnet',
    'virtualHubs/rs/ipConfigurations/c',
    { properties: { subnet: { id: `${SUBNETS}/app` } } },
    400,
    'InvalidRouteServerSubnet',
    'properties.subnet.id',
  ],
  [
    'an ipConfiguration in a missing subnet',
    'virtualHubs/rs/ipConfigurations/c',
    { properties: { subnet: { id: `${SUBNETS}/none` } } },
    400,
    'InvalidResourceReference',
    'properties.subnet.id',
  ],
  [
    'a peer ASN Azure reserves',
    'virtualHubs/rs/bgpConnections/p',
    { properties: { peerIp: '10.0.3.4', peerAsn: 65515 } },
    400,
    'InvalidPeerAsn',
    'properties.peerAsn',
  ],
  [
    'an IPv6 peer',
    'virtualHubs/rs/bgpConnections/p',
    { properties: { peerIp: 'fd00::4', peerAsn: 65001 } },
    400,
    'InvalidPeerIp',
    'properties.peerIp',
  ],
];

const ids: Readonly<Record<string, string>> = {
  ROUTE_TABLE:
    '/subscriptions/00000000-0000-0000-0000-0000000000ee/resourceGroups/rg1/providers/Microsoft.Network/routeTables/rt',
  HUB: '/subscriptions/00000000-0000-0000-0000-0000000000ee/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/hub',
};

function withIds(body: object): object {
  return JSON.parse(
    JSON.stringify(body).replace(/"(ROUTE_TABLE|HUB)"/g, (_, key: string) => JSON.stringify(ids[key])),
  ) as object;
}

describe('ARM error targets', () => {
  for (const [name, path, body, status, code, target] of CASES) {
    it(`answers ${name} with ${code} at the member at fault`, async () => {
      const res = await api.request('PUT', path, withIds(body));
      expect(res.statusCode).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.target).toBe(target);
    });
  }
});
