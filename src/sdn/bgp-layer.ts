/**
 * The BGP layer a route server programs (route-domain.ts): prefix → next-hop
 * set id (hop-sets.ts) in an open-addressing table on typed arrays
 * (`PrefixIdMap`, src/lib/prefix-map.ts), with longest-prefix match by
 * probing the lengths that hold entries, longest first. No object per prefix:
 * a `BgpRoute` is made when a reader asks for one.
 *
 * Readers (effective-routes.ts, next-hop.ts, topology-diff.ts) see the
 * `PrefixLayer` shape that `LpmTrie` also has. `coveredBy` and `entries` do
 * not promise prefix order; their readers sort.
 */
import type { TrieEntry } from '../lib/lpm-trie.js';
import { PrefixIdMap } from '../lib/prefix-map.js';
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import { ipv4KeyOf, ipv4Mask, ipv6Prefix, prefixContains, prefixFromKey, prefixKey } from '../lib/prefix.js';
import type { BgpRoute } from './types.js';

/**
 * What a layer's ids name: next-hop sets (hop-sets.ts), or the states of a
 * route server's instances (instance-states.ts), each standing for the
 * union of its instances' sets. Every entry holds a reference to its id.
 */
export interface LayerIds {
  /** the next hops of `id` (not 0) */
  get(id: number): readonly string[];
  retain(id: number): void;
  release(id: number): void;
}

/** The length of an IPv4 key (address × 64 + length): not `key % 64`, a double remainder past 2^31 is a C call. */
function ipv4LengthOf(key: number): number {
  return key - Math.floor(key / 64) * 64;
}

/** What the readers of a route domain's layers ask of each (LpmTrie has this shape too). */
export interface PrefixLayer<V> {
  get(prefix: Prefix): V | undefined;
  has(prefix: Prefix): boolean;
  entries(): Iterable<TrieEntry<V>>;
  longestMatch(prefix: Prefix): TrieEntry<V> | undefined;
  longestMatchIpv4(address: number): TrieEntry<V> | undefined;
  /** every entry equal to or more specific than `prefix` */
  coveredBy(prefix: Prefix): Iterable<TrieEntry<V>>;
}

export class BgpLayer implements PrefixLayer<BgpRoute> {
  private readonly ids = new PrefixIdMap();
  /** entries per prefix length, IPv4 (0–32) and IPv6 (0–128) */
  private readonly v4Lengths = new Int32Array(33);
  private readonly v6Lengths = new Int32Array(129);
  /** the id `replace`'s step gave last */
  private replacedWith = 0;
  /** `PrefixIdMap.update`'s step of `replace`, made once: the table's -1 (absent) is the layer's 0 */
  private readonly replaced = (current: number, step: (before: number) => number): number => {
    const after = step(current < 0 ? 0 : current);
    this.replacedWith = after;
    return after === 0 ? -1 : after;
  };

  constructor(private readonly named: LayerIds) {}

  get size(): number {
    return this.ids.size;
  }

  /** The set id of `key`, 0 when absent. */
  idOf(key: PrefixKey): number {
    const id = this.ids.get(key);
    return id < 0 ? 0 : id;
  }

  /** Programs `key` with set `id` (0 removes it); keeps the sets' references. `before` saves a lookup. */
  setId(key: PrefixKey, id: number, before = this.idOf(key)): void {
    if (before === id) return;
    this.exchange(key, id);
  }

  /**
   * Programs `key` with set `id` (0 removes it) and returns the id it had
   * (0 when none), in one probe of the table; keeps the sets' references.
   */
  exchange(key: PrefixKey, id: number): number {
    const previous = id === 0 ? this.ids.take(key) : this.ids.swap(key, id);
    const before = previous < 0 ? 0 : previous;
    if (before === id) return before;
    this.count(key, before, id);
    return before;
  }

  /**
   * Programs `key` with the id `step(before)` gives for the id it has (0: none; an answer of 0
   * removes it) and returns that id before, in one probe of the table; keeps the ids' references.
   * `step` must not change the layer.
   */
  replace(key: PrefixKey, step: (before: number) => number): number {
    const previous = this.ids.update(key, this.replaced, step, undefined);
    const before = previous < 0 ? 0 : previous;
    if (before !== this.replacedWith) this.count(key, before, this.replacedWith);
    return before;
  }

