/**
 * The wire form of public IP addresses (public-ip-addresses.ts): ARM's
 * `publicIPAddresses` body as domain input, the view as an ARM resource
 * with `sku` beside `properties`.
 */
import { subResource, toArmResource, trackedInput, type TrackedPutBody } from './arm-json.js';
import type { PublicIpAddressResource, PublicIpAddressResourceInput } from './public-ip-addresses.js';

const TYPE = 'Microsoft.Network/publicIPAddresses';

export type PublicIpAddressPutBody = TrackedPutBody<{
  publicIPAllocationMethod?: string;
  publicIPAddressVersion?: string;
  idleTimeoutInMinutes?: number;
}> & { sku?: { name?: string; tier?: string } };

export function publicIpAddressInput(body: PublicIpAddressPutBody): PublicIpAddressResourceInput {
  const properties = body.properties ?? {};
  return {
    ...trackedInput(body),
    ...(body.sku?.name === undefined ? {} : { skuName: body.sku.name }),
    ...(body.sku?.tier === undefined ? {} : { skuTier: body.sku.tier }),
    ...(properties.publicIPAllocationMethod === undefined
      ? {}
      : { allocationMethod: properties.publicIPAllocationMethod }),
    ...(properties.publicIPAddressVersion === undefined
      ? {}
      : { version: properties.publicIPAddressVersion }),
    ...(properties.idleTimeoutInMinutes === undefined
      ? {}
      : { idleTimeoutInMinutes: properties.idleTimeoutInMinutes }),
  };
}

export function presentPublicIpAddress(address: PublicIpAddressResource) {
  return {
    ...toArmResource(
      address.id,
      address.name,
      TYPE,
      address.etag,
      {
        provisioningState: address.provisioningState,
        ipAddress: address.ipAddress,
        publicIPAddressVersion: 'IPv4',
        publicIPAllocationMethod: 'Static',
        idleTimeoutInMinutes: address.idleTimeoutInMinutes,
        ipTags: [],
        ...(address.ipConfigurationId === null
          ? {}
          : { ipConfiguration: subResource(address.ipConfigurationId) }),
      },
      { location: address.location, tags: { ...address.tags } },
    ),
    sku: { name: 'Standard', tier: 'Regional' },
  };
}
