/**
 * The stored resources of the virtual network and the relationships derived
 * from them (peering state, which VNets receive a route server's routes).
 * Mutation happens only in `model.ts`, after `validation.ts` accepted it,
 * through the methods below, which keep the indexes in step: every question
 * validation and the route domains ask is answered from an index, in time
 * that depends on the resources involved, never on how many others exist.
 */
import { LpmTrie } from '../lib/lpm-trie.js';
import { addToSetMap, removeFromSetMap } from '../lib/set-map.js';
import type {
  GatewayPlacement,
  NetworkInterface,
  PeeringState,
  RouteServerPlacement,
  UserRouteTable,
  Subnet,
  VirtualNetwork,
  VirtualNetworkPeering,
} from './types.js';

export class NetworkState {
  readonly vnets = new Map<string, VirtualNetwork>();
  readonly subnets = new Map<string, Subnet>();
  readonly subnetsByVnet = new Map<string, Set<string>>();
  readonly peerings = new Map<string, VirtualNetworkPeering>();
  readonly routeTables = new Map<string, UserRouteTable>();
  readonly nics = new Map<string, NetworkInterface>();
  /** subnet id → canonical private IP → NIC id */
  readonly nicsBySubnet = new Map<string, Map<string, string>>();
  readonly routeServers = new Map<string, RouteServerPlacement>();
  readonly gateways = new Map<string, GatewayPlacement>();
  /** VNet id → its subnets' prefixes (for overlap checks) */
  private readonly subnetPrefixes = new Map<string, LpmTrie<Subnet>>();
  /** route table id → ids of the subnets associated with it */
  private readonly subnetsByTable = new Map<string, Set<string>>();
  /** VNet id → ids of the peerings it is the local or the remote side of */
  private readonly peeringsByVnet = new Map<string, Set<string>>();
  /** `local\nremote` → peering id */
  private readonly peeringByPair = new Map<string, string>();
  /** VNet id → route server placed in it */
  private readonly routeServerByVnet = new Map<string, RouteServerPlacement>();
  /** VNet id → ids of the gateways placed in it */
  private readonly gatewaysByVnet = new Map<string, Set<string>>();

  // ---- mutation (model.ts only) ---------------------------------------------------------

  putVnet(vnet: VirtualNetwork): void {
    this.vnets.set(vnet.id, vnet);
    if (!this.subnetsByVnet.has(vnet.id)) this.subnetsByVnet.set(vnet.id, new Set());
  }

  deleteVnet(vnetId: string): void {
    this.vnets.delete(vnetId);
    this.subnetsByVnet.delete(vnetId);
    this.subnetPrefixes.delete(vnetId);
  }

  /** Adds a subnet, or replaces one with the same id (and prefix). */
  putSubnet(subnet: Subnet): void {
    const previous = this.subnets.get(subnet.id);
    if (previous !== undefined) this.unlinkSubnet(previous);
    this.subnets.set(subnet.id, subnet);
    this.subnetsByVnet.get(subnet.vnetId)!.add(subnet.id);
    if (!this.nicsBySubnet.has(subnet.id)) this.nicsBySubnet.set(subnet.id, new Map());
    let prefixes = this.subnetPrefixes.get(subnet.vnetId);
    if (prefixes === undefined) this.subnetPrefixes.set(subnet.vnetId, (prefixes = new LpmTrie()));
    prefixes.set(subnet.addressPrefix, subnet);
    if (subnet.routeTableId !== null) addToSetMap(this.subnetsByTable, subnet.routeTableId, subnet.id);
  }

  deleteSubnet(subnet: Subnet): void {
    this.unlinkSubnet(subnet);
    this.subnets.delete(subnet.id);
    this.nicsBySubnet.delete(subnet.id);
  }

  private unlinkSubnet(subnet: Subnet): void {
    this.subnetsByVnet.get(subnet.vnetId)?.delete(subnet.id);
    this.subnetPrefixes.get(subnet.vnetId)?.delete(subnet.addressPrefix);
    if (subnet.routeTableId !== null) removeFromSetMap(this.subnetsByTable, subnet.routeTableId, subnet.id);
  }

  putPeering(peering: VirtualNetworkPeering): void {
    const previous = this.peerings.get(peering.id);
    if (previous !== undefined) this.deletePeering(previous.id);
    this.peerings.set(peering.id, peering);
    addToSetMap(this.peeringsByVnet, peering.localVnetId, peering.id);
    addToSetMap(this.peeringsByVnet, peering.remoteVnetId, peering.id);
    this.peeringByPair.set(`${peering.localVnetId}\n${peering.remoteVnetId}`, peering.id);
  }

  deletePeering(peeringId: string): void {
    const peering = this.peerings.get(peeringId);
    if (peering === undefined) return;
    this.peerings.delete(peeringId);
    removeFromSetMap(this.peeringsByVnet, peering.localVnetId, peeringId);
    removeFromSetMap(this.peeringsByVnet, peering.remoteVnetId, peeringId);
    this.peeringByPair.delete(`${peering.localVnetId}\n${peering.remoteVnetId}`);
  }

  putRouteServer(placement: RouteServerPlacement): void {
    this.routeServers.set(placement.id, placement);
    this.routeServerByVnet.set(placement.vnetId, placement);
  }

