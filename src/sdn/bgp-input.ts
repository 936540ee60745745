/**
 * The route server's side of the virtual network: implements the route
 * engine's ports (src/rib/ports.ts).
 *
 * - `InjectedRouteSink`: each instance (IN_0, IN_1) reports changes to the
 *   routes it injects, as prefix keys and next-hop-set ids. The VNet programs
 *   the union of both instances, deduplicated by prefix and next hop
 *   (docs/architecture.md, "Two instances are real"). The programmed layer
 *   (bgp-layer.ts, a typed table) holds per prefix the id of a state: the
 *   set each instance injects and their union (instance-states.ts), so a
 *   change costs one probe of one table; states and sets are interned
 *   (hop-sets.ts). No object is kept per prefix.
 * - `VirtualNetworkView`: the address spaces the route server advertises —
 *   its own VNet's and those of peered VNets served through gateway transit
 *   (docs/azure-behaviour.md §3.6) — and which prefixes may be injected: none equal to or more
 *   specific than one of those spaces (§3.2 there), answered by the rule's one
 *   definition (`AdvertisedAddressSpaces`, src/rib/injection.ts). The route
 *   engine applies it, once: the binding programs what the instances inject,
 *   and the engines withdraw and re-inject prefixes when the spaces change.
 */
import type { Prefix } from '../lib/prefix.js';
import { prefixFromKey } from '../lib/prefix.js';
import { AdvertisedAddressSpaces, InjectedChanges } from '../rib/index.js';
import type { InjectedRouteBatch, InjectedRouteSink, InstanceId, VirtualNetworkView } from '../rib/index.js';
import { BgpLayer } from './bgp-layer.js';
import { HopSetTable } from './hop-sets.js';
import { InstanceStates } from './instance-states.js';
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
  /** Slot of each instance in the states. */
  private readonly slots = new Map<InstanceId, number>();
  private readonly hopSets = new HopSetTable();
  /** What the instances inject for a prefix, interned (instance-states.ts). */
  private readonly states = new InstanceStates(this.hopSets);
  /** The BGP layer of every domain this route server serves: prefix → state, programmed as its union. */
  private readonly programmed = new BgpLayer(this.states);
  private readonly spaces = new AdvertisedAddressSpaces();
  private spacesGeneration = 0;
  private readonly listeners = new Set<() => void>();
  private readonly wantsChanges: () => boolean;
  /** the change `applyInjectedRoutes` is making */
  private readonly changing = { slot: 0, id: 0 };
  /** `BgpLayer.replace`'s step, made once: the state with the changing instance's set in its slot */
  private readonly nextState = (state: number): number =>
    this.states.next(state, this.changing.slot, this.changing.id);

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
   * up to date for each: one probe of the layer per change. Change records
   * are built only when the handler wants them.
   */
  applyInjectedRoutes(instance: InstanceId, changes: InjectedRouteBatch): void {
    const changing = this.changing;
    changing.slot = this.slotOf(instance);
    /** the batch's set ids → this table's */
    const ids: number[] = [];
    const layerChanges: BgpLayerChange[] | undefined = this.wantsChanges() ? [] : undefined;
    for (let i = 0; i < changes.size; i++) {
      const key = changes.keyAt(i);
      const batchId = changes.hopSetAt(i);
      changing.id = batchId === 0 ? 0 : (ids[batchId] ??= this.batchSet(changes.hopSet(batchId)));
      if (!layerChanges) {
        this.programmed.replace(key, this.nextState);
        continue;
      }
      // the record reads the sets of the state before, so before the layer releases it
      const prefix = prefixFromKey(key);
      const state = this.programmed.idOf(key);
      const union = this.states.unionOf(state);
      const before = this.routeOf(prefix, state);
      this.programmed.replace(key, this.nextState);
      const after = this.programmed.idOf(key);
      if (union !== this.states.unionOf(after))
        layerChanges.push({ prefix, before, after: this.routeOf(prefix, after) });
    }
    for (const id of ids) if (id !== undefined) this.hopSets.release(id);
    this.states.sweep();
    if (layerChanges && layerChanges.length > 0) this.onLayerChange(this, layerChanges);
  }

  /**
   * The id of a set of the batch, held until the batch is applied: a prefix that leaves it may
   * release its last holder before another prefix of the batch names it (a batch can carry more
   * than one change of a prefix).
   */
  private batchSet(hops: readonly string[]): number {
    const id = this.hopSets.intern(hops);
    this.hopSets.retain(id);
    return id;
  }

  /** The same, for changes given as objects (decoded from another thread, or written in a test). */
  applyRouteChanges(instance: InstanceId, changes: readonly RouteChange[]): void {
    this.applyInjectedRoutes(instance, InjectedChanges.of(changes));
  }

  private slotOf(instance: InstanceId): number {
    let slot = this.slots.get(instance);
    if (slot === undefined) this.slots.set(instance, (slot = this.slots.size));
    return slot;
  }

  private routeOf(prefix: Prefix, state: number): BgpRoute | undefined {
    return state === 0 ? undefined : { prefix, nextHops: this.states.get(state) };
  }

  /** States and next-hop sets in use (each held by a prefix, or by a state): for tests. */
  get interned(): { readonly states: number; readonly sets: number } {
    return { states: this.states.size, sets: this.hopSets.size };
  }

  /** The routes one instance injects, or the union when no instance is given (for inspection). */
  injectedRoutes(instance?: InstanceId): readonly BgpRoute[] {
    const slot = instance === undefined ? undefined : this.slots.get(instance);
    if (instance !== undefined && slot === undefined) return [];
    const routes: BgpRoute[] = [];
    this.programmed.forEachId((state, key) => {
      const id = slot === undefined ? this.states.unionOf(state) : this.states.idAt(state, slot);
      if (id !== 0) routes.push({ prefix: prefixFromKey(key), nextHops: this.hopSets.get(id) });
    });
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
