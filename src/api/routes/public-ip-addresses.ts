/**
 * The schemas of `publicIPAddresses` bodies and responses (their
 * conversion: src/routeserver/public-ip-addresses-wire.ts). What a client
 * echoes from a GET (`ipAddress`, `ipConfiguration`, `provisioningState`,
 * `resourceGuid`) is accepted and ignored; DNS, DDoS and IP tag settings
 * are accepted and not served.
 */
import { Type } from 'typebox';
import type { WireSchemas } from './domain-resource.js';
import { SubResourceRef } from './edge.js';

const PublicIpProperties = Type.Object(
  {
    publicIPAllocationMethod: Type.Optional(Type.String()),
    publicIPAddressVersion: Type.Optional(Type.String()),
    idleTimeoutInMinutes: Type.Optional(Type.Integer()),
    ipTags: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
    dnsSettings: Type.Optional(Type.Object({}, { additionalProperties: true })),
    ddosSettings: Type.Optional(Type.Object({}, { additionalProperties: true })),
    ipAddress: Type.Optional(Type.String()),
    ipConfiguration: Type.Optional(Type.Object({}, { additionalProperties: true })),
    provisioningState: Type.Optional(Type.String()),
    resourceGuid: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const PublicIpSku = Type.Object(
  { name: Type.Optional(Type.String()), tier: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

const PublicIpResponse = Type.Object({
  provisioningState: Type.String(),
  ipAddress: Type.String(),
  publicIPAddressVersion: Type.String(),
  publicIPAllocationMethod: Type.String(),
  idleTimeoutInMinutes: Type.Integer(),
  ipTags: Type.Array(Type.Object({}, { additionalProperties: true })),
  ipConfiguration: Type.Optional(SubResourceRef),
});

export const publicIpAddressSchemas: WireSchemas = {
  requestProperties: PublicIpProperties,
  responseProperties: PublicIpResponse,
  requestEnvelope: { sku: PublicIpSku, zones: Type.Array(Type.String()) },
};
