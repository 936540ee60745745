/**
 * The schemas of `routeTables` and `routeTables/{table}/routes` bodies and
 * responses (their conversion: src/routeserver/route-tables-wire.ts).
 * Routes are child resources and also travel inline in the table's body; an
 * inline list in a PUT is the complete set, an absent list keeps the routes.
 */
import { Type } from 'typebox';
import type { WireSchemas } from './domain-resource.js';
import { inlineChild, SubResourceRef } from './edge.js';

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

export const routeTableSchemas: WireSchemas = {
  requestProperties: RouteTableProperties,
  responseProperties: RouteTableResponse,
};

export const routeSchemas: WireSchemas = {
  requestProperties: RouteProperties,
  responseProperties: RouteResponse,
};
