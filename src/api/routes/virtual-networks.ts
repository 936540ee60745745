/**
 * `virtualNetworks`, `virtualNetworks/{vnet}/subnets` and
 * `virtualNetworks/{vnet}/virtualNetworkPeerings`: ARM shapes ↔ domain types.
 * Subnets and peerings are child resources and also travel inline in the
 * VNet body, as ARM's do. An inline list in a VNet PUT is the complete set
 * (unlisted children are deleted); an absent list keeps the children.
 */
import { Type } from 'typebox';
import type {
  PeeringResourceInput,
  SubnetResource,
  SubnetResourceInput,
  VirtualNetworkResource,
  VirtualNetworkResourceInput,
  VirtualNetworkPeeringResource,
} from '../../routeserver/index.js';
import { toArmResource } from '../arm-resource.js';
import { ArmError } from '../errors.js';
import type { WireShape } from './domain-resource.js';
import {
  AddressSpace,
  inlineChild,
  ResourceRef,
  subResource,
  SubResourceRef,
  trackedInput,
  type TrackedPutBody,
  type ErrorContext,
} from './edge.js';

const VNET_TYPE = 'Microsoft.Network/virtualNetworks';
const SUBNET_TYPE = 'Microsoft.Network/virtualNetworks/subnets';
const PEERING_TYPE = 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings';

const renames = {
  addressPrefixes: 'addressSpace.addressPrefixes',
  peerings: 'virtualNetworkPeerings',
  routeTableId: 'routeTable.id',
  remoteVirtualNetworkId: 'remoteVirtualNetwork.id',
};
const vnetContext: ErrorContext = { renames, inUseCode: 'InUseVirtualNetworkCannotBeDeleted' };
const subnetContext: ErrorContext = { renames, inUseCode: 'InUseSubnetCannotBeDeleted' };
const peeringContext: ErrorContext = { renames };

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

type SubnetBody = {
  properties?: Partial<{
    addressPrefix: string;
    addressPrefixes: string[];
    routeTable: { id: string } | null;
  }>;
};
type PeeringBody = {
  properties?: {
    remoteVirtualNetwork: { id: string };
    allowVirtualNetworkAccess?: boolean;
    allowForwardedTraffic?: boolean;
    allowGatewayTransit?: boolean;
    useRemoteGateways?: boolean;
  };
};
type VnetBody = TrackedPutBody<{
  addressSpace?: { addressPrefixes: string[] };
  subnets?: (SubnetBody & { name: string })[];
  virtualNetworkPeerings?: (PeeringBody & { name: string })[];
}>;

// ---- translation -----------------------------------------------------------------------

function subnetInput(body: SubnetBody, target: string): SubnetResourceInput {
  const properties = body.properties ?? {};
  const addressPrefix = properties.addressPrefix ?? properties.addressPrefixes?.[0];
  if (addressPrefix === undefined) {
    throw new ArmError(400, 'InvalidRequestFormat', 'A subnet needs an addressPrefix.', {
      target: `${target}properties.addressPrefix`,
    });
  }
  return { addressPrefix, routeTableId: properties.routeTable?.id ?? null };
}

function peeringInput(body: PeeringBody, target: string): PeeringResourceInput {
  const properties = body.properties;
  if (properties === undefined) {
    throw new ArmError(400, 'InvalidRequestFormat', 'A peering needs remoteVirtualNetwork.', {
      target: `${target}properties.remoteVirtualNetwork`,
    });
  }
  return {
    remoteVirtualNetworkId: properties.remoteVirtualNetwork.id,
    ...(properties.allowVirtualNetworkAccess === undefined
      ? {}
      : { allowVirtualNetworkAccess: properties.allowVirtualNetworkAccess }),
    ...(properties.allowForwardedTraffic === undefined
      ? {}
      : { allowForwardedTraffic: properties.allowForwardedTraffic }),
    ...(properties.allowGatewayTransit === undefined
      ? {}
      : { allowGatewayTransit: properties.allowGatewayTransit }),
    ...(properties.useRemoteGateways === undefined
      ? {}
      : { useRemoteGateways: properties.useRemoteGateways }),
  };
}

function subnetProperties(subnet: SubnetResource) {
  return {
    addressPrefix: subnet.addressPrefix,
    ...(subnet.routeTableId === null ? {} : { routeTable: subResource(subnet.routeTableId) }),
    ipConfigurations: subnet.ipConfigurationIds.map(subResource),
    provisioningState: subnet.provisioningState,
  };
}

function peeringProperties(peering: VirtualNetworkPeeringResource) {
  return {
    remoteVirtualNetwork: subResource(peering.remoteVirtualNetworkId),
    allowVirtualNetworkAccess: peering.allowVirtualNetworkAccess,
    allowForwardedTraffic: peering.allowForwardedTraffic,
    allowGatewayTransit: peering.allowGatewayTransit,
    useRemoteGateways: peering.useRemoteGateways,
    peeringState: peering.peeringState,
    peeringSyncLevel: 'FullyInSync',
    provisioningState: peering.provisioningState,
  };
}

const presentSubnet = (s: SubnetResource) =>
  toArmResource(s.id, s.name, SUBNET_TYPE, s.etag, subnetProperties(s));
const presentPeering = (p: VirtualNetworkPeeringResource) =>
  toArmResource(p.id, p.name, PEERING_TYPE, p.etag, peeringProperties(p));

function presentVnet(vnet: VirtualNetworkResource) {
  return toArmResource(
    vnet.id,
    vnet.name,
    VNET_TYPE,
    vnet.etag,
    {
      addressSpace: { addressPrefixes: [...vnet.addressPrefixes] },
      subnets: vnet.subnets.map(presentSubnet),
      virtualNetworkPeerings: vnet.peerings.map(presentPeering),
      provisioningState: vnet.provisioningState,
    },
    { location: vnet.location, tags: { ...vnet.tags } },
  );
}

// ---- registration ------------------------------------------------------------------------

function vnetInput(body: VnetBody): VirtualNetworkResourceInput {
  const properties = body.properties ?? {};
  return {
    ...trackedInput(body),
    addressPrefixes: properties.addressSpace?.addressPrefixes ?? [],
    ...(properties.subnets === undefined
      ? {}
      : {
          subnets: properties.subnets.map((s, i) => ({
            name: s.name,
            ...subnetInput(s, `properties.subnets[${i}].`),
          })),
        }),
    ...(properties.virtualNetworkPeerings === undefined
      ? {}
      : {
          peerings: properties.virtualNetworkPeerings.map((p, i) => ({
            name: p.name,
            ...peeringInput(p, `properties.virtualNetworkPeerings[${i}].`),
          })),
        }),
  };
}

export const virtualNetworkWire: WireShape<VnetBody, VirtualNetworkResourceInput, VirtualNetworkResource> = {
  requestProperties: VirtualNetworkProperties,
  responseProperties: VirtualNetworkResponse,
  context: vnetContext,
  present: presentVnet,
  toInput: vnetInput,
};

export const subnetWire: WireShape<SubnetBody, SubnetResourceInput, SubnetResource> = {
  requestProperties: SubnetProperties,
  responseProperties: SubnetResponse,
  context: subnetContext,
  present: presentSubnet,
  toInput: (body) => subnetInput(body, ''),
};

export const peeringWire: WireShape<PeeringBody, PeeringResourceInput, VirtualNetworkPeeringResource> = {
  requestProperties: PeeringProperties,
  responseProperties: PeeringResponse,
  context: peeringContext,
  present: presentPeering,
  toInput: (body) => peeringInput(body, ''),
};
