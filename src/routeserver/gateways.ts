/**
 * The VNet's gateways and what they connect to (docs/gateways.md):
 * - `virtualNetworkGateways`: a VPN gateway (active-active, ASN 65515) or an
 *   ExpressRoute gateway in the VNet's GatewaySubnet, at most one of each
 *   type per VNet; its two instances get two addresses of GatewaySubnet at
 *   creation, kept for its life (docs/azure-behaviour.md §4.1, §4.5);
 * - `localNetworkGateways`: a VPN site, with its BGP ASN and peer address;
 * - `connections`: an IPsec connection from the VPN gateway to a VPN site,
 *   or an ExpressRoute connection from the ExpressRoute gateway to a circuit;
 * - `expressRouteCircuits` and their `AzurePrivatePeering`: the on-prem
 *   edge's ASN and the /30s its router and Microsoft's edge share.
 * A refused write stores nothing; a resource another one names cannot be
 * deleted until that one is.
 */
import { parsePrefix } from '../lib/prefix.js';
import { MICROSOFT_EDGE_ASN, peeringAddresses } from './gateway-runtime.js';
import { canonicalIp, firstFreeIpv4 } from './addresses.js';
import {
  applyToModel,
  canonicalPrefix,
  checkWriteConditions,
  deleteRecord,
  invalidReference,
  notFound,
  pageOf,
  parentNotFound,
  type ServiceCore,
} from './core.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import { idKey, inScope, nameFromId, parentIdOf, TYPES } from './ids.js';
import type { Mutation } from './mutation.js';
import { checkPeerAsn, checkPeerIp } from './peer-rules.js';
import type {
  CircuitPeeringBody,
  ConnectionBody,
  ExpressRouteCircuitBody,
  LocalNetworkGatewayBgp,
  LocalNetworkGatewayBody,
  Stored,
  VirtualNetworkGatewayBody,
} from './records.js';
import { describe, parentIdOfList, scopeOfList } from './resource-descriptor.js';
import { trackedBody } from './tracked-rules.js';
import {
  INSTANCE_IDS,
  ROUTE_SERVER_ASN,
  type CircuitPeeringResource,
  type CircuitPeeringResourceInput,
  type DeleteResult,
  type ExpressRouteCircuitResource,
  type ExpressRouteCircuitResourceInput,
  type GatewayConnectionResource,
  type GatewayConnectionResourceInput,
  type GatewayType,
  type ListScope,
  type LocalNetworkGatewayResource,
  type LocalNetworkGatewayResourceInput,
  type Page,
  type PutResult,
  type VirtualNetworkGatewayResource,
  type VirtualNetworkGatewayResourceInput,
  type WriteOptions,
} from './types.js';
import {
  circuitPeeringInput,
  connectionInput,
  expressRouteCircuitInput,
  localNetworkGatewayInput,
  presentCircuitPeering,
  presentConnection,
  presentExpressRouteCircuit,
  presentLocalNetworkGateway,
  presentVirtualNetworkGateway,
  virtualNetworkGatewayInput,
  type CircuitPeeringPutBody,
  type ConnectionPutBody,
  type ExpressRouteCircuitPutBody,
  type LocalNetworkGatewayPutBody,
  type VirtualNetworkGatewayPutBody,
} from './gateways-wire.js';

/** The subnet gateways live in (docs/azure-behaviour.md §4.5). */
export const GATEWAY_SUBNET = 'GatewaySubnet';
/** The smallest GatewaySubnet: /27, what a VPN and an ExpressRoute gateway side by side need (§4.5). */
const GATEWAY_SUBNET_MAX_LENGTH = 27;
/** The only circuit peering routeserver runs (§4.5). */
const PRIVATE_PEERING = 'AzurePrivatePeering';
const DEFAULT_SKU: Readonly<Record<GatewayType, string>> = { Vpn: 'VpnGw1AZ', ExpressRoute: 'ErGw1AZ' };

type GatewayRecord = Stored<typeof TYPES.virtualNetworkGateway>;
type SubnetRecord = Stored<typeof TYPES.subnet>;

const identity = (record: Stored) => ({ id: record.id, name: record.name, etag: record.etag });
const tracked = (
  record: Stored & { body: { location: string; tags: Readonly<Record<string, string>> } },
) => ({
  ...identity(record),
  location: record.body.location,
  tags: record.body.tags,
});

function refuse(code: (typeof E)[keyof typeof E], message: string, target: string): never {
  throw new RouteServerError(code, message, target);
}

