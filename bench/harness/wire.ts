/**
 * Wire helpers shared by the load generator and the monitoring peer: the
 * OPEN they send, a framing walker that allocates nothing per message, and
 * the prefix plan (which /24s peer i announces).
 *
 * Prefix plan: every scenario's prefixes are /24s in 16.0.0.0/4, numbered
 * globally; peer i owns indexes [i·M, (i+1)·M). 16.0.0.0/4 holds 2^20 /24s,
 * so N·M ≤ 1,048,576. The monitor keeps one byte per index.
 */
import { BASE_CONTEXT, encode } from '../../src/bgp/codec/index.js';
import { parseIpv4 } from '../../src/lib/prefix.js';

export const PLAN_BASE = 0x10000000; // 16.0.0.0
export const PLAN_SLOTS = 1 << 20; // /24s in 16.0.0.0/4
export const HEADER = 19;
export const TYPE_OPEN = 1;
export const TYPE_UPDATE = 2;
export const TYPE_NOTIFICATION = 3;
export const TYPE_KEEPALIVE = 4;
export const HOLD_TIME = 180;

/** The address of /24 number `index` of the plan. */
export function planAddress(index: number): number {
  return PLAN_BASE + index * 256;
}

/** The plan index of a /24 address, or -1 outside 16.0.0.0/4. */
export function planIndex(address: number): number {
  const offset = address - PLAN_BASE;
  return offset >= 0 && offset < PLAN_SLOTS * 256 ? offset >>> 8 : -1;
}

export function ipv4Number(address: string): number {
  const n = parseIpv4(address);
  if (n === undefined) throw new Error(`not an IPv4 address: ${address}`);
  return n;
}

/** OPEN with IPv4 unicast, 4-octet AS and route refresh (RFC 4271 §4.2, 4760, 6793, 2918). */
export function encodeOpen(asn: number, routerId: number): Buffer {
  return encode(
    {
      type: 'open',
      version: 4,
      myAs: asn > 0xffff ? 23456 : asn,
      holdTime: HOLD_TIME,
      bgpIdentifier: routerId,
      capabilities: [
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'four-octet-as', asn },
        { kind: 'route-refresh' },
      ],
    },
    BASE_CONTEXT,
  );
}

export const KEEPALIVE_BYTES = encode({ type: 'keepalive' }, BASE_CONTEXT);

/** RFC 4724 §2: an UPDATE with nothing in it is the IPv4 unicast End-of-RIB. */
export const END_OF_RIB = Buffer.from([...new Array<number>(16).fill(0xff), 0, 23, TYPE_UPDATE, 0, 0, 0, 0]);

/** Cease / Administrative Shutdown (RFC 4486 §4 subcode 2), no communication. */
export const CEASE_BYTES = Buffer.from([...new Array<number>(16).fill(0xff), 0, 21, TYPE_NOTIFICATION, 6, 2]);

/**
 * Splits a TCP byte stream into BGP messages without copying whole messages:
 * `onMessage(buffer, start, length, type)` sees a view of the chunk; only a
 * message cut by a chunk boundary is joined with the next chunk.
 */
export class FrameWalker {
  private rest: Buffer | undefined;

  constructor(private readonly onMessage: (b: Buffer, start: number, length: number, type: number) => void) {}

  feed(chunk: Buffer): void {
    let b = chunk;
    if (this.rest) {
      b = Buffer.concat([this.rest, chunk]);
      this.rest = undefined;
    }
    let o = 0;
    while (b.length - o >= HEADER) {
      const length = (b[o + 16]! << 8) | b[o + 17]!;
      if (length < HEADER) throw new Error(`bad BGP message length ${length}`);
      if (b.length - o < length) break;
      this.onMessage(b, o, length, b[o + 18]!);
      o += length;
    }
    if (o < b.length) this.rest = Buffer.from(b.subarray(o));
  }
}

/**
 * Walks the IPv4 prefixes of one UPDATE in place (RFC 4271 §4.3):
 * `onWithdrawn(address, length)` for each Withdrawn Routes entry, then
 * `onNlri(address, length)` for each NLRI entry. No objects are created.
 */
export function walkUpdate(
  b: Buffer,
  start: number,
  length: number,
  onWithdrawn: (address: number, prefixLength: number) => void,
  onNlri: (address: number, prefixLength: number) => void,
): void {
  const end = start + length;
  let o = start + HEADER;
  const withdrawnEnd = o + 2 + ((b[o]! << 8) | b[o + 1]!);
  o += 2;
  while (o < withdrawnEnd) o = readPrefix(b, o, onWithdrawn);
  o = withdrawnEnd;
  const attributesLength = (b[o]! << 8) | b[o + 1]!;
  o += 2 + attributesLength;
  while (o < end) o = readPrefix(b, o, onNlri);
}

function readPrefix(b: Buffer, o: number, each: (address: number, prefixLength: number) => void): number {
  const bits = b[o]!;
  const bytes = (bits + 7) >>> 3;
  let address = 0;
  for (let i = 0; i < 4; i++) address = address * 256 + (i < bytes ? b[o + 1 + i]! : 0);
  each(address, bits);
  return o + 1 + bytes;
}

/** Host-wide clock in ms, comparable between processes. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
