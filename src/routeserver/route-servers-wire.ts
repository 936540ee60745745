/**
 * The wire form of route servers (route-servers.ts) as ARM serves them:
 * `virtualHubs` (kind `RouteServer`), `virtualHubs/{hub}/ipConfigurations`
 * and `virtualHubs/{hub}/bgpConnections` bodies as domain input, and the
 * domain views as ARM resources.
 */
import { toArmResource, subResource, trackedInput, type TrackedPutBody } from './arm-json.js';
import type {
  BgpConnectionResource,
  BgpConnectionResourceInput,
  HubRoutingPreference,
  IpConfigurationResource,
  IpConfigurationResourceInput,
  RouteServerResource,
  RouteServerResourceInput,
} from './types.js';
import type { PeeringBfd, PeeringGracefulRestart } from './records.js';

const HUB_TYPE = 'Microsoft.Network/virtualHubs';
const IP_CONFIGURATION_TYPE = 'Microsoft.Network/virtualHubs/ipConfigurations';
const CONNECTION_TYPE = 'Microsoft.Network/virtualHubs/bgpConnections';

export type RouteServerPutBody = TrackedPutBody<{
  allowBranchToBranchTraffic?: boolean;
  hubRoutingPreference?: HubRoutingPreference;
  virtualRouterAutoScaleConfiguration?: { minCapacity?: number };
  virtualRouterAsn?: number;
}>;
export type IpConfigurationPutBody = {
  properties?: {
    subnet: { id: string };
    publicIPAddress?: { id: string } | null;
    privateIPAddress?: string | null;
    privateIPAllocationMethod?: 'Static' | 'Dynamic';
  };
};
export type BgpConnectionPutBody = {
  properties?: {
    peerIp: string;
    peerAsn: number;
    bfd?: Partial<PeeringBfd>;
    gracefulRestart?: Partial<PeeringGracefulRestart>;
    md5Key?: string;
    routingConfiguration?: {
      inboundRouteMap?: { id: string } | null;
      outboundRouteMap?: { id: string } | null;
    };
  };
};

export function routeServerInput(body: RouteServerPutBody): RouteServerResourceInput {
  const properties = body.properties ?? {};
  const minCapacity = properties.virtualRouterAutoScaleConfiguration?.minCapacity;
  return {
    ...trackedInput(body),
    ...(properties.allowBranchToBranchTraffic === undefined
      ? {}
      : { allowBranchToBranchTraffic: properties.allowBranchToBranchTraffic }),
    ...(properties.hubRoutingPreference === undefined
      ? {}
      : { hubRoutingPreference: properties.hubRoutingPreference }),
    ...(minCapacity === undefined ? {} : { minCapacity }),
    ...(properties.virtualRouterAsn === undefined ? {} : { virtualRouterAsn: properties.virtualRouterAsn }),
  };
}

export function ipConfigurationInput(body: IpConfigurationPutBody): IpConfigurationResourceInput {
  const properties = body.properties;
  const publicIp = properties?.publicIPAddress ?? null;
  const privateIp = properties?.privateIPAddress ?? null;
  const method = properties?.privateIPAllocationMethod;
  return {
    subnetId: properties?.subnet.id ?? '',
    ...(publicIp === null ? {} : { publicIpAddressId: publicIp.id }),
    ...(privateIp === null ? {} : { privateIpAddress: privateIp }),
    ...(method === undefined ? {} : { privateIpAllocationMethod: method }),
  };
}

export const bgpConnectionInput = (body: BgpConnectionPutBody): BgpConnectionResourceInput => ({
  peerIp: body.properties?.peerIp ?? '',
  peerAsn: body.properties?.peerAsn ?? 0,
  ...(body.properties?.bfd === undefined ? {} : { bfd: { ...body.properties.bfd } }),
  ...(body.properties?.gracefulRestart === undefined
    ? {}
    : { gracefulRestart: { ...body.properties.gracefulRestart } }),
  ...(body.properties?.md5Key === undefined ? {} : { md5Key: body.properties.md5Key }),
  ...routeMapIds(body.properties?.routingConfiguration),
});

function routeMapIds(routing: NonNullable<BgpConnectionPutBody['properties']>['routingConfiguration']) {
  const inbound = routing?.inboundRouteMap?.id;
  const outbound = routing?.outboundRouteMap?.id;
  return {
    ...(inbound === undefined || inbound === '' ? {} : { inboundRouteMapId: inbound }),
    ...(outbound === undefined || outbound === '' ? {} : { outboundRouteMapId: outbound }),
  };
}

export function presentRouteServer(hub: RouteServerResource) {
  return toArmResource(
    hub.id,
    hub.name,
    HUB_TYPE,
    hub.etag,
    {
      sku: 'Standard',
      allowBranchToBranchTraffic: hub.allowBranchToBranchTraffic,
      hubRoutingPreference: hub.hubRoutingPreference,
      virtualRouterAutoScaleConfiguration: { minCapacity: hub.minCapacity },
      virtualRouterAsn: hub.virtualRouterAsn,
      virtualRouterIps: [...hub.virtualRouterIps],
      provisioningState: hub.provisioningState,
      routingState: hub.routingState,
      ipConfigurations: hub.ipConfigurationIds.map(subResource),
      bgpConnections: hub.bgpConnectionIds.map(subResource),
    },
    { location: hub.location, tags: { ...hub.tags }, kind: 'RouteServer' },
  );
}

export function presentIpConfiguration(config: IpConfigurationResource) {
  return toArmResource(config.id, config.name, IP_CONFIGURATION_TYPE, config.etag, {
    subnet: subResource(config.subnetId),
    ...(config.publicIpAddressId === null ? {} : { publicIPAddress: subResource(config.publicIpAddressId) }),
    ...(config.privateIpAddress === null ? {} : { privateIPAddress: config.privateIpAddress }),
    privateIPAllocationMethod: config.privateIpAllocationMethod,
    provisioningState: config.provisioningState,
  });
}

export function presentBgpConnection(connection: BgpConnectionResource) {
  return toArmResource(connection.id, connection.name, CONNECTION_TYPE, connection.etag, {
    peerIp: connection.peerIp,
    peerAsn: connection.peerAsn,
    provisioningState: connection.provisioningState,
    connectionState: connection.connectionState,
    // an extension property (docs/bfd.md): Azure's bgpConnections have no BFD
    ...(connection.bfd === undefined ? {} : { bfd: { ...connection.bfd } }),
    // an extension property (docs/graceful-restart.md), as bfd
    ...(connection.gracefulRestart === undefined
      ? {}
      : { gracefulRestart: { ...connection.gracefulRestart } }),
    // an extension (docs/tcp-md5.md): the key is write-only, only whether there is one is shown
    ...(connection.md5KeyConfigured ? { md5KeyConfigured: true } : {}),
    // an extension property (docs/route-maps.md), in the shape ARM gives Virtual WAN connections
    ...routingConfiguration(connection.inboundRouteMapId, connection.outboundRouteMapId),
  });
}

function routingConfiguration(inbound: string | undefined, outbound: string | undefined) {
  if (inbound === undefined && outbound === undefined) return {};
  return {
    routingConfiguration: {
      ...(inbound === undefined ? {} : { inboundRouteMap: subResource(inbound) }),
      ...(outbound === undefined ? {} : { outboundRouteMap: subResource(outbound) }),
    },
  };
}
