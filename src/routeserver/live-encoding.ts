/**
 * How an instance's live state is laid out as live-state keys
 * (src/store/live-state.ts) and encoded, compactly:
 *
 * - `s/<rs>/<instance>/<connection>`: one session's state (JSON);
 * - `i/<rs>/<instance>/<shard>` and `j/<rs>/<instance>/<epoch>/<sequence>`:
 *   the routes the instance injects into the virtual network
 *   (live-injected.ts): each `i` key holds every route of one of
 *   INJECTED_SHARDS shards (by a hash of the prefix) as of when it was
 *   written; each `j` key, a delta, the changes since the previous delta.
 *   Deltas sort after the shards, and within a process's epoch by sequence,
 *   so a snapshot read in key order applies them in the order they were made;
 * - `l/<rs>/<instance>/<connection>/<chunk>`: the routes learned from one
 *   peer (Adj-RIB-In), ROUTES_PER_CHUNK prefixes per key;
 * - `q/<rs>/<instance>/<connection>/<query>`: another process asks the
 *   instance for the routes it advertises to one peer (Adj-RIB-Out: every
 *   peer is sent every other peer's routes, 28,000 per peer at 8 × 4,000, so
 *   they are computed where they are asked for rather than published);
 * - `r/<rs>/<instance>/<connection>/<query>/<chunk>/<chunks>`: the answer,
 *   encoded as the learned routes, deleted when the query is.
 *
 * `<rs>` and `<connection>` are ARM id keys, URI-encoded so they hold no `/`.
 * Route values are binary (below): about 6 octets per IPv4 route.
 */
import { ByteWriter } from '../lib/bytes.js';
import { formatPrefix, parsePrefix, type Prefix } from '../lib/prefix.js';
import type { InstanceId } from '../rib/ports.js';
import type { InstanceSessionState, PeerRoute, SessionState } from '../runtime/index.js';

export const INJECTED_SHARDS = 64;
/** Routes per learned-routes (or advertised-routes answer) key: about 120 KiB. */
export const ROUTES_PER_CHUNK = 20_000;

type LiveKind = 's' | 'i' | 'j' | 'l' | 'q' | 'r';
const KINDS: ReadonlySet<string> = new Set<LiveKind>(['s', 'i', 'j', 'l', 'q', 'r']);

export interface ParsedKey {
  readonly kind: LiveKind;
  /** route server id key */
  readonly routeServer: string;
  readonly instance: InstanceId;
  /** connection id key (s, l, q, r), shard number (i) or epoch (j) */
  readonly item: string;
  /** chunk number (l), query (q, r), sequence (j) */
  readonly chunk?: string;
  /** the answer's chunk number and number of chunks (r) */
  readonly answer?: { readonly chunk: number; readonly chunks: number };
}

const part = (text: string) => encodeURIComponent(text);

export function liveKey(
  kind: LiveKind,
  routeServer: string,
  instance: InstanceId,
  ...rest: string[]
): string {
  return [kind, part(routeServer), part(instance), ...rest.map(part)].join('/');
}

export function parseLiveKey(key: string): ParsedKey | undefined {
  const parts = key.split('/').map((p) => decodeURIComponent(p));
  const [kind, routeServer, instance, item, chunk, answerChunk, answerChunks] = parts;
  if (kind === undefined || !KINDS.has(kind)) return undefined;
  if (routeServer === undefined || instance === undefined || item === undefined) return undefined;
  return {
    kind: kind as LiveKind,
    routeServer,
    instance,
    item,
    ...(chunk === undefined ? {} : { chunk }),
    ...(answerChunk === undefined || answerChunks === undefined
      ? {}
      : { answer: { chunk: Number(answerChunk), chunks: Number(answerChunks) } }),
  };
}

