/**
 * Route maps (docs/route-maps.md) with real NVAs: ExaBGP (AS 65001) and FRR
 * (AS 65002) peer with both instances of the route server, which runs with
 * its API in lab namespace `rs` (test/interop/hosts/api-host.ts). One lab
 * serves every check, in this order:
 *
 * 1. No maps: both NVAs' routes reach the VM and each other as sent.
 * 2. Inbound, on ExaBGP: `exa-in` is stored, dry-run on ExaBGP's table,
 *    then named in the peering's routingConfiguration. It has a rule for
 *    each match kind (route prefix Equals / Contains / NotEquals /
 *    NotContains, community Equals / Contains, AS path Equals / Contains)
 *    and each action (Drop, community Add / Replace / Remove, AS path Add /
 *    Replace, summary, and a Terminate without actions). The result is
 *    read where users see it: the VM's effective routes, the peering's
 *    learned routes (API) and what FRR receives from us (vtysh json); the
 *    dry run must equal it route by route.
 * 3. Outbound, on FRR (`frr-out`, read in FRR's RIB) and on ExaBGP
 *    (`exa-out`, read in ExaBGP's parsed UPDATEs): dry run, then applied,
 *    compared route by route.
 * 4. Live changes: both maps PUT with other rules, and FRR's peering given
 *    an inbound map; the changes arrive as UPDATEs.
 * 5. Bad input: a map that does not parse is a 400 naming the member at
 *    fault; GET shows the previous map, the routes stay as they were.
 * 6. Throughout: every session stayed Established with one OPEN each way
 *    and FRR's up-since time unchanged, FRR was never sent a ROUTE-REFRESH,
 *    nobody sent a NOTIFICATION, and our API showed both peerings Connected
 *    in every sample (every 250 ms).
 *
 * The timings of the live changes, the whole file and the load average are
 * printed.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetworkAndRouteServer,
  effectiveRoutes,
  labHubPlan,
  readRoutes,
  RESOURCE_GROUP,
} from '../../src/api/routes/sdk-lifecycle.test-support.js';
import {
  addRouteServerNode,
  apiRequest,
  ExabgpDaemon,
  FrrDaemon,
  IN_0,
  IN_1,
  instancePeers,
  Lab,
  startApiHost,
} from '../lab/index.js';
import type { Announcement, LabNode, LabProcess, LearnedRoute } from '../lab/index.js';
import { run, sleep, waitFor } from '../lab/process.js';
import { hostSdkClient, type UnixSocketAgent } from './hosts/unix-socket-agent.js';

const SUB = '00000000-0000-0000-0000-0000000000a9';
const API_VERSION = '2023-04-01';
const INSTANCES = [IN_0, IN_1];
const VNET = '10.0.0.0/16';
const NETWORK = `/subscriptions/${SUB}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Network`;
const HUB = `${NETWORK}/virtualHubs/rs`;
const EXA = { address: '10.0.1.4', asn: 65001 };
const FRR = { address: '10.0.1.5', asn: 65002 };

/** What ExaBGP announces: AS path as the route server reads it, communities. */
const EXA_ROUTES: Announcement[] = [
  { prefix: '10.101.0.0/16' },
  { prefix: '10.101.1.0/24' },
  { prefix: '10.102.5.0/24', asPathPrepend: [64998] },
  { prefix: '10.104.0.0/16' },
  { prefix: '10.104.1.0/24' },
  { prefix: '10.105.0.0/16', communities: ['65001:5'] },
  { prefix: '10.106.0.0/16', communities: ['65001:5', '65001:6'] },
  { prefix: '10.107.0.0/16', communities: ['65001:1', '65001:2'] },
  { prefix: '10.107.1.0/24', communities: ['65001:1'] },
  { prefix: '10.108.0.0/16', asPathPrepend: [64999] },
  { prefix: '10.108.1.0/24', asPathPrepend: [64997, 64999] },
  { prefix: '10.109.0.0/16', asPathPrepend: [64998] },
  { prefix: '10.109.1.0/24', asPathPrepend: [64998] },
  { prefix: '10.110.1.0/24', communities: ['65001:110'] },
  { prefix: '10.110.2.0/24', communities: ['65001:110'] },
  { prefix: '10.111.0.0/16', communities: ['65001:110'], asPathPrepend: [64998] },
  { prefix: '10.120.0.0/16' },
];
const FRR_ROUTES: Announcement[] = [
  { prefix: '10.201.0.0/16' },
  { prefix: '10.202.0.0/16', communities: ['65002:7'] },
  { prefix: '10.203.1.0/24' },
  { prefix: '10.203.2.0/24' },
  { prefix: '10.204.0.0/16' },
];

/** A route's attributes as the route server holds it: AS path from the NVA on, communities. */
interface Attributes {
  asPath: number[];
  communities: string[];
}
const sent = (nva: { asn: number }, a: Announcement): Attributes => ({
  asPath: [nva.asn, ...(Array.isArray(a.asPathPrepend) ? a.asPathPrepend : [])],
  communities: a.communities ?? [],
});
const SENT = new Map([
  ...EXA_ROUTES.map((a) => [a.prefix, sent(EXA, a)] as const),
  ...FRR_ROUTES.map((a) => [a.prefix, sent(FRR, a)] as const),
]);

