/**
 * The virtual network model: VNets, subnets, peerings, route tables, NICs and
 * route servers, with every NIC's effective routes.
 *
 * Each mutation validates first (validation.ts) and throws an `SdnError`
 * without touching anything; then it changes the stored resources, rebuilds
 * the derived route domains (reusing whatever did not change) and publishes
 * what changed on the diagnostics channel (events.ts). BGP changes arrive
 * through a route server's binding (bgp-input.ts) or a gateway's
 * (gateway-input.ts) and touch each affected domain once.
 */
import type { Prefix } from '../lib/prefix.js';
import { parseAddress } from './addresses.js';
import type { BgpLayerChange } from './bgp-input.js';
import { RouteServerBinding } from './bgp-input.js';
import type { PrefixLayer } from './bgp-layer.js';
import { LayeredBgpRoutes } from './bgp-sources.js';
import { DomainRegistry } from './domain-registry.js';
import type { RebuildResult, RebuildWork } from './domain-registry.js';
import {
  bgpOnlyRows,
  effectiveRouteTable,
  isBgpOnlyPrefix,
  routesAtPrefix,
  sameRows,
} from './effective-routes.js';
import { SDN_ERROR_CODES as E, SdnError } from './errors.js';
import { GatewayBinding, VnetGatewayRoutes } from './gateway-input.js';
import type { DomainRoutesChange, PrefixRoutesChange } from './events.js';
import { hasRouteEventSubscribers, publishRouteEvent } from './events.js';
import type { NextHopResult } from './next-hop.js';
import { resolveNextHop } from './next-hop.js';
import type { RouteDomain } from './route-domain.js';
import { NetworkState } from './state.js';
import { diffDomains, LayerDeltaCache } from './topology-diff.js';
import type {
  BgpRoute,
  EffectiveRoute,
  GatewayPlacement,
  NetworkInterface,
  PeeringState,
  UserRouteTable,
  Subnet,
  UserDefinedRoute,
  VirtualNetwork,
  VirtualNetworkPeering,
} from './types.js';
import type { SubnetInput } from './validation.js';
import * as validate from './validation.js';

export interface VirtualNetworkInput {
  readonly id: string;
  readonly addressSpaces: readonly Prefix[];
}

export interface RouteTableInput {
  readonly id: string;
  readonly disableBgpRoutePropagation?: boolean;
  readonly routes?: readonly UserDefinedRoute[];
}

export interface PeeringInput {
  readonly id: string;
  readonly localVnetId: string;
  readonly remoteVnetId: string;
  readonly allowGatewayTransit?: boolean;
  readonly useRemoteGateways?: boolean;
}

export interface ModelOptions {
  /** Names this model in published events (several models can share a process). */
  readonly name?: string;
}

export class VirtualNetworkModel {
  readonly name: string;
  private readonly state = new NetworkState();
  private readonly registry = new DomainRegistry();
  private readonly bindings = new Map<string, RouteServerBinding>();
  /** gateway id → its binding */
  private readonly gatewayBindings = new Map<string, GatewayBinding>();
  /** VNet id → the routes of its gateways (while it has any) */
  private readonly gatewayRoutes = new Map<string, VnetGatewayRoutes>();
  /** VNet id → the route server's and the gateways' routes, for a VNet with both */
  private readonly layered = new Map<string, LayeredBgpRoutes>();
  private sequence = 0;
  /** NIC ids per route domain, built on demand for events; dropped when NICs or domains change. */
  private readonly domainNics = new Map<string, readonly string[]>();

  constructor(options: ModelOptions = {}) {
    this.name = options.name ?? 'default';
  }

  // ---- virtual networks -------------------------------------------------

  createVirtualNetwork(input: VirtualNetworkInput): VirtualNetwork {
    validate.requireNew(this.state.vnets.has(input.id), 'virtual network', input.id);
    validate.validateAddressSpaces(this.state, input.id, input.addressSpaces);
    const vnet: VirtualNetwork = { id: input.id, addressSpaces: [...input.addressSpaces] };
    this.state.putVnet(vnet);
    this.markVnetAndPeers(vnet.id);
    this.refresh();
    return vnet;
  }

