/**
 * Domain objects built from stored records plus live state: derived fields
 * (virtualRouterIps, routingState, peeringState, connectionState, back
 * references) are computed on read, never stored.
 */
import { formatIpv4, parsePrefix } from '../lib/prefix.js';
import type { ServiceCore } from './core.js';
import { idKey, TYPES } from './ids.js';
import type { Stored } from './records.js';
import { md5KeyDigest } from './peering-md5.js';
import type { InstanceSessionState } from '../runtime/index.js';
import {
  ROUTE_SERVER_ASN,
  type BgpConnectionResource,
  type ConnectionState,
  type InstanceSession,
  type IpConfigurationResource,
  type NetworkInterfaceResource,
  type RouteResource,
  type RouteServerResource,
  type RouteTableResource,
  type SubnetResource,
  type VirtualNetworkResource,
  type VirtualNetworkPeeringResource,
} from './types.js';

const identity = (record: Stored) => ({ id: record.id, name: record.name, etag: record.etag });

/** The instance addresses of a RouteServerSubnet: its 4th and 5th addresses (.4 and .5 of a /26). */
export function instanceAddresses(subnetPrefix: string): string[] {
  const prefix = parsePrefix(subnetPrefix);
  if (prefix.family !== 4) return [];
  return [formatIpv4(prefix.address + 4), formatIpv4(prefix.address + 5)];
}

/** The instance addresses of a route server, empty before its ipConfiguration exists. */
function routeServerAddresses(core: ServiceCore, routeServerId: string): string[] {
  const ipConfiguration = core.index.childrenOf(routeServerId, TYPES.ipConfiguration)[0];
  if (ipConfiguration === undefined) return [];
  const subnet = core.index.get(ipConfiguration.body.subnetId, TYPES.subnet);
  return subnet === undefined ? [] : instanceAddresses(subnet.body.addressPrefix);
}

export function routeServerView(
  core: ServiceCore,
  record: Stored<typeof TYPES.routeServer>,
): RouteServerResource {
  const ipConfigurations = core.index.childrenOf(record.id, TYPES.ipConfiguration);
  const addresses = routeServerAddresses(core, record.id);
  return {
    ...identity(record),
    location: record.body.location,
    tags: record.body.tags,
    allowBranchToBranchTraffic: record.body.allowBranchToBranchTraffic,
    hubRoutingPreference: record.body.hubRoutingPreference,
    minCapacity: record.body.minCapacity,
    virtualRouterAsn: ROUTE_SERVER_ASN,
    virtualRouterIps: addresses,
    provisioningState: core.states.provisioningState(record.id),
    routingState: core.states.routingState(record.id, addresses.length > 0),
    ipConfigurationIds: ipConfigurations.map((c) => c.id),
    bgpConnectionIds: core.index.childrenOf(record.id, TYPES.bgpConnection).map((c) => c.id),
  };
}

export function ipConfigurationView(record: Stored<typeof TYPES.ipConfiguration>): IpConfigurationResource {
  return {
    ...identity(record),
    routeServerId: record.parentId!,
    subnetId: record.body.subnetId,
    privateIpAddress: record.body.privateIpAddress,
    privateIpAllocationMethod: record.body.privateIpAllocationMethod,
    publicIpAddressId: record.body.publicIpAddressId,
    provisioningState: 'Succeeded',
  };
}

/**
 * One state for both instances' sessions with a peer (Azure shows one per
 * connection): Connected when every instance's session is Established,
 * NotConnected when all are Idle, Connecting otherwise, Unknown when no
 * runtime runs the route server.
 */
function combinedState(sessions: readonly InstanceSessionState[]): ConnectionState {
  if (sessions.length === 0) return 'Unknown';
  if (sessions.every((s) => s.state === 'Established')) return 'Connected';
  if (sessions.every((s) => s.state === 'Idle')) return 'NotConnected';
  return 'Connecting';
}

export function bgpConnectionView(
  core: ServiceCore,
  record: Stored<typeof TYPES.bgpConnection>,
): BgpConnectionResource {
  const routeServerId = record.parentId!;
  const running = core.runtime !== undefined && core.running.has(idKey(routeServerId));
  const sessions: InstanceSession[] = running
    ? core.runtime.sessionStates(routeServerId, record.id).map((s) => ({ ...s }))
    : [];
  return {
    ...identity(record),
    routeServerId,
    peerIp: record.body.peerIp,
    peerAsn: record.body.peerAsn,
    connectionState: combinedState(sessions),
    sessions,
    provisioningState: core.states.provisioningState(record.id),
    bfd: record.body.bfd,
    gracefulRestart: record.body.gracefulRestart,
    md5KeyConfigured: record.body.md5Key !== undefined,
    md5KeySha256: md5KeyDigest(record.body.md5Key),
    inboundRouteMapId: record.body.inboundRouteMapId,
    outboundRouteMapId: record.body.outboundRouteMapId,
  };
}

