/**
 * Update groups: one Adj-RIB-Out shared by every peer with the same export
 * policy, so the cost of a best-path change does not grow with the number
 * of peers (RFC 4271 §9.2 leaves the grouping to the implementation; FRR
 * and OpenBGPD do the same).
 *
 * Peers share a group when the encoding and the shared export rules give
 * them the same bytes: same 2/4-octet AS encoding, maximum message length,
 * address families and ADD-PATH send families. The one per-peer export rule
 * of Azure's semantics, "never back to the peer it came from"
 * (src/policy/export-rules.ts `notToSourcePeer`), is applied when sending:
 * every batch of UPDATEs is encoded once, per source peer, into a journal
 * of chunks; a chunk is not sent to the peer its routes came from, and a
 * peer that becomes the source of a route it was sent gets a withdrawal of
 * its own (`only`).
 *
 * Each peer (src/rib/adj-rib-out.ts) reads the journal from its own position
 * at its own pace (backpressure per session); chunks every peer has read are
 * dropped. A peer that stops reading holds chunks for itself alone;
 * `lagOf` measures how far behind it is, in bytes, so the engine can close
 * its session past a bound (src/rib/session-close.ts). `sent` holds what the group has advertised per prefix, so a peer
 * that joins later (or asks for a ROUTE-REFRESH) is sent it from there.
 *
 * Packing: the prefixes of a batch are grouped by attribute set, so routes
 * that share attributes share UPDATEs (as many prefixes per UPDATE as fit).
 */
import { Afi, IPV6_UNICAST, Safi, UpdateBuilder } from '../bgp/codec/index.js';
import type { Ipv6Prefix, PrefixKey } from '../lib/prefix.js';
import { prefixFromKey } from '../lib/prefix.js';
import type { AdjRibOut } from './adj-rib-out.js';
import type { ExportSet } from './attribute-store.js';
import { sameExportSet } from './attribute-store.js';
import type { GroupPolicy, RouteExport } from './exporter.js';
import type { PeerId } from './peer.js';
import type { OutboundRouteMap } from './route-map-out.js';
import { PrefixMap, PrefixSet } from '../lib/prefix-map.js';

/** UPDATEs of one batch, encoded once for the peers of a group. */
interface Chunk {
  readonly bytes: Buffer;
  /** journal bytes written before this chunk */
  readonly offset: number;
  readonly messages: number;
  readonly announced: number;
  readonly withdrawn: number;
  /** the peer the routes came from: the chunk is not sent to it */
  readonly skip: PeerId | undefined;
  /** the only peer the chunk is sent to */
  readonly only: PeerId | undefined;
}

/**
 * A cap on the routes a group advertises (docs/azure-behaviour.md §4.2: at
 * most 1,000 routes toward ExpressRoute from the VNet's space and the route
 * server). Only routes whose source `counts` are capped; above the limit a
 * route is held (not advertised) until a counted one leaves, then the held
 * routes are admitted least specific first.
 */
interface AdvertisementCeiling {
  readonly limit: number;
  counts(source: PeerId | undefined): boolean;
}

/** Peers with equal keys get the same bytes for every prefix (but their own routes). */
export function groupKeyOf(policy: GroupPolicy): string {
  const context = policy.context;
  return [
    context.fourOctetAs ? 'as4' : 'as2',
    context.extendedMessage ? 'extended' : 'standard',
    policy.ipv6Unicast ? 'ipv4+ipv6' : 'ipv4',
    [...context.addPathSend].sort((a, b) => a - b).join(','),
    // the export rules and attributes differ by target (src/rib/exporter.ts)
    policy.target?.kind ?? 'nva',
    policy.target?.gateway ?? '',
  ].join('|');
}

type ExportOf = (key: PrefixKey) => RouteExport | undefined;
type Batch<K> = Map<K, PrefixKey[]>;

function push<K>(batch: Batch<K>, key: K, prefix: PrefixKey): void {
  const keys = batch.get(key);
  if (keys) keys.push(prefix);
  else batch.set(key, [prefix]);
}

/** RFC 7911: with ADD-PATH send negotiated we advertise one path per prefix, path id 1. */
function ones(count: number): number[] {
  return new Array<number>(count).fill(1);
}

/** Writes UPDATEs announcing `keys` with one attribute set (IPv4 keys, or IPv6 in MP_REACH). */
export function writeAnnouncements(
  builder: UpdateBuilder,
  addPath: ReadonlySet<number>,
  set: ExportSet,
  keys: readonly PrefixKey[],
): void {
  if (set.ipv6NextHop) {
    const prefixes = keys.map((k) => prefixFromKey(k) as Ipv6Prefix);
    builder.announceIpv6(
      set.block,
      set.ipv6NextHop,
      prefixes,
      addPath.has(IPV6_UNICAST) ? ones(keys.length) : undefined,
    );
  } else {
    const pathIds = addPath.has(Afi.Ipv4 * 256 + Safi.Unicast) ? ones(keys.length) : undefined;
    builder.announce(set.block, keys as number[], pathIds);
  }
}

