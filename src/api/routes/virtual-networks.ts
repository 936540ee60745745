/**
 * The schemas of `virtualNetworks`, `virtualNetworks/{vnet}/subnets` and
 * `virtualNetworks/{vnet}/virtualNetworkPeerings` bodies and responses
 * (their conversion to and from the domain: src/routeserver/network-wire.ts).
 * Subnets and peerings are child resources and also travel inline in the
 * VNet body, as ARM's do. An inline list in a VNet PUT is the complete set
 * (unlisted children are deleted); an absent list keeps the children.
 */
import { Type } from 'typebox';
import type { WireSchemas } from './domain-resource.js';
import { AddressSpace, inlineChild, ResourceRef, SubResourceRef } from './edge.js';

// ---- schemas ---------------------------------------------------------------------------

const SubnetProperties = Type.Object(
  {
    addressPrefix: Type.Optional(Type.String()),
    addressPrefixes: Type.Optional(Type.Array(Type.String(), { minItems: 1, maxItems: 1 })),
    routeTable: Type.Optional(Type.Union([ResourceRef, Type.Null()])),
    // defaults the SDK fills in and sends back; no private endpoints here, so they change nothing
    privateEndpointNetworkPolicies: Type.Optional(Type.String()),
    privateLinkServiceNetworkPolicies: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const PeeringProperties = Type.Object(
  {
    remoteVirtualNetwork: SubResourceRef,
    allowVirtualNetworkAccess: Type.Optional(Type.Boolean()),
    allowForwardedTraffic: Type.Optional(Type.Boolean()),
    allowGatewayTransit: Type.Optional(Type.Boolean()),
    useRemoteGateways: Type.Optional(Type.Boolean()),
    // informational fields a client may echo from a GET; ignored
    peeringState: Type.Optional(Type.String()),
    peeringSyncLevel: Type.Optional(Type.String()),
    remoteAddressSpace: Type.Optional(AddressSpace),
    remoteVirtualNetworkAddressSpace: Type.Optional(AddressSpace),
  },
  { additionalProperties: false },
);

const VirtualNetworkProperties = Type.Object(
  {
    addressSpace: Type.Optional(AddressSpace),
    subnets: Type.Optional(Type.Array(inlineChild(SubnetProperties))),
    virtualNetworkPeerings: Type.Optional(Type.Array(inlineChild(PeeringProperties))),
    // SDK defaults sent on every PUT; DDoS and VM protection are not offered, so only false
    enableDdosProtection: Type.Optional(Type.Literal(false)),
    enableVmProtection: Type.Optional(Type.Literal(false)),
  },
  { additionalProperties: false },
);

const SubnetResponse = Type.Object({
  addressPrefix: Type.String(),
  routeTable: Type.Optional(SubResourceRef),
  ipConfigurations: Type.Array(SubResourceRef),
  provisioningState: Type.String(),
});

const PeeringResponse = Type.Object({
  remoteVirtualNetwork: SubResourceRef,
  allowVirtualNetworkAccess: Type.Boolean(),
  allowForwardedTraffic: Type.Boolean(),
  allowGatewayTransit: Type.Boolean(),
  useRemoteGateways: Type.Boolean(),
  peeringState: Type.String(),
  peeringSyncLevel: Type.String(),
  provisioningState: Type.String(),
});

const child = (properties: typeof SubnetResponse | typeof PeeringResponse) =>
  Type.Object({
    id: Type.String(),
    name: Type.String(),
    type: Type.String(),
    etag: Type.Optional(Type.String()),
    properties,
  });

const VirtualNetworkResponse = Type.Object({
  addressSpace: AddressSpace,
  subnets: Type.Array(child(SubnetResponse)),
  virtualNetworkPeerings: Type.Array(child(PeeringResponse)),
  provisioningState: Type.String(),
});

export const virtualNetworkSchemas: WireSchemas = {
  requestProperties: VirtualNetworkProperties,
  responseProperties: VirtualNetworkResponse,
};

export const subnetSchemas: WireSchemas = {
  requestProperties: SubnetProperties,
  responseProperties: SubnetResponse,
};

export const peeringSchemas: WireSchemas = {
  requestProperties: PeeringProperties,
  responseProperties: PeeringResponse,
};
