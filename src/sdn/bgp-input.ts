/**
 * The route server's side of the virtual network: implements the route
 * engine's ports (src/rib/ports.ts).
 *
 * - `InjectedRouteSink`: each instance (IN_0, IN_1) reports changes to the
 *   routes it injects. The VNet programs the union of both instances,
 *   deduplicated by prefix and next hop (docs/architecture.md, "Two instances are real").
 * - `VirtualNetworkView`: the address spaces the route server advertises —
 *   its own VNet's and those of peered VNets served through gateway transit
 *   (docs/azure-behaviour.md §3.6) — and which prefixes may be injected: none equal to or more
 *   specific than one of those spaces (§3.2 there). The VNet applies the same
 *   rule itself: such routes are kept (they become injectable again if the
 *   spaces change) but not programmed.
 */
import { LpmTrie } from '../lib/lpm-trie.js';
import { PrefixMap } from '../lib/prefix-map.js';
import type { Prefix } from '../lib/prefix.js';
import { formatPrefix, prefixKey } from '../lib/prefix.js';
import type { InjectedRouteSink, InstanceId, VirtualNetworkView } from '../rib/ports.js';
import { compareAddressText } from './addresses.js';
import type { BgpRoute } from './types.js';

/** A change of the programmed BGP layer for one prefix. */
export interface BgpLayerChange {
  readonly prefix: Prefix;
  readonly before: BgpRoute | undefined;
  readonly after: BgpRoute | undefined;
}

type BgpLayerChangeHandler = (binding: RouteServerBinding, changes: readonly BgpLayerChange[]) => void;

function sameHops(a: BgpRoute | undefined, b: readonly string[] | undefined): boolean {
  if (!a || !b) return a === undefined && b === undefined;
  if (a.nextHops === b) return true;
  return a.nextHops.length === b.length && a.nextHops.every((hop, i) => hop === b[i]);
}

/**
 * What the binding reads of an injected-route change: the prefix and its next
 * hops. The route engine's `InjectedRouteChange` has this shape and more; the
 * BGP runtime sends only this across threads (src/runtime/protocol.ts).
 */
interface InjectedHops {
  readonly prefix: Prefix;
  readonly route: { readonly nextHops: readonly string[] } | null;
}

/** Distinct hop sets kept for sharing; past this many the table starts afresh (sharing is only a saving). */
const HOP_SETS_KEPT = 4096;

/**
 * Next-hop sets, shared by content: a full table has a million prefixes but
 * a handful of ECMP sets, so each prefix holds a reference to one frozen,
 * distinct, ascending array.
 */
class HopSets {
  private readonly sets = new Map<string, readonly string[]>();

  /** The shared set holding the distinct members of `hops`, in ascending address order. */
  of(hops: readonly string[]): readonly string[] {
    const key = hops.length === 1 ? hops[0]! : hops.join(',');
    let set = this.sets.get(key);
    if (set === undefined) {
      const canonical = [...new Set(hops)].sort(compareAddressText);
      const canonicalKey = canonical.join(',');
      set = this.sets.get(canonicalKey) ?? Object.freeze(canonical);
      if (this.sets.size >= HOP_SETS_KEPT) this.sets.clear();
      this.sets.set(canonicalKey, set);
      this.sets.set(key, set);
    }
    return set;
  }

  union(a: readonly string[] | undefined, b: readonly string[] | undefined): readonly string[] | undefined {
    if (a === undefined || a === b) return b ?? a;
    if (b === undefined) return a;
    return this.of([...a, ...b]);
  }
}

interface RouteServerBindingOptions {
  /**
   * Whether the layer-change handler wants per-prefix change records now
   * (e.g. only while someone subscribes to route events); default always.
   */
  readonly wantsChanges?: () => boolean;
}

/** What the route server holds for one prefix some instance injects. */
class PrefixEntry {
  /** Next hops of the instances in slots 0 and 1 (IN_0, IN_1; shared sets), undefined where not injected. */
  hops0: readonly string[] | undefined = undefined;
  hops1: readonly string[] | undefined = undefined;
  /** Slots 2 and up, for a route server with more instances. */
  more: (readonly string[] | undefined)[] | undefined = undefined;
  /** The programmed route; undefined while the prefix is not injectable. */
  route: BgpRoute | undefined = undefined;
  constructor(readonly prefix: Prefix) {}

  hops(slot: number): readonly string[] | undefined {
    return slot === 0 ? this.hops0 : slot === 1 ? this.hops1 : this.more?.[slot - 2];
  }

  setHops(slot: number, hops: readonly string[] | undefined): void {
    if (slot === 0) this.hops0 = hops;
    else if (slot === 1) this.hops1 = hops;
    else (this.more ??= [])[slot - 2] = hops;
  }
}