/** Writes UPDATEs withdrawing `keys` (IPv4 in Withdrawn Routes, IPv6 in MP_UNREACH). */
export function writeWithdrawals(
  builder: UpdateBuilder,
  addPath: ReadonlySet<number>,
  keys: readonly PrefixKey[],
): void {
  const allV4 = keys.every((k) => typeof k === 'number');
  const v4 = (allV4 ? keys : keys.filter((k) => typeof k === 'number')) as number[];
  if (v4.length > 0)
    builder.withdraw(v4, addPath.has(Afi.Ipv4 * 256 + Safi.Unicast) ? ones(v4.length) : undefined);
  if (v4.length === keys.length) return;
  const v6 = keys.filter((k) => typeof k === 'string').map((k) => prefixFromKey(k) as Ipv6Prefix);
  builder.withdrawIpv6(v6, addPath.has(IPV6_UNICAST) ? ones(v6.length) : undefined);
}

export class UpdateGroup {
  /** what the group has advertised, per prefix */
  readonly sent = new PrefixMap<RouteExport>();
  /** prefixes whose export may have changed */
  readonly dirty = new PrefixSet();
  readonly members = new Map<PeerId, AdjRibOut>();
  /** every prefix of the Loc-RIB has been marked since the group was made */
  filled = false;
  /** the group's cap, if any */
  ceiling: AdvertisementCeiling | undefined;
  /** the outbound route map of the group's peers, if any (src/rib/route-map-out.ts) */
  routeMap: OutboundRouteMap | undefined;
  /** prefixes held back by the ceiling */
  readonly held = new PrefixSet();
  /** prefixes advertised that count toward the ceiling */
  private readonly counted = new PrefixSet();
  private readonly journal: Chunk[] = [];
  /** journal position of `journal[0]` */
  private base = 0;
  /** journal bytes written since the group was made */
  private written = 0;
  /** entries of `sent` per source peer */
  private readonly bySource = new Map<PeerId, { routes: number }>();
  private lastSource: PeerId | undefined;
  private lastCount: { routes: number } | undefined;
  private lastWithdrawn: PeerId | undefined;
  private lastWithdrawals: PrefixKey[] | undefined;
  private announce: Batch<RouteExport> = new Map();
  private withdrawals: Batch<PeerId | undefined> = new Map();
  private forget: Batch<PeerId> = new Map();
  private lastExport: RouteExport | undefined;
  private lastKeys: PrefixKey[] | undefined;
  private batchSize = 0;
  private readonly builder: UpdateBuilder;

  constructor(
    readonly key: string,
    readonly policy: GroupPolicy,
  ) {
    this.builder = new UpdateBuilder(policy.context);
  }

  /** The journal position after the last chunk. */
  get end(): number {
    return this.base + this.journal.length;
  }

  chunkAt(position: number): Chunk {
    return this.journal[position - this.base]!;
  }

  /** Journal bytes from `position` to the end: what a peer at that position has yet to read. */
  lagOf(position: number): number {
    if (position >= this.end) return 0;
    return this.written - this.chunkAt(position).offset;
  }

  /** Journal bytes held (not yet read by every member). */
  get journalBytes(): number {
    const first = this.journal[0];
    return first ? this.written - first.offset : 0;
  }

  get hasWork(): boolean {
    return this.dirty.size > 0 || this.batchSize > 0;
  }

  /** Routes `peer` has been advertised: the group's, but those it sent us. */
  advertisedTo(peer: PeerId): number {
    return this.sent.size - (this.bySource.get(peer)?.routes ?? 0);
  }