  setAddressSpaces(vnetId: string, addressSpaces: readonly Prefix[]): VirtualNetwork {
    validate.requireVnet(this.state, vnetId, 'id');
    validate.validateAddressSpaces(this.state, vnetId, addressSpaces);
    const vnet: VirtualNetwork = { id: vnetId, addressSpaces: [...addressSpaces] };
    this.state.putVnet(vnet);
    this.markVnetAndPeers(vnetId);
    this.refresh();
    return vnet;
  }

  /** Deletes a VNet and its (empty) subnets; refused while NICs, peerings or a route server use it. */
  deleteVirtualNetwork(vnetId: string): void {
    validate.validateVnetDelete(this.state, vnetId);
    for (const subnet of this.state.subnetsOf(vnetId)) this.removeSubnet(subnet);
    this.markVnetAndPeers(vnetId);
    this.state.deleteVnet(vnetId);
    this.refresh();
  }

  // ---- subnets ------------------------------------------------------------

  createSubnet(input: SubnetInput): Subnet {
    const id = `${input.vnetId}/subnets/${input.name}`;
    validate.validateSubnet(this.state, input, id);
    const subnet: Subnet = {
      id,
      vnetId: input.vnetId,
      name: input.name,
      addressPrefix: input.addressPrefix,
      routeTableId: input.routeTableId ?? null,
    };
    this.state.putSubnet(subnet);
    this.registry.markSubnet(id);
    this.refresh();
    return subnet;
  }

  deleteSubnet(subnetId: string): void {
    validate.validateSubnetDelete(this.state, subnetId);
    this.removeSubnet(this.state.subnets.get(subnetId)!);
    this.refresh();
  }

  private removeSubnet(subnet: Subnet): void {
    this.state.deleteSubnet(subnet);
    this.registry.markSubnet(subnet.id);
  }

  /** Associates a route table with a subnet, or removes the association with null. */
  setSubnetRouteTable(subnetId: string, routeTableId: string | null): Subnet {
    const subnet = validate.requireSubnet(this.state, subnetId, 'id');
    validate.validateAssociation(this.state, subnet, routeTableId);
    const updated: Subnet = { ...subnet, routeTableId };
    this.state.putSubnet(updated);
    this.registry.markSubnet(subnetId);
    this.refresh();
    return updated;
  }

  // ---- route tables -------------------------------------------------------

  createRouteTable(input: RouteTableInput): UserRouteTable {
    validate.requireNew(this.state.routeTables.has(input.id), 'route table', input.id);
    const table: UserRouteTable = {
      id: input.id,
      disableBgpRoutePropagation: input.disableBgpRoutePropagation ?? false,
      routes: [...(input.routes ?? [])],
    };
    validate.validateRouteTable(table);
    this.state.routeTables.set(table.id, table);
    this.registry.markRouteTable(table.id);
    this.refresh();
    return table;
  }

  updateRouteTable(
    routeTableId: string,
    changes: { readonly disableBgpRoutePropagation?: boolean; readonly routes?: readonly UserDefinedRoute[] },
  ): UserRouteTable {
    const current = validate.requireRouteTable(this.state, routeTableId, 'id');
    const table: UserRouteTable = {
      id: routeTableId,
      disableBgpRoutePropagation: changes.disableBgpRoutePropagation ?? current.disableBgpRoutePropagation,
      routes: [...(changes.routes ?? current.routes)],
    };
    validate.validateRouteTable(table);
    this.state.routeTables.set(routeTableId, table);
    this.registry.markRouteTable(routeTableId);
    this.refresh();
    return table;
  }

  /** Creates or replaces the route with `route.name`. */
  setRoute(routeTableId: string, route: UserDefinedRoute): UserRouteTable {
    const current = validate.requireRouteTable(this.state, routeTableId, 'id');
    const others = current.routes.filter((r) => r.name !== route.name);
    return this.updateRouteTable(routeTableId, { routes: [...others, route] });
  }

  deleteRoute(routeTableId: string, routeName: string): UserRouteTable {
    const current = validate.requireRouteTable(this.state, routeTableId, 'id');
    if (!current.routes.some((r) => r.name === routeName)) {
      throw new SdnError(E.NOT_FOUND, `route '${routeName}' is not in route table '${routeTableId}'`, 'name');
    }
    return this.updateRouteTable(routeTableId, {
      routes: current.routes.filter((r) => r.name !== routeName),
    });
  }

