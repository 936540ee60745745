/**
 * The wire form of the route table family (route-tables.ts): ARM's
 * `routeTables` and `routeTables/{table}/routes` bodies as domain input, and
 * the domain views as ARM resources. Routes also travel inline in the
 * table's body.
 */
import { toArmResource, subResource, trackedInput, type TrackedPutBody } from './arm-json.js';
import type {
  RouteResource,
  RouteResourceInput,
  RouteTableResource,
  RouteTableResourceInput,
  UserRouteNextHopType,
} from './types.js';

const TABLE_TYPE = 'Microsoft.Network/routeTables';
const ROUTE_TYPE = 'Microsoft.Network/routeTables/routes';

export type RoutePutBody = {
  properties?: { addressPrefix: string; nextHopType: UserRouteNextHopType; nextHopIpAddress?: string | null };
};
export type RouteTablePutBody = TrackedPutBody<{
  disableBgpRoutePropagation?: boolean;
  routes?: (RoutePutBody & { name: string })[];
}>;

export function routeInput(body: RoutePutBody): RouteResourceInput {
  const properties = body.properties ?? { addressPrefix: '', nextHopType: 'None' as const };
  return {
    addressPrefix: properties.addressPrefix,
    nextHopType: properties.nextHopType,
    nextHopIpAddress: properties.nextHopIpAddress ?? null,
  };
}

export function routeTableInput(body: RouteTablePutBody): RouteTableResourceInput {
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

export function presentRoute(route: RouteResource) {
  return toArmResource(route.id, route.name, ROUTE_TYPE, route.etag, {
    addressPrefix: route.addressPrefix,
    nextHopType: route.nextHopType,
    ...(route.nextHopIpAddress === null ? {} : { nextHopIpAddress: route.nextHopIpAddress }),
    provisioningState: route.provisioningState,
  });
}

export function presentRouteTable(table: RouteTableResource) {
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
