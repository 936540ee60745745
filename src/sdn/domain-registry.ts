/**
 * The derived side of the model: system layers per VNet, user-route layers
 * per route table, route domains and which subnets use them.
 *
 * Updated after every accepted topology mutation from what the mutation
 * marked dirty (a VNet, a route table, a subnet), never by walking the whole
 * model: a change costs what the resources it touches cost, whatever else is
 * stored. Layers and domains whose inputs did not change are reused (same
 * object), so unchanged domains cost nothing and changed ones are found by
 * identity.
 */
import type { LpmTrie } from '../lib/lpm-trie.js';
import { addToSetMap, removeFromSetMap } from '../lib/set-map.js';
import type { PrefixLayer } from './bgp-layer.js';
import type { RouteDomain, SystemLayer } from './route-domain.js';
import {
  buildSystemLayer,
  buildUserRouteLayer,
  routeDomainId,
  sameLayers,
  systemLayerSignature,
} from './route-domain.js';
import type { NetworkState } from './state.js';
import type { BgpRoute, Subnet, UserDefinedRoute } from './types.js';

/** The programmed BGP routes of a hub VNet (route server and/or gateways), undefined when it has none. */
type HubLayerLookup = (hubVnetId: string) => PrefixLayer<BgpRoute> | undefined;

interface DomainReassignment {
  readonly subnetId: string;
  readonly from: string | null;
  readonly to: string | null;
}

export interface RebuildResult {
  /** Domains present before and after whose layers changed: [before, after]. */
  readonly changed: readonly (readonly [RouteDomain, RouteDomain])[];
  readonly reassigned: readonly DomainReassignment[];
}

/** How much work the last `rebuild` did (for tests: work follows the change, not the model's size). */
export interface RebuildWork {
  readonly systemLayersChecked: number;
  readonly userLayersBuilt: number;
  readonly subnetsChecked: number;
  readonly domainsChecked: number;
}

export class DomainRegistry {
  private readonly domains = new Map<string, RouteDomain>();
  private readonly subnetDomain = new Map<string, string>();
  private readonly domainSubnets = new Map<string, Set<string>>();
  private readonly domainsByVnet = new Map<string, Set<string>>();
  private readonly domainsByTable = new Map<string, Set<string>>();
  private readonly domainsByHub = new Map<string, Set<string>>();
  private readonly receivingCache = new Map<string, readonly RouteDomain[]>();
  private readonly systemLayers = new Map<string, SystemLayer>();
  private readonly userLayers = new Map<string, LpmTrie<UserDefinedRoute>>();
  /** the hub VNet each VNet was served by at the last rebuild */
  private readonly servedBy = new Map<string, string>();
  private readonly dirtyLayers = new Set<string>();
  private readonly dirtyDomainVnets = new Set<string>();
  private readonly dirtyTables = new Set<string>();
  private readonly dirtySubnets = new Set<string>();
  private work: RebuildWork = {
    systemLayersChecked: 0,
    userLayersBuilt: 0,
    subnetsChecked: 0,
    domainsChecked: 0,
  };

  domain(domainId: string): RouteDomain | undefined {
    return this.domains.get(domainId);
  }

  domainOfSubnet(subnetId: string): RouteDomain | undefined {
    const id = this.subnetDomain.get(subnetId);
    return id === undefined ? undefined : this.domains.get(id);
  }

  subnetsOf(domainId: string): readonly string[] {
    return [...(this.domainSubnets.get(domainId) ?? [])];
  }

  allDomains(): readonly RouteDomain[] {
    return [...this.domains.values()];
  }

  /** Domains that program a hub VNet's BGP routes (propagation on), by id. */
  domainsReceiving(hubVnetId: string): readonly RouteDomain[] {
    let list = this.receivingCache.get(hubVnetId);
    if (list === undefined) {
      const ids = this.domainsByHub.get(hubVnetId) ?? [];
      list = [...ids].sort().map((id) => this.domains.get(id)!);
      this.receivingCache.set(hubVnetId, list);
    }
    return list;
  }

