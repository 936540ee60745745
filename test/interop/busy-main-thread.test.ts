/**
 * BGP never waits for the API: the route server (api-host.ts: store, domain
 * service, HTTPS API on the main thread; each BGP instance in its own worker
 * thread) peers with an FRR NVA whose hold time is 9 s (keepalive 3 s) on
 * both instances.
 *
 * - Requests far over Azure's counts (a VNet with 45,000 address prefixes,
 *   one with 5,000 subnets; docs/limits.md) are refused before any per-item
 *   work, and a GET sent while each is being handled answers in < 200 ms.
 * - The main thread blocked for longer than the hold time (SIGUSR2 to the
 *   host, as a slow handler would) leaves the FRR sessions Established on
 *   both instances: no hold-timer expiry on either side, no flap. A GET sent
 *   meanwhile waits for the main thread; only BGP does not.
 */
import type { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetworkAndRouteServer,
  labHubPlan,
  RESOURCE_GROUP,
} from '../../src/api/routes/sdk-lifecycle.test-support.js';
import {
  addRouteServerNode,
  apiRequest,
  FrrDaemon,
  IN_0,
  IN_1,
  instancePeers,
  Lab,
  startApiHost,
} from '../lab/index.js';
import type { LabNode, LabProcess } from '../lab/index.js';
import { run, sleep } from '../lab/process.js';
import { hostSdkClient, type UnixSocketAgent } from './hosts/unix-socket-agent.js';

const SUB = '00000000-0000-0000-0000-00000000b10c';
const FRR = { address: '10.0.1.4', asn: 65001, prefix: '10.201.0.0/16' };
const HOLD_SECONDS = 9;
const KEEPALIVE_SECONDS = 3;
/** a VNet body with more address prefixes than the 10,000 allowed */
const BIG_VNET_PREFIXES = 45_000;
/** a VNet body with more subnets than the 3,000 allowed */
const WIDE_VNET_SUBNETS = 5_000;
/** how long SIGUSR2 blocks the host's main thread: longer than the hold time */
const BLOCK_MS = (HOLD_SECONDS + 3) * 1000;
const API_VERSION = '2024-05-01';
const NETWORK = `/subscriptions/${SUB}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Network`;

const plan = labHubPlan([{ name: 'frr', peerIp: FRR.address, peerAsn: FRR.asn }]);

interface ArmErrorBody {
  error?: { code?: string };
}

/** What FRR says of one neighbor (`show bgp neighbors json`). */
interface FrrNeighbor {
  bgpState?: string;
  bgpTimerUpMsec?: number;
  connectionsEstablished?: number;
  connectionsDropped?: number;
  lastResetDueTo?: string;
}

/** 45,000 distinct /24s in 100.64.0.0/10 (shared address space): no overlap with the hub. */
function bigAddressSpace(): string[] {
  return Array.from({ length: BIG_VNET_PREFIXES }, (_, i) => `100.${64 + (i >> 8)}.${i & 255}.0/24`);
}

/** 5,000 /29 subnets of 100.64.0.0/10. */
function wideSubnets(): object[] {
  return Array.from({ length: WIDE_VNET_SUBNETS }, (_, i) => ({
    name: `s${i}`,
    properties: { addressPrefix: `100.${64 + (i >> 13)}.${(i >> 5) & 255}.${(i & 31) * 8}/29` },
  }));
}

