/**
 * A bounded mutation loop over seed messages: bit flips, truncations,
 * length-field lies, attribute duplication, byte insertion and deletion.
 * Every input must decode or fail with a BgpWireError; whatever decodes must
 * re-encode to bytes that decode to the same message.
 */
import fc from 'fast-check';
import { BgpEncodeError, BgpWireError } from '../errors.js';
import { decode, encode } from '../message.js';
import type { BgpMessage, CodecContext } from '../types.js';
import { contextArbitrary, messageWithContext } from './arbitraries.js';
import { bytesOf, CONTEXT_2, CONTEXT_4, CONTEXT_ADD_PATH, GOLDEN } from './golden.js';

export interface Seed {
  readonly bytes: Buffer;
  readonly context: CodecContext;
}

/** mulberry32: a small deterministic PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function goldenSeeds(): Seed[] {
  return GOLDEN.map((v) => ({ bytes: bytesOf(v), context: v.context }));
}

/** Well-formed random messages, reproducible from `seed`. */
export function generatedSeeds(count: number, seed: number): Seed[] {
  return fc
    .sample(messageWithContext, { numRuns: count, seed })
    .map(({ message, context }) => ({ bytes: encode(message, context), context }));
}

function setLength(bytes: Buffer): Buffer {
  if (bytes.length >= 18) bytes.writeUInt16BE(Math.min(bytes.length, 0xffff), 16);
  return bytes;
}

/** Offsets of the attributes of an UPDATE (when its fields parse), for duplication. */
function attributeSpans(bytes: Buffer): [number, number][] {
  if (bytes.length < 23 || bytes[18] !== 2) return [];
  const attributesAt = 21 + bytes.readUInt16BE(19);
  if (attributesAt + 2 > bytes.length) return [];
  const end = Math.min(bytes.length, attributesAt + 2 + bytes.readUInt16BE(attributesAt));
  const spans: [number, number][] = [];
  for (let o = attributesAt + 2; o + 3 <= end;) {
    const extended = (bytes[o]! & 0x10) !== 0;
    const next = o + (extended ? 4 + ((bytes[o + 2]! << 8) | (bytes[o + 3] ?? 0)) : 3 + bytes[o + 2]!);
    if (next > end) break;
    spans.push([o, next]);
    o = next;
  }
  return spans;
}

function duplicateAttribute(bytes: Buffer, rnd: () => number): Buffer {
  const spans = attributeSpans(bytes);
  const span = spans[Math.floor(rnd() * spans.length)];
  if (!span) return bytes;
  const copy = bytes.subarray(span[0], span[1]);
  const out = Buffer.concat([bytes.subarray(0, span[1]), copy, bytes.subarray(span[1])]);
  const attributesAt = 21 + out.readUInt16BE(19);
  out.writeUInt16BE((out.readUInt16BE(attributesAt) + copy.length) & 0xffff, attributesAt);
  return setLength(out);
}

/** One mutation of `input`, chosen by `rnd`. */
function mutate(input: Buffer, rnd: () => number): Buffer {
  const bytes = Buffer.from(input);
  const at = () => Math.floor(rnd() * bytes.length);
  switch (Math.floor(rnd() * 7)) {
    case 0: {
      const flips = 1 + Math.floor(rnd() * 3);
      for (let i = 0; i < flips; i++) {
        const o = 19 + Math.floor(rnd() * Math.max(1, bytes.length - 19));
        if (o < bytes.length) bytes[o]! ^= 1 << Math.floor(rnd() * 8);
      }
      return bytes;
    }
    case 1:
      return bytes.subarray(0, at());
    case 2:
      return setLength(Buffer.from(bytes.subarray(0, Math.max(19, at()))));
    case 3: {
      // length-field lie: a 1- or 2-octet field anywhere after the header
      const o = 19 + Math.floor(rnd() * Math.max(1, bytes.length - 20));
      if (o + 1 < bytes.length) {
        if (rnd() < 0.5) bytes[o] = Math.floor(rnd() * 256);
        else bytes.writeUInt16BE(Math.floor(rnd() * 65536), o);
      }
      return bytes;
    }
    case 4:
      return duplicateAttribute(bytes, rnd);
    case 5: {
      const o = 19 + Math.floor(rnd() * Math.max(1, bytes.length - 19));
      const insert = Buffer.from(
        Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => Math.floor(rnd() * 256)),
      );
      return setLength(Buffer.concat([bytes.subarray(0, o), insert, bytes.subarray(o)]));
    }
    default: {
      const o = 19 + Math.floor(rnd() * Math.max(1, bytes.length - 19));
      return setLength(Buffer.concat([bytes.subarray(0, o), bytes.subarray(o + 1 + Math.floor(rnd() * 4))]));
    }
  }
}

/** What a re-decode must reproduce: the message without wire hints and problem reports. */
function comparable(message: BgpMessage): unknown {
  if (message.type !== 'update') return message;
  const { wireOrder: _wireOrder, ...attributes } = message.attributes;
  return { ...message, attributes, attributeBytes: undefined, problems: undefined, action: undefined };
}

interface MutationOutcome {
  decoded: number;
  rejected: number;
  tooLongToReencode: number;
}

/** Checks one input; throws (a plain Error) when the codec breaks its contract. */
function check(bytes: Buffer, context: CodecContext, outcome: MutationOutcome): void {
  let message: BgpMessage;
  try {
    message = decode(bytes, context);
  } catch (error) {
    if (error instanceof BgpWireError && error.code.startsWith('BGPRS_ERR_')) {
      outcome.rejected++;
      return;
    }
    throw new Error(`untyped failure on ${bytes.toString('hex')}: ${String(error)}`, { cause: error });
  }
  outcome.decoded++;
  let again: Buffer;
  try {
    again = encode(message, context);
  } catch (error) {
    if (error instanceof BgpEncodeError && error.code === 'BGPRS_ERR_ENCODE_MESSAGE_TOO_LONG') {
      outcome.tooLongToReencode++;
      return;
    }
    throw new Error(`re-encode failed for ${bytes.toString('hex')}: ${String(error)}`, { cause: error });
  }
  const redecoded = decode(again, context);
  const a = JSON.stringify(comparable(redecoded), replacer);
  const b = JSON.stringify(comparable(message), replacer);
  if (a !== b) throw new Error(`re-decode differs for ${bytes.toString('hex')}:\n${a}\n${b}`);
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Set) return [...(value as Set<number>)];
  return value;
}

/** Runs `count` mutated inputs derived from `seeds`, reproducible from `seed`. */
export function runMutations(seeds: readonly Seed[], count: number, seed: number): MutationOutcome {
  const rnd = random(seed);
  const contexts = [
    CONTEXT_2,
    CONTEXT_4,
    CONTEXT_ADD_PATH,
    ...fc.sample(contextArbitrary, { numRuns: 4, seed }),
  ];
  const outcome: MutationOutcome = { decoded: 0, rejected: 0, tooLongToReencode: 0 };
  for (let i = 0; i < count; i++) {
    const s = seeds[Math.floor(rnd() * seeds.length)]!;
    let bytes = s.bytes;
    const depth = 1 + Math.floor(rnd() * 3);
    for (let d = 0; d < depth; d++) bytes = mutate(bytes, rnd);
    // Now and then read the bytes with a context the sender did not negotiate.
    const context = rnd() < 0.15 ? contexts[Math.floor(rnd() * contexts.length)]! : s.context;
    check(bytes, context, outcome);
  }
  return outcome;
}
