/**
 * Domain types of the route server service: what the facade accepts and
 * returns. They are not API shapes (docs/architecture.md, Decisions): `src/api` translates ARM
 * JSON to and from these at its edge.
 *
 * Resources are identified by ARM-style ids (case-insensitive), which the
 * facade uses as opaque names; prefixes and addresses travel as canonical text.
 */
import type { RouteMapRuleDefinition } from '../policy/index.js';
import type { InstanceId } from '../rib/ports.js';
import type { PeeringBfd, PeeringGracefulRestart } from './records.js';
import type { HubRoutingPreference, PeerRoute, SessionState } from '../runtime/index.js';
import type { UserRouteNextHopType } from '../sdn/index.js';

/** Owned by the BGP runtime (src/runtime/types.ts); the facade returns them as they are. */
export type { HubRoutingPreference, PeerRoute, SessionState };

export type { UserRouteNextHopType };

/** Azure Route Server's fixed ASN (docs/azure-behaviour.md §1.4). */
export const ROUTE_SERVER_ASN = 65515;
/** The two instances, in Azure's order (`RouteServiceRole_IN_0`, `RouteServiceRole_IN_1`). */
export const INSTANCE_IDS: readonly InstanceId[] = ['IN_0', 'IN_1'];

/**
 * Azure's `ProvisioningState` (docs/azure-behaviour.md §7.3). Route servers and BGP connections show
 * `Updating` while a BGP change applies and `Failed` when the instances cannot start
 * (route-server-states.ts); the other resources change at once and are `Succeeded`.
 */
export type ProvisioningState = 'Succeeded' | 'Updating' | 'Deleting' | 'Failed';
/**
 * Azure's `routingState`: `None` until the ipConfiguration places the route server, `Provisioning` while
 * its instances start, `Provisioned` once they run, `Failed` when they cannot (route-server-states.ts).
 */
export type RoutingState = 'None' | 'Provisioned' | 'Provisioning' | 'Failed';
/** Azure's `HubBgpConnectionStatus`. */
export type ConnectionState = 'Unknown' | 'Connecting' | 'Connected' | 'NotConnected';
export type AllocationMethod = 'Static' | 'Dynamic';

export interface ResourceIdentity {
  readonly id: string;
  readonly name: string;
  /** opaque; changes on every write */
  readonly etag: string;
}