  deleteRouteTable(routeTableId: string): void {
    validate.validateRouteTableDelete(this.state, routeTableId);
    this.state.routeTables.delete(routeTableId);
    this.registry.markRouteTable(routeTableId);
    this.refresh();
  }

  // ---- peerings -----------------------------------------------------------

  createPeering(input: PeeringInput): VirtualNetworkPeering {
    const peering: VirtualNetworkPeering = {
      id: input.id,
      localVnetId: input.localVnetId,
      remoteVnetId: input.remoteVnetId,
      allowGatewayTransit: input.allowGatewayTransit ?? false,
      useRemoteGateways: input.useRemoteGateways ?? false,
    };
    validate.validatePeering(this.state, peering, false);
    this.state.putPeering(peering);
    this.markPeeringEnds(peering);
    this.refresh();
    return peering;
  }

  updatePeering(
    peeringId: string,
    changes: { readonly allowGatewayTransit?: boolean; readonly useRemoteGateways?: boolean },
  ): VirtualNetworkPeering {
    const current = this.requirePeering(peeringId);
    const peering: VirtualNetworkPeering = { ...current, ...changes };
    validate.validatePeering(this.state, peering, true);
    this.state.putPeering(peering);
    this.markPeeringEnds(peering);
    this.refresh();
    return peering;
  }

  deletePeering(peeringId: string): void {
    const peering = this.requirePeering(peeringId);
    this.state.deletePeering(peeringId);
    this.markPeeringEnds(peering);
    this.refresh();
  }

  peeringState(peeringId: string): PeeringState {
    return this.state.peeringState(this.requirePeering(peeringId));
  }

  private requirePeering(peeringId: string): VirtualNetworkPeering {
    const peering = this.state.peerings.get(peeringId);
    if (!peering) throw new SdnError(E.NOT_FOUND, `peering '${peeringId}' does not exist`, 'id');
    return peering;
  }

  // ---- network interfaces -------------------------------------------------

  createNetworkInterface(input: validate.NicInput): NetworkInterface {
    const address = validate.validateNic(this.state, input);
    const nic: NetworkInterface = { id: input.id, subnetId: input.subnetId, privateIpAddress: address };
    this.state.nics.set(nic.id, nic);
    this.state.nicsBySubnet.get(nic.subnetId)!.set(address, nic.id);
    this.forgetDomainNics(nic.subnetId);
    this.publishNicAssignment(nic, true);
    return nic;
  }

  deleteNetworkInterface(nicId: string): void {
    const nic = this.requireNic(nicId);
    this.state.nics.delete(nicId);
    this.state.nicsBySubnet.get(nic.subnetId)?.delete(nic.privateIpAddress);
    this.forgetDomainNics(nic.subnetId);
    this.publishNicAssignment(nic, false);
  }

  private forgetDomainNics(subnetId: string): void {
    const domain = this.registry.domainOfSubnet(subnetId);
    if (domain) this.domainNics.delete(domain.id);
  }

  private requireNic(nicId: string): NetworkInterface {
    const nic = this.state.nics.get(nicId);
    if (!nic) throw new SdnError(E.NOT_FOUND, `network interface '${nicId}' does not exist`, 'nicId');
    return nic;
  }

  // ---- route servers ------------------------------------------------------

  /**
   * Places a route server in a VNet (which needs a RouteServerSubnet) and
   * returns its binding: the route engine's `InjectedRouteSink` and
   * `VirtualNetworkView` for that route server.
   */
  attachRouteServer(input: { readonly id: string; readonly vnetId: string }): RouteServerBinding {
    validate.validateRouteServerAttach(this.state, input.id, input.vnetId);
    this.state.putRouteServer({ id: input.id, vnetId: input.vnetId });
    this.markVnetAndPeers(input.vnetId);
    const binding = new RouteServerBinding(
      input.id,
      input.vnetId,
      (b, changes) => this.onBgpLayerChange(b, changes),
      { wantsChanges: hasRouteEventSubscribers },
    );
    this.bindings.set(input.id, binding);
    this.refresh();
    return binding;
  }

