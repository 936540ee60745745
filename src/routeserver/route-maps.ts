/**
 * Route maps of a route server (`virtualHubs/{hub}/routeMaps`,
 * docs/route-maps.md, docs/azure-behaviour.md §5): PUT checks the rules
 * with src/policy/route-map.ts (a problem is a 400 naming the rule,
 * criterion or action at fault; nothing is stored), and a change reaches
 * every peering that names the map at once, without a session reset. A map
 * a BGP connection names cannot be deleted. POST `…/evaluate` is the dry
 * run on one peering's current routes.
 */
import type { RouteMapActionDefinition, RouteMapRuleDefinition } from '../policy/index.js';
import { compileRouteMap } from '../policy/index.js';
import type { RouteMapEvaluation } from '../rib/index.js';
import {
  checkWriteConditions,
  deleteRecord,
  notFound,
  pageOf,
  parentNotFound,
  type ServiceCore,
} from './core.js';
import { subResource, toArmResource } from './arm-json.js';
import { ROUTE_MAP_PROBLEM_CODES, ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import { idKey, nameFromId, parentIdOf, TYPES } from './ids.js';
import { describe, parentIdOfList } from './resource-descriptor.js';
import { connectionsUsing } from './route-map-links.js';
import { peerSpec } from './route-servers.js';
import type { RouteMapBody, Stored } from './records.js';
import { INSTANCE_IDS } from './types.js';
import type {
  DeleteResult,
  Page,
  PutResult,
  RouteMapEvaluationInput,
  RouteMapResource,
  RouteMapResourceInput,
  WriteOptions,
} from './types.js';

const ROUTE_MAP_TYPE = 'Microsoft.Network/virtualHubs/routeMaps';

type OptionalLists<T> = Omit<T, 'matchCriteria' | 'actions'> & {
  matchCriteria?: RouteMapRuleDefinition['matchCriteria'];
  actions?: (Omit<RouteMapActionDefinition, 'parameters'> & {
    parameters?: RouteMapActionDefinition['parameters'];
  })[];
};
export type RouteMapPutBody = { properties?: { rules?: OptionalLists<RouteMapRuleDefinition>[] } };

function routeMapView(core: ServiceCore, record: Stored<typeof TYPES.routeMap>): RouteMapResource {
  const routeServerId = record.parentId!;
  const using = connectionsUsing(core, routeServerId, record.id);
  return {
    id: record.id,
    name: record.name,
    etag: record.etag,
    routeServerId,
    rules: record.body.rules,
    associatedInboundConnections: using.inbound.map((c) => c.id),
    associatedOutboundConnections: using.outbound.map((c) => c.id),
    provisioningState: core.states.provisioningState(record.id),
  };
}

/** The rules as a definition the route engine compiles; a problem is the 400 of its kind. */
function checkedBody(name: string, input: RouteMapResourceInput): RouteMapBody {
  const result = compileRouteMap({ name, rules: input.rules });
  if (!result.ok) {
    const { kind, message, path } = result.problem;
    throw new RouteServerError(ROUTE_MAP_PROBLEM_CODES[kind], message, `properties.${path}`);
  }
  return { rules: input.rules };
}

function putRouteMap(
  core: ServiceCore,
  id: string,
  input: RouteMapResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<RouteMapResource>> {
  return core
    .write((mutation) => {
      const hubId = parentIdOf(id);
      const hub = core.index.get(hubId, TYPES.routeServer);
      if (hub === undefined) throw parentNotFound('route server', hubId);
      const existing = core.index.get(id, TYPES.routeMap);
      checkWriteConditions(existing, options);
      const name = existing?.name ?? nameFromId(id);
      const body = checkedBody(name, input);
      const mapId = existing?.id ?? id;
      mutation.put({ id: mapId, type: TYPES.routeMap, parentId: hub.id, name, body }, options);
      mutation.touch(hub);
      const runtime = core.runtime;
      const changed = existing !== undefined && JSON.stringify(existing.body) !== JSON.stringify(body);
      if (runtime !== undefined && changed && core.running.has(idKey(hub.id))) {
        const using = connectionsUsing(core, hub.id, mapId);
        const connections = new Map([...using.inbound, ...using.outbound].map((c) => [idKey(c.id), c]));
        if (connections.size > 0)
          core.states.applyingIn(mutation, [hub.id, ...[...connections.values()].map((c) => c.id)]);
        for (const connection of connections.values()) {
          // the runtime gets the new rules from the index once the write is applied
          mutation.effect(() => runtime.updatePeer(hub.id, peerSpec(core, connection)));
        }
      }
      return () => ({
        resource: routeMapView(core, core.index.get(id, TYPES.routeMap)!),
        created: existing === undefined,
      });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

function deleteRouteMap(core: ServiceCore, id: string, options: WriteOptions = {}): Promise<DeleteResult> {
  return deleteRecord(core, id, TYPES.routeMap, options, (mutation, existing) => {
    const using = connectionsUsing(core, existing.parentId!, existing.id);
    const user = using.inbound[0] ?? using.outbound[0];
    if (user !== undefined) {
      throw new RouteServerError(
        E.IN_USE,
        `route map '${existing.name}' is used by BGP connection '${user.name}'; remove it there first`,
        '',
      );
    }
    mutation.delete(existing.id, options);
    mutation.touch(core.index.get(existing.parentId!, TYPES.routeServer));
  });
}

function listRouteMaps(core: ServiceCore, hubId: string, cursor?: string): Page<RouteMapResource> {
  if (core.index.get(hubId, TYPES.routeServer) === undefined) throw notFound('route server', hubId);
  return pageOf(core.index.childrenOf(hubId, TYPES.routeMap), cursor, core.pageSize, (r) =>
    routeMapView(core, r),
  );
}

/** The body of POST `…/evaluate`: `{connection: {id} | name, direction}`. */
function evaluationInput(core: ServiceCore, mapId: string, body: unknown): RouteMapEvaluationInput {
  const request = (body ?? {}) as { connection?: unknown; direction?: unknown };
  const direction = request.direction ?? 'Inbound';
  if (direction !== 'Inbound' && direction !== 'Outbound')
    throw new RouteServerError(E.INVALID_VALUE, 'direction must be Inbound or Outbound', 'direction');
  const connection = request.connection;
  const reference =
    typeof connection === 'string'
      ? `${parentIdOf(mapId)}/bgpConnections/${connection}`
      : typeof connection === 'object' &&
          connection !== null &&
          typeof (connection as { id?: unknown }).id === 'string'
        ? (connection as { id: string }).id
        : undefined;
  if (reference === undefined)
    throw new RouteServerError(
      E.INCOMPLETE_BODY,
      'name the BGP connection: {"connection": {"id": …}}',
      'connection',
    );
  const record = core.index.get(reference, TYPES.bgpConnection);
  if (record === undefined || idKey(record.parentId!) !== idKey(parentIdOf(mapId)))
    throw new RouteServerError(
      E.INVALID_REFERENCE,
      `BGP connection '${reference}' does not exist on this route server`,
      'connection.id',
    );
  return { connectionId: record.id, direction };
}

/** The dry run: per instance whose session with the peer is up, what the stored map would change. */
function evaluateRouteMap(core: ServiceCore, id: string, body: unknown): Promise<Record<string, unknown>> {
  const record = core.index.get(id, TYPES.routeMap);
  if (record === undefined) throw notFound('route map', id);
  const { connectionId, direction } = evaluationInput(core, record.id, body);
  const hubId = record.parentId!;
  const runtime = core.runtime;
  const work = async () => {
    const result: Record<string, unknown> = {};
    if (runtime === undefined || !core.running.has(idKey(hubId))) return result;
    const map = { name: record.name, rules: record.body.rules };
    const evaluations = await runtime.evaluateRouteMap(
      hubId,
      connectionId,
      map,
      direction === 'Inbound' ? 'inbound' : 'outbound',
    );
    for (const instance of INSTANCE_IDS) {
      const found = evaluations.find((e) => e.instance === instance);
      if (found !== undefined) result[`RouteServiceRole_${instance}`] = presentEvaluation(found.evaluation);
    }
    return result;
  };
  return work();
}

function presentEvaluation(evaluation: RouteMapEvaluation) {
  return { ...evaluation, direction: evaluation.direction === 'inbound' ? 'Inbound' : 'Outbound' };
}

/** ARM lets a rule leave out matchCriteria (it matches every route) and actions (it changes nothing). */
export const routeMapInput = (body: RouteMapPutBody): RouteMapResourceInput => ({
  rules: (body.properties?.rules ?? []).map((rule) => ({
    ...rule,
    matchCriteria: rule.matchCriteria ?? [],
    actions: (rule.actions ?? []).map((action) => ({ ...action, parameters: action.parameters ?? [] })),
  })),
});

export function presentRouteMap(routeMap: RouteMapResource) {
  return toArmResource(routeMap.id, routeMap.name, ROUTE_MAP_TYPE, routeMap.etag, {
    rules: routeMap.rules,
    associatedInboundConnections: routeMap.associatedInboundConnections.map(subResource),
    associatedOutboundConnections: routeMap.associatedOutboundConnections.map(subResource),
    provisioningState: routeMap.provisioningState,
  });
}

/** The family's descriptor: `virtualHubs/routeMaps`, with POST `evaluate` (the dry run). */
export function routeMapResources(core: ServiceCore) {
  return {
    routeMaps: describe<RouteMapResourceInput, RouteMapResource, RouteMapPutBody>({
      types: ['virtualHubs', 'routeMaps'],
      tracked: false,
      get: (id) => {
        const record = core.index.get(id, TYPES.routeMap);
        return record === undefined ? undefined : routeMapView(core, record);
      },
      list: (within, cursor) => listRouteMaps(core, parentIdOfList(within), cursor),
      put: (id, input, options) => putRouteMap(core, id, input, options),
      delete: (id, options) => deleteRouteMap(core, id, options),
      actions: { evaluate: (id, body) => evaluateRouteMap(core, id, body) },
      toInput: routeMapInput,
      present: presentRouteMap,
    }),
  };
}
