/**
 * How an instance's live state is laid out as live-state keys
 * (src/store/live-state.ts) and encoded, compactly:
 *
 * - `s/<rs>/<instance>/<connection>`: one session's state (JSON);
 * - `i/<rs>/<instance>/<shard>`: the routes the instance injects into the
 *   virtual network, spread over INJECTED_SHARDS keys by a hash of the prefix,
 *   so one changed route rewrites one small key; each key lists its next-hop
 *   sets once and the prefixes with a reference to theirs;
 * - `l/<rs>/<instance>/<connection>/<chunk>`: the routes learned from one
 *   peer (Adj-RIB-In), grouped by their attributes (a table of 4,000 routes
 *   from one NVA is one group), ROUTES_PER_CHUNK prefixes per key;
 * - `q/<rs>/<instance>/<connection>/<query>`: another process asks the
 *   instance for the routes it advertises to one peer (Adj-RIB-Out: every
 *   peer is sent every other peer's routes, 28,000 per peer at 8 × 4,000, so
 *   they are computed where they are asked for rather than published);
 * - `r/<rs>/<instance>/<connection>/<query>/<chunk>/<chunks>`: the answer,
 *   encoded as the learned routes, deleted when the query is.
 *
 * `<rs>` and `<connection>` are ARM id keys, URI-encoded so they hold no `/`.
 */
import type { InstanceId } from '../rib/ports.js';
import type { InstanceSessionState, PeerRoute, SessionState } from '../runtime/index.js';

export const INJECTED_SHARDS = 64;
const ROUTES_PER_CHUNK = 20_000;

type LiveKind = 's' | 'i' | 'l' | 'q' | 'r';
const KINDS: ReadonlySet<string> = new Set<LiveKind>(['s', 'i', 'l', 'q', 'r']);

export interface ParsedKey {
  readonly kind: LiveKind;
  /** route server id key */
  readonly routeServer: string;
  readonly instance: InstanceId;
  /** connection id key (s, l, q, r) or shard number (i) */
  readonly item: string;
  /** chunk number (l), query (q, r) */
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

/** The shard of a prefix (canonical text): FNV-1a of the text. */
export function shardOf(prefix: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < prefix.length; i++) hash = Math.imul(hash ^ prefix.charCodeAt(i), 0x01000193);
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

/** Injected routes of one shard: next-hop sets once, then prefix and set index (1-based) pairs. */
interface InjectedShard {
  readonly h: string[][];
  readonly r: Array<string | number>;
}

export function encodeInjected(routes: ReadonlyMap<string, readonly string[]>): Buffer {
  const hops: string[][] = [];
  const index = new Map<string, number>();
  const r: Array<string | number> = [];
  for (const [prefix, nextHops] of routes) {
    const key = nextHops.join(',');
    let reference = index.get(key);
    if (reference === undefined) {
      hops.push([...nextHops]);
      reference = hops.length;
      index.set(key, reference);
    }
    r.push(prefix, reference);
  }
  const shard: InjectedShard = { h: hops, r };
  return Buffer.from(JSON.stringify(shard));
}

export function decodeInjected(value: Buffer): Map<string, readonly string[]> {
  const shard = JSON.parse(value.toString('utf8')) as InjectedShard;
  const routes = new Map<string, readonly string[]>();
  for (let i = 0; i < shard.r.length; i += 2)
    routes.set(shard.r[i] as string, shard.h[(shard.r[i + 1] as number) - 1]!);
  return routes;
}

/** A group of routes with the same attributes: local address, next hop, source, origin, AS path, weight, prefixes. */
type RouteGroup = [string, string, string | null, PeerRoute['origin'], string, number, string[]];

/** The routes of one peer and instance as chunks of at most ROUTES_PER_CHUNK prefixes, grouped by attributes. */
export function encodePeerRoutes(routes: readonly PeerRoute[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let start = 0; start < routes.length; start += ROUTES_PER_CHUNK) {
    const groups = new Map<string, RouteGroup>();
    for (const route of routes.slice(start, start + ROUTES_PER_CHUNK)) {
      const attributes: RouteGroup = [
        route.localAddress,
        route.nextHop,
        route.sourcePeer,
        route.origin,
        route.asPath,
        route.weight,
        [],
      ];
      const key = JSON.stringify(attributes.slice(0, 6));
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = attributes));
      group[6].push(route.network);
    }
    chunks.push(Buffer.from(JSON.stringify([...groups.values()])));
  }
  return chunks;
}

export function decodePeerRoutes(instance: InstanceId, value: Buffer): PeerRoute[] {
  const groups = JSON.parse(value.toString('utf8')) as RouteGroup[];
  const routes: PeerRoute[] = [];
  for (const [localAddress, nextHop, sourcePeer, origin, asPath, weight, networks] of groups)
    for (const network of networks)
      routes.push({ instance, localAddress, network, nextHop, sourcePeer, origin, asPath, weight });
  return routes;
}
