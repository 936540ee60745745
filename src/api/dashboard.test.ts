/**
 * The dashboard's server side: the app's shell without a token and never
 * any data without one, cache headers, the overview (topology, sessions,
 * where the caller may write), the decision reasons of learned routes, the
 * history and the change stream.
 */
import { readdirSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parsePrefix } from '../lib/prefix.js';
import { RecordingRuntime } from '../routeserver/fixtures.test-support.js';
import {
  learnedReason,
  registerDashboardData,
  type DashboardSources,
  type InstanceRouteDetails,
} from './dashboard-data.js';
import type { DashboardSessionEvent, SessionCounters } from './dashboard-history.js';
import { hashClientSecret } from './identity.js';
import { apiHarness, NET, SUB, type ApiHarness } from './routes/test-harness.test-support.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const READER = 'aaaaaaaa-bbbb-cccc-dddd-000000000001';
/** a Reader of resource group rg1 only */
const GROUP_READER = 'aaaaaaaa-bbbb-cccc-dddd-000000000002';
const SECRET = 'the reader secret, long enough';
const URL_BASE = 'https://rs.example:8443';
const HUB = `${NET}/virtualHubs/rs`;
const SDWAN = `${HUB}/bgpConnections/sdwan`;

let secretHash: string;
beforeAll(() => {
  secretHash = hashClientSecret(SECRET);
});

