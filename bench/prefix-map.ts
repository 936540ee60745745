/**
 * Prefix table micro-benchmark (no assertions; prints figures):
 *
 *   npx tsx bench/prefix-map.ts [prefixes] [rounds]
 *
 * 1,000,000 /24s of 16.0.0.0/4 (as scenario b of `npm run bench` announces
 * them) through `PrefixMap` and `PrefixIdMap` (src/lib/prefix-map.ts) in the
 * route engine's and the VNet binding's patterns: insert into an empty
 * table (growing it), get every key, replace every value in one probe
 * (`swap`), delete everything, insert again into the table kept at its size
 * (a withdraw-all and re-announce), iterate. Nanoseconds per prefix, the
 * best of the rounds, in CPU time (the machine is shared).
 */
import { PrefixIdMap, PrefixMap } from '../src/lib/prefix-map.js';
import { ipv4KeyOf } from '../src/lib/prefix.js';

const count = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 5);
const keys = Array.from({ length: count }, (_, i) => ipv4KeyOf(0x10000000 + i * 256, 24));
const value = { id: 1 };

function time(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / count;
}

const best = new Map<string, number>();
function record(name: string, ns: number): void {
  best.set(name, Math.min(best.get(name) ?? Infinity, ns));
}

let sink = 0;
for (let round = 0; round < rounds; round++) {
  const map = new PrefixMap<object>();
  record(
    'PrefixMap insert (growing)',
    time(() => keys.forEach((key) => map.set(key, value))),
  );
  record(
    'PrefixMap get',
    time(() => keys.forEach((key) => (sink += map.get(key) === value ? 1 : 0))),
  );
  record(
    'PrefixMap swap (present)',
    time(() => keys.forEach((key) => map.swap(key, value))),
  );
  record(
    'PrefixMap delete',
    time(() => keys.forEach((key) => map.delete(key))),
  );
  record(
    'PrefixMap insert (kept size)',
    time(() => keys.forEach((key) => map.setIfAbsent(key, value))),
  );
  record(
    'PrefixMap forEach',
    time(() => map.forEach(() => sink++)),
  );
  const ids = new PrefixIdMap();
  record(
    'PrefixIdMap insert (growing)',
    time(() => keys.forEach((key, i) => ids.set(key, i & 7))),
  );
  record(
    'PrefixIdMap get',
    time(() => keys.forEach((key) => (sink += ids.get(key)))),
  );
  record(
    'PrefixIdMap delete',
    time(() => keys.forEach((key) => ids.delete(key))),
  );
}
for (const [name, ns] of best) console.log(`${name.padEnd(32)} ${ns.toFixed(1).padStart(7)} ns/prefix`);
console.log(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB (${sink > 0 ? 'ok' : ''})`);