describe('BGP sessions while the main thread is busy with a big request', () => {
  let lab: Lab;
  let rs: LabNode;
  let host: LabProcess;
  let frr: FrrDaemon;
  let agent: UnixSocketAgent;
  let token: string;

  /** One HTTPS request to the API over its unix socket: status, ARM error code and elapsed milliseconds. */
  async function api(
    method: string,
    resource: string,
    body?: unknown,
  ): Promise<{ status: number; code?: string; ms: number }> {
    const answer = await apiRequest(
      { agent, token, apiVersion: API_VERSION },
      method,
      `${NETWORK}/${resource}`,
      body,
    );
    const code = answer.status >= 400 ? (JSON.parse(answer.body) as ArmErrorBody).error?.code : undefined;
    return { status: answer.status, ...(code === undefined ? {} : { code }), ms: answer.ms };
  }

  async function neighbors(): Promise<Record<string, FrrNeighbor>> {
    const result = await run('vtysh', ['--vty_socket', frr.vtyDir, '-c', 'show bgp neighbors json']);
    if (result.code !== 0) throw new Error(`vtysh: ${result.stderr}`);
    return JSON.parse(result.stdout) as Record<string, FrrNeighbor>;
  }

  beforeAll(async () => {
    lab = await Lab.create({ name: 'busy' });
    rs = await addRouteServerNode(lab);
    const node = await lab.addNode('frr', [`${FRR.address}/16`]);
    frr = new FrrDaemon(lab, node, {
      asn: FRR.asn,
      localAddress: FRR.address,
      holdTimeSeconds: HOLD_SECONDS,
      keepaliveSeconds: KEEPALIVE_SECONDS,
      peers: instancePeers(),
      announce: [FRR.prefix],
    });
    host = await startApiHost(lab, rs);
    let sdk: NetworkManagementClient;
    ({ sdk, agent, token } = hostSdkClient(rs.dir, SUB));
    await createNetworkAndRouteServer(sdk, plan);
    await frr.start();
    await Promise.all([IN_0, IN_1].map((a) => frr.waitEstablished(a, 90_000)));
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  /** Both sessions' states every second while `during` runs; the neighbors before and after. */
  async function watchSessions(during: () => Promise<void>): Promise<{
    before: Record<string, FrrNeighbor>;
    states: string[];
    after: Record<string, FrrNeighbor>;
  }> {
    const before = await neighbors();
    for (const address of [IN_0, IN_1]) expect(before[address]?.bgpState).toBe('Established');
    const states: string[] = [];
    let done = false;
    const watch = (async () => {
      while (!done) {
        const now = await neighbors();
        for (const address of [IN_0, IN_1]) states.push(`${address} ${now[address]?.bgpState}`);
        await sleep(1000);
      }
    })();
    await during().finally(() => (done = true));
    await watch;
    // a hold timer that ran out meanwhile would fire now: give it the time
    await sleep(KEEPALIVE_SECONDS * 1000 + 1000);
    return { before, states, after: await neighbors() };
  }

  function expectNoFlap(seen: Awaited<ReturnType<typeof watchSessions>>, busyMs: number): void {
    expect(host.running).toBe(true);
    expect(seen.states.length).toBeGreaterThan(0);
    expect(seen.states.filter((s) => !s.endsWith('Established'))).toEqual([]);
    for (const address of [IN_0, IN_1]) {
      const was = seen.before[address]!;
      const is = seen.after[address]!;
      expect(is.bgpState).toBe('Established');
      expect(is.connectionsDropped).toBe(was.connectionsDropped);
      expect(is.connectionsEstablished).toBe(was.connectionsEstablished);
      expect(is.bgpTimerUpMsec!).toBeGreaterThan(was.bgpTimerUpMsec! + busyMs);
    }
  }

  it(`refuses a ${BIG_VNET_PREFIXES}-prefix and a ${WIDE_VNET_SUBNETS}-subnet VNet at once; a GET meanwhile answers in < 200 ms`, async () => {
    const answers: string[] = [];
    const seen = await watchSessions(async () => {
      for (const [name, properties] of [
        ['big', { addressSpace: { addressPrefixes: bigAddressSpace() } }],
        ['wide', { addressSpace: { addressPrefixes: ['100.64.0.0/10'] }, subnets: wideSubnets() }],
      ] as const) {
        const put = api('PUT', `virtualNetworks/${name}`, { location: 'local', properties });
        // sent right behind the big body: it waits for whatever the main thread does with it
        const get = await api('GET', 'virtualNetworks/hub');
        const refused = await put;
        answers.push(
          `${name}: PUT ${refused.status} in ${Math.round(refused.ms)} ms, GET in ${Math.round(get.ms)} ms`,
        );
        expect(refused).toMatchObject({ status: 400, code: 'QuotaExceeded' });
        expect(get.status).toBe(200);
        expect(get.ms).toBeLessThan(200);
        expect((await api('GET', `virtualNetworks/${name}`)).status).toBe(404);
      }
    });
    console.log(`requests over the limits: ${answers.join('; ')}`);
    expectNoFlap(seen, 0);
  });

  it(`keeps FRR's ${HOLD_SECONDS} s-hold sessions with both instances Established while the main thread is blocked ${BLOCK_MS / 1000} s`, async () => {
    let get = { status: 0, ms: 0 };
    let waited = 0;
    const seen = await watchSessions(async () => {
      const blocked = performance.now();
      process.kill(host.pid, 'SIGUSR2');
      await sleep(1000);
      get = await api('GET', 'virtualNetworks/hub');
      waited = performance.now() - blocked;
      console.log(
        `blocked main thread: a GET sent 1 s in answered after ${Math.round(get.ms)} ms ` +
          `(${Math.round(waited)} ms after the block began)`,
      );
    });
    expect(get.status).toBe(200);
    // the GET, sent while the main thread was blocked, was answered only once it was free again
    expect(waited).toBeGreaterThanOrEqual(BLOCK_MS - 50);
    expectNoFlap(seen, BLOCK_MS);
  });
});
