/**
 * How BGP connections name route maps (docs/route-maps.md): the check of a
 * connection's references (a map of the same route server, else 400
 * InvalidResourceReference, nothing stored) and the definitions a peer's
 * runtime spec carries.
 */
import type { RouteMapDefinition } from '../policy/index.js';
import type { PeerRouteMapSpec } from '../runtime/index.js';
import { invalidReference, type ServiceCore } from './core.js';
import { idKey, parentIdOf, TYPES } from './ids.js';
import type { BgpConnectionBody, Stored } from './records.js';
import type { BgpConnectionResourceInput } from './types.js';

const TARGET = {
  inbound: 'properties.routingConfiguration.inboundRouteMap.id',
  outbound: 'properties.routingConfiguration.outboundRouteMap.id',
} as const;

function checkReference(
  core: ServiceCore,
  hubId: string,
  id: string | undefined,
  direction: keyof typeof TARGET,
): string | undefined {
  if (id === undefined) return undefined;
  const map = core.index.get(id, TYPES.routeMap);
  if (map === undefined || idKey(parentIdOf(map.id)) !== idKey(hubId))
    throw invalidReference('route map', id, TARGET[direction]);
  return map.id;
}

/** The route map ids a connection input names, each checked to be a map of route server `hubId`. */
export function routeMapReferences(
  core: ServiceCore,
  hubId: string,
  input: BgpConnectionResourceInput,
): Pick<BgpConnectionBody, 'inboundRouteMapId' | 'outboundRouteMapId'> {
  const inbound = checkReference(core, hubId, input.inboundRouteMapId, 'inbound');
  const outbound = checkReference(core, hubId, input.outboundRouteMapId, 'outbound');
  return {
    ...(inbound === undefined ? {} : { inboundRouteMapId: inbound }),
    ...(outbound === undefined ? {} : { outboundRouteMapId: outbound }),
  };
}

function definition(core: ServiceCore, id: string | undefined): RouteMapDefinition | undefined {
  const record = id === undefined ? undefined : core.index.get(id, TYPES.routeMap);
  return record === undefined ? undefined : { name: record.name, rules: record.body.rules };
}

/** The route maps a peer's runtime spec carries; undefined when the connection names none. */
export function peerRouteMaps(core: ServiceCore, body: BgpConnectionBody): PeerRouteMapSpec | undefined {
  const inbound = definition(core, body.inboundRouteMapId);
  const outbound = definition(core, body.outboundRouteMapId);
  if (inbound === undefined && outbound === undefined) return undefined;
  return { ...(inbound ? { inbound } : {}), ...(outbound ? { outbound } : {}) };
}

/** The connections of route server `hubId` that name the route map `mapId`, per direction. */
export function connectionsUsing(
  core: ServiceCore,
  hubId: string,
  mapId: string,
): { inbound: Stored<typeof TYPES.bgpConnection>[]; outbound: Stored<typeof TYPES.bgpConnection>[] } {
  const key = idKey(mapId);
  const connections = core.index.childrenOf(hubId, TYPES.bgpConnection);
  return {
    inbound: connections.filter(
      (c) => c.body.inboundRouteMapId !== undefined && idKey(c.body.inboundRouteMapId) === key,
    ),
    outbound: connections.filter(
      (c) => c.body.outboundRouteMapId !== undefined && idKey(c.body.outboundRouteMapId) === key,
    ),
  };
}
