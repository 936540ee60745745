/**
 * Graceful restart (RFC 4724, docs/graceful-restart.md) with FRR, through
 * `routeserver serve --config` in lab namespace `rs`; the peering has
 * `gracefulRestart: {enabled: true}` and FRR runs `bgp graceful-restart`
 * (with `preserve-fw-state`). BGP hold time 9 s.
 *
 * - Helper: FRR's bgpd is killed by PID (SIGKILL: no NOTIFICATION) and
 *   started again announcing one of its two prefixes. A poller inside the
 *   namespace samples the VM NIC's effective routes every 100 ms
 *   (hosts/route-poller.ts): the prefix FRR announces again must be there in
 *   every sample; the other one stays until FRR's End-of-RIB, then goes.
 * - Restarting speaker: `serve` gets SIGTERM and is started again; FRR's
 *   RIB, read with vtysh every 100 ms, must hold the VNet prefix from the
 *   route server in every sample.
 *
 * Gap counts, times and the load average are printed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrrDaemon, Lab } from '../lab/index.js';
import type { BgpDaemonOptions, LabNode, LabProcess } from '../lab/index.js';
import { run, sleep, waitFor } from '../lab/process.js';

const BIN = fileURLToPath(new URL('../../bin/routeserver.js', import.meta.url));
const POLLER = fileURLToPath(new URL('./hosts/route-poller.ts', import.meta.url));
const SUB = '00000000-0000-0000-0000-0000000000a4';
const IN_0 = '10.1.0.4';
const IN_1 = '10.1.0.5';
const VNET = '10.1.0.0/16';
const FRR = { address: '10.1.1.4', asn: 65001 };
const KEPT = '10.201.0.0/16';
const DROPPED = '10.211.0.0/16';
const API = 'https://127.0.0.1:18443';
const NIC = `/subscriptions/${SUB}/resourceGroups/gr/providers/Microsoft.Network/networkInterfaces/vm-nic`;

const CONFIG = `subscription: ${SUB}
resourceGroup: gr
location: local
virtualNetworks:
  - name: vnet1
    addressPrefixes: [${VNET}]
    subnets:
      - name: RouteServerSubnet
        addressPrefix: 10.1.0.0/26
      - name: nva
        addressPrefix: 10.1.1.0/24
      - name: workload
        addressPrefix: 10.1.2.0/24
routeServers:
  - name: rs1
    virtualNetwork: vnet1
    peerings:
      - name: frr
        peerIp: ${FRR.address}
        peerAsn: ${FRR.asn}
        gracefulRestart: { enabled: true, restartTime: 60, stalePathTime: 60 }
networkInterfaces:
  - name: vm-nic
    virtualNetwork: vnet1
    subnet: workload
    privateIpAddress: 10.1.2.4
`;

interface Sample {
  t: number;
  prefixes?: string[];
  connected?: false;
}

function load(): string {
  const [one, five] = loadavg();
  return `load average ${one!.toFixed(2)} / ${five!.toFixed(2)}`;
}

describe('graceful restart with FRR', () => {
  let lab: Lab;
  let rs: LabNode;
  let frrNode: LabNode;
  let server: LabProcess;
  let frr: FrrDaemon;
  let samplesFile: string;
  const figures: string[] = [];
  const frrOptions = (announce: string[]): BgpDaemonOptions => ({
    asn: FRR.asn,
    localAddress: FRR.address,
    holdTimeSeconds: 9,
    peers: [IN_0, IN_1].map((address) => ({ address, asn: 65515, multihopTtl: 2 })),
    announce,
    gracefulRestart: { restartTimeSeconds: 60 },
  });

  const startServer = () =>
    lab.spawn(
      rs,
      process.execPath,
      [
        BIN,
        'serve',
        '--config',
        path.join(rs.dir, 'rs.yaml'),
        '--data-dir',
        path.join(rs.dir, 'data'),
        '--api-listen',
        '127.0.0.1:18443',
      ],
      { logFile: path.join(rs.dir, 'routeserver.log') },
    );

  const samples = (): Sample[] =>
    readFileSync(samplesFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Sample);
  const latest = () => samples().at(-1);
  const has = (sample: Sample | undefined, prefix: string) => sample?.prefixes?.includes(prefix) === true;
  const wait = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000) =>
    waitFor(
      what,
      async () => {
        if (!server.running) throw new Error(`routeserver exited:\n${server.logTail()}`);
        return probe();
      },
      { timeoutMs, intervalMs: 100, detail: () => JSON.stringify(latest()) },
    );
  const bothEstablished = async () => {
    const sessions = await frr.sessions().catch(() => []);
    return [IN_0, IN_1].every((a) => sessions.some((s) => s.peer === a && s.state === 'Established'))
      ? true
      : undefined;
  };
  const vtyshJson = async (command: string): Promise<Record<string, unknown>> => {
    const result = await run('vtysh', ['--vty_socket', frr.vtyDir, '-c', command]);
    if (result.code !== 0) throw new Error(`vtysh ${command}: ${result.stderr}`);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };

  beforeAll(async () => {
    lab = await Lab.create({ name: 'gr' });
    rs = await lab.addNode('rs', [`${IN_0}/16`, `${IN_1}/16`]);
    frrNode = await lab.addNode('frr', [`${FRR.address}/16`]);
    writeFileSync(path.join(rs.dir, 'rs.yaml'), CONFIG);
    server = startServer();
    samplesFile = path.join(rs.dir, 'samples.jsonl');
    writeFileSync(samplesFile, '');
    lab.spawn(
      rs,
      process.execPath,
      ['--import', 'tsx', POLLER, path.join(rs.dir, 'data'), API, NIC, samplesFile],
      { logFile: path.join(rs.dir, 'poller.log') },
    );
    frr = new FrrDaemon(lab, frrNode, frrOptions([KEPT, DROPPED]));
    await frr.start();
  });

  afterAll(async () => {
    if (figures.length) console.log(`\nGraceful restart with FRR\n${figures.join('\n')}\n`);
    await lab?.destroy();
  });

  it('negotiates graceful restart with FRR on both instances; the VM gets both of FRR’s prefixes', async () => {
    await wait('FRR Established with both instances', bothEstablished, 90_000);
    for (const instance of [IN_0, IN_1]) {
      const neighbor = (await vtyshJson(`show bgp neighbors ${instance} json`))[instance] as {
        neighborCapabilities?: { gracefulRestart?: string };
      };
      expect(neighbor.neighborCapabilities?.gracefulRestart).toBe('advertisedAndReceived');
    }
    await wait('both prefixes in the VM’s effective routes', () =>
      has(latest(), KEPT) && has(latest(), DROPPED) ? true : undefined,
    );
  });

  it('keeps FRR’s prefix in the VM’s effective routes while bgpd restarts, and drops the one it does not announce again after its End-of-RIB', async () => {
    expect(has(latest(), KEPT) && has(latest(), DROPPED)).toBe(true);
    const killedAt = Date.now();
    await frr.kill();
    await sleep(1_000); // bgpd stays down a while, as a crashed daemon would
    frr = new FrrDaemon(lab, frrNode, frrOptions([KEPT]));
    await frr.start();
    await wait('FRR Established again with both instances', bothEstablished, 90_000);
    const establishedAt = Date.now();
    await wait('the prefix FRR did not announce again gone from the VM', () =>
      has(latest(), DROPPED) ? undefined : true,
    );
    const droppedAt = samples().find(
      (s) => s.t > killedAt && s.prefixes !== undefined && !has(s, DROPPED),
    )!.t;
    await sleep(1_000);
    const window = samples().filter((s) => s.t >= killedAt);
    const disconnected = window.filter((s) => s.connected === false).length;
    const gaps = window.filter((s) => !has(s, KEPT)).length;
    const droppedBeforeBack = window.filter((s) => s.t < establishedAt && !has(s, DROPPED)).length;
    figures.push(
      `helper: bgpd killed → Established again ${((establishedAt - killedAt) / 1000).toFixed(1)} s, ` +
        `${DROPPED} gone ${((droppedAt - establishedAt) / 1000).toFixed(2)} s after that; ` +
        `${window.length} samples of the VM's effective routes every 100 ms, ${gaps} without ${KEPT}, ` +
        `${droppedBeforeBack} without ${DROPPED} before FRR was back (${load()})`,
    );
    expect(disconnected).toBe(0);
    expect(gaps).toBe(0);
    expect(droppedBeforeBack).toBe(0);
  });

  it('keeps the VNet prefix in FRR’s RIB while the route server restarts', async () => {
    await wait('the VNet prefix from both instances in FRR’s RIB', async () => {
      const routes = await frr.routes();
      return [IN_0, IN_1].every((a) => routes.some((r) => r.prefix === VNET && r.peer === a))
        ? true
        : undefined;
    });
    const polls: { t: number; present: boolean; ms: number }[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const started = Date.now();
        const routes = await frr.routes().catch(() => undefined);
        polls.push({
          t: started,
          present: routes?.some((r) => r.prefix === VNET) === true,
          ms: Date.now() - started,
        });
        await sleep(Math.max(0, 100 - (Date.now() - started)));
      }
    })();
    try {
      const stoppedAt = Date.now();
      await server.stop();
      const downFor = Date.now() - stoppedAt;
      server = startServer();
      await wait('FRR Established again with both instances', bothEstablished, 90_000);
      const establishedAt = Date.now();
      await wait('FRR’s prefix back in the VM’s effective routes', () =>
        has(latest(), KEPT) ? true : undefined,
      );
      await sleep(3_000);
      polling = false;
      await poll;
      const gaps = polls.filter((p) => !p.present).length;
      const slowest = Math.max(...polls.map((p) => p.ms));
      figures.push(
        `restarting speaker: serve stopped in ${(downFor / 1000).toFixed(1)} s, FRR Established again ` +
          `${((establishedAt - stoppedAt) / 1000).toFixed(1)} s after SIGTERM; ${polls.length} polls of FRR's RIB ` +
          `(every 100 ms, slowest vtysh ${slowest} ms), ${gaps} without ${VNET} (${load()})`,
      );
      expect(gaps).toBe(0);
    } finally {
      polling = false;
      await poll;
    }
  });
});
