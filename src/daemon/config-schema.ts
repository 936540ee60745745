/**
 * The declarative configuration file (YAML), as a typebox schema: the
 * resources `routeserver serve --config FILE` applies at start-up through the
 * domain service. docs/serve.md ("Configuration file") describes every field; examples/seed-scenario.yaml
 * is a complete file.
 *
 * Names refer to resources in the same resource group (the file's
 * `resourceGroup` unless a resource sets its own); ids (`/subscriptions/…`)
 * are accepted wherever a reference is.
 */
import { Type, type Static } from 'typebox';

const closed = { additionalProperties: false } as const;
const Name = Type.String({ minLength: 1, maxLength: 80 });
const Prefix = Type.String({ minLength: 1, description: 'CIDR prefix, e.g. 10.1.0.0/16' });
const Tags = Type.Record(Type.String(), Type.String());
const Guid = Type.String({ pattern: '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$' });

/** A built-in role at a subscription or resource group; default scope the file's subscription. */
const RoleAssignmentConfig = Type.Object(
  {
    role: Type.Union([Type.Literal('Reader'), Type.Literal('Network Contributor'), Type.Literal('Owner')]),
    /** `/subscriptions/{id}` or `/subscriptions/{id}/resourceGroups/{name}` */
    scope: Type.Optional(Type.String({ pattern: '^/subscriptions/[^/]+(/resourceGroups/[^/]+)?$' })),
  },
  closed,
);

/** The fields every top-level resource has: its name, its own resource group if not the file's, location, tags. */
const TrackedFields = {
  name: Name,
  resourceGroup: Type.Optional(Name),
  location: Type.Optional(Type.String({ minLength: 1 })),
  tags: Type.Optional(Tags),
};

const SubnetConfig = Type.Object(
  {
    name: Name,
    addressPrefix: Prefix,
    /** route table name or id */
    routeTable: Type.Optional(Type.String({ minLength: 1 })),
  },
  closed,
);

const VnetPeeringConfig = Type.Object(
  {
    name: Name,
    /** name (same resource group) or id */
    remoteVirtualNetwork: Type.String({ minLength: 1 }),
    allowVirtualNetworkAccess: Type.Optional(Type.Boolean()),
    allowForwardedTraffic: Type.Optional(Type.Boolean()),
    allowGatewayTransit: Type.Optional(Type.Boolean()),
    useRemoteGateways: Type.Optional(Type.Boolean()),
  },
  closed,
);

export const VirtualNetworkConfig = Type.Object(
  {
    ...TrackedFields,
    addressPrefixes: Type.Array(Prefix, { minItems: 1 }),
    subnets: Type.Optional(Type.Array(SubnetConfig)),
    peerings: Type.Optional(Type.Array(VnetPeeringConfig)),
  },
  closed,
);

const UserRouteConfig = Type.Object(
  {
    name: Name,
    addressPrefix: Prefix,
    nextHopType: Type.Union([
      Type.Literal('VirtualAppliance'),
      Type.Literal('VirtualNetworkGateway'),
      Type.Literal('VnetLocal'),
      Type.Literal('Internet'),
      Type.Literal('None'),
    ]),
    nextHopIpAddress: Type.Optional(Type.String({ minLength: 1 })),
  },
  closed,
);

export const RouteTableConfig = Type.Object(
  {
    ...TrackedFields,
    disableBgpRoutePropagation: Type.Optional(Type.Boolean()),
    routes: Type.Optional(Type.Array(UserRouteConfig)),
  },
  closed,
);

/** docs/bfd.md; ranges are the API's (checked when the peering is applied) */
const BfdConfig = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    minRx: Type.Optional(Type.Integer()),
    minTx: Type.Optional(Type.Integer()),
    multiplier: Type.Optional(Type.Integer()),
    multihop: Type.Optional(Type.Boolean()),
  },
  closed,
);

/** docs/graceful-restart.md; ranges are the API's (checked when the peering is applied) */
const GracefulRestartConfig = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    restartTime: Type.Optional(Type.Integer()),
    stalePathTime: Type.Optional(Type.Integer()),
  },
  closed,
);

