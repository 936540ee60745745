/**
 * The schemas of the gateway family as ARM serves it (conversion:
 * src/routeserver/gateways-wire.ts): `virtualNetworkGateways`,
 * `localNetworkGateways`, `connections`, `expressRouteCircuits` and
 * `expressRouteCircuits/{circuit}/peerings`. Members the SDK or az CLI send
 * that change nothing here (public IPs, generation, shared keys, policy
 * selectors) are accepted and ignored: the tunnel or circuit is the
 * operator's link (docs/gateways.md).
 */
import { Type } from 'typebox';
import type { WireSchemas } from './domain-resource.js';
import { AddressSpace, inlineChild, ResourceRef, SubResourceRef } from './edge.js';

const Ignored = Type.Unknown();

const GatewayIpConfigurationProperties = Type.Object(
  {
    subnet: ResourceRef,
    publicIPAddress: Type.Optional(Type.Union([ResourceRef, Type.Null()])),
    privateIPAllocationMethod: Type.Optional(Type.String()),
    // read-only; a client may echo them from a GET
    privateIPAddress: Type.Optional(Type.String()),
    provisioningState: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const GatewayProperties = Type.Object(
  {
    gatewayType: Type.String(),
    vpnType: Type.Optional(Type.String()),
    vpnGatewayGeneration: Type.Optional(Type.String()),
    enableBgp: Type.Optional(Type.Boolean()),
    activeActive: Type.Optional(Type.Boolean()),
    enablePrivateIpAddress: Type.Optional(Type.Boolean()),
    sku: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String()),
          tier: Type.Optional(Type.String()),
          capacity: Type.Optional(Type.Integer()),
        },
        { additionalProperties: false },
      ),
    ),
    bgpSettings: Type.Optional(
      Type.Object(
        {
          asn: Type.Optional(Type.Integer()),
          // derived from the instances; echoed from a GET: ignored
          bgpPeeringAddress: Type.Optional(Type.String()),
          peerWeight: Type.Optional(Type.Integer()),
          bgpPeeringAddresses: Type.Optional(Type.Array(Ignored)),
        },
        { additionalProperties: false },
      ),
    ),
    ipConfigurations: Type.Array(inlineChild(GatewayIpConfigurationProperties), { minItems: 1 }),
    provisioningState: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const GatewayResponse = Type.Object({
  gatewayType: Type.String(),
  vpnType: Type.Optional(Type.String()),
  enableBgp: Type.Boolean(),
  activeActive: Type.Boolean(),
  sku: Type.Object({ name: Type.String(), tier: Type.String() }),
  bgpSettings: Type.Object({
    asn: Type.Integer(),
    bgpPeeringAddress: Type.String(),
    peerWeight: Type.Integer(),
    bgpPeeringAddresses: Type.Array(
      Type.Object({
        ipconfigurationId: Type.String(),
        defaultBgpIpAddresses: Type.Array(Type.String()),
        customBgpIpAddresses: Type.Array(Type.String()),
        tunnelIpAddresses: Type.Array(Type.String()),
      }),
    ),
  }),
  ipConfigurations: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      properties: Type.Object({
        privateIPAllocationMethod: Type.String(),
        subnet: SubResourceRef,
        privateIPAddress: Type.String(),
        provisioningState: Type.String(),
      }),
    }),
  ),
  provisioningState: Type.String(),
});

