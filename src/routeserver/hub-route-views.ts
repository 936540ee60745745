/**
 * The route views ARM serves on a virtual hub, as they apply to a route
 * server (docs/api.md, "Resources"):
 * - `effectiveRoutes`: what the route server gives its VNet — the address
 *   spaces it advertises (its VNet's and those of peered VNets served
 *   through gateway transit: next hop type `Virtual Network Connection`,
 *   next hop `on-link`, as the portal shows them) and the routes its
 *   instances inject (the union of both, without those equal to or more
 *   specific than an address space, §3.2), one row per source: an NVA's BGP
 *   connection (`HubBgpConnection`, the peer's address, its AS path) or a
 *   gateway of the VNet (`VPN`, `ExpressRoute`, the gateway instances'
 *   addresses). `resourceId` keeps the rows of one BGP connection.
 * - `inboundRoutes` / `outboundRoutes` of one BGP connection
 *   (`resourceUri`): the routes the route server accepted from the peer
 *   (its Adj-RIB-In) and those it advertises to it (Adj-RIB-Out), each
 *   prefix and AS path once across both instances. The route server keeps
 *   no communities in these views: `bgpCommunities` is empty.
 */
import { comparePrefixes, formatPrefix, parsePrefix, type Prefix } from '../lib/prefix.js';
import { invalidReference, notFound, type ServiceCore } from './core.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import { idKey, parentIdOf, TYPES } from './ids.js';
import type { PeerRoute } from './types.js';

/** ARM's `VirtualHubEffectiveRoute`. */
interface HubEffectiveRoute {
  readonly addressPrefixes: readonly string[];
  readonly nextHops: readonly string[];
  readonly nextHopType: string;
  readonly asPath: string;
  readonly routeOrigin: string;
}

/** ARM's `EffectiveRouteMapRoute`. */
interface ConnectionRoute {
  readonly prefix: string;
  readonly bgpCommunities: string;
  readonly asPath: string;
}

/** Who a next hop of an injected route is: a BGP connection's peer or a gateway instance. */
interface HopSource {
  readonly type: string;
  readonly origin: string;
}

const GATEWAY_HOP_TYPE: Readonly<Record<string, string>> = { Vpn: 'VPN', ExpressRoute: 'ExpressRoute' };

function requireRouteServer(core: ServiceCore, hubId: string) {
  const hub = core.index.get(hubId, TYPES.routeServer);
  if (hub === undefined) throw notFound('route server', hubId);
  return hub;
}

/** The next hops the route server may inject, by address: its peers, and the gateways of its VNet. */
function hopSources(core: ServiceCore, hubId: string, vnetId: string): Map<string, HopSource> {
  const sources = new Map<string, HopSource>();
  for (const gateway of core.index.ofType(TYPES.virtualNetworkGateway)) {
    if (idKey(parentIdOf(gateway.body.subnetId)) !== idKey(vnetId)) continue;
    const type = GATEWAY_HOP_TYPE[gateway.body.gatewayType] ?? gateway.body.gatewayType;
    for (const address of gateway.body.instanceAddresses) sources.set(address, { type, origin: gateway.id });
  }
  for (const connection of core.index.childrenOf(hubId, TYPES.bgpConnection))
    sources.set(connection.body.peerIp, { type: 'HubBgpConnection', origin: connection.id });
  return sources;
}

/** AS paths of the routes learned from each peer, by `origin id|prefix`. */
async function learnedPaths(core: ServiceCore, hubId: string): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  const runtime = core.runtime;
  if (runtime === undefined || !core.running.has(idKey(hubId))) return paths;
  for (const connection of core.index.childrenOf(hubId, TYPES.bgpConnection)) {
    for (const route of await runtime.learnedRoutes(hubId, connection.id))
      paths.set(`${idKey(connection.id)}|${route.network}`, route.asPath);
  }
  return paths;
}

/**
 * The route server's effective routes; the body's `resourceId`: only those of
 * this BGP connection. The request is checked before it returns (a refusal
 * throws at once); the routes come with the promise.
 */
export function hubEffectiveRoutes(
  core: ServiceCore,
  hubId: string,
  body: unknown,
): Promise<{ value: HubEffectiveRoute[] }> {
  const hub = requireRouteServer(core, hubId);
  const resourceId = optionalString(body, 'resourceId');
  const only =
    resourceId === undefined || idKey(resourceId) === idKey(hub.id)
      ? undefined
      : connectionOf(core, hub.id, resourceId, 'resourceId').id;
  return collectEffectiveRoutes(core, hub.id, only);
}

