/**
 * Applies a configuration file through the domain service, idempotently:
 * each resource the file declares is compared with what the service holds
 * and written only when it differs, so an unchanged file writes nothing (no
 * etag changes, no BGP session touched) and a changed file writes the
 * difference.
 *
 * Removals are config-prune.ts's: only what an earlier file declared and
 * this one no longer does is deleted; a resource made through the API or CLI
 * is never touched. Children are written one by one (never a VNet PUT with
 * its full subnet list), so subnets, routes and peerings made through the API
 * are never removed by a start-up either.
 *
 * Order keeps every reference valid: route tables and their routes, VNets,
 * subnets, VNet peerings, route servers, their ipConfiguration, route maps
 * (config-route-maps.ts) and BGP connections, VPN sites, circuits and their private peering, gateways and
 * their connections (config-gateways.ts), NICs.
 */
import { buildResourceId, type TypeNamePair } from '../api/arm-id.js';
import type { RouteServerService } from '../routeserver/index.js';
import { isRouteServerError } from '../routeserver/index.js';
import type {
  ConfigFile,
  NetworkInterfaceConfig,
  RouteServerConfig,
  RouteTableConfig,
  VirtualNetworkConfig,
} from './config-schema.js';
import {
  canonical,
  sameBfd,
  sameGracefulRestart,
  sameId,
  sameMd5Key,
  samePrefixes,
  sameTags,
} from './config-compare.js';
import { applyGateways } from './config-gateways.js';
import { applyRouteMaps, routeMapId } from './config-route-maps.js';
import { LOCAL_LOCATION, LOCAL_SUBSCRIPTION_ID } from './defaults.js';
import { DAEMON_ERROR_CODES, DaemonError } from './errors.js';

const ROUTE_SERVER_SUBNET = 'RouteServerSubnet';
const ROUTE_SERVER_IP_CONFIGURATION = 'ipconfig1';

export interface ApplyReport {
  /** ids written (created or changed), in order */
  readonly written: readonly string[];
  /** resources the file declares that already matched */
  readonly unchanged: number;
  /** every resource id the file declares (for pruning on the next start, config-prune.ts) */
  readonly declared: readonly string[];
}

type Resolve = (group: string | undefined, value: string, ...segments: TypeNamePair[]) => string;

/** What the appliers of each kind of resource use (config-gateways.ts too). */
export class Applier {
  readonly written: string[] = [];
  readonly declared: string[] = [];
  unchanged = 0;
  readonly settled: Promise<void>[] = [];

  constructor(
    readonly service: RouteServerService,
    readonly config: ConfigFile,
  ) {}

  get subscription(): string {
    return this.config.subscription ?? LOCAL_SUBSCRIPTION_ID;
  }

  location(own: string | undefined): string {
    return own ?? this.config.location ?? LOCAL_LOCATION;
  }

  id(group: string | undefined, ...segments: TypeNamePair[]): string {
    return buildResourceId(this.subscription, group ?? this.config.resourceGroup, ...segments);
  }

  /** a reference given as an id, or a name built into one */
  readonly ref: Resolve = (group, value, ...segments) =>
    value.startsWith('/') ? value : this.id(group, ...segments);

  /** Writes when `same` says the current resource differs (or is missing). */
  async ensure<T>(
    where: string,
    id: string,
    current: T | undefined,
    same: (current: T) => boolean,
    write: () => Promise<{ applied: Promise<void> }>,
  ): Promise<void> {
    this.declared.push(id);
    if (current !== undefined && same(current)) {
      this.unchanged++;
      return;
    }
    try {
      const result = await write();
      this.settled.push(result.applied.catch(() => undefined));
      this.written.push(id);
    } catch (error) {
      const detail = isRouteServerError(error)
        ? `${error.message}${error.target === '' ? '' : ` (field ${error.target})`} [${error.code}]`
        : error instanceof Error
          ? error.message
          : String(error);
      throw new DaemonError(DAEMON_ERROR_CODES.CONFIG_APPLY, `${where}: ${detail}`, { cause: error });
    }
  }
}

async function applyRouteTable(a: Applier, table: RouteTableConfig, index: number): Promise<void> {
  const id = a.id(table.resourceGroup, ['routeTables', table.name]);
  const base = `routeTables[${index}]`;
  const where = `${base} (${table.name})`;
  const disable = table.disableBgpRoutePropagation ?? false;
  await a.ensure(
    where,
    id,
    a.service.resources.routeTables.get(id),
    (t) => t.disableBgpRoutePropagation === disable && sameTags(table.tags, t.tags),
    () =>
      a.service.resources.routeTables.put(id, {
        location: a.location(table.location),
        disableBgpRoutePropagation: disable,
        ...(table.tags ? { tags: table.tags } : {}),
      }),
  );
  for (const [i, route] of (table.routes ?? []).entries()) {
    const routeId = `${id}/routes/${route.name}`;
    const nextHop = route.nextHopIpAddress ?? null;
    await a.ensure(
      `${base}.routes[${i}] (${route.name})`,
      routeId,
      a.service.resources.routes.get(routeId),
      (r) =>
        canonical(r.addressPrefix) === canonical(route.addressPrefix) &&
        r.nextHopType === route.nextHopType &&
        r.nextHopIpAddress === nextHop,
      () =>
        a.service.resources.routes.put(routeId, {
          addressPrefix: route.addressPrefix,
          nextHopType: route.nextHopType,
          nextHopIpAddress: nextHop,
        }),
    );
  }
}

