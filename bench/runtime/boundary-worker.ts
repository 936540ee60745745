/**
 * The worker side of bench/runtime-boundary.ts: produces `count` IPv4 /24
 * route changes in engine-sized slices (4,096) and sends them to the main
 * thread as the runtime does (instance-host.ts) — encoded `RouteBatch`es of
 * at most 65,536 changes with transferred buffers — or, for comparison, as
 * arrays of plain change objects (structured clone).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ipv4Prefix, prefixKey } from '../../src/lib/prefix.js';
import { BATCH_LIMIT } from '../../src/runtime/instance-host.js';
import { RouteBatchEncoder, batchTransferList } from '../../src/runtime/protocol.js';

const { count, mode } = workerData as { count: number; mode: 'batch' | 'clone' };
const port = parentPort!;
const HOP_SETS = [['10.0.1.4'], ['10.0.1.5'], ['10.0.1.4', '10.0.1.5'], ['10.0.1.6']];
const SLICE = 4096;
const now = () => performance.timeOrigin + performance.now();

const started = now();
let encodeMs = 0;
const encoder = new RouteBatchEncoder();
let plain: { prefix: ReturnType<typeof ipv4Prefix>; route: { nextHops: string[] } | null }[] = [];
for (let first = 0; first < count; first += SLICE) {
  const t = performance.now();
  for (let i = first; i < Math.min(count, first + SLICE); i++) {
    const prefix = ipv4Prefix(((11 << 24) + i * 256) >>> 0, 24);
    const nextHops = HOP_SETS[i % HOP_SETS.length]!;
    if (mode === 'batch') encoder.add(prefixKey(prefix), nextHops);
    else plain.push({ prefix, route: { nextHops } });
  }
  const full = mode === 'batch' ? encoder.size >= BATCH_LIMIT : plain.length >= BATCH_LIMIT;
  if (full || first + SLICE >= count) {
    if (mode === 'batch') {
      const batch = encoder.take();
      encodeMs += performance.now() - t;
      port.postMessage({ type: 'routes', batch }, batchTransferList(batch));
    } else {
      port.postMessage({ type: 'plain', changes: plain });
      encodeMs += performance.now() - t;
      plain = [];
    }
  } else encodeMs += performance.now() - t;
}
port.postMessage({ type: 'end', started, encodeMs });
