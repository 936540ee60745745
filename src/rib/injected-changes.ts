/**
 * The `InjectedRouteBatch` the route engine hands the virtual network
 * (src/rib/ports.ts): the changes of one slice as parallel typed arrays, a
 * prefix key and a next-hop-set id each, and the batch's next-hop sets once.
 *
 * An IPv4 key (address × 64 + length, below 2^38) is exact in a Float64Array;
 * an IPv6 key (text) sits in a side list and its slot holds -(index + 1).
 * Sets are interned per batch by their text (the address itself for a
 * single next hop), and consecutive changes with the same array skip even
 * that lookup: the prefixes of one attribute set share one array.
 */
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import { prefixKey } from '../lib/prefix.js';
import type { InjectedRouteBatch } from './ports.js';

const INITIAL_CAPACITY = 64;

export class InjectedChanges implements InjectedRouteBatch {
  private keys = new Float64Array(INITIAL_CAPACITY);
  private ids = new Uint32Array(INITIAL_CAPACITY);
  private count = 0;
  private v6Keys: string[] | undefined;
  private readonly sets: (readonly string[])[] = [];
  private readonly setIds = new Map<string, number>();
  private lastHops: readonly string[] | undefined;
  private lastId = 0;

  /** A batch of the given changes (plain objects, e.g. decoded from another thread). */
  static of(
    changes: readonly {
      readonly prefix: Prefix;
      readonly route: { readonly nextHops: readonly string[] } | null;
    }[],
  ): InjectedChanges {
    const batch = new InjectedChanges();
    for (const change of changes) batch.add(prefixKey(change.prefix), change.route?.nextHops);
    return batch;
  }

  get size(): number {
    return this.count;
  }

  /** Distinct next-hop sets in the batch. */
  get hopSetCount(): number {
    return this.sets.length;
  }

  /** Appends a change: `nextHops` (distinct, ascending, at least one) or undefined for a withdrawal. */
  add(key: PrefixKey, nextHops: readonly string[] | undefined): void {
    if (this.count === this.keys.length) this.grow();
    const index = this.count++;
    if (typeof key === 'number') this.keys[index] = key;
    else this.keys[index] = -(this.v6Keys ??= []).push(key);
    this.ids[index] = nextHops === undefined ? 0 : this.idOf(nextHops);
  }

  keyAt(index: number): PrefixKey {
    const key = this.keys[index]!;
    return key >= 0 ? key : this.v6Keys![-key - 1]!;
  }

  hopSetAt(index: number): number {
    return this.ids[index]!;
  }

  hopSet(id: number): readonly string[] {
    return this.sets[id - 1]!;
  }

  private idOf(nextHops: readonly string[]): number {
    if (nextHops === this.lastHops) return this.lastId;
    const text = nextHops.length === 1 ? nextHops[0]! : nextHops.join(',');
    let id = this.setIds.get(text);
    if (id === undefined) {
      id = this.sets.push(nextHops);
      this.setIds.set(text, id);
    }
    this.lastHops = nextHops;
    this.lastId = id;
    return id;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    this.keys = keys;
    const ids = new Uint32Array(this.ids.length * 2);
    ids.set(this.ids);
    this.ids = ids;
  }
}