const BgpSettings = Type.Object(
  {
    asn: Type.Optional(Type.Integer()),
    bgpPeeringAddress: Type.Optional(Type.String()),
    peerWeight: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

const LocalGatewayProperties = Type.Object(
  {
    localNetworkAddressSpace: Type.Optional(AddressSpace),
    gatewayIpAddress: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    fqdn: Type.Optional(Type.String()),
    bgpSettings: Type.Optional(BgpSettings),
    provisioningState: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const LocalGatewayResponse = Type.Object({
  localNetworkAddressSpace: AddressSpace,
  gatewayIpAddress: Type.Optional(Type.String()),
  bgpSettings: Type.Optional(
    Type.Object({ asn: Type.Integer(), bgpPeeringAddress: Type.String(), peerWeight: Type.Integer() }),
  ),
  provisioningState: Type.String(),
});

const ConnectionProperties = Type.Object(
  {
    connectionType: Type.String(),
    virtualNetworkGateway1: ResourceRef,
    localNetworkGateway2: Type.Optional(Type.Union([ResourceRef, Type.Null()])),
    peer: Type.Optional(Type.Union([ResourceRef, Type.Null()])),
    enableBgp: Type.Optional(Type.Boolean()),
    routingWeight: Type.Optional(Type.Integer()),
    // the tunnel is the operator's (docs/gateways.md): accepted, not stored
    sharedKey: Type.Optional(Type.String()),
    connectionProtocol: Type.Optional(Type.String()),
    usePolicyBasedTrafficSelectors: Type.Optional(Type.Boolean()),
    dpdTimeoutSeconds: Type.Optional(Type.Integer()),
    connectionMode: Type.Optional(Type.String()),
    ipsecPolicies: Type.Optional(Type.Array(Ignored)),
    trafficSelectorPolicies: Type.Optional(Type.Array(Ignored)),
    expressRouteGatewayBypass: Type.Optional(Type.Boolean()),
    // read-only; a client may echo them from a GET
    connectionStatus: Type.Optional(Type.String()),
    provisioningState: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const ConnectionResponse = Type.Object({
  connectionType: Type.String(),
  virtualNetworkGateway1: SubResourceRef,
  localNetworkGateway2: Type.Optional(SubResourceRef),
  peer: Type.Optional(SubResourceRef),
  enableBgp: Type.Boolean(),
  routingWeight: Type.Integer(),
  connectionStatus: Type.String(),
  provisioningState: Type.String(),
});

const CircuitProperties = Type.Object(
  {
    serviceProviderProperties: Type.Optional(
      Type.Object(
        {
          serviceProviderName: Type.Optional(Type.String()),
          peeringLocation: Type.Optional(Type.String()),
          bandwidthInMbps: Type.Optional(Type.Integer()),
        },
        { additionalProperties: false },
      ),
    ),
    allowClassicOperations: Type.Optional(Type.Boolean()),
    // read-only; a client may echo them from a GET
    circuitProvisioningState: Type.Optional(Type.String()),
    serviceProviderProvisioningState: Type.Optional(Type.String()),
    peerings: Type.Optional(Type.Array(Ignored)),
    provisioningState: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const CircuitSku = Type.Object(
  {
    name: Type.Optional(Type.String()),
    tier: Type.Optional(Type.String()),
    family: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const CircuitResponse = Type.Object({
  serviceProviderProperties: Type.Object({
    serviceProviderName: Type.String(),
    peeringLocation: Type.String(),
    bandwidthInMbps: Type.Integer(),
  }),
  circuitProvisioningState: Type.String(),
  serviceProviderProvisioningState: Type.String(),
  peerings: Type.Array(SubResourceRef),
  provisioningState: Type.String(),
});

const PeeringProperties = Type.Object(
  {
    peeringType: Type.String(),
    peerASN: Type.Integer(),
    primaryPeerAddressPrefix: Type.String(),
    secondaryPeerAddressPrefix: Type.String(),
    vlanId: Type.Integer(),
    sharedKey: Type.Optional(Type.String()),
    // read-only; a client may echo them from a GET
    azureASN: Type.Optional(Type.Integer()),
    state: Type.Optional(Type.String()),
    provisioningState: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const PeeringResponse = Type.Object({
  peeringType: Type.String(),
  state: Type.String(),
  azureASN: Type.Integer(),
  peerASN: Type.Integer(),
  primaryPeerAddressPrefix: Type.String(),
  secondaryPeerAddressPrefix: Type.String(),
  vlanId: Type.Integer(),
  provisioningState: Type.String(),
});

export const virtualNetworkGatewaySchemas: WireSchemas = {
  requestProperties: GatewayProperties,
  responseProperties: GatewayResponse,
};

export const localNetworkGatewaySchemas: WireSchemas = {
  requestProperties: LocalGatewayProperties,
  responseProperties: LocalGatewayResponse,
};

export const connectionSchemas: WireSchemas = {
  requestProperties: ConnectionProperties,
  responseProperties: ConnectionResponse,
};

export const expressRouteCircuitSchemas: WireSchemas = {
  requestProperties: CircuitProperties,
  responseProperties: CircuitResponse,
  requestEnvelope: { sku: CircuitSku },
};

export const circuitPeeringSchemas: WireSchemas = {
  requestProperties: PeeringProperties,
  responseProperties: PeeringResponse,
};