const BgpPeeringConfig = Type.Object(
  {
    name: Name,
    peerIp: Type.String({ minLength: 1 }),
    peerAsn: Type.Integer({ minimum: 1, maximum: 4294967295 }),
    bfd: Type.Optional(BfdConfig),
    gracefulRestart: Type.Optional(GracefulRestartConfig),
    /** RFC 2385 TCP-MD5 key, 1-80 bytes (docs/tcp-md5.md); checked when the peering is applied */
    md5Key: Type.Optional(Type.String()),
    /** route maps (docs/route-maps.md): a map of the same route server, name or id */
    inboundRouteMap: Type.Optional(Type.String({ minLength: 1 })),
    outboundRouteMap: Type.Optional(Type.String({ minLength: 1 })),
  },
  closed,
);

/** ASNs and communities may be YAML numbers too (`asPath: [65001]`); they are sent as decimal text. */
const RouteMapValue = Type.Union([Type.String(), Type.Integer({ minimum: 0 })]);
const RouteMapLists = {
  routePrefix: Type.Optional(Type.Array(Type.String())),
  community: Type.Optional(Type.Array(RouteMapValue)),
  asPath: Type.Optional(Type.Array(RouteMapValue)),
};

/**
 * A route map rule in the API's shape (docs/route-maps.md); the values are
 * checked when the file is read, by the API's validator (src/policy/route-map.ts).
 */
const RouteMapRuleConfig = Type.Object(
  {
    name: Type.String(),
    matchCriteria: Type.Optional(
      Type.Array(Type.Object({ matchCondition: Type.String(), ...RouteMapLists }, closed)),
    ),
    actions: Type.Optional(
      Type.Array(
        Type.Object(
          { type: Type.String(), parameters: Type.Optional(Type.Array(Type.Object(RouteMapLists, closed))) },
          closed,
        ),
      ),
    ),
    nextStepIfMatched: Type.Optional(Type.String()),
  },
  closed,
);

/** A route map of a route server (`virtualHubs/{hub}/routeMaps/{name}`). */
export const RouteMapConfig = Type.Object(
  { name: Name, rules: Type.Optional(Type.Array(RouteMapRuleConfig)) },
  closed,
);

export const RouteServerConfig = Type.Object(
  {
    ...TrackedFields,
    /** the VNet holding RouteServerSubnet: name (same resource group) or id */
    virtualNetwork: Type.String({ minLength: 1 }),
    /** default RouteServerSubnet */
    subnet: Type.Optional(Type.String({ minLength: 1 })),
    allowBranchToBranchTraffic: Type.Optional(Type.Boolean()),
    hubRoutingPreference: Type.Optional(
      Type.Union([Type.Literal('ExpressRoute'), Type.Literal('VpnGateway'), Type.Literal('ASPath')]),
    ),
    /** route maps the peerings name (docs/route-maps.md) */
    routeMaps: Type.Optional(Type.Array(RouteMapConfig)),
    peerings: Type.Optional(Type.Array(BgpPeeringConfig)),
  },
  closed,
);

export const NetworkInterfaceConfig = Type.Object(
  {
    ...TrackedFields,
    /** name (same resource group) or id; ignored when `subnet` is an id */
    virtualNetwork: Type.Optional(Type.String({ minLength: 1 })),
    subnet: Type.String({ minLength: 1 }),
    /** static address; without it the first free address from .4 (Dynamic) */
    privateIpAddress: Type.Optional(Type.String({ minLength: 1 })),
  },
  closed,
);

const Asn = Type.Integer({ minimum: 1, maximum: 4294967295 });

/** A VPN site (docs/gateways.md): its prefixes and, with BGP, its ASN and BGP address. */
export const LocalNetworkGatewayConfig = Type.Object(
  {
    ...TrackedFields,
    addressPrefixes: Type.Optional(Type.Array(Prefix)),
    bgp: Type.Optional(Type.Object({ asn: Asn, peeringAddress: Type.String({ minLength: 1 }) }, closed)),
  },
  closed,
);

/** An ExpressRoute circuit and its private peering (the on-prem edge's ASN, the two /30s, the VLAN). */
export const ExpressRouteCircuitConfig = Type.Object(
  {
    ...TrackedFields,
    privatePeering: Type.Object(
      {
        peerAsn: Asn,
        primaryPeerAddressPrefix: Prefix,
        secondaryPeerAddressPrefix: Prefix,
        vlanId: Type.Integer({ minimum: 1, maximum: 4094 }),
      },
      closed,
    ),
  },
  closed,
);

