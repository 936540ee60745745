/**
 * Route tables and their user-defined routes. A route table PUT may carry
 * its routes inline: the listed routes become the table's routes; without
 * the list the existing routes stay. Validation of the routes themselves
 * (next hop rules, duplicates) is the virtual network model's.
 */
import { parseIpv4, parsePrefix } from '../lib/prefix.js';
import type { UserDefinedRoute } from '../sdn/index.js';
import { canonicalIp } from './addresses.js';
import {
  applyToModel,
  armPath,
  checkWriteConditions,
  canonicalPrefix,
  notFound,
  pageOf,
  parentNotFound,
  type ServiceCore,
  deleteRecord,
  type ModelFieldPath,
} from './core.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import { checkCount, COUNT_LIMITS } from './count-limits.js';
import { trackedBody } from './tracked-rules.js';
import { unusableUnicastReason } from './peer-rules.js';
import { childId, idKey, inScope, nameFromId, parentIdOf, TYPES } from './ids.js';
import type { Mutation } from './mutation.js';
import { parentIdOfList, scopeOfList, describe } from './resource-descriptor.js';
import type { RouteBody, RouteTableBody, Stored } from './records.js';
import type {
  DeleteResult,
  ListScope,
  Page,
  PutResult,
  RouteResource,
  RouteResourceInput,
  RouteTableResource,
  RouteTableResourceInput,
  WriteOptions,
} from './types.js';
import { routeTableView, routeView } from './views.js';
import {
  presentRoute,
  presentRouteTable,
  routeInput,
  routeTableInput,
  type RoutePutBody,
  type RouteTablePutBody,
} from './route-tables-wire.js';

const NEXT_HOP_TYPES = new Set([
  'VirtualAppliance',
  'VirtualNetworkGateway',
  'VnetLocal',
  'Internet',
  'None',
]);

/** A route's member at `at` ('' in a route PUT, `properties.routes[i]` inline in its table's). */
function routeMemberPath(at: string, member: string): string {
  return armPath(at, member === 'name' ? 'name' : `properties.${member}`);
}

/** The model names a route's field `routes[i].<field>`, `i` its index in the table's list. */
function routeFieldPath(at: (index: string) => string): ModelFieldPath {
  return (field) => {
    const match = /^routes\[(\d+)\]\.(\w+)$/.exec(field);
    return match === null ? '' : routeMemberPath(at(match[1]!), match[2]!);
  };
}

const inlineRouteAt = (index: number | string) => `properties.routes[${index}]`;

/** Why a next hop address cannot be a virtual appliance's, undefined when it can. */
function unusableNextHop(canonical: string): string | undefined {
  const v4 = parseIpv4(canonical);
  if (v4 !== undefined) return unusableUnicastReason(v4);
  if (canonical === '::') return 'the unspecified address';
  if (canonical === '::1') return 'the loopback address';
  if (/^ff/i.test(canonical)) return 'a multicast address (ff00::/8)';
  if (/^fe[89ab]/i.test(canonical)) return 'a link-local address (fe80::/10)';
  return undefined;
}

function routeBody(input: RouteResourceInput, at: string): RouteBody {
  if (!NEXT_HOP_TYPES.has(input.nextHopType)) {
    throw new RouteServerError(
      E.INVALID_VALUE,
      `unknown next hop type '${input.nextHopType}'`,
      routeMemberPath(at, 'nextHopType'),
    );
  }
  const hop = input.nextHopIpAddress ?? null;
  const canonical = hop === null ? null : canonicalIp(hop);
  if (hop !== null && canonical === undefined) {
    throw new RouteServerError(
      E.INVALID_VALUE,
      `'${hop}' is not an IP address`,
      routeMemberPath(at, 'nextHopIpAddress'),
    );
  }
  const unusable = canonical === null || canonical === undefined ? undefined : unusableNextHop(canonical);
  if (unusable !== undefined) {
    throw new RouteServerError(
      E.INVALID_VALUE,
      `next hop '${hop}' is ${unusable}; a VirtualAppliance next hop needs a unicast address`,
      routeMemberPath(at, 'nextHopIpAddress'),
    );
  }
  return {
    addressPrefix: canonicalPrefix(input.addressPrefix, routeMemberPath(at, 'addressPrefix')),
    nextHopType: input.nextHopType,
    nextHopIpAddress: canonical ?? null,
  };
}

function sdnRoute(name: string, body: RouteBody): UserDefinedRoute {
  return {
    name,
    addressPrefix: parsePrefix(body.addressPrefix),
    nextHopType: body.nextHopType,
    nextHopIpAddress: body.nextHopIpAddress,
  };
}

