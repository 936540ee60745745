/**
 * What a route server's instances inject for one prefix, interned: a state
 * is the next-hop set id each instance slot injects (hop-sets.ts; 0 for
 * none) and the id of their union, the set the VNet programs. The binding
 * (bgp-input.ts) keeps one state id per prefix in its BGP layer, so an
 * instance's change costs one probe of one table, where a table per
 * instance and one for the union cost two probes, and three once the other
 * instance injects too (both do: IN_0 and IN_1 peer with every NVA).
 *
 * A full table has a million prefixes and a handful of states (the same set
 * from both instances, mostly). States are reference-counted by the layer's
 * entries, hold a reference to each set they name and are reused once
 * released, as the sets are. `next` remembers its answers, so a batch of
 * changes from one attribute set looks a state up once.
 */
import type { HopSetTable } from './hop-sets.js';
import type { LayerIds } from './bgp-layer.js';
import { RefCounts } from './ref-counts.js';

/** Transitions are cached below this many states and slots (the key stays exact: 2^21 · 2^4 · 2^21 < 2^53). */
const STATE_BASE = 1 << 21;
const SLOT_BASE = 16;

export class InstanceStates implements LayerIds {
  /** state id → the set id of each slot; index 0 (no instance injects) unused */
  private readonly slots: (readonly number[] | undefined)[] = [undefined];
  /** state id → the set id of the union */
  private readonly unions: number[] = [0];
  private readonly byText = new Map<string, number>();
  /** states made since the last `sweep` are forgotten then unless something retained them */
  private readonly counts = new RefCounts(
    (state) => this.forget(state),
    (state) => this.slots[state] !== undefined,
  );
  /** (state, slot, set) → the state `next` answered */
  private readonly transitions = new Map<number, number>();
  private readonly last = { from: -1, slot: -1, id: -1, to: 0 };

  constructor(private readonly hopSets: HopSetTable) {}

  /** States in use. */
  get size(): number {
    return this.byText.size;
  }

  /** The union's next hops of `state` (not 0): what the VNet programs. */
  get(state: number): readonly string[] {
    return this.hopSets.get(this.unions[state]!);
  }

  /** The union's set id of `state` (0 for none). */
  unionOf(state: number): number {
    return this.unions[state]!;
  }

  /** The set id slot `slot` injects in `state` (0 for none). */
  idAt(state: number, slot: number): number {
    return this.slots[state]?.[slot] ?? 0;
  }

  /** The state that is `state` with slot `slot` injecting set `id` (0: nothing); 0 when no slot injects. Takes no reference. */
  next(state: number, slot: number, id: number): number {
    const last = this.last;
    if (last.from === state && last.slot === slot && last.id === id) return last.to;
    const cacheable = state < STATE_BASE && slot < SLOT_BASE && id < STATE_BASE;
    const key = cacheable ? (state * SLOT_BASE + slot) * STATE_BASE + id : -1;
    let to = cacheable ? this.transitions.get(key) : undefined;
    if (to === undefined) {
      to = this.intern(state, slot, id);
      if (cacheable) this.transitions.set(key, to);
    }
    last.from = state;
    last.slot = slot;
    last.id = id;
    last.to = to;
    return to;
  }

  retain(state: number): void {
    this.counts.retain(state);
  }

  /** Drops a reference; the state is forgotten when none is left. */
  release(state: number): void {
    this.counts.release(state);
  }

  /** Forgets the states made since the last sweep that nothing retained, then the sets nothing holds. */
  sweep(): void {
    this.counts.sweep();
    this.hopSets.sweep();
  }

  private intern(state: number, slot: number, id: number): number {
    const ids = [...(this.slots[state] ?? [])];
    while (ids.length <= slot) ids.push(0);
    ids[slot] = id;
    while (ids.length > 0 && ids[ids.length - 1] === 0) ids.pop();
    if (ids.length === 0) return 0;
    const text = ids.join(',');
    const known = this.byText.get(text);
    if (known !== undefined) return known;
    let union = 0;
    for (const member of ids) union = this.hopSets.union(union, member);
    const made = this.counts.make(this.slots.length);
    this.slots[made] = Object.freeze(ids);
    this.unions[made] = union;
    for (const member of ids) this.hopSets.retain(member);
    this.hopSets.retain(union);
    this.byText.set(text, made);
    return made;
  }

  private forget(state: number): void {
    const ids = this.slots[state]!;
    this.byText.delete(ids.join(','));
    for (const member of ids) this.hopSets.release(member);
    this.hopSets.release(this.unions[state]!);
    this.slots[state] = undefined;
    this.unions[state] = 0;
    // cached transitions may name the freed id, as the start or as the answer
    this.transitions.clear();
    this.last.from = -1;
  }
}