  deleteRouteServer(routeServerId: string): void {
    const placement = this.routeServers.get(routeServerId);
    if (placement === undefined) return;
    this.routeServers.delete(routeServerId);
    this.routeServerByVnet.delete(placement.vnetId);
  }

  putGateway(placement: GatewayPlacement): void {
    this.gateways.set(placement.id, placement);
    addToSetMap(this.gatewaysByVnet, placement.vnetId, placement.id);
  }

  deleteGateway(gatewayId: string): void {
    const placement = this.gateways.get(gatewayId);
    if (placement === undefined) return;
    this.gateways.delete(gatewayId);
    removeFromSetMap(this.gatewaysByVnet, placement.vnetId, gatewayId);
  }

  // ---- queries ----------------------------------------------------------------------------

  subnetsOf(vnetId: string): Subnet[] {
    const ids = this.subnetsByVnet.get(vnetId);
    return ids ? [...ids].map((id) => this.subnets.get(id)!) : [];
  }

  /** The subnets of a VNet by prefix. */
  subnetPrefixesOf(vnetId: string): LpmTrie<Subnet> | undefined {
    return this.subnetPrefixes.get(vnetId);
  }

  /** Ids of the subnets associated with a route table. */
  subnetsUsingRouteTable(routeTableId: string): readonly string[] {
    return [...(this.subnetsByTable.get(routeTableId) ?? [])];
  }

  peeringsFrom(vnetId: string): VirtualNetworkPeering[] {
    return this.peeringsTouching(vnetId).filter((p) => p.localVnetId === vnetId);
  }

  peeringsTouching(vnetId: string): VirtualNetworkPeering[] {
    return [...(this.peeringsByVnet.get(vnetId) ?? [])].map((id) => this.peerings.get(id)!);
  }

  findPeering(localVnetId: string, remoteVnetId: string): VirtualNetworkPeering | undefined {
    const id = this.peeringByPair.get(`${localVnetId}\n${remoteVnetId}`);
    return id === undefined ? undefined : this.peerings.get(id);
  }

  peeringState(peering: VirtualNetworkPeering): PeeringState {
    return this.findPeering(peering.remoteVnetId, peering.localVnetId) ? 'Connected' : 'Initiated';
  }

  /** VNets reachable over a connected peering (traffic flows only when both sides exist). */
  connectedPeers(vnetId: string): string[] {
    return this.peeringsFrom(vnetId)
      .filter((p) => this.peeringState(p) === 'Connected')
      .map((p) => p.remoteVnetId);
  }

  /** Every VNet a peering connects with `vnetId`, in either direction. */
  peersOf(vnetId: string): Set<string> {
    const peers = new Set<string>();
    for (const p of this.peeringsTouching(vnetId))
      peers.add(p.localVnetId === vnetId ? p.remoteVnetId : p.localVnetId);
    return peers;
  }

  routeServerIn(vnetId: string): RouteServerPlacement | undefined {
    return this.routeServerByVnet.get(vnetId);
  }

  /** The gateways placed in a VNet, by id. */
  gatewaysIn(vnetId: string): GatewayPlacement[] {
    return [...(this.gatewaysByVnet.get(vnetId) ?? [])].sort().map((id) => this.gateways.get(id)!);
  }

  /** True when a VNet has a route server or a VPN/ExpressRoute gateway: a source of BGP routes for its VMs. */
  hasBgpSource(vnetId: string): boolean {
    return this.routeServerByVnet.has(vnetId) || (this.gatewaysByVnet.get(vnetId)?.size ?? 0) > 0;
  }

  /**
   * The VNet whose route server and gateways program a VNet's NICs: its own
   * when it has either, or the hub's when the spoke→hub peering has
   * useRemoteGateways and the hub→spoke peering has allowGatewayTransit
   * (docs/azure-behaviour.md §1.6; the same peering flags carry a VNet
   * gateway's routes, docs/gateways.md).
   */
  hubServing(vnetId: string): string | undefined {
    if (this.hasBgpSource(vnetId)) return vnetId;
    for (const toHub of this.peeringsFrom(vnetId)) {
      if (!toHub.useRemoteGateways) continue;
      const toSpoke = this.findPeering(toHub.remoteVnetId, vnetId);
      if (!toSpoke?.allowGatewayTransit) continue;
      if (this.hasBgpSource(toHub.remoteVnetId)) return toHub.remoteVnetId;
    }
    return undefined;
  }

  /** The route server whose routes a VNet's NICs receive: the one in the VNet that serves it (hubServing). */
  routeServerServing(vnetId: string): RouteServerPlacement | undefined {
    const hub = this.hubServing(vnetId);
    return hub === undefined ? undefined : this.routeServerIn(hub);
  }

  /** VNets served by a hub VNet's route server and gateways: the hub first, then the spokes using it (only peers can be). */
  vnetsServedByHub(hubVnetId: string): string[] {
    if (!this.vnets.has(hubVnetId)) return [];
    const spokes = [...this.peersOf(hubVnetId)].filter((id) => this.hubServing(id) === hubVnetId);
    return [hubVnetId, ...spokes.sort()];
  }

  /** VNets served by a route server: its own VNet first, then spokes using it (only peers can be). */
  vnetsServedBy(routeServerId: string): string[] {
    const rs = this.routeServers.get(routeServerId);
    return rs === undefined ? [] : this.vnetsServedByHub(rs.vnetId);
  }
}
