/**
 * The wire form of the virtual network family (network.ts): ARM's
 * `virtualNetworks`, `…/subnets` and `…/virtualNetworkPeerings` bodies as
 * domain input, and the domain views as ARM resources. Subnets and peerings
 * also travel inline in the VNet body, as ARM's do. Refusals name the ARM
 * path of the member at fault, as network.ts's do.
 */
import { armPath } from './core.js';
import { toArmResource, subResource, trackedInput, type TrackedPutBody } from './arm-json.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import type {
  PeeringResourceInput,
  SubnetResource,
  SubnetResourceInput,
  VirtualNetworkPeeringResource,
  VirtualNetworkResource,
  VirtualNetworkResourceInput,
} from './types.js';

const VNET_TYPE = 'Microsoft.Network/virtualNetworks';
const SUBNET_TYPE = 'Microsoft.Network/virtualNetworks/subnets';
const PEERING_TYPE = 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings';

export type SubnetPutBody = {
  properties?: Partial<{
    addressPrefix: string;
    addressPrefixes: string[];
    routeTable: { id: string } | null;
  }>;
};
export type PeeringPutBody = {
  properties?: {
    remoteVirtualNetwork: { id: string };
    allowVirtualNetworkAccess?: boolean;
    allowForwardedTraffic?: boolean;
    allowGatewayTransit?: boolean;
    useRemoteGateways?: boolean;
  };
};
export type VirtualNetworkPutBody = TrackedPutBody<{
  addressSpace?: { addressPrefixes: string[] };
  subnets?: (SubnetPutBody & { name: string })[];
  virtualNetworkPeerings?: (PeeringPutBody & { name: string })[];
}>;

/** A subnet body at `at` ('' for a subnet PUT, `properties.subnets[i]` inline). */
export function subnetInput(body: SubnetPutBody, at = ''): SubnetResourceInput {
  const properties = body.properties ?? {};
  const addressPrefix = properties.addressPrefix ?? properties.addressPrefixes?.[0];
  if (addressPrefix === undefined) {
    throw new RouteServerError(
      E.INCOMPLETE_BODY,
      'A subnet needs an addressPrefix.',
      armPath(at, 'properties.addressPrefix'),
    );
  }
  return { addressPrefix, routeTableId: properties.routeTable?.id ?? null };
}

const flag = <K extends string>(name: K, value: boolean | undefined) =>
  value === undefined ? {} : ({ [name]: value } as Record<K, boolean>);

/** A peering body at `at` ('' for a peering PUT, `properties.virtualNetworkPeerings[i]` inline). */
export function peeringInput(body: PeeringPutBody, at = ''): PeeringResourceInput {
  const properties = body.properties;
  if (properties === undefined) {
    throw new RouteServerError(
      E.INCOMPLETE_BODY,
      'A peering needs remoteVirtualNetwork.',
      armPath(at, 'properties.remoteVirtualNetwork'),
    );
  }
  return {
    remoteVirtualNetworkId: properties.remoteVirtualNetwork.id,
    ...flag('allowVirtualNetworkAccess', properties.allowVirtualNetworkAccess),
    ...flag('allowForwardedTraffic', properties.allowForwardedTraffic),
    ...flag('allowGatewayTransit', properties.allowGatewayTransit),
    ...flag('useRemoteGateways', properties.useRemoteGateways),
  };
}

export function virtualNetworkInput(body: VirtualNetworkPutBody): VirtualNetworkResourceInput {
  const properties = body.properties ?? {};
  const { subnets, virtualNetworkPeerings: peerings } = properties;
  return {
    ...trackedInput(body),
    addressPrefixes: properties.addressSpace?.addressPrefixes ?? [],
    ...(subnets === undefined
      ? {}
      : {
          subnets: subnets.map((s, i) => ({ name: s.name, ...subnetInput(s, `properties.subnets[${i}]`) })),
        }),
    ...(peerings === undefined
      ? {}
      : {
          peerings: peerings.map((p, i) => ({
            name: p.name,
            ...peeringInput(p, `properties.virtualNetworkPeerings[${i}]`),
          })),
        }),
  };
}

export function presentSubnet(subnet: SubnetResource) {
  return toArmResource(subnet.id, subnet.name, SUBNET_TYPE, subnet.etag, {
    addressPrefix: subnet.addressPrefix,
    ...(subnet.routeTableId === null ? {} : { routeTable: subResource(subnet.routeTableId) }),
    ipConfigurations: subnet.ipConfigurationIds.map(subResource),
    provisioningState: subnet.provisioningState,
  });
}

export function presentPeering(peering: VirtualNetworkPeeringResource) {
  return toArmResource(peering.id, peering.name, PEERING_TYPE, peering.etag, {
    remoteVirtualNetwork: subResource(peering.remoteVirtualNetworkId),
    allowVirtualNetworkAccess: peering.allowVirtualNetworkAccess,
    allowForwardedTraffic: peering.allowForwardedTraffic,
    allowGatewayTransit: peering.allowGatewayTransit,
    useRemoteGateways: peering.useRemoteGateways,
    peeringState: peering.peeringState,
    peeringSyncLevel: 'FullyInSync',
    provisioningState: peering.provisioningState,
  });
}

export function presentVirtualNetwork(vnet: VirtualNetworkResource) {
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
