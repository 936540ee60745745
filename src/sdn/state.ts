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

  /**
   * The route server whose routes a VNet's NICs receive: its own, or the
   * hub's when the spoke→hub peering has useRemoteGateways and the hub→spoke
   * peering has allowGatewayTransit (docs/azure-behaviour.md §1.6).
   */
  routeServerServing(vnetId: string): RouteServerPlacement | undefined {
    const own = this.routeServerIn(vnetId);
    if (own) return own;
    for (const toHub of this.peeringsFrom(vnetId)) {
      if (!toHub.useRemoteGateways) continue;
      const toSpoke = this.findPeering(toHub.remoteVnetId, vnetId);
      if (!toSpoke?.allowGatewayTransit) continue;
      const hubServer = this.routeServerIn(toHub.remoteVnetId);
      if (hubServer) return hubServer;
    }
    return undefined;
  }

  /** VNets served by a route server: its own VNet first, then spokes using it (only peers can be). */
  vnetsServedBy(routeServerId: string): string[] {
    const rs = this.routeServers.get(routeServerId);
    if (!rs) return [];
    const spokes = [...this.peersOf(rs.vnetId)].filter(
      (id) => this.routeServerServing(id)?.id === routeServerId,
    );
    return [rs.vnetId, ...spokes.sort()];
  }
}
