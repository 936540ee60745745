/**
 * The wire form of network interfaces (network-interfaces.ts): ARM's
 * `networkInterfaces` body (one IP configuration) as domain input, and the
 * domain view as an ARM resource.
 */
import { toArmResource, subResource, trackedInput, type TrackedPutBody } from './arm-json.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import type { NetworkInterfaceResource, NetworkInterfaceResourceInput } from './types.js';

const NIC_TYPE = 'Microsoft.Network/networkInterfaces';

export type NetworkInterfacePutBody = TrackedPutBody<{
  ipConfigurations: {
    name: string;
    properties: {
      subnet: { id: string };
      privateIPAddress?: string | null;
      privateIPAllocationMethod?: 'Static' | 'Dynamic';
    };
  }[];
}>;

export function networkInterfaceInput(body: NetworkInterfacePutBody): NetworkInterfaceResourceInput {
  const config = body.properties?.ipConfigurations[0];
  if (config === undefined) {
    throw new RouteServerError(
      E.INCOMPLETE_BODY,
      'A network interface needs one IP configuration.',
      'properties.ipConfigurations',
    );
  }
  const properties = config.properties;
  return {
    ...trackedInput(body),
    ipConfigurationName: config.name,
    subnetId: properties.subnet.id,
    ...((properties.privateIPAddress ?? null) === null
      ? {}
      : { privateIpAddress: properties.privateIPAddress }),
    ...(properties.privateIPAllocationMethod === undefined
      ? {}
      : { privateIpAllocationMethod: properties.privateIPAllocationMethod }),
  };
}

export function presentNetworkInterface(nic: NetworkInterfaceResource) {
  const ipConfiguration = {
    id: nic.ipConfigurationId,
    name: nic.ipConfigurationName,
    properties: {
      subnet: subResource(nic.subnetId),
      privateIPAddress: nic.privateIpAddress,
      privateIPAllocationMethod: nic.privateIpAllocationMethod,
      privateIPAddressVersion: 'IPv4',
      primary: true,
      provisioningState: nic.provisioningState,
    },
  };
  return toArmResource(
    nic.id,
    nic.name,
    NIC_TYPE,
    nic.etag,
    { ipConfigurations: [ipConfiguration], provisioningState: nic.provisioningState },
    { location: nic.location, tags: { ...nic.tags } },
  );
}
