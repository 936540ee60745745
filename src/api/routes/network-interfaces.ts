/**
 * The schemas of `networkInterfaces` (one IP configuration each; conversion:
 * src/routeserver/network-interfaces-wire.ts) and POST
 * `networkInterfaces/{nic}/effectiveRouteTable` (202 + Location, then
 * Azure's `{value: [{source, state, addressPrefix: [...], nextHopType,
 * nextHopIpAddress: [...]}]}`).
 */
import { Type } from 'typebox';
import type { WireSchemas } from './domain-resource.js';
import { ResourceRef, SubResourceRef } from './edge.js';

const IpConfigurationProperties = Type.Object(
  {
    subnet: ResourceRef,
    privateIPAddress: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    privateIPAllocationMethod: Type.Optional(Type.Union([Type.Literal('Static'), Type.Literal('Dynamic')])),
    privateIPAddressVersion: Type.Optional(Type.Literal('IPv4')),
    primary: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const NicProperties = Type.Object(
  {
    ipConfigurations: Type.Array(
      Type.Object(
        {
          id: Type.Optional(Type.String()),
          name: Type.String(),
          type: Type.Optional(Type.String()),
          etag: Type.Optional(Type.String()),
          properties: IpConfigurationProperties,
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 1 },
    ),
    enableIPForwarding: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const NicResponse = Type.Object({
  ipConfigurations: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      properties: Type.Object({
        subnet: SubResourceRef,
        privateIPAddress: Type.String(),
        privateIPAllocationMethod: Type.String(),
        privateIPAddressVersion: Type.String(),
        primary: Type.Boolean(),
        provisioningState: Type.String(),
      }),
    }),
  ),
  provisioningState: Type.String(),
});

export const networkInterfaceSchemas: WireSchemas = {
  requestProperties: NicProperties,
  responseProperties: NicResponse,
};