/** The runtime's side as plain data: counters set by the test, events published by it. */
class TestSources implements DashboardSources {
  counters: SessionCounters[] = [];
  details: InstanceRouteDetails[] = [];
  /** the networks of each details request */
  asked: (readonly string[])[] = [];
  private readonly listeners = new Set<(event: DashboardSessionEvent) => void>();
  constructor(readonly runtime: RecordingRuntime) {}
  async sessions() {
    return this.counters;
  }
  onSessionEvent(listener: (event: DashboardSessionEvent) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  onInjectedRoutes(listener: (routeServerId: string) => void) {
    return this.runtime.onInjectedRoutes((routes) => listener(routes.routeServerId));
  }
  async learnedRouteDetails(_hub: string, _connection: string, networks: readonly string[]) {
    this.asked.push(networks);
    return this.details.map((answer) => ({
      ...answer,
      routes: answer.routes.filter((route) => networks.includes(route.network)),
    }));
  }
  publish(event: DashboardSessionEvent) {
    for (const listener of this.listeners) listener(event);
  }
}

const harnesses: ApiHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function lab() {
  const runtime = new RecordingRuntime();
  const h = await apiHarness(
    { runtime },
    {
      publicUrl: URL_BASE,
      identity: {
        tenantId: TENANT,
        principals: [
          {
            clientId: READER,
            secretHash,
            roleAssignments: [{ role: 'Reader', scope: `/subscriptions/${SUB}` }],
          },
          {
            clientId: GROUP_READER,
            secretHash,
            roleAssignments: [{ role: 'Reader', scope: `/subscriptions/${SUB}/resourceGroups/rg1` }],
          },
        ],
      },
      subscriptions: [{ subscriptionId: SUB, displayName: 'lab' }],
    },
  );
  harnesses.push(h);
  const sources = new TestSources(runtime);
  const data = registerDashboardData(h.server, h.service, sources, {
    history: { sampleMs: 60_000, samples: 10, stateChanges: 10 },
    coalesceMs: 5,
    heartbeatMs: 60_000,
    maxBufferedBytes: 1024 * 1024,
  });
  await h.request('PUT', 'virtualNetworks/vnet1', {
    location: 'local',
    properties: {
      addressSpace: { addressPrefixes: ['10.1.0.0/16'] },
      subnets: [
        { name: 'RouteServerSubnet', properties: { addressPrefix: '10.1.0.0/26' } },
        { name: 'workload', properties: { addressPrefix: '10.1.2.0/24' } },
      ],
    },
  });
  await h.request('PUT', 'networkInterfaces/vm1-nic', {
    location: 'local',
    properties: {
      ipConfigurations: [
        {
          name: 'ipconfig1',
          properties: {
            subnet: { id: `${NET}/virtualNetworks/vnet1/subnets/workload` },
            privateIPAllocationMethod: 'Dynamic',
          },
        },
      ],
    },
  });
  await h.request('PUT', 'virtualHubs/rs', { location: 'local', properties: { sku: 'Standard' } });
  await h.request('PUT', 'virtualHubs/rs/ipConfigurations/ipconfig1', {
    properties: { subnet: { id: `${NET}/virtualNetworks/vnet1/subnets/RouteServerSubnet` } },
  });
  await h.request('PUT', 'virtualHubs/rs/bgpConnections/sdwan', {
    properties: { peerIp: '10.1.2.10', peerAsn: 65001 },
  });
  return { h, runtime, sources, data };
}

async function readerToken(h: ApiHarness, clientId = READER): Promise<string> {
  const answer = await h.server.app.inject({
    method: 'POST',
    url: `/${TENANT}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: SECRET,
      scope: `${URL_BASE}/.default`,
    }).toString(),
  });
  return answer.json<{ access_token: string }>().access_token;
}

const owner = (h: ApiHarness) => ({ authorization: `Bearer ${h.server.credentials.token}` });

describe('the dashboard shell', () => {
  it('serves the app at / without a token, revalidated on every load, scripts from its own origin only', async () => {
    const { h } = await lab();
    const page = await h.server.app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body).toContain('<div id="app">');
    expect(page.body).not.toContain('10.1.');
  });

  it('lets browsers keep the content-hashed assets for a year', async () => {
    const { h } = await lab();
    const assets = fileURLToPath(new URL('../../dist/web/assets/', import.meta.url));
    const script = readdirSync(assets).find((name) => name.endsWith('.js'))!;
    const answer = await h.server.app.inject({ url: `/assets/${script}` });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(answer.headers['content-type']).toContain('javascript');
  });

  it.each([
    '/dashboard/api/overview',
    '/dashboard/api/routes',
    '/dashboard/api/history',
    '/dashboard/api/events',
    '/dashboard/api/session',
  ])('answers %s without a token with 401 and no data', async (url) => {
    const { h } = await lab();
    const answer = await h.server.app.inject({ url });
    expect(answer.statusCode).toBe(401);
    expect(answer.json()).toMatchObject({ error: { code: 'AuthenticationFailed' } });
    expect(answer.body).not.toContain('10.1.');
  });

  it('keeps a token on the asset paths from mattering only for reads: a POST to / needs one', async () => {
    const { h } = await lab();
    expect((await h.server.app.inject({ method: 'POST', url: '/', payload: {} })).statusCode).toBe(401);
  });
});

describe('the overview', () => {
  it('draws the VNet, its subnets with their NICs, the route server and each session with its history', async () => {
    const { h, sources } = await lab();
    sources.counters = [
      { routeServerId: HUB, connectionId: SDWAN, peerIp: '10.1.2.10', instance: 'RouteServiceRole_IN_0', localAddress: '10.1.0.4', state: 'Established', learned: 3, advertised: 1, updatesReceived: 4, prefixesAnnounced: 5, prefixesWithdrawn: 2 },
    ]; // prettier-ignore
    sources.publish({
      type: 'state',
      localAddress: '10.1.0.4',
      peer: '10.1.2.10',
      from: 'Established',
      to: 'Idle',
    });
    sources.publish({ type: 'notification', direction: 'received', localAddress: '10.1.0.4', peer: '10.1.2.10', name: 'Hold Timer Expired (subcode 0)' }); // prettier-ignore
    sources.publish({
      type: 'state',
      localAddress: '10.1.0.4',
      peer: '10.1.2.10',
      from: 'OpenConfirm',
      to: 'Established',
    });
    const answer = await h.server.app.inject({ url: '/dashboard/api/overview', headers: owner(h) });
    expect(answer.statusCode).toBe(200);
    const body = answer.json();
    expect(body.virtualNetworks[0]).toMatchObject({
      name: 'vnet1',
      addressPrefixes: ['10.1.0.0/16'],
      subnets: expect.arrayContaining([
        expect.objectContaining({
          name: 'workload',
          nics: [expect.objectContaining({ name: 'vm1-nic', privateIpAddress: '10.1.2.4' })],
        }),
      ]),
    });
    expect(body.routeServers[0]).toMatchObject({
      name: 'rs',
      virtualNetworkId: `${NET}/virtualNetworks/vnet1`.toLowerCase(),
      instanceAddresses: ['10.1.0.4', '10.1.0.5'],
      mayWrite: true,
      peers: [
        {
          name: 'sdwan',
          peerIp: '10.1.2.10',
          peerAsn: 65001,
          sessions: [
            {
              instance: 'RouteServiceRole_IN_0',
              state: 'Established',
              flaps: 1,
              learned: 3,
              lastNotification: { direction: 'received', name: 'Hold Timer Expired (subcode 0)' },
            },
          ],
        },
      ],
    });
    expect(typeof body.routeServers[0].peers[0].sessions[0].since).toBe('number');
  });

  it('tells a Reader it may not write there, and serves it the same data', async () => {
    const { h } = await lab();
    const token = await readerToken(h);
    const answer = await h.server.app.inject({
      url: '/dashboard/api/overview',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.json().routeServers[0]).toMatchObject({ name: 'rs', mayWrite: false });
    const session = await h.server.app.inject({
      url: '/dashboard/api/session',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(session.json()).toEqual({ principal: READER });
  });
});

describe('a Reader of one resource group', () => {
  const NET2 = `/subscriptions/${SUB}/resourceGroups/rg2/providers/Microsoft.Network`;
  const HUB2 = `${NET2}/virtualHubs/rs2`;

  /** The lab, and in rg2 a second VNet with route server rs2, peer 10.2.2.10, session up on 10.2.0.4. */
  async function twoGroups() {
    const lab2 = await lab();
    const { h, sources } = lab2;
    await h.request('PUT', `/subscriptions/${SUB}/resourcegroups/rg2?api-version=2021-04-01`, {
      location: 'local',
    });
    await h.request('PUT', `${NET2}/virtualNetworks/vnet2`, {
      location: 'local',
      properties: {
        addressSpace: { addressPrefixes: ['10.2.0.0/16'] },
        subnets: [{ name: 'RouteServerSubnet', properties: { addressPrefix: '10.2.0.0/26' } }],
      },
    });
    await h.request('PUT', `${HUB2}`, { location: 'local', properties: { sku: 'Standard' } });
    await h.request('PUT', `${HUB2}/ipConfigurations/ipconfig1`, {
      properties: { subnet: { id: `${NET2}/virtualNetworks/vnet2/subnets/RouteServerSubnet` } },
    });
    await h.request('PUT', `${HUB2}/bgpConnections/nva2`, {
      properties: { peerIp: '10.2.2.10', peerAsn: 65002 },
    });
    sources.counters = [
      { routeServerId: HUB, connectionId: SDWAN, peerIp: '10.1.2.10', instance: 'RouteServiceRole_IN_0', localAddress: '10.1.0.4', state: 'Established', learned: 3, advertised: 1, updatesReceived: 4, prefixesAnnounced: 5, prefixesWithdrawn: 2 },
      { routeServerId: HUB2, connectionId: `${HUB2}/bgpConnections/nva2`, peerIp: '10.2.2.10', instance: 'RouteServiceRole_IN_0', localAddress: '10.2.0.4', state: 'Established', learned: 7, advertised: 1, updatesReceived: 7, prefixesAnnounced: 7, prefixesWithdrawn: 0 },
    ]; // prettier-ignore
    for (const [localAddress, peer] of [
      ['10.1.0.4', '10.1.2.10'],
      ['10.2.0.4', '10.2.2.10'],
    ] as const)
      sources.publish({ type: 'state', localAddress, peer, from: 'OpenConfirm', to: 'Established' });
    return lab2;
  }

  it("sees only that group's VNets and route servers, and their sessions' history", async () => {
    const { h } = await twoGroups();
    const asOwner = await h.server.app.inject({ url: '/dashboard/api/overview', headers: owner(h) });
    expect(
      asOwner
        .json()
        .routeServers.map((hub: { name: string }) => hub.name)
        .sort(),
    ).toEqual(['rs', 'rs2']);
    const headers = { authorization: `Bearer ${await readerToken(h, GROUP_READER)}` };
    const overview = (await h.server.app.inject({ url: '/dashboard/api/overview', headers })).json();
    expect(overview.routeServers.map((hub: { name: string }) => hub.name)).toEqual(['rs']);
    expect(overview.virtualNetworks.map((vnet: { name: string }) => vnet.name)).toEqual(['vnet1']);
    const history = (await h.server.app.inject({ url: '/dashboard/api/history', headers })).json();
    expect(history.stateChanges.map((change: { peer: string }) => change.peer)).toEqual(['10.1.2.10']);
    const ownerHistory = (
      await h.server.app.inject({ url: '/dashboard/api/history', headers: owner(h) })
    ).json();
    expect(ownerHistory.stateChanges).toHaveLength(2);
  });

  it("gets ARM's 403 for the routes of another group's peer", async () => {
    const { h } = await twoGroups();
    const headers = { authorization: `Bearer ${await readerToken(h, GROUP_READER)}` };
    const routes = (connection: string) =>
      h.server.app.inject({
        url: `/dashboard/api/routes?connection=${encodeURIComponent(connection)}&direction=learned`,
        headers,
      });
    expect((await routes(SDWAN)).statusCode).toBe(200);
    const refused = await routes(`${HUB2}/bgpConnections/nva2`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('AuthorizationFailed');
  });
});

describe('communities and routes dropped on import', () => {
  const detail = { instance: 'IN_0', nextHop: '10.1.2.10', origin: 'ebgp', largeCommunities: [] };
  function withDetails(sources: TestSources) {
    sources.details = [
      {
        instance: 'IN_0',
        routes: [
          { ...detail, network: '10.251.0.0/16', asPath: '65001', communities: ['65001:100', '65001:200'], largeCommunities: ['65001:1:2'], accepted: true, reasons: [] },
          { ...detail, network: '10.253.0.0/16', asPath: '65001', communities: ['65535:65282'], accepted: true, reasons: ['no-advertise'] },
        ],
        rejected: [{ ...detail, network: '10.252.0.0/16', asPath: '65001-65515', communities: [], accepted: false, reasons: ['as-path-contains-local-as'] }],
        rejectedTotal: 1,
      },
    ]; // prettier-ignore
  }

  it('lists the routes the import rules dropped with the rule, after the learned ones', async () => {
    const { h, sources } = await lab();
    withDetails(sources);
    const answer = await h.server.app.inject({
      url: `/dashboard/api/routes?connection=${encodeURIComponent(SDWAN)}&direction=learned`,
      headers: owner(h),
    });
    expect(answer.json()).toMatchObject({
      rejectedTotal: 1,
      routes: [
        {
          instance: 'RouteServiceRole_IN_0',
          network: '10.252.0.0/16',
          asPath: '65001-65515',
          reason: { best: false, text: 'dropped on import: 65515 in the AS path (loop prevention, docs/azure-behaviour.md §2.2)' },
        },
      ],
    }); // prettier-ignore
    expect(sources.asked).toEqual([[]]); // no communities read for the whole list
  });

  it('answers only the rows of the networks named, for a page that applies a change', async () => {
    const { h, runtime, sources } = await lab();
    withDetails(sources);
    runtime.learned.push(
      { instance: 'RouteServiceRole_IN_0', localAddress: '10.1.0.4', network: '10.250.0.0/16', nextHop: '10.1.2.10', sourcePeer: '10.1.2.10', origin: 'ebgp', asPath: '65001', weight: 32768 },
    ); // prettier-ignore
    const url = (networks: string) =>
      `/dashboard/api/routes?connection=${encodeURIComponent(SDWAN)}&direction=learned&networks=${networks}`;
    const some = await h.server.app.inject({ url: url('10.252.0.0/16,10.9.0.0/16'), headers: owner(h) });
    expect(some.json().routes.map((row: { network: string }) => row.network)).toEqual(['10.252.0.0/16']);
    const all = await h.server.app.inject({ url: url('10.250.0.0/16,10.252.0.0/16'), headers: owner(h) });
    expect(all.json().routes).toHaveLength(2);
  });

  it('reads the communities of the rows asked for, with the rules that restrict them', async () => {
    const { h, sources } = await lab();
    withDetails(sources);
    const answer = await h.server.app.inject({
      url: `/dashboard/api/route-details?connection=${encodeURIComponent(SDWAN)}&networks=10.251.0.0/16,10.253.0.0/16`,
      headers: owner(h),
    });
    expect(answer.json().routes).toEqual([
      { instance: 'RouteServiceRole_IN_0', network: '10.251.0.0/16', nextHop: '10.1.2.10', communities: ['65001:100', '65001:200'], largeCommunities: ['65001:1:2'], rules: [] },
      { instance: 'RouteServiceRole_IN_0', network: '10.253.0.0/16', nextHop: '10.1.2.10', communities: ['65535:65282'], largeCommunities: [], rules: ['NO_ADVERTISE: injected, advertised to no peer'] },
    ]); // prettier-ignore
    const bad = await h.server.app.inject({
      url: `/dashboard/api/route-details?connection=${encodeURIComponent(SDWAN)}`,
      headers: owner(h),
    });
    expect(bad.statusCode).toBe(400);
  });
});

describe('learned routes and why', () => {
  it('marks the route the instance injects as best and explains the others', async () => {
    const { h, runtime } = await lab();
    runtime.learned.push(
      { instance: 'RouteServiceRole_IN_0', localAddress: '10.1.0.4', network: '10.250.0.0/16', nextHop: '10.1.2.10', sourcePeer: '10.1.2.10', origin: 'ebgp', asPath: '65001', weight: 32768 },
      { instance: 'RouteServiceRole_IN_0', localAddress: '10.1.0.4', network: '10.1.9.0/24', nextHop: '10.1.2.10', sourcePeer: '10.1.2.10', origin: 'ebgp', asPath: '65001', weight: 32768 },
    ); // prettier-ignore
    runtime.inject({
      routeServerId: HUB.toLowerCase(),
      instance: 'RouteServiceRole_IN_0',
      changes: [{ prefix: parsePrefix('10.250.0.0/16'), route: { nextHops: ['10.1.2.10'] } }],
    });
    const answer = await h.server.app.inject({
      url: `/dashboard/api/routes?connection=${encodeURIComponent(SDWAN)}&direction=learned`,
      headers: owner(h),
    });
    expect(answer.statusCode).toBe(200);
    const rows = answer.json().routes as { network: string; reason: { best: boolean; text: string } }[];
    expect(rows.find((row) => row.network === '10.250.0.0/16')?.reason).toEqual({
      best: true,
      text: 'best: injected',
    });
    expect(rows.find((row) => row.network === '10.1.9.0/24')?.reason).toMatchObject({
      best: false,
      text: expect.stringContaining('within the VNet address space 10.1.0.0/16'),
    });
  });

  it('says which next hop the instance injects instead', () => {
    expect(learnedReason('10.9.0.0/16', '10.1.1.4', ['10.1.1.5'], [])).toEqual({
      best: false,
      text: 'not best: the instance injects next hop 10.1.1.5',
    });
    expect(learnedReason('10.9.0.0/16', '10.1.1.4', ['10.1.1.4', '10.1.1.5'], [])).toEqual({
      best: true,
      text: 'best: injected, ECMP with 1 other next hop',
    });
    expect(learnedReason('10.9.0.0/16', '10.1.1.4', undefined, ['10.1.0.0/16'])).toEqual({
      best: false,
      text: 'not injected',
    });
  });

  it('answers 400 without a connection and 404 for an unknown one', async () => {
    const { h } = await lab();
    expect((await h.server.app.inject({ url: '/dashboard/api/routes', headers: owner(h) })).statusCode).toBe(
      400,
    );
    const unknown = await h.server.app.inject({
      url: `/dashboard/api/routes?connection=${encodeURIComponent(`${HUB}/bgpConnections/nobody`)}`,
      headers: owner(h),
    });
    expect(unknown.statusCode).toBe(404);
  });
});

describe('live changes', () => {
  it('pushes a coalesced `changed` event naming the sessions whose routes changed', async () => {
    const { h, sources } = await lab();
    const { url } = await h.server.listen();
    const chunks: string[] = [];
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = https.get(
        `${url}/dashboard/api/events`,
        { headers: owner(h), ca: h.server.credentials.cert },
        resolve,
      );
      request.on('error', reject);
    });
    response.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    await new Promise((resolve) => setTimeout(resolve, 20));
    sources.publish({ type: 'update', localAddress: '10.1.0.4', peer: '10.1.2.10' });
    sources.publish({ type: 'update', localAddress: '10.1.0.5', peer: '10.1.2.10' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    response.destroy();
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const text = chunks.join('');
    expect(text.match(/event: changed/g)).toHaveLength(1);
    expect(text).toContain('data: {"keys":["10.1.0.4|10.1.2.10","10.1.0.5|10.1.2.10"]}');
  });
});
