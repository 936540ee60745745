/**
 * Maps and sets keyed by `PrefixKey` (src/lib/prefix.ts) that stay fast and
 * small with millions of IPv4 prefixes.
 *
 * A PrefixMap keeps its IPv4 entries in one open-addressing hash table on
 * typed arrays (`Ipv4Table`): per slot one double naming the prefix (8 bytes,
 * outside the JS heap), and the value in a parallel array.
 * No object per entry, nothing for the garbage collector to trace but the
 * values. Linear probing without wrap-around, entries kept sorted by
 * (hash, length) ("ordered hash table": Amble and Knuth, "Ordered
 * hash tables", The Computer Journal 17(2), 1974), and deletion by backward
 * shift: no tombstones, so withdrawing a full table and announcing it again
 * leaves the table as it was. The table doubles above 5/8 load and keeps
 * its size when entries are deleted, down to none (hysteresis: a withdraw-all
 * followed by the re-announcement of the same table, a session reset, would
 * otherwise halve the table step by step and double it again step by step,
 * allocating every size twice while the old arrays wait for the collector);
 * `clear` keeps up to CLEAR_KEEP_BITS of home slots (the route engine clears
 * its per-slice change map every slice) and drops larger tables to the
 * smallest size. IPv6 keys (strings) use one Map.
 * PrefixIdMap is the same table with its integer values in the slots' words.
 * PrefixSet keeps insertion order instead (see there).
 *
 * Iteration: IPv4 entries in hash order (not insertion order; each table
 * has its own hash, the same on every run, see `Ipv4Table.seed`), then IPv6
 * entries in insertion order. The table may change while an iterator is alive (the route engine
 * walks tables in slices between which routes come and go): an iterator
 * resumes after the last entry it returned in that order, so
 * - every entry present from the iterator's creation to its end, and not
 *   deleted, is visited exactly once, whatever is added or deleted meanwhile
 *   (the table may grow, and deletions shift entries back);
 * - an entry deleted before the iterator reaches it is not visited;
 * - an entry added during the iteration may or may not be visited.
 *
 * The seeds are not secret, as V8's own hash of small-integer Map keys has
 * none: a peer that chooses prefixes to collide can lengthen probe runs, as
 * it could lengthen the buckets of a `Map`. A run that reaches the end of the array
 * widens the overflow area instead of doubling the table, so colliding keys
 * cannot make it allocate without bound.
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

/** The address of an IPv4 key as a signed 32-bit integer (a small integer to V8). */
function addressOf(key: number, length: number): number {
  return ((key - length) / 64) | 0;
}

function keyOf(address: number, length: number): number {
  return (address >>> 0) * 64 + length;
}

/** Mixed into the address per length, so that the hash is a bijection of the address for each length. */
function lengthSalt(length: number): number {
  return Math.imul(length + 1, 0x9e3779b9);
}

/**
 * murmur3's 32-bit finaliser over the address, the length and the table's seed mixed in first: a
 * bijection of the address per length and seed.
 */
