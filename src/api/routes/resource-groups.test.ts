/**
 * Resource groups and provider registration (Microsoft.Resources), public IP
 * addresses, PATCH of tags, and PUT bodies that echo a GET, over HTTP on the
 * real domain service and store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiHarness, NET, SUB, type ApiHarness, type Answer } from './test-harness.test-support.js';

let api: ApiHarness;

const GROUPS = `/subscriptions/${SUB}/resourcegroups`;
const RV = 'api-version=2024-11-01';
const SUBNET = `${NET}/virtualNetworks/hub/subnets/RouteServerSubnet`;
const PIP = `${NET}/publicIPAddresses/rs-pip`;

async function routeServerWithPublicIp(): Promise<void> {
  await api.request('PUT', 'virtualNetworks/hub', {
    location: 'local',
    properties: {
      addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
      subnets: [
        { name: 'RouteServerSubnet', properties: { addressPrefix: '10.0.1.0/26' } },
        { name: 'nva', properties: { addressPrefix: '10.0.2.0/24' } },
      ],
    },
  });
  await api.request('PUT', 'publicIPAddresses/rs-pip', { location: 'local', sku: { name: 'Standard' } });
  await api.request('PUT', 'virtualHubs/rs', { location: 'local', properties: { sku: 'Standard' } });
  const config = await api.request('PUT', 'virtualHubs/rs/ipConfigurations/ipconfig1', {
    properties: { subnet: { id: SUBNET }, publicIPAddress: { id: PIP } },
  });
  expect(config.statusCode).toBe(201);
  await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', {
    properties: { peerIp: '10.0.2.4', peerAsn: 65001 },
  });
}

/** Follows a 202's Location until the operation ends. */
async function settle(accepted: Answer): Promise<Answer> {
  let answer = accepted;
  for (let i = 0; i < 200 && answer.statusCode === 202; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    const location = new URL(accepted.headers.location as string);
    answer = await api.request('GET', `${location.pathname}${location.search}`);
  }
  return answer;
}

beforeEach(async () => {
  api = await apiHarness();
});

afterEach(async () => {
  await api.close();
});

