/**
 * Route servers as ARM serves them: `virtualHubs` (kind `RouteServer`),
 * `virtualHubs/{hub}/ipConfigurations` and `virtualHubs/{hub}/bgpConnections`,
 * with POST `…/bgpConnections/{name}/learnedRoutes` and `…/advertisedRoutes`
 * (202 + Location, then the map keyed `RouteServiceRole_IN_0` /
 * `RouteServiceRole_IN_1`, docs/azure-behaviour.md §7.3, built by
 * src/routeserver/route-servers.ts).
 */
import { Type } from 'typebox';
import type {
  BgpConnectionResource,
  BgpConnectionResourceInput,
  HubRoutingPreference,
  IpConfigurationResource,
  IpConfigurationResourceInput,
  RouteServerResource,
  RouteServerResourceInput,
} from '../../routeserver/index.js';
import { toArmResource } from '../arm-resource.js';
import type { WireShape } from './domain-resource.js';
import {
  ResourceRef,
  subResource,
  SubResourceRef,
  trackedInput,
  type TrackedPutBody,
  type ErrorContext,
} from './edge.js';

const HUB_TYPE = 'Microsoft.Network/virtualHubs';
const IP_CONFIGURATION_TYPE = 'Microsoft.Network/virtualHubs/ipConfigurations';
const CONNECTION_TYPE = 'Microsoft.Network/virtualHubs/bgpConnections';

const renames = {
  minCapacity: 'virtualRouterAutoScaleConfiguration.minCapacity',
  subnetId: 'subnet.id',
  privateIpAddress: 'privateIPAddress',
};
const context: ErrorContext = { renames };

// ---- schemas ------------------------------------------------------------------------

const Preference = Type.Union([
  Type.Literal('ExpressRoute'),
  Type.Literal('VpnGateway'),
  Type.Literal('ASPath'),
]);

const HubProperties = Type.Object(
  {
    sku: Type.Optional(Type.Literal('Standard')),
    allowBranchToBranchTraffic: Type.Optional(Type.Boolean()),
    hubRoutingPreference: Type.Optional(Preference),
    virtualRouterAutoScaleConfiguration: Type.Optional(
      Type.Object({ minCapacity: Type.Optional(Type.Integer()) }, { additionalProperties: false }),
    ),
    virtualRouterAsn: Type.Optional(Type.Integer()),
    // derived from the ipConfiguration; a client may echo them from a GET: ignored
    virtualRouterIps: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

const HubResponse = Type.Object({
  sku: Type.String(),
  allowBranchToBranchTraffic: Type.Boolean(),
  hubRoutingPreference: Type.String(),
  virtualRouterAutoScaleConfiguration: Type.Object({ minCapacity: Type.Integer() }),
  virtualRouterAsn: Type.Integer(),
  virtualRouterIps: Type.Array(Type.String()),
  provisioningState: Type.String(),
  routingState: Type.String(),
  ipConfigurations: Type.Array(SubResourceRef),
  bgpConnections: Type.Array(SubResourceRef),
});

const IpConfigurationProperties = Type.Object(
  {
    subnet: ResourceRef,
    publicIPAddress: Type.Optional(Type.Union([ResourceRef, Type.Null()])),
    privateIPAddress: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    privateIPAllocationMethod: Type.Optional(Type.Union([Type.Literal('Static'), Type.Literal('Dynamic')])),
  },
  { additionalProperties: false },
);

const IpConfigurationResponse = Type.Object({
  subnet: SubResourceRef,
  publicIPAddress: Type.Optional(SubResourceRef),
  privateIPAddress: Type.Optional(Type.String()),
  privateIPAllocationMethod: Type.String(),
  provisioningState: Type.String(),
});

const ConnectionProperties = Type.Object(
  {
    peerIp: Type.String(),
    peerAsn: Type.Integer(),
    hubVirtualNetworkConnection: Type.Optional(Type.Null()),
  },
  { additionalProperties: false },
);

const ConnectionResponse = Type.Object({
  peerIp: Type.String(),
  peerAsn: Type.Integer(),
  provisioningState: Type.String(),
  connectionState: Type.String(),
});

type HubBody = TrackedPutBody<{
  allowBranchToBranchTraffic?: boolean;
  hubRoutingPreference?: HubRoutingPreference;
  virtualRouterAutoScaleConfiguration?: { minCapacity?: number };
  virtualRouterAsn?: number;
}>;
type IpConfigurationBody = {
  properties?: {
    subnet: { id: string };
    publicIPAddress?: { id: string } | null;
    privateIPAddress?: string | null;
    privateIPAllocationMethod?: 'Static' | 'Dynamic';
  };
};
type ConnectionBody = { properties?: { peerIp: string; peerAsn: number } };

// ---- translation -----------------------------------------------------------------------

function presentHub(hub: RouteServerResource) {
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

function presentIpConfiguration(config: IpConfigurationResource) {
  return toArmResource(config.id, config.name, IP_CONFIGURATION_TYPE, config.etag, {
    subnet: subResource(config.subnetId),
    ...(config.publicIpAddressId === null ? {} : { publicIPAddress: subResource(config.publicIpAddressId) }),
    ...(config.privateIpAddress === null ? {} : { privateIPAddress: config.privateIpAddress }),
    privateIPAllocationMethod: config.privateIpAllocationMethod,
    provisioningState: config.provisioningState,
  });
}

function presentConnection(connection: BgpConnectionResource) {
  return toArmResource(connection.id, connection.name, CONNECTION_TYPE, connection.etag, {
    peerIp: connection.peerIp,
    peerAsn: connection.peerAsn,
    provisioningState: connection.provisioningState,
    connectionState: connection.connectionState,
  });
}

// ---- registration ------------------------------------------------------------------------

function hubInput(body: HubBody): RouteServerResourceInput {
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

function ipConfigurationInput(body: IpConfigurationBody): IpConfigurationResourceInput {
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

const connectionInput = (body: ConnectionBody): BgpConnectionResourceInput => ({
  peerIp: body.properties?.peerIp ?? '',
  peerAsn: body.properties?.peerAsn ?? 0,
});

export const routeServerWire: WireShape<HubBody, RouteServerResourceInput, RouteServerResource> = {
  requestProperties: HubProperties,
  responseProperties: HubResponse,
  context,
  present: presentHub,
  toInput: hubInput,
};

export const ipConfigurationWire: WireShape<
  IpConfigurationBody,
  IpConfigurationResourceInput,
  IpConfigurationResource
> = {
  requestProperties: IpConfigurationProperties,
  responseProperties: IpConfigurationResponse,
  context,
  present: presentIpConfiguration,
  toInput: ipConfigurationInput,
};

export const bgpConnectionWire: WireShape<ConnectionBody, BgpConnectionResourceInput, BgpConnectionResource> =
  {
    requestProperties: ConnectionProperties,
    responseProperties: ConnectionResponse,
    context,
    present: presentConnection,
    toInput: connectionInput,
  };
