/**
 * Graceful restart (RFC 4724, docs/graceful-restart.md) with FRR and BIRD, through
 * `routeserver serve --config` in lab namespace `rs`; the peering has
 * `gracefulRestart: {enabled: true}`, FRR runs `bgp graceful-restart`
 * (with `preserve-fw-state`) and BIRD `graceful restart on`. BGP hold time 9 s.
 *
 * - Helper: FRR's bgpd (then BIRD) is killed by PID (SIGKILL: no
 *   NOTIFICATION) and started again (BIRD with -R, its graceful restart
 *   recovery) announcing one of its two prefixes. A poller inside the
 *   namespace samples the VM NIC's effective routes every 100 ms
 *   (hosts/route-poller.ts): the prefix FRR announces again must be there in
 *   every sample; the other one stays until FRR's End-of-RIB, then goes.
 * - Restarting speaker: `serve` gets SIGTERM and is started again; FRR's
 *   RIB, read with vtysh every 100 ms, and BIRD's, read with birdc, must
 *   hold the VNet prefix from the route server in every sample.
 *
 * Gap counts, times and the load average are printed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BirdDaemon, FrrDaemon, Lab } from '../lab/index.js';
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
const BIRD = { address: '10.1.1.5', asn: 65002 };
const BIRD_KEPT = '10.202.0.0/16';
const BIRD_DROPPED = '10.212.0.0/16';
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
      - name: bird
        peerIp: ${BIRD.address}
        peerAsn: ${BIRD.asn}
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

describe('graceful restart with FRR and BIRD', () => {
  let lab: Lab;
  let rs: LabNode;
  let frrNode: LabNode;
  let server: LabProcess;
  let frr: FrrDaemon;
  let birdNode: LabNode;
  let bird: BirdDaemon;
  let samplesFile: string;
  const figures: string[] = [];
  const nvaOptions = (nva: { address: string; asn: number }, announce: string[]): BgpDaemonOptions => ({
    asn: nva.asn,
    localAddress: nva.address,
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
  const bothEstablished = async (daemon: { sessions: FrrDaemon['sessions'] }) => {
    const sessions = await daemon.sessions().catch(() => []);
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
    birdNode = await lab.addNode('bird', [`${BIRD.address}/16`]);
    frr = new FrrDaemon(lab, frrNode, nvaOptions(FRR, [KEPT, DROPPED]));
    bird = new BirdDaemon(lab, birdNode, nvaOptions(BIRD, [BIRD_KEPT, BIRD_DROPPED]));
    await Promise.all([frr.start(), bird.start()]);
  });

  afterAll(async () => {
    if (figures.length) console.log(`\nGraceful restart with FRR and BIRD\n${figures.join('\n')}\n`);
    await lab?.destroy();
  });

  it('negotiates graceful restart with FRR and BIRD on both instances; the VM gets their prefixes', async () => {
    await wait('FRR Established with both instances', () => bothEstablished(frr), 90_000);
    await wait('BIRD Established with both instances', () => bothEstablished(bird), 90_000);
    for (const instance of [IN_0, IN_1]) {
      const neighbor = (await vtyshJson(`show bgp neighbors ${instance} json`))[instance] as {
        neighborCapabilities?: { gracefulRestart?: string };
      };
      expect(neighbor.neighborCapabilities?.gracefulRestart).toBe('advertisedAndReceived');
    }
    await wait('the NVAs’ prefixes in the VM’s effective routes', () =>
      [KEPT, DROPPED, BIRD_KEPT, BIRD_DROPPED].every((p) => has(latest(), p)) ? true : undefined,
    );
  });

  /**
   * Kills an NVA by PID and starts it again announcing `kept` only; checks
   * every sample of the VM's effective routes since the kill.
   */
  async function nvaRestart(
    label: string,
    kill: () => Promise<void>,
    restart: () => Promise<{ sessions: FrrDaemon['sessions'] }>,
    kept: string,
    dropped: string,
  ): Promise<void> {
    expect(has(latest(), kept) && has(latest(), dropped)).toBe(true);
    const killedAt = Date.now();
    await kill();
    await sleep(1_000); // the daemon stays down a while, as a crashed one would
    const daemon = await restart();
    await wait(`${label} Established again with both instances`, () => bothEstablished(daemon), 90_000);
    const establishedAt = Date.now();
    await wait(`the prefix ${label} did not announce again gone from the VM`, () =>
      has(latest(), dropped) ? undefined : true,
    );
    const droppedAt = samples().find(
      (s) => s.t > killedAt && s.prefixes !== undefined && !has(s, dropped),
    )!.t;
    await sleep(1_000);
    const window = samples().filter((s) => s.t >= killedAt);
    const disconnected = window.filter((s) => s.connected === false).length;
    const gaps = window.filter((s) => !has(s, kept)).length;
    const droppedBeforeBack = window.filter((s) => s.t < establishedAt && !has(s, dropped)).length;
    figures.push(
      `helper, ${label}: killed → Established again ${((establishedAt - killedAt) / 1000).toFixed(1)} s, ` +
        `${dropped} gone ${((droppedAt - establishedAt) / 1000).toFixed(2)} s after that; ` +
        `${window.length} samples of the VM's effective routes every 100 ms, ${gaps} without ${kept}, ` +
        `${droppedBeforeBack} without ${dropped} before ${label} was back (${load()})`,
    );
    expect(disconnected).toBe(0);
    expect(gaps).toBe(0);
    expect(droppedBeforeBack).toBe(0);
  }

  it('keeps FRR’s prefix in the VM’s effective routes while bgpd restarts, and drops the one it does not announce again after its End-of-RIB', async () => {
    await nvaRestart(
      'FRR',
      () => frr.kill(),
      async () => {
        frr = new FrrDaemon(lab, frrNode, nvaOptions(FRR, [KEPT]));
        await frr.start();
        return frr;
      },
      KEPT,
      DROPPED,
    );
  });

  it('keeps BIRD’s prefix in the VM’s effective routes while BIRD restarts, and drops the one it does not announce again after its End-of-RIB', async () => {
    await nvaRestart(
      'BIRD',
      () => bird.kill(),
      async () => {
        bird = new BirdDaemon(lab, birdNode, nvaOptions(BIRD, [BIRD_KEPT]));
        await bird.start({ recovery: true });
        return bird;
      },
      BIRD_KEPT,
      BIRD_DROPPED,
    );
  });

  it('keeps the VNet prefix in FRR’s and BIRD’s RIBs while the route server restarts', async () => {
    const hasVnet = async (daemon: { routes: FrrDaemon['routes'] }) =>
      (await daemon.routes().catch(() => undefined))?.some((r) => r.prefix === VNET) === true;
    for (const daemon of [frr, bird])
      await wait('the VNet prefix from both instances in the NVAs’ RIBs', async () => {
        const routes = await daemon.routes();
        return [IN_0, IN_1].every((a) => routes.some((r) => r.prefix === VNET && r.peer === a))
          ? true
          : undefined;
      });
    const polls: { t: number; frr: boolean; bird: boolean; ms: number }[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const started = Date.now();
        const [inFrr, inBird] = await Promise.all([hasVnet(frr), hasVnet(bird)]);
        polls.push({ t: started, frr: inFrr, bird: inBird, ms: Date.now() - started });
        await sleep(Math.max(0, 100 - (Date.now() - started)));
      }
    })();
    try {
      const stoppedAt = Date.now();
      await server.stop();
      const downFor = Date.now() - stoppedAt;
      server = startServer();
      await wait('FRR Established again with both instances', () => bothEstablished(frr), 90_000);
      await wait('BIRD Established again with both instances', () => bothEstablished(bird), 90_000);
      const establishedAt = Date.now();
      await wait('the NVAs’ prefixes back in the VM’s effective routes', () =>
        has(latest(), KEPT) && has(latest(), BIRD_KEPT) ? true : undefined,
      );
      await sleep(3_000);
      polling = false;
      await poll;
      const frrGaps = polls.filter((p) => !p.frr).length;
      const birdGaps = polls.filter((p) => !p.bird).length;
      const slowest = Math.max(...polls.map((p) => p.ms));
      figures.push(
        `restarting speaker: serve stopped in ${(downFor / 1000).toFixed(1)} s, both NVAs Established again ` +
          `${((establishedAt - stoppedAt) / 1000).toFixed(1)} s after SIGTERM; ${polls.length} polls of FRR's ` +
          `and BIRD's RIBs (every 100 ms, slowest ${slowest} ms), ${frrGaps} without ${VNET} in FRR's, ` +
          `${birdGaps} in BIRD's (${load()})`,
      );
      expect(frrGaps).toBe(0);
      expect(birdGaps).toBe(0);
    } finally {
      polling = false;
      await poll;
    }
  });
});