describe('resource groups', () => {
  it('creates, reads, lists and tags a group in ARM’s shape', async () => {
    const created = await api.request('PUT', `${GROUPS}/rg-a?${RV}`, { location: 'local', tags: { a: '1' } });
    expect(created.statusCode).toBe(201);
    expect(created.body).toEqual({
      id: `/subscriptions/${SUB}/resourceGroups/rg-a`,
      name: 'rg-a',
      type: 'Microsoft.Resources/resourceGroups',
      location: 'local',
      tags: { a: '1' },
      properties: { provisioningState: 'Succeeded' },
    });
    expect((await api.request('PUT', `${GROUPS}/rg-a?${RV}`, { location: 'local' })).statusCode).toBe(200);
    const patched = await api.request('PATCH', `${GROUPS}/RG-A?${RV}`, { tags: { b: '2' } });
    expect(patched.body.tags).toEqual({ b: '2' });
    expect(
      (await api.request('GET', `${GROUPS}?${RV}`)).body.value.map((g: { name: string }) => g.name),
    ).toEqual(['rg-a']);
  });

  it('answers a missing group with 404 ResourceGroupNotFound, and HEAD with 204 or 404', async () => {
    const missing = await api.request('GET', `${GROUPS}/nope?${RV}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.body.error.code).toBe('ResourceGroupNotFound');
    expect((await api.request('DELETE', `${GROUPS}/nope?${RV}`)).statusCode).toBe(404);
    await api.request('PUT', `${GROUPS}/rg-a?${RV}`, { location: 'local' });
    const head = (name: string) =>
      api.server.app.inject({
        method: 'HEAD',
        url: `${GROUPS}/${name}?${RV}`,
        headers: { authorization: `Bearer ${api.server.credentials.token}` },
      });
    expect((await head('rg-a')).statusCode).toBe(204);
    expect((await head('nope')).statusCode).toBe(404);
  });

  it('refuses to move a group to another location with 409 InvalidResourceGroupLocation', async () => {
    await api.request('PUT', `${GROUPS}/rg-a?${RV}`, { location: 'local' });
    const moved = await api.request('PUT', `${GROUPS}/rg-a?${RV}`, { location: 'westeurope' });
    expect(moved.statusCode).toBe(409);
    expect(moved.body.error.code).toBe('InvalidResourceGroupLocation');
  });

  it('creates the group of a network resource PUT into a group that does not exist', async () => {
    await api.request('PUT', 'routeTables/rt', { location: 'lab' });
    const group = await api.request('GET', `${GROUPS}/rg1?${RV}`);
    expect(group.body).toMatchObject({ name: 'rg1', location: 'lab' });
  });

  it('deletes a group with its resources in dependency order as a long-running operation', async () => {
    await routeServerWithPublicIp();
    await api.request('PUT', 'networkInterfaces/vm1', {
      location: 'local',
      properties: {
        ipConfigurations: [
          { name: 'ipconfig1', properties: { subnet: { id: `${NET}/virtualNetworks/hub/subnets/nva` } } },
        ],
      },
    });
    await api.request('PUT', 'routeTables/rt', { location: 'local' });
    const accepted = await api.request('DELETE', `${GROUPS}/rg1?${RV}`);
    expect(accepted.statusCode).toBe(202);
    expect(accepted.headers['azure-asyncoperation']).toBeUndefined();
    const done = await settle(accepted);
    expect([done.statusCode, done.body]).toEqual([204, undefined]);
    for (const path of [
      'virtualHubs/rs',
      'networkInterfaces/vm1',
      'virtualNetworks/hub',
      'routeTables/rt',
      'publicIPAddresses/rs-pip',
    ])
      expect((await api.request('GET', path)).statusCode).toBe(404);
    expect((await api.request('GET', `${GROUPS}/rg1?${RV}`)).statusCode).toBe(404);
    expect(await api.store.list({ type: 'Microsoft.Resources/resourceGroups' })).toEqual({ records: [] });
  });

  it('fails the deletion with the refusal of a resource that cannot go, and keeps the group', async () => {
    await api.request('PUT', 'virtualNetworks/va', {
      location: 'local',
      properties: { addressSpace: { addressPrefixes: ['10.1.0.0/16'] } },
    });
    const other = `/subscriptions/${SUB}/resourceGroups/rg2/providers/Microsoft.Network/virtualNetworks/vb`;
    await api.request('PUT', other, {
      location: 'local',
      properties: { addressSpace: { addressPrefixes: ['10.2.0.0/16'] } },
    });
    const peered = await api.request('PUT', `${other}/virtualNetworkPeerings/to-a`, {
      properties: { remoteVirtualNetwork: { id: `${NET}/virtualNetworks/va` } },
    });
    expect([peered.statusCode, peered.body.error]).toEqual([201, undefined]);
    const done = await settle(await api.request('DELETE', `${GROUPS}/rg1?${RV}`));
    expect(done.statusCode).toBe(400);
    expect((await api.request('GET', `${GROUPS}/rg1?${RV}`)).body.properties.provisioningState).toBe(
      'Succeeded',
    );
  });
});

describe('resource group policy required', () => {
  it('refuses a network resource PUT into a missing group with 404 ResourceGroupNotFound and stores nothing', async () => {
    await api.close();
    api = await apiHarness({ resourceGroups: 'required' });
    const refused = await api.request('PUT', 'routeTables/rt', { location: 'local' });
    expect(refused.statusCode).toBe(404);
    expect(refused.body.error.code).toBe('ResourceGroupNotFound');
    expect((await api.request('GET', 'routeTables/rt')).statusCode).toBe(404);
    await api.request('PUT', `${GROUPS}/rg1?${RV}`, { location: 'local' });
    expect((await api.request('PUT', 'routeTables/rt', { location: 'local' })).statusCode).toBe(201);
  });
});

describe('resource providers', () => {
  it('lists Microsoft.Network and Microsoft.Resources as registered, and registering answers the same', async () => {
    const list = await api.request('GET', `/subscriptions/${SUB}/providers?${RV}`);
    expect(list.body.value.map((p: { namespace: string }) => p.namespace)).toEqual([
      'Microsoft.Network',
      'Microsoft.Resources',
    ]);
    const network = list.body.value[0];
    expect(network.registrationState).toBe('Registered');
    expect(network.resourceTypes).toContainEqual(
      expect.objectContaining({
        resourceType: 'publicIPAddresses',
        apiVersions: expect.arrayContaining(['2024-05-01']),
      }),
    );
    const registered = await api.request(
      'POST',
      `/subscriptions/${SUB}/providers/microsoft.network/register?${RV}`,
    );
    expect(registered.body).toMatchObject({
      namespace: 'Microsoft.Network',
      registrationState: 'Registered',
    });
    const unknown = await api.request('GET', `/subscriptions/${SUB}/providers/Microsoft.Compute?${RV}`);
    expect(unknown.body.error.code).toBe('InvalidResourceNamespace');
  });
});

describe('publicIPAddresses', () => {
  it('creates Standard, Static IPv4 addresses from 198.18.0.0/15 and keeps each address', async () => {
    const first = await api.request('PUT', 'publicIPAddresses/a', {
      location: 'local',
      sku: { name: 'Standard', tier: 'Regional' },
      properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' },
    });
    expect(first.statusCode).toBe(201);
    expect(first.body).toMatchObject({
      type: 'Microsoft.Network/publicIPAddresses',
      sku: { name: 'Standard', tier: 'Regional' },
      properties: { ipAddress: '198.18.0.1', publicIPAllocationMethod: 'Static', idleTimeoutInMinutes: 4 },
    });
    const second = await api.request('PUT', 'publicIPAddresses/b', { location: 'local' });
    expect(second.body.properties.ipAddress).toBe('198.18.0.2');
    const updated = await api.request('PUT', 'publicIPAddresses/a', { ...first.body, tags: { x: 'y' } });
    expect(updated.statusCode).toBe(200);
    expect(updated.body.properties.ipAddress).toBe('198.18.0.1');
  });

  it('refuses a Basic SKU, a Dynamic allocation and IPv6 with InvalidParameter at the member', async () => {
    for (const [body, target] of [
      [{ sku: { name: 'Basic' } }, 'sku.name'],
      [{ properties: { publicIPAllocationMethod: 'Dynamic' } }, 'properties.publicIPAllocationMethod'],
      [{ properties: { publicIPAddressVersion: 'IPv6' } }, 'properties.publicIPAddressVersion'],
    ] as const) {
      const refused = await api.request('PUT', 'publicIPAddresses/a', { location: 'local', ...body });
      expect(refused.statusCode).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'InvalidParameter', target });
    }
    expect((await api.request('GET', 'publicIPAddresses/a')).statusCode).toBe(404);
  });

  it('is named by the route server’s ipConfiguration and cannot be deleted while it is', async () => {
    await routeServerWithPublicIp();
    const pip = await api.request('GET', 'publicIPAddresses/rs-pip');
    expect(pip.body.properties.ipConfiguration).toEqual({
      id: `${NET}/virtualHubs/rs/ipConfigurations/ipconfig1`,
    });
    const refused = await api.request('DELETE', 'publicIPAddresses/rs-pip');
    expect(refused.statusCode).toBe(400);
    expect(refused.body.error.code).toBe('PublicIPAddressCannotBeDeleted');
  });

  it('refuses an ipConfiguration naming a public IP that does not exist with InvalidResourceReference', async () => {
    await routeServerWithPublicIp();
    await api.request('PUT', 'virtualHubs/rs2', { location: 'local', properties: { sku: 'Standard' } });
    const refused = await api.request('PUT', 'virtualHubs/rs/ipConfigurations/ipconfig1', {
      properties: { subnet: { id: SUBNET }, publicIPAddress: { id: `${NET}/publicIPAddresses/nope` } },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: 'InvalidResourceReference',
      target: 'properties.publicIPAddress.id',
    });
  });
});

describe('PATCH and PUT bodies copied from a GET', () => {
  it('replaces the tags of a VNet with PATCH and keeps its subnets', async () => {
    await routeServerWithPublicIp();
    const patched = await api.request('PATCH', 'virtualNetworks/hub', { tags: { env: 'lab' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.body.tags).toEqual({ env: 'lab' });
    expect(patched.body.properties.subnets).toHaveLength(2);
    expect((await api.request('PATCH', 'virtualNetworks/nope', { tags: {} })).statusCode).toBe(404);
  });

  it('accepts every resource as its GET shows it back in a PUT, read-only members included', async () => {
    await routeServerWithPublicIp();
    await api.request('PUT', 'routeTables/rt', {
      location: 'local',
      properties: {
        routes: [{ name: 'r1', properties: { addressPrefix: '10.9.0.0/16', nextHopType: 'None' } }],
      },
    });
    await api.request('PUT', 'virtualNetworks/hub/subnets/nva', {
      properties: { addressPrefix: '10.0.2.0/24', routeTable: { id: `${NET}/routeTables/rt` } },
    });
    await api.request('PUT', 'networkInterfaces/vm1', {
      location: 'local',
      properties: {
        ipConfigurations: [
          { name: 'ipconfig1', properties: { subnet: { id: `${NET}/virtualNetworks/hub/subnets/nva` } } },
        ],
      },
    });
    for (const path of [
      'virtualNetworks/hub',
      'virtualNetworks/hub/subnets/nva',
      'routeTables/rt',
      'routeTables/rt/routes/r1',
      'networkInterfaces/vm1',
      'publicIPAddresses/rs-pip',
      'virtualHubs/rs',
      'virtualHubs/rs/ipConfigurations/ipconfig1',
      'virtualHubs/rs/bgpConnections/nva1',
    ]) {
      const read = await api.request('GET', path);
      const written = await api.request('PUT', path, read.body);
      expect([path, written.statusCode, written.body.error]).toEqual([path, 200, undefined]);
    }
  });

  it('still refuses a member the type does not have', async () => {
    const refused = await api.request('PUT', 'publicIPAddresses/a', {
      location: 'local',
      properties: { colour: 'blue' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body.error.code).toBe('InvalidRequestFormat');
  });
});