/** The connections that name `id` (as their gateway, VPN site or circuit). */
function connectionsNaming(core: ServiceCore, id: string): Stored<typeof TYPES.connection>[] {
  const key = idKey(id);
  return core.index
    .ofType(TYPES.connection)
    .filter((c) =>
      [c.body.virtualNetworkGatewayId, c.body.localNetworkGatewayId, c.body.circuitId].some(
        (named) => named !== null && idKey(named) === key,
      ),
    );
}

function refuseWhileConnected(core: ServiceCore, id: string, what: string): void {
  const connection = connectionsNaming(core, id)[0];
  if (connection !== undefined) {
    refuse(E.IN_USE, `${what} is used by connection '${connection.name}'; delete the connection first`, '');
  }
}

/** Refuses deleting a subnet (or its VNet) while a gateway sits in it. */
export function refuseGatewaysIn(core: ServiceCore, subnetId: string, target: string): void {
  const gateway = core.index.inSubnet(subnetId).find((r) => r.type === TYPES.virtualNetworkGateway);
  if (gateway !== undefined) {
    refuse(E.IN_USE, `subnet '${subnetId}' hosts virtual network gateway '${gateway.name}'`, target);
  }
}

/** After the commit, the speakers of these gateways follow what is stored (gateway-runtime.ts). */
function syncSpeakers(core: ServiceCore, mutation: Mutation, gatewayIds: readonly string[]): void {
  const speakers = core.gatewaySpeakers;
  if (speakers === undefined || gatewayIds.length === 0) return;
  mutation.effect(async () => {
    for (const id of gatewayIds) await speakers.sync(id);
  });
}

/** The gateways whose connections name `id` (a VPN site or a circuit). */
function gatewaysConnectedTo(core: ServiceCore, id: string): string[] {
  return [...new Set(connectionsNaming(core, id).map((c) => c.body.virtualNetworkGatewayId))];
}

/** The gateway as the virtual network model places it: its VNet and its instances' addresses. */
function placementOf(id: string, body: VirtualNetworkGatewayBody) {
  return {
    id: idKey(id),
    vnetId: idKey(parentIdOf(body.subnetId)),
    type: body.gatewayType,
    instances: body.instanceAddresses.map((address, i) => ({ instance: INSTANCE_IDS[i]!, address })),
  };
}

/**
 * At start, before the peerings (a spoke may use the gateways): places each
 * stored gateway in the model, so what it learns reaches the VMs
 * (docs/gateways.md, "Gateway routes in the VNet").
 */
export function placeGateways(core: ServiceCore): void {
  for (const gateway of core.index.ofType(TYPES.virtualNetworkGateway))
    core.model.attachGateway(placementOf(gateway.id, gateway.body));
}

/** At start, once route servers run: each stored gateway with a BGP neighbour starts its speaker. */
export async function startGateways(core: ServiceCore): Promise<void> {
  const speakers = core.gatewaySpeakers;
  if (speakers === undefined) return;
  for (const gateway of core.index.ofType(TYPES.virtualNetworkGateway)) await speakers.sync(gateway.id);
}

// ---- virtual network gateways --------------------------------------------------------------

const subnetPath = (i: number) => `properties.ipConfigurations[${i}].properties.subnet.id`;

function gatewaySubnet(core: ServiceCore, input: VirtualNetworkGatewayResourceInput): SubnetRecord {
  let found: SubnetRecord | undefined;
  input.ipConfigurations.forEach((config, i) => {
    const subnet = core.index.get(config.subnetId, TYPES.subnet);
    if (subnet === undefined) throw invalidReference('subnet', config.subnetId, subnetPath(i));
    const prefix = parsePrefix(subnet.body.addressPrefix);
    if (subnet.name !== GATEWAY_SUBNET || prefix.family !== 4 || prefix.length > GATEWAY_SUBNET_MAX_LENGTH) {
      refuse(
        E.INVALID_GATEWAY_SUBNET,
        `a virtual network gateway needs its VNet's ${GATEWAY_SUBNET}, IPv4 /${GATEWAY_SUBNET_MAX_LENGTH} or larger; '${subnet.name}' is ${subnet.body.addressPrefix}`,
        subnetPath(i),
      );
    }
    if (found !== undefined && idKey(found.id) !== idKey(subnet.id)) {
      refuse(E.INVALID_GATEWAY_SUBNET, "a gateway's ipConfigurations share one GatewaySubnet", subnetPath(i));
    }
    found = subnet;
  });
  return found!;
}

