/**
 * The gateways of a configuration file (docs/gateways.md, docs/serve.md
 * "Configuration file"), applied as config-apply.ts applies the rest:
 * written only when they differ. Order keeps references valid: VPN sites,
 * circuits and their private peering, then gateways and their connections.
 */
import type { ConfigFile, ExpressRouteCircuitConfig, VirtualNetworkGatewayConfig } from './config-schema.js';
import type { LocalNetworkGatewayConfig } from './config-schema.js';
import type { Applier } from './config-apply.js';
import { canonical, sameId, samePrefixes, sameTags } from './config-compare.js';
import { DAEMON_ERROR_CODES, DaemonError } from './errors.js';

const GATEWAY_SUBNET = 'GatewaySubnet';
const PRIVATE_PEERING = 'AzurePrivatePeering';
/** docs/azure-behaviour.md §4.1: a VPN gateway next to a route server is active-active, AS 65515 */
const VPN_GATEWAY_ASN = 65515;

async function applySite(a: Applier, site: LocalNetworkGatewayConfig, index: number): Promise<void> {
  const id = a.id(site.resourceGroup, ['localNetworkGateways', site.name]);
  const prefixes = site.addressPrefixes ?? [];
  const bgp = site.bgp;
  await a.ensure(
    `localNetworkGateways[${index}] (${site.name})`,
    id,
    a.service.resources.localNetworkGateways.get(id),
    (s) =>
      samePrefixes(s.addressPrefixes, prefixes) &&
      (bgp === undefined
        ? s.bgpSettings === null
        : s.bgpSettings?.asn === bgp.asn && s.bgpSettings.bgpPeeringAddress === bgp.peeringAddress) &&
      sameTags(site.tags, s.tags),
    () =>
      a.service.resources.localNetworkGateways.put(id, {
        location: a.location(site.location),
        addressPrefixes: prefixes,
        ...(bgp === undefined
          ? {}
          : { bgpSettings: { asn: bgp.asn, bgpPeeringAddress: bgp.peeringAddress } }),
        ...(site.tags ? { tags: site.tags } : {}),
      }),
  );
}

async function applyCircuit(a: Applier, circuit: ExpressRouteCircuitConfig, index: number): Promise<void> {
  const id = a.id(circuit.resourceGroup, ['expressRouteCircuits', circuit.name]);
  const base = `expressRouteCircuits[${index}]`;
  await a.ensure(
    `${base} (${circuit.name})`,
    id,
    a.service.resources.expressRouteCircuits.get(id),
    (c) => sameTags(circuit.tags, c.tags),
    () =>
      a.service.resources.expressRouteCircuits.put(id, {
        location: a.location(circuit.location),
        ...(circuit.tags ? { tags: circuit.tags } : {}),
      }),
  );
  const peering = circuit.privatePeering;
  const peeringId = `${id}/peerings/${PRIVATE_PEERING}`;
  await a.ensure(
    `${base}.privatePeering`,
    peeringId,
    a.service.resources.circuitPeerings.get(peeringId),
    (p) =>
      p.peerAsn === peering.peerAsn &&
      canonical(p.primaryPeerAddressPrefix) === canonical(peering.primaryPeerAddressPrefix) &&
      canonical(p.secondaryPeerAddressPrefix) === canonical(peering.secondaryPeerAddressPrefix) &&
      p.vlanId === peering.vlanId,
    () =>
      a.service.resources.circuitPeerings.put(peeringId, {
        peeringType: PRIVATE_PEERING,
        peerAsn: peering.peerAsn,
        primaryPeerAddressPrefix: peering.primaryPeerAddressPrefix,
        secondaryPeerAddressPrefix: peering.secondaryPeerAddressPrefix,
        vlanId: peering.vlanId,
      }),
  );
}

async function applyGateway(a: Applier, gateway: VirtualNetworkGatewayConfig, index: number): Promise<void> {
  const id = a.id(gateway.resourceGroup, ['virtualNetworkGateways', gateway.name]);
  const base = `virtualNetworkGateways[${index}]`;
  const vnetId = a.ref(gateway.resourceGroup, gateway.virtualNetwork, [
    'virtualNetworks',
    gateway.virtualNetwork,
  ]);
  const subnetId = `${vnetId}/subnets/${GATEWAY_SUBNET}`;
  const vpn = gateway.type === 'Vpn';
  const ipConfigurations = vpn
    ? [
        { name: 'default', subnetId },
        { name: 'activeActive', subnetId },
      ]
    : [{ name: 'default', subnetId }];
  await a.ensure(
    `${base} (${gateway.name})`,
    id,
    a.service.resources.virtualNetworkGateways.get(id),
    (g) =>
      g.gatewayType === gateway.type &&
      g.ipConfigurations.every((c) => sameId(c.subnetId, subnetId)) &&
      sameTags(gateway.tags, g.tags),
    () =>
      a.service.resources.virtualNetworkGateways.put(id, {
        location: a.location(gateway.location),
        gatewayType: gateway.type,
        ipConfigurations,
        ...(vpn ? { vpnType: 'RouteBased', activeActive: true, enableBgp: true, asn: VPN_GATEWAY_ASN } : {}),
        ...(gateway.tags ? { tags: gateway.tags } : {}),
      }),
  );
  for (const [i, connection] of (gateway.connections ?? []).entries()) {
    const where = `${base}.connections[${i}] (${connection.name})`;
    const connectionId = a.id(gateway.resourceGroup, ['connections', connection.name]);
    const site = connection.localNetworkGateway;
    const circuit = connection.circuit;
    if ((site === undefined) === (circuit === undefined) || (vpn ? site : circuit) === undefined) {
      throw new DaemonError(
        DAEMON_ERROR_CODES.CONFIG_APPLY,
        `${where}: a ${gateway.type} gateway's connection names ${vpn ? "'localNetworkGateway'" : "'circuit'"} only`,
      );
    }
    const input = vpn
      ? {
          connectionType: 'IPsec',
          virtualNetworkGatewayId: id,
          localNetworkGatewayId: a.ref(gateway.resourceGroup, site!, ['localNetworkGateways', site!]),
          enableBgp: connection.enableBgp ?? true,
        }
      : {
          connectionType: 'ExpressRoute',
          virtualNetworkGatewayId: id,
          circuitId: a.ref(gateway.resourceGroup, circuit!, ['expressRouteCircuits', circuit!]),
        };
    await a.ensure(
      where,
      connectionId,
      a.service.resources.connections.get(connectionId),
      (c) =>
        sameId(c.localNetworkGatewayId, input.localNetworkGatewayId ?? null) &&
        sameId(c.circuitId, input.circuitId ?? null) &&
        (!vpn || c.enableBgp === input.enableBgp),
      () =>
        a.service.resources.connections.put(connectionId, {
          location: a.location(gateway.location),
          ...input,
        }),
    );
  }
}

/** Applies the file's VPN sites, circuits and gateways with their connections. */
export async function applyGateways(a: Applier, config: ConfigFile): Promise<void> {
  for (const [i, site] of (config.localNetworkGateways ?? []).entries()) await applySite(a, site, i);
  for (const [i, circuit] of (config.expressRouteCircuits ?? []).entries()) await applyCircuit(a, circuit, i);
  for (const [i, gateway] of (config.virtualNetworkGateways ?? []).entries())
    await applyGateway(a, gateway, i);
}