async function applyVirtualNetwork(a: Applier, vnet: VirtualNetworkConfig, index: number): Promise<void> {
  const id = a.id(vnet.resourceGroup, ['virtualNetworks', vnet.name]);
  const base = `virtualNetworks[${index}]`;
  const where = `${base} (${vnet.name})`;
  await a.ensure(
    where,
    id,
    a.service.resources.virtualNetworks.get(id),
    (v) => samePrefixes(v.addressPrefixes, vnet.addressPrefixes) && sameTags(vnet.tags, v.tags),
    () =>
      a.service.resources.virtualNetworks.put(id, {
        location: a.location(vnet.location),
        addressPrefixes: vnet.addressPrefixes,
        ...(vnet.tags ? { tags: vnet.tags } : {}),
      }),
  );
  for (const [i, subnet] of (vnet.subnets ?? []).entries()) {
    const subnetId = `${id}/subnets/${subnet.name}`;
    const table = subnet.routeTable;
    const routeTableId =
      table === undefined ? null : a.ref(vnet.resourceGroup, table, ['routeTables', table]);
    await a.ensure(
      `${base}.subnets[${i}] (${subnet.name})`,
      subnetId,
      a.service.resources.subnets.get(subnetId),
      (s) =>
        canonical(s.addressPrefix) === canonical(subnet.addressPrefix) &&
        sameId(s.routeTableId, routeTableId),
      () => a.service.resources.subnets.put(subnetId, { addressPrefix: subnet.addressPrefix, routeTableId }),
    );
  }
}

async function applyVnetPeerings(a: Applier, vnet: VirtualNetworkConfig, index: number): Promise<void> {
  const id = a.id(vnet.resourceGroup, ['virtualNetworks', vnet.name]);
  for (const [i, peering] of (vnet.peerings ?? []).entries()) {
    const peeringId = `${id}/virtualNetworkPeerings/${peering.name}`;
    const input = {
      remoteVirtualNetworkId: a.ref(vnet.resourceGroup, peering.remoteVirtualNetwork, [
        'virtualNetworks',
        peering.remoteVirtualNetwork,
      ]),
      allowVirtualNetworkAccess: peering.allowVirtualNetworkAccess ?? true,
      allowForwardedTraffic: peering.allowForwardedTraffic ?? false,
      allowGatewayTransit: peering.allowGatewayTransit ?? false,
      useRemoteGateways: peering.useRemoteGateways ?? false,
    };
    await a.ensure(
      `virtualNetworks[${index}].peerings[${i}] (${peering.name})`,
      peeringId,
      a.service.resources.virtualNetworkPeerings.get(peeringId),
      (p) =>
        sameId(p.remoteVirtualNetworkId, input.remoteVirtualNetworkId) &&
        p.allowVirtualNetworkAccess === input.allowVirtualNetworkAccess &&
        p.allowForwardedTraffic === input.allowForwardedTraffic &&
        p.allowGatewayTransit === input.allowGatewayTransit &&
        p.useRemoteGateways === input.useRemoteGateways,
      () => a.service.resources.virtualNetworkPeerings.put(peeringId, input),
    );
  }
}