type Criterion = { matchCondition: string; routePrefix?: string[]; community?: string[]; asPath?: string[] };
type Action = {
  type: string;
  parameters: { routePrefix?: string[]; community?: string[]; asPath?: string[] }[];
};
interface Rule {
  name: string;
  matchCriteria: Criterion[];
  actions: Action[];
  nextStepIfMatched?: 'Continue' | 'Terminate';
}
const rule = (name: string, matchCriteria: Criterion[], actions: Action[], terminate = false): Rule => ({
  name,
  matchCriteria,
  actions,
  nextStepIfMatched: terminate ? 'Terminate' : 'Continue',
});
const DROP: Action = { type: 'Drop', parameters: [] };

/** ExaBGP's inbound map: every match kind and every action once. */
const EXA_IN: Rule[] = [
  rule('exempt', [{ matchCondition: 'Equals', routePrefix: ['10.109.1.0/24'] }], [], true),
  rule('drop-exact', [{ matchCondition: 'Equals', routePrefix: ['10.101.0.0/16'] }], [DROP]),
  rule(
    'tag-within',
    [{ matchCondition: 'Contains', routePrefix: ['10.102.0.0/16'] }],
    [{ type: 'Add', parameters: [{ community: ['65001:102'] }] }],
  ),
  rule(
    'tag-more-specific',
    [
      { matchCondition: 'Contains', routePrefix: ['10.104.0.0/16'] },
      { matchCondition: 'NotEquals', routePrefix: ['10.104.0.0/16'] },
    ],
    [{ type: 'Add', parameters: [{ community: ['65001:104'] }] }],
  ),
  rule(
    'replace-outside',
    [
      { matchCondition: 'Contains', community: ['65001:5'] },
      { matchCondition: 'NotContains', routePrefix: ['10.105.0.0/16'] },
    ],
    [{ type: 'Replace', parameters: [{ community: ['65001:55'] }] }],
  ),
  rule(
    'remove-one',
    [{ matchCondition: 'Equals', community: ['65001:1', '65001:2'] }],
    [{ type: 'Remove', parameters: [{ community: ['65001:1'] }] }],
  ),
  rule(
    'path-exact',
    [{ matchCondition: 'Equals', asPath: ['65001', '64999'] }],
    [{ type: 'Replace', parameters: [{ asPath: ['65001'] }] }],
  ),
  rule(
    'prepend-via',
    [{ matchCondition: 'Contains', asPath: ['64998'] }],
    [{ type: 'Add', parameters: [{ asPath: ['65100', '65200'] }] }],
  ),
  rule(
    'summarise',
    [{ matchCondition: 'Contains', community: ['65001:110'] }],
    [{ type: 'Replace', parameters: [{ routePrefix: ['10.110.0.0/16'] }] }],
  ),
];

/** What `EXA_IN` does, worked out by hand from docs/route-maps.md (absent: unchanged). */
const EXA_IN_EXPECTED: Record<
  string,
  { result: string; rules: string[]; after?: Attributes; summary?: string }
> = {
  '10.101.0.0/16': { result: 'Dropped', rules: ['drop-exact'] },
  '10.102.5.0/24': {
    result: 'Modified',
    rules: ['tag-within', 'prepend-via'],
    after: { asPath: [65100, 65200, 65001, 64998], communities: ['65001:102'] },
  },
  '10.104.1.0/24': {
    result: 'Modified',
    rules: ['tag-more-specific'],
    after: { asPath: [65001], communities: ['65001:104'] },
  },
  '10.106.0.0/16': {
    result: 'Modified',
    rules: ['replace-outside'],
    after: { asPath: [65001], communities: ['65001:55'] },
  },
  '10.107.0.0/16': {
    result: 'Modified',
    rules: ['remove-one'],
    after: { asPath: [65001], communities: ['65001:2'] },
  },
  '10.108.0.0/16': {
    result: 'Modified',
    rules: ['path-exact'],
    after: { asPath: [65001], communities: [] },
  },
  '10.109.0.0/16': {
    result: 'Modified',
    rules: ['prepend-via'],
    after: { asPath: [65100, 65200, 65001, 64998], communities: [] },
  },
  // tagged for the summary but outside it: the summary rule passes it over, the prepend stands
  '10.111.0.0/16': {
    result: 'Modified',
    rules: ['prepend-via'],
    after: { asPath: [65100, 65200, 65001, 64998], communities: ['65001:110'] },
  },
  '10.110.1.0/24': { result: 'Summarized', rules: ['summarise'], summary: '10.110.0.0/16' },
  '10.110.2.0/24': { result: 'Summarized', rules: ['summarise'], summary: '10.110.0.0/16' },
};

