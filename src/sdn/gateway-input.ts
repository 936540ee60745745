/**
 * The VNet gateways' side of the virtual network (docs/gateways.md, "Gateway
 * routes in the VNet"): what a VPN or ExpressRoute gateway learns from
 * on-prem is in the VMs' effective routes, source `VirtualNetworkGateway`,
 * next hop the GatewaySubnet address of each gateway instance that learned it
 * (both when both do: ECMP, as Azure shows an active-active gateway).
 *
 * Each gateway's speaker runs a route engine per instance, which applies the
 * injectability rule (src/rib/injection.ts) and reports what it injects
 * through the `InjectedRouteSink` port, as prefix keys and next-hop-set ids:
 * a `GatewayBinding` per gateway takes them. The next hop a VM gets is the
 * instance's own address, whatever the engine's BGP next hop (the on-prem
 * router's), so a binding keeps per instance only which prefixes it injects
 * (`PrefixIdMap`, src/lib/prefix-map.ts, no object per prefix).
 *
 * `VnetGatewayRoutes` holds the gateways of one VNet and programs one BGP
 * layer for them (bgp-layer.ts): per prefix the ExpressRoute gateway's
 * instances when it has the prefix, else the VPN gateway's. Azure prefers
 * ExpressRoute over VPN for the same prefix when both gateways coexist
 * without a route server (our reading of "Configure ExpressRoute and
 * site-to-site coexisting connections" and Microsoft's routing cheat sheet:
 * "Prefer ExpressRoute over VPN in coexistence scenarios"); the longest
 * prefix still wins first, by the VMs' lookup. With a route server in the
 * VNet its decision comes first (hub routing preference, bgp-sources.ts).
 */
import { PrefixIdMap } from '../lib/prefix-map.js';
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import { formatPrefix, prefixFromKey } from '../lib/prefix.js';
import type { InjectedRouteBatch, InjectedRouteSink, InstanceId } from '../rib/index.js';
import { InjectedChanges } from '../rib/index.js';
import type { BgpLayerChange, RouteChange } from './bgp-input.js';
import { BgpLayer } from './bgp-layer.js';
import { HopSetTable } from './hop-sets.js';
import type { BgpRoute, GatewayPlacement, VnetGatewayKind } from './types.js';

/** Lower is preferred between gateways of one VNet without a route server. */
const RANK: Readonly<Record<VnetGatewayKind, number>> = { ExpressRoute: 0, Vpn: 1 };

interface Slot {
  readonly gatewayId: string;
  readonly instance: InstanceId;
  readonly rank: number;
  /** the interned set holding the instance's address (retained while the slot lives) */
  readonly hopId: number;
  /** the prefixes the instance injects (value 1) */
  readonly prefixes: PrefixIdMap;
}

type ChangeHandler = (vnetId: string, changes: readonly BgpLayerChange[]) => void;

export class VnetGatewayRoutes {
  private readonly hopSets = new HopSetTable();
  private readonly programmed = new BgpLayer(this.hopSets);
  private readonly slots: Slot[] = [];
  private spaces: readonly Prefix[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly vnetId: string,
    private readonly onLayerChange: ChangeHandler,
    private readonly wantsChanges: () => boolean,
  ) {}

  /** The programmed routes of the VNet's gateways. */
  get routes(): BgpLayer {
    return this.programmed;
  }

  /** How many gateways are placed (0: the VNet programs no gateway route). */
  get gatewayCount(): number {
    return new Set(this.slots.map((slot) => slot.gatewayId)).size;
  }

  /** Adds a gateway's instances (each with nothing injected yet). */
  addGateway(placement: GatewayPlacement): void {
    for (const { instance, address } of placement.instances) {
      const hopId = this.hopSets.intern([address]);
      this.hopSets.retain(hopId);
      this.slots.push({
        gatewayId: placement.id,
        instance,
        rank: RANK[placement.type],
        hopId,
        prefixes: new PrefixIdMap(),
      });
    }
    this.hopSets.sweep();
  }

  /** Removes a gateway: what it alone programmed leaves the layer. */
  removeGateway(gatewayId: string): void {
    const gone = this.slots.filter((slot) => slot.gatewayId === gatewayId);
    const changes = this.changeRecorder();
    for (const slot of gone) this.slots.splice(this.slots.indexOf(slot), 1);
    for (const slot of gone) {
      slot.prefixes.forEach((_value, key) => this.reprogram(key, changes));
      this.hopSets.release(slot.hopId);
    }
    this.publish(changes);
  }

