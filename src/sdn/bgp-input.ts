/**
 * The route server's side of the virtual network: implements the route
 * engine's ports (src/rib/ports.ts).
 *
 * - `InjectedRouteSink`: each instance (IN_0, IN_1) reports changes to the
 *   routes it injects. The VNet programs the union of both instances,
 *   deduplicated by prefix and next hop (DESIGN "two instances are real").
 * - `VirtualNetworkView`: the address spaces the route server advertises —
 *   its own VNet's and those of peered VNets served through gateway transit
 *   (§3.6 [C]) — and which prefixes may be injected: none equal to or more
 *   specific than one of those spaces (§3.2 [C]). The VNet applies the same
 *   rule itself: such routes are kept (they become injectable again if the
 *   spaces change) but not programmed.
 */
import { LpmTrie } from '../lib/lpm-trie.js';
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import { formatPrefix, prefixKey } from '../lib/prefix.js';
import type {
  InjectedRoute,
  InjectedRouteChange,
  InjectedRouteSink,
  InstanceId,
  VirtualNetworkView,
} from '../rib/ports.js';
import { compareAddressText } from './addresses.js';
import type { BgpRoute } from './types.js';

/** A change of the programmed BGP layer for one prefix. */
export interface BgpLayerChange {
  readonly prefix: Prefix;
  readonly before: BgpRoute | undefined;
  readonly after: BgpRoute | undefined;
}

export type BgpLayerChangeHandler = (binding: RouteServerBinding, changes: readonly BgpLayerChange[]) => void;

function sameHops(a: BgpRoute | undefined, b: BgpRoute | undefined): boolean {
  if (!a || !b) return a === b;
  return a.nextHops.length === b.nextHops.length && a.nextHops.every((hop, i) => hop === b.nextHops[i]);
}

export class RouteServerBinding implements InjectedRouteSink, VirtualNetworkView {
  private readonly perInstance = new Map<InstanceId, Map<PrefixKey, InjectedRoute>>();
  /** Union of both instances, injectable or not. */
  private readonly union = new Map<PrefixKey, BgpRoute>();
  /** The injectable part of the union: the BGP layer of every domain this route server serves. */
  private programmed = new LpmTrie<BgpRoute>();
  private spaces: readonly Prefix[] = [];
  private spaceTrie = new LpmTrie<Prefix>();
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly id: string,
    readonly vnetId: string,
    private readonly onLayerChange: BgpLayerChangeHandler,
  ) {}

  /** The programmed BGP routes (shared by every domain served, unless propagation is off). */
  get routes(): LpmTrie<BgpRoute> {
    return this.programmed;
  }

  applyInjectedRoutes(instance: InstanceId, changes: readonly InjectedRouteChange[]): void {
    let table = this.perInstance.get(instance);
    if (!table) this.perInstance.set(instance, (table = new Map()));
    const touched = new Map<PrefixKey, Prefix>();
    for (const change of changes) {
      const key = prefixKey(change.prefix);
      if (change.route) table.set(key, change.route);
      else table.delete(key);
      touched.set(key, change.prefix);
    }
    const layerChanges: BgpLayerChange[] = [];
    for (const [key, prefix] of touched) {
      const before = this.union.get(key);
      const after = this.unionOf(key, prefix);
      if (sameHops(before, after)) continue;
      if (after) this.union.set(key, after);
      else this.union.delete(key);
      if (!this.isInjectable(prefix)) continue;
      if (after) this.programmed.set(prefix, after);
      else this.programmed.delete(prefix);
      layerChanges.push({ prefix, before, after });
    }
    if (layerChanges.length > 0) this.onLayerChange(this, layerChanges);
  }

  private unionOf(key: PrefixKey, prefix: Prefix): BgpRoute | undefined {
    const hops = new Set<string>();
    for (const table of this.perInstance.values()) {
      const route = table.get(key);
      if (route) for (const hop of route.nextHops) hops.add(hop);
    }
    if (hops.size === 0) return undefined;
    return { prefix, nextHops: [...hops].sort(compareAddressText) };
  }

  /** The routes one instance injects, or the union when no instance is given (for inspection). */
  injectedRoutes(instance?: InstanceId): readonly (InjectedRoute | BgpRoute)[] {
    if (instance === undefined) return [...this.union.values()];
    return [...(this.perInstance.get(instance)?.values() ?? [])];
  }

  advertisedAddressSpaces(): readonly Prefix[] {
    return this.spaces;
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
    this.spaceTrie = new LpmTrie<Prefix>();
    for (const space of spaces) this.spaceTrie.set(space, space);
    const programmed = new LpmTrie<BgpRoute>();
    for (const route of this.union.values())
      if (this.isInjectable(route.prefix)) programmed.set(route.prefix, route);
    this.programmed = programmed;
    return true;
  }

  notifyAddressSpacesChanged(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