  detachRouteServer(routeServerId: string): void {
    validate.validateRouteServerDetach(this.state, routeServerId);
    this.markVnetAndPeers(this.state.routeServers.get(routeServerId)!.vnetId);
    this.state.deleteRouteServer(routeServerId);
    this.bindings.delete(routeServerId);
    this.refresh();
  }

  routeServer(routeServerId: string): RouteServerBinding | undefined {
    return this.bindings.get(routeServerId);
  }

  // ---- VPN and ExpressRoute gateways -------------------------------------

  /**
   * Places a VPN or ExpressRoute gateway in a VNet and returns its binding:
   * the `InjectedRouteSink` of its speaker's engines. What the gateway
   * learns reaches the VNet's VMs, and the spokes using its gateways, with
   * or without a route server there (docs/gateways.md).
   */
  attachGateway(placement: GatewayPlacement): GatewayBinding {
    validate.validateGatewayAttach(this.state, placement);
    const stored: GatewayPlacement = {
      ...placement,
      instances: placement.instances.map(({ instance, address }) => ({ instance, address })),
    };
    this.state.putGateway(stored);
    let group = this.gatewayRoutes.get(stored.vnetId);
    if (group === undefined) {
      group = new VnetGatewayRoutes(
        stored.vnetId,
        (vnetId, changes) => this.onGatewayLayerChange(vnetId, changes),
        hasRouteEventSubscribers,
      );
      this.gatewayRoutes.set(stored.vnetId, group);
    }
    group.addGateway(stored);
    const binding = new GatewayBinding(stored.id, stored.vnetId, group);
    this.gatewayBindings.set(stored.id, binding);
    this.markVnetAndPeers(stored.vnetId);
    this.refresh();
    return binding;
  }

  /** Removes a gateway: what it programmed leaves the VMs (refused while a spoke uses it as its last remote gateway). */
  detachGateway(gatewayId: string): void {
    validate.validateGatewayDetach(this.state, gatewayId);
    const placement = this.state.gateways.get(gatewayId)!;
    const group = this.gatewayRoutes.get(placement.vnetId)!;
    group.removeGateway(gatewayId);
    this.state.deleteGateway(gatewayId);
    this.gatewayBindings.delete(gatewayId);
    if (group.gatewayCount === 0) this.gatewayRoutes.delete(placement.vnetId);
    this.markVnetAndPeers(placement.vnetId);
    this.refresh();
  }

  gateway(gatewayId: string): GatewayBinding | undefined {
    return this.gatewayBindings.get(gatewayId);
  }

  // ---- queries ------------------------------------------------------------

  virtualNetwork(vnetId: string): VirtualNetwork | undefined {
    return this.state.vnets.get(vnetId);
  }

  subnet(subnetId: string): Subnet | undefined {
    return this.state.subnets.get(subnetId);
  }

  routeTable(routeTableId: string): UserRouteTable | undefined {
    return this.state.routeTables.get(routeTableId);
  }

  networkInterface(nicId: string): NetworkInterface | undefined {
    return this.state.nics.get(nicId);
  }

  peering(peeringId: string): VirtualNetworkPeering | undefined {
    return this.state.peerings.get(peeringId);
  }

  /** Ids of the subnets associated with a route table. */
  subnetsUsingRouteTable(routeTableId: string): readonly string[] {
    return this.state.subnetsUsingRouteTable(routeTableId);
  }

  /** What the last topology change recomputed (tests check that it follows the change, not the model's size). */
  lastRebuildWork(): RebuildWork {
    return this.registry.lastRebuildWork();
  }

  routeDomains(): readonly RouteDomain[] {
    return this.registry.allDomains();
  }

  routeDomainOfSubnet(subnetId: string): RouteDomain {
    validate.requireSubnet(this.state, subnetId);
    return this.registry.domainOfSubnet(subnetId)!;
  }

  subnetsOfDomain(domainId: string): readonly string[] {
    return this.registry.subnetsOf(domainId);
  }

  /** NIC ids of a domain (cached; the array is frozen and shared with events). */
  nicsOfDomain(domainId: string): readonly string[] {
    let nics = this.domainNics.get(domainId);
    if (!nics) {
      const subnets = this.registry.subnetsOf(domainId);
      nics = Object.freeze(subnets.flatMap((s) => [...(this.state.nicsBySubnet.get(s)?.values() ?? [])]));
      this.domainNics.set(domainId, nics);
    }
    return nics;
  }