  lastRebuildWork(): RebuildWork {
    return this.work;
  }

  // ---- what changed -------------------------------------------------------------------------

  /** A VNet's address spaces, peerings, route server or gateways changed (or it was created or deleted). */
  markVnet(vnetId: string): void {
    this.dirtyLayers.add(vnetId);
    this.dirtyDomainVnets.add(vnetId);
  }

  /** A route table was created, changed or deleted. */
  markRouteTable(routeTableId: string): void {
    this.dirtyTables.add(routeTableId);
  }

  /** A subnet was created, deleted or associated with another route table. */
  markSubnet(subnetId: string): void {
    this.dirtySubnets.add(subnetId);
  }

  /** Hub VNets that served, or now serve, a VNet marked dirty. */
  hubsAffected(state: NetworkState): Set<string> {
    const affected = new Set<string>();
    for (const vnetId of this.dirtyLayers) {
      const before = this.servedBy.get(vnetId);
      if (before !== undefined) affected.add(before);
      const now = state.vnets.has(vnetId) ? state.hubServing(vnetId) : undefined;
      if (now !== undefined) affected.add(now);
    }
    return affected;
  }

  // ---- rebuild --------------------------------------------------------------------------------

  rebuild(state: NetworkState, bgpLayerOf: HubLayerLookup): RebuildResult {
    const work = { systemLayersChecked: 0, userLayersBuilt: 0, subnetsChecked: 0, domainsChecked: 0 };
    const touched = new Set<string>();
    for (const vnetId of this.dirtyLayers) {
      work.systemLayersChecked++;
      this.refreshSystemLayer(state, vnetId);
    }
    for (const tableId of this.dirtyTables) {
      const table = state.routeTables.get(tableId);
      if (table === undefined) this.userLayers.delete(tableId);
      else {
        work.userLayersBuilt++;
        this.userLayers.set(tableId, buildUserRouteLayer(table));
      }
      for (const id of this.domainsByTable.get(tableId) ?? []) touched.add(id);
    }
    for (const vnetId of this.dirtyDomainVnets)
      for (const id of this.domainsByVnet.get(vnetId) ?? []) touched.add(id);
    const reassigned = this.reassignSubnets(state, touched);
    work.subnetsChecked = this.dirtySubnets.size;
    const changed: (readonly [RouteDomain, RouteDomain])[] = [];
    for (const id of touched) {
      work.domainsChecked++;
      const update = this.refreshDomain(state, bgpLayerOf, id);
      if (update !== undefined) changed.push(update);
    }
    this.dirtyLayers.clear();
    this.dirtyDomainVnets.clear();
    this.dirtyTables.clear();
    this.dirtySubnets.clear();
    this.work = work;
    return { changed, reassigned };
  }

  private refreshSystemLayer(state: NetworkState, vnetId: string): void {
    const vnet = state.vnets.get(vnetId);
    if (vnet === undefined) {
      this.systemLayers.delete(vnetId);
      this.servedBy.delete(vnetId);
      return;
    }
    const serving = state.hubServing(vnetId);
    if (serving === undefined) this.servedBy.delete(vnetId);
    else this.servedBy.set(vnetId, serving);
    const peerSpaces = state.connectedPeers(vnetId).flatMap((peer) => state.vnets.get(peer)!.addressSpaces);
    const signature = systemLayerSignature(vnet.addressSpaces, peerSpaces);
    if (this.systemLayers.get(vnetId)?.signature !== signature) {
      this.systemLayers.set(vnetId, buildSystemLayer(vnet.addressSpaces, peerSpaces));
    }
  }

