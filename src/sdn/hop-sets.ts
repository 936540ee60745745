/**
 * Next-hop sets of a route server's BGP layer, interned: a full table has a
 * million prefixes and a handful of ECMP sets, so a prefix holds a small
 * integer id (in a typed array, src/lib/prefix-map.ts) instead of an array
 * or an object. Id 0 means "no next hop" (not injected).
 *
 * Every set is a frozen array of distinct addresses in ascending order (as
 * `src/rib/ports.ts` promises them); the same content always has the same id
 * and the same array while anything refers to it. Ids are reference-counted
 * by the tables holding them and reused once released, so the table stays as
 * small as the sets in use, whatever the churn.
 */
import { compareAddressText } from './addresses.js';
import { RefCounts } from './ref-counts.js';

/** Ids of a union are cached per pair below this many ids (pair key a * PAIR_BASE + b stays exact). */
const PAIR_BASE = 1 << 21;

export class HopSetTable {
  /** id → set; index 0 unused */
  private readonly sets: (readonly string[] | undefined)[] = [undefined];
  private readonly byText = new Map<string, number>();
  /** (a, b) → the id of their union, for ids in use */
  private readonly unions = new Map<number, number>();
  /** ids interned since the last `sweep` are forgotten then unless something retained them */
  private readonly counts = new RefCounts(
    (id) => this.forget(id),
    (id) => this.sets[id] !== undefined,
  );

  /** Sets in use. */
  get size(): number {
    return this.byText.size;
  }

  /** The set of `id` (not 0). */
  get(id: number): readonly string[] {
    return this.sets[id]!;
  }

  /** The id of the set holding the distinct members of `hops` (at least one); takes no reference. */
  intern(hops: readonly string[]): number {
    const text = hops.length === 1 ? hops[0]! : hops.join(',');
    const id = this.byText.get(text);
    if (id !== undefined) return id;
    const canonical = [...new Set(hops)].sort(compareAddressText);
    const canonicalText = canonical.join(',');
    let canonicalId = this.byText.get(canonicalText);
    if (canonicalId === undefined) {
      canonicalId = this.counts.make(this.sets.length);
      this.sets[canonicalId] = Object.freeze(canonical);
      this.byText.set(canonicalText, canonicalId);
    }
    // a non-canonical spelling is not remembered: the engine sends canonical sets
    return canonicalId;
  }

  /** The id of the union of two sets (0 = none); takes no reference. */
  union(a: number, b: number): number {
    if (a === 0 || a === b) return b;
    if (b === 0) return a;
    if (a > b) return this.union(b, a);
    const pair = a < PAIR_BASE && b < PAIR_BASE ? a * PAIR_BASE + b : -1;
    let id = pair < 0 ? undefined : this.unions.get(pair);
    if (id === undefined) {
      id = this.intern([...this.sets[a]!, ...this.sets[b]!]);
      if (pair >= 0) this.unions.set(pair, id);
    }
    return id;
  }

  retain(id: number): void {
    this.counts.retain(id);
  }

  /** Drops a reference; the set is forgotten when none is left. */
  release(id: number): void {
    this.counts.release(id);
  }

  /** Forgets the sets interned since the last sweep that nothing retained (e.g. a union's intermediate). */
  sweep(): void {
    this.counts.sweep();
  }

  private forget(id: number): void {
    this.byText.delete(this.sets[id]!.join(','));
    this.sets[id] = undefined;
    // cached unions may name the freed id, as a member or as the result
    this.unions.clear();
  }
}
