/**
 * Inputs refused with the reason: BGP peer and next hop addresses that
 * cannot be a unicast peer, tags beyond Azure's limits (50 per resource,
 * names up to 512 characters, values up to 256), long locations, and
 * control or bidirectional characters in tags and locations.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiHarness, NET, type ApiHarness } from './test-harness.test-support.js';

let api: ApiHarness;

beforeEach(async () => {
  api = await apiHarness();
});

afterEach(async () => {
  await api.close();
});

const table = (extra: object) => api.request('PUT', 'routeTables/rt', { location: 'local', ...extra });
const tags = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`t${i}`, 'v']));

describe('tags and locations', () => {
  it('accepts 50 tags and refuses 51', async () => {
    expect((await table({ tags: tags(50) })).statusCode).toBe(201);
    const res = await table({ tags: tags(51) });
    expect(res.statusCode).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'InvalidParameter', target: 'tags' });
  });

  it('accepts a 512-character tag name and refuses 513', async () => {
    expect((await table({ tags: { ['n'.repeat(512)]: 'v' } })).statusCode).toBe(201);
    const res = await table({ tags: { ['n'.repeat(513)]: 'v' } });
    expect(res.statusCode).toBe(400);
    expect(res.body.error.message).toMatch(/513 characters/);
  });

  it('accepts a 256-character tag value and refuses 257', async () => {
    expect((await table({ tags: { a: 'v'.repeat(256) } })).statusCode).toBe(201);
    const res = await table({ tags: { a: 'v'.repeat(257) } });
    expect(res.statusCode).toBe(400);
    expect(res.body.error.target).toBe('tags.a');
  });

  it('accepts a 64-character location and refuses 65', async () => {
    expect((await api.request('PUT', 'routeTables/rt', { location: 'l'.repeat(64) })).statusCode).toBe(201);
    const res = await api.request('PUT', 'routeTables/rt2', { location: 'l'.repeat(65) });
    expect(res.body.error).toMatchObject({ code: 'InvalidParameter', target: 'location' });
  });

  it('refuses control and bidirectional characters in tags and locations, and reserved tag name characters', async () => {
    for (const body of [
      { location: '\u001b]0;owned\u0007' },
      { location: 'west\u202eus' },
      { location: 'local', tags: { a: 'x\u0000' } },
      { location: 'local', tags: { 'a\u2066': 'x' } },
      { location: 'local', tags: { 'a/b': 'x' } },
    ]) {
      const res = await api.request('PUT', 'routeTables/rt', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
  });
});

describe('addresses that cannot be a peer or a next hop', () => {
  beforeEach(async () => {
    await api.request('PUT', 'virtualNetworks/hub', {
      location: 'local',
      properties: {
        addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
        subnets: [{ name: 'RouteServerSubnet', properties: { addressPrefix: '10.0.1.0/26' } }],
      },
    });
    await api.request('PUT', 'virtualHubs/rs', { location: 'local', properties: {} });
    await api.request('PUT', 'virtualHubs/rs/ipConfigurations/ipconfig1', {
      properties: { subnet: { id: `${NET}/virtualNetworks/hub/subnets/RouteServerSubnet` } },
    });
  });

  const REFUSED_PEERS: Readonly<Record<string, RegExp>> = {
    '0.0.0.0': /unspecified/,
    '0.1.2.3': /this network/,
    '127.0.0.1': /loopback/,
    '224.0.0.1': /multicast/,
    '255.255.255.255': /broadcast/,
    '240.0.0.1': /reserved/,
    '169.254.1.1': /link-local/,
    '10.0.1.4': /own instances/,
    '10.0.1.5': /own instances/,
  };

  for (const [peerIp, reason] of Object.entries(REFUSED_PEERS)) {
    it(`refuses peer IP ${peerIp} with the reason`, async () => {
      const res = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva', {
        properties: { peerIp, peerAsn: 65001 },
      });
      expect(res.statusCode).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'InvalidPeerIp', target: 'properties.peerIp' });
      expect(res.body.error.message).toMatch(reason);
    });
  }

  it('accepts a unicast peer outside the route server instances', async () => {
    const res = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva', {
      properties: { peerIp: '10.0.1.6', peerAsn: 65001 },
    });
    expect(res.statusCode).toBe(201);
  });

  it('refuses a placement that would give an instance the address a connection made before it peers with', async () => {
    await api.request('PUT', 'virtualHubs/rs2', { location: 'local', properties: {} });
    const early = await api.request('PUT', 'virtualHubs/rs2/bgpConnections/nva', {
      properties: { peerIp: '10.0.2.5', peerAsn: 65001 },
    });
    expect(early.statusCode).toBe(201);
    await api.request('PUT', 'virtualNetworks/hub2', {
      location: 'local',
      properties: {
        addressSpace: { addressPrefixes: ['10.0.2.0/24'] },
        subnets: [{ name: 'RouteServerSubnet', properties: { addressPrefix: '10.0.2.0/26' } }],
      },
    });
    const res = await api.request('PUT', 'virtualHubs/rs2/ipConfigurations/ipconfig1', {
      properties: { subnet: { id: `${NET}/virtualNetworks/hub2/subnets/RouteServerSubnet` } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'InvalidPeerIp', target: 'properties.subnet.id' });
    expect(res.body.error.message).toMatch(/bgpConnection 'nva' peers with 10\.0\.2\.5.*IN_1/);
    expect((await api.request('GET', 'virtualHubs/rs2/ipConfigurations/ipconfig1')).statusCode).toBe(404);
  });

  for (const hop of [
    '0.0.0.0',
    '127.0.0.1',
    '224.0.0.5',
    '255.255.255.255',
    '169.254.0.1',
    '::',
    '::1',
    'ff02::1',
    'fe80::1',
  ]) {
    it(`refuses VirtualAppliance next hop ${hop}`, async () => {
      await api.request('PUT', 'routeTables/rt', { location: 'local' });
      const res = await api.request('PUT', 'routeTables/rt/routes/r', {
        properties: { addressPrefix: '10.9.0.0/16', nextHopType: 'VirtualAppliance', nextHopIpAddress: hop },
      });
      expect(res.statusCode).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'InvalidParameter',
        target: 'properties.nextHopIpAddress',
      });
      expect(res.body.error.message).toMatch(/needs a unicast address/);
    });
  }
});

describe("Azure's per-resource counts", () => {
  const prefixes = (count: number) => Array.from({ length: count }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
  const subnets = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      name: `s${i}`,
      properties: { addressPrefix: `10.${i >> 5}.${(i & 31) * 8}.0/29` },
    }));
  const vnet = (name: string, properties: object) =>
    api.request('PUT', `virtualNetworks/${name}`, { location: 'local', properties });

  it('accepts 10,000 address prefixes in a VNet and refuses 10,001, storing nothing', async () => {
    const ok = await vnet('vn', { addressSpace: { addressPrefixes: prefixes(10_000) } });
    expect(ok.statusCode, JSON.stringify(ok.body)).toBe(201);
    const res = await vnet('wn', { addressSpace: { addressPrefixes: prefixes(10_001) } });
    expect(res.statusCode).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'QuotaExceeded',
      target: 'properties.addressSpace.addressPrefixes',
    });
    expect(res.body.error.message).toMatch(/at most 10,000 address prefixes per virtual network.*10,001/);
    expect((await api.request('GET', 'virtualNetworks/wn')).statusCode).toBe(404);
  });

  it('accepts 3,000 subnets in a VNet and refuses a 3,001st, inline or alone', async () => {
    const space = { addressPrefixes: ['10.0.0.0/8'] };
    expect((await vnet('vn', { addressSpace: space, subnets: subnets(3_000) })).statusCode).toBe(201);
    const inline = await vnet('wn', { addressSpace: space, subnets: subnets(3_001) });
    expect(inline.body.error).toMatchObject({ code: 'QuotaExceeded', target: 'properties.subnets' });
    const alone = await api.request('PUT', 'virtualNetworks/vn/subnets/one-more', {
      properties: { addressPrefix: '10.200.0.0/29' },
    });
    expect(alone.statusCode).toBe(400);
    expect(alone.body.error.code).toBe('QuotaExceeded');
    expect((await api.request('GET', 'virtualNetworks/vn/subnets/one-more')).statusCode).toBe(404);
    // an update of a subnet that exists is not a new one
    const update = await api.request('PUT', 'virtualNetworks/vn/subnets/s0', {
      properties: { addressPrefix: '10.0.0.0/29' },
    });
    expect(update.statusCode).toBe(200);
  });

  it('accepts 500 peerings in a VNet and refuses a 501st, inline or alone', async () => {
    for (let i = 0; i <= 500; i++) {
      const res = await vnet(`r${i}`, {
        addressSpace: { addressPrefixes: [`10.${i >> 8}.${i & 255}.0/24`] },
      });
      expect(res.statusCode).toBe(201);
    }
    const peering = (i: number) => ({
      name: `p${i}`,
      properties: { remoteVirtualNetwork: { id: `${NET}/virtualNetworks/r${i}` } },
    });
    const space = { addressPrefixes: ['172.16.0.0/16'] };
    const peerings = (count: number) => Array.from({ length: count }, (_, i) => peering(i));
    const inline = await vnet('hub', { addressSpace: space, virtualNetworkPeerings: peerings(501) });
    expect(inline.body.error).toMatchObject({
      code: 'QuotaExceeded',
      target: 'properties.virtualNetworkPeerings',
    });
    expect(
      (await vnet('hub', { addressSpace: space, virtualNetworkPeerings: peerings(500) })).statusCode,
    ).toBe(201);
    const alone = await api.request('PUT', 'virtualNetworks/hub/virtualNetworkPeerings/p500', peering(500));
    expect(alone.statusCode).toBe(400);
    expect(alone.body.error.code).toBe('QuotaExceeded');
  });

  it('accepts 400 routes in a route table and refuses a 401st, inline or alone', async () => {
    const route = (i: number) => ({
      name: `r${i}`,
      properties: { addressPrefix: `10.${i >> 8}.${i & 255}.0/24`, nextHopType: 'None' },
    });
    const routes = (count: number) => Array.from({ length: count }, (_, i) => route(i));
    const inline = await table({ properties: { routes: routes(401) } });
    expect(inline.body.error).toMatchObject({ code: 'QuotaExceeded', target: 'properties.routes' });
    expect((await table({ properties: { routes: routes(400) } })).statusCode).toBe(201);
    const alone = await api.request('PUT', 'routeTables/rt/routes/r400', route(400));
    expect(alone.body.error.code).toBe('QuotaExceeded');
    const update = await api.request('PUT', 'routeTables/rt/routes/r0', route(0));
    expect(update.statusCode).toBe(200);
  });
});
