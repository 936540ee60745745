/**
 * The schemas of route servers as ARM serves them (conversion:
 * src/routeserver/route-servers-wire.ts): `virtualHubs` (kind `RouteServer`),
 * `virtualHubs/{hub}/ipConfigurations` and `virtualHubs/{hub}/bgpConnections`,
 * with POST `…/bgpConnections/{name}/learnedRoutes` and `…/advertisedRoutes`
 * (202 + Location, then the map keyed `RouteServiceRole_IN_0` /
 * `RouteServiceRole_IN_1`, docs/azure-behaviour.md §7.3, built by
 * src/routeserver/route-servers.ts).
 */
import { Type } from 'typebox';
import type { WireSchemas } from './domain-resource.js';
import { ResourceRef, SubResourceRef } from './edge.js';

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

/** An extension property (docs/bfd.md): ranges are checked by the domain service (400, nothing stored). */
const ConnectionBfd = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    minRx: Type.Optional(Type.Integer()),
    minTx: Type.Optional(Type.Integer()),
    multiplier: Type.Optional(Type.Integer()),
    multihop: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** An extension property (docs/graceful-restart.md): ranges are checked by the domain service. */
const ConnectionGracefulRestart = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    restartTime: Type.Optional(Type.Integer()),
    stalePathTime: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

/** An extension property (docs/route-maps.md), in the shape ARM gives Virtual WAN connections. */
const RoutingConfiguration = Type.Object(
  {
    inboundRouteMap: Type.Optional(Type.Union([ResourceRef, Type.Null()])),
    outboundRouteMap: Type.Optional(Type.Union([ResourceRef, Type.Null()])),
  },
  { additionalProperties: false },
);

const ConnectionProperties = Type.Object(
  {
    peerIp: Type.String(),
    peerAsn: Type.Integer(),
    hubVirtualNetworkConnection: Type.Optional(Type.Null()),
    bfd: Type.Optional(ConnectionBfd),
    gracefulRestart: Type.Optional(ConnectionGracefulRestart),
    /** docs/tcp-md5.md: write-only; the length (1-80 bytes) is checked by the domain service */
    md5Key: Type.Optional(Type.String()),
    routingConfiguration: Type.Optional(RoutingConfiguration),
  },
  { additionalProperties: false },
);

const ConnectionResponse = Type.Object({
  peerIp: Type.String(),
  peerAsn: Type.Integer(),
  provisioningState: Type.String(),
  connectionState: Type.String(),
  bfd: Type.Optional(Type.Required(ConnectionBfd)),
  gracefulRestart: Type.Optional(Type.Required(ConnectionGracefulRestart)),
  // never the key itself (docs/tcp-md5.md)
  md5KeyConfigured: Type.Optional(Type.Boolean()),
  routingConfiguration: Type.Optional(
    Type.Object({
      inboundRouteMap: Type.Optional(SubResourceRef),
      outboundRouteMap: Type.Optional(SubResourceRef),
    }),
  ),
});

const StringList = Type.Array(Type.String());
const RouteMapLists = {
  routePrefix: Type.Optional(StringList),
  community: Type.Optional(StringList),
  asPath: Type.Optional(StringList),
};

/** ARM's RouteMapRule (docs/route-maps.md); values are checked by the domain service (400 naming the member). */
const RouteMapRule = Type.Object(
  {
    name: Type.String(),
    matchCriteria: Type.Optional(
      Type.Array(
        Type.Object({ ...RouteMapLists, matchCondition: Type.String() }, { additionalProperties: false }),
      ),
    ),
    actions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            type: Type.String(),
            parameters: Type.Optional(
              Type.Array(Type.Object(RouteMapLists, { additionalProperties: false })),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    nextStepIfMatched: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const RouteMapProperties = Type.Object(
  {
    rules: Type.Optional(Type.Array(RouteMapRule)),
    // read-only in ARM; a client may echo them from a GET: ignored
    associatedInboundConnections: Type.Optional(Type.Array(ResourceRef)),
    associatedOutboundConnections: Type.Optional(Type.Array(ResourceRef)),
  },
  { additionalProperties: false },
);

const RouteMapResponse = Type.Object({
  rules: Type.Array(RouteMapRule),
  associatedInboundConnections: Type.Array(SubResourceRef),
  associatedOutboundConnections: Type.Array(SubResourceRef),
  provisioningState: Type.String(),
});

export const routeMapSchemas: WireSchemas = {
  requestProperties: RouteMapProperties,
  responseProperties: RouteMapResponse,
};

export const routeServerSchemas: WireSchemas = {
  requestProperties: HubProperties,
  responseProperties: HubResponse,
};

export const ipConfigurationSchemas: WireSchemas = {
  requestProperties: IpConfigurationProperties,
  responseProperties: IpConfigurationResponse,
};

export const bgpConnectionSchemas: WireSchemas = {
  requestProperties: ConnectionProperties,
  responseProperties: ConnectionResponse,
};