function sdnRoutes(routes: readonly { name: string; body: RouteBody }[]): UserDefinedRoute[] {
  return routes.map((r) => sdnRoute(r.name, r.body));
}

/** The routes a table PUT sets: its inline list (names keep their first spelling), else the current ones. */
function inlineRoutes(
  input: RouteTableResourceInput,
  current: readonly Stored<typeof TYPES.route>[],
  seen: Set<string>,
): { name: string; body: RouteBody }[] {
  if (input.routes === undefined) return current.map((r) => ({ name: r.name, body: r.body }));
  return input.routes.map((route, i) => {
    const key = route.name.toLowerCase();
    if (seen.has(key)) {
      throw new RouteServerError(
        E.INVALID_VALUE,
        `route '${route.name}' is listed twice`,
        routeMemberPath(inlineRouteAt(i), 'name'),
      );
    }
    seen.add(key);
    const stored = current.find((r) => r.name.toLowerCase() === key);
    return { name: stored?.name ?? route.name, body: routeBody(route, inlineRouteAt(i)) };
  });
}

function putRouteTable(
  core: ServiceCore,
  id: string,
  input: RouteTableResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<RouteTableResource>> {
  return core
    .write((mutation) => {
      const existing = core.index.get(id, TYPES.routeTable);
      checkWriteConditions(existing, options);
      if (input.routes !== undefined) {
        checkCount(
          input.routes.length,
          COUNT_LIMITS.routesPerRouteTable,
          'routes per route table',
          'properties.routes',
        );
      }
      const tableId = existing?.id ?? id;
      const key = idKey(tableId);
      const body: RouteTableBody = {
        ...trackedBody(input, existing?.body.location),
        disableBgpRoutePropagation: input.disableBgpRoutePropagation ?? false,
      };
      const current = existing === undefined ? [] : core.index.childrenOf(tableId, TYPES.route);
      const seen = new Set<string>();
      const routes = inlineRoutes(input, current, seen);
      const table = {
        disableBgpRoutePropagation: body.disableBgpRoutePropagation,
        routes: sdnRoutes(routes),
      };
      if (existing === undefined) {
        applyToModel(
          mutation,
          () => core.model.createRouteTable({ id: key, ...table }),
          () => core.model.deleteRouteTable(key),
          routeFieldPath(inlineRouteAt),
        );
      } else {
        const old = core.model.routeTable(key)!;
        applyToModel(
          mutation,
          () => core.model.updateRouteTable(key, table),
          () => core.model.updateRouteTable(key, old),
          routeFieldPath(inlineRouteAt),
        );
      }
      mutation.put(
        { id: tableId, type: TYPES.routeTable, name: existing?.name ?? nameFromId(id), body },
        options,
      );
      for (const stale of current)
        if (!seen.has(stale.name.toLowerCase()) && input.routes) mutation.delete(stale.id);
      for (const route of input.routes === undefined ? [] : routes) {
        const routeId = childId(tableId, 'routes', route.name);
        mutation.put({
          id: routeId,
          type: TYPES.route,
          parentId: tableId,
          name: route.name,
          body: route.body,
        });
      }
      return () => ({
        resource: routeTableView(core, core.index.get(id, TYPES.routeTable)!),
        created: existing === undefined,
      });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

function deleteRouteTable(core: ServiceCore, id: string, options: WriteOptions = {}): Promise<DeleteResult> {
  return deleteRecord(core, id, TYPES.routeTable, options, (mutation, existing) => {
    const key = idKey(existing.id);
    const old = core.model.routeTable(key)!;
    applyToModel(
      mutation,
      () => core.model.deleteRouteTable(key),
      () => core.model.createRouteTable(old),
    );
    for (const route of core.index.childrenOf(existing.id, TYPES.route)) mutation.delete(route.id);
    mutation.delete(existing.id, options);
  });
}

function getRouteTable(core: ServiceCore, id: string): RouteTableResource | undefined {
  const record = core.index.get(id, TYPES.routeTable);
  return record === undefined ? undefined : routeTableView(core, record);
}

function listRouteTables(core: ServiceCore, scope: ListScope, cursor?: string): Page<RouteTableResource> {
  const records = core.index.ofType(TYPES.routeTable).filter((r) => inScope(r.id, scope));
  return pageOf(records, cursor, core.pageSize, (r) => routeTableView(core, r));
}

function requireTable(core: ServiceCore, routeId: string): Stored<typeof TYPES.routeTable> {
  const tableId = parentIdOf(routeId);
  const table = core.index.get(tableId, TYPES.routeTable);
  if (table === undefined) throw parentNotFound('route table', tableId);
  return table;
}

function replaceRoutes(
  core: ServiceCore,
  mutation: Mutation,
  tableId: string,
  routes: UserDefinedRoute[],
  fieldPath?: ModelFieldPath,
): void {
  const key = idKey(tableId);
  const old = core.model.routeTable(key)!;
  applyToModel(
    mutation,
    () => core.model.updateRouteTable(key, { routes }),
    () => core.model.updateRouteTable(key, old),
    fieldPath,
  );
}

function putRoute(
  core: ServiceCore,
  id: string,
  input: RouteResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<RouteResource>> {
  return core
    .write((mutation) => {
      const table = requireTable(core, id);
      const existing = core.index.get(id, TYPES.route);
      checkWriteConditions(existing, options);
      const name = existing?.name ?? nameFromId(id);
      const body = routeBody(input, '');
      const others = core.index.childrenOf(table.id, TYPES.route).filter((r) => idKey(r.id) !== idKey(id));
      checkCount(others.length + 1, COUNT_LIMITS.routesPerRouteTable, 'routes per route table', '');
      // the model names the route by its index in the table; this route (the last) is the request body
      const routes = [...sdnRoutes(others), sdnRoute(name, body)];
      replaceRoutes(
        core,
        mutation,
        table.id,
        routes,
        routeFieldPath(() => ''),
      );
      mutation.put({ id: existing?.id ?? id, type: TYPES.route, parentId: table.id, name, body }, options);
      mutation.touch(table);
      return () => ({
        resource: routeView(core.index.get(id, TYPES.route)!),
        created: existing === undefined,
      });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

function deleteRoute(core: ServiceCore, id: string, options: WriteOptions = {}): Promise<DeleteResult> {
  return deleteRecord(core, id, TYPES.route, options, (mutation, existing) => {
    const tableId = existing.parentId!;
    const others = core.index.childrenOf(tableId, TYPES.route).filter((r) => idKey(r.id) !== idKey(id));
    replaceRoutes(core, mutation, tableId, sdnRoutes(others));
    mutation.delete(existing.id, options);
    mutation.touch(core.index.get(tableId, TYPES.routeTable));
  });
}

function getRoute(core: ServiceCore, id: string): RouteResource | undefined {
  const record = core.index.get(id, TYPES.route);
  return record === undefined ? undefined : routeView(record);
}

function listRoutes(core: ServiceCore, tableId: string, cursor?: string): Page<RouteResource> {
  if (core.index.get(tableId, TYPES.routeTable) === undefined) throw notFound('route table', tableId);
  return pageOf(core.index.childrenOf(tableId, TYPES.route), cursor, core.pageSize, routeView);
}

export function loadRouteTables(core: ServiceCore, tables: readonly Stored<typeof TYPES.routeTable>[]): void {
  for (const table of tables) {
    const routes = sdnRoutes(core.index.childrenOf(table.id, TYPES.route));
    core.model.createRouteTable({
      id: idKey(table.id),
      disableBgpRoutePropagation: table.body.disableBgpRoutePropagation,
      routes,
    });
  }
}

/** The family's descriptors: `routeTables` and `routeTables/routes`. */
export function routeTableResources(core: ServiceCore) {
  return {
    routeTables: describe<RouteTableResourceInput, RouteTableResource, RouteTablePutBody>({
      types: ['routeTables'],
      tracked: true,
      get: (id) => getRouteTable(core, id),
      list: (within, cursor) => listRouteTables(core, scopeOfList(within), cursor),
      put: (id, input, options) => putRouteTable(core, id, input, options),
      delete: (id, options) => deleteRouteTable(core, id, options),
      actions: {},
      toInput: routeTableInput,
      present: presentRouteTable,
      inUseCode: 'InUseRouteTableCannotBeDeleted',
    }),
    routes: describe<RouteResourceInput, RouteResource, RoutePutBody>({
      types: ['routeTables', 'routes'],
      tracked: false,
      get: (id) => getRoute(core, id),
      list: (within, cursor) => listRoutes(core, parentIdOfList(within), cursor),
      put: (id, input, options) => putRoute(core, id, input, options),
      delete: (id, options) => deleteRoute(core, id, options),
      actions: {},
      toInput: routeInput,
      present: presentRoute,
    }),
  };
}