  effectiveRoutesForSubnet(subnetId: string): EffectiveRoute[] {
    return effectiveRouteTable(this.routeDomainOfSubnet(subnetId));
  }

  /** A NIC's effective route table, in Azure's shape (shared by every NIC of its subnet). */
  effectiveRoutes(nicId: string): EffectiveRoute[] {
    return this.effectiveRoutesForSubnet(this.requireNic(nicId).subnetId);
  }

  /** Network Watcher-style next hop for traffic from a NIC to a destination IP. */
  nextHop(nicId: string, destinationIp: string): NextHopResult {
    const nic = this.requireNic(nicId);
    const destination = parseAddress(destinationIp);
    if (!destination) {
      throw new SdnError(E.INVALID_ADDRESS, `'${destinationIp}' is not an IP address`, 'destinationIp');
    }
    return resolveNextHop(this.registry.domainOfSubnet(nic.subnetId)!, destination);
  }

  // ---- change propagation -------------------------------------------------

  /**
   * A VNet's system layer holds its connected peers' spaces, and which route
   * server serves a VNet depends on its peerings: a change of a VNet's
   * spaces, peerings or route server concerns its peers too.
   */
  private markVnetAndPeers(vnetId: string): void {
    this.registry.markVnet(vnetId);
    for (const peer of this.state.peersOf(vnetId)) this.registry.markVnet(peer);
  }

  private markPeeringEnds(peering: VirtualNetworkPeering): void {
    this.registry.markVnet(peering.localVnetId);
    this.registry.markVnet(peering.remoteVnetId);
  }

  /**
   * Brings the derived state in step with what the last mutation marked:
   * the advertised spaces of the route servers serving a marked VNet (before
   * or after), then the marked layers and domains.
   */
  private refresh(): void {
    this.domainNics.clear();
    const spacesChanged: (RouteServerBinding | VnetGatewayRoutes)[] = [];
    for (const hubVnetId of this.registry.hubsAffected(this.state)) {
      const served = this.state.vnetsServedByHub(hubVnetId);
      const spaces = served.flatMap((vnetId) => this.state.vnets.get(vnetId)!.addressSpaces);
      const routeServer = this.state.routeServerIn(hubVnetId);
      const binding = routeServer === undefined ? undefined : this.bindings.get(routeServer.id);
      // the programmed routes stay: the instances withdraw what the new spaces hold (src/rib/injection.ts)
      if (binding?.setAdvertisedSpaces(spaces) === true) spacesChanged.push(binding);
      const gateways = this.gatewayRoutes.get(hubVnetId);
      if (gateways?.setAdvertisedSpaces(spaces) === true) spacesChanged.push(gateways);
    }
    const result = this.registry.rebuild(this.state, (hubVnetId) => this.bgpLayerOf(hubVnetId));
    if (hasRouteEventSubscribers()) this.publishTopologyChanges(result);
    for (const source of spacesChanged) source.notifyAddressSpacesChanged();
  }

  /**
   * The BGP routes a hub VNet programs: its route server's, its gateways',
   * or with both, the route server's first (bgp-sources.ts). The same object
   * while the sources stay, so unchanged domains are reused.
   */
  private bgpLayerOf(hubVnetId: string): PrefixLayer<BgpRoute> | undefined {
    const routeServer = this.state.routeServerIn(hubVnetId);
    const primary = routeServer === undefined ? undefined : this.bindings.get(routeServer.id)?.routes;
    const fallback = this.gatewayRoutes.get(hubVnetId)?.routes;
    if (primary === undefined || fallback === undefined) {
      this.layered.delete(hubVnetId);
      return primary ?? fallback;
    }
    let layered = this.layered.get(hubVnetId);
    if (layered?.primary !== primary || layered.fallback !== fallback) {
      layered = new LayeredBgpRoutes(primary, fallback);
      this.layered.set(hubVnetId, layered);
    }
    return layered;
  }

