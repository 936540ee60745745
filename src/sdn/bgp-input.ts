/**
 * The route server's side of the virtual network: implements the route
 * engine's ports (src/rib/ports.ts).
 *
 * - `InjectedRouteSink`: each instance (IN_0, IN_1) reports changes to the
 *   routes it injects, as prefix keys and next-hop-set ids. The VNet programs
 *   the union of both instances, deduplicated by prefix and next hop
 *   (docs/architecture.md, "Two instances are real"). Per instance a typed
 *   table holds each prefix's set id (`PrefixIdMap`, src/lib/prefix-map.ts),
 *   and the programmed layer the id of the union (bgp-layer.ts); the sets are
 *   interned (hop-sets.ts). No object is kept per prefix.
 * - `VirtualNetworkView`: the address spaces the route server advertises —
 *   its own VNet's and those of peered VNets served through gateway transit
 *   (docs/azure-behaviour.md §3.6) — and which prefixes may be injected: none equal to or more
 *   specific than one of those spaces (§3.2 there), answered by the rule's one
 *   definition (`AdvertisedAddressSpaces`, src/rib/injection.ts). The route
 *   engine applies it, once: the binding programs what the instances inject,
 *   and the engines withdraw and re-inject prefixes when the spaces change.
 */
import { PrefixIdMap } from '../lib/prefix-map.js';
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import { prefixFromKey } from '../lib/prefix.js';
import { AdvertisedAddressSpaces, InjectedChanges } from '../rib/index.js';
import type { InjectedRouteBatch, InjectedRouteSink, InstanceId, VirtualNetworkView } from '../rib/index.js';
import { BgpLayer } from './bgp-layer.js';
import { HopSetTable } from './hop-sets.js';
import type { BgpRoute } from './types.js';

/** A change of the programmed BGP layer for one prefix. */
export interface BgpLayerChange {
  readonly prefix: Prefix;
  readonly before: BgpRoute | undefined;
  readonly after: BgpRoute | undefined;
}

/** An injected-route change as an object: a prefix and its next hops, or null when withdrawn. */
export interface RouteChange {
  readonly prefix: Prefix;
  readonly route: { readonly nextHops: readonly string[] } | null;
}

type BgpLayerChangeHandler = (binding: RouteServerBinding, changes: readonly BgpLayerChange[]) => void;

interface RouteServerBindingOptions {
  /**
   * Whether the layer-change handler wants per-prefix change records now
   * (e.g. only while someone subscribes to route events); default always.
   */
  readonly wantsChanges?: () => boolean;
}

export class RouteServerBinding implements InjectedRouteSink, VirtualNetworkView {
  /** Slot of each instance in `injected`. */
  private readonly slots = new Map<InstanceId, number>();
  /** Per instance slot: prefix → the set id it injects. */
  private readonly injected: PrefixIdMap[] = [];
  private readonly hopSets = new HopSetTable();
  /** The union of the instances: the BGP layer of every domain this route server serves. */
  private readonly programmed = new BgpLayer(this.hopSets);
  private readonly spaces = new AdvertisedAddressSpaces();
  private spacesGeneration = 0;
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
  get routes(): BgpLayer {
    return this.programmed;
  }

  /**
   * Records the instance's changes in order and brings the programmed layer
   * up to date for each. Change records are built only when the handler
   * wants them.
   */
  applyInjectedRoutes(instance: InstanceId, changes: InjectedRouteBatch): void {
    const slot = this.slotOf(instance);
    const own = this.injected[slot]!;
    /** the batch's set ids → this table's */
    const ids: number[] = [];
    const layerChanges: BgpLayerChange[] | undefined = this.wantsChanges() ? [] : undefined;
    for (let i = 0; i < changes.size; i++) {
      const key = changes.keyAt(i);
      const batchId = changes.hopSetAt(i);
      const id = batchId === 0 ? 0 : (ids[batchId] ??= this.hopSets.intern(changes.hopSet(batchId)));
      // one probe of each table per change: swap in the new id, act on the one it replaced
      const previous = id === 0 ? own.take(key) : own.swap(key, id);
      if (previous === id || (previous < 0 && id === 0)) continue;
      this.hopSets.retain(id);
      if (previous > 0) this.hopSets.release(previous);
      const after = this.unionOf(key, slot, id);
      if (!layerChanges) {
        this.programmed.exchange(key, after);
        continue;
      }
      // the record reads the set `before` names, so before the layer releases it
      const before = this.programmed.idOf(key);
      if (before === after) continue;
      const prefix = prefixFromKey(key);
      layerChanges.push({ prefix, before: this.routeOf(prefix, before), after: this.routeOf(prefix, after) });
      this.programmed.setId(key, after, before);
    }
    this.hopSets.sweep();
    if (layerChanges && layerChanges.length > 0) this.onLayerChange(this, layerChanges);
  }

  /** The same, for changes given as objects (decoded from another thread, or written in a test). */
  applyRouteChanges(instance: InstanceId, changes: readonly RouteChange[]): void {
    this.applyInjectedRoutes(instance, InjectedChanges.of(changes));
  }

  private slotOf(instance: InstanceId): number {
    let slot = this.slots.get(instance);
    if (slot === undefined) {
      this.slots.set(instance, (slot = this.slots.size));
      this.injected.push(new PrefixIdMap());
    }
    return slot;
  }

  /** The id of the union of the instances' sets for `key` (0 when none injects it), slot `slot` holding `id`. */
  private unionOf(key: PrefixKey, slot: number, id: number): number {
    let union = id;
    for (let other = 0; other < this.injected.length; other++) {
      const table = this.injected[other]!;
      if (other === slot || table.size === 0) continue;
      const otherId = table.get(key);
      if (otherId > 0) union = this.hopSets.union(union, otherId);
    }
    return union;
  }

  private routeOf(prefix: Prefix, id: number): BgpRoute | undefined {
    return id === 0 ? undefined : { prefix, nextHops: this.hopSets.get(id) };
  }

  /** The routes one instance injects, or the union when no instance is given (for inspection). */
  injectedRoutes(instance?: InstanceId): readonly BgpRoute[] {
    const slot = instance === undefined ? undefined : this.slots.get(instance);
    if (instance !== undefined && slot === undefined) return [];
    const routes: BgpRoute[] = [];
    const add = (id: number, key: PrefixKey): void => {
      routes.push({ prefix: prefixFromKey(key), nextHops: this.hopSets.get(id) });
    };
    if (slot === undefined) this.programmed.forEachId(add);
    else this.injected[slot]!.forEach(add);
    return routes;
  }

  advertisedAddressSpaces(): readonly Prefix[] {
    return this.spaces.list;
  }

  /** A number that changes whenever the advertised spaces change (cheaper to compare than the spaces). */
  get advertisedSpacesGeneration(): number {
    return this.spacesGeneration;
  }

  isInjectable(prefix: Prefix): boolean {
    return this.spaces.isInjectable(prefix);
  }

  onAddressSpacesChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Sets the advertised spaces (called by the model on topology changes); true when they changed. */
  setAdvertisedSpaces(spaces: readonly Prefix[]): boolean {
    if (!this.spaces.replace(spaces)) return false;
    this.spacesGeneration++;
    return true;
  }

  notifyAddressSpacesChanged(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