async function collectEffectiveRoutes(
  core: ServiceCore,
  hubId: string,
  only: string | undefined,
): Promise<{ value: HubEffectiveRoute[] }> {
  const binding = core.model.routeServer(idKey(hubId));
  const placement = core.index.childrenOf(hubId, TYPES.ipConfiguration)[0];
  const subnet = placement && core.index.get(placement.body.subnetId, TYPES.subnet);
  if (binding === undefined || subnet === undefined) return { value: [] };
  const rows: { prefix: Prefix; row: HubEffectiveRoute }[] = [];
  if (only === undefined) {
    for (const space of binding.advertisedAddressSpaces()) {
      const addressPrefixes = [formatPrefix(space)];
      const row = { addressPrefixes, nextHops: ['on-link'], nextHopType: 'Virtual Network Connection' };
      rows.push({ prefix: space, row: { ...row, asPath: '', routeOrigin: '' } });
    }
  }
  const sources = hopSources(core, hubId, subnet.parentId!);
  const paths = await learnedPaths(core, hubId);
  for (const route of binding.injectedRoutes()) {
    if (!binding.isInjectable(route.prefix)) continue;
    const network = formatPrefix(route.prefix);
    const hopsByOrigin = new Map<string, { source: HopSource; hops: string[] }>();
    for (const hop of route.nextHops) {
      const source = sources.get(hop) ?? { type: 'Unknown', origin: '' };
      const group = hopsByOrigin.get(source.origin) ?? { source, hops: [] };
      group.hops.push(hop);
      hopsByOrigin.set(source.origin, group);
    }
    for (const [origin, { source, hops }] of hopsByOrigin) {
      if (only !== undefined && idKey(origin) !== idKey(only)) continue;
      const asPath = paths.get(`${idKey(origin)}|${network}`) ?? '';
      const row = { addressPrefixes: [network], nextHops: hops, nextHopType: source.type };
      rows.push({ prefix: route.prefix, row: { ...row, asPath, routeOrigin: origin } });
    }
  }
  rows.sort((a, b) => comparePrefixes(a.prefix, b.prefix));
  return { value: rows.map(({ row }) => row) };
}

/** The BGP connection of the route server that `resourceUri` names (its bgpConnections or virtualRouters/peerings id). */
function connectionOf(core: ServiceCore, hubId: string, resourceUri: string | undefined, member: string) {
  if (resourceUri === undefined || resourceUri === '') {
    throw new RouteServerError(
      E.INCOMPLETE_BODY,
      `${member} must name a BGP connection of the route server`,
      member,
    );
  }
  const connectionId = resourceUri
    .replace(
      /\/providers\/microsoft\.network\/virtualrouters\//i,
      '/providers/Microsoft.Network/virtualHubs/',
    )
    .replace(/\/peerings\//i, '/bgpConnections/');
  const connection = core.index.get(connectionId, TYPES.bgpConnection);
  if (connection === undefined || idKey(connection.parentId!) !== idKey(hubId))
    throw invalidReference('BGP connection of this route server', resourceUri, member);
  return connection;
}

/**
 * Routes from (`inbound`) or to (`outbound`) the BGP connection the body's
 * `resourceUri` names; checked before it returns, as hubEffectiveRoutes.
 */
export function connectionRoutes(
  core: ServiceCore,
  hubId: string,
  body: unknown,
  direction: 'inbound' | 'outbound',
): Promise<{ value: ConnectionRoute[] }> {
  const hub = requireRouteServer(core, hubId);
  const connection = connectionOf(core, hub.id, optionalString(body, 'resourceUri'), 'resourceUri');
  return collectConnectionRoutes(core, hub.id, connection.id, direction);
}

async function collectConnectionRoutes(
  core: ServiceCore,
  hubId: string,
  connectionId: string,
  direction: 'inbound' | 'outbound',
): Promise<{ value: ConnectionRoute[] }> {
  const runtime = core.runtime;
  if (runtime === undefined || !core.running.has(idKey(hubId))) return { value: [] };
  const routes: readonly PeerRoute[] =
    direction === 'inbound'
      ? await runtime.learnedRoutes(hubId, connectionId)
      : await runtime.advertisedRoutes(hubId, connectionId);
  const seen = new Map<string, { prefix: Prefix; route: ConnectionRoute }>();
  for (const route of routes) {
    const key = `${route.network}|${route.asPath}`;
    if (seen.has(key)) continue;
    const prefix = parsePrefix(route.network);
    seen.set(key, { prefix, route: { prefix: route.network, bgpCommunities: '', asPath: route.asPath } });
  }
  const sorted = [...seen.values()].sort((a, b) => comparePrefixes(a.prefix, b.prefix));
  return { value: sorted.map(({ route }) => route) };
}

/** A string member of a POST body (absent, null or no body: undefined). */
function optionalString(body: unknown, member: string): string | undefined {
  if (body === undefined || body === null) return undefined;
  const value = typeof body === 'object' ? (body as Record<string, unknown>)[member] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new RouteServerError(E.INVALID_VALUE, `${member} must be a resource id`, member);
  return value;
}
