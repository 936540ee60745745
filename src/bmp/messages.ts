/**
 * BMP message encoding (RFC 7854 §4): the common header, the per-peer
 * header, and the messages a monitored router sends — Initiation, Peer Up,
 * Route Monitoring, Peer Down, Statistics Report, Termination. Pure: bytes
 * in, bytes out; the BGP PDUs inside (OPEN, UPDATE, NOTIFICATION) come from
 * src/bgp/codec.
 *
 * Every multi-octet field is in network byte order (RFC 7854 §4).
 */
import { ByteWriter } from '../lib/bytes.js';
import { parseIpv4, parseIpv6 } from '../lib/prefix.js';
import {
  BMP_VERSION,
  BmpInformationType,
  BmpMessageType,
  BmpPeerDownReason,
  BmpPeerFlag,
  BmpPeerType,
  BmpTerminationType,
  COMMON_HEADER_LENGTH,
  PER_PEER_HEADER_LENGTH,
} from './iana.js';

/** What the per-peer header (RFC 7854 §4.2) says of a peer; Global Instance Peer, distinguisher 0. */
export interface PeerHeader {
  /** the peer's address, IPv4 or IPv6 text */
  readonly address: string;
  readonly asn: number;
  /** BGP Identifier, unsigned 32-bit */
  readonly bgpId: number;
  /** L flag: post-policy Adj-RIB-In */
  readonly postPolicy?: boolean;
  /** A flag: AS_PATH in the 2-octet format (never set here: route monitoring is encoded with 4-octet AS) */
  readonly legacyAsPath?: boolean;
  /** the header's timestamp, milliseconds since the epoch */
  readonly timestampMs: number;
}

/** Peer addresses seen, as 16 octets (a per-peer header is written per message batch) */
const addressCache = new Map<string, { readonly bytes: Uint8Array; readonly ipv6: boolean }>();
const ADDRESS_CACHE_SIZE = 1024;

/** An address as 16 octets: IPv4 in the last four, the rest zero (RFC 7854 §4.2, §4.10). */
function addressBytes(text: string): { readonly bytes: Uint8Array; readonly ipv6: boolean } {
  let cached = addressCache.get(text);
  if (cached === undefined) {
    if (addressCache.size >= ADDRESS_CACHE_SIZE) addressCache.clear();
    addressCache.set(text, (cached = parseAddressBytes(text)));
  }
  return cached;
}

function parseAddressBytes(text: string): { readonly bytes: Uint8Array; readonly ipv6: boolean } {
  const v4 = parseIpv4(text);
  const bytes = new Uint8Array(16);
  if (v4 !== undefined) {
    new DataView(bytes.buffer).setUint32(12, v4);
    return { bytes, ipv6: false };
  }
  const v6 = parseIpv6(text);
  if (v6 === undefined) throw new TypeError(`${text} is not an IP address`);
  bytes.set(v6);
  return { bytes, ipv6: true };
}

function beginMessage(w: ByteWriter, type: number): number {
  const start = w.offset;
  w.u8(BMP_VERSION);
  w.u32(0); // patched by endMessage
  w.u8(type);
  return start;
}

function endMessage(w: ByteWriter, start: number): void {
  const length = w.offset - start;
  const b = w.raw();
  b.writeUInt32BE(length, start + 1);
}

/** Writes the 42-octet per-peer header. */
function writePeerHeader(w: ByteWriter, peer: PeerHeader): void {
  const { bytes, ipv6 } = addressBytes(peer.address);
  w.u8(BmpPeerType.GlobalInstance);
  w.u8(
    (ipv6 ? BmpPeerFlag.Ipv6 : 0) |
      (peer.postPolicy === true ? BmpPeerFlag.PostPolicy : 0) |
      (peer.legacyAsPath === true ? BmpPeerFlag.LegacyAsPath : 0),
  );
  w.fill(0, 8); // peer distinguisher: 0 for a Global Instance Peer
  w.bytes(bytes);
  w.u32(peer.asn);
  w.u32(peer.bgpId);
  const seconds = Math.floor(peer.timestampMs / 1000);
  w.u32(seconds);
  w.u32(Math.round((peer.timestampMs - seconds * 1000) * 1000));
}

function writeTlv(w: ByteWriter, type: number, value: Uint8Array): void {
  w.u16(type);
  w.u16(value.length);
  w.bytes(value);
}

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');

/** RFC 7854 §4.3: sysDescr and sysName are required; free-form strings may follow. */
export function encodeInitiation(info: {
  readonly sysName: string;
  readonly sysDescr: string;
  readonly strings?: readonly string[];
}): Buffer {
  const w = new ByteWriter(256);
  const start = beginMessage(w, BmpMessageType.Initiation);
  writeTlv(w, BmpInformationType.SysDescr, utf8(info.sysDescr));
  writeTlv(w, BmpInformationType.SysName, utf8(info.sysName));
  for (const text of info.strings ?? []) writeTlv(w, BmpInformationType.String, utf8(text));
  endMessage(w, start);
  return w.toBuffer();
}

/** RFC 7854 §4.5: the reason (2 octets), and an optional string. */
export function encodeTermination(reason: number, text?: string): Buffer {
  const w = new ByteWriter(64);
  const start = beginMessage(w, BmpMessageType.Termination);
  if (text !== undefined) writeTlv(w, BmpTerminationType.String, utf8(text));
  const value = new Uint8Array(2);
  new DataView(value.buffer).setUint16(0, reason);
  writeTlv(w, BmpTerminationType.Reason, value);
  endMessage(w, start);
  return w.toBuffer();
}

