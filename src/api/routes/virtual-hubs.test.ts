/**
 * HTTP-level behaviour of virtualHubs (route servers), their ipConfigurations
 * and bgpConnections with learnedRoutes / advertisedRoutes, on the real
 * domain service and store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingRuntime } from '../../routeserver/fixtures.test-support.js';
import { apiHarness, NET, SUB, type ApiHarness } from './test-harness.test-support.js';

let api: ApiHarness;

const SUBNET = `${NET}/virtualNetworks/hub/subnets/RouteServerSubnet`;

async function network(): Promise<void> {
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
}

async function routeServer(): Promise<void> {
  await network();
  await api.request('PUT', 'virtualHubs/rs', { location: 'local', properties: { sku: 'Standard' } });
  await api.request('PUT', 'virtualHubs/rs/ipConfigurations/ipconfig1', {
    properties: { subnet: { id: SUBNET } },
  });
}

const peer = (peerIp: string, peerAsn: number) => ({ properties: { peerIp, peerAsn } });

beforeEach(async () => {
  api = await apiHarness();
});

afterEach(async () => {
  await api.close();
});

describe('virtualHubs', () => {
  it('creates a route server of kind RouteServer and lists it by resource group and subscription', async () => {
    const created = await api.request('PUT', 'virtualHubs/rs', {
      location: 'local',
      tags: { team: 'net' },
      properties: {
        sku: 'Standard',
        hubRoutingPreference: 'ASPath',
        virtualRouterAutoScaleConfiguration: { minCapacity: 3 },
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).toMatchObject({
      type: 'Microsoft.Network/virtualHubs',
      kind: 'RouteServer',
      tags: { team: 'net' },
      properties: {
        sku: 'Standard',
        virtualRouterAsn: 65515,
        virtualRouterIps: [],
        routingState: 'None',
        hubRoutingPreference: 'ASPath',
        allowBranchToBranchTraffic: false,
        virtualRouterAutoScaleConfiguration: { minCapacity: 3 },
        provisioningState: 'Succeeded',
      },
    });
    expect((await api.request('GET', 'virtualHubs')).body.value).toHaveLength(1);
    const all = await api.request('GET', `/subscriptions/${SUB}/providers/Microsoft.Network/virtualHubs`);
    expect(all.body.value[0].name).toBe('rs');
  });

  it('gets virtualRouterIps .4 and .5 and routingState Provisioned from its ipConfiguration', async () => {
    await routeServer();
    const hub = await api.request('GET', 'virtualHubs/rs');
    expect(hub.body.properties).toMatchObject({
      virtualRouterIps: ['10.0.1.4', '10.0.1.5'],
      routingState: 'Provisioned',
      ipConfigurations: [{ id: `${NET}/virtualHubs/rs/ipConfigurations/ipconfig1` }],
    });
    const config = await api.request('GET', 'virtualHubs/rs/ipConfigurations/ipconfig1');
    expect(config.body.properties).toMatchObject({ subnet: { id: SUBNET }, privateIPAddress: '10.0.1.4' });
    expect((await api.request('GET', 'virtualHubs/rs/ipConfigurations')).body.value).toHaveLength(1);
  });

  it('answers a virtualRouterAsn other than 65515 with InvalidVirtualRouterAsn', async () => {
    const res = await api.request('PUT', 'virtualHubs/rs', { properties: { virtualRouterAsn: 65001 } });
    expect(res.statusCode).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'InvalidVirtualRouterAsn',
      target: 'properties.virtualRouterAsn',
    });
  });

  it('answers a capacity out of range at virtualRouterAutoScaleConfiguration.minCapacity', async () => {
    const res = await api.request('PUT', 'virtualHubs/rs', {
      properties: { virtualRouterAutoScaleConfiguration: { minCapacity: 100 } },
    });
    expect(res.body.error.target).toBe('properties.virtualRouterAutoScaleConfiguration.minCapacity');
  });

  it('refuses an unknown hub routing preference and a virtualWan (not a route server)', async () => {
    expect(
      (await api.request('PUT', 'virtualHubs/rs', { properties: { hubRoutingPreference: 'Fast' } })).body
        .error.code,
    ).toBe('InvalidRequestFormat');
    const wan = await api.request('PUT', 'virtualHubs/rs', { properties: { virtualWan: { id: 'x' } } });
    expect(wan.body.error.target).toBe('properties.virtualWan');
  });

  it('refuses to delete a route server before its ipConfiguration, then deletes in order', async () => {
    await routeServer();
    const refused = await api.request('DELETE', 'virtualHubs/rs');
    expect(refused.statusCode).toBe(400);
    expect(refused.body.error.code).toBe('RouteServerInUse');
    expect([200, 202]).toContain(
      (await api.request('DELETE', 'virtualHubs/rs/ipConfigurations/ipconfig1')).statusCode,
    );
    expect((await api.request('GET', 'virtualHubs/rs/ipConfigurations/ipconfig1')).statusCode).toBe(404);
    expect([200, 202]).toContain((await api.request('DELETE', 'virtualHubs/rs')).statusCode);
    expect((await api.request('GET', 'virtualHubs/rs')).statusCode).toBe(404);
  });
});

describe('virtualHubs/ipConfigurations', () => {
  it('answers a subnet other than RouteServerSubnet with InvalidRouteServerSubnet at subnet.id', async () => {
    await network();
    await api.request('PUT', 'virtualHubs/rs', { properties: {} });
    const res = await api.request('PUT', 'virtualHubs/rs/ipConfigurations/ipconfig1', {
      properties: { subnet: { id: `${NET}/virtualNetworks/hub/subnets/nva` } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'InvalidRouteServerSubnet',
      target: 'properties.subnet.id',
    });
  });

  it('answers a second route server in the VNet with InvalidRouteServerPlacement', async () => {
    await routeServer();
    await api.request('PUT', 'virtualHubs/rs2', { properties: {} });
    const res = await api.request('PUT', 'virtualHubs/rs2/ipConfigurations/ipconfig1', {
      properties: { subnet: { id: SUBNET } },
    });
    expect(res.body.error.code).toBe('InvalidRouteServerPlacement');
    expect((await api.request('GET', 'virtualHubs/rs2/ipConfigurations/ipconfig1')).statusCode).toBe(404);
  });

  it('answers a subnet that does not exist with InvalidResourceReference', async () => {
    await api.request('PUT', 'virtualHubs/rs', { properties: {} });
    const res = await api.request('PUT', 'virtualHubs/rs/ipConfigurations/ipconfig1', {
      properties: { subnet: { id: `${NET}/virtualNetworks/none/subnets/RouteServerSubnet` } },
    });
    expect(res.body.error).toMatchObject({
      code: 'InvalidResourceReference',
      target: 'properties.subnet.id',
    });
  });

  it('answers an ipConfiguration under a missing route server with 404 ParentResourceNotFound', async () => {
    const res = await api.request('PUT', 'virtualHubs/none/ipConfigurations/ipconfig1', {
      properties: { subnet: { id: SUBNET } },
    });
    expect(res.statusCode).toBe(404);
    expect(res.body.error.code).toBe('ParentResourceNotFound');
  });
});

describe('virtualHubs/bgpConnections', () => {
  beforeEach(routeServer);

  it('creates a peering whose connectionState is Unknown without a BGP runtime, and lists it', async () => {
    const created = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', peer('10.0.2.4', 65001));
    expect(created.statusCode).toBe(201);
    expect(created.body).toMatchObject({
      type: 'Microsoft.Network/virtualHubs/bgpConnections',
      properties: {
        peerIp: '10.0.2.4',
        peerAsn: 65001,
        connectionState: 'Unknown',
        provisioningState: 'Succeeded',
      },
    });
    const list = await api.request('GET', 'virtualHubs/rs/bgpConnections');
    expect(list.body.value.map((c: { name: string }) => c.name)).toEqual(['nva1']);
    const hub = await api.request('GET', 'virtualHubs/rs');
    expect(hub.body.properties.bgpConnections).toEqual([{ id: `${NET}/virtualHubs/rs/bgpConnections/nva1` }]);
  });

  it.each([8075, 12076, 65515, 65518, 23456, 64500, 65540])(
    'answers peer ASN %i with InvalidPeerAsn and writes nothing',
    async (asn) => {
      const res = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', peer('10.0.2.4', asn));
      expect(res.statusCode).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'InvalidPeerAsn', target: 'properties.peerAsn' });
      expect((await api.request('GET', 'virtualHubs/rs/bgpConnections/nva1')).statusCode).toBe(404);
    },
  );

  it('answers a peer address that is not IPv4 with InvalidPeerIp', async () => {
    const res = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', peer('fd00::4', 65001));
    expect(res.body.error).toMatchObject({ code: 'InvalidPeerIp', target: 'properties.peerIp' });
  });

  it('answers a second connection to one peer IP with DuplicatePeerIp', async () => {
    await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', peer('10.0.2.4', 65001));
    const res = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva2', peer('10.0.2.4', 65002));
    expect(res.body.error.code).toBe('DuplicatePeerIp');
  });

  it('stores BFD settings as an extension property, defaults filled in, and returns them', async () => {
    const body = { properties: { peerIp: '10.0.2.4', peerAsn: 65001, bfd: { enabled: true, minRx: 100 } } };
    const created = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', body);
    expect(created.statusCode).toBe(201);
    const read = await api.request('GET', 'virtualHubs/rs/bgpConnections/nva1');
    expect(read.body.properties.bfd).toEqual({
      enabled: true,
      minRx: 100,
      minTx: 300,
      multiplier: 3,
      multihop: true,
    });
  });

  it('leaves bfd out of a peering created without it (Azure shape)', async () => {
    await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', peer('10.0.2.4', 65001));
    const read = await api.request('GET', 'virtualHubs/rs/bgpConnections/nva1');
    expect(read.body.properties).not.toHaveProperty('bfd');
  });

  it.each([
    [{ minRx: 49 }, 'properties.bfd.minRx'],
    [{ minTx: 60_001 }, 'properties.bfd.minTx'],
    [{ multiplier: 1 }, 'properties.bfd.multiplier'],
    [{ multiplier: 256 }, 'properties.bfd.multiplier'],
  ])('answers BFD settings %j with InvalidParameter at %s and stores nothing', async (bfd, target) => {
    const body = { properties: { peerIp: '10.0.2.4', peerAsn: 65001, bfd: { enabled: true, ...bfd } } };
    const res = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', body);
    expect(res.statusCode).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'InvalidParameter', target });
    expect((await api.request('GET', 'virtualHubs/rs/bgpConnections/nva1')).statusCode).toBe(404);
  });

  it('answers an unknown BFD field or a fractional interval with InvalidRequestFormat', async () => {
    for (const bfd of [{ enabled: true, echo: true }, { minRx: 100.5 }]) {
      const body = { properties: { peerIp: '10.0.2.4', peerAsn: 65001, bfd } };
      const res = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', body);
      expect(res.statusCode).toBe(400);
      expect(res.body.error.code).toBe('InvalidRequestFormat');
    }
  });

  it('stores graceful restart settings as an extension property, defaults filled in', async () => {
    const body = { properties: { peerIp: '10.0.2.4', peerAsn: 65001, gracefulRestart: { enabled: true } } };
    expect((await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', body)).statusCode).toBe(201);
    const read = await api.request('GET', 'virtualHubs/rs/bgpConnections/nva1');
    expect(read.body.properties.gracefulRestart).toEqual({
      enabled: true,
      restartTime: 120,
      stalePathTime: 360,
    });
  });

  it('leaves gracefulRestart out of a peering created without it (Azure shape)', async () => {
    await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', peer('10.0.2.4', 65001));
    const read = await api.request('GET', 'virtualHubs/rs/bgpConnections/nva1');
    expect(read.body.properties).not.toHaveProperty('gracefulRestart');
  });

  it.each([
    [{ restartTime: 0 }, 'properties.gracefulRestart.restartTime'],
    [{ restartTime: 4096 }, 'properties.gracefulRestart.restartTime'],
    [{ stalePathTime: 0 }, 'properties.gracefulRestart.stalePathTime'],
  ])('answers graceful restart %j with InvalidParameter at %s and stores nothing', async (gr, target) => {
    const body = {
      properties: { peerIp: '10.0.2.4', peerAsn: 65001, gracefulRestart: { enabled: true, ...gr } },
    };
    const res = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', body);
    expect(res.statusCode).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'InvalidParameter', target });
    expect((await api.request('GET', 'virtualHubs/rs/bgpConnections/nva1')).statusCode).toBe(404);
  });

  it('answers an unknown graceful restart field or a fractional time with InvalidRequestFormat', async () => {
    for (const gracefulRestart of [{ enabled: true, longLived: true }, { restartTime: 1.5 }]) {
      const body = { properties: { peerIp: '10.0.2.4', peerAsn: 65001, gracefulRestart } };
      const res = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', body);
      expect(res.statusCode).toBe(400);
      expect(res.body.error.code).toBe('InvalidRequestFormat');
    }
  });

  it('takes a TCP-MD5 key write-only: answers md5KeyConfigured, never the key, in PUT, GET and list', async () => {
    const key = 'secret-of-nva1';
    const body = { properties: { peerIp: '10.0.2.4', peerAsn: 65001, md5Key: key } };
    const created = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', body);
    expect(created.statusCode).toBe(201);
    expect(created.body.properties.md5KeyConfigured).toBe(true);
    const read = await api.request('GET', 'virtualHubs/rs/bgpConnections/nva1');
    expect(read.body.properties.md5KeyConfigured).toBe(true);
    const list = await api.request('GET', 'virtualHubs/rs/bgpConnections');
    for (const answer of [created, read, list]) {
      expect(JSON.stringify(answer.body)).not.toContain(key);
      expect(JSON.stringify(answer.body)).not.toContain('"md5Key"');
    }
  });

  it('keeps the TCP-MD5 key on a PUT without md5Key and removes it with an empty one', async () => {
    const path = 'virtualHubs/rs/bgpConnections/nva1';
    await api.request('PUT', path, { properties: { peerIp: '10.0.2.4', peerAsn: 65001, md5Key: 'k1' } });
    const kept = await api.request('PUT', path, peer('10.0.2.4', 65002));
    expect(kept.body.properties).toMatchObject({ peerAsn: 65002, md5KeyConfigured: true });
    const removed = await api.request('PUT', path, {
      properties: { peerIp: '10.0.2.4', peerAsn: 65002, md5Key: '' },
    });
    expect(removed.body.properties).not.toHaveProperty('md5KeyConfigured');
  });

  it('answers a TCP-MD5 key over 80 bytes with InvalidParameter and stores nothing', async () => {
    const body = { properties: { peerIp: '10.0.2.4', peerAsn: 65001, md5Key: 'x'.repeat(81) } };
    const res = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', body);
    expect(res.statusCode).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'InvalidParameter', target: 'properties.md5Key' });
    expect(res.body.error.message).toMatch(/81 bytes; at most 80/);
    expect((await api.request('GET', 'virtualHubs/rs/bgpConnections/nva1')).statusCode).toBe(404);
  });

  it('answers the ninth peer with BgpConnectionLimitExceeded', async () => {
    for (let i = 1; i <= 8; i++) {
      expect(
        (
          await api.request(
            'PUT',
            `virtualHubs/rs/bgpConnections/nva${i}`,
            peer(`10.0.2.${10 + i}`, 65000 + i),
          )
        ).statusCode,
      ).toBe(201);
    }
    const res = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva9', peer('10.0.2.30', 65009));
    expect(res.body.error.code).toBe('BgpConnectionLimitExceeded');
  });

  it('answers a peering body without peerAsn with InvalidRequestFormat', async () => {
    const res = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', {
      properties: { peerIp: '10.0.2.4' },
    });
    expect(res.body.error).toMatchObject({ code: 'InvalidRequestFormat' });
  });

  it('answers learnedRoutes and advertisedRoutes with both instances, empty while not running', async () => {
    await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', peer('10.0.2.4', 65001));
    for (const action of ['learnedRoutes', 'advertisedRoutes']) {
      const res = await api.action(`virtualHubs/rs/bgpConnections/nva1/${action}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toEqual({ RouteServiceRole_IN_0: [], RouteServiceRole_IN_1: [] });
    }
    expect((await api.request('POST', 'virtualHubs/rs/bgpConnections/none/learnedRoutes')).statusCode).toBe(
      404,
    );
  });
});

describe('bgpConnections with a running route server', () => {
  it('shows the routes the runtime learned in Azure’s PeerRoute shape', async () => {
    await api.close();
    const runtime = new RecordingRuntime();
    runtime.learned.push({
      instance: 'IN_1',
      localAddress: '10.0.1.5',
      network: '192.168.0.0/16',
      nextHop: '10.0.2.4',
      sourcePeer: '10.0.2.4',
      origin: 'ebgp',
      asPath: '65001-65002',
      weight: 32768,
    });
    runtime.states.set('IN_0', 'Established').set('IN_1', 'Established');
    api = await apiHarness({ runtime });
    await routeServer();
    const created = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', peer('10.0.2.4', 65001));
    expect(created.body.properties.connectionState).toBe('Connected');
    const res = await api.action('virtualHubs/rs/bgpConnections/nva1/learnedRoutes');
    expect(res.body).toEqual({
      RouteServiceRole_IN_0: [],
      RouteServiceRole_IN_1: [
        {
          localAddress: '10.0.1.5',
          network: '192.168.0.0/16',
          nextHop: '10.0.2.4',
          sourcePeer: '10.0.2.4',
          origin: 'EBgp',
          asPath: '65001-65002',
          weight: 32768,
        },
      ],
    });
    expect(runtime.calls).toContain('add 10.0.2.4 65001');
  });
});
