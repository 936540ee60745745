/**
 * Domain types of the virtual network: what the model stores and what it
 * computes. These are not API shapes; the ARM API translates at its edge.
 */
import type { Prefix } from '../lib/prefix.js';

export const ROUTE_SERVER_SUBNET = 'RouteServerSubnet';
export const GATEWAY_SUBNET = 'GatewaySubnet';

export interface VirtualNetwork {
  readonly id: string;
  readonly addressSpaces: readonly Prefix[];
}

export interface Subnet {
  /** `<vnetId>/subnets/<name>` */
  readonly id: string;
  readonly vnetId: string;
  readonly name: string;
  readonly addressPrefix: Prefix;
  readonly routeTableId: string | null;
}

/** One side of a VNet peering (Azure models each direction as its own resource). */
export interface VirtualNetworkPeering {
  readonly id: string;
  readonly localVnetId: string;
  readonly remoteVnetId: string;
  /** Lets the remote VNet use this VNet's gateway / route server. */
  readonly allowGatewayTransit: boolean;
  /** Uses the remote VNet's gateway / route server. */
  readonly useRemoteGateways: boolean;
}

/** Connected when the remote VNet has the reverse peering, Initiated otherwise. */
export type PeeringState = 'Connected' | 'Initiated';

export type UserRouteNextHopType =
  'VirtualAppliance' | 'VirtualNetworkGateway' | 'VnetLocal' | 'Internet' | 'None';

export interface UserDefinedRoute {
  readonly name: string;
  readonly addressPrefix: Prefix;
  readonly nextHopType: UserRouteNextHopType;
  /** Required for VirtualAppliance, null for every other type. */
  readonly nextHopIpAddress: string | null;
}

export interface UserRouteTable {
  readonly id: string;
  /** Azure's "Propagate gateway routes = No": the subnet gets no BGP routes. */
  readonly disableBgpRoutePropagation: boolean;
  readonly routes: readonly UserDefinedRoute[];
}

export interface NetworkInterface {
  readonly id: string;
  readonly subnetId: string;
  /** Canonical text form of the private IP. */
  readonly privateIpAddress: string;
}

export interface RouteServerPlacement {
  readonly id: string;
  readonly vnetId: string;
}

/** A VPN or ExpressRoute gateway's type (Azure's `gatewayType`). */
export type VnetGatewayKind = 'Vpn' | 'ExpressRoute';

/** A VNet gateway placed in a VNet: its instances and their GatewaySubnet addresses. */
export interface GatewayPlacement {
  readonly id: string;
  readonly vnetId: string;
  readonly type: VnetGatewayKind;
  /** per instance (`IN_0`, `IN_1`) its GatewaySubnet address: the next hop VMs get for what that instance learned */
  readonly instances: readonly { readonly instance: string; readonly address: string }[];
}

export type EffectiveRouteSource = 'Default' | 'User' | 'VirtualNetworkGateway';
export type EffectiveRouteState = 'Active' | 'Invalid';
export type EffectiveNextHopType =
  'VnetLocal' | 'VNetPeering' | 'Internet' | 'None' | 'VirtualAppliance' | 'VirtualNetworkGateway';

/** Why a route is Invalid (not part of Azure's shape; the API may drop it). */
export type InvalidReason =
  /** A user-defined route has the same prefix. */
  | 'OverriddenByUserRoute'
  /** A BGP route has the same prefix (system route). */
  | 'OverriddenByBgpRoute'
  /** A VNet or peering system route covers this BGP route's prefix (Azure prefers those even over more specific BGP routes). */
  | 'VirtualNetworkRoutePreferred';

/** One row of a NIC's effective route table, in Azure's shape. */
export interface EffectiveRoute {
  readonly source: EffectiveRouteSource;
  readonly state: EffectiveRouteState;
  /** Name of the user-defined route; null for system and BGP routes. */
  readonly name: string | null;
  readonly addressPrefixes: readonly Prefix[];
  readonly nextHopType: EffectiveNextHopType;
  readonly nextHopIpAddresses: readonly string[];
  readonly invalidReason: InvalidReason | null;
}

/** A route the route server programs: the union of both instances' ECMP next hops for a prefix. */
export interface BgpRoute {
  readonly prefix: Prefix;
  /** Distinct next hops, ascending by address. */
  readonly nextHops: readonly string[];
}

/** A system route of one VNet (Source Default). */
export interface SystemRoute {
  readonly prefix: Prefix;
  readonly nextHopType: 'VnetLocal' | 'VNetPeering' | 'Internet' | 'None';
}