/** The shard of a prefix: FNV-1a of its length and address octets. */
export function shardOf(prefix: Prefix): number {
  let hash = Math.imul(0x811c9dc5 ^ (prefix.family * 256 + prefix.length), 0x01000193);
  if (prefix.family === 4) {
    for (let shift = 24; shift >= 0; shift -= 8)
      hash = Math.imul(hash ^ ((prefix.address >>> shift) & 255), 0x01000193);
  } else {
    for (const octet of prefix.address) hash = Math.imul(hash ^ octet, 0x01000193);
  }
  return (hash >>> 0) % INJECTED_SHARDS;
}

/** One session's state as published: the peer's address and the instance's. */
interface LiveSession {
  readonly peerIp: string;
  readonly localAddress: string;
  readonly state: SessionState;
}

export function encodeSession(session: LiveSession): Buffer {
  return Buffer.from(JSON.stringify(session));
}

export function decodeSession(instance: InstanceId, value: Buffer): InstanceSessionState {
  const session = JSON.parse(value.toString('utf8')) as LiveSession;
  return { instance, localAddress: session.localAddress, state: session.state };
}

/*
 * Routes are binary: a prefix is one octet for its family and length (IPv4
 * 0–32, IPv6 33 + 0–128) and the significant octets of its address, as in a
 * BGP UPDATE's NLRI (RFC 4271 §4.3), followed by a varint reference to a
 * table of attributes written once per value. A /32 costs 6 octets, a /24 5.
 */
const FORMAT_INJECTED = 1;
const FORMAT_ROUTES = 2;
const IPV6_LENGTH_BASE = 33;

class Writer {
  readonly bytes = new ByteWriter(4096);
  varint(value: number): void {
    while (value >= 0x80) {
      this.bytes.u8((value & 0x7f) | 0x80);
      value = Math.floor(value / 128);
    }
    this.bytes.u8(value);
  }
  text(value: string): void {
    const encoded = Buffer.from(value, 'utf8');
    this.varint(encoded.length);
    this.bytes.bytes(encoded);
  }
  prefix(prefix: Prefix): void {
    const octets = (prefix.length + 7) >> 3;
    if (prefix.family === 4) {
      this.bytes.u8(prefix.length);
      for (let i = 0; i < octets; i++) this.bytes.u8(prefix.address >>> (24 - 8 * i));
    } else {
      this.bytes.u8(IPV6_LENGTH_BASE + prefix.length);
      this.bytes.bytes(prefix.address.subarray(0, octets));
    }
  }
}

export class LiveDecodeError extends Error {
  override readonly name = 'LiveDecodeError';
}

