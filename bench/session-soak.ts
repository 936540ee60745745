/**
 * Session soak: 100 BGP sessions to one route-server instance, default timers
 * (hold 180 s, keepalive 60 s), for 10 minutes.
 *
 *   npx tsx bench/session-soak.ts [--minutes 10] [--sessions 100] [--sample-seconds 30]
 *
 * The instance (AS 65515) listens on a loopback address; each client is our
 * own speaker (one per loopback address 127.A.B.10+i, AS 65001+i) that dials
 * it, so both sides run bgp/session. Prints, per sample: sessions
 * Established, state changes since start (should stay at the initial
 * count), timer drift (how late timer callbacks ran: mean and max, server
 * and clients), and memory (RSS, heap used after GC). Figures only, no
 * assertions; see docs/bgp-session.md for the figures of a run.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { parseArgs } from 'node:util';
import { BgpSpeaker } from '../src/bgp/session/index.js';
import type { SessionEvent, TimerStats } from '../src/bgp/session/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    sessions: { type: 'string', default: '100' },
    'sample-seconds': { type: 'string', default: '30' },
  },
});
const minutes = Number(values.minutes);
const sessions = Number(values.sessions);
const sampleSeconds = Number(values['sample-seconds']);
if (sessions > 240) throw new Error('at most 240 sessions (one loopback /24)');

const a = 100 + Math.floor(Math.random() * 150);
const b = Math.floor(Math.random() * 250);
const ip = (host: number) => `127.${a}.${b}.${host}`;

let stateChanges = 0;
let established = 0;
let dropped = 0;
let finished = false;
const onEvent = (e: SessionEvent) => {
  if (e.type !== 'state' || finished) return;
  stateChanges++;
  if (e.to === 'Established') established++;
  if (e.from === 'Established') {
    established--;
    dropped++;
    console.log(`session ${e.peer} dropped: ${e.reason?.code} ${e.reason?.text}`);
  }
};

const server = await BgpSpeaker.start({ localAddress: ip(1), port: 0, listener: { onEvent } });
const clients: BgpSpeaker[] = [];
for (let i = 0; i < sessions; i++) {
  server.addPeer({ address: ip(10 + i), asn: 65001 + i, passive: true });
  const client = await BgpSpeaker.start({
    localAddress: ip(10 + i),
    localAs: 65001 + i,
    listen: false,
    allowReservedPeerAsns: true,
  });
  client.addPeer({ address: ip(1), asn: 65515, port: server.port });
  clients.push(client);
}

const started = performance.now();
while (established < sessions && performance.now() - started < 60_000) await sleep(100);
console.log(
  `${established}/${sessions} sessions Established in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
const initialChanges = stateChanges;
server.timerStats.reset();
for (const c of clients) c.timerStats.reset();

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const drift = (stats: TimerStats[]) => {
  const fired = stats.reduce((s, t) => s + t.fired, 0);
  const total = stats.reduce((s, t) => s + t.totalLatenessMs, 0);
  const max = Math.max(0, ...stats.map((t) => t.maxLatenessMs));
  return `${fired} fired, mean ${(fired ? total / fired : 0).toFixed(2)} ms, max ${max.toFixed(1)} ms`;
};

console.log(
  'elapsed  established  changes  server timers                          client timers                          rss MiB  heap MiB',
);
const end = performance.now() + minutes * 60_000;
while (performance.now() < end) {
  await sleep(Math.min(sampleSeconds * 1000, end - performance.now()));
  gc();
  const memory = process.memoryUsage();
  const elapsed = ((performance.now() - started) / 1000).toFixed(0).padStart(5);
  console.log(
    `${elapsed} s  ${String(established).padStart(11)}  ${String(stateChanges - initialChanges).padStart(7)}  ${drift([server.timerStats]).padEnd(38)} ${drift(clients.map((c) => c.timerStats)).padEnd(38)} ${mib(memory.rss).padStart(7)}  ${mib(memory.heapUsed).padStart(8)}`,
  );
}
console.log(
  `done: ${established}/${sessions} Established, ${dropped} dropped, ${stateChanges - initialChanges} state changes after start-up`,
);
finished = true;
await Promise.all(clients.map((c) => c.stop()));
await server.stop();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
