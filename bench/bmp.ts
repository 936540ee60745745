/**
 * BMP export benchmark (no assertions; prints figures): does exporting every
 * route to a BMP collector slow ingest down?
 *
 *   npx tsx bench/bmp.ts [prefixes] [per-set] [rounds]     default 1,000,000, 15, 3
 *
 * One peer announces `prefixes` IPv4 routes, `per-set` per attribute set
 * (pre-encoded UPDATEs, each decoded as the session would and handed to the
 * route engine, yielding every 16 UPDATEs as socket reads would), in two
 * modes, each round in a fresh process, alternating:
 * - `none`: no BMP;
 * - `bmp`: a collector (another process, on loopback, reading and counting
 *   bytes) connected before the table arrives, so every route is exported
 *   live, pre- and post-policy (src/bmp/monitor.ts, src/bmp/connection.ts).
 * Reported per run: ingest time (first UPDATE handed over → the engine idle,
 * every prefix in the Loc-RIB), and with BMP the time until the collector
 * has read every byte, the bytes and messages, drops; then the median
 * ingest time and ingest CPU (the process's, every thread) per mode and the
 * ratios, with the load average.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BASE_CONTEXT, decode, encode } from '../src/bgp/codec/index.js';
import type { CodecContext, UpdateMessage } from '../src/bgp/codec/index.js';
import { BmpConnection } from '../src/bmp/connection.js';
import { BmpMonitor } from '../src/bmp/monitor.js';
import { parsePrefix } from '../src/lib/prefix.js';
import type { Prefix } from '../src/lib/prefix.js';
import { RouteEngine } from '../src/rib/index.js';
import type { PeerOutput, VirtualNetworkView } from '../src/rib/index.js';
import { encodePeerTable } from './lib/table.js';

const CONTEXT: CodecContext = { ...BASE_CONTEXT, fourOctetAs: true };

const network: VirtualNetworkView = {
  advertisedAddressSpaces: (): readonly Prefix[] => [parsePrefix('10.0.0.0/16')],
  isInjectable: () => true,
  onAddressSpacesChanged: () => () => {},
};

const discard: PeerOutput = { send: () => true, onDrain: (callback) => setImmediate(callback) };

/** A collector in its own process: reads and counts; prints the count when its connection closes. */
const COLLECTOR = `
const net = require('node:net');
let bytes = 0;
const server = net.createServer((socket) => {
  socket.on('data', (chunk) => { bytes += chunk.length; });
  socket.on('close', () => { process.stdout.write(JSON.stringify({ bytes }) + '\\n'); server.close(); });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
`;

