/**
 * The schemas of the preview-era `virtualRouters` and
 * `virtualRouters/{router}/peerings` (a view of the route servers:
 * src/routeserver/virtual-routers.ts). What a client echoes from a GET
 * (`virtualRouterIps`, `peerings`, `provisioningState`) is accepted and
 * ignored.
 */
import { Type } from 'typebox';
import type { WireSchemas } from './domain-resource.js';
import { ResourceRef, SubResourceRef } from './edge.js';

const RouterProperties = Type.Object(
  {
    virtualRouterAsn: Type.Optional(Type.Integer()),
    hostedSubnet: Type.Optional(Type.Union([ResourceRef, Type.Null()])),
    hostedGateway: Type.Optional(Type.Union([ResourceRef, Type.Null()])),
  },
  { additionalProperties: false },
);

const RouterResponse = Type.Object({
  virtualRouterAsn: Type.Integer(),
  virtualRouterIps: Type.Array(Type.String()),
  hostedSubnet: Type.Optional(SubResourceRef),
  peerings: Type.Array(SubResourceRef),
  provisioningState: Type.String(),
});

const PeeringProperties = Type.Object(
  { peerIp: Type.String(), peerAsn: Type.Integer() },
  { additionalProperties: false },
);

const PeeringResponse = Type.Object({
  peerIp: Type.String(),
  peerAsn: Type.Integer(),
  provisioningState: Type.String(),
});

export const virtualRouterSchemas: WireSchemas = {
  requestProperties: RouterProperties,
  responseProperties: RouterResponse,
};

export const virtualRouterPeeringSchemas: WireSchemas = {
  requestProperties: PeeringProperties,
  responseProperties: PeeringResponse,
};