function hashOf(address: number, length: number, seed: number): number {
  let h = address ^ lengthSalt(length) ^ seed;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The address whose hash with `length` and `seed` is `hash` (the finaliser's steps undone, multipliers by their inverses mod 2^32). */
function addressOfHash(hash: number, length: number, seed: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x7ed1b41d);
  h ^= (h >>> 13) ^ (h >>> 26);
  h = Math.imul(h, 0xa5cb9243);
  h ^= h >>> 16;
  return h ^ lengthSalt(length) ^ seed;
}

/** The seed of the next table created (see `Ipv4Table.seed`). */
let nextSeed = 0;

/**
 * `keys[slot]` of a free slot: above every entry's slot key, so a probe
 * that looks for the first slot key at or above its own stops at a free
 * slot with the same comparison.
 */
const FREE = Infinity;
/**
 * A slot holds its slot key × VALUE_SPAN plus a small value: a PrefixIdMap's
 * id, when below VALUE_ESCAPE, sits in the same word as its key (one read,
 * one cache line per probe; exact: 38 + 15 bits fit a double's 53). Larger
 * ids are kept beside the table (`Ipv4Table.large`). PrefixMap's words
 * leave the value bits 0.
 */
const VALUE_SPAN = 32768;
const VALUE_ESCAPE = VALUE_SPAN - 1;
/** A slot word divided by this is the 32-bit hash (before truncation): slot key × VALUE_SPAN = hash × 2^21 + … */
const HASH_SPAN = 64 * VALUE_SPAN;
const MIN_BITS = 4;
/** Slots past the last home slot, for the runs that start near the end (no wrap-around). */
const MIN_OVERFLOW = 32;
/** `clear` keeps a table of up to 2^CLEAR_KEEP_BITS home slots (refilling it costs no allocation). */
const CLEAR_KEEP_BITS = 16;

/** Where an iterator stands: the last entry it returned, and the slot after it while nothing has moved. */
class Cursor {
  slot = 0;
  /** `Ipv4Table.moves` when `slot` was taken; another value means entries moved since. */
  moves = -1;
  /** the slot word, value bits 0, of the last entry returned; -1 before the first */
  key = -1;
}

/**
 * The IPv4 part of PrefixMap: an ordered linear-probing table (see the top
 * of the file). A slot holds one number, the "slot key" hash × 64 + length
 * (exact in a double: at most 2^38): the hash is a bijection of the address
 * for each length, so the slot key names the prefix (the address is
 * recovered from it, `keyAt`), one comparison orders entries by (hash,
 * length), and a probe reads one array (8 bytes a slot) besides the value.
 */
class Ipv4Table {
  size = 0;
  /** Counts every change that moved entries between slots or replaced the arrays (iterators re-seek). */
  moves = 0;
  private bits = MIN_BITS;
  private shift = 32 - MIN_BITS;
  private overflow = MIN_OVERFLOW;
  /**
   * No entry sits below this slot. Iterations start here: a set emptied from the front while being
   * filled (the export queue) would otherwise have each new iteration scan the freed slots.
   */
  private low = 0;
  private keys = new Float64Array(0);
  values: unknown[] | undefined;
  /** `PrefixIdMap` values of VALUE_ESCAPE and more, by slot word (value bits 0) */
  private large: Map<number, number> | undefined;
  /**
   * Mixed into the hash: each table has its own (the next of a fixed sequence, so a process that
   * creates its tables in the same order iterates them in the same order on every run). With one
   * hash for all, copying a table into another in iteration order would insert the keys in the
   * order of their home slots there too: while the new table grows, every key so far hashes into
   * its first slots, one run that each insert scans to its end (a million prefixes handed from
   * one table to the next took 40 µs each instead of 0.3).
   */
  private readonly seed: number;

  constructor(private readonly valueKind: 'objects' | 'ints') {
    this.seed = nextSeed;
    nextSeed = (nextSeed + 0x9e3779b9) | 0;
    this.allocate(MIN_BITS, MIN_OVERFLOW);
  }

  /** The slot of an entry, or -1. */
  find(address: number, length: number): number {
    const h = hashOf(address, length, this.seed);
    const wanted = (h * 64 + length) * VALUE_SPAN;
    const keys = this.keys;
    for (let i = h >>> this.shift; ; i++) {
      const other = keys[i]!;
      if (other >= wanted) return other - wanted < VALUE_SPAN ? i : -1;
    }
  }

  /** The slot of the entry, inserted (with an undefined value, or 0) when it was not there; `size` tells which. */
  insert(address: number, length: number): number {
    const h = hashOf(address, length, this.seed);
    const wanted = (h * 64 + length) * VALUE_SPAN;
    const keys = this.keys;
    let i = h >>> this.shift;
    let other = keys[i]!;
    while (other < wanted) other = keys[++i]!;
    if (other - wanted < VALUE_SPAN) return i;
    let free = i;
    while (other !== FREE) other = keys[++free]!;
    if (free === keys.length - 1 || (this.size + 1) * 8 > (1 << this.bits) * 5) {
      // the last slot stays free so every scan ends; a full table doubles, a long run widens the overflow
      if ((this.size + 1) * 8 > (1 << this.bits) * 5) this.rebuild(this.bits + 1, this.overflow);
      else this.rebuild(this.bits, this.overflow * 2);
      return this.insert(address, length);
    }
    if (free > i) {
      // runs are short (a few slots at this load): a loop costs less than copyWithin's calls
      for (let j = free; j > i; j--) keys[j] = keys[j - 1]!;
      const values = this.values;
      if (values) for (let j = free; j > i; j--) values[j] = values[j - 1];
      this.moves++;
    }
    keys[i] = wanted;
    if (i < this.low) this.low = i;
    if (this.values) this.values[i] = undefined;
    this.size++;
    return i;
  }

  /** Removes the entry in `slot`; the entries after it that are not in their home slot move back one. */
  removeAt(slot: number): void {
    const { keys, values, shift } = this;
    let j = slot + 1;
    if (this.large && keys[slot]! - this.wordKey(slot) === VALUE_ESCAPE)
      this.large.delete(this.wordKey(slot));
    for (let other = keys[j]!; other !== FREE && (other / HASH_SPAN) >>> shift < j; other = keys[++j]!);
    if (j > slot + 1) {
      for (let k = slot; k < j - 1; k++) keys[k] = keys[k + 1]!;
      if (values) for (let k = slot; k < j - 1; k++) values[k] = values[k + 1];
      this.moves++;
    }
    keys[j - 1] = FREE;
    if (values) values[j - 1] = undefined;
    this.size--;
  }

  clear(): void {
    if (this.size === 0) return;
    this.size = 0;
    if (this.bits > CLEAR_KEEP_BITS) {
      this.allocate(MIN_BITS, MIN_OVERFLOW);
      return;
    }
    this.keys.fill(FREE);
    this.values?.fill(undefined);
    this.large = undefined;
    this.low = 0;
    this.moves++;
  }

  /**
   * The slot of the entry after the cursor's (the first when it has none), or -1 at the end; moves the
   * cursor there.
   */
  next(cursor: Cursor): number {
    const keys = this.keys;
    let i = cursor.slot;
    const first = cursor.key < 0;
    if (cursor.moves !== this.moves && !first) {
      // entries moved since: seek the first entry past the cursor's in slot-key order
      const after = cursor.key + VALUE_SPAN;
      for (i = (cursor.key / HASH_SPAN) >>> this.shift; keys[i]! < after; i++);
    }
    const end = keys.length;
    if (first && i < this.low) i = this.low;
    while (i < end && keys[i] === FREE) i++;
    if (first) this.low = i;
    if (i === end) {
      cursor.slot = end;
      cursor.moves = this.moves;
      return -1;
    }
    cursor.slot = i + 1;
    cursor.moves = this.moves;
    cursor.key = this.wordKey(i);
    return i;
  }

  get slots(): number {
    return this.keys.length;
  }

  /** How far the farthest entry sits past its home slot (the longest probe a lookup of it takes). */
  get longestProbe(): number {
    let longest = 0;
    for (let i = 0; i < this.keys.length; i++) {
      const word = this.keys[i]!;
      if (word !== FREE) longest = Math.max(longest, i - ((word / HASH_SPAN) >>> this.shift));
    }
    return longest;
  }

  keyAt(slot: number): number {
    const slotKey = this.wordKey(slot) / VALUE_SPAN;
    const hash = Math.floor(slotKey / 64);
    const length = slotKey - hash * 64;
    return keyOf(addressOfHash(hash, length, this.seed), length);
  }

  /** The word of `slot` with its value bits 0. */
  private wordKey(slot: number): number {
    const word = this.keys[slot]!;
    return Math.floor(word / VALUE_SPAN) * VALUE_SPAN;
  }

  /** The integer value of the entry in `slot` (PrefixIdMap). */
  intAt(slot: number): number {
    const word = this.keys[slot]!;
    const key = Math.floor(word / VALUE_SPAN) * VALUE_SPAN;
    const small = word - key;
    return small === VALUE_ESCAPE ? this.large!.get(key)! : small;
  }

  /** Sets the integer value (0 to 2^31 - 1) of the entry in `slot` (PrefixIdMap). */
  setIntAt(slot: number, value: number): void {
    const keys = this.keys;
    const key = Math.floor(keys[slot]! / VALUE_SPAN) * VALUE_SPAN;
    if (value >= VALUE_ESCAPE) {
      (this.large ??= new Map()).set(key, value);
      keys[slot] = key + VALUE_ESCAPE;
      return;
    }
    if (keys[slot]! - key === VALUE_ESCAPE) this.large!.delete(key);
    keys[slot] = key + value;
  }

  private allocate(bits: number, overflow: number): void {
    const slots = (1 << bits) + overflow;
    this.bits = bits;
    this.shift = 32 - bits;
    this.overflow = overflow;
    this.low = 0;
    this.keys = new Float64Array(slots).fill(FREE);
    this.values = this.valueKind === 'objects' ? new Array<unknown>(slots) : undefined;
    if (this.size === 0) this.large = undefined;
    this.moves++;
  }

  /** Re-places every entry, in order, in a table of 2^bits home slots (the overflow widened when a run needs it). */
  private rebuild(bits: number, overflow: number): void {
    const { keys, values } = this;
    for (;;) {
      this.allocate(bits, overflow);
      const into = this.keys;
      const last = into.length - 1;
      const shift = this.shift;
      let to = -1;
      for (let from = 0; from < keys.length && to < last; from++) {
        const word = keys[from]!;
        if (word === FREE) continue;
        to = Math.max(to + 1, (word / HASH_SPAN) >>> shift);
        into[to] = word;
        if (values) this.values![to] = values[from];
      }
      if (to < last) return;
      overflow *= 2;
    }
  }
}

export class PrefixMap<V> {
  private readonly v4 = new Ipv4Table('objects');
  private v6: Map<string, V> | undefined;

  get size(): number {
    return this.v4.size + (this.v6?.size ?? 0);
  }

  /** Slots allocated for IPv4 entries (memory: 16 bytes each), for tests and benchmarks. */
  get ipv4Slots(): number {
    return this.v4.slots;
  }

  /** The longest probe an IPv4 lookup takes (slots past the key's home slot), for tests and benchmarks. */
  get ipv4LongestProbe(): number {
    return this.v4.longestProbe;
  }

  get(key: PrefixKey): V | undefined {
    if (typeof key === 'string') return this.v6?.get(key);
    const length = lengthOf(key);
    const slot = this.v4.find(addressOf(key, length), length);
    return slot < 0 ? undefined : (this.v4.values![slot] as V);
  }

  has(key: PrefixKey): boolean {
    if (typeof key === 'string') return this.v6?.has(key) ?? false;
    const length = lengthOf(key);
    return this.v4.find(addressOf(key, length), length) >= 0;
  }

  set(key: PrefixKey, value: V): void {
    if (typeof key === 'string') {
      (this.v6 ??= new Map()).set(key, value);
      return;
    }
    const length = lengthOf(key);
    const slot = this.v4.insert(addressOf(key, length), length);
    this.v4.values![slot] = value;
  }

  /** Stores `value` under `key` and returns the value it replaced (undefined when new): one probe for both. */
  swap(key: PrefixKey, value: V): V | undefined {
    if (typeof key === 'string') {
      const v6 = (this.v6 ??= new Map<string, V>());
      const previous = v6.get(key);
      v6.set(key, value);
      return previous;
    }
    const length = lengthOf(key);
    const slot = this.v4.insert(addressOf(key, length), length);
    const values = this.v4.values!;
    const previous = values[slot] as V | undefined;
    values[slot] = value;
    return previous;
  }

  /** Stores `value` under `key` unless the key holds a value already; true when stored. One probe. */
  setIfAbsent(key: PrefixKey, value: V): boolean {
    if (typeof key === 'string') {
      const v6 = (this.v6 ??= new Map<string, V>());
      if (v6.get(key) !== undefined) return false;
      v6.set(key, value);
      return true;
    }
    const length = lengthOf(key);
    const slot = this.v4.insert(addressOf(key, length), length);
    const values = this.v4.values!;
    if (values[slot] !== undefined) return false;
    values[slot] = value;
    return true;
  }

  delete(key: PrefixKey): boolean {
    if (typeof key === 'string') return this.v6?.delete(key) ?? false;
    const length = lengthOf(key);
    const slot = this.v4.find(addressOf(key, length), length);
    if (slot < 0) return false;
    this.v4.removeAt(slot);
    return true;
  }

  /**
   * Replaces the value of `key` by `next(current, a, b)` — the key is deleted when that is undefined —
   * and returns the value it had: one probe for the read and the write. `next` must not change the
   * map; it gets its inputs as arguments so that a caller need not allocate a closure per call.
   */
  update<A, B>(
    key: PrefixKey,
    next: (current: V | undefined, a: A, b: B) => V | undefined,
    a: A,
    b: B,
  ): V | undefined {
    if (typeof key === 'string') {
      const v6 = (this.v6 ??= new Map<string, V>());
      const current = v6.get(key);
      const value = next(current, a, b);
      if (value === undefined) v6.delete(key);
      else v6.set(key, value);
      return current;
    }
    const length = lengthOf(key);
    const slot = this.v4.insert(addressOf(key, length), length);
    const values = this.v4.values!;
    const current = values[slot] as V | undefined;
    const value = next(current, a, b);
    if (value === undefined) this.v4.removeAt(slot);
    else values[slot] = value;
    return current;
  }

  clear(): void {
    this.v4.clear();
    this.v6 = undefined;
  }

  /** Calls `fn` for every entry, without allocating an entry tuple each; `fn` may change the map. */
  forEach(fn: (value: V, key: PrefixKey) => void): void {
    const cursor = new Cursor();
    for (let slot = this.v4.next(cursor); slot >= 0; slot = this.v4.next(cursor)) {
      fn(this.v4.values![slot] as V, this.v4.keyAt(slot));
    }
    this.v6?.forEach(fn);
  }

  *entries(): IterableIterator<[PrefixKey, V]> {
    const cursor = new Cursor();
    for (let slot = this.v4.next(cursor); slot >= 0; slot = this.v4.next(cursor)) {
      yield [this.v4.keyAt(slot), this.v4.values![slot] as V];
    }
    if (this.v6) yield* this.v6.entries();
  }

  *keys(): IterableIterator<PrefixKey> {
    const cursor = new Cursor();
    for (let slot = this.v4.next(cursor); slot >= 0; slot = this.v4.next(cursor)) yield this.v4.keyAt(slot);
    if (this.v6) yield* this.v6.keys();
  }

  [Symbol.iterator](): IterableIterator<[PrefixKey, V]> {
    return this.entries();
  }
}

/**
 * A PrefixMap whose values are non-negative 32-bit integers (ids). An IPv4 id below 32,767 is kept
 * in its key's slot word (8 bytes a slot, one read per probe), a larger one in a Map beside the
 * table; nothing on the JS heap per entry. `get` answers -1 for a key not there. Same iteration
 * rules as PrefixMap.
 */
export class PrefixIdMap {
  private readonly v4 = new Ipv4Table('ints');
  private v6: Map<string, number> | undefined;

  get size(): number {
    return this.v4.size + (this.v6?.size ?? 0);
  }

  /** Slots allocated for IPv4 entries (memory: 8 bytes each), for tests and benchmarks. */
  get ipv4Slots(): number {
    return this.v4.slots;
  }

  /** The longest probe an IPv4 lookup takes (slots past the key's home slot), for tests and benchmarks. */
  get ipv4LongestProbe(): number {
    return this.v4.longestProbe;
  }

  /** The value of `key`, or -1. */
  get(key: PrefixKey): number {
    if (typeof key === 'string') return this.v6?.get(key) ?? -1;
    const length = lengthOf(key);
    const slot = this.v4.find(addressOf(key, length), length);
    return slot < 0 ? -1 : this.v4.intAt(slot);
  }

  has(key: PrefixKey): boolean {
    if (typeof key === 'string') return this.v6?.has(key) ?? false;
    const length = lengthOf(key);
    return this.v4.find(addressOf(key, length), length) >= 0;
  }

  /** Stores `value` (0 to 2^31 - 1) under `key`. */
  set(key: PrefixKey, value: number): void {
    if (typeof key === 'string') {
      (this.v6 ??= new Map()).set(key, value);
      return;
    }
    const length = lengthOf(key);
    const slot = this.v4.insert(addressOf(key, length), length);
    this.v4.setIntAt(slot, value);
  }

  /** Stores `value` (0 to 2^31 - 1) under `key` and returns the value it replaced, or -1: one probe for both. */
  swap(key: PrefixKey, value: number): number {
    if (typeof key === 'string') {
      const v6 = (this.v6 ??= new Map<string, number>());
      const previous = v6.get(key) ?? -1;
      v6.set(key, value);
      return previous;
    }
    const length = lengthOf(key);
    const size = this.v4.size;
    const slot = this.v4.insert(addressOf(key, length), length);
    const previous = this.v4.size === size ? this.v4.intAt(slot) : -1;
    this.v4.setIntAt(slot, value);
    return previous;
  }

  /**
   * Replaces the value of `key` (-1 when absent) by `next(current, a, b)` — the key is deleted when
   * that is -1 — and returns the value it had, or -1: one probe for the read and the write. `next`
   * must not change the map.
   */
  update<A, B>(key: PrefixKey, next: (current: number, a: A, b: B) => number, a: A, b: B): number {
    if (typeof key === 'string') {
      const v6 = (this.v6 ??= new Map<string, number>());
      const current = v6.get(key) ?? -1;
      const value = next(current, a, b);
      if (value < 0) v6.delete(key);
      else v6.set(key, value);
      return current;
    }
    const length = lengthOf(key);
    const size = this.v4.size;
    const slot = this.v4.insert(addressOf(key, length), length);
    const current = this.v4.size === size ? this.v4.intAt(slot) : -1;
    const value = next(current, a, b);
    if (value < 0) this.v4.removeAt(slot);
    else this.v4.setIntAt(slot, value);
    return current;
  }

  /** Deletes `key` and returns its value, or -1 when it was not there: one probe. */
  take(key: PrefixKey): number {
    if (typeof key === 'string') {
      const previous = this.v6?.get(key);
      if (previous === undefined) return -1;
      this.v6!.delete(key);
      return previous;
    }
    const length = lengthOf(key);
    const slot = this.v4.find(addressOf(key, length), length);
    if (slot < 0) return -1;
    const previous = this.v4.intAt(slot);
    this.v4.removeAt(slot);
    return previous;
  }

  delete(key: PrefixKey): boolean {
    return this.take(key) >= 0;
  }

  clear(): void {
    this.v4.clear();
    this.v6 = undefined;
  }

  /** Calls `fn` for every entry; `fn` may change the map. */
  forEach(fn: (value: number, key: PrefixKey) => void): void {
    const cursor = new Cursor();
    for (let slot = this.v4.next(cursor); slot >= 0; slot = this.v4.next(cursor)) {
      fn(this.v4.intAt(slot), this.v4.keyAt(slot));
    }
    this.v6?.forEach(fn);
  }

  *keys(): IterableIterator<PrefixKey> {
    const cursor = new Cursor();
    for (let slot = this.v4.next(cursor); slot >= 0; slot = this.v4.next(cursor)) yield this.v4.keyAt(slot);
    if (this.v6) yield* this.v6.keys();
  }
}

/**
 * A set in insertion order per prefix length: per-length `Set`s keyed by the address as a small
 * integer. Not the hash table above: an update group's export queue (src/rib/update-group.ts) is a
 * PrefixSet that each flush iterates from its start, deleting what it takes, while changes keep
 * adding to it. In hash order every flush would scan the slots freed by the previous ones and the
 * prefixes of the highest hashes would wait while lower ones keep arriving; in insertion order the
 * queue is first in, first out (1,000,000 prefixes through such a queue in flushes of 1,000: 4 s
 * with `Set`s, 99 s with the table, on the 2-core development machine under load).
 */
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
