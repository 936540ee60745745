/**
 * The routes an instance injects into the virtual network, shared between
 * processes through the live state (live-encoding.ts `i` and `j` keys).
 *
 * The publishing process writes what changed since its last write as a delta
 * (a `j` key: each changed prefix with its next hops, or withdrawn), so a
 * change costs its own size whatever the table's, and the last change of a
 * full table reaches the other processes in one small write. When the deltas
 * written since the last compaction outgrow twice the table (or
 * COMPACT_MIN_BYTES), a compaction writes every shard they touched in full
 * (`i` keys) and then deletes them.
 *
 * A receiving process applies every key in the order etcd gives them
 * (revision order; a snapshot in key order: shards, then deltas in
 * sequence), remembering which key last set each prefix:
 * - a delta sets or withdraws its prefixes;
 * - a shard replaces every route of its shard;
 * - a deleted delta or shard withdraws the prefixes it was the last to set.
 *   A compaction rewrote their shards first, so nothing is withdrawn then;
 *   when the publisher's lease expires every key goes, and with them every
 *   route.
 */
import { prefixKey, type Prefix, type PrefixKey } from '../lib/prefix.js';
import type { InstanceId } from '../rib/ports.js';
import type { InjectedRoutes, VnetRouteChange } from '../runtime/index.js';
import type { LiveEntry } from '../store/index.js';
import {
  decodeInjected,
  encodeInjected,
  INJECTED_SHARDS,
  liveKey,
  shardOf,
  type LiveInjectedRoute,
} from './live-encoding.js';

/** Routes per delta key: about 400 KiB, below etcd's 1.5 MiB request limit with room for others. */
const ROUTES_PER_DELTA = 65_536;
/** Deltas are compacted once they hold more than this and more than twice the table. */
const COMPACT_MIN_BYTES = 256 * 1024;
/** An estimate of a route's encoded size in a shard (a /32 and its set's number). */
const ROUTE_BYTES = 7;

interface Injected {
  readonly prefix: Prefix;
  readonly nextHops: readonly string[];
}

/** What one local instance of a route server injects, and what of it is not yet written. */
export class InjectedPublisher {
  private readonly shards = Array.from({ length: INJECTED_SHARDS }, () => new Map<PrefixKey, Injected>());
  private size = 0;
  /** changed since the last write: the last change of each prefix */
  private readonly pending = new Map<PrefixKey, LiveInjectedRoute>();
  /** shards changed since the last compaction */
  private readonly touched = new Set<number>();
  /** delta keys written since the last compaction, and their bytes */
  private deltas: string[] = [];
  private deltaBytes = 0;
  private sequence = 0;

  /**
   * @param epoch orders this publisher's deltas after those of an earlier
   *   process of the same instance whose lease has not expired yet
   */
  constructor(
    private readonly routeServer: string,
    private readonly instance: InstanceId,
    private readonly epoch: string,
  ) {}

  apply(routes: InjectedRoutes): void {
    if (routes.withdrawAll === true)
      for (const shard of this.shards) for (const { prefix } of shard.values()) this.change(prefix, null);
    for (const { prefix, route } of routes.changes) this.change(prefix, route?.nextHops ?? null);
  }

