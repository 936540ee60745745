/**
 * What a full table costs crossing the BGP runtime's thread boundary
 * (src/runtime/protocol.ts): `count` route changes (default 1,000,000 IPv4
 * /24s over four ECMP next-hop sets) produced in a worker thread, sent in
 * batches of 65,536, read on the main thread in place (`RouteBatchView`,
 * as the virtual network model applies them: a prefix key and a next-hop
 * set id per change, no object each). Prints the time from the first change to
 * the last decoded one, the worker's encoding time, the main thread's
 * decoding time and its longest event-loop stall, the bytes that crossed,
 * and the main thread's heap growth holding the decoded changes. `clone`
 * mode sends plain objects by structured clone instead, for comparison.
 *
 *   npx tsx bench/runtime-boundary.ts [count] [batch|clone]
 */
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RouteBatchView, type RouteBatch } from '../src/runtime/protocol.js';
import type { VnetRouteChange } from '../src/runtime/types.js';

const count = Number(process.argv[2] ?? 1_000_000);
const mode = (process.argv[3] ?? 'batch') as 'batch' | 'clone';
const now = () => performance.timeOrigin + performance.now();

const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
const entry = fileURLToPath(new URL('./runtime/boundary-worker.ts', import.meta.url));
global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const worker = new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)});`, {
  eval: true,
  workerData: { count, mode },
});
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
const received: (VnetRouteChange[] | RouteBatchView)[] = [];
let keySum = 0;
let changes = 0;
let bytes = 0;
let decodeMs = 0;
let last = 0;
worker.on(
  'message',
  (message: {
    type: string;
    batch?: RouteBatch;
    changes?: VnetRouteChange[];
    started?: number;
    encodeMs?: number;
  }) => {
    if (message.type === 'routes') {
      const t = performance.now();
      const batch = message.batch!;
      const decoded = new RouteBatchView(batch);
      for (let i = 0; i < decoded.size; i++) keySum += Number(decoded.keyAt(i)) + decoded.hopSetAt(i);
      decodeMs += performance.now() - t;
      bytes += batch.v4.byteLength + batch.v6.byteLength + batch.v6Addresses.byteLength;
      bytes += batch.hopSets.reduce((sum, set) => sum + set.join(',').length, 0);
      received.push(decoded);
      changes += decoded.size;
      last = now();
    } else if (message.type === 'plain') {
      received.push(message.changes!);
      changes += message.changes!.length;
      last = now();
    } else if (message.type === 'end') {
      delay.disable();
      global.gc?.();
      const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
      const total = last - message.started!;
      console.log(
        JSON.stringify(
          {
            mode,
            changes,
            totalMs: Math.round(total),
            changesPerSecond: Math.round(changes / (total / 1000)),
            workerEncodeMs: Math.round(message.encodeMs!),
            mainDecodeMs: Math.round(decodeMs),
            mainEventLoopMaxStallMs: Math.round(delay.max / 1e6),
            bytesCrossed: mode === 'batch' ? bytes : 'structured clone',
            mainHeapGrowthMB: Math.round(heapGrowth / 1e5) / 10,
            batches: received.length,
            checksum: keySum,
          },
          null,
          1,
        ),
      );
      void worker.terminate();
    }
  },
);
