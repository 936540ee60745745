/**
 * The wire form of the gateway family (gateways.ts) as ARM serves it:
 * `virtualNetworkGateways`, `localNetworkGateways`, `connections`,
 * `expressRouteCircuits` (its `sku` beside `properties`, as ARM has it) and
 * `expressRouteCircuits/{circuit}/peerings`; bodies as domain input, views as
 * ARM resources (shapes: the REST API reference "Virtual Network Gateways -
 * Create Or Update", "Local Network Gateways - Create Or Update", "Virtual
 * Network Gateway Connections - Create Or Update", "Express Route Circuits -
 * Create Or Update", "Express Route Circuit Peerings - Create Or Update").
 */
import { subResource, toArmResource, trackedInput, type TrackedPutBody } from './arm-json.js';
import type {
  CircuitPeeringResource,
  CircuitPeeringResourceInput,
  ExpressRouteCircuitResource,
  ExpressRouteCircuitResourceInput,
  GatewayConnectionResource,
  GatewayConnectionResourceInput,
  LocalNetworkGatewayResource,
  LocalNetworkGatewayResourceInput,
  VirtualNetworkGatewayResource,
  VirtualNetworkGatewayResourceInput,
} from './types.js';

const GATEWAY_TYPE = 'Microsoft.Network/virtualNetworkGateways';
const LOCAL_GATEWAY_TYPE = 'Microsoft.Network/localNetworkGateways';
const CONNECTION_TYPE = 'Microsoft.Network/connections';
const CIRCUIT_TYPE = 'Microsoft.Network/expressRouteCircuits';
const PEERING_TYPE = 'Microsoft.Network/expressRouteCircuits/peerings';

export type VirtualNetworkGatewayPutBody = TrackedPutBody<{
  gatewayType: string;
  vpnType?: string;
  enableBgp?: boolean;
  activeActive?: boolean;
  sku?: { name?: string; tier?: string };
  bgpSettings?: { asn?: number };
  ipConfigurations: { name: string; properties?: { subnet: { id: string } } }[];
}>;

export type LocalNetworkGatewayPutBody = TrackedPutBody<{
  localNetworkAddressSpace?: { addressPrefixes: string[] };
  gatewayIpAddress?: string | null;
  bgpSettings?: { asn?: number; bgpPeeringAddress?: string; peerWeight?: number };
}>;

export type ConnectionPutBody = TrackedPutBody<{
  connectionType: string;
  virtualNetworkGateway1: { id: string };
  localNetworkGateway2?: { id: string } | null;
  peer?: { id: string } | null;
  enableBgp?: boolean;
  routingWeight?: number;
}>;

export type ExpressRouteCircuitPutBody = TrackedPutBody<{
  serviceProviderProperties?: {
    serviceProviderName?: string;
    peeringLocation?: string;
    bandwidthInMbps?: number;
  };
}> & { sku?: { name?: string; tier?: string; family?: string } };

export type CircuitPeeringPutBody = {
  properties?: {
    peeringType: string;
    peerASN: number;
    primaryPeerAddressPrefix: string;
    secondaryPeerAddressPrefix: string;
    vlanId: number;
  };
};

export function virtualNetworkGatewayInput(
  body: VirtualNetworkGatewayPutBody,
): VirtualNetworkGatewayResourceInput {
  const p = body.properties;
  const asn = p?.bgpSettings?.asn;
  const skuName = p?.sku?.name;
  return {
    ...trackedInput(body),
    gatewayType: p?.gatewayType ?? '',
    ipConfigurations: (p?.ipConfigurations ?? []).map((c) => ({
      name: c.name,
      subnetId: c.properties?.subnet.id ?? '',
    })),
    ...(p?.vpnType === undefined ? {} : { vpnType: p.vpnType }),
    ...(p?.activeActive === undefined ? {} : { activeActive: p.activeActive }),
    ...(p?.enableBgp === undefined ? {} : { enableBgp: p.enableBgp }),
    ...(asn === undefined ? {} : { asn }),
    ...(skuName === undefined ? {} : { skuName }),
  };
}

export function presentVirtualNetworkGateway(gateway: VirtualNetworkGatewayResource) {
  const addressesOf = (index: number) =>
    gateway.ipConfigurations.length === 1
      ? [...gateway.instanceAddresses]
      : [gateway.instanceAddresses[index]!];
  return toArmResource(
    gateway.id,
    gateway.name,
    GATEWAY_TYPE,
    gateway.etag,
    {
      gatewayType: gateway.gatewayType,
      ...(gateway.gatewayType === 'Vpn' ? { vpnType: 'RouteBased' } : {}),
      enableBgp: gateway.enableBgp,
      activeActive: gateway.activeActive,
      sku: { name: gateway.skuName, tier: gateway.skuName },
      bgpSettings: {
        asn: gateway.asn,
        bgpPeeringAddress: gateway.instanceAddresses.join(','),
        peerWeight: 0,
        bgpPeeringAddresses: gateway.ipConfigurations.map((c, i) => ({
          ipconfigurationId: c.id,
          defaultBgpIpAddresses: addressesOf(i),
          customBgpIpAddresses: [],
          tunnelIpAddresses: [],
        })),
      },
      ipConfigurations: gateway.ipConfigurations.map((c) => ({
        id: c.id,
        name: c.name,
        properties: {
          privateIPAllocationMethod: 'Dynamic',
          subnet: subResource(c.subnetId),
          privateIPAddress: c.privateIpAddress,
          provisioningState: gateway.provisioningState,
        },
      })),
      provisioningState: gateway.provisioningState,
    },
    { location: gateway.location, tags: { ...gateway.tags } },
  );
}