/** The local end of a session and the OPENs exchanged (RFC 7854 §4.10). */
export interface PeerUpInfo {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remotePort: number;
  /** the whole OPEN message we sent, BGP header included */
  readonly sentOpen: Uint8Array;
  /** the whole OPEN message the peer sent */
  readonly receivedOpen: Uint8Array;
  /** an optional Information TLV of type String */
  readonly information?: string;
}

export function encodePeerUp(peer: PeerHeader, info: PeerUpInfo): Buffer {
  const w = new ByteWriter(128 + info.sentOpen.length + info.receivedOpen.length);
  const start = beginMessage(w, BmpMessageType.PeerUpNotification);
  writePeerHeader(w, peer);
  w.bytes(addressBytes(info.localAddress).bytes);
  w.u16(info.localPort);
  w.u16(info.remotePort);
  w.bytes(info.sentOpen);
  w.bytes(info.receivedOpen);
  if (info.information !== undefined) writeTlv(w, BmpInformationType.String, utf8(info.information));
  endMessage(w, start);
  return w.toBuffer();
}

/** Why a session went down, as RFC 7854 §4.9 reports it. */
export type PeerDownCause =
  | { readonly reason: 1 | 3; readonly notification: Uint8Array }
  | { readonly reason: 2; readonly fsmEvent: number }
  | { readonly reason: 4 | 5 };

export function encodePeerDown(peer: PeerHeader, cause: PeerDownCause): Buffer {
  const w = new ByteWriter(128);
  const start = beginMessage(w, BmpMessageType.PeerDownNotification);
  writePeerHeader(w, peer);
  w.u8(cause.reason);
  if (cause.reason === BmpPeerDownReason.LocalNotification || cause.reason === 3) w.bytes(cause.notification);
  else if (cause.reason === BmpPeerDownReason.LocalNoNotification) w.u16(cause.fsmEvent);
  endMessage(w, start);
  return w.toBuffer();
}

/** One statistic (RFC 7854 §4.8): a 32-bit counter or a 64-bit gauge. */
interface Statistic {
  readonly type: number;
  readonly value: number;
  readonly octets: 4 | 8;
}

export function encodeStatisticsReport(peer: PeerHeader, statistics: readonly Statistic[]): Buffer {
  const w = new ByteWriter(64 + statistics.length * 12);
  const start = beginMessage(w, BmpMessageType.StatisticsReport);
  writePeerHeader(w, peer);
  w.u32(statistics.length);
  for (const statistic of statistics) {
    w.u16(statistic.type);
    w.u16(statistic.octets);
    if (statistic.octets === 4) w.u32(statistic.value);
    else {
      w.u32(Math.floor(statistic.value / 2 ** 32));
      w.u32(statistic.value >>> 0);
    }
  }
  endMessage(w, start);
  return w.toBuffer();
}

/** Route Monitoring (RFC 7854 §4.6) of one whole BGP UPDATE message. */
export function encodeRouteMonitoring(peer: PeerHeader, update: Uint8Array): Buffer {
  return frameRouteMonitoring(peer, update, 1);
}

const BGP_LENGTH_OFFSET = 16;

/**
 * Route Monitoring messages for `count` whole UPDATE messages laid end to
 * end in `updates` (as src/bgp/codec/update-builder.ts writes them), one
 * BMP message each, concatenated: one copy, one header built once.
 */
export function frameRouteMonitoring(peer: PeerHeader, updates: Uint8Array, count: number): Buffer {
  return frameWithHeader(routeMonitoringHeader(peer), updates, count);
}

/** The common and per-peer headers of a Route Monitoring message, its length left 0. */
function routeMonitoringHeader(peer: PeerHeader): Buffer {
  const template = new ByteWriter(COMMON_HEADER_LENGTH + PER_PEER_HEADER_LENGTH);
  template.u8(BMP_VERSION);
  template.u32(0);
  template.u8(BmpMessageType.RouteMonitoring);
  writePeerHeader(template, peer);
  return template.toBuffer();
}

function frameWithHeader(header: Buffer, updates: Uint8Array, count: number): Buffer {
  const headerLength = header.length;
  const out = Buffer.allocUnsafe(updates.length + count * headerLength);
  let from = 0;
  let to = 0;
  while (from < updates.length) {
    const length = (updates[from + BGP_LENGTH_OFFSET]! << 8) | updates[from + BGP_LENGTH_OFFSET + 1]!;
    if (length < 19 || from + length > updates.length) throw new RangeError('not whole BGP messages');
    header.copy(out, to);
    out.writeUInt32BE(headerLength + length, to + 1);
    out.set(updates.subarray(from, from + length), to + headerLength);
    from += length;
    to += headerLength + length;
  }
  return to === out.length ? out : out.subarray(0, to);
}

/**
 * As `frameRouteMonitoring`, in buffers of about `chunkBytes` each (whole
 * messages), so a connection can stop between them.
 */
export function frameRouteMonitoringChunks(
  peer: PeerHeader,
  updates: Uint8Array,
  chunkBytes = 65_536,
): Buffer[] {
  const header = routeMonitoringHeader(peer);
  const chunks: Buffer[] = [];
  let start = 0;
  let offset = 0;
  let count = 0;
  while (offset < updates.length) {
    const length = (updates[offset + BGP_LENGTH_OFFSET]! << 8) | updates[offset + BGP_LENGTH_OFFSET + 1]!;
    if (length < 19) throw new RangeError('not whole BGP messages');
    offset += length;
    count++;
    if (
      offset - start + count * (COMMON_HEADER_LENGTH + PER_PEER_HEADER_LENGTH) >= chunkBytes ||
      offset >= updates.length
    ) {
      chunks.push(frameWithHeader(header, updates.subarray(start, offset), count));
      start = offset;
      count = 0;
    }
  }
  return chunks;
}