export class RouteServerBinding implements InjectedRouteSink, VirtualNetworkView {
  /** Slot of each instance in `PrefixEntry`. */
  private readonly slots = new Map<InstanceId, number>();
  /** Every prefix some instance injects, injectable or not (integer-keyed per length: no heap number per key). */
  private readonly entries = new PrefixMap<PrefixEntry>();
  private readonly hopSets = new HopSets();
  /** The injectable part of the union: the BGP layer of every domain this route server serves. */
  private programmed = new LpmTrie<BgpRoute>();
  private spaces: readonly Prefix[] = [];
  private spacesGeneration = 0;
  private spaceTrie = new LpmTrie<Prefix>();
  private readonly listeners = new Set<() => void>();
  private readonly wantsChanges: () => boolean;

  constructor(
    readonly id: string,
    readonly vnetId: string,
    private readonly onLayerChange: BgpLayerChangeHandler,
    options: RouteServerBindingOptions = {},
  ) {
    this.wantsChanges = options.wantsChanges ?? ((): boolean => true);
  }

  /** The programmed BGP routes (shared by every domain served, unless propagation is off). */
  get routes(): LpmTrie<BgpRoute> {
    return this.programmed;
  }

  /**
   * Records the instance's changes, then brings the programmed layer up to
   * date for each prefix touched (once per prefix, in order of first
   * appearance). Change records are built only when the handler wants them.
   */
  applyInjectedRoutes(instance: InstanceId, changes: readonly InjectedHops[]): void {
    let slot = this.slots.get(instance);
    if (slot === undefined) this.slots.set(instance, (slot = this.slots.size));
    const touched: PrefixEntry[] = [];
    for (const change of changes) {
      const key = prefixKey(change.prefix);
      let entry = this.entries.get(key);
      if (!entry) {
        if (!change.route) continue;
        this.entries.set(key, (entry = new PrefixEntry(change.prefix)));
      }
      entry.setHops(slot, change.route ? this.hopSets.of(change.route.nextHops) : undefined);
      touched.push(entry);
    }
    const layerChanges: BgpLayerChange[] | undefined = this.wantsChanges() ? [] : undefined;
    for (const entry of touched) {
      const hops = this.unionOf(entry);
      if (!hops) this.entries.delete(prefixKey(entry.prefix));
      const before = entry.route;
      // Also true for a prefix repeated in the batch: its first occurrence applied it.
      if (sameHops(before, hops) || !this.isInjectable(entry.prefix)) continue;
      const after = hops && { prefix: entry.prefix, nextHops: hops };
      if (after) this.programmed.set(entry.prefix, after);
      else this.programmed.delete(entry.prefix);
      entry.route = after;
      layerChanges?.push({ prefix: entry.prefix, before, after });
    }
    if (layerChanges && layerChanges.length > 0) this.onLayerChange(this, layerChanges);
  }

  /** The union of the instances' next hops for a prefix (a shared set), or undefined. */
  private unionOf(entry: PrefixEntry): readonly string[] | undefined {
    let hops = this.hopSets.union(entry.hops0, entry.hops1);
    if (entry.more) for (const slotHops of entry.more) hops = this.hopSets.union(hops, slotHops);
    return hops;
  }

  /** The routes one instance injects, or the union when no instance is given (for inspection). */
  injectedRoutes(instance?: InstanceId): readonly BgpRoute[] {
    const slot = instance === undefined ? undefined : this.slots.get(instance);
    if (instance !== undefined && slot === undefined) return [];
    const routes: BgpRoute[] = [];
    for (const [, entry] of this.entries) {
      if (slot === undefined)
        routes.push(entry.route ?? { prefix: entry.prefix, nextHops: this.unionOf(entry)! });
      else {
        const nextHops = entry.hops(slot);
        if (nextHops) routes.push({ prefix: entry.prefix, nextHops });
      }
    }
    return routes;
  }

  advertisedAddressSpaces(): readonly Prefix[] {
    return this.spaces;
  }

  /** A number that changes whenever the advertised spaces change (cheaper to compare than the spaces). */
  get advertisedSpacesGeneration(): number {
    return this.spacesGeneration;
  }

  isInjectable(prefix: Prefix): boolean {
    return this.spaceTrie.longestMatch(prefix) === undefined;
  }

  onAddressSpacesChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Sets the advertised spaces (called by the model on topology changes).
   * When they change, the programmed layer is replaced by a new object, so
   * domains holding the old one can still be diffed against it.
   */
  setAdvertisedSpaces(spaces: readonly Prefix[]): boolean {
    const text = (list: readonly Prefix[]): string => list.map(formatPrefix).join(',');
    if (text(spaces) === text(this.spaces)) return false;
    this.spaces = [...spaces];
    this.spacesGeneration++;
    this.spaceTrie = new LpmTrie<Prefix>();
    for (const space of spaces) this.spaceTrie.set(space, space);
    const programmed = new LpmTrie<BgpRoute>();
    for (const [, entry] of this.entries) {
      if (!this.isInjectable(entry.prefix)) entry.route = undefined;
      else {
        // A route that stays programmed keeps its object: domains are diffed by identity.
        entry.route ??= { prefix: entry.prefix, nextHops: this.unionOf(entry)! };
        programmed.set(entry.prefix, entry.route);
      }
    }
    this.programmed = programmed;
    return true;
  }

  notifyAddressSpacesChanged(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
