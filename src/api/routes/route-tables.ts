/**
 * `routeTables` and `routeTables/{table}/routes`: ARM shapes ↔ domain types.
 * Routes are child resources and also travel inline in the table's body; an
 * inline list in a PUT is the complete set, an absent list keeps the routes.
 */
import { Type } from 'typebox';
import type {
  RouteResource,
  RouteResourceInput,
  RouteTableResource,
  RouteTableResourceInput,
  UserRouteNextHopType,
} from '../../routeserver/index.js';
import { toArmResource } from '../arm-resource.js';
import type { WireShape } from './domain-resource.js';
import {
  inlineChild,
  subResource,
  SubResourceRef,
  trackedInput,
  type TrackedPutBody,
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
type TableBody = TrackedPutBody<{
  disableBgpRoutePropagation?: boolean;
  routes?: (RouteBody & { name: string })[];
}>;

function routeInput(body: RouteBody): RouteResourceInput {
  const properties = body.properties ?? { addressPrefix: '', nextHopType: 'None' as const };
  return {
    addressPrefix: properties.addressPrefix,
    nextHopType: properties.nextHopType,
    nextHopIpAddress: properties.nextHopIpAddress ?? null,
  };
}

function routeProperties(route: RouteResource) {
  return {
    addressPrefix: route.addressPrefix,
    nextHopType: route.nextHopType,
    ...(route.nextHopIpAddress === null ? {} : { nextHopIpAddress: route.nextHopIpAddress }),
    provisioningState: route.provisioningState,
  };
}

const presentRoute = (route: RouteResource) =>
  toArmResource(route.id, route.name, ROUTE_TYPE, route.etag, routeProperties(route));

function presentTable(table: RouteTableResource) {
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

function tableInput(body: TableBody): RouteTableResourceInput {
  const properties = body.properties ?? {};
  return {
    ...trackedInput(body),
    ...(properties.disableBgpRoutePropagation === undefined
      ? {}
      : { disableBgpRoutePropagation: properties.disableBgpRoutePropagation }),
    ...(properties.routes === undefined
      ? {}
      : { routes: properties.routes.map((r) => ({ name: r.name, ...routeInput(r) })) }),
  };
}

export const routeTableWire: WireShape<TableBody, RouteTableResourceInput, RouteTableResource> = {
  requestProperties: RouteTableProperties,
  responseProperties: RouteTableResponse,
  context: tableContext,
  present: presentTable,
  toInput: tableInput,
};

export const routeWire: WireShape<RouteBody, RouteResourceInput, RouteResource> = {
  requestProperties: RouteProperties,
  responseProperties: RouteResponse,
  context: routeContext,
  present: presentRoute,
  toInput: routeInput,
};
