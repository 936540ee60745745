/**
 * The stored resources of the virtual network and the relationships derived
 * from them (peering state, which VNets receive a route server's routes).
 * Mutation happens only in `model.ts`, after `validation.ts` accepted it.
 */
import type {
  NetworkInterface,
  PeeringState,
  RouteServerPlacement,
  RouteTable,
  Subnet,
  VirtualNetwork,
  VirtualNetworkPeering,
} from './types.js';

export class NetworkState {
  readonly vnets = new Map<string, VirtualNetwork>();
  readonly subnets = new Map<string, Subnet>();
  readonly subnetsByVnet = new Map<string, Set<string>>();
  readonly peerings = new Map<string, VirtualNetworkPeering>();
  readonly routeTables = new Map<string, RouteTable>();
  readonly nics = new Map<string, NetworkInterface>();
  /** subnet id → canonical private IP → NIC id */
  readonly nicsBySubnet = new Map<string, Map<string, string>>();
  readonly routeServers = new Map<string, RouteServerPlacement>();

  subnetsOf(vnetId: string): Subnet[] {
    const ids = this.subnetsByVnet.get(vnetId);
    return ids ? [...ids].map((id) => this.subnets.get(id)!) : [];
  }

  peeringsFrom(vnetId: string): VirtualNetworkPeering[] {
    return [...this.peerings.values()].filter((p) => p.localVnetId === vnetId);
  }

  peeringsTouching(vnetId: string): VirtualNetworkPeering[] {
    return [...this.peerings.values()].filter((p) => p.localVnetId === vnetId || p.remoteVnetId === vnetId);
  }

  findPeering(localVnetId: string, remoteVnetId: string): VirtualNetworkPeering | undefined {
    for (const p of this.peerings.values()) {
      if (p.localVnetId === localVnetId && p.remoteVnetId === remoteVnetId) return p;
    }
    return undefined;
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

  routeServerIn(vnetId: string): RouteServerPlacement | undefined {
    for (const rs of this.routeServers.values()) if (rs.vnetId === vnetId) return rs;
    return undefined;
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

  /** VNets served by a route server: its own VNet first, then spokes using it. */
  vnetsServedBy(routeServerId: string): string[] {
    const rs = this.routeServers.get(routeServerId);
    if (!rs) return [];
    const spokes = [...this.vnets.keys()].filter(
      (id) => id !== rs.vnetId && this.routeServerServing(id)?.id === routeServerId,
    );
    return [rs.vnetId, ...spokes.sort()];
  }
}