function checkGatewayShape(input: VirtualNetworkGatewayResourceInput): GatewayType {
  const type = input.gatewayType;
  if (type !== 'Vpn' && type !== 'ExpressRoute') {
    refuse(
      E.INVALID_VALUE,
      `gatewayType '${type}' is not served; routeserver runs Vpn and ExpressRoute gateways`,
      'properties.gatewayType',
    );
  }
  const configs = input.ipConfigurations;
  const names = new Set(configs.map((c) => c.name.toLowerCase()));
  if (configs.some((c) => c.name === '') || names.size !== configs.length) {
    refuse(E.INCOMPLETE_BODY, 'each ipConfiguration needs its own name', 'properties.ipConfigurations');
  }
  const asn = input.asn ?? ROUTE_SERVER_ASN;
  if (type === 'Vpn') {
    if (input.activeActive !== true) {
      refuse(
        E.INVALID_GATEWAY,
        'a VPN gateway next to a route server must be active-active (docs/azure-behaviour.md §4.1)',
        'properties.activeActive',
      );
    }
    if (input.vpnType !== undefined && input.vpnType !== 'RouteBased') {
      refuse(E.INVALID_GATEWAY, 'an active-active VPN gateway is RouteBased', 'properties.vpnType');
    }
    if (configs.length !== 2) {
      refuse(
        E.INVALID_GATEWAY,
        `an active-active VPN gateway has two ipConfigurations, not ${configs.length}`,
        'properties.ipConfigurations',
      );
    }
  } else {
    if (input.activeActive === true) {
      refuse(E.INVALID_GATEWAY, 'activeActive applies to VPN gateways only', 'properties.activeActive');
    }
    if (configs.length !== 1) {
      refuse(
        E.INVALID_GATEWAY,
        `an ExpressRoute gateway has one ipConfiguration, not ${configs.length}`,
        'properties.ipConfigurations',
      );
    }
  }
  if (asn !== ROUTE_SERVER_ASN) {
    refuse(
      E.INVALID_GATEWAY,
      `a gateway next to a route server has ASN ${ROUTE_SERVER_ASN}, not ${asn} (docs/azure-behaviour.md §4.1)`,
      'properties.bgpSettings.asn',
    );
  }
  return type;
}

/**
 * Two free addresses of GatewaySubnet for the instances, from .4 up, not
 * another gateway's (GatewaySubnet holds no NIC: the virtual network model
 * refuses them there).
 */
function allocateInstances(core: ServiceCore, subnet: SubnetRecord, gatewayKey: string): string[] {
  const used = new Set<string>();
  for (const record of core.index.inSubnet(subnet.id)) {
    if (idKey(record.id) === gatewayKey || record.type !== TYPES.virtualNetworkGateway) continue;
    for (const address of (record.body as VirtualNetworkGatewayBody).instanceAddresses) used.add(address);
  }
  const prefix = parsePrefix(subnet.body.addressPrefix);
  const addresses: string[] = [];
  for (let i = 0; i < 2; i++) {
    const address = firstFreeIpv4(prefix, used);
    if (address === undefined) {
      refuse(E.SUBNET_FULL, `subnet '${subnet.id}' has no two free addresses for the gateway`, subnetPath(0));
    }
    used.add(address);
    addresses.push(address);
  }
  return addresses;
}

function gatewayBody(
  core: ServiceCore,
  id: string,
  existing: GatewayRecord | undefined,
  input: VirtualNetworkGatewayResourceInput,
): VirtualNetworkGatewayBody {
  const type = checkGatewayShape(input);
  const subnet = gatewaySubnet(core, input);
  if (existing !== undefined) {
    if (existing.body.gatewayType !== type) {
      refuse(E.IMMUTABLE_FIELD, "a gateway's type cannot change", 'properties.gatewayType');
    }
    if (idKey(existing.body.subnetId) !== idKey(subnet.id)) {
      refuse(E.IMMUTABLE_FIELD, "a gateway's subnet cannot change", subnetPath(0));
    }
  }
  const vnetKey = idKey(subnet.parentId!);
  const twin = core.index
    .ofType(TYPES.virtualNetworkGateway)
    .find(
      (g) =>
        idKey(g.id) !== idKey(id) &&
        g.body.gatewayType === type &&
        idKey(parentIdOf(g.body.subnetId)) === vnetKey,
    );
  if (twin !== undefined) {
    refuse(
      E.GATEWAY_PLACEMENT,
      `virtual network '${subnet.parentId!}' already has ${type} gateway '${twin.name}'`,
      'properties.gatewayType',
    );
  }
  return {
    ...trackedBody(input, existing?.body.location),
    gatewayType: type,
    subnetId: subnet.id,
    ipConfigurationNames: input.ipConfigurations.map((c) => c.name),
    instanceAddresses:
      existing?.body.instanceAddresses ??
      core.committed(id, TYPES.virtualNetworkGateway)?.body.instanceAddresses ??
      allocateInstances(core, subnet, idKey(id)),
    asn: ROUTE_SERVER_ASN,
    activeActive: type === 'Vpn',
    enableBgp: type === 'ExpressRoute' || (input.enableBgp ?? false),
    skuName: input.skuName ?? existing?.body.skuName ?? DEFAULT_SKU[type],
  };
}