class Reader {
  offset = 0;
  constructor(private readonly bytes: Buffer) {}
  get done(): boolean {
    return this.offset >= this.bytes.length;
  }
  u8(): number {
    if (this.offset >= this.bytes.length) throw new LiveDecodeError('live state value cut short');
    return this.bytes[this.offset++]!;
  }
  varint(): number {
    let value = 0;
    for (let scale = 1; ; scale *= 128) {
      const octet = this.u8();
      value += (octet & 0x7f) * scale;
      if (octet < 0x80) return value;
    }
  }
  text(): string {
    const length = this.varint();
    if (this.offset + length > this.bytes.length) throw new LiveDecodeError('live state value cut short');
    const value = this.bytes.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  prefix(): Prefix {
    const head = this.u8();
    if (head < IPV6_LENGTH_BASE) {
      let address = 0;
      for (let i = 0; i < (head + 7) >> 3; i++) address += this.u8() * 2 ** (24 - 8 * i);
      return { family: 4, address, length: head };
    }
    const length = head - IPV6_LENGTH_BASE;
    if (length > 128) throw new LiveDecodeError(`not a prefix length: ${length}`);
    const address = new Uint8Array(16);
    for (let i = 0; i < (length + 7) >> 3; i++) address[i] = this.u8();
    return { family: 6, address, length };
  }
  format(expected: number): void {
    const format = this.u8();
    if (format !== expected) throw new LiveDecodeError(`live state format ${format}, expected ${expected}`);
  }
}

/** One injected route as published: the prefix and its ECMP next hops, null when withdrawn (deltas only). */
export interface LiveInjectedRoute {
  readonly prefix: Prefix;
  readonly nextHops: readonly string[] | null;
}

/** Injected routes (a shard's or a delta's): next-hop sets once, then each prefix with its set's number (0: withdrawn). */
export function encodeInjected(routes: Iterable<LiveInjectedRoute>): Buffer {
  const sets: Array<readonly string[]> = [];
  const numbers = new Map<string, number>();
  const body = new Writer();
  for (const { prefix, nextHops } of routes) {
    let number = 0;
    if (nextHops !== null) {
      const key = nextHops.join(',');
      number = numbers.get(key) ?? 0;
      if (number === 0) {
        sets.push(nextHops);
        numbers.set(key, (number = sets.length));
      }
    }
    body.prefix(prefix);
    body.varint(number);
  }
  const head = new Writer();
  head.bytes.u8(FORMAT_INJECTED);
  head.varint(sets.length);
  for (const set of sets) {
    head.varint(set.length);
    for (const hop of set) head.text(hop);
  }
  return Buffer.concat([head.bytes.toBuffer(), body.bytes.toBuffer()]);
}

/** Calls `each` for every route of an encodeInjected value, in order. */
export function decodeInjected(value: Buffer, each: (route: LiveInjectedRoute) => void): void {
  const reader = new Reader(value);
  reader.format(FORMAT_INJECTED);
  const sets: Array<readonly string[]> = [];
  for (let count = reader.varint(); sets.length < count;) {
    const hops: string[] = [];
    for (let length = reader.varint(); hops.length < length;) hops.push(reader.text());
    sets.push(hops);
  }
  while (!reader.done) {
    const prefix = reader.prefix();
    const number = reader.varint();
    if (number > sets.length) throw new LiveDecodeError(`no next-hop set ${number}`);
    each({ prefix, nextHops: number === 0 ? null : sets[number - 1]! });
  }
}

/** The attributes of a route group: local address, next hop, source, origin, AS path, weight. */
type RouteAttributes = [string, string, string | null, PeerRoute['origin'], string, number];

/**
 * The routes of one peer and instance as chunks of at most ROUTES_PER_CHUNK
 * prefixes (at least one chunk): each lists its attribute sets once (JSON),
 * then each prefix with its set's number.
 */
export function encodePeerRoutes(routes: readonly PeerRoute[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let start = 0; start === 0 || start < routes.length; start += ROUTES_PER_CHUNK) {
    const sets: RouteAttributes[] = [];
    const numbers = new Map<string, number>();
    const body = new Writer();
    for (let i = start; i < Math.min(routes.length, start + ROUTES_PER_CHUNK); i++) {
      const route = routes[i]!;
      const attributes: RouteAttributes = [
        route.localAddress,
        route.nextHop,
        route.sourcePeer,
        route.origin,
        route.asPath,
        route.weight,
      ];
      const key = `${route.localAddress}\n${route.nextHop}\n${route.sourcePeer}\n${route.origin}\n${route.asPath}\n${route.weight}`;
      let number = numbers.get(key);
      if (number === undefined) {
        sets.push(attributes);
        numbers.set(key, (number = sets.length - 1));
      }
      body.prefix(parsePrefix(route.network));
      body.varint(number);
    }
    const head = new Writer();
    head.bytes.u8(FORMAT_ROUTES);
    head.text(JSON.stringify(sets));
    chunks.push(Buffer.concat([head.bytes.toBuffer(), body.bytes.toBuffer()]));
  }
  return chunks;
}

export function decodePeerRoutes(instance: InstanceId, value: Buffer): PeerRoute[] {
  const reader = new Reader(value);
  reader.format(FORMAT_ROUTES);
  const sets = JSON.parse(reader.text()) as RouteAttributes[];
  const routes: PeerRoute[] = [];
  while (!reader.done) {
    const network = formatPrefix(reader.prefix());
    const attributes = sets[reader.varint()];
    if (attributes === undefined) throw new LiveDecodeError('no such attribute set');
    const [localAddress, nextHop, sourcePeer, origin, asPath, weight] = attributes;
    routes.push({ instance, localAddress, network, nextHop, sourcePeer, origin, asPath, weight });
  }
  return routes;
}