export interface TrackedIdentity extends ResourceIdentity {
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** Scope of a list of top-level resources. */
export interface ListScope {
  readonly subscriptionId: string;
  readonly resourceGroupName?: string;
}

export interface Page<T> {
  readonly value: readonly T[];
  /** present when more follow: pass it back as `cursor` */
  readonly cursor?: string;
}

// ---- route servers --------------------------------------------------------

export interface RouteServerResource extends TrackedIdentity {
  readonly allowBranchToBranchTraffic: boolean;
  readonly hubRoutingPreference: HubRoutingPreference;
  readonly minCapacity: number;
  readonly virtualRouterAsn: number;
  /** the two instance addresses (.4 and .5 of RouteServerSubnet); empty before the ipConfiguration */
  readonly virtualRouterIps: readonly string[];
  readonly provisioningState: ProvisioningState;
  readonly routingState: RoutingState;
  readonly ipConfigurationIds: readonly string[];
  readonly bgpConnectionIds: readonly string[];
}

export interface RouteServerResourceInput {
  readonly location?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly allowBranchToBranchTraffic?: boolean;
  readonly hubRoutingPreference?: HubRoutingPreference;
  readonly minCapacity?: number;
  /** optional; when given it must be 65515 */
  readonly virtualRouterAsn?: number;
}

export interface IpConfigurationResource extends ResourceIdentity {
  readonly routeServerId: string;
  readonly subnetId: string;
  readonly privateIpAddress: string | null;
  readonly privateIpAllocationMethod: AllocationMethod;
  /** the public IP this ipConfiguration names (public-ip-addresses.ts); it must exist when given */
  readonly publicIpAddressId: string | null;
  readonly provisioningState: ProvisioningState;
}

export interface IpConfigurationResourceInput {
  readonly subnetId: string;
  readonly privateIpAddress?: string | null;
  readonly privateIpAllocationMethod?: AllocationMethod;
  readonly publicIpAddressId?: string | null;
}

export interface InstanceSession {
  readonly instance: InstanceId;
  readonly localAddress: string;
  readonly state: SessionState;
}

export interface BgpConnectionResource extends ResourceIdentity {
  readonly routeServerId: string;
  readonly peerIp: string;
  readonly peerAsn: number;
  /** from the live sessions of both instances; `Unknown` while no BGP runtime runs the route server */
  readonly connectionState: ConnectionState;
  readonly sessions: readonly InstanceSession[];
  readonly provisioningState: ProvisioningState;
  /** BFD settings (docs/bfd.md); undefined when the peering never had them */
  readonly bfd: PeeringBfd | undefined;
  /** graceful restart settings (docs/graceful-restart.md); undefined when the peering never had them */
  readonly gracefulRestart: PeeringGracefulRestart | undefined;
  /** whether the peering has a TCP-MD5 key (docs/tcp-md5.md); the key itself is never read back */
  readonly md5KeyConfigured: boolean;
  /** SHA-256 of the key, hex: lets the config file tell a changed key without reading it back */
  readonly md5KeySha256: string | undefined;
  /** route maps (docs/route-maps.md): ids of the route server's routeMaps */
  readonly inboundRouteMapId: string | undefined;
  readonly outboundRouteMapId: string | undefined;
}

/** A route map of a route server (docs/route-maps.md). */
export interface RouteMapResource extends ResourceIdentity {
  readonly routeServerId: string;
  readonly rules: readonly RouteMapRuleDefinition[];
  /** the BGP connections that name it, per direction */
  readonly associatedInboundConnections: readonly string[];
  readonly associatedOutboundConnections: readonly string[];
  readonly provisioningState: ProvisioningState;
}

export interface RouteMapResourceInput {
  readonly rules: readonly RouteMapRuleDefinition[];
}

/** A dry run of a route map on one peering (docs/route-maps.md). */
export interface RouteMapEvaluationInput {
  readonly connectionId: string;
  readonly direction: 'Inbound' | 'Outbound';
}

export interface BgpConnectionResourceInput {
  readonly peerIp: string;
  readonly peerAsn: number;
  /** BFD settings; fields left out take their defaults (docs/bfd.md) */
  readonly bfd?: Partial<PeeringBfd>;
  /** graceful restart settings; fields left out take their defaults (docs/graceful-restart.md) */
  readonly gracefulRestart?: Partial<PeeringGracefulRestart>;
  /** TCP-MD5 key (docs/tcp-md5.md): absent keeps the stored key, '' removes it */
  readonly md5Key?: string;
  /** route map ids (docs/route-maps.md); absent: none */
  readonly inboundRouteMapId?: string;
  readonly outboundRouteMapId?: string;
}

/** Routes per instance, every instance present (empty when it has none). */
export type RoutesByInstance = ReadonlyMap<InstanceId, readonly PeerRoute[]>;

// ---- virtual networks -----------------------------------------------------

export interface SubnetResource extends ResourceIdentity {
  readonly virtualNetworkId: string;
  readonly addressPrefix: string;
  readonly routeTableId: string | null;
  /** ids of NIC ipConfigurations and route server ipConfigurations in this subnet */
  readonly ipConfigurationIds: readonly string[];
  readonly provisioningState: ProvisioningState;
}

export interface SubnetResourceInput {
  readonly addressPrefix: string;
  readonly routeTableId?: string | null;
}

export interface VirtualNetworkPeeringResource extends ResourceIdentity {
  readonly virtualNetworkId: string;
  readonly remoteVirtualNetworkId: string;
  readonly allowVirtualNetworkAccess: boolean;
  readonly allowForwardedTraffic: boolean;
  readonly allowGatewayTransit: boolean;
  readonly useRemoteGateways: boolean;
  /** Connected when the remote VNet peers back, Initiated otherwise */
  readonly peeringState: 'Connected' | 'Initiated';
  readonly provisioningState: ProvisioningState;
}

export interface PeeringResourceInput {
  readonly remoteVirtualNetworkId: string;
  readonly allowVirtualNetworkAccess?: boolean;
  readonly allowForwardedTraffic?: boolean;
  readonly allowGatewayTransit?: boolean;
  readonly useRemoteGateways?: boolean;
}

export interface VirtualNetworkResource extends TrackedIdentity {
  readonly addressPrefixes: readonly string[];
  readonly subnets: readonly SubnetResource[];
  readonly peerings: readonly VirtualNetworkPeeringResource[];
  readonly provisioningState: ProvisioningState;
}

/**
 * A VNet write. `subnets` / `peerings`, when given, are the complete set
 * (named children not listed are deleted, as in an ARM PUT); when absent the
 * existing children are kept.
 */
export interface VirtualNetworkResourceInput {
  readonly location?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly addressPrefixes: readonly string[];
  readonly subnets?: readonly (SubnetResourceInput & { readonly name: string })[];
  readonly peerings?: readonly (PeeringResourceInput & { readonly name: string })[];
}

// ---- route tables -----------------------------------------------------------

export interface RouteResource extends ResourceIdentity {
  readonly routeTableId: string;
  readonly addressPrefix: string;
  readonly nextHopType: UserRouteNextHopType;
  readonly nextHopIpAddress: string | null;
  readonly provisioningState: ProvisioningState;
}

export interface RouteResourceInput {
  readonly addressPrefix: string;
  readonly nextHopType: UserRouteNextHopType;
  readonly nextHopIpAddress?: string | null;
}

export interface RouteTableResource extends TrackedIdentity {
  readonly disableBgpRoutePropagation: boolean;
  readonly routes: readonly RouteResource[];
  readonly subnetIds: readonly string[];
  readonly provisioningState: ProvisioningState;
}

/** `routes`, when given, is the complete set; when absent the existing routes are kept. */
export interface RouteTableResourceInput {
  readonly location?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly disableBgpRoutePropagation?: boolean;
  readonly routes?: readonly (RouteResourceInput & { readonly name: string })[];
}

// ---- network interfaces -------------------------------------------------------

export interface NetworkInterfaceResource extends TrackedIdentity {
  /** the NIC's (single, primary) IP configuration */
  readonly ipConfigurationName: string;
  readonly ipConfigurationId: string;
  readonly subnetId: string;
  readonly privateIpAddress: string;
  readonly privateIpAllocationMethod: AllocationMethod;
  readonly provisioningState: ProvisioningState;
}

export interface NetworkInterfaceResourceInput {
  readonly location?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly ipConfigurationName?: string;
  readonly subnetId: string;
  /** required for Static; Dynamic takes the first free address from .4 up */
  readonly privateIpAddress?: string | null;
  readonly privateIpAllocationMethod?: AllocationMethod;
}

// ---- gateways (docs/gateways.md) ------------------------------------------------------

export type GatewayType = 'Vpn' | 'ExpressRoute';
export type GatewayConnectionType = 'IPsec' | 'ExpressRoute';
/** Azure's `VirtualNetworkGatewayConnectionStatus`. */
export type GatewayConnectionStatus = 'Unknown' | 'Connecting' | 'Connected' | 'NotConnected';

export interface GatewayIpConfiguration {
  readonly id: string;
  readonly name: string;
  readonly subnetId: string;
  /** the instance address this ipConfiguration's instance has */
  readonly privateIpAddress: string;
}

export interface VirtualNetworkGatewayResource extends TrackedIdentity {
  readonly gatewayType: GatewayType;
  readonly ipConfigurations: readonly GatewayIpConfiguration[];
  /** the two instances' addresses in GatewaySubnet: the gateway's BGP addresses and the next hop of its routes */
  readonly instanceAddresses: readonly string[];
  readonly asn: number;
  readonly activeActive: boolean;
  readonly enableBgp: boolean;
  readonly skuName: string;
  readonly provisioningState: ProvisioningState;
}

export interface VirtualNetworkGatewayResourceInput {
  readonly location?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly gatewayType: string;
  readonly vpnType?: string;
  readonly ipConfigurations: readonly { readonly name: string; readonly subnetId: string }[];
  readonly activeActive?: boolean;
  readonly enableBgp?: boolean;
  readonly asn?: number;
  readonly skuName?: string;
}

export interface LocalNetworkGatewayResource extends TrackedIdentity {
  readonly addressPrefixes: readonly string[];
  readonly gatewayIpAddress: string | null;
  readonly bgpSettings: {
    readonly asn: number;
    readonly bgpPeeringAddress: string;
    readonly peerWeight: number;
  } | null;
  readonly provisioningState: ProvisioningState;
}

export interface LocalNetworkGatewayResourceInput {
  readonly location?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly addressPrefixes?: readonly string[];
  readonly gatewayIpAddress?: string | null;
  readonly bgpSettings?: {
    readonly asn?: number;
    readonly bgpPeeringAddress?: string;
    readonly peerWeight?: number;
  };
}

export interface GatewayConnectionResource extends TrackedIdentity {
  readonly connectionType: GatewayConnectionType;
  readonly virtualNetworkGatewayId: string;
  readonly localNetworkGatewayId: string | null;
  readonly circuitId: string | null;
  readonly enableBgp: boolean;
  readonly routingWeight: number;
  readonly connectionStatus: GatewayConnectionStatus;
  readonly provisioningState: ProvisioningState;
}

export interface GatewayConnectionResourceInput {
  readonly location?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly connectionType: string;
  readonly virtualNetworkGatewayId: string;
  readonly localNetworkGatewayId?: string;
  readonly circuitId?: string;
  readonly enableBgp?: boolean;
  readonly routingWeight?: number;
}

export interface ExpressRouteCircuitResource extends TrackedIdentity {
  readonly skuTier: string;
  readonly skuFamily: string;
  readonly serviceProviderName: string;
  readonly peeringLocation: string;
  readonly bandwidthInMbps: number;
  readonly peeringIds: readonly string[];
  readonly provisioningState: ProvisioningState;
}

export interface ExpressRouteCircuitResourceInput {
  readonly location?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly skuTier?: string;
  readonly skuFamily?: string;
  readonly serviceProviderName?: string;
  readonly peeringLocation?: string;
  readonly bandwidthInMbps?: number;
}

export interface CircuitPeeringResource extends ResourceIdentity {
  readonly circuitId: string;
  readonly peerAsn: number;
  /** Microsoft's side (12076, docs/azure-behaviour.md §4.1) */
  readonly azureAsn: number;
  readonly primaryPeerAddressPrefix: string;
  readonly secondaryPeerAddressPrefix: string;
  readonly vlanId: number;
  /** the on-prem router's address: the first of the primary /30 (docs/azure-behaviour.md §4.5) */
  readonly peerAddress: string;
  /** the edge's own address: the second of the primary /30 */
  readonly edgeAddress: string;
  readonly provisioningState: ProvisioningState;
}

export interface CircuitPeeringResourceInput {
  readonly peeringType: string;
  readonly peerAsn: number;
  readonly primaryPeerAddressPrefix: string;
  readonly secondaryPeerAddressPrefix: string;
  readonly vlanId: number;
}

// ---- results of writes ----------------------------------------------------------

export interface WriteOptions {
  /** write only if the resource's current etag is one of these (If-Match with tags) */
  readonly expectedEtags?: readonly string[];
  /** write only if the resource's current etag is none of these (If-None-Match with tags) */
  readonly excludedEtags?: readonly string[];
  /** create only */
  readonly mustNotExist?: boolean;
  /** update only (If-Match: *) */
  readonly mustExist?: boolean;
}

export interface PutResult<T> {
  readonly resource: T;
  readonly created: boolean;
  /** settles when the live effect (BGP sessions, route refresh) has been applied */
  readonly applied: Promise<void>;
}

export interface DeleteResult {
  readonly existed: boolean;
  readonly applied: Promise<void>;
}