/** FRR's outbound map: runs on what the route server sends FRR (ExaBGP's routes after `exa-in`). */
const FRR_OUT: Rule[] = [
  rule('no-control', [{ matchCondition: 'Equals', routePrefix: ['10.120.0.0/16'] }], [DROP]),
  rule(
    'tag-104',
    [{ matchCondition: 'Contains', routePrefix: ['10.104.0.0/16'] }],
    [{ type: 'Add', parameters: [{ community: ['65002:900'] }] }],
  ),
  rule(
    'prepend-101',
    [{ matchCondition: 'Equals', routePrefix: ['10.101.1.0/24'] }],
    [{ type: 'Add', parameters: [{ asPath: ['65300'] }] }],
  ),
  rule(
    'summary-107',
    [{ matchCondition: 'Contains', routePrefix: ['10.107.0.0/16'] }],
    [{ type: 'Replace', parameters: [{ routePrefix: ['10.107.0.0/16'] }] }],
  ),
];

/** ExaBGP's outbound map: runs on FRR's routes. */
const EXA_OUT: Rule[] = [
  rule('drop-201', [{ matchCondition: 'Equals', routePrefix: ['10.201.0.0/16'] }], [DROP]),
  rule(
    'strip-202',
    [{ matchCondition: 'Contains', community: ['65002:7'] }],
    [
      { type: 'Replace', parameters: [{ asPath: [] }] },
      { type: 'Replace', parameters: [{ community: ['65002:70'] }] },
    ],
  ),
  rule(
    'summary-203',
    [{ matchCondition: 'Contains', routePrefix: ['10.203.0.0/16'] }],
    [{ type: 'Replace', parameters: [{ routePrefix: ['10.203.0.0/16'] }] }],
  ),
];

/** One instance's dry run (docs/route-maps.md "Dry run"). */
interface Evaluation {
  direction: string;
  evaluated: number;
  unchanged: number;
  dropped: number;
  modified: number;
  summarized: number;
  summaries: { network: string; contributors: number }[];
  routes: {
    network: string;
    result: 'Dropped' | 'Modified' | 'Summarized';
    rules: string[];
    before: { asPath: string; communities: string[] };
    after?: { asPath: string; communities: string[] };
    summary?: string;
  }[];
  truncated: boolean;
}

/** A route as one NVA holds it from one instance (undefined: not there). */
type Observed = Map<string, Attributes | undefined>;

const ASPATH = (asns: number[]) => asns.join('-');
const sorted = (list: readonly string[] | undefined) => [...(list ?? [])].sort();

function load(): string {
  const [one, five] = loadavg();
  return `load average ${one!.toFixed(2)} / ${five!.toFixed(2)}`;
}

