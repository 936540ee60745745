/**
 * A peer's inbound route map (docs/route-maps.md): what the rest of the
 * engine sees of a route the peer sent. Route-map results are an input of
 * the route server (docs/azure-behaviour.md §3.1 item 4), so the map runs
 * before the import rules: a changed route is a derived attribute set whose
 * import verdict is evaluated on the changed attributes; a dropped or
 * summarised route is a derived set that is not accepted (its reason names
 * the map and rule); a summary is a route of the peer's own at the summary
 * prefix while one of its contributors is there.
 *
 * The Adj-RIB-In stays pre-policy (`PeerState.adjRibIn`, as BMP reads it);
 * only prefixes the map changes have an entry in `derived`. A map change
 * re-evaluates the Adj-RIB-In in slices (the engine's walk): no ROUTE-REFRESH
 * and no session reset. While it runs, the previous map's entries stay valid
 * for the prefixes not yet visited (`retiring`).
 *
 * Work per route: one cached mask per attribute set when no rule reads the
 * prefix, else `matchRouteMap` per route; the plan per (set, mask) is cached.
 * A peer without an inbound map has no instance of this class at all.
 */
import type { PrefixKey } from '../lib/prefix.js';
import { prefixKey } from '../lib/prefix.js';
import type { CompiledPrefix, CompiledRouteMap, ImportVerdict } from '../policy/index.js';
import { matchRouteMap, planRouteMap, summaryAttributes, summaryPrefixFor } from '../policy/index.js';
import type { AttributeSet, AttributeStore } from './attribute-store.js';
import { PrefixMap } from '../lib/prefix-map.js';
import type { Path, PeerState } from './peer.js';

/** What the inbound map needs of the engine: the Loc-RIB switch of one peer's path for a prefix. */
interface InboundTable {
  switchPath(peer: PeerState, key: PrefixKey, leaving: Path | undefined, arriving: Path | undefined): void;
}

/** What the map does to the routes of one attribute set with one mask. */
interface Outcome {
  /** the derived set; undefined: the route passes unchanged */
  readonly set: AttributeSet | undefined;
  readonly summary: readonly CompiledPrefix[] | undefined;
}

const SAME: Outcome = { set: undefined, summary: undefined };

interface Summary {
  contributors: number;
  readonly path: Path;
}

let serials = 0;

/** The entries one compiled map made. */
class MapState {
  readonly serial = ++serials;
  readonly derived = new PrefixMap<Path>();
  readonly contributes = new PrefixMap<PrefixKey>();
  readonly summaries = new PrefixMap<Summary>();
  readonly masks = new WeakMap<AttributeSet, number>();
  readonly outcomes = new WeakMap<AttributeSet, Map<number, Outcome>>();
  constructor(readonly map: CompiledRouteMap) {}

  get empty(): boolean {
    return this.derived.size === 0 && this.summaries.size === 0;
  }
}

function rejected(reason: string): ImportVerdict {
  return { accepted: false, advertise: false, reasons: [reason] };
}

export class InboundRouteMap {
  private current: MapState | undefined;
  private retiring: MapState[] = [];
  /** paths to release once the Loc-RIB switch is done (so an identical path is reused, not re-made) */
  private released: Path[] = [];

  constructor(
    private readonly peer: PeerState,
    private readonly store: AttributeStore,
    private readonly table: InboundTable,
    map: CompiledRouteMap | undefined,
  ) {
    this.current = map && new MapState(map);
  }

  get map(): CompiledRouteMap | undefined {
    return this.current?.map;
  }

  /** A new map (or none): the caller re-evaluates every prefix with `change(key, raw, raw)`. */
  replaceMap(map: CompiledRouteMap | undefined): void {
    if (this.current) this.retiring.push(this.current);
    this.current = map && new MapState(map);
  }

  /** The previous maps left nothing behind: the re-evaluation is complete. */
  settle(): void {
    this.retiring = this.retiring.filter((state) => !state.empty);
  }

  /** No map and nothing left of earlier ones: the peer can do without this object. */
  get idle(): boolean {
    return this.current === undefined && this.retiring.length === 0;
  }

  /** The path the engine uses for `key` whose raw (pre-policy) path is `raw`. */
  effective(key: PrefixKey, raw: Path | undefined): Path | undefined {
    if (raw === undefined) return undefined;
    const derived = this.current?.derived.get(key);
    if (derived) return derived;
    for (const state of this.retiring) {
      const old = state.derived.get(key);
      if (old) return old;
    }
    return raw;
  }

  /** The peer's path for `key` in the Loc-RIB: its own summary there, else the effective route. */
  private visible(key: PrefixKey, raw: Path | undefined): Path | undefined {
    return this.summary(key) ?? this.effective(key, raw);
  }

