/**
 * Pre-encoded full tables for the in-process benchmarks (bench/rib.ts,
 * bench/vnet-programming.ts): one peer's /24s from a base, `perSet` prefixes
 * per attribute set, with realistic AS paths, MEDs and communities.
 */
import { UpdateBuilder } from '../../src/bgp/codec/index.js';
import type { CodecContext, PathAttributes } from '../../src/bgp/codec/index.js';
import { ipv4KeyOf } from '../../src/lib/prefix.js';

export interface PeerTable {
  readonly peer: number;
  readonly prefixesPerPeer: number;
  readonly perSet: number;
  /** NEXT_HOP of attribute set `set` (an unsigned 32-bit IPv4 address) */
  readonly nextHop: (set: number) => number;
  /** first address of the peer's /24s; default (16 + 8 × peer).0.0.0, which fits 30 peers */
  readonly base?: number;
}

/** Encodes one peer's table into whole BGP messages. */
export function encodePeerTable(table: PeerTable, context: CodecContext): Buffer[] {
  const { peer, prefixesPerPeer, perSet } = table;
  const builder = new UpdateBuilder(context);
  const messages: Buffer[] = [];
  const base = table.base ?? (16 + peer * 8) * 2 ** 24;
  for (let first = 0; first < prefixesPerPeer; first += perSet) {
    const set = first / perSet;
    const attributes: PathAttributes = {
      origin: 0,
      asPath: [{ type: 2, asns: [65001 + peer, 3000 + (set % 5000), 100 + (set % 977)] }],
      nextHop: table.nextHop(set),
      med: set % 7,
      communities: [(65001 + peer) * 65536 + (set % 100)],
    };
    const keys: number[] = [];
    for (let i = first; i < Math.min(first + perSet, prefixesPerPeer); i++) {
      keys.push(ipv4KeyOf(base + i * 256, 24));
    }
    builder.announce(attributes, keys);
    if (builder.byteLength > 1 << 20) messages.push(...splitMessages(builder.take()));
  }
  messages.push(...splitMessages(builder.take()));
  return messages;
}

/** Splits a buffer of whole BGP messages into one Buffer per message. */
export function splitMessages(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < bytes.length;) {
    const length = bytes.readUInt16BE(o + 16);
    out.push(bytes.subarray(o, o + length));
    o += length;
  }
  return out;
}
