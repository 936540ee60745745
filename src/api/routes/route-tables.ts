/**
 * `routeTables` and `routeTables/{table}/routes`: ARM shapes ↔ domain types.
 * Routes are child resources and also travel inline in the table's body; an
 * inline list in a PUT is the complete set, an absent list keeps the routes.
 */
import { Type } from 'typebox';
import type {
  Route,
  RouteInput,
  RouteServerService,
  RouteTable,
  UserRouteNextHopType,
} from '../../routeserver/index.js';
import { formatResourceId } from '../arm-id.js';
import { toArmResource } from '../arm-resource.js';
import type { ApiServer } from '../server.js';
import {
  armPage,
  deleteOutcome,
  domainCall,
  inlineChild,
  putOutcome,
  subResource,
  SubResourceRef,
  writeOptions,
  type ErrorContext,
} from './edge.js';

const TABLE_TYPE = 'Microsoft.Network/routeTables';
const ROUTE_TYPE = 'Microsoft.Network/routeTables/routes';
const tableContext: ErrorContext = { renames: {}, inUseCode: 'InUseRouteTableCannotBeDeleted' };
const routeContext: ErrorContext = { renames: {} };

const NextHopType = Type.Union(
  ['VirtualAppliance', 'VirtualNetworkGateway', 'VnetLocal', 'Internet', 'None'].map((t) => Type.Literal(t)),
);

const RouteProperties = Type.Object(
  {
    addressPrefix: Type.String(),
    nextHopType: NextHopType,
    nextHopIpAddress: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { additionalProperties: false },
);

const RouteTableProperties = Type.Object(
  {
    disableBgpRoutePropagation: Type.Optional(Type.Boolean()),
    routes: Type.Optional(Type.Array(inlineChild(RouteProperties))),
  },
  { additionalProperties: false },
);

const RouteResponse = Type.Object({
  addressPrefix: Type.String(),
  nextHopType: Type.String(),
  nextHopIpAddress: Type.Optional(Type.String()),
  provisioningState: Type.String(),
});

const RouteTableResponse = Type.Object({
  disableBgpRoutePropagation: Type.Boolean(),
  routes: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      type: Type.String(),
      etag: Type.Optional(Type.String()),
      properties: RouteResponse,
    }),
  ),
  subnets: Type.Array(SubResourceRef),
  provisioningState: Type.String(),
});

type RouteBody = {
  properties?: { addressPrefix: string; nextHopType: UserRouteNextHopType; nextHopIpAddress?: string | null };
};
type TableBody = {
  location?: string;
  tags?: Record<string, string>;
  properties?: { disableBgpRoutePropagation?: boolean; routes?: (RouteBody & { name: string })[] };
};

function routeInput(body: RouteBody): RouteInput {
  const properties = body.properties ?? { addressPrefix: '', nextHopType: 'None' as const };
  return {
    addressPrefix: properties.addressPrefix,
    nextHopType: properties.nextHopType,
    nextHopIpAddress: properties.nextHopIpAddress ?? null,
  };
}

function routeProperties(route: Route) {
  return {
    addressPrefix: route.addressPrefix,
    nextHopType: route.nextHopType,
    ...(route.nextHopIpAddress === null ? {} : { nextHopIpAddress: route.nextHopIpAddress }),
    provisioningState: route.provisioningState,
  };
}

const presentRoute = (route: Route) =>
  toArmResource(route.id, route.name, ROUTE_TYPE, route.etag, routeProperties(route));

function presentTable(table: RouteTable) {
  return toArmResource(
    table.id,
    table.name,
    TABLE_TYPE,
    table.etag,
    {
      disableBgpRoutePropagation: table.disableBgpRoutePropagation,
      routes: table.routes.map(presentRoute),
      subnets: table.subnetIds.map(subResource),
      provisioningState: table.provisioningState,
    },
    { location: table.location, tags: { ...table.tags } },
  );
}

function registerTables(server: ApiServer, service: RouteServerService): void {
  server.registerResource<TableBody>({
    types: ['routeTables'],
    tracked: true,
    requestProperties: RouteTableProperties,
    responseProperties: RouteTableResponse,
    get: async (request) => {
      const table = service.getRouteTable(request.idText);
      return table === undefined ? undefined : presentTable(table);
    },
    list: async (request) =>
      armPage(
        service.listRouteTables(
          {
            subscriptionId: request.subscriptionId,
            ...(request.resourceGroupName === undefined
              ? {}
              : { resourceGroupName: request.resourceGroupName }),
          },
          request.cursor,
        ),
        presentTable,
      ),
    put: (request, body) =>
      domainCall(tableContext, 'put', async () => {
        const properties = body.properties ?? {};
        const input = {
          ...(body.location === undefined ? {} : { location: body.location }),
          ...(body.tags === undefined ? {} : { tags: body.tags }),
          ...(properties.disableBgpRoutePropagation === undefined
            ? {}
            : { disableBgpRoutePropagation: properties.disableBgpRoutePropagation }),
          ...(properties.routes === undefined
            ? {}
            : { routes: properties.routes.map((r) => ({ name: r.name, ...routeInput(r) })) }),
        };
        const result = await service.putRouteTable(
          request.idText,
          input,
          writeOptions(request.preconditions),
        );
        return putOutcome(result, presentTable, tableContext);
      }),
    delete: (request) =>
      domainCall(tableContext, 'delete', async () =>
        deleteOutcome(
          await service.deleteRouteTable(request.idText, writeOptions(request.preconditions)),
          tableContext,
        ),
      ),
  });
}

function registerRoutes(server: ApiServer, service: RouteServerService): void {
  server.registerResource<RouteBody>({
    types: ['routeTables', 'routes'],
    tracked: false,
    requestProperties: RouteProperties,
    responseProperties: RouteResponse,
    get: async (request) => {
      const route = service.getRoute(request.idText);
      return route === undefined ? undefined : presentRoute(route);
    },
    list: (request) =>
      domainCall(routeContext, 'read', () =>
        armPage(service.listRoutes(formatResourceId(request.parent!), request.cursor), presentRoute),
      ),
    put: (request, body) =>
      domainCall(routeContext, 'put', async () => {
        const result = await service.putRoute(
          request.idText,
          routeInput(body),
          writeOptions(request.preconditions),
        );
        return putOutcome(result, presentRoute, routeContext);
      }),
    delete: (request) =>
      domainCall(routeContext, 'delete', async () =>
        deleteOutcome(
          await service.deleteRoute(request.idText, writeOptions(request.preconditions)),
          routeContext,
        ),
      ),
  });
}

export function registerRouteTables(server: ApiServer, service: RouteServerService): void {
  registerTables(server, service);
  registerRoutes(server, service);
}