  /** The peer's summary at `key`, if it has one (the route views). */
  summary(key: PrefixKey): Path | undefined {
    const summary = this.current?.summaries.get(key);
    if (summary) return summary.path;
    for (const state of this.retiring) {
      const old = state.summaries.get(key);
      if (old) return old.path;
    }
    return undefined;
  }

  /** The peer's summaries, for the learned-routes view. */
  *summaries(): Generator<[PrefixKey, Path]> {
    for (const state of [...this.retiring, ...(this.current ? [this.current] : [])])
      for (const [key, summary] of state.summaries) yield [key, summary.path];
  }

  /**
   * The raw path of `key` changed from `previous` to `next` (either may be
   * undefined; equal paths re-evaluate the route under the current map).
   * The peer's Adj-RIB-In already holds `next`.
   */
  change(key: PrefixKey, previous: Path | undefined, next: Path | undefined): void {
    const before = this.visible(key, previous);
    for (const state of this.retiring) this.forget(state, key);
    if (this.current) this.forget(this.current, key);
    if (next && this.current) this.apply(this.current, key, next);
    const after = this.visible(key, next);
    if (before !== after) this.table.switchPath(this.peer, key, before, after);
    const released = this.released;
    this.released = [];
    for (const path of released) this.peer.releaseIfUnused(path);
  }

  private forget(state: MapState, key: PrefixKey): void {
    const derived = state.derived.get(key);
    if (derived) {
      state.derived.delete(key);
      derived.prefixes--;
      this.released.push(derived);
    }
    const summaryKey = state.contributes.get(key);
    if (summaryKey === undefined) return;
    state.contributes.delete(key);
    const summary = state.summaries.get(summaryKey)!;
    if (--summary.contributors > 0) return;
    this.switchSummary(key, summaryKey, () => state.summaries.delete(summaryKey));
    summary.path.prefixes--;
    this.released.push(summary.path);
  }

  private apply(state: MapState, key: PrefixKey, raw: Path): void {
    const outcome = this.outcome(state, key, raw.attributes);
    if (outcome.set === undefined) return;
    let summaryKey: PrefixKey | undefined;
    // a summary rule matches only the routes it covers (src/policy/route-map-evaluate.ts)
    if (outcome.summary) summaryKey = prefixKey(summaryPrefixFor(outcome.summary, key)!);
    const path = this.peer.pathFor(outcome.set);
    path.prefixes++;
    state.derived.set(key, path);
    if (summaryKey === undefined) return;
    state.contributes.set(key, summaryKey);
    const summary = state.summaries.get(summaryKey);
    if (summary) {
      summary.contributors++;
      return;
    }
    const set = this.store.derive(
      raw.attributes,
      `sum${state.serial}`,
      summaryAttributes(raw.attributes.attributes),
    );
    const summaryPath = this.peer.pathFor(set);
    summaryPath.prefixes++;
    this.switchSummary(key, summaryKey, () =>
      state.summaries.set(summaryKey, { contributors: 1, path: summaryPath }),
    );
  }

  /** Makes a summary appear or go at `summaryKey`; the prefix being changed (`key`) is switched by `change`. */
  private switchSummary(key: PrefixKey, summaryKey: PrefixKey, mutate: () => void): void {
    if (summaryKey === key) return mutate();
    const raw = this.peer.adjRibIn.get(summaryKey);
    const before = this.visible(summaryKey, raw);
    mutate();
    const after = this.visible(summaryKey, raw);
    if (before !== after) this.table.switchPath(this.peer, summaryKey, before, after);
  }

  private outcome(state: MapState, key: PrefixKey, set: AttributeSet): Outcome {
    const map = state.map;
    let mask: number | undefined = map.readsPrefix ? undefined : state.masks.get(set);
    if (mask === undefined) {
      mask = matchRouteMap(map, key, set.attributes);
      if (!map.readsPrefix) state.masks.set(set, mask);
    }
    if (mask === 0) return SAME;
    let bySet = state.outcomes.get(set);
    if (!bySet) state.outcomes.set(set, (bySet = new Map<number, Outcome>()));
    let outcome = bySet.get(mask);
    if (!outcome) {
      outcome = this.plan(state, mask, set);
      bySet.set(mask, outcome);
    }
    return outcome;
  }

  private plan(state: MapState, mask: number, set: AttributeSet): Outcome {
    const plan = planRouteMap(state.map, mask, set.attributes);
    const tag = `rm${state.serial}:${mask}`;
    const rule = `route-map:${state.map.name}:${plan.rules[plan.rules.length - 1]}`;
    if (plan.dropped)
      return { set: this.store.derive(set, tag, set.attributes, rejected(rule)), summary: undefined };
    if (plan.summary)
      return {
        set: this.store.derive(set, tag, set.attributes, rejected(`${rule}:summarised`)),
        summary: plan.summary,
      };
    if (plan.attributes === undefined) return SAME;
    return { set: this.store.derive(set, tag, plan.attributes), summary: undefined };
  }
}
