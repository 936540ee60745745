/**
 * Pre-encoded UPDATE streams of one injector peer, built with the codec's
 * UpdateBuilder before any session comes up, so sending is only
 * `socket.write` of ready Buffers.
 *
 * Packing:
 * - `anchor`: one attribute set per peer, exactly 1,000 /24s per UPDATE
 *   (the mode of the reference figures in bench/README.md).
 * - `real`: attribute sets of `perSet` prefixes each (AS path, MED and a
 *   community vary per set), every set packed into as few UPDATEs as fit,
 *   as BIRD, FRR and OpenBGPD pack their exports.
 * - `diverse`: a table as diverse as a real one, one attribute set per
 *   UPDATE of 3 prefixes (333,334 sets for 1,000,000 prefixes): AS paths 2–7
 *   long (the second ASN a 4-octet one of its own per set), a MED on every
 *   third set, 0–4 communities.
 */
import { BASE_CONTEXT, UpdateBuilder } from '../../src/bgp/codec/index.js';
import type { CodecContext, PathAttributes } from '../../src/bgp/codec/index.js';
import { ipv4KeyOf } from '../../src/lib/prefix.js';
import { planAddress } from './wire.js';

export const CONTEXT: CodecContext = { ...BASE_CONTEXT, fourOctetAs: true };

export type Packing = 'anchor' | 'real' | 'diverse';

export interface PeerPlan {
  readonly asn: number;
  /** NEXT_HOP, unsigned 32-bit (the peer's own address) */
  readonly nextHop: number;
  /** first plan index of the peer's prefixes */
  readonly first: number;
  readonly count: number;
  readonly packing: Packing;
  /** prefixes per attribute set in `real` packing */
  readonly perSet?: number;
}

export interface PeerStreams {
  readonly announce: Buffer;
  readonly withdraw: Buffer;
  readonly updates: number;
}

const ANCHOR_PER_UPDATE = 1000;
const DIVERSE_PER_SET = 3;
/** first ASN of the 4-octet private range (RFC 6996) */
const PRIVATE_AS4 = 4_200_000_000;

function keysOf(first: number, count: number): number[] {
  const keys = new Array<number>(count);
  for (let i = 0; i < count; i++) keys[i] = ipv4KeyOf(planAddress(first + i), 24);
  return keys;
}

function diverseAttributes(plan: PeerPlan, set: number): PathAttributes {
  const length = 2 + (set % 6);
  const asns = [plan.asn, PRIVATE_AS4 + set];
  for (let i = 2; i < length; i++) asns.push(100 + ((set * 7 + i * 131) % 60_000));
  const communities: number[] = [];
  for (let i = 0; i < set % 5; i++)
    communities.push(((plan.asn & 0xffff) * 65536 + ((set + i) % 1000)) >>> 0);
  return {
    origin: 0,
    asPath: [{ type: 2, asns }],
    nextHop: plan.nextHop,
    ...(set % 3 === 0 ? { med: set % 1000 } : {}),
    ...(communities.length > 0 ? { communities } : {}),
  };
}

function attributesOf(plan: PeerPlan, set: number): PathAttributes {
  if (plan.packing === 'anchor') {
    return { origin: 0, asPath: [{ type: 2, asns: [plan.asn] }], nextHop: plan.nextHop };
  }
  if (plan.packing === 'diverse') return diverseAttributes(plan, set);
  return {
    origin: 0,
    asPath: [{ type: 2, asns: [plan.asn, 3000 + (set % 5000), 100 + (set % 977)] }],
    nextHop: plan.nextHop,
    med: set % 7,
    communities: [((plan.asn & 0xffff) * 65536 + (set % 100)) >>> 0],
  };
}

/** Announcements of prefixes [from, from + count) of the peer's range. */
export function encodeAnnounce(
  plan: PeerPlan,
  from: number,
  count: number,
): { bytes: Buffer; updates: number } {
  const builder = new UpdateBuilder(CONTEXT, Math.max(64 * 1024, count * 5));
  const step =
    plan.packing === 'anchor'
      ? ANCHOR_PER_UPDATE
      : plan.packing === 'diverse'
        ? DIVERSE_PER_SET
        : (plan.perSet ?? 15);
  // Attribute sets are numbered by position in the peer's range, so a
  // re-announcement of a slice carries the same attributes as the first one.
  for (let i = from; i < from + count;) {
    const setEnd = Math.min((Math.floor(i / step) + 1) * step, from + count);
    builder.announce(attributesOf(plan, Math.floor(i / step)), keysOf(plan.first + i, setEnd - i));
    i = setEnd;
  }
  const updates = builder.messageCount;
  return { bytes: builder.take(), updates };
}

export function encodeWithdraw(plan: PeerPlan, from: number, count: number): Buffer {
  const builder = new UpdateBuilder(CONTEXT, Math.max(64 * 1024, count * 5));
  builder.withdraw(keysOf(plan.first + from, count));
  return builder.take();
}

export function encodePeer(plan: PeerPlan): PeerStreams {
  const { bytes, updates } = encodeAnnounce(plan, 0, plan.count);
  return { announce: bytes, withdraw: encodeWithdraw(plan, 0, plan.count), updates };
}