export function localNetworkGatewayInput(body: LocalNetworkGatewayPutBody): LocalNetworkGatewayResourceInput {
  const p = body.properties;
  const space = p?.localNetworkAddressSpace;
  const bgp = p?.bgpSettings;
  return {
    ...trackedInput(body),
    ...(space === undefined ? {} : { addressPrefixes: space.addressPrefixes }),
    ...(p?.gatewayIpAddress === undefined ? {} : { gatewayIpAddress: p.gatewayIpAddress }),
    ...(bgp === undefined ? {} : { bgpSettings: bgp }),
  };
}

export function presentLocalNetworkGateway(gateway: LocalNetworkGatewayResource) {
  return toArmResource(
    gateway.id,
    gateway.name,
    LOCAL_GATEWAY_TYPE,
    gateway.etag,
    {
      localNetworkAddressSpace: { addressPrefixes: [...gateway.addressPrefixes] },
      ...(gateway.gatewayIpAddress === null ? {} : { gatewayIpAddress: gateway.gatewayIpAddress }),
      ...(gateway.bgpSettings === null ? {} : { bgpSettings: { ...gateway.bgpSettings } }),
      provisioningState: gateway.provisioningState,
    },
    { location: gateway.location, tags: { ...gateway.tags } },
  );
}

export function connectionInput(body: ConnectionPutBody): GatewayConnectionResourceInput {
  const p = body.properties;
  const local = p?.localNetworkGateway2 ?? null;
  const peer = p?.peer ?? null;
  return {
    ...trackedInput(body),
    connectionType: p?.connectionType ?? '',
    virtualNetworkGatewayId: p?.virtualNetworkGateway1.id ?? '',
    ...(local === null ? {} : { localNetworkGatewayId: local.id }),
    ...(peer === null ? {} : { circuitId: peer.id }),
    ...(p?.enableBgp === undefined ? {} : { enableBgp: p.enableBgp }),
    ...(p?.routingWeight === undefined ? {} : { routingWeight: p.routingWeight }),
  };
}

export function presentConnection(connection: GatewayConnectionResource) {
  return toArmResource(
    connection.id,
    connection.name,
    CONNECTION_TYPE,
    connection.etag,
    {
      connectionType: connection.connectionType,
      virtualNetworkGateway1: subResource(connection.virtualNetworkGatewayId),
      ...(connection.localNetworkGatewayId === null
        ? {}
        : { localNetworkGateway2: subResource(connection.localNetworkGatewayId) }),
      ...(connection.circuitId === null ? {} : { peer: subResource(connection.circuitId) }),
      enableBgp: connection.enableBgp,
      routingWeight: connection.routingWeight,
      connectionStatus: connection.connectionStatus,
      provisioningState: connection.provisioningState,
    },
    { location: connection.location, tags: { ...connection.tags } },
  );
}

export function expressRouteCircuitInput(body: ExpressRouteCircuitPutBody): ExpressRouteCircuitResourceInput {
  const provider = body.properties?.serviceProviderProperties;
  const sku = body.sku;
  return {
    ...trackedInput(body),
    ...(sku?.tier === undefined ? {} : { skuTier: sku.tier }),
    ...(sku?.family === undefined ? {} : { skuFamily: sku.family }),
    ...(provider?.serviceProviderName === undefined
      ? {}
      : { serviceProviderName: provider.serviceProviderName }),
    ...(provider?.peeringLocation === undefined ? {} : { peeringLocation: provider.peeringLocation }),
    ...(provider?.bandwidthInMbps === undefined ? {} : { bandwidthInMbps: provider.bandwidthInMbps }),
  };
}

export function presentExpressRouteCircuit(circuit: ExpressRouteCircuitResource) {
  const resource = toArmResource(
    circuit.id,
    circuit.name,
    CIRCUIT_TYPE,
    circuit.etag,
    {
      serviceProviderProperties: {
        serviceProviderName: circuit.serviceProviderName,
        peeringLocation: circuit.peeringLocation,
        bandwidthInMbps: circuit.bandwidthInMbps,
      },
      circuitProvisioningState: 'Enabled',
      serviceProviderProvisioningState: 'Provisioned',
      peerings: circuit.peeringIds.map(subResource),
      provisioningState: circuit.provisioningState,
    },
    { location: circuit.location, tags: { ...circuit.tags } },
  );
  return {
    ...resource,
    sku: {
      name: `${circuit.skuTier}_${circuit.skuFamily}`,
      tier: circuit.skuTier,
      family: circuit.skuFamily,
    },
  };
}

export function circuitPeeringInput(body: CircuitPeeringPutBody): CircuitPeeringResourceInput {
  const p = body.properties;
  return {
    peeringType: p?.peeringType ?? '',
    peerAsn: p?.peerASN ?? 0,
    primaryPeerAddressPrefix: p?.primaryPeerAddressPrefix ?? '',
    secondaryPeerAddressPrefix: p?.secondaryPeerAddressPrefix ?? '',
    vlanId: p?.vlanId ?? 0,
  };
}

export function presentCircuitPeering(peering: CircuitPeeringResource) {
  return toArmResource(peering.id, peering.name, PEERING_TYPE, peering.etag, {
    peeringType: 'AzurePrivatePeering',
    state: 'Enabled',
    azureASN: peering.azureAsn,
    peerASN: peering.peerAsn,
    primaryPeerAddressPrefix: peering.primaryPeerAddressPrefix,
    secondaryPeerAddressPrefix: peering.secondaryPeerAddressPrefix,
    vlanId: peering.vlanId,
    provisioningState: peering.provisioningState,
  });
}
