/**
 * The derived side of the model: system layers per VNet, user-route layers
 * per route table, route domains and which subnets use them. Rebuilt after
 * every accepted topology mutation; layers and domains whose inputs did not
 * change are reused (same object), so unchanged domains cost nothing and
 * changed ones are found by identity.
 */
import type { LpmTrie } from '../lib/lpm-trie.js';
import type { RouteServerBinding } from './bgp-input.js';
import type { RouteDomain, SystemLayer } from './route-domain.js';
import {
  buildSystemLayer,
  buildUserRouteLayer,
  routeDomainId,
  sameLayers,
  systemLayerSignature,
} from './route-domain.js';
import type { NetworkState } from './state.js';
import type { Subnet, UserDefinedRoute } from './types.js';

export interface DomainReassignment {
  readonly subnetId: string;
  readonly from: string | null;
  readonly to: string | null;
}

export interface RebuildResult {
  /** Domains present before and after whose layers changed: [before, after]. */
  readonly changed: readonly (readonly [RouteDomain, RouteDomain])[];
  readonly reassigned: readonly DomainReassignment[];
}

export class DomainRegistry {
  private domains = new Map<string, RouteDomain>();
  private subnetDomain = new Map<string, string>();
  private domainSubnets = new Map<string, Set<string>>();
  private readonly systemLayers = new Map<string, SystemLayer>();
  private readonly userLayers = new Map<string, LpmTrie<UserDefinedRoute>>();
  private byRouteServer = new Map<string, RouteDomain[]>();

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

  /** Domains that program a route server's BGP routes (propagation on). */
  domainsReceiving(routeServerId: string): readonly RouteDomain[] {
    return this.byRouteServer.get(routeServerId) ?? [];
  }

  /** Forgets a route table's layer so the next rebuild builds it from the new routes. */
  invalidateRouteTable(routeTableId: string): void {
    this.userLayers.delete(routeTableId);
  }

  rebuild(state: NetworkState, bindings: ReadonlyMap<string, RouteServerBinding>): RebuildResult {
    this.refreshLayers(state);
    const next = new Map<string, RouteDomain>();
    const subnetDomain = new Map<string, string>();
    const domainSubnets = new Map<string, Set<string>>();
    for (const subnet of state.subnets.values()) {
      const id = routeDomainId(subnet.vnetId, subnet.routeTableId);
      if (!next.has(id)) next.set(id, this.domainFor(state, bindings, subnet, id));
      subnetDomain.set(subnet.id, id);
      let set = domainSubnets.get(id);
      if (!set) domainSubnets.set(id, (set = new Set()));
      set.add(subnet.id);
    }
    const changed: (readonly [RouteDomain, RouteDomain])[] = [];
    for (const [id, domain] of next) {
      const old = this.domains.get(id);
      if (old && old !== domain) changed.push([old, domain]);
    }
    const reassigned: DomainReassignment[] = [];
    for (const subnetId of new Set([...this.subnetDomain.keys(), ...subnetDomain.keys()])) {
      const from = this.subnetDomain.get(subnetId) ?? null;
      const to = subnetDomain.get(subnetId) ?? null;
      if (from !== to) reassigned.push({ subnetId, from, to });
    }
    this.domains = next;
    this.subnetDomain = subnetDomain;
    this.domainSubnets = domainSubnets;
    this.byRouteServer = new Map();
    for (const domain of next.values()) {
      if (domain.bgp === null || domain.routeServerId === null) continue;
      const list = this.byRouteServer.get(domain.routeServerId) ?? [];
      list.push(domain);
      this.byRouteServer.set(domain.routeServerId, list);
    }
    return { changed, reassigned };
  }

  private refreshLayers(state: NetworkState): void {
    for (const id of this.systemLayers.keys()) if (!state.vnets.has(id)) this.systemLayers.delete(id);
    for (const vnet of state.vnets.values()) {
      const peerSpaces = state
        .connectedPeers(vnet.id)
        .flatMap((peer) => state.vnets.get(peer)!.addressSpaces);
      const signature = systemLayerSignature(vnet.addressSpaces, peerSpaces);
      if (this.systemLayers.get(vnet.id)?.signature !== signature) {
        this.systemLayers.set(vnet.id, buildSystemLayer(vnet.addressSpaces, peerSpaces));
      }
    }
    for (const id of this.userLayers.keys()) if (!state.routeTables.has(id)) this.userLayers.delete(id);
    for (const table of state.routeTables.values()) {
      if (!this.userLayers.has(table.id)) this.userLayers.set(table.id, buildUserRouteLayer(table));
    }
  }

  private domainFor(
    state: NetworkState,
    bindings: ReadonlyMap<string, RouteServerBinding>,
    subnet: Subnet,
    id: string,
  ): RouteDomain {
    const table = subnet.routeTableId === null ? undefined : state.routeTables.get(subnet.routeTableId);
    const routeServer = state.routeServerServing(subnet.vnetId);
    const binding = routeServer ? bindings.get(routeServer.id) : undefined;
    const disabled = table?.disableBgpRoutePropagation ?? false;
    const candidate: RouteDomain = {
      id,
      vnetId: subnet.vnetId,
      routeTableId: subnet.routeTableId,
      system: this.systemLayers.get(subnet.vnetId)!,
      user: table ? this.userLayers.get(table.id)! : null,
      bgp: binding && !disabled ? binding.routes : null,
      routeServerId: routeServer?.id ?? null,
      bgpPropagationDisabled: disabled,
    };
    const old = this.domains.get(id);
    const reusable =
      old &&
      sameLayers(old, candidate) &&
      old.routeServerId === candidate.routeServerId &&
      old.bgpPropagationDisabled === disabled;
    return reusable ? old : candidate;
  }
}
