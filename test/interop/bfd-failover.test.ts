/**
 * Traffic failover from an active to a standby NVA with BFD and the
 * data-plane agent (docs/bfd.md, "Traffic failover"), on the VNet fabric of
 * hosts/dataplane-fabric.ts: two FRR SD-WAN NVAs announce the on-prem
 * prefix 10.250.0.0/16, the standby with its AS path prepended twice, both
 * with FRR's bfdd (multihop, 100 ms × 3) toward both instances and
 * peerings with `bfd` on; `routeserver agent` programs the VM namespace.
 *
 * Each run: the VM pings an on-prem address every 10 ms; the active NVA's
 * VNet link goes down in its namespace (it stops forwarding and stops
 * answering BFD and BGP at once: a dead NVA); the test waits until the VM's
 * kernel routes via the standby and the pings flow again, then brings the
 * link back and waits until the route is back on the active NVA. The
 * traffic gap is the time between the last echo reply before the failure
 * and the first one after it (ping's own timestamps). On-prem answers
 * through the standby all along (its default route), so the gap measures
 * the VM's forward path only, which is what the route server and the agent
 * move. The test asserts that traffic resumes through the standby; the
 * figures (p50, p99, max, with the load average) are printed for
 * docs/bfd.md.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetworkAndRouteServer,
  labHubPlan,
  RESOURCE_GROUP,
} from '../../src/api/routes/sdk-lifecycle.test-support.js';
import { apiRequest, FrrDaemon, instancePeers } from '../lab/index.js';
import type { ApiAnswer, LabProcess } from '../lab/index.js';
import { runChecked, sleep, waitFor } from '../lab/process.js';
import {
  agentArgs,
  apiAccess,
  createFabric,
  fabricSdk,
  gatewaysOf,
  IN_0,
  IN_1,
  kernelRoutes,
  ONPREM_PREFIX,
  SDWAN,
  SDWAN2,
  startApiHost,
  SUBSCRIPTION,
  txPackets,
  type Fabric,
} from './hosts/dataplane-fabric.js';
import { UnixSocketAgent } from './hosts/unix-socket-agent.js';

const RUNS = Number(process.env['BFD_FAILOVER_RUNS'] ?? 10);
const NETWORK = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Network`;
const NIC_ID = `${NETWORK}/networkInterfaces/vm`;
const BFD = { enabled: true, minRx: 100, minTx: 100, multiplier: 3, multihop: true };
const TARGET = '10.250.9.9';
/** how long each run's ping lasts: the failure comes after PING_LEAD_MS */
const PING_SECONDS = 5;
const PING_LEAD_MS = 1_000;

let fabric: Fabric;
let active: FrrDaemon;
let standby: FrrDaemon;
let host: LabProcess;
let agent: LabProcess;

/** PUT over the API's socket: the SDK's models have no `bfd`, so the body goes as JSON. */
function armPut(resourcePath: string, body: unknown): Promise<ApiAnswer> {
  const rs = fabric.nodes.rs;
  const { token, certPath } = apiAccess(rs);
  const socketAgent = new UnixSocketAgent(path.join(rs.dir, 'api.sock'), readFileSync(certPath, 'utf8'));
  return apiRequest({ agent: socketAgent, token, apiVersion: '2023-04-01' }, 'PUT', resourcePath, body);
}

/** The VM's next hops toward on-prem, once `accept` takes them. */
function waitRouteVia(what: string, nextHops: string, timeoutMs = 60_000): Promise<true> {
  return waitFor(
    what,
    async () => {
      if (!agent.running) throw new Error(`agent exited:\n${agent.logTail()}`);
      const route = (await kernelRoutes(fabric.nodes.vm)).find((r) => r.dst === ONPREM_PREFIX);
      return gatewaysOf(route).join() === nextHops ? true : undefined;
    },
    { timeoutMs, intervalMs: 10, detail: () => agent.logTail() },
  );
}

async function bfdUp(daemon: FrrDaemon): Promise<true | undefined> {
  const peers = await daemon.bfdPeers().catch(() => []);
  return [IN_0, IN_1].every((a) => peers.some((p) => p.peer === a && p.state === 'Up')) ? true : undefined;
}

/** Echo replies of `ping -D` as [receive time in ms since the epoch, icmp_seq]. */
function echoReplies(output: string): [number, number][] {
  return [...output.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from [\d.]+: icmp_seq=(\d+)/gm)].map((m) => [
    Number(m[1]) * 1000,
    Number(m[2]),
  ]);
}

/**
 * The longest time without an echo reply from the last one before
 * `failedAt` on (the link goes down a few ms after `failedAt`, so the outage
 * starts after it), and whether replies flow again 2 s after the failure.
 */