async function applyRouteServer(a: Applier, rs: RouteServerConfig, index: number): Promise<void> {
  const id = a.id(rs.resourceGroup, ['virtualHubs', rs.name]);
  const base = `routeServers[${index}]`;
  const where = `${base} (${rs.name})`;
  const allow = rs.allowBranchToBranchTraffic ?? false;
  const preference = rs.hubRoutingPreference ?? 'ExpressRoute';
  await a.ensure(
    where,
    id,
    a.service.resources.virtualHubs.get(id),
    (r) =>
      r.allowBranchToBranchTraffic === allow &&
      r.hubRoutingPreference === preference &&
      sameTags(rs.tags, r.tags),
    () =>
      a.service.resources.virtualHubs.put(id, {
        location: a.location(rs.location),
        allowBranchToBranchTraffic: allow,
        hubRoutingPreference: preference,
        ...(rs.tags ? { tags: rs.tags } : {}),
      }),
  );
  const subnetName = rs.subnet ?? ROUTE_SERVER_SUBNET;
  const subnetId = subnetName.startsWith('/')
    ? subnetName
    : `${a.ref(rs.resourceGroup, rs.virtualNetwork, ['virtualNetworks', rs.virtualNetwork])}/subnets/${subnetName}`;
  const ipConfigurationId = `${id}/ipConfigurations/${ROUTE_SERVER_IP_CONFIGURATION}`;
  await a.ensure(
    `${base}.virtualNetwork (${rs.virtualNetwork})`,
    ipConfigurationId,
    a.service.resources.ipConfigurations.get(ipConfigurationId),
    (c) => sameId(c.subnetId, subnetId),
    () => a.service.resources.ipConfigurations.put(ipConfigurationId, { subnetId }),
  );
  await applyRouteMaps(a, rs, id, base);
  for (const [i, peer] of (rs.peerings ?? []).entries()) {
    const connectionId = `${id}/bgpConnections/${peer.name}`;
    const inbound = routeMapId(id, peer.inboundRouteMap);
    const outbound = routeMapId(id, peer.outboundRouteMap);
    await a.ensure(
      `${base}.peerings[${i}] (${peer.name})`,
      connectionId,
      a.service.resources.bgpConnections.get(connectionId),
      (c) =>
        c.peerIp === peer.peerIp &&
        c.peerAsn === peer.peerAsn &&
        sameBfd(c.bfd, peer.bfd) &&
        sameGracefulRestart(c.gracefulRestart, peer.gracefulRestart) &&
        sameMd5Key(c.md5KeySha256, peer.md5Key) &&
        sameId(c.inboundRouteMapId, inbound) &&
        sameId(c.outboundRouteMapId, outbound),
      () =>
        a.service.resources.bgpConnections.put(connectionId, {
          peerIp: peer.peerIp,
          peerAsn: peer.peerAsn,
          ...(peer.bfd === undefined ? {} : { bfd: peer.bfd }),
          ...(peer.gracefulRestart === undefined ? {} : { gracefulRestart: peer.gracefulRestart }),
          // the file is the whole truth: no md5Key there removes a stored one ('')
          md5Key: peer.md5Key ?? '',
          // and no map there leaves the peering without one
          ...(inbound === undefined ? {} : { inboundRouteMapId: inbound }),
          ...(outbound === undefined ? {} : { outboundRouteMapId: outbound }),
        }),
    );
  }
}

async function applyNetworkInterface(a: Applier, nic: NetworkInterfaceConfig, index: number): Promise<void> {
  const id = a.id(nic.resourceGroup, ['networkInterfaces', nic.name]);
  const where = `networkInterfaces[${index}] (${nic.name})`;
  if (!nic.subnet.startsWith('/') && nic.virtualNetwork === undefined) {
    throw new DaemonError(
      DAEMON_ERROR_CODES.CONFIG_APPLY,
      `${where}: 'subnet' is a name, so 'virtualNetwork' is needed`,
    );
  }
  const vnet = nic.virtualNetwork ?? '';
  const subnetId = nic.subnet.startsWith('/')
    ? nic.subnet
    : `${a.ref(nic.resourceGroup, vnet, ['virtualNetworks', vnet])}/subnets/${nic.subnet}`;
  const ip = nic.privateIpAddress;
  await a.ensure(
    where,
    id,
    a.service.resources.networkInterfaces.get(id),
    (n) =>
      sameId(n.subnetId, subnetId) &&
      (ip === undefined || n.privateIpAddress === ip) &&
      sameTags(nic.tags, n.tags),
    () =>
      a.service.resources.networkInterfaces.put(id, {
        location: a.location(nic.location),
        subnetId,
        privateIpAllocationMethod: ip === undefined ? 'Dynamic' : 'Static',
        ...(ip === undefined ? {} : { privateIpAddress: ip }),
        ...(nic.tags ? { tags: nic.tags } : {}),
      }),
  );
}

/** Applies `config`; resolves once every write is committed and its live effect has run (failed effects are the service's onEffectError's). */
export async function applyConfig(service: RouteServerService, config: ConfigFile): Promise<ApplyReport> {
  const a = new Applier(service, config);
  for (const [i, table] of (config.routeTables ?? []).entries()) await applyRouteTable(a, table, i);
  for (const [i, vnet] of (config.virtualNetworks ?? []).entries()) await applyVirtualNetwork(a, vnet, i);
  for (const [i, vnet] of (config.virtualNetworks ?? []).entries()) await applyVnetPeerings(a, vnet, i);
  for (const [i, rs] of (config.routeServers ?? []).entries()) await applyRouteServer(a, rs, i);
  await applyGateways(a, config);
  for (const [i, nic] of (config.networkInterfaces ?? []).entries()) await applyNetworkInterface(a, nic, i);
  await Promise.all(a.settled);
  return { written: a.written, unchanged: a.unchanged, declared: a.declared };
}