  private count(key: PrefixKey, before: number, after: number): void {
    const lengths = typeof key === 'number' ? this.v4Lengths : this.v6Lengths;
    const length = typeof key === 'number' ? ipv4LengthOf(key) : Number(key.slice(key.indexOf('/') + 1));
    if (after === 0) lengths[length]!--;
    else if (before === 0) lengths[length]!++;
    this.named.retain(after);
    this.named.release(before);
  }

  /** Calls `fn` for every entry with its key and set id. */
  forEachId(fn: (id: number, key: PrefixKey) => void): void {
    this.ids.forEach(fn);
  }

  private route(prefix: Prefix, id: number): BgpRoute {
    return { prefix, nextHops: this.named.get(id) };
  }

  get(prefix: Prefix): BgpRoute | undefined {
    const id = this.ids.get(prefixKey(prefix));
    return id <= 0 ? undefined : this.route(prefix, id);
  }

  has(prefix: Prefix): boolean {
    return this.ids.has(prefixKey(prefix));
  }

  *entries(): Generator<TrieEntry<BgpRoute>> {
    for (const key of this.ids.keys()) {
      const prefix = prefixFromKey(key);
      yield { prefix, value: this.route(prefix, this.ids.get(key)) };
    }
  }

  longestMatchIpv4(address: number): TrieEntry<BgpRoute> | undefined {
    for (let length = 32; length >= 0; length--) {
      if (this.v4Lengths[length] === 0) continue;
      const network = (address & ipv4Mask(length)) >>> 0;
      const id = this.ids.get(ipv4KeyOf(network, length));
      if (id > 0) {
        const prefix: Prefix = { family: 4, address: network, length };
        return { prefix, value: this.route(prefix, id) };
      }
    }
    return undefined;
  }

  longestMatch(key: Prefix): TrieEntry<BgpRoute> | undefined {
    if (key.family === 4 && key.length === 32) return this.longestMatchIpv4(key.address);
    for (let length = key.length; length >= 0; length--) {
      const match = this.atLength(key, length);
      if (match) return match;
    }
    return undefined;
  }

  private atLength(key: Prefix, length: number): TrieEntry<BgpRoute> | undefined {
    const lengths = key.family === 4 ? this.v4Lengths : this.v6Lengths;
    if (lengths[length] === 0) return undefined;
    const prefix: Prefix =
      key.family === 4
        ? { family: 4, address: (key.address & ipv4Mask(length)) >>> 0, length }
        : ipv6Prefix(key.address, length);
    const id = this.ids.get(prefixKey(prefix));
    return id > 0 ? { prefix, value: this.route(prefix, id) } : undefined;
  }

  /**
   * Every entry equal to or more specific than `key`: by enumerating the
   * candidates of each longer IPv4 length while they are fewer than the
   * entries, else by one pass over the table.
   */
  *coveredBy(key: Prefix): Generator<TrieEntry<BgpRoute>> {
    if (key.family === 4 && this.candidatesWithin(key) < this.ids.size) {
      for (let length = key.length; length <= 32; length++) {
        if (this.v4Lengths[length] === 0) continue;
        const step = 2 ** (32 - length);
        const end = key.address + 2 ** (32 - key.length);
        for (let address = key.address; address < end; address += step) {
          const id = this.ids.get(ipv4KeyOf(address, length));
          if (id > 0) {
            const prefix: Prefix = { family: 4, address, length };
            yield { prefix, value: this.route(prefix, id) };
          }
        }
      }
      return;
    }
    for (const entry of this.entries()) if (prefixContains(key, entry.prefix)) yield entry;
  }

  /** How many IPv4 keys `coveredBy` would probe for `key`. */
  private candidatesWithin(key: Prefix): number {
    let candidates = 0;
    for (let length = key.length; length <= 32; length++)
      if (this.v4Lengths[length] !== 0) candidates += 2 ** (length - key.length);
    return candidates;
  }
}