  private publishTopologyChanges(result: RebuildResult): void {
    for (const move of result.reassigned) {
      const nicIds = [...(this.state.nicsBySubnet.get(move.subnetId)?.values() ?? [])];
      publishRouteEvent({
        type: 'route-domain-assigned',
        network: this.name,
        sequence: ++this.sequence,
        subnetIds: [move.subnetId],
        nicIds,
        domainId: move.to,
        previousDomainId: move.from,
      });
    }
    const cache = new LayerDeltaCache();
    const domains = result.changed
      .map(([before, after]) => this.domainChange(after, diffDomains(before, after, cache)))
      .filter((change) => change.changes.length > 0);
    if (domains.length > 0) this.publishRoutesChanged('topology', domains);
  }

  /**
   * A BGP change touches each receiving domain once. Where a prefix meets no
   * user or system route in a domain (the common case), the domain shares one
   * precomputed change record with every other such domain.
   */
  private onBgpLayerChange(binding: RouteServerBinding, changes: readonly BgpLayerChange[]): void {
    // the route server's routes hide the gateways' for the same prefix (bgp-sources.ts)
    const gateways = this.gatewayRoutes.get(binding.vnetId)?.routes;
    const seen =
      gateways === undefined || gateways.size === 0
        ? changes
        : changes.map((change) => ({
            prefix: change.prefix,
            before: change.before ?? gateways.get(change.prefix),
            after: change.after ?? gateways.get(change.prefix),
          }));
    this.publishBgpChanges(binding.vnetId, seen);
  }

  private onGatewayLayerChange(vnetId: string, changes: readonly BgpLayerChange[]): void {
    const routeServer = this.state.routeServerIn(vnetId);
    const primary = routeServer === undefined ? undefined : this.bindings.get(routeServer.id)?.routes;
    const seen = primary === undefined ? changes : changes.filter((change) => !primary.has(change.prefix));
    if (seen.length > 0) this.publishBgpChanges(vnetId, seen);
  }

  private publishBgpChanges(hubVnetId: string, changes: readonly BgpLayerChange[]): void {
    if (!hasRouteEventSubscribers()) return;
    const domains = this.registry.domainsReceiving(hubVnetId);
    const perDomain = domains.map((): PrefixRoutesChange[] => []);
    for (const change of changes) {
      const shared: PrefixRoutesChange = {
        prefix: change.prefix,
        before: bgpOnlyRows(change.before),
        after: bgpOnlyRows(change.after),
      };
      domains.forEach((domain, i) => {
        if (isBgpOnlyPrefix(domain, change.prefix)) {
          perDomain[i]!.push(shared);
          return;
        }
        const before = routesAtPrefix(domain, change.prefix, change.before);
        const after = routesAtPrefix(domain, change.prefix, change.after);
        if (!sameRows(before, after)) perDomain[i]!.push({ prefix: change.prefix, before, after });
      });
    }
    const domainChanges = domains
      .map((domain, i) => (perDomain[i]!.length > 0 ? this.domainChange(domain, perDomain[i]!) : undefined))
      .filter((change) => change !== undefined);
    if (domainChanges.length > 0) this.publishRoutesChanged('bgp', domainChanges);
  }

  private domainChange(domain: RouteDomain, changes: readonly PrefixRoutesChange[]): DomainRoutesChange {
    return {
      domainId: domain.id,
      vnetId: domain.vnetId,
      routeTableId: domain.routeTableId,
      subnetIds: this.registry.subnetsOf(domain.id),
      nicIds: this.nicsOfDomain(domain.id),
      changes,
    };
  }

  private publishRoutesChanged(cause: 'bgp' | 'topology', domains: readonly DomainRoutesChange[]): void {
    publishRouteEvent({
      type: 'effective-routes-changed',
      network: this.name,
      sequence: ++this.sequence,
      cause,
      domains,
    });
  }

  private publishNicAssignment(nic: NetworkInterface, created: boolean): void {
    if (!hasRouteEventSubscribers()) return;
    const domainId = this.registry.domainOfSubnet(nic.subnetId)?.id ?? null;
    publishRouteEvent({
      type: 'route-domain-assigned',
      network: this.name,
      sequence: ++this.sequence,
      subnetIds: [],
      nicIds: [nic.id],
      domainId: created ? domainId : null,
      previousDomainId: created ? null : domainId,
    });
  }
}
