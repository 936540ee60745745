/**
 * BGP never waits for the API: the route server (api-host.ts: store, domain
 * service, HTTPS API on the main thread; each BGP instance in its own worker
 * thread) peers with an FRR NVA whose hold time is 9 s (keepalive 3 s) on
 * both instances; then one API request keeps the main thread busy for longer
 * than the hold time — a VNet PUT with 45,000 address prefixes, whose
 * validation runs on the main thread — and the FRR sessions stay Established
 * on both instances throughout: no hold-timer expiry on either side, no
 * flap. A GET sent during that request waits for it: the API shares the busy
 * main thread; only BGP does not.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetworkAndRouteServer,
  labHubPlan,
  RESOURCE_GROUP,
  sdkClient,
} from '../../src/api/routes/sdk-lifecycle.test-support.js';
import { FrrDaemon, Lab } from '../lab/index.js';
import type { LabNode, LabProcess } from '../lab/index.js';
import { run, sleep, waitFor } from '../lab/process.js';
import { UnixSocketAgent } from './hosts/unix-socket-agent.js';

const SUB = '00000000-0000-0000-0000-00000000b10c';
const IN_0 = '10.0.0.4';
const IN_1 = '10.0.0.5';
const FRR = { address: '10.0.1.4', asn: 65001, prefix: '10.201.0.0/16' };
const HOLD_SECONDS = 9;
const KEEPALIVE_SECONDS = 3;
/** address prefixes of the VNet whose PUT keeps the main thread busy */
const BIG_VNET_PREFIXES = 45_000;
const API_VERSION = '2024-05-01';

const plan = labHubPlan([{ name: 'frr', peerIp: FRR.address, peerAsn: FRR.asn }]);

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

describe('BGP sessions while the main thread is busy with a big request', () => {
  let lab: Lab;
  let rs: LabNode;
  let host: LabProcess;
  let frr: FrrDaemon;
  let agent: UnixSocketAgent;
  let token: string;

  /** One HTTPS request to the API over its unix socket: status and elapsed milliseconds. */
  function api(method: string, resource: string, body?: unknown): Promise<{ status: number; ms: number }> {
    const started = performance.now();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent,
          host: 'localhost',
          method,
          path: `/subscriptions/${SUB}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Network/${resource}?api-version=${API_VERSION}`,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  async function neighbors(): Promise<Record<string, FrrNeighbor>> {
    const result = await run('vtysh', ['--vty_socket', frr.vtyDir, '-c', 'show bgp neighbors json']);
    if (result.code !== 0) throw new Error(`vtysh: ${result.stderr}`);
    return JSON.parse(result.stdout) as Record<string, FrrNeighbor>;
  }

  beforeAll(async () => {
    lab = await Lab.create({ name: 'busy' });
    rs = await lab.addNode('rs', [`${IN_0}/16`, `${IN_1}/16`]);
    const node = await lab.addNode('frr', [`${FRR.address}/16`]);
    frr = new FrrDaemon(lab, node, {
      asn: FRR.asn,
      localAddress: FRR.address,
      holdTimeSeconds: HOLD_SECONDS,
      keepaliveSeconds: KEEPALIVE_SECONDS,
      peers: [
        { address: IN_0, asn: 65515, multihopTtl: 2 },
        { address: IN_1, asn: 65515, multihopTtl: 2 },
      ],
      announce: [FRR.prefix],
    });
    rmSync(path.join(rs.dir, 'api-ready'), { force: true });
    const script = path.resolve('test/interop/hosts/api-host.ts');
    host = lab.spawn(rs, process.execPath, ['--import', 'tsx', script, rs.dir], {
      logFile: path.join(rs.dir, 'api-host.log'),
    });
    await waitFor(
      'API host ready',
      async () => (existsSync(path.join(rs.dir, 'api-ready')) ? true : undefined),
      {
        timeoutMs: 60_000,
        intervalMs: 200,
      },
    );
    token = readFileSync(path.join(rs.dir, 'api-token'), 'utf8').trim();
    const ca = readFileSync(path.join(rs.dir, 'tls', 'cert.pem'), 'utf8');
    agent = new UnixSocketAgent(path.join(rs.dir, 'api.sock'), ca);
    const sdk = sdkClient('https://localhost', SUB, token, ca);
    sdk.pipeline.addPolicy({
      name: 'unix-socket',
      sendRequest: (req, next) => next(Object.assign(req, { agent })),
    });
    await createNetworkAndRouteServer(sdk, plan);
    await frr.start();
    await Promise.all([IN_0, IN_1].map((a) => frr.waitEstablished(a, 90_000)));
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it(`keeps FRR's ${HOLD_SECONDS} s-hold sessions with both instances Established through a ${BIG_VNET_PREFIXES}-prefix VNet PUT`, async () => {
    const before = await neighbors();
    for (const address of [IN_0, IN_1]) expect(before[address]?.bgpState).toBe('Established');

    const states: string[] = [];
    let putDone = false;
    const put = api('PUT', 'virtualNetworks/big', {
      location: 'local',
      properties: { addressSpace: { addressPrefixes: bigAddressSpace() } },
    }).finally(() => (putDone = true));
    const watch = (async () => {
      while (!putDone) {
        const now = await neighbors();
        for (const address of [IN_0, IN_1]) states.push(`${address} ${now[address]?.bgpState}`);
        await sleep(1000);
      }
    })();
    await sleep(1000);
    const get = await api('GET', 'virtualNetworks/hub');
    const answered = await put;
    await watch;
    // a hold timer that ran out while the main thread was busy would fire now: give it the time
    await sleep(KEEPALIVE_SECONDS * 1000 + 1000);
    const after = await neighbors();

    console.log(
      `busy main thread: the PUT took ${Math.round(answered.ms)} ms (status ${answered.status}); ` +
        `a GET sent 1 s into it answered after ${Math.round(get.ms)} ms; FRR read ${states.length / 2} times meanwhile`,
    );
    expect(host.running).toBe(true);
    expect(answered.status).toBeLessThan(300);
    expect(get.status).toBe(200);
    expect(states.length).toBeGreaterThan(0);
    expect(states.filter((s) => !s.endsWith('Established'))).toEqual([]);
    for (const address of [IN_0, IN_1]) {
      const was = before[address]!;
      const is = after[address]!;
      expect(is.bgpState).toBe('Established');
      expect(is.connectionsDropped).toBe(was.connectionsDropped);
      expect(is.connectionsEstablished).toBe(was.connectionsEstablished);
      expect(is.bgpTimerUpMsec!).toBeGreaterThan(was.bgpTimerUpMsec! + answered.ms);
    }
  });
});
