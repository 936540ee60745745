/**
 * HTTP-level behaviour of virtualNetworks (with inline and child subnets and
 * peerings), routeTables/routes and networkInterfaces with their effective
 * route table, on the real domain service and store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiHarness, NET, SUB, type ApiHarness } from './test-harness.test-support.js';

let api: ApiHarness;

beforeEach(async () => {
  api = await apiHarness();
});

afterEach(async () => {
  await api.close();
});

const hubBody = {
  location: 'local',
  properties: {
    addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
    subnets: [
      { name: 'RouteServerSubnet', properties: { addressPrefix: '10.0.1.0/26' } },
      { name: 'app', properties: { addressPrefix: '10.0.3.0/24' } },
    ],
  },
};

describe('virtualNetworks', () => {
  it('creates a VNet with inline subnets, answers it with ids, etags and subnets, and lists it', async () => {
    const created = await api.request('PUT', 'virtualNetworks/hub', hubBody);
    expect(created.statusCode).toBe(201);
    expect(created.headers['azure-asyncoperation']).toBeDefined();
    expect(created.body).toMatchObject({
      id: `${NET}/virtualNetworks/hub`,
      name: 'hub',
      type: 'Microsoft.Network/virtualNetworks',
      location: 'local',
      properties: {
        addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
        provisioningState: 'Succeeded',
        subnets: [
          {
            name: 'app',
            id: `${NET}/virtualNetworks/hub/subnets/app`,
            properties: { addressPrefix: '10.0.3.0/24' },
          },
          { name: 'RouteServerSubnet', properties: { addressPrefix: '10.0.1.0/26' } },
        ],
      },
    });
    expect(created.body.etag).toMatch(/^W\/"/);
    const byGroup = await api.request('GET', 'virtualNetworks');
    const bySubscription = await api.request(
      'GET',
      `/subscriptions/${SUB}/providers/Microsoft.Network/virtualNetworks`,
    );
    expect(byGroup.body.value.map((v: { name: string }) => v.name)).toEqual(['hub']);
    expect(bySubscription.body.value).toHaveLength(1);
  });

  it('updates with PUT (200) and deletes the subnets the new body no longer lists', async () => {
    await api.request('PUT', 'virtualNetworks/hub', hubBody);
    const updated = await api.request('PUT', 'virtualNetworks/hub', {
      location: 'local',
      properties: {
        addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
        subnets: [hubBody.properties.subnets[1]],
      },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.body.properties.subnets.map((s: { name: string }) => s.name)).toEqual(['app']);
    expect((await api.request('GET', 'virtualNetworks/hub/subnets/RouteServerSubnet')).statusCode).toBe(404);
  });

  it('answers an overlapping inline subnet with NetcfgSubnetRangesOverlap at its path and writes nothing', async () => {
    const res = await api.request('PUT', 'virtualNetworks/vn', {
      location: 'local',
      properties: {
        addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
        subnets: [
          { name: 'a', properties: { addressPrefix: '10.0.1.0/24' } },
          { name: 'b', properties: { addressPrefix: '10.0.1.0/25' } },
        ],
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'NetcfgSubnetRangesOverlap',
      target: 'properties.subnets[1].properties.addressPrefix',
    });
    expect((await api.request('GET', 'virtualNetworks/vn')).statusCode).toBe(404);
  });

  it('answers a malformed address prefix with InvalidParameter', async () => {
    const res = await api.request('PUT', 'virtualNetworks/vn', {
      properties: { addressSpace: { addressPrefixes: ['10.0.0.1/16'] } },
    });
    expect(res.body.error).toMatchObject({
      code: 'InvalidParameter',
      target: 'properties.addressSpace.addressPrefixes[0]',
    });
  });

  it('answers stale If-Match, If-Match: * on a missing VNet and If-None-Match: * on an existing one with 412', async () => {
    const first = await api.request('PUT', 'virtualNetworks/hub', hubBody);
    await api.request('PUT', 'virtualNetworks/hub', { ...hubBody, tags: { a: 'b' } });
    const stale = await api.request('PUT', 'virtualNetworks/hub', hubBody, {
      'if-match': first.headers.etag as string,
    });
    expect(stale.statusCode).toBe(412);
    expect((await api.request('GET', 'virtualNetworks/hub')).body.tags).toEqual({ a: 'b' });
    expect((await api.request('PUT', 'virtualNetworks/other', hubBody, { 'if-match': '*' })).statusCode).toBe(
      412,
    );
    expect((await api.request('GET', 'virtualNetworks/other')).statusCode).toBe(404);
    expect(
      (await api.request('PUT', 'virtualNetworks/hub', hubBody, { 'if-none-match': '*' })).statusCode,
    ).toBe(412);
    const current = await api.request('GET', 'virtualNetworks/hub');
    const gone = await api.request('DELETE', 'virtualNetworks/hub', undefined, {
      'if-match': first.headers.etag as string,
    });
    expect(gone.statusCode).toBe(412);
    expect(
      (await api.request('DELETE', 'virtualNetworks/hub', undefined, { 'if-match': current.body.etag }))
        .statusCode,
    ).toBe(202);
  });

  it('reads If-Match as a list (RFC 9110 §13.1.1): any listed tag matches, weakness ignored as in ARM', async () => {
    const first = await api.request('PUT', 'virtualNetworks/hub', hubBody);
    const second = await api.request('PUT', 'virtualNetworks/hub', { ...hubBody, tags: { a: 'b' } });
    const stale = first.headers.etag as string;
    const current = second.headers.etag as string;
    expect(current).toMatch(/^W\/"[^"]+"$/);
    const put = (ifMatch: string) =>
      api.request('PUT', 'virtualNetworks/hub', { ...hubBody, tags: { a: 'b' } }, { 'if-match': ifMatch });
    const remove = (ifMatch: string) =>
      api.request('DELETE', 'virtualNetworks/hub', undefined, { 'if-match': ifMatch });
    expect((await remove('"x", "y"')).statusCode).toBe(412);
    expect((await remove(`${stale}, "y"`)).statusCode).toBe(412);
    expect((await put('W/"a,b"')).statusCode).toBe(412);
    const malformed = await put('"a" "b"');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: 'InvalidHeaderValue', target: 'If-Match' });
    expect((await api.request('GET', 'virtualNetworks/hub')).body.etag).toBe(current);
    const matched = await put(`${stale}, ${current}`);
    expect(matched.statusCode).toBe(200);
    expect((await put(`W/"a,b", ${matched.headers.etag as string}`)).statusCode).toBe(200);
  });

  it('reads W/"a,b" in If-None-Match as one tag that is not the current one', async () => {
    await api.request('PUT', 'virtualNetworks/hub', hubBody);
    const res = await api.request('PUT', 'virtualNetworks/hub', hubBody, { 'if-none-match': 'W/"a,b"' });
    expect(res.statusCode).toBe(200);
  });

  it('refuses an unknown property inside an inline subnet', async () => {
    const res = await api.request('PUT', 'virtualNetworks/vn', {
      properties: {
        addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
        subnets: [{ name: 'a', properties: { addressPrefix: '10.0.1.0/24', natGateway: { id: 'x' } } }],
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body.error.code).toBe('InvalidRequestFormat');
  });
});

describe('subnets and peerings as child resources', () => {
  beforeEach(async () => {
    await api.request('PUT', 'virtualNetworks/hub', hubBody);
  });

  it('creates, reads, lists and deletes a subnet, and shows it inline in the VNet', async () => {
    const created = await api.request('PUT', 'virtualNetworks/hub/subnets/nva', {
      properties: { addressPrefix: '10.0.2.0/24' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.body.type).toBe('Microsoft.Network/virtualNetworks/subnets');
    const vnet = await api.request('GET', 'virtualNetworks/hub');
    expect(vnet.body.properties.subnets.map((s: { name: string }) => s.name)).toContain('nva');
    expect((await api.request('GET', 'virtualNetworks/hub/subnets')).body.value).toHaveLength(3);
    const deleted = await api.request('DELETE', 'virtualNetworks/hub/subnets/nva');
    expect([200, 202]).toContain(deleted.statusCode);
    expect((await api.request('DELETE', 'virtualNetworks/hub/subnets/nva')).statusCode).toBe(204);
  });

  it('answers a subnet under a missing VNet with 404 ParentResourceNotFound', async () => {
    const res = await api.request('PUT', 'virtualNetworks/none/subnets/a', {
      properties: { addressPrefix: '10.0.2.0/24' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.body.error.code).toBe('ParentResourceNotFound');
  });

  it('refuses to delete a subnet with a network interface: InUseSubnetCannotBeDeleted', async () => {
    await api.request('PUT', 'networkInterfaces/vm', {
      location: 'local',
      properties: {
        ipConfigurations: [
          { name: 'ipconfig1', properties: { subnet: { id: `${NET}/virtualNetworks/hub/subnets/app` } } },
        ],
      },
    });
    const res = await api.request('DELETE', 'virtualNetworks/hub/subnets/app');
    expect(res.statusCode).toBe(400);
    expect(res.body.error.code).toBe('InUseSubnetCannotBeDeleted');
    expect((await api.request('GET', 'virtualNetworks/hub/subnets/app')).statusCode).toBe(200);
  });

  it('peers two VNets: Initiated, then Connected once the remote peers back', async () => {
    await api.request('PUT', 'virtualNetworks/spoke', {
      properties: { addressSpace: { addressPrefixes: ['10.1.0.0/16'] } },
    });
    const first = await api.request('PUT', 'virtualNetworks/hub/virtualNetworkPeerings/to-spoke', {
      properties: { remoteVirtualNetwork: { id: `${NET}/virtualNetworks/spoke` }, allowGatewayTransit: true },
    });
    expect(first.statusCode).toBe(201);
    expect(first.body.properties).toMatchObject({
      peeringState: 'Initiated',
      allowGatewayTransit: true,
      allowVirtualNetworkAccess: true,
    });
    await api.request('PUT', 'virtualNetworks/spoke/virtualNetworkPeerings/to-hub', {
      properties: { remoteVirtualNetwork: { id: `${NET}/virtualNetworks/hub` } },
    });
    const again = await api.request('GET', 'virtualNetworks/hub/virtualNetworkPeerings/to-spoke');
    expect(again.body.properties.peeringState).toBe('Connected');
    const vnet = await api.request('GET', 'virtualNetworks/hub');
    expect(vnet.body.properties.virtualNetworkPeerings).toHaveLength(1);
    expect((await api.request('GET', 'virtualNetworks/hub/virtualNetworkPeerings')).body.value).toHaveLength(
      1,
    );
  });

  it('answers a peering to a missing VNet with InvalidResourceReference naming remoteVirtualNetwork.id', async () => {
    const res = await api.request('PUT', 'virtualNetworks/hub/virtualNetworkPeerings/p', {
      properties: { remoteVirtualNetwork: { id: `${NET}/virtualNetworks/none` } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'InvalidResourceReference',
      target: 'properties.remoteVirtualNetwork.id',
    });
  });

  it('refuses to delete a VNet another VNet peers with', async () => {
    await api.request('PUT', 'virtualNetworks/spoke', {
      properties: { addressSpace: { addressPrefixes: ['10.1.0.0/16'] } },
    });
    await api.request('PUT', 'virtualNetworks/spoke/virtualNetworkPeerings/to-hub', {
      properties: { remoteVirtualNetwork: { id: `${NET}/virtualNetworks/hub` } },
    });
    const res = await api.request('DELETE', 'virtualNetworks/hub');
    expect(res.statusCode).toBe(400);
    expect(res.body.error.code).toBe('InUseVirtualNetworkCannotBeDeleted');
  });
});

describe('routeTables and routes', () => {
  it('creates a table with inline routes, adds a child route, associates it with a subnet and refuses its deletion', async () => {
    const table = await api.request('PUT', 'routeTables/rt', {
      location: 'local',
      properties: {
        routes: [{ name: 'blackhole', properties: { addressPrefix: '192.168.0.0/16', nextHopType: 'None' } }],
      },
    });
    expect(table.statusCode).toBe(201);
    const route = await api.request('PUT', 'routeTables/rt/routes/default', {
      properties: {
        addressPrefix: '0.0.0.0/0',
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: '10.0.3.10',
      },
    });
    expect(route.statusCode).toBe(201);
    expect(route.body.properties).toMatchObject({
      nextHopIpAddress: '10.0.3.10',
      provisioningState: 'Succeeded',
    });
    await api.request('PUT', 'virtualNetworks/vn', {
      properties: {
        addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
        subnets: [
          {
            name: 'a',
            properties: { addressPrefix: '10.0.1.0/24', routeTable: { id: `${NET}/routeTables/rt` } },
          },
        ],
      },
    });
    const got = await api.request('GET', 'routeTables/rt');
    expect(got.body.properties.routes.map((r: { name: string }) => r.name)).toEqual(['blackhole', 'default']);
    expect(got.body.properties.subnets).toEqual([{ id: `${NET}/virtualNetworks/vn/subnets/a` }]);
    const refused = await api.request('DELETE', 'routeTables/rt');
    expect(refused.body.error.code).toBe('InUseRouteTableCannotBeDeleted');
    expect((await api.request('GET', 'routeTables/rt/routes')).body.value).toHaveLength(2);
  });

  it('answers a VirtualAppliance route without next hop with InvalidRoute at nextHopIpAddress', async () => {
    await api.request('PUT', 'routeTables/rt', { location: 'local' });
    const res = await api.request('PUT', 'routeTables/rt/routes/r', {
      properties: { addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'InvalidRoute', target: 'properties.nextHopIpAddress' });
  });

  it('refuses a subnet naming a route table that does not exist', async () => {
    await api.request('PUT', 'virtualNetworks/vn', {
      properties: { addressSpace: { addressPrefixes: ['10.0.0.0/16'] } },
    });
    const res = await api.request('PUT', 'virtualNetworks/vn/subnets/a', {
      properties: { addressPrefix: '10.0.1.0/24', routeTable: { id: `${NET}/routeTables/none` } },
    });
    expect(res.body.error).toMatchObject({
      code: 'InvalidResourceReference',
      target: 'properties.routeTable.id',
    });
  });
});

describe('networkInterfaces', () => {
  beforeEach(async () => {
    await api.request('PUT', 'virtualNetworks/hub', hubBody);
  });

  const nic = (subnet: string, address?: string) => ({
    location: 'local',
    properties: {
      ipConfigurations: [
        {
          name: 'ipconfig1',
          properties: {
            subnet: { id: `${NET}/virtualNetworks/hub/subnets/${subnet}` },
            ...(address === undefined
              ? {}
              : { privateIPAddress: address, privateIPAllocationMethod: 'Static' }),
          },
        },
      ],
    },
  });

  it('assigns the first free address dynamically and reads the effective route table through an LRO', async () => {
    const created = await api.request('PUT', 'networkInterfaces/vm', nic('app'));
    expect(created.statusCode).toBe(201);
    expect(created.body.properties.ipConfigurations[0].properties).toMatchObject({
      privateIPAddress: '10.0.3.4',
      privateIPAllocationMethod: 'Dynamic',
    });
    const routes = await api.action('networkInterfaces/vm/effectiveRouteTable');
    expect(routes.statusCode).toBe(200);
    expect(routes.body.value).toContainEqual({
      disableBgpRoutePropagation: false,
      source: 'Default',
      state: 'Active',
      addressPrefix: ['10.0.0.0/16'],
      nextHopType: 'VnetLocal',
      nextHopIpAddress: [],
    });
  });

  it('answers a NIC in a missing subnet with InvalidResourceReference at its subnet id', async () => {
    const res = await api.request('PUT', 'networkInterfaces/vm', nic('none'));
    expect(res.body.error).toMatchObject({
      code: 'InvalidResourceReference',
      target: 'properties.ipConfigurations[0].properties.subnet.id',
    });
  });

  it('answers a static address in use with PrivateIPAddressInUse', async () => {
    await api.request('PUT', 'networkInterfaces/a', nic('app', '10.0.3.10'));
    const res = await api.request('PUT', 'networkInterfaces/b', nic('app', '10.0.3.10'));
    expect(res.body.error.code).toBe('PrivateIPAddressInUse');
    expect((await api.request('GET', 'networkInterfaces/b')).statusCode).toBe(404);
  });

  it('refuses a NIC in RouteServerSubnet', async () => {
    const res = await api.request('PUT', 'networkInterfaces/a', nic('RouteServerSubnet'));
    expect(res.body.error.code).toBe('SubnetReservedForService');
  });

  it('answers the effective route table of a missing NIC with 404', async () => {
    const res = await api.request('POST', 'networkInterfaces/none/effectiveRouteTable');
    expect(res.statusCode).toBe(404);
  });
});