function startCollector(): Promise<{ child: ChildProcess; port: number; received: Promise<number> }> {
  const child = spawn(process.execPath, ['-e', COLLECTOR], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buffered = '';
  let resolvePort: (port: number) => void;
  let resolveBytes: (bytes: number) => void;
  const port = new Promise<number>((resolve) => (resolvePort = resolve));
  const received = new Promise<number>((resolve) => (resolveBytes = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = JSON.parse(buffered.slice(0, nl)) as { port?: number; bytes?: number };
      buffered = buffered.slice(nl + 1);
      if (line.port !== undefined) resolvePort(line.port);
      if (line.bytes !== undefined) resolveBytes(line.bytes);
    }
  });
  return port.then((p) => ({ child, port: p, received }));
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function run(mode: 'none' | 'bmp', prefixes: number, perSet: number): Promise<void> {
  const table = encodePeerTable(
    { peer: 0, prefixesPerPeer: prefixes, perSet, nextHop: () => 0x0a000204 },
    CONTEXT,
  );
  const engine = new RouteEngine({
    instance: 'IN_0',
    localAddress: '10.0.1.4',
    network,
    routeLimit: prefixes,
    sink: { applyInjectedRoutes: () => undefined },
  });
  const peer = { address: '10.0.2.4', asn: 65001, routerId: 0x0a000204, capabilities: { context: CONTEXT } };
  engine.peerUp('10.0.2.4', peer, discard);
  let connection: BmpConnection | undefined;
  let collector: Awaited<ReturnType<typeof startCollector>> | undefined;
  if (mode === 'bmp') {
    collector = await startCollector();
    const monitor = new BmpMonitor({ tables: engine, sysName: 'bench IN_0', sysDescr: 'routeserver bench' });
    engine.observeAdjRibIn(monitor);
    const open = encode(
      { type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpIdentifier: 0x0a000204, capabilities: [] },
      BASE_CONTEXT,
    );
    monitor.sessionUp({
      peer: '10.0.2.4',
      address: '10.0.2.4',
      asn: 65001,
      bgpId: 0x0a000204,
      localAddress: '10.0.1.4',
      localPort: 179,
      remotePort: 50000,
      sentOpen: open,
      receivedOpen: open,
      upAtMs: Date.now(),
    });
    connection = new BmpConnection({ address: '127.0.0.1', port: collector.port }, monitor, '10.0.1.4');
    connection.start();
    while (!connection.statistics().connected) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await engine.whenIdle();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < table.length; i++) {
    engine.receiveUpdate('10.0.2.4', decode(table[i]!, CONTEXT) as UpdateMessage);
    if ((i + 1) % 16 === 0) await settle();
  }
  await engine.whenIdle();
  const ingest = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const result: Record<string, number | string> = {
    mode,
    ingestSeconds: ingest / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    locRib: engine.locRibSize,
  };
  if (connection !== undefined && collector !== undefined) {
    await settle();
    while (connection.statistics().bufferedBytes > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const stats = connection.statistics();
    result.exportedSeconds = (performance.now() - start) / 1000;
    await connection.close();
    const received = await collector.received;
    Object.assign(result, {
      messages: stats.messagesSent,
      megabytes: stats.bytesSent / 1e6,
      dropped: stats.messagesDropped,
      collectorMegabytes: received / 1e6,
    });
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

const [first, second, third] = process.argv.slice(2);
if (first === 'none' || first === 'bmp') {
  await run(first, Number(second), Number(third));
  process.exit(0);
} else {
  const prefixes = Number(first ?? 1_000_000);
  const perSet = Number(second ?? 15);
  const rounds = Number(third ?? 3);
  const self = fileURLToPath(import.meta.url);
  const times: Record<string, number[]> = { none: [], bmp: [] };
  const cpu: Record<string, number[]> = { none: [], bmp: [] };
  console.log(`BMP export bench: ${prefixes} prefixes, ${perSet} per attribute set, ${rounds} rounds`);
  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['none', 'bmp'] as const) : (['bmp', 'none'] as const);
    for (const mode of order) {
      const out = execFileSync(process.execPath, [
        ...process.execArgv,
        self,
        mode,
        String(prefixes),
        String(perSet),
      ]);
      const line = out.toString().trim().split('\n').at(-1)!;
      console.log(`  round ${round + 1} ${line}`);
      const figures = JSON.parse(line) as { ingestSeconds: number; cpuSeconds: number };
      times[mode]!.push(figures.ingestSeconds);
      cpu[mode]!.push(figures.cpuSeconds);
    }
  }
  const none = median(times.none!);
  const bmp = median(times.bmp!);
  console.log(
    `median ingest: without BMP ${none.toFixed(3)} s, with a collector attached ${bmp.toFixed(3)} s: ` +
      `${(((bmp - none) / none) * 100).toFixed(1)} % slower`,
  );
  const cpuNone = median(cpu.none!);
  const cpuBmp = median(cpu.bmp!);
  console.log(
    `median ingest CPU: without BMP ${cpuNone.toFixed(2)} s, with ${cpuBmp.toFixed(2)} s: ` +
      `${(((cpuBmp - cpuNone) / cpuNone) * 100).toFixed(1)} % more`,
  );
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}
