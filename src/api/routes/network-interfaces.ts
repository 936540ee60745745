/**
 * `networkInterfaces` (one IP configuration each) and POST
 * `networkInterfaces/{nic}/effectiveRouteTable` (202 + Location, then
 * Azure's `{value: [{source, state, addressPrefix: [...], nextHopType,
 * nextHopIpAddress: [...]}]}`).
 */
import { Type } from 'typebox';
import type { NetworkInterfaceResource, NetworkInterfaceResourceInput } from '../../routeserver/index.js';
import { toArmResource } from '../arm-resource.js';
import { ArmError } from '../errors.js';
import type { WireShape } from './domain-resource.js';
import {
  ResourceRef,
  subResource,
  SubResourceRef,
  trackedInput,
  type TrackedPutBody,
  type ErrorContext,
} from './edge.js';

const NIC_TYPE = 'Microsoft.Network/networkInterfaces';
const context: ErrorContext = {
  renames: {
    subnetId: 'ipConfigurations[0].properties.subnet.id',
    privateIpAddress: 'ipConfigurations[0].properties.privateIPAddress',
  },
};

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

type NicBody = TrackedPutBody<{
  ipConfigurations: {
    name: string;
    properties: {
      subnet: { id: string };
      privateIPAddress?: string | null;
      privateIPAllocationMethod?: 'Static' | 'Dynamic';
    };
  }[];
}>;

function nicInput(body: NicBody): NetworkInterfaceResourceInput {
  const config = body.properties?.ipConfigurations[0];
  if (config === undefined) {
    throw new ArmError(400, 'InvalidRequestFormat', 'A network interface needs one IP configuration.', {
      target: 'properties.ipConfigurations',
    });
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

function presentNic(nic: NetworkInterfaceResource) {
  return toArmResource(
    nic.id,
    nic.name,
    NIC_TYPE,
    nic.etag,
    {
      ipConfigurations: [
        {
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
        },
      ],
      provisioningState: nic.provisioningState,
    },
    { location: nic.location, tags: { ...nic.tags } },
  );
}

export const networkInterfaceWire: WireShape<
  NicBody,
  NetworkInterfaceResourceInput,
  NetworkInterfaceResource
> = {
  requestProperties: NicProperties,
  responseProperties: NicResponse,
  context,
  present: presentNic,
  toInput: nicInput,
};