/** A connection of a gateway: to a VPN site (`Vpn` gateway) or to a circuit (`ExpressRoute` gateway). */
const GatewayConnectionConfig = Type.Object(
  {
    name: Name,
    /** `Vpn` gateway: the VPN site, name or id */
    localNetworkGateway: Type.Optional(Type.String({ minLength: 1 })),
    /** `ExpressRoute` gateway: the circuit, name or id */
    circuit: Type.Optional(Type.String({ minLength: 1 })),
    /** `Vpn` gateway: BGP with the site; default true */
    enableBgp: Type.Optional(Type.Boolean()),
  },
  closed,
);

/** A VPN (active-active, ASN 65515) or ExpressRoute gateway in the VNet's GatewaySubnet, with its connections. */
export const VirtualNetworkGatewayConfig = Type.Object(
  {
    ...TrackedFields,
    type: Type.Union([Type.Literal('Vpn'), Type.Literal('ExpressRoute')]),
    /** the VNet holding GatewaySubnet: name (same resource group) or id */
    virtualNetwork: Type.String({ minLength: 1 }),
    connections: Type.Optional(Type.Array(GatewayConnectionConfig)),
  },
  closed,
);

export const RouteServerConfigFile = Type.Object(
  {
    /** how the API presents itself; `routeserver serve --public-url` takes precedence */
    api: Type.Optional(
      Type.Object(
        {
          /** the URL clients reach the API at: the base of nextLink, Location, Azure-AsyncOperation */
          publicUrl: Type.Optional(Type.String({ minLength: 1 })),
        },
        closed,
      ),
    ),
    /** service principals that log in through the server's token endpoint (docs/identity.md) */
    identity: Type.Optional(
      Type.Object(
        {
          /** the directory (tenant) id clients log in to; default 00000000-0000-0000-0000-000000000000 */
          tenantId: Type.Optional(Guid),
          servicePrincipals: Type.Array(
            Type.Object(
              {
                clientId: Guid,
                /** `routeserver identity hash-secret` prints it; the secret itself is never stored */
                secretHash: Type.String({ pattern: '^scrypt\\$[A-Za-z0-9_-]+\\$[A-Za-z0-9_-]+$' }),
                displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
                /** built-in roles the principal holds (docs/identity.md, "Roles") */
                roleAssignments: Type.Optional(Type.Array(RoleAssignmentConfig)),
              },
              closed,
            ),
          ),
        },
        closed,
      ),
    ),
    /** BMP collectors every instance exports to (docs/bmp.md); `serve --bmp` adds more */
    bmp: Type.Optional(
      Type.Array(
        Type.Object(
          {
            address: Type.String({ minLength: 1, description: 'IP address or host name of the collector' }),
            port: Type.Integer({ minimum: 1, maximum: 65535 }),
          },
          closed,
        ),
      ),
    ),
    subscription: Type.Optional(Type.String({ minLength: 1 })),
    resourceGroup: Name,
    location: Type.Optional(Type.String({ minLength: 1 })),
    virtualNetworks: Type.Optional(Type.Array(VirtualNetworkConfig)),
    routeTables: Type.Optional(Type.Array(RouteTableConfig)),
    routeServers: Type.Optional(Type.Array(RouteServerConfig)),
    localNetworkGateways: Type.Optional(Type.Array(LocalNetworkGatewayConfig)),
    expressRouteCircuits: Type.Optional(Type.Array(ExpressRouteCircuitConfig)),
    virtualNetworkGateways: Type.Optional(Type.Array(VirtualNetworkGatewayConfig)),
    networkInterfaces: Type.Optional(Type.Array(NetworkInterfaceConfig)),
  },
  closed,
);

export type ConfigFile = Static<typeof RouteServerConfigFile>;
export type VirtualNetworkConfig = Static<typeof VirtualNetworkConfig>;
export type RouteTableConfig = Static<typeof RouteTableConfig>;
export type RouteServerConfig = Static<typeof RouteServerConfig>;
export type RouteMapConfig = Static<typeof RouteMapConfig>;
export type NetworkInterfaceConfig = Static<typeof NetworkInterfaceConfig>;
export type LocalNetworkGatewayConfig = Static<typeof LocalNetworkGatewayConfig>;
export type ExpressRouteCircuitConfig = Static<typeof ExpressRouteCircuitConfig>;
export type VirtualNetworkGatewayConfig = Static<typeof VirtualNetworkGatewayConfig>;