describe('route maps with ExaBGP and FRR', () => {
  let lab: Lab;
  let rs: LabNode;
  let host: LabProcess;
  let sdk: NetworkManagementClient;
  let agent: UnixSocketAgent;
  let token: string;
  let exa: ExabgpDaemon;
  let frr: FrrDaemon;
  const startedAt = Date.now();
  const figures: string[] = [];
  /** FRR's counters per instance once everything is up (step 1) */
  const frrBaseline = new Map<string, FrrNeighborCounters>();
  /** our side: the peerings' connectionState (Connected: Established with both instances), every 250 ms from step 1 on */
  const stateSamples: string[][] = [];
  let sampling = true;
  let sampler: Promise<void> | undefined;

  async function sampleConnectionStates(): Promise<void> {
    while (sampling) {
      await sampleConnectionStatesOnce();
      await sleep(250);
    }
  }

  async function sampleConnectionStatesOnce(): Promise<void> {
    const list = JSON.parse((await api('GET', `${HUB}/bgpConnections`)).body) as {
      value: { name: string; properties: { connectionState: string } }[];
    };
    stateSamples.push(list.value.map((c) => `${c.name} ${c.properties.connectionState}`));
  }

  const wait = <T>(what: string, probe: () => Promise<T | undefined>, detail?: () => string) =>
    waitFor(
      what,
      async () => {
        if (!host.running) throw new Error(`API host exited:\n${host.logTail()}`);
        return probe();
      },
      { timeoutMs: 30_000, intervalMs: 200, ...(detail ? { detail } : {}) },
    );

  const api = (method: string, resourcePath: string, body?: unknown) =>
    apiRequest({ agent, token, apiVersion: API_VERSION }, method, resourcePath, body);

  async function put(resourcePath: string, body: unknown): Promise<void> {
    const answer = await api('PUT', resourcePath, body);
    expect(answer.status, answer.body).toBeLessThan(300);
  }

  const putMap = (name: string, rules: Rule[]) => put(`${HUB}/routeMaps/${name}`, { properties: { rules } });
  const mapId = (name: string) => `${HUB}/routeMaps/${name}`;

  function putPeering(
    name: 'exa' | 'frr',
    maps: { inbound?: string; outbound?: string } = {},
  ): Promise<void> {
    const nva = name === 'exa' ? EXA : FRR;
    return put(`${HUB}/bgpConnections/${name}`, {
      properties: {
        peerIp: nva.address,
        peerAsn: nva.asn,
        routingConfiguration: {
          ...(maps.inbound ? { inboundRouteMap: { id: mapId(maps.inbound) } } : {}),
          ...(maps.outbound ? { outboundRouteMap: { id: mapId(maps.outbound) } } : {}),
        },
      },
    });
  }

  /** POST …/evaluate, then the long-running operation's result: instance → evaluation. */
  async function dryRun(
    map: string,
    connection: string,
    direction: string,
  ): Promise<Map<string, Evaluation>> {
    const started = await api('POST', `${mapId(map)}/evaluate`, {
      connection: { id: `${HUB}/bgpConnections/${connection}` },
      direction,
    });
    expect(started.status, started.body).toBe(202);
    // the operation's address without api-version, which apiRequest adds
    const location = new URL(String(started.headers.location), 'https://localhost');
    location.searchParams.delete('api-version');
    const done = await wait(`the dry run of ${map}`, async () => {
      const poll = await api('GET', `${location.pathname}${location.search}`);
      return poll.status === 200 ? poll : undefined;
    });
    const result = JSON.parse(done.body) as Record<string, Evaluation>;
    expect(Object.keys(result).sort()).toEqual(['RouteServiceRole_IN_0', 'RouteServiceRole_IN_1']);
    return new Map([
      [IN_0, result['RouteServiceRole_IN_0']!],
      [IN_1, result['RouteServiceRole_IN_1']!],
    ]);
  }

  /** What an NVA holds from each instance, for `prefixes`. */
  async function observed(
    daemon: ExabgpDaemon | FrrDaemon,
    prefixes: readonly string[],
  ): Promise<Map<string, Observed>> {
    const routes = await daemon.routes();
    return new Map(
      INSTANCES.map((instance) => {
        const byPrefix: Observed = new Map();
        for (const prefix of prefixes) {
          const route = routes.find((r: LearnedRoute) => r.prefix === prefix && r.peer === instance);
          byPrefix.set(prefix, route && { asPath: route.asPath, communities: sorted(route.communities) });
        }
        return [instance, byPrefix];
      }),
    );
  }

  /** Waits until an NVA holds, from both instances, exactly `expected` (undefined: absent). */
  async function waitNvaHolds(
    label: string,
    daemon: ExabgpDaemon | FrrDaemon,
    expected: Map<string, Attributes | undefined>,
  ): Promise<void> {
    const want = new Map(
      [...expected].map(([p, a]) => [p, a && { ...a, communities: sorted(a.communities) }]),
    );
    let last: Map<string, Observed> | undefined;
    await wait(
      label,
      async () => {
        last = await observed(daemon, [...want.keys()]);
        return [...last.values()].every((held) =>
          [...want].every(([prefix, a]) => JSON.stringify(held.get(prefix)) === JSON.stringify(a)),
        )
          ? true
          : undefined;
      },
      () => {
        const wrong = [...(last ?? new Map<string, Observed>())].flatMap(([instance, held]) =>
          [...want]
            .filter(([prefix, a]) => JSON.stringify(held.get(prefix)) !== JSON.stringify(a))
            .map(
              ([prefix, a]) =>
                `${instance} ${prefix}: holds ${JSON.stringify(held.get(prefix))}, want ${JSON.stringify(a)}`,
            ),
        );
        return wrong.join('\n');
      },
    );
  }

  /** The VM's effective routes learned from NVAs: prefix → next hops. */
  async function vmRoutes(): Promise<Map<string, string[]>> {
    const rows = await effectiveRoutes(sdk);
    return new Map(
      rows
        .filter((r) => r.state === 'Active' && r.addressPrefix?.[0] !== VNET)
        .map((r) => [r.addressPrefix![0]!, sorted(r.nextHopIpAddress)]),
    );
  }

  /** The peering's learned routes (API), per instance address: prefix → AS path text. */
  async function learned(peering: string): Promise<Map<string, Map<string, string>>> {
    const { learned: byInstance } = await readRoutes(sdk, peering);
    return new Map(
      Object.values(byInstance).map((routes) => [
        routes[0]?.localAddress ?? '',
        new Map(routes.map((r) => [r.network!, r.asPath ?? ''])),
      ]),
    );
  }

  interface FrrNeighborCounters {
    state: string;
    /** when the session last came up: unchanged means it never went down */
    establishedEpoch: number;
    connectionsEstablished: number;
    connectionsDropped: number;
    opensRecv: number;
    opensSent: number;
    routeRefreshRecv: number;
    notificationsRecv: number;
    notificationsSent: number;
  }

  async function frrNeighbor(instance: string): Promise<FrrNeighborCounters> {
    const result = await run('vtysh', [
      '--vty_socket',
      frr.vtyDir,
      '-c',
      `show bgp neighbors ${instance} json`,
    ]);
    if (result.code !== 0) throw new Error(`vtysh: ${result.stderr}`);
    const n = (JSON.parse(result.stdout) as Record<string, Record<string, unknown>>)[instance]!;
    const stats = n['messageStats'] as Record<string, number>;
    return {
      state: String(n['bgpState']),
      establishedEpoch: Number(n['bgpTimerUpEstablishedEpoch']),
      connectionsEstablished: Number(n['connectionsEstablished']),
      connectionsDropped: Number(n['connectionsDropped']),
      opensRecv: stats['opensRecv']!,
      opensSent: stats['opensSent']!,
      routeRefreshRecv: stats['routeRefreshRecv']!,
      notificationsRecv: stats['notificationsRecv']!,
      notificationsSent: stats['notificationsSent']!,
    };
  }

  /** ExaBGP's session state changes per instance, from its API stream. */
  function exaStateChanges(): Map<string, string[]> {
    const changes = new Map<string, string[]>(INSTANCES.map((i) => [i, []]));
    for (const line of readFileSync(exa.receivedLog, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      const message = JSON.parse(line) as {
        type?: string;
        neighbor?: { address?: { peer?: string }; state?: string };
      };
      const peer = message.neighbor?.address?.peer;
      if (message.type === 'state' && peer && message.neighbor?.state)
        changes.get(peer)?.push(message.neighbor.state);
    }
    return changes;
  }

  beforeAll(async () => {
    lab = await Lab.create({ name: 'rmap' });
    rs = await addRouteServerNode(lab);
    const exaNode = await lab.addNode('exa', [`${EXA.address}/16`]);
    const frrNode = await lab.addNode('frr', [`${FRR.address}/16`]);
    const peers = instancePeers();
    exa = new ExabgpDaemon(lab, exaNode, {
      asn: EXA.asn,
      localAddress: EXA.address,
      holdTimeSeconds: 9,
      peers,
      announce: EXA_ROUTES,
    });
    frr = new FrrDaemon(lab, frrNode, {
      asn: FRR.asn,
      localAddress: FRR.address,
      holdTimeSeconds: 9,
      peers,
      announce: FRR_ROUTES,
    });
    host = await startApiHost(lab, rs);
    ({ sdk, agent, token } = hostSdkClient(rs.dir, SUB));
    await createNetworkAndRouteServer(sdk, labHubPlan([]));
    await putPeering('exa');
    await putPeering('frr');
    await Promise.all([exa.start(), frr.start()]);
  });

  afterAll(async () => {
    sampling = false;
    await sampler;
    figures.push(`whole file ${((Date.now() - startedAt) / 1000).toFixed(1)} s (${load()})`);
    console.log(`\nRoute maps with ExaBGP and FRR\n${figures.join('\n')}\n`);
    await lab?.destroy();
  });

  it('without maps, both NVAs’ routes reach the VM and each other as sent', async () => {
    await Promise.all(
      INSTANCES.flatMap((i) => [exa.waitEstablished(i, 60_000), frr.waitEstablished(i, 60_000)]),
    );
    await wait('every NVA route in the VM’s effective routes', async () => {
      const vm = await vmRoutes();
      return [...SENT.keys()].every((p) => vm.has(p)) ? true : undefined;
    });
    const asSent = (routes: Announcement[]) =>
      new Map(
        routes.map((a) => [
          a.prefix,
          { ...SENT.get(a.prefix)!, asPath: [65515, ...SENT.get(a.prefix)!.asPath] },
        ]),
      );
    await waitNvaHolds('ExaBGP’s routes at FRR as sent', frr, asSent(EXA_ROUTES));
    await waitNvaHolds('FRR’s routes at ExaBGP as sent', exa, asSent(FRR_ROUTES));
    for (const instance of INSTANCES) {
      const counters = await frrNeighbor(instance);
      expect(counters).toMatchObject({ state: 'Established', connectionsEstablished: 1, opensRecv: 1 });
      frrBaseline.set(instance, counters);
    }
    sampler = sampleConnectionStates();
  });

  it('inbound: the dry run of every match kind and action equals what applying the map then does, route by route', async () => {
    await putMap('exa-in', EXA_IN);
    const dry = await dryRun('exa-in', 'exa', 'Inbound');
    for (const [instance, evaluation] of dry) {
      expect(evaluation, instance).toMatchObject({
        direction: 'Inbound',
        evaluated: EXA_ROUTES.length,
        dropped: 1,
        modified: 7,
        summarized: 2,
        unchanged: EXA_ROUTES.length - 10,
        summaries: [{ network: '10.110.0.0/16', contributors: 2 }],
        truncated: false,
      });
      // each route's result, rules and attributes as docs/route-maps.md describes them
      expect(
        Object.fromEntries(
          evaluation.routes.map((r) => [
            r.network,
            {
              result: r.result,
              rules: r.rules,
              ...(r.after
                ? {
                    after: {
                      asPath: r.after.asPath.split('-').map(Number),
                      communities: sorted(r.after.communities),
                    },
                  }
                : {}),
              ...(r.summary ? { summary: r.summary } : {}),
            },
          ]),
        ),
        instance,
      ).toEqual(EXA_IN_EXPECTED);
      for (const r of evaluation.routes) {
        const before = SENT.get(r.network)!;
        expect(r.before, r.network).toEqual({
          asPath: ASPATH(before.asPath),
          communities: before.communities,
        });
      }
    }
    // nothing applied yet
    expect((await vmRoutes()).has('10.101.0.0/16')).toBe(true);

    const appliedAt = Date.now();
    await putPeering('exa', { inbound: 'exa-in' });
    // FRR (another NVA) receives what the map made, from both instances: 65515 in front
    const atFrr = new Map<string, Attributes | undefined>();
    for (const a of EXA_ROUTES)
      atFrr.set(a.prefix, { ...SENT.get(a.prefix)!, asPath: [65515, ...SENT.get(a.prefix)!.asPath] });
    for (const r of dry.get(IN_0)!.routes) {
      if (r.result === 'Modified')
        atFrr.set(r.network, {
          asPath: [65515, ...r.after!.asPath.split('-').map(Number)],
          communities: r.after!.communities,
        });
      else atFrr.set(r.network, undefined);
    }
    for (const s of dry.get(IN_0)!.summaries) atFrr.set(s.network, { asPath: [65515], communities: [] });
    await waitNvaHolds('exa-in’s result at FRR', frr, atFrr);
    figures.push(
      `inbound map applied: FRR holds the result ${((Date.now() - appliedAt) / 1000).toFixed(2)} s after the PUT`,
    );

    // the peering's learned routes: the map's result (AS path), dropped and summarised routes absent, the summary there
    const byInstance = await learned('exa');
    for (const [instance, evaluation] of dry) {
      const routes = byInstance.get(instance)!;
      const want = new Map(
        EXA_ROUTES.map((a) => [a.prefix, ASPATH(SENT.get(a.prefix)!.asPath)] as [string, string | undefined]),
      );
      for (const r of evaluation.routes)
        want.set(r.network, r.result === 'Modified' ? r.after!.asPath : undefined);
      for (const s of evaluation.summaries) want.set(s.network, '');
      for (const [prefix, asPath] of want)
        expect(routes.get(prefix), `${instance} learned ${prefix}`).toBe(asPath);
    }
    // the VM: dropped and summarised-away prefixes gone, the summary via ExaBGP, the rest as before
    const wantVm = new Map<string, string[] | undefined>(EXA_ROUTES.map((a) => [a.prefix, [EXA.address]]));
    for (const r of dry.get(IN_0)!.routes) if (r.result !== 'Modified') wantVm.set(r.network, undefined);
    wantVm.set('10.110.0.0/16', [EXA.address]);
    let vm = new Map<string, string[]>();
    await wait(
      'exa-in’s result in the VM’s effective routes',
      async () => {
        vm = await vmRoutes();
        return [...wantVm].every(([p, hops]) => JSON.stringify(vm.get(p)) === JSON.stringify(hops))
          ? true
          : undefined;
      },
      () => JSON.stringify([...vm]),
    );
    expect(vm.has('10.101.0.0/16') || vm.has('10.110.1.0/24')).toBe(false);
  });

  it('outbound: FRR’s RIB and ExaBGP’s UPDATEs hold what the dry runs said, route by route', async () => {
    await putMap('frr-out', FRR_OUT);
    await putMap('exa-out', EXA_OUT);
    const dryFrr = await dryRun('frr-out', 'frr', 'Outbound');
    const dryExa = await dryRun('exa-out', 'exa', 'Outbound');
    for (const evaluation of dryFrr.values())
      expect(evaluation).toMatchObject({
        direction: 'Outbound',
        evaluated: EXA_ROUTES.length - 2,
        dropped: 1,
        modified: 3,
        summarized: 2,
        unchanged: EXA_ROUTES.length - 8,
        summaries: [{ network: '10.107.0.0/16', contributors: 2 }],
      });
    for (const evaluation of dryExa.values())
      expect(evaluation).toMatchObject({
        direction: 'Outbound',
        evaluated: FRR_ROUTES.length,
        dropped: 1,
        modified: 1,
        summarized: 2,
        unchanged: 1,
        summaries: [{ network: '10.203.0.0/16', contributors: 2 }],
      });

    /** What a peer should hold after an outbound dry run: now-held routes, then the dry run's verdicts. */
    const afterDryRun = (evaluation: Evaluation, before: Observed) => {
      const want = new Map(before);
      for (const r of evaluation.routes) {
        if (r.result === 'Modified')
          want.set(r.network, {
            asPath: [65515, ...(r.after!.asPath === '' ? [] : r.after!.asPath.split('-').map(Number))],
            communities: r.after!.communities,
          });
        else want.set(r.network, undefined);
      }
      for (const s of evaluation.summaries) want.set(s.network, { asPath: [65515], communities: [] });
      return want;
    };
    const frrPrefixes = [...EXA_ROUTES.map((a) => a.prefix), '10.110.0.0/16'];
    const frrBefore = (await observed(frr, frrPrefixes)).get(IN_0)!;
    const exaBefore = (await observed(exa, FRR_ROUTES.map((a) => a.prefix).concat('10.203.0.0/16'))).get(
      IN_0,
    )!;
    await putPeering('frr', { outbound: 'frr-out' });
    await putPeering('exa', { inbound: 'exa-in', outbound: 'exa-out' });
    await waitNvaHolds('frr-out’s result in FRR’s RIB', frr, afterDryRun(dryFrr.get(IN_0)!, frrBefore));
    await waitNvaHolds(
      'exa-out’s result in ExaBGP’s UPDATEs',
      exa,
      afterDryRun(dryExa.get(IN_0)!, exaBefore),
    );
    // both instances agree, and the concrete outcome is what the rules say
    expect(dryFrr.get(IN_1)!.routes).toEqual(dryFrr.get(IN_0)!.routes);
    expect(dryExa.get(IN_1)!.routes).toEqual(dryExa.get(IN_0)!.routes);
    const atFrr = (await observed(frr, frrPrefixes)).get(IN_1)!;
    expect(atFrr.get('10.120.0.0/16')).toBeUndefined();
    expect(atFrr.get('10.104.1.0/24')).toEqual({
      asPath: [65515, 65001],
      communities: ['65001:104', '65002:900'],
    });
    expect(atFrr.get('10.104.0.0/16')).toEqual({ asPath: [65515, 65001], communities: ['65002:900'] });
    expect(atFrr.get('10.101.1.0/24')).toEqual({ asPath: [65515, 65300, 65001], communities: [] });
    expect(atFrr.get('10.107.0.0/16')).toEqual({ asPath: [65515], communities: [] });
    expect(atFrr.get('10.107.1.0/24')).toBeUndefined();
    const atExa = (
      await observed(exa, [
        '10.201.0.0/16',
        '10.202.0.0/16',
        '10.203.0.0/16',
        '10.203.1.0/24',
        '10.204.0.0/16',
      ])
    ).get(IN_1)!;
    expect(Object.fromEntries(atExa)).toEqual({
      '10.201.0.0/16': undefined,
      '10.202.0.0/16': { asPath: [65515], communities: ['65002:70'] },
      '10.203.0.0/16': { asPath: [65515], communities: [] },
      '10.203.1.0/24': undefined,
      '10.204.0.0/16': { asPath: [65515, 65002], communities: [] },
    });
    // outbound maps change what one peer is sent, not what the VNet learns
    const vm = await vmRoutes();
    for (const prefix of ['10.120.0.0/16', '10.107.1.0/24', '10.201.0.0/16', '10.203.1.0/24'])
      expect(vm.has(prefix), prefix).toBe(true);
  });

  it('a map PUT with other rules and a new inbound map on a peering apply live', async () => {
    const changedAt = Date.now();
    // exa-in now drops only the control prefix; exa-out drops only 10.204.0.0/16; FRR gets an inbound map
    await putMap('exa-in', [
      rule('drop-control', [{ matchCondition: 'Equals', routePrefix: ['10.120.0.0/16'] }], [DROP]),
    ]);
    await putMap('exa-out', [
      rule('drop-204', [{ matchCondition: 'Contains', routePrefix: ['10.204.0.0/16'] }], [DROP]),
    ]);
    await putMap('frr-in', [
      rule(
        'prepend-202',
        [{ matchCondition: 'Equals', routePrefix: ['10.202.0.0/16'] }],
        [{ type: 'Add', parameters: [{ asPath: ['65400'] }] }],
      ),
    ]);
    await putPeering('frr', { inbound: 'frr-in', outbound: 'frr-out' });
    const at = (a: Announcement, extra: number[] = []) => ({
      asPath: [65515, ...extra, ...SENT.get(a.prefix)!.asPath],
      communities: SENT.get(a.prefix)!.communities,
    });
    const exaRoute = (prefix: string) => EXA_ROUTES.find((a) => a.prefix === prefix)!;
    const frrRoute = (prefix: string) => FRR_ROUTES.find((a) => a.prefix === prefix)!;
    await waitNvaHolds(
      'exa-in’s new rules at FRR (through frr-out)',
      frr,
      new Map<string, Attributes | undefined>([
        ['10.101.0.0/16', at(exaRoute('10.101.0.0/16'))],
        ['10.102.5.0/24', at(exaRoute('10.102.5.0/24'))],
        ['10.106.0.0/16', at(exaRoute('10.106.0.0/16'))],
        ['10.108.0.0/16', at(exaRoute('10.108.0.0/16'))],
        ['10.110.1.0/24', at(exaRoute('10.110.1.0/24'))],
        ['10.110.0.0/16', undefined],
        ['10.120.0.0/16', undefined],
        ['10.101.1.0/24', { asPath: [65515, 65300, 65001], communities: [] }],
      ]),
    );
    await waitNvaHolds(
      'exa-out’s new rules and frr-in at ExaBGP',
      exa,
      new Map<string, Attributes | undefined>([
        ['10.201.0.0/16', at(frrRoute('10.201.0.0/16'))],
        ['10.202.0.0/16', at(frrRoute('10.202.0.0/16'), [65400])],
        ['10.203.1.0/24', at(frrRoute('10.203.1.0/24'))],
        ['10.203.0.0/16', undefined],
        ['10.204.0.0/16', undefined],
      ]),
    );
    figures.push(
      `live change of three maps: both NVAs hold the result ${((Date.now() - changedAt) / 1000).toFixed(2)} s after the first PUT`,
    );
    const vm = await vmRoutes();
    expect(vm.has('10.120.0.0/16')).toBe(false);
    expect(vm.get('10.101.0.0/16')).toEqual([EXA.address]);
    expect(vm.has('10.110.0.0/16')).toBe(false);
    for (const [instance, routes] of await learned('frr'))
      expect(routes.get('10.202.0.0/16'), instance).toBe('65400-65002');
  });

  it('answers a map that does not parse with a 400 naming the member at fault, and keeps the stored map', async () => {
    const stored = JSON.parse((await api('GET', mapId('exa-in'))).body) as { properties: { rules: Rule[] } };
    const cases: [unknown, string, string][] = [
      [
        [rule('bad-prefix', [{ matchCondition: 'Equals', routePrefix: ['10.120.0.300/16'] }], [DROP])],
        'InvalidRouteMapMatchCriterion',
        'properties.rules[0].matchCriteria[0].routePrefix[0]',
      ],
      [
        [rule('ok', [], []), rule('bad-asn', [], [{ type: 'Add', parameters: [{ asPath: ['65515'] }] }])],
        'InvalidRouteMapAction',
        'properties.rules[1].actions[0].parameters[0].asPath[0]',
      ],
      [
        [rule('bad-community', [{ matchCondition: 'Contains', community: ['65001:70000'] }], [DROP])],
        'InvalidRouteMapMatchCriterion',
        'properties.rules[0].matchCriteria[0].community[0]',
      ],
    ];
    for (const [rules, code, target] of cases) {
      const answer = await api('PUT', mapId('exa-in'), { properties: { rules } });
      expect(answer.status, answer.body).toBe(400);
      const error = (JSON.parse(answer.body) as { error: { code: string; target: string; message: string } })
        .error;
      expect(error).toMatchObject({ code, target });
      expect(error.message.length).toBeGreaterThan(0);
    }
    // a list where the schema wants one is refused before the rules are read
    const wrongType = await api('PUT', mapId('exa-in'), {
      properties: {
        rules: [{ name: 'r', matchCriteria: [{ matchCondition: 'Equals', routePrefix: '10.120.0.0/16' }] }],
      },
    });
    expect(wrongType.status).toBe(400);
    expect((JSON.parse(wrongType.body) as { error: { code: string } }).error.code).toBe(
      'InvalidRequestFormat',
    );
    const after = JSON.parse((await api('GET', mapId('exa-in'))).body) as { properties: { rules: Rule[] } };
    expect(after.properties.rules).toEqual(stored.properties.rules);
    // and the routes are still those of the stored map
    expect((await vmRoutes()).has('10.120.0.0/16')).toBe(false);
    expect((await vmRoutes()).get('10.101.0.0/16')).toEqual([EXA.address]);
  });

  it('kept every session up throughout: one OPEN each way, no ROUTE-REFRESH to FRR, no NOTIFICATION', async () => {
    sampling = false;
    await sampler;
    // the loop's first reading came before the first map change (step 1 starts it); this one
    // comes after the last, however fast the steps between ran
    await sampleConnectionStatesOnce();
    const down = stateSamples.filter((sample) => sample.some((s) => !s.endsWith(' Connected')));
    expect(down).toEqual([]);
    expect(stateSamples.every((sample) => sample.length === 2)).toBe(true);
    expect(stateSamples.length).toBeGreaterThanOrEqual(2);
    figures.push(
      `our sessions sampled ${stateSamples.length} times while the maps changed: Connected in every sample`,
    );
    for (const instance of INSTANCES) {
      const { establishedEpoch, ...now } = await frrNeighbor(instance);
      const { establishedEpoch: baselineEpoch, ...baseline } = frrBaseline.get(instance)!;
      expect(now, instance).toEqual({ ...baseline, state: 'Established' });
      // FRR derives the epoch from its monotonic up-time at each reading: it may move by a second
      expect(Math.abs(establishedEpoch - baselineEpoch), instance).toBeLessThanOrEqual(1);
      expect(now.routeRefreshRecv, instance).toBe(0);
      expect(now.connectionsDropped, instance).toBe(0);
    }
    for (const [instance, states] of exaStateChanges())
      expect(
        states.filter((s) => s !== 'connected'),
        `ExaBGP ↔ ${instance}`,
      ).toEqual(['up']);
    for (const peering of ['exa', 'frr']) {
      const view = JSON.parse((await api('GET', `${HUB}/bgpConnections/${peering}`)).body) as {
        properties: { connectionState: string };
      };
      expect(view.properties.connectionState, peering).toBe('Connected');
    }
  });
});