/** ids of the NIC, route-server and gateway ipConfigurations in a subnet */
function ipConfigurationIds(core: ServiceCore, subnetId: string): string[] {
  return core.index.inSubnet(subnetId).flatMap((r) => {
    if (r.type === TYPES.networkInterface)
      return [`${r.id}/ipConfigurations/${(r.body as { ipConfigurationName: string }).ipConfigurationName}`];
    if (r.type === TYPES.virtualNetworkGateway) {
      const names = (r.body as { ipConfigurationNames: readonly string[] }).ipConfigurationNames;
      return names.map((name) => `${r.id}/ipConfigurations/${name}`);
    }
    return [r.id];
  });
}

export function subnetView(core: ServiceCore, record: Stored<typeof TYPES.subnet>): SubnetResource {
  return {
    ...identity(record),
    virtualNetworkId: record.parentId!,
    addressPrefix: record.body.addressPrefix,
    routeTableId: record.body.routeTableId,
    ipConfigurationIds: ipConfigurationIds(core, record.id),
    provisioningState: 'Succeeded',
  };
}

export function peeringView(
  core: ServiceCore,
  record: Stored<typeof TYPES.peering>,
): VirtualNetworkPeeringResource {
  return {
    ...identity(record),
    virtualNetworkId: record.parentId!,
    remoteVirtualNetworkId: record.body.remoteVirtualNetworkId,
    allowVirtualNetworkAccess: record.body.allowVirtualNetworkAccess,
    allowForwardedTraffic: record.body.allowForwardedTraffic,
    allowGatewayTransit: record.body.allowGatewayTransit,
    useRemoteGateways: record.body.useRemoteGateways,
    peeringState: core.model.peering(idKey(record.id))
      ? core.model.peeringState(idKey(record.id))
      : 'Initiated',
    provisioningState: 'Succeeded',
  };
}

export function virtualNetworkView(
  core: ServiceCore,
  record: Stored<typeof TYPES.virtualNetwork>,
): VirtualNetworkResource {
  return {
    ...identity(record),
    location: record.body.location,
    tags: record.body.tags,
    addressPrefixes: record.body.addressPrefixes,
    subnets: core.index.childrenOf(record.id, TYPES.subnet).map((s) => subnetView(core, s)),
    peerings: core.index.childrenOf(record.id, TYPES.peering).map((p) => peeringView(core, p)),
    provisioningState: 'Succeeded',
  };
}

export function routeView(record: Stored<typeof TYPES.route>): RouteResource {
  return {
    ...identity(record),
    routeTableId: record.parentId!,
    addressPrefix: record.body.addressPrefix,
    nextHopType: record.body.nextHopType,
    nextHopIpAddress: record.body.nextHopIpAddress,
    provisioningState: 'Succeeded',
  };
}

export function routeTableView(
  core: ServiceCore,
  record: Stored<typeof TYPES.routeTable>,
): RouteTableResource {
  const key = idKey(record.id);
  return {
    ...identity(record),
    location: record.body.location,
    tags: record.body.tags,
    disableBgpRoutePropagation: record.body.disableBgpRoutePropagation,
    routes: core.index.childrenOf(record.id, TYPES.route).map(routeView),
    // from the model's index of associations: a view costs its own subnets, not every stored one
    subnetIds: core.model
      .subnetsUsingRouteTable(key)
      .map((sdnId) => core.index.get(sdnId, TYPES.subnet))
      .filter((s) => s !== undefined)
      .sort((a, b) => (idKey(a.id) < idKey(b.id) ? -1 : 1))
      .map((s) => s.id),
    provisioningState: 'Succeeded',
  };
}

export function networkInterfaceView(
  record: Stored<typeof TYPES.networkInterface>,
): NetworkInterfaceResource {
  return {
    ...identity(record),
    location: record.body.location,
    tags: record.body.tags,
    ipConfigurationName: record.body.ipConfigurationName,
    ipConfigurationId: `${record.id}/ipConfigurations/${record.body.ipConfigurationName}`,
    subnetId: record.body.subnetId,
    privateIpAddress: record.body.privateIpAddress,
    privateIpAllocationMethod: record.body.privateIpAllocationMethod,
    provisioningState: 'Succeeded',
  };
}