  /** Moves every dirty subnet to the domain of its (VNet, route table); adds both domains to `touched`. */
  private reassignSubnets(state: NetworkState, touched: Set<string>): DomainReassignment[] {
    const reassigned: DomainReassignment[] = [];
    for (const subnetId of this.dirtySubnets) {
      const subnet = state.subnets.get(subnetId);
      const from = this.subnetDomain.get(subnetId) ?? null;
      const to = subnet === undefined ? null : routeDomainId(subnet.vnetId, subnet.routeTableId);
      if (from === to) continue;
      if (from !== null) {
        removeFromSetMap(this.domainSubnets, from, subnetId);
        touched.add(from);
      }
      if (to === null) this.subnetDomain.delete(subnetId);
      else {
        this.subnetDomain.set(subnetId, to);
        addToSetMap(this.domainSubnets, to, subnetId);
        touched.add(to);
      }
      reassigned.push({ subnetId, from, to });
    }
    return reassigned;
  }

  /** Recomputes one domain: dropped without subnets, reused when its layers are the same; returns [old, new] when replaced. */
  private refreshDomain(
    state: NetworkState,
    bgpLayerOf: HubLayerLookup,
    id: string,
  ): readonly [RouteDomain, RouteDomain] | undefined {
    const old = this.domains.get(id);
    const subnets = this.domainSubnets.get(id);
    const anySubnet = subnets === undefined ? undefined : state.subnets.get(subnets.values().next().value!);
    if (anySubnet === undefined) {
      if (old !== undefined) this.unindex(old);
      return undefined;
    }
    const candidate = this.domainFor(state, bgpLayerOf, anySubnet, id);
    if (old !== undefined && this.reusable(old, candidate)) return undefined;
    if (old !== undefined) this.unindex(old);
    this.index(candidate);
    return old === undefined ? undefined : [old, candidate];
  }

  private reusable(old: RouteDomain, candidate: RouteDomain): boolean {
    return (
      sameLayers(old, candidate) &&
      old.hubVnetId === candidate.hubVnetId &&
      old.routeServerId === candidate.routeServerId &&
      old.bgpPropagationDisabled === candidate.bgpPropagationDisabled
    );
  }

  private index(domain: RouteDomain): void {
    this.domains.set(domain.id, domain);
    addToSetMap(this.domainsByVnet, domain.vnetId, domain.id);
    if (domain.routeTableId !== null) addToSetMap(this.domainsByTable, domain.routeTableId, domain.id);
    if (domain.bgp !== null && domain.hubVnetId !== null) {
      addToSetMap(this.domainsByHub, domain.hubVnetId, domain.id);
      this.receivingCache.delete(domain.hubVnetId);
    }
  }

  private unindex(domain: RouteDomain): void {
    this.domains.delete(domain.id);
    removeFromSetMap(this.domainsByVnet, domain.vnetId, domain.id);
    if (domain.routeTableId !== null) removeFromSetMap(this.domainsByTable, domain.routeTableId, domain.id);
    if (domain.bgp !== null && domain.hubVnetId !== null) {
      removeFromSetMap(this.domainsByHub, domain.hubVnetId, domain.id);
      this.receivingCache.delete(domain.hubVnetId);
    }
  }

  private domainFor(
    state: NetworkState,
    bgpLayerOf: HubLayerLookup,
    subnet: Subnet,
    id: string,
  ): RouteDomain {
    const table = subnet.routeTableId === null ? undefined : state.routeTables.get(subnet.routeTableId);
    const hub = state.hubServing(subnet.vnetId);
    const routeServer = hub === undefined ? undefined : state.routeServerIn(hub);
    const layer = hub === undefined ? undefined : bgpLayerOf(hub);
    const disabled = table?.disableBgpRoutePropagation ?? false;
    return {
      id,
      vnetId: subnet.vnetId,
      routeTableId: subnet.routeTableId,
      system: this.systemLayers.get(subnet.vnetId)!,
      user: table ? this.userLayers.get(table.id)! : null,
      bgp: layer !== undefined && !disabled ? layer : null,
      hubVnetId: hub ?? null,
      routeServerId: routeServer?.id ?? null,
      bgpPropagationDisabled: disabled,
    };
  }
}
