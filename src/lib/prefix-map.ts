/**
 * Maps and sets keyed by `PrefixKey` (src/lib/prefix.ts) that stay fast and
 * small with millions of IPv4 prefixes.
 *
 * An IPv4 prefix key (address * 64 + length) needs 38 bits, so as a Map key
 * it would be a heap-allocated double, hashed and compared as one. Here each
 * prefix length has its own Map keyed by the address as a signed 32-bit
 * integer (`address | 0`), which V8 stores inline (a small integer): no
 * allocation per key and integer hashing. IPv6 keys (strings) use one Map.
 *
 * Iteration goes length by length (then IPv6); within a length in insertion
 * order. Entries may be deleted while iterating. An iterator may miss entries
 * added to a length it has already passed.
 */
import type { PrefixKey } from './prefix.js';

/**
 * The prefix length of an IPv4 key. Not `key % 64`: a key past 2^31 is a
 * double, and V8 computes a double remainder with a C call (about eight
 * times the cost of this division by a power of two, which is exact).
 */
function lengthOf(key: number): number {
  return key - Math.floor(key / 64) * 64;
}

function addressOf(key: number, length: number): number {
  return ((key - length) / 64) | 0;
}

function keyOf(address: number, length: number): number {
  return (address >>> 0) * 64 + length;
}

export class PrefixMap<V> {
  private readonly v4: (Map<number, V> | undefined)[] = new Array<Map<number, V> | undefined>(33).fill(
    undefined,
  );
  private v6: Map<string, V> | undefined;

  get size(): number {
    let size = this.v6?.size ?? 0;
    for (const table of this.v4) if (table) size += table.size;
    return size;
  }

  get(key: PrefixKey): V | undefined {
    if (typeof key === 'string') return this.v6?.get(key);
    const length = lengthOf(key);
    return this.v4[length]?.get(addressOf(key, length));
  }

  has(key: PrefixKey): boolean {
    if (typeof key === 'string') return this.v6?.has(key) ?? false;
    const length = lengthOf(key);
    return this.v4[length]?.has(addressOf(key, length)) ?? false;
  }

  set(key: PrefixKey, value: V): void {
    if (typeof key === 'string') {
      (this.v6 ??= new Map()).set(key, value);
      return;
    }
    const length = lengthOf(key);
    let table = this.v4[length];
    if (!table) this.v4[length] = table = new Map();
    table.set(addressOf(key, length), value);
  }

  delete(key: PrefixKey): boolean {
    if (typeof key === 'string') return this.v6?.delete(key) ?? false;
    const length = lengthOf(key);
    return this.v4[length]?.delete(addressOf(key, length)) ?? false;
  }

  clear(): void {
    this.v4.fill(undefined);
    this.v6 = undefined;
  }

  /** Calls `fn` for every entry, without allocating an entry tuple each. */
  forEach(fn: (value: V, key: PrefixKey) => void): void {
    for (let length = 0; length <= 32; length++) {
      const table = this.v4[length];
      if (table) table.forEach((value, address) => fn(value, keyOf(address, length)));
    }
    this.v6?.forEach(fn);
  }

  *entries(): IterableIterator<[PrefixKey, V]> {
    for (let length = 0; length <= 32; length++) {
      const table = this.v4[length];
      if (table) for (const [address, value] of table) yield [keyOf(address, length), value];
    }
    if (this.v6) yield* this.v6.entries();
  }

  *keys(): IterableIterator<PrefixKey> {
    for (let length = 0; length <= 32; length++) {
      const table = this.v4[length];
      if (table) for (const address of table.keys()) yield keyOf(address, length);
    }
    if (this.v6) yield* this.v6.keys();
  }

  [Symbol.iterator](): IterableIterator<[PrefixKey, V]> {
    return this.entries();
  }
}

export class PrefixSet {
  private readonly v4: (Set<number> | undefined)[] = new Array<Set<number> | undefined>(33).fill(undefined);
  private v6: Set<string> | undefined;
  /** kept on every change: the route engine asks for it once per prefix */
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(key: PrefixKey): boolean {
    if (typeof key === 'string') return this.v6?.has(key) ?? false;
    const length = lengthOf(key);
    return this.v4[length]?.has(addressOf(key, length)) ?? false;
  }

  add(key: PrefixKey): void {
    let set: Set<number> | Set<string>;
    let member: number | string;
    if (typeof key === 'string') {
      set = this.v6 ??= new Set();
      member = key;
    } else {
      const length = lengthOf(key);
      set = this.v4[length] ??= new Set();
      member = addressOf(key, length);
    }
    const before = set.size;
    (set as Set<number | string>).add(member);
    this.count += set.size - before;
  }

  delete(key: PrefixKey): boolean {
    let deleted: boolean;
    if (typeof key === 'string') deleted = this.v6?.delete(key) ?? false;
    else {
      const length = lengthOf(key);
      deleted = this.v4[length]?.delete(addressOf(key, length)) ?? false;
    }
    if (deleted) this.count--;
    return deleted;
  }

  *[Symbol.iterator](): IterableIterator<PrefixKey> {
    for (let length = 0; length <= 32; length++) {
      const set = this.v4[length];
      if (set) for (const address of set) yield keyOf(address, length);
    }
    if (this.v6) yield* this.v6;
  }
}