  /** Adds the export `next` of `key` to the batch when it differs from what was advertised (within the ceiling). */
  offer(key: PrefixKey, offered: RouteExport | undefined): void {
    const next = this.ceiling === undefined ? offered : this.admit(key, offered, this.ceiling);
    // one probe of the table to read what was sent and record what is sent now
    const previous = next ? this.sent.swap(key, next) : this.sent.get(key);
    if (next === previous) return;
    if (!next) {
      if (!previous) return;
      this.sent.delete(key);
      this.count(previous.source, -1);
      if (this.lastWithdrawals && previous.source === this.lastWithdrawn) this.lastWithdrawals.push(key);
      else {
        push(this.withdrawals, previous.source, key);
        this.lastWithdrawn = previous.source;
        this.lastWithdrawals = this.withdrawals.get(previous.source);
      }
      this.batchSize++;
      return;
    }
    if (previous && previous.source === next.source && sameExportSet(previous.set, next.set)) return;
    this.count(next.source, 1);
    if (previous) {
      this.count(previous.source, -1);
      const source = next.source;
      if (source !== undefined && previous.source !== source && this.members.has(source))
        push(this.forget, source, key);
    }
    // Prefixes arrive in runs sharing one export: skip the map lookup for a run.
    if (next === this.lastExport) this.lastKeys!.push(key);
    else {
      let keys = this.announce.get(next);
      if (!keys) this.announce.set(next, (keys = []));
      keys.push(key);
      this.lastExport = next;
      this.lastKeys = keys;
    }
    this.batchSize++;
  }

  /** What may be advertised for `key` under the ceiling: `next`, or nothing (held). */
  private admit(
    key: PrefixKey,
    next: RouteExport | undefined,
    ceiling: AdvertisementCeiling,
  ): RouteExport | undefined {
    const wasCounted = this.counted.has(key);
    if (next === undefined || !ceiling.counts(next.source)) {
      this.held.delete(key);
      if (wasCounted) {
        this.counted.delete(key);
        this.admitOneHeld();
      }
      return next;
    }
    if (wasCounted) return next;
    if (this.counted.size >= ceiling.limit) {
      this.held.add(key);
      return undefined;
    }
    this.held.delete(key);
    this.counted.add(key);
    return next;
  }

  /** A counted route left: the first held prefix is offered again. */
  private admitOneHeld(): void {
    for (const key of this.held) {
      this.held.delete(key);
      this.dirty.add(key);
      return;
    }
  }

  /** Examines up to `budget` dirty prefixes, then encodes the batch into the journal; returns the work done. */
  flush(budget: number, exportOf: ExportOf): number {
    let work = 0;
    for (const key of this.dirty) {
      if (work >= budget) break;
      work++;
      this.dirty.delete(key);
      this.offer(key, exportOf(key));
    }
    if (this.batchSize > 0) this.emit();
    return work;
  }

  /** Drops the chunks every member has read. */
  trim(): void {
    let oldest = this.end;
    for (const member of this.members.values()) oldest = Math.min(oldest, member.position);
    const read = oldest - this.base;
    if (read === this.journal.length) {
      this.journal.length = 0;
      this.base = oldest;
    } else if (read > 1024 && read * 2 > this.journal.length) {
      this.journal.splice(0, read);
      this.base = oldest;
    }
  }

  private count(source: PeerId | undefined, delta: number): void {
    if (source === undefined) return;
    if (source !== this.lastSource || !this.lastCount) {
      let count = this.bySource.get(source);
      if (!count) this.bySource.set(source, (count = { routes: 0 }));
      this.lastSource = source;
      this.lastCount = count;
    }
    this.lastCount.routes += delta;
  }

  private emit(): void {
    const b = this.builder;
    const addPath = this.policy.context.addPathSend;
    for (const [source, keys] of this.withdrawals) {
      writeWithdrawals(b, addPath, keys);
      this.append(source, undefined, 0, keys.length);
    }
    for (const [peer, keys] of this.forget) {
      writeWithdrawals(b, addPath, keys);
      this.append(undefined, peer, 0, keys.length);
    }
    // One chunk per run of announcements from one source: a chunk per attribute set would be a
    // journal entry (and a socket write per peer) per UPDATE when every set carries a few prefixes.
    let runSource: PeerId | undefined;
    let runAnnounced = 0;
    for (const [exported, keys] of this.announce) {
      if (runAnnounced > 0 && exported.source !== runSource) {
        this.append(runSource, undefined, runAnnounced, 0);
        runAnnounced = 0;
      }
      writeAnnouncements(b, addPath, exported.set, keys);
      runSource = exported.source;
      runAnnounced += keys.length;
    }
    if (runAnnounced > 0) this.append(runSource, undefined, runAnnounced, 0);
    this.announce = new Map();
    this.withdrawals = new Map();
    this.forget = new Map();
    this.lastExport = undefined;
    this.lastKeys = undefined;
    this.lastWithdrawn = undefined;
    this.lastWithdrawals = undefined;
    this.batchSize = 0;
  }

  private append(
    skip: PeerId | undefined,
    only: PeerId | undefined,
    announced: number,
    withdrawn: number,
  ): void {
    const messages = this.builder.messageCount;
    if (messages === 0) return;
    const bytes = this.builder.take();
    this.journal.push({ bytes, offset: this.written, messages, announced, withdrawn, skip, only });
    this.written += bytes.length;
  }
}
