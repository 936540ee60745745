/**
 * A BMP reader for tests, written from RFC 7854 §4's layouts and nothing of
 * messages.ts: it splits a byte stream into messages, reads the common and
 * per-peer headers by offset, and decodes the BGP PDUs inside with the BGP
 * codec. `BmpTable` replays Route Monitoring into per-peer pre- and
 * post-policy tables, as a collector would keep them.
 */
import { BASE_CONTEXT, decode } from '../bgp/codec/index.js';
import type { BgpMessage, CodecContext, UpdateMessage } from '../bgp/codec/index.js';
import { formatIpv4, formatIpv6, formatPrefix } from '../lib/prefix.js';

export interface DecodedPeerHeader {
  readonly peerType: number;
  readonly flags: number;
  readonly distinguisher: Buffer;
  readonly address: string;
  readonly asn: number;
  readonly bgpId: string;
  readonly seconds: number;
  readonly microseconds: number;
}

export interface DecodedBmpMessage {
  readonly version: number;
  readonly length: number;
  readonly type: number;
  /** messages 0-3 */
  readonly peer?: DecodedPeerHeader;
  /** what follows the headers */
  readonly body: Buffer;
}

const FOUR_OCTET: CodecContext = { ...BASE_CONTEXT, fourOctetAs: true };

function readPeerHeader(b: Buffer): DecodedPeerHeader {
  const flags = b[1]!;
  const ipv6 = (flags & 0x80) !== 0;
  return {
    peerType: b[0]!,
    flags,
    distinguisher: b.subarray(2, 10),
    address: ipv6 ? formatIpv6(b.subarray(10, 26)) : formatIpv4(b.readUInt32BE(22)),
    asn: b.readUInt32BE(26),
    bgpId: formatIpv4(b.readUInt32BE(30)),
    seconds: b.readUInt32BE(34),
    microseconds: b.readUInt32BE(38),
  };
}

/** Splits whole BMP messages off `bytes`; returns them and the bytes of an unfinished one. */
export function splitBmp(bytes: Buffer): { messages: DecodedBmpMessage[]; rest: Buffer } {
  const messages: DecodedBmpMessage[] = [];
  let o = 0;
  while (o + 6 <= bytes.length) {
    const length = bytes.readUInt32BE(o + 1);
    if (length < 6) throw new Error(`BMP message length ${length} at ${o}`);
    if (o + length > bytes.length) break;
    const message = bytes.subarray(o, o + length);
    const type = message[5]!;
    const hasPeer = type <= 3;
    messages.push({
      version: message[0]!,
      length,
      type,
      ...(hasPeer ? { peer: readPeerHeader(message.subarray(6, 48)) } : {}),
      body: message.subarray(hasPeer ? 48 : 6),
    });
    o += length;
  }
  return { messages, rest: bytes.subarray(o) };
}

/** Type-length-value items (Initiation, Termination, Peer Up information). */
export function readTlvs(body: Buffer): { type: number; value: Buffer }[] {
  const out: { type: number; value: Buffer }[] = [];
  let o = 0;
  while (o + 4 <= body.length) {
    const length = body.readUInt16BE(o + 2);
    out.push({ type: body.readUInt16BE(o), value: body.subarray(o + 4, o + 4 + length) });
    o += 4 + length;
  }
  return out;
}

/** One BGP message at the start of `bytes`, and its length. */
export function readBgpMessage(bytes: Buffer, context: CodecContext = FOUR_OCTET): [BgpMessage, number] {
  const length = bytes.readUInt16BE(16);
  return [decode(bytes.subarray(0, length), context), length];
}

export interface DecodedPeerUp {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remotePort: number;
  readonly sentOpen: BgpMessage;
  readonly receivedOpen: BgpMessage;
}

export function readPeerUp(body: Buffer): DecodedPeerUp {
  const localAddress = body
    .subarray(0, 16)
    .subarray(0, 12)
    .every((x) => x === 0)
    ? formatIpv4(body.readUInt32BE(12))
    : formatIpv6(body.subarray(0, 16));
  const [sentOpen, sentLength] = readBgpMessage(body.subarray(20), BASE_CONTEXT);
  const [receivedOpen] = readBgpMessage(body.subarray(20 + sentLength), BASE_CONTEXT);
  return {
    localAddress,
    localPort: body.readUInt16BE(16),
    remotePort: body.readUInt16BE(18),
    sentOpen,
    receivedOpen,
  };
}

/** Prefix text of every route an UPDATE announces and withdraws (IPv4 and IPv6 unicast). */
export function updatePrefixes(update: UpdateMessage): { announced: string[]; withdrawn: string[] } {
  const v4 = (key: number) => {
    const length = key % 64;
    return formatPrefix({ family: 4, address: (key - length) / 64, length });
  };
  const reach = update.attributes.mpReach;
  const unreach = update.attributes.mpUnreach;
  return {
    announced: [
      ...update.nlri.map(v4),
      ...(reach?.nlri.keys.map(v4) ?? []),
      ...(reach?.nlri.prefixes.map((p) => formatPrefix(p)) ?? []),
    ],
    withdrawn: [
      ...update.withdrawn.map(v4),
      ...(unreach?.withdrawn.keys.map(v4) ?? []),
      ...(unreach?.withdrawn.prefixes.map((p) => formatPrefix(p)) ?? []),
    ],
  };
}

/** What a collector keeps: per peer address, its pre- and post-policy tables, and what it was told. */
export class BmpTable {
  readonly pre = new Map<string, Map<string, UpdateMessage>>();
  readonly post = new Map<string, Map<string, UpdateMessage>>();
  readonly types: number[] = [];
  readonly peerUps: DecodedBmpMessage[] = [];
  readonly peerDowns: DecodedBmpMessage[] = [];
  readonly endOfRib: { peer: string; postPolicy: boolean }[] = [];
  private pending: Buffer = Buffer.alloc(0);

  push(bytes: Buffer): void {
    const { messages, rest } = splitBmp(Buffer.concat([this.pending, bytes]));
    this.pending = Buffer.from(rest);
    for (const message of messages) this.apply(message);
  }

  apply(message: DecodedBmpMessage): void {
    this.types.push(message.type);
    const peer = message.peer;
    if (peer === undefined) return;
    if (message.type === 3) {
      this.peerUps.push(message);
      this.pre.set(peer.address, new Map());
      this.post.set(peer.address, new Map());
    } else if (message.type === 2) {
      this.peerDowns.push(message);
      this.pre.delete(peer.address);
      this.post.delete(peer.address);
    } else if (message.type === 0) {
      const postPolicy = (peer.flags & 0x40) !== 0;
      const table = (postPolicy ? this.post : this.pre).get(peer.address);
      if (table === undefined) throw new Error(`route monitoring for ${peer.address} before its Peer Up`);
      const [update] = readBgpMessage(message.body);
      if (update.type !== 'update') throw new Error('route monitoring without an UPDATE');
      const { announced, withdrawn } = updatePrefixes(update);
      if (announced.length === 0 && withdrawn.length === 0)
        this.endOfRib.push({ peer: peer.address, postPolicy });
      for (const prefix of withdrawn) table.delete(prefix);
      for (const prefix of announced) table.set(prefix, update);
    }
  }

  prefixes(peer: string, postPolicy: boolean): string[] {
    return [...((postPolicy ? this.post : this.pre).get(peer)?.keys() ?? [])].sort();
  }
}