function trafficGap(
  replies: readonly [number, number][],
  failedAt: number,
): { gapMs: number; resumed: boolean } {
  const lastBefore = replies.filter(([t]) => t <= failedAt).at(-1);
  const after = replies.filter(([t]) => t > failedAt);
  const resumed = after.some(([t]) => t > failedAt + 2_000);
  if (lastBefore === undefined) return { gapMs: Number.NaN, resumed };
  let gapMs = 0;
  let previous = lastBefore[0];
  for (const [t] of after) {
    gapMs = Math.max(gapMs, t - previous);
    previous = t;
  }
  return { gapMs, resumed };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

beforeAll(async () => {
  fabric = await createFabric();
  const { lab, nodes } = fabric;
  const peers = instancePeers();
  const bfd = { intervalMs: 100, multiplier: 3, multihop: true };
  active = new FrrDaemon(lab, nodes.sdwan, {
    asn: SDWAN.asn,
    localAddress: SDWAN.address,
    holdTimeSeconds: 9,
    peers,
    announce: [ONPREM_PREFIX],
    bfd,
  });
  standby = new FrrDaemon(lab, nodes.sdwan2, {
    asn: SDWAN2.asn,
    localAddress: SDWAN2.address,
    holdTimeSeconds: 9,
    peers,
    announce: [{ prefix: ONPREM_PREFIX, asPathPrepend: 2 }],
    bfd,
  });
  // on-prem answers through the standby all along: the gap is the VM's forward path only
  await runChecked('ip', ['-n', nodes.onprem.namespace, 'route', 'replace', 'default', 'via', '172.31.2.1']);
  host = await startApiHost(lab, nodes.rs);
  await createNetworkAndRouteServer(fabricSdk(nodes.rs), labHubPlan([]));
  for (const [name, nva] of [
    ['sdwan', SDWAN],
    ['sdwan2', SDWAN2],
  ] as const) {
    const put = await armPut(`${NETWORK}/virtualHubs/rs/bgpConnections/${name}`, {
      properties: { peerIp: nva.address, peerAsn: nva.asn, bfd: BFD },
    });
    expect(put.status, put.body).toBeLessThan(300);
  }
  await Promise.all([active.start(), standby.start()]);
  agent = lab.spawn(
    nodes.rs,
    process.execPath,
    agentArgs(nodes.rs, ['--nic', NIC_ID, '--netns', nodes.vm.namespace, '--dev', 'eth0']),
    {
      logFile: path.join(nodes.rs.dir, 'agent.log'),
    },
  );
});

afterAll(async () => {
  await fabric?.lab.destroy();
});

describe('traffic failover to a standby NVA with BFD and the data-plane agent', () => {
  it(
    `moves the VM's traffic to the standby when the active NVA's link goes down (${RUNS} runs)`,
    async () => {
      const { lab, nodes } = fabric;
      const link = (state: 'up' | 'down') =>
        runChecked('ip', ['-n', nodes.sdwan.namespace, 'link', 'set', 'eth0', state]);
      const gaps: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        for (const instance of [IN_0, IN_1]) await active.waitEstablished(instance, 90_000);
        await waitFor('active bfdd Up with both instances', () => bfdUp(active), {
          timeoutMs: 60_000,
          intervalMs: 100,
        });
        await waitFor('standby bfdd Up with both instances', () => bfdUp(standby), {
          timeoutMs: 60_000,
          intervalMs: 100,
        });
        await waitRouteVia('the VM routes on-prem via the active NVA', SDWAN.address);
        const standbyBefore = await txPackets(nodes.sdwan2, 'eth1');
        const ping = lab.exec(
          nodes.vm,
          'ping',
          ['-n', '-D', '-i', '0.01', '-w', String(PING_SECONDS), TARGET],
          {
            timeoutMs: (PING_SECONDS + 10) * 1000,
          },
        );
        await sleep(PING_LEAD_MS);
        const failedAt = Date.now();
        await link('down');
        await waitRouteVia('the VM routes on-prem via the standby', SDWAN2.address, 10_000);
        const { stdout } = await ping;
        const { gapMs, resumed } = trafficGap(echoReplies(stdout), failedAt);
        expect(resumed, `echo replies 2 s after the failure (run ${run}):\n${stdout.slice(-2000)}`).toBe(
          true,
        );
        expect(
          (await txPackets(nodes.sdwan2, 'eth1')) - standbyBefore,
          'packets forwarded by the standby',
        ).toBeGreaterThan(50);
        gaps.push(gapMs);
        await link('up');
      }
      const sorted = [...gaps].sort((a, b) => a - b);
      const [one, five] = loadavg();
      console.log(
        `\ntraffic failover, active NVA's link down → pings (every 10 ms) flow via the standby: ${RUNS} runs, ` +
          `p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms, ` +
          `max ${sorted.at(-1)!.toFixed(0)} ms, min ${sorted[0]!.toFixed(0)} ms ` +
          `(load average ${one!.toFixed(2)} / ${five!.toFixed(2)}); gaps ${gaps.map((g) => g.toFixed(0)).join(' ')}\n`,
      );
      expect(host.running).toBe(true);
    },
    RUNS * 120_000 + 120_000,
  );
});