  private change(prefix: Prefix, nextHops: readonly string[] | null): void {
    const key = prefixKey(prefix);
    const number = shardOf(prefix);
    const shard = this.shards[number]!;
    const before = shard.size;
    if (nextHops === null) shard.delete(key);
    else shard.set(key, { prefix, nextHops });
    this.size += shard.size - before;
    this.pending.set(key, { prefix, nextHops });
    this.touched.add(number);
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** The entries that write what changed: deltas, or a compaction. */
  flush(): LiveEntry[] {
    if (this.pending.size === 0) return [];
    const tableBytes = this.size * ROUTE_BYTES;
    if (this.deltaBytes + this.pending.size * ROUTE_BYTES > Math.max(COMPACT_MIN_BYTES, 2 * tableBytes))
      return this.compaction();
    const changes = [...this.pending.values()];
    this.pending.clear();
    const entries: LiveEntry[] = [];
    for (let start = 0; start < changes.length; start += ROUTES_PER_DELTA) {
      const value = encodeInjected(changes.slice(start, start + ROUTES_PER_DELTA));
      // fixed width: key order is sequence order
      const sequence = (++this.sequence).toString(16).padStart(12, '0');
      const key = liveKey('j', this.routeServer, this.instance, this.epoch, sequence);
      this.deltas.push(key);
      this.deltaBytes += value.length;
      entries.push({ key, value });
    }
    return entries;
  }

  /** Every touched shard in full (deleted when empty), then the deltas deleted. */
  private compaction(): LiveEntry[] {
    const entries: LiveEntry[] = [];
    for (const number of this.touched) {
      const shard = this.shards[number]!;
      const key = liveKey('i', this.routeServer, this.instance, String(number));
      entries.push({ key, value: shard.size === 0 ? undefined : encodeInjected(shard.values()) });
    }
    for (const key of this.deltas) entries.push({ key, value: undefined });
    this.touched.clear();
    this.pending.clear();
    this.deltas = [];
    this.deltaBytes = 0;
    return entries;
  }
}

interface Received {
  readonly prefix: Prefix;
  readonly nextHops: readonly string[];
  /** the key that last set it */
  readonly source: string;
}

/** What another process's instance of a route server injects, as its keys say. */
export class RemoteInjected {
  private readonly shards = Array.from({ length: INJECTED_SHARDS }, () => new Map<PrefixKey, Received>());
  /** each delta's prefixes, to withdraw those it still sets when it is deleted */
  private readonly deltas = new Map<string, Prefix[]>();
  /** next-hop sets, one array per distinct set: unchanged routes compare by reference */
  private readonly sets = new Map<string, readonly string[]>();

  get empty(): boolean {
    return this.deltas.size === 0 && this.shards.every((shard) => shard.size === 0);
  }

  /** Applies a delta (`j`) or shard (`i`) key; `changes` receives what changed in the model's terms. */
  applyDelta(key: string, value: Buffer | undefined, changes: VnetRouteChange[]): void {
    if (value === undefined) {
      for (const prefix of this.deltas.get(key) ?? [])
        this.withdrawIfFrom(this.shards[shardOf(prefix)]!, prefixKey(prefix), key, changes);
      this.deltas.delete(key);
      return;
    }
    const prefixes: Prefix[] = [];
    decodeInjected(value, ({ prefix, nextHops }) => {
      const prefixId = prefixKey(prefix);
      prefixes.push(prefix);
      const shard = this.shards[shardOf(prefix)]!;
      if (nextHops === null) {
        if (shard.delete(prefixId)) changes.push({ prefix, route: null });
      } else this.set(shard, prefixId, prefix, nextHops, key, changes);
    });
    this.deltas.set(key, prefixes);
  }

  applyShard(key: string, number: number, value: Buffer | undefined, changes: VnetRouteChange[]): void {
    const shard = this.shards[number];
    if (shard === undefined) return;
    if (value === undefined) {
      for (const prefixId of [...shard.keys()]) this.withdrawIfFrom(shard, prefixId, key, changes);
      return;
    }
    const present = new Set<PrefixKey>();
    decodeInjected(value, ({ prefix, nextHops }) => {
      if (nextHops === null) return;
      const prefixId = prefixKey(prefix);
      present.add(prefixId);
      this.set(shard, prefixId, prefix, nextHops, key, changes);
    });
    for (const [prefixId, { prefix }] of shard)
      if (!present.has(prefixId)) {
        shard.delete(prefixId);
        changes.push({ prefix, route: null });
      }
  }

  /** Every route, as changes that add it (for a model that starts following the instance). */
  routes(): VnetRouteChange[] {
    const changes: VnetRouteChange[] = [];
    for (const shard of this.shards)
      for (const { prefix, nextHops } of shard.values()) changes.push({ prefix, route: { nextHops } });
    return changes;
  }

  private set(
    shard: Map<PrefixKey, Received>,
    prefixId: PrefixKey,
    prefix: Prefix,
    nextHops: readonly string[],
    source: string,
    changes: VnetRouteChange[],
  ): void {
    const text = nextHops.join(',');
    let set = this.sets.get(text);
    if (set === undefined) this.sets.set(text, (set = nextHops));
    const before = shard.get(prefixId);
    shard.set(prefixId, { prefix, nextHops: set, source });
    if (before?.nextHops !== set) changes.push({ prefix, route: { nextHops: set } });
  }

  private withdrawIfFrom(
    shard: Map<PrefixKey, Received>,
    prefixId: PrefixKey,
    key: string,
    changes: VnetRouteChange[],
  ): void {
    const received = shard.get(prefixId);
    if (received?.source !== key) return;
    shard.delete(prefixId);
    changes.push({ prefix: received.prefix, route: null });
  }
}
