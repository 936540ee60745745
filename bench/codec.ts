/**
 * BGP codec benchmark: a realistic 1,000,000-prefix IPv4 table, packed 10-20
 * prefixes per shared attribute set as FRR and BIRD pack a full table, encoded
 * into UPDATEs and decoded again on one core.
 *
 * Run: npx tsx bench/codec.ts [prefixes]
 * Prints prefixes/s and bytes/s for encode and decode, and the heap retained
 * per decoded prefix. No assertions; the figures go in docs/standards.md.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  BASE_CONTEXT,
  MessageFramer,
  UpdateBuilder,
  decode,
  encodeAttributes,
  type CodecContext,
  type PathAttributes,
  type UpdateMessage,
} from '../src/bgp/codec/index.js';
import { ipv4KeyOf } from '../src/lib/prefix.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const PREFIXES = Number(process.argv[2] ?? 1_000_000);
const CONTEXT: CodecContext = { ...BASE_CONTEXT, fourOctetAs: true };

/** Deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;

/** Prefix lengths roughly as in today's IPv4 table: /24 dominates. */
const LENGTHS = [24, 24, 24, 24, 24, 24, 23, 22, 22, 21, 20, 19, 18, 17, 16];

function buildKeys(count: number): number[] {
  const keys: number[] = [];
  let cursor = 0x01000000;
  while (keys.length < count) {
    const length = pick(LENGTHS);
    const size = 2 ** (32 - length);
    cursor = Math.ceil(cursor / size) * size;
    keys.push(ipv4KeyOf(cursor, length));
    cursor += size;
  }
  return keys;
}

const TRANSITS = [174, 1299, 2914, 3257, 3356, 6453, 6461, 6762, 6939, 7018];
function buildAttributes(): PathAttributes {
  const hops = 2 + Math.floor(rnd() * 6);
  const asns = [65001, pick(TRANSITS)];
  for (let i = 2; i < hops; i++)
    asns.push(rnd() < 0.15 ? 4200000000 + Math.floor(rnd() * 1e6) : 1 + Math.floor(rnd() * 64000));
  if (rnd() < 0.1) asns.push(asns[asns.length - 1]!, asns[asns.length - 1]!); // prepending
  const communities = Array.from(
    { length: Math.floor(rnd() * 7) },
    () => ((asns[1]! << 16) | Math.floor(rnd() * 4000)) >>> 0,
  );
  return {
    origin: rnd() < 0.9 ? 0 : 2,
    asPath: [{ type: 2, asns }],
    nextHop: 0x0a000104,
    ...(rnd() < 0.3 ? { med: Math.floor(rnd() * 1000) } : {}),
    ...(communities.length ? { communities } : {}),
    ...(rnd() < 0.2
      ? {
          largeCommunities: [
            { globalAdministrator: asns[1]!, localData1: 1, localData2: Math.floor(rnd() * 100) },
          ],
        }
      : {}),
  };
}

interface Group {
  attributes: PathAttributes;
  keys: number[];
}

function buildTable(): Group[] {
  const keys = buildKeys(PREFIXES);
  const groups: Group[] = [];
  for (let i = 0; i < keys.length;) {
    const size = 10 + Math.floor(rnd() * 11);
    groups.push({ attributes: buildAttributes(), keys: keys.slice(i, i + size) });
    i += size;
  }
  return groups;
}

function encodeTable(groups: readonly Group[], blocks?: readonly Uint8Array[]): Buffer {
  const builder = new UpdateBuilder(CONTEXT, 8 * 1024 * 1024);
  for (let i = 0; i < groups.length; i++)
    builder.announce(blocks ? blocks[i]! : groups[i]!.attributes, groups[i]!.keys);
  return builder.take();
}

function decodeStream(stream: Buffer, keep: UpdateMessage[] | undefined): number {
  const framer = new MessageFramer();
  let prefixes = 0;
  for (let o = 0; o < stream.length; o += 65536) {
    for (const bytes of framer.push(stream.subarray(o, o + 65536))) {
      const message = decode(bytes, CONTEXT) as UpdateMessage;
      prefixes += message.nlri.length;
      keep?.push(message);
    }
  }
  return prefixes;
}

function time<T>(run: () => T): { seconds: number; result: T } {
  const start = process.hrtime.bigint();
  const result = run();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, result };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const format = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`);

function report(name: string, seconds: number[], prefixes: number, bytes: number): void {
  const s = median(seconds);
  console.log(
    `${name.padEnd(38)} ${format(prefixes / s).padStart(9)} prefixes/s  ${format(bytes / s).padStart(9)}B/s  (median of ${seconds.length}, ${(s * 1000).toFixed(0)} ms)`,
  );
}

function main(): void {
  const groups = buildTable();
  const blocks = groups.map((g) => encodeAttributes(g.attributes, CONTEXT));
  console.log(
    `table: ${PREFIXES} IPv4 prefixes in ${groups.length} attribute sets (Node ${process.version})`,
  );

  const runs = 5;
  const encodeTimes: number[] = [];
  const preencodedTimes: number[] = [];
  const decodeTimes: number[] = [];
  let stream: Buffer = Buffer.alloc(0);
  for (let r = 0; r < runs; r++) {
    const e = time(() => encodeTable(groups));
    encodeTimes.push(e.seconds);
    stream = e.result;
    preencodedTimes.push(time(() => encodeTable(groups, blocks)).seconds);
    const d = time(() => decodeStream(stream, undefined));
    if (d.result !== PREFIXES) throw new Error(`decoded ${d.result} prefixes, expected ${PREFIXES}`);
    decodeTimes.push(d.seconds);
  }
  const messages = new MessageFramer().push(stream).length;
  console.log(
    `stream: ${messages} UPDATEs, ${format(stream.length)}B, ${(PREFIXES / messages).toFixed(1)} prefixes per UPDATE`,
  );
  report('encode (attributes + NLRI)', encodeTimes, PREFIXES, stream.length);
  report('encode (pre-encoded attribute blocks)', preencodedTimes, PREFIXES, stream.length);
  report('decode (framer + decode)', decodeTimes, PREFIXES, stream.length);

  // Worst case: the same table with one prefix per UPDATE.
  const single = new UpdateBuilder(CONTEXT, 64 * 1024 * 1024);
  groups.forEach((g, i) => g.keys.forEach((k) => single.announce(blocks[i]!, [k])));
  const singleStream = single.take();
  const singleTimes: number[] = [];
  for (let r = 0; r < 3; r++) singleTimes.push(time(() => decodeStream(singleStream, undefined)).seconds);
  report('decode, one prefix per UPDATE', singleTimes, PREFIXES, singleStream.length);

  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: UpdateMessage[] = [];
  decodeStream(stream, kept);
  gc();
  const after = process.memoryUsage().heapUsed;
  console.log(
    `heap retained by ${kept.length} decoded UPDATEs: ${format(after - before)}B, ${((after - before) / PREFIXES).toFixed(1)} B per prefix`,
  );
}

main();