  /** Applies one instance's batch (the gateway's `GatewayBinding` calls it). */
  apply(gatewayId: string, instance: InstanceId, batch: InjectedRouteBatch): void {
    const slot = this.slots.find((s) => s.gatewayId === gatewayId && s.instance === instance);
    if (slot === undefined) return;
    const changes = this.changeRecorder();
    for (let i = 0; i < batch.size; i++) {
      const key = batch.keyAt(i);
      const injected = batch.hopSetAt(i) !== 0;
      if (injected === slot.prefixes.has(key)) continue;
      if (injected) slot.prefixes.set(key, 1);
      else slot.prefixes.delete(key);
      this.reprogram(key, changes);
    }
    this.publish(changes);
  }

  /** Withdraws everything one instance injected (its speaker stopped or failed). */
  withdrawInstance(gatewayId: string, instance: InstanceId): void {
    const slot = this.slots.find((s) => s.gatewayId === gatewayId && s.instance === instance);
    if (slot === undefined) return;
    const keys: PrefixKey[] = [];
    slot.prefixes.forEach((_value, key) => keys.push(key));
    const changes = this.changeRecorder();
    slot.prefixes.clear();
    for (const key of keys) this.reprogram(key, changes);
    this.publish(changes);
  }

  /** The prefixes one instance injects. */
  injectedPrefixes(gatewayId: string, instance: InstanceId): Prefix[] {
    const slot = this.slots.find((s) => s.gatewayId === gatewayId && s.instance === instance);
    const prefixes: Prefix[] = [];
    slot?.prefixes.forEach((_value, key) => prefixes.push(prefixFromKey(key)));
    return prefixes;
  }

  /** The set for `key`: the instances of the most preferred gateway type that inject it. */
  private reprogram(key: PrefixKey, changes: BgpLayerChange[] | undefined): void {
    let rank = Infinity;
    let id = 0;
    for (const slot of this.slots) {
      if (slot.rank > rank || !slot.prefixes.has(key)) continue;
      if (slot.rank < rank) {
        rank = slot.rank;
        id = slot.hopId;
      } else id = this.hopSets.union(id, slot.hopId);
    }
    const before = this.programmed.idOf(key);
    if (before === id) return;
    if (changes !== undefined) {
      const prefix = prefixFromKey(key);
      changes.push({ prefix, before: this.routeOf(prefix, before), after: this.routeOf(prefix, id) });
    }
    this.programmed.setId(key, id, before);
  }

  private routeOf(prefix: Prefix, id: number): BgpRoute | undefined {
    return id === 0 ? undefined : { prefix, nextHops: this.hopSets.get(id) };
  }

  private changeRecorder(): BgpLayerChange[] | undefined {
    return this.wantsChanges() ? [] : undefined;
  }

  private publish(changes: BgpLayerChange[] | undefined): void {
    this.hopSets.sweep();
    if (changes !== undefined && changes.length > 0) this.onLayerChange(this.vnetId, changes);
  }

  // ---- the address spaces the gateways advertise (VirtualNetworkView of their engines) ----

  /** The hub VNet's spaces, then those of the spokes using its gateways (set by the model). */
  advertisedAddressSpaces(): readonly Prefix[] {
    return this.spaces;
  }

  onAddressSpacesChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Sets the advertised spaces; true when they changed. */
  setAdvertisedSpaces(spaces: readonly Prefix[]): boolean {
    const text = (list: readonly Prefix[]): string => list.map(formatPrefix).join(',');
    if (text(spaces) === text(this.spaces)) return false;
    this.spaces = [...spaces];
    return true;
  }

  notifyAddressSpacesChanged(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/**
 * One gateway's port for its speaker's route engines (`InjectedRouteSink`)
 * and for what the speaker advertises (the spaces of its VNet's gateways).
 */
export class GatewayBinding implements InjectedRouteSink {
  constructor(
    readonly id: string,
    readonly vnetId: string,
    private readonly group: VnetGatewayRoutes,
  ) {}

  applyInjectedRoutes(instance: InstanceId, changes: InjectedRouteBatch): void {
    this.group.apply(this.id, instance, changes);
  }

  /** The same, for changes given as objects (decoded from another thread, or written in a test). */
  applyRouteChanges(instance: InstanceId, changes: readonly RouteChange[]): void {
    this.applyInjectedRoutes(instance, InjectedChanges.of(changes));
  }

  /** Withdraws what one instance injected (its engine stopped). */
  withdrawInstance(instance: InstanceId): void {
    this.group.withdrawInstance(this.id, instance);
  }

  /** The prefixes one instance injects (next hop: that instance's address). */
  injectedPrefixes(instance: InstanceId): Prefix[] {
    return this.group.injectedPrefixes(this.id, instance);
  }

  /** The spaces the gateway's speaker advertises without a route server (with one: the route server's). */
  advertisedAddressSpaces(): readonly Prefix[] {
    return this.group.advertisedAddressSpaces();
  }

  onAddressSpacesChanged(listener: () => void): () => void {
    return this.group.onAddressSpacesChanged(listener);
  }
}