function gatewayView(record: GatewayRecord): VirtualNetworkGatewayResource {
  const body = record.body;
  return {
    ...tracked(record),
    gatewayType: body.gatewayType,
    ipConfigurations: body.ipConfigurationNames.map((name, i) => ({
      id: `${record.id}/ipConfigurations/${name}`,
      name,
      subnetId: body.subnetId,
      privateIpAddress: body.instanceAddresses[i] ?? body.instanceAddresses[0]!,
    })),
    instanceAddresses: body.instanceAddresses,
    asn: body.asn,
    activeActive: body.activeActive,
    enableBgp: body.enableBgp,
    skuName: body.skuName,
    provisioningState: 'Succeeded',
  };
}

function putGateway(
  core: ServiceCore,
  id: string,
  input: VirtualNetworkGatewayResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<VirtualNetworkGatewayResource>> {
  return core
    .write((mutation) => {
      const existing = core.index.get(id, TYPES.virtualNetworkGateway);
      checkWriteConditions(existing, options);
      const body = gatewayBody(core, id, existing, input);
      const name = existing?.name ?? nameFromId(id);
      if (existing === undefined) {
        const placement = placementOf(id, body);
        applyToModel(
          mutation,
          () => core.model.attachGateway(placement),
          () => core.model.detachGateway(placement.id),
          (field) => (field === 'vnetId' ? subnetPath(0) : ''),
        );
      }
      mutation.put({ id: existing?.id ?? id, type: TYPES.virtualNetworkGateway, name, body }, options);
      syncSpeakers(core, mutation, [existing?.id ?? id]);
      return () => ({
        resource: gatewayView(core.index.get(id, TYPES.virtualNetworkGateway)!),
        created: existing === undefined,
      });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

// ---- local network gateways (VPN sites) ------------------------------------------------------

function localGatewayBgp(
  input: LocalNetworkGatewayResourceInput['bgpSettings'],
): LocalNetworkGatewayBgp | null {
  if (input === undefined) return null;
  if (input.asn === undefined || input.bgpPeeringAddress === undefined) {
    refuse(
      E.INCOMPLETE_BODY,
      "a VPN site's bgpSettings need its asn and bgpPeeringAddress",
      'properties.bgpSettings',
    );
  }
  checkPeerAsn(input.asn, 'properties.bgpSettings.asn');
  const address = checkPeerIp(input.bgpPeeringAddress, [], 'properties.bgpSettings.bgpPeeringAddress');
  const weight = input.peerWeight ?? 0;
  if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
    refuse(E.INVALID_VALUE, 'peerWeight is an integer from 0 to 100', 'properties.bgpSettings.peerWeight');
  }
  return { asn: input.asn, bgpPeeringAddress: address, peerWeight: weight };
}

function localGatewayBody(
  existing: Stored<typeof TYPES.localNetworkGateway> | undefined,
  input: LocalNetworkGatewayResourceInput,
): LocalNetworkGatewayBody {
  const prefixes = (input.addressPrefixes ?? []).map((p, i) =>
    canonicalPrefix(p, `properties.localNetworkAddressSpace.addressPrefixes[${i}]`),
  );
  const gatewayIp = input.gatewayIpAddress ?? null;
  const canonical = gatewayIp === null ? null : canonicalIp(gatewayIp);
  if (canonical === undefined) {
    refuse(E.INVALID_VALUE, `'${gatewayIp}' is not an IP address`, 'properties.gatewayIpAddress');
  }
  return {
    ...trackedBody(input, existing?.body.location),
    addressPrefixes: prefixes,
    gatewayIpAddress: canonical,
    bgpSettings: localGatewayBgp(input.bgpSettings),
  };
}

function localGatewayView(record: Stored<typeof TYPES.localNetworkGateway>): LocalNetworkGatewayResource {
  return {
    ...tracked(record),
    addressPrefixes: record.body.addressPrefixes,
    gatewayIpAddress: record.body.gatewayIpAddress,
    bgpSettings: record.body.bgpSettings,
    provisioningState: 'Succeeded',
  };
}

function putLocalGateway(
  core: ServiceCore,
  id: string,
  input: LocalNetworkGatewayResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<LocalNetworkGatewayResource>> {
  return core
    .write((mutation) => {
      const existing = core.index.get(id, TYPES.localNetworkGateway);
      checkWriteConditions(existing, options);
      const body = localGatewayBody(existing, input);
      const name = existing?.name ?? nameFromId(id);
      mutation.put({ id: existing?.id ?? id, type: TYPES.localNetworkGateway, name, body }, options);
      syncSpeakers(core, mutation, gatewaysConnectedTo(core, id));
      return () => ({
        resource: localGatewayView(core.index.get(id, TYPES.localNetworkGateway)!),
        created: existing === undefined,
      });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

// ---- connections ---------------------------------------------------------------------------

const ROUTING_WEIGHT_MAX = 32000;

function connectionBody(
  core: ServiceCore,
  existing: Stored<typeof TYPES.connection> | undefined,
  input: GatewayConnectionResourceInput,
): ConnectionBody {
  const type = input.connectionType;
  if (type !== 'IPsec' && type !== 'ExpressRoute') {
    refuse(
      E.INVALID_VALUE,
      `connectionType '${type}' is not served; routeserver runs IPsec and ExpressRoute connections`,
      'properties.connectionType',
    );
  }
  const gatewayPath = 'properties.virtualNetworkGateway1.id';
  const gateway = core.index.get(input.virtualNetworkGatewayId, TYPES.virtualNetworkGateway);
  if (gateway === undefined)
    throw invalidReference('virtual network gateway', input.virtualNetworkGatewayId, gatewayPath);
  const wanted: GatewayType = type === 'IPsec' ? 'Vpn' : 'ExpressRoute';
  if (gateway.body.gatewayType !== wanted) {
    refuse(
      E.INVALID_VALUE,
      `an ${type} connection needs a ${wanted} gateway; '${gateway.name}' is ${gateway.body.gatewayType}`,
      gatewayPath,
    );
  }
  let localNetworkGatewayId: string | null = null;
  let circuitId: string | null = null;
  if (type === 'IPsec') {
    const path = 'properties.localNetworkGateway2.id';
    if (input.localNetworkGatewayId === undefined)
      refuse(E.INCOMPLETE_BODY, 'an IPsec connection names its localNetworkGateway2', path);
    const site = core.index.get(input.localNetworkGatewayId, TYPES.localNetworkGateway);
    if (site === undefined)
      throw invalidReference('local network gateway', input.localNetworkGatewayId, path);
    localNetworkGatewayId = site.id;
  } else {
    const path = 'properties.peer.id';
    if (input.circuitId === undefined)
      refuse(E.INCOMPLETE_BODY, 'an ExpressRoute connection names its circuit as peer', path);
    const circuit = core.index.get(input.circuitId, TYPES.expressRouteCircuit);
    if (circuit === undefined) throw invalidReference('ExpressRoute circuit', input.circuitId, path);
    if (core.index.childrenOf(circuit.id, TYPES.circuitPeering).length === 0) {
      refuse(E.INVALID_VALUE, `circuit '${circuit.name}' has no ${PRIVATE_PEERING}; create it first`, path);
    }
    circuitId = circuit.id;
  }
  if (existing !== undefined) {
    const same = (a: string | null, b: string | null) =>
      a === null ? b === null : b !== null && idKey(a) === idKey(b);
    if (
      existing.body.connectionType !== type ||
      !same(existing.body.virtualNetworkGatewayId, gateway.id) ||
      !same(existing.body.localNetworkGatewayId, localNetworkGatewayId) ||
      !same(existing.body.circuitId, circuitId)
    ) {
      refuse(
        E.IMMUTABLE_FIELD,
        "a connection's type and ends cannot change; delete it and create it again",
        '',
      );
    }
  }
  const weight = input.routingWeight ?? 0;
  if (!Number.isInteger(weight) || weight < 0 || weight > ROUTING_WEIGHT_MAX) {
    refuse(
      E.INVALID_VALUE,
      `routingWeight is an integer from 0 to ${ROUTING_WEIGHT_MAX}`,
      'properties.routingWeight',
    );
  }
  return {
    ...trackedBody(input, existing?.body.location),
    connectionType: type,
    virtualNetworkGatewayId: gateway.id,
    localNetworkGatewayId,
    circuitId,
    enableBgp: type === 'ExpressRoute' || (input.enableBgp ?? false),
    routingWeight: weight,
  };
}

function connectionView(
  core: ServiceCore,
  record: Stored<typeof TYPES.connection>,
): GatewayConnectionResource {
  const body = record.body;
  const status = core.gatewaySpeakers?.connectionStatus(body.virtualNetworkGatewayId, record.id) ?? 'Unknown';
  return {
    ...tracked(record),
    connectionType: body.connectionType,
    virtualNetworkGatewayId: body.virtualNetworkGatewayId,
    localNetworkGatewayId: body.localNetworkGatewayId,
    circuitId: body.circuitId,
    enableBgp: body.enableBgp,
    routingWeight: body.routingWeight,
    connectionStatus: status,
    provisioningState: 'Succeeded',
  };
}

function putConnection(
  core: ServiceCore,
  id: string,
  input: GatewayConnectionResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<GatewayConnectionResource>> {
  return core
    .write((mutation) => {
      const existing = core.index.get(id, TYPES.connection);
      checkWriteConditions(existing, options);
      const body = connectionBody(core, existing, input);
      const name = existing?.name ?? nameFromId(id);
      mutation.put({ id: existing?.id ?? id, type: TYPES.connection, name, body }, options);
      syncSpeakers(core, mutation, [body.virtualNetworkGatewayId]);
      return () => ({
        resource: connectionView(core, core.index.get(id, TYPES.connection)!),
        created: existing === undefined,
      });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

// ---- ExpressRoute circuits and their private peering ----------------------------------------

function circuitBody(
  existing: Stored<typeof TYPES.expressRouteCircuit> | undefined,
  input: ExpressRouteCircuitResourceInput,
): ExpressRouteCircuitBody {
  const bandwidth = input.bandwidthInMbps ?? existing?.body.bandwidthInMbps ?? 1000;
  if (!Number.isInteger(bandwidth) || bandwidth < 1) {
    refuse(
      E.INVALID_VALUE,
      'bandwidthInMbps is a positive integer',
      'properties.serviceProviderProperties.bandwidthInMbps',
    );
  }
  const location = input.location ?? existing?.body.location;
  return {
    ...trackedBody(input, location),
    skuTier: input.skuTier ?? existing?.body.skuTier ?? 'Standard',
    skuFamily: input.skuFamily ?? existing?.body.skuFamily ?? 'MeteredData',
    serviceProviderName: input.serviceProviderName ?? existing?.body.serviceProviderName ?? 'operator link',
    peeringLocation: input.peeringLocation ?? existing?.body.peeringLocation ?? location ?? 'local',
    bandwidthInMbps: bandwidth,
  };
}

function circuitView(
  core: ServiceCore,
  record: Stored<typeof TYPES.expressRouteCircuit>,
): ExpressRouteCircuitResource {
  const body = record.body;
  return {
    ...tracked(record),
    skuTier: body.skuTier,
    skuFamily: body.skuFamily,
    serviceProviderName: body.serviceProviderName,
    peeringLocation: body.peeringLocation,
    bandwidthInMbps: body.bandwidthInMbps,
    peeringIds: core.index.childrenOf(record.id, TYPES.circuitPeering).map((p) => p.id),
    provisioningState: 'Succeeded',
  };
}

function putCircuit(
  core: ServiceCore,
  id: string,
  input: ExpressRouteCircuitResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<ExpressRouteCircuitResource>> {
  return core
    .write((mutation) => {
      const existing = core.index.get(id, TYPES.expressRouteCircuit);
      checkWriteConditions(existing, options);
      const body = circuitBody(existing, input);
      const name = existing?.name ?? nameFromId(id);
      mutation.put({ id: existing?.id ?? id, type: TYPES.expressRouteCircuit, name, body }, options);
      return () => ({
        resource: circuitView(core, core.index.get(id, TYPES.expressRouteCircuit)!),
        created: existing === undefined,
      });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

/** A /30 of the peering: IPv4, exactly /30 (docs/azure-behaviour.md §4.5). */
function slash30(text: string, target: string): string {
  const canonical = canonicalPrefix(text, target);
  const prefix = parsePrefix(canonical);
  if (prefix.family !== 4 || prefix.length !== 30)
    refuse(E.INVALID_VALUE, `'${text}' is not an IPv4 /30`, target);
  return canonical;
}

function peeringBody(id: string, input: CircuitPeeringResourceInput): CircuitPeeringBody {
  if (nameFromId(id) !== PRIVATE_PEERING || input.peeringType !== PRIVATE_PEERING) {
    refuse(
      E.INVALID_VALUE,
      `routeserver runs the ${PRIVATE_PEERING} only, named so, with peeringType ${PRIVATE_PEERING}`,
      'properties.peeringType',
    );
  }
  checkPeerAsn(input.peerAsn, 'properties.peerASN');
  const primary = slash30(input.primaryPeerAddressPrefix, 'properties.primaryPeerAddressPrefix');
  const secondary = slash30(input.secondaryPeerAddressPrefix, 'properties.secondaryPeerAddressPrefix');
  if (primary === secondary) {
    refuse(E.INVALID_VALUE, 'the primary and secondary /30s differ', 'properties.secondaryPeerAddressPrefix');
  }
  if (!Number.isInteger(input.vlanId) || input.vlanId < 1 || input.vlanId > 4094) {
    refuse(E.INVALID_VALUE, 'vlanId is an integer from 1 to 4094', 'properties.vlanId');
  }
  return {
    peerAsn: input.peerAsn,
    primaryPeerAddressPrefix: primary,
    secondaryPeerAddressPrefix: secondary,
    vlanId: input.vlanId,
  };
}

function peeringView(record: Stored<typeof TYPES.circuitPeering>): CircuitPeeringResource {
  const { peer, edge } = peeringAddresses(record.body.primaryPeerAddressPrefix);
  return {
    ...identity(record),
    circuitId: record.parentId!,
    peerAsn: record.body.peerAsn,
    azureAsn: MICROSOFT_EDGE_ASN,
    primaryPeerAddressPrefix: record.body.primaryPeerAddressPrefix,
    secondaryPeerAddressPrefix: record.body.secondaryPeerAddressPrefix,
    vlanId: record.body.vlanId,
    peerAddress: peer,
    edgeAddress: edge,
    provisioningState: 'Succeeded',
  };
}

function putPeering(
  core: ServiceCore,
  id: string,
  input: CircuitPeeringResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<CircuitPeeringResource>> {
  return core
    .write((mutation) => {
      const circuitId = parentIdOf(id);
      const circuit = core.index.get(circuitId, TYPES.expressRouteCircuit);
      if (circuit === undefined) throw parentNotFound('ExpressRoute circuit', circuitId);
      const existing = core.index.get(id, TYPES.circuitPeering);
      checkWriteConditions(existing, options);
      const body = peeringBody(id, input);
      const name = existing?.name ?? nameFromId(id);
      mutation.put(
        { id: existing?.id ?? id, type: TYPES.circuitPeering, parentId: circuit.id, name, body },
        options,
      );
      mutation.touch(circuit);
      syncSpeakers(core, mutation, gatewaysConnectedTo(core, circuit.id));
      return () => ({
        resource: peeringView(core.index.get(id, TYPES.circuitPeering)!),
        created: existing === undefined,
      });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

// ---- reads and the descriptors ---------------------------------------------------------------

function listTop<
  T extends
    | typeof TYPES.virtualNetworkGateway
    | typeof TYPES.localNetworkGateway
    | typeof TYPES.connection
    | typeof TYPES.expressRouteCircuit,
  V,
>(
  core: ServiceCore,
  type: T,
  scope: ListScope,
  cursor: string | undefined,
  view: (record: Stored<T>) => V,
): Page<V> {
  const records = core.index.ofType(type).filter((r) => inScope(r.id, scope));
  return pageOf(records, cursor, core.pageSize, view);
}

function getAs<T extends Parameters<ServiceCore['index']['get']>[1], V>(
  core: ServiceCore,
  id: string,
  type: T,
  view: (record: Stored<T>) => V,
): V | undefined {
  const record = core.index.get(id, type);
  return record === undefined ? undefined : view(record);
}

function deleteSimple(
  core: ServiceCore,
  id: string,
  type: typeof TYPES.localNetworkGateway,
  what: string,
  options: WriteOptions,
): Promise<DeleteResult> {
  return deleteRecord(core, id, type, options, (mutation, existing) => {
    refuseWhileConnected(core, existing.id, `${what} '${existing.name}'`);
    mutation.delete(existing.id, options);
  });
}

/**
 * The family's descriptors: `virtualNetworkGateways`, `localNetworkGateways`,
 * `connections`, `expressRouteCircuits` and `expressRouteCircuits/peerings`.
 */
export function gatewayResources(core: ServiceCore) {
  return {
    virtualNetworkGateways: describe<
      VirtualNetworkGatewayResourceInput,
      VirtualNetworkGatewayResource,
      VirtualNetworkGatewayPutBody
    >({
      types: ['virtualNetworkGateways'],
      tracked: true,
      get: (id) => getAs(core, id, TYPES.virtualNetworkGateway, gatewayView),
      list: (within, cursor) =>
        listTop(core, TYPES.virtualNetworkGateway, scopeOfList(within), cursor, gatewayView),
      put: (id, input, options) => putGateway(core, id, input, options),
      delete: (id, options = {}) =>
        deleteRecord(core, id, TYPES.virtualNetworkGateway, options, (mutation, existing) => {
          refuseWhileConnected(core, existing.id, `virtual network gateway '${existing.name}'`);
          const placement = placementOf(existing.id, existing.body);
          applyToModel(
            mutation,
            () => core.model.detachGateway(placement.id),
            () => core.model.attachGateway(placement),
          );
          mutation.delete(existing.id, options);
        }),
      actions: {},
      toInput: virtualNetworkGatewayInput,
      present: presentVirtualNetworkGateway,
      inUseCode: 'InUseVirtualNetworkGatewayCannotBeDeleted',
    }),
    localNetworkGateways: describe<
      LocalNetworkGatewayResourceInput,
      LocalNetworkGatewayResource,
      LocalNetworkGatewayPutBody
    >({
      types: ['localNetworkGateways'],
      tracked: true,
      get: (id) => getAs(core, id, TYPES.localNetworkGateway, localGatewayView),
      list: (within, cursor) =>
        listTop(core, TYPES.localNetworkGateway, scopeOfList(within), cursor, localGatewayView),
      put: (id, input, options) => putLocalGateway(core, id, input, options),
      delete: (id, options = {}) =>
        deleteSimple(core, id, TYPES.localNetworkGateway, 'local network gateway', options),
      actions: {},
      toInput: localNetworkGatewayInput,
      present: presentLocalNetworkGateway,
      inUseCode: 'InUseLocalNetworkGatewayCannotBeDeleted',
    }),
    connections: describe<GatewayConnectionResourceInput, GatewayConnectionResource, ConnectionPutBody>({
      types: ['connections'],
      tracked: true,
      get: (id) => getAs(core, id, TYPES.connection, (r) => connectionView(core, r)),
      list: (within, cursor) =>
        listTop(core, TYPES.connection, scopeOfList(within), cursor, (r) => connectionView(core, r)),
      put: (id, input, options) => putConnection(core, id, input, options),
      delete: (id, options = {}) =>
        deleteRecord(core, id, TYPES.connection, options, (mutation, existing) => {
          mutation.delete(existing.id, options);
          syncSpeakers(core, mutation, [existing.body.virtualNetworkGatewayId]);
        }),
      actions: {},
      toInput: connectionInput,
      present: presentConnection,
    }),
    expressRouteCircuits: describe<
      ExpressRouteCircuitResourceInput,
      ExpressRouteCircuitResource,
      ExpressRouteCircuitPutBody
    >({
      types: ['expressRouteCircuits'],
      tracked: true,
      get: (id) => getAs(core, id, TYPES.expressRouteCircuit, (r) => circuitView(core, r)),
      list: (within, cursor) =>
        listTop(core, TYPES.expressRouteCircuit, scopeOfList(within), cursor, (r) => circuitView(core, r)),
      put: (id, input, options) => putCircuit(core, id, input, options),
      delete: (id, options = {}) =>
        deleteRecord(core, id, TYPES.expressRouteCircuit, options, (mutation, existing) => {
          refuseWhileConnected(core, existing.id, `circuit '${existing.name}'`);
          for (const peering of core.index.childrenOf(existing.id, TYPES.circuitPeering))
            mutation.delete(peering.id);
          mutation.delete(existing.id, options);
        }),
      actions: {},
      toInput: expressRouteCircuitInput,
      present: presentExpressRouteCircuit,
      inUseCode: 'InUseExpressRouteCircuitCannotBeDeleted',
    }),
    circuitPeerings: describe<CircuitPeeringResourceInput, CircuitPeeringResource, CircuitPeeringPutBody>({
      types: ['expressRouteCircuits', 'peerings'],
      tracked: false,
      get: (id) => getAs(core, id, TYPES.circuitPeering, peeringView),
      list: (within, cursor) => {
        const circuitId = parentIdOfList(within);
        if (core.index.get(circuitId, TYPES.expressRouteCircuit) === undefined)
          throw notFound('ExpressRoute circuit', circuitId);
        return pageOf(
          core.index.childrenOf(circuitId, TYPES.circuitPeering),
          cursor,
          core.pageSize,
          peeringView,
        );
      },
      put: (id, input, options) => putPeering(core, id, input, options),
      delete: (id, options = {}) =>
        deleteRecord(core, id, TYPES.circuitPeering, options, (mutation, existing) => {
          refuseWhileConnected(
            core,
            existing.parentId!,
            `the peering of circuit '${nameFromId(existing.parentId!)}'`,
          );
          mutation.delete(existing.id, options);
          mutation.touch(core.index.get(existing.parentId!, TYPES.expressRouteCircuit));
        }),
      actions: {},
      toInput: circuitPeeringInput,
      present: presentCircuitPeering,
      inUseCode: 'InUseExpressRouteCircuitPeeringCannotBeDeleted',
    }),
  };
}
