/**
 * The translation edge between ARM resource handlers and the domain service
 * (docs/architecture.md, Decisions): write conditions, domain errors → ARM error bodies, domain
 * field paths → ARM JSON paths, outcomes → framework outcomes.
 */
import { Type, type TSchema } from 'typebox';
import {
  NETWORK_ERROR_CODES as N,
  ROUTE_SERVER_ERROR_CODES as E,
  RouteServerError,
  type WriteOptions,
} from '../../routeserver/index.js';
import type { ArmResource } from '../arm-resource.js';
import { storeWriteOptions, type Preconditions } from '../conditional.js';
import { ArmError } from '../errors.js';
import type { DeleteOutcome, PutOutcome } from '../resource-routes.js';

/** How a resource family names its fields in ARM JSON (domain name → ARM path below `properties`). */
export interface ErrorContext {
  readonly renames: Readonly<Record<string, string>>;
  /** ARM code for "cannot delete, in use" on DELETE of this type */
  readonly inUseCode?: string;
}

const BY_CODE: Readonly<Record<string, readonly [status: number, armCode: string]>> = {
  [E.NOT_FOUND]: [404, 'ResourceNotFound'],
  [E.PARENT_NOT_FOUND]: [404, 'ParentResourceNotFound'],
  [E.INVALID_REFERENCE]: [400, 'InvalidResourceReference'],
  [E.INVALID_VALUE]: [400, 'InvalidParameter'],
  [E.INVALID_ROUTER_ASN]: [400, 'InvalidVirtualRouterAsn'],
  [E.FORBIDDEN_PEER_ASN]: [400, 'InvalidPeerAsn'],
  [E.INVALID_PEER_IP]: [400, 'InvalidPeerIp'],
  [E.DUPLICATE_PEER_IP]: [400, 'DuplicatePeerIp'],
  [E.PEER_LIMIT]: [400, 'BgpConnectionLimitExceeded'],
  [E.INVALID_ROUTE_SERVER_SUBNET]: [400, 'InvalidRouteServerSubnet'],
  [E.ROUTE_SERVER_PLACEMENT]: [400, 'InvalidRouteServerPlacement'],
  [E.IMMUTABLE_FIELD]: [400, 'PropertyChangeNotAllowed'],
  [E.ROUTE_SERVER_IN_USE]: [400, 'RouteServerInUse'],
  [E.IN_USE]: [400, 'ResourceInUse'],
  [E.INVALID_NETWORK]: [400, 'InvalidParameter'],
  [E.SUBNET_FULL]: [400, 'SubnetIsFull'],
  [E.CORRUPT_RECORD]: [500, 'InternalServerError'],
  [E.CLOSED]: [503, 'ServiceUnavailable'],
  [E.STALE_ETAG]: [412, 'PreconditionFailed'],
  [E.ALREADY_EXISTS]: [412, 'PreconditionFailed'],
  [E.CONDITION_TARGET_MISSING]: [412, 'PreconditionFailed'],
  [E.INVALID_ID]: [400, 'InvalidResourceId'],
};

/** Virtual-network rule codes (src/sdn) → the ARM codes Azure's network provider uses or would use. */
const BY_NETWORK_CODE: Readonly<Record<string, string>> = {
  [N.INVALID_ADDRESS]: 'InvalidAddressPrefixFormat',
  [N.ADDRESS_SPACE_EMPTY]: 'AddressSpaceCannotBeEmpty',
  [N.ADDRESS_SPACE_OVERLAP]: 'NetcfgOverlappingAddressSpaces',
  [N.ADDRESS_SPACE_RESERVED]: 'NetcfgInvalidAddressSpace',
  [N.SUBNET_OUTSIDE_VNET]: 'NetcfgSubnetRangeOutsideVnet',
  [N.SUBNET_OVERLAP]: 'NetcfgSubnetRangesOverlap',
  [N.SUBNET_SIZE]: 'NetcfgInvalidSubnet',
  [N.ROUTE_SERVER_SUBNET_TOO_SMALL]: 'InvalidRouteServerSubnet',
  [N.SUBNET_RESERVED_FOR_SERVICE]: 'SubnetReservedForService',
  [N.PEERING_INVALID]: 'InvalidVirtualNetworkPeering',
  [N.PEERING_OVERLAP]: 'VnetAddressSpacesOverlap',
  [N.REMOTE_GATEWAY]: 'RemoteVnetHasNoGateways',
  [N.NIC_ADDRESS_OUTSIDE_SUBNET]: 'PrivateIPAddressNotInSubnet',
  [N.NIC_ADDRESS_RESERVED]: 'PrivateIPAddressInReservedRange',
  [N.NIC_ADDRESS_IN_USE]: 'PrivateIPAddressInUse',
  [N.INVALID_ROUTE]: 'InvalidRoute',
};

/**
 * `subnets[1].addressPrefix` → `properties.subnets[1].properties.addressPrefix`,
 * with each segment's name renamed by the family's table.
 */
function armTarget(target: string, renames: Readonly<Record<string, string>>): string | undefined {
  if (target === '') return undefined;
  const parts: string[] = ['properties'];
  let afterIndex = false;
  for (const segment of target.split('.')) {
    const match = /^([^[]+)(\[\d+\])?$/.exec(segment);
    const base = match?.[1] ?? segment;
    const index = match?.[2] ?? '';
    if (afterIndex) parts.push('properties');
    parts.push(`${renames[base] ?? base}${index}`);
    afterIndex = index !== '';
  }
  return parts.join('.');
}

function toArmDomainError(
  error: RouteServerError,
  context: ErrorContext,
  operation: 'put' | 'delete' | 'read',
): ArmError {
  const [status, mapped] = BY_CODE[error.code] ?? [500, 'InternalServerError'];
  let armCode = mapped;
  if (error.code === E.INVALID_NETWORK && error.networkCode !== undefined) {
    armCode = BY_NETWORK_CODE[error.networkCode] ?? mapped;
  }
  if (error.code === E.IN_USE && operation === 'delete' && context.inUseCode !== undefined) {
    armCode = context.inUseCode;
  }
  const target = armTarget(error.target, context.renames);
  return new ArmError(status, armCode, error.message, target === undefined ? {} : { target });
}

/** Runs a domain call, answering its refusals as ARM errors. */
export async function domainCall<T>(
  context: ErrorContext,
  operation: 'put' | 'delete' | 'read',
  call: () => Promise<T> | T,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof RouteServerError) throw toArmDomainError(error, context, operation);
    throw error;
  }
}

/** If-Match / If-None-Match as domain write conditions. */
export function writeOptions(preconditions: Preconditions): WriteOptions {
  return {
    ...storeWriteOptions(preconditions),
    ...(preconditions.ifMatch === '*' ? { mustExist: true } : {}),
  };
}

/** The LRO settles when the live effect has been applied; its failure is the operation's. */
export function putOutcome<T>(
  result: { resource: T; created: boolean; applied: Promise<void> },
  present: (resource: T) => ArmResource,
  context: ErrorContext,
): PutOutcome {
  return {
    resource: present(result.resource),
    created: result.created,
    completion: settle(result.applied, context),
  };
}

export function deleteOutcome(
  result: { existed: boolean; applied: Promise<void> },
  context: ErrorContext,
): DeleteOutcome {
  return result.existed ? { existed: true, completion: settle(result.applied, context) } : { existed: false };
}

function settle(applied: Promise<void>, context: ErrorContext): Promise<unknown> {
  return applied.catch((error: unknown) => {
    if (error instanceof RouteServerError) throw toArmDomainError(error, context, 'put');
    throw new ArmError(
      500,
      'OperationFailed',
      `the change was saved but could not be applied: ${String(error)}`,
    );
  });
}

/** A tracked resource's PUT body: `location` and `tags` beside its `properties`. */
export interface TrackedPutBody<Properties> {
  location?: string;
  tags?: Record<string, string>;
  properties?: Properties;
}

/** `location` and `tags` of a tracked resource's PUT body, each when given. */
export function trackedInput(body: TrackedPutBody<unknown>): {
  location?: string;
  tags?: Record<string, string>;
} {
  return {
    ...(body.location === undefined ? {} : { location: body.location }),
    ...(body.tags === undefined ? {} : { tags: body.tags }),
  };
}

// ---- schema pieces -------------------------------------------------------------------

export const SubResourceRef = Type.Object({ id: Type.String() }, { additionalProperties: false });

/**
 * A reference typed as a full resource in the SDK (Subnet, RouteTable,
 * PublicIPAddress): the SDK sends `{id, properties: {}}`, or what a client
 * copied from a GET. Only `id` counts, as in ARM.
 */
export const ResourceRef = Type.Object(
  {
    id: Type.String(),
    name: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    etag: Type.Optional(Type.String()),
    location: Type.Optional(Type.String()),
    tags: Type.Optional(Type.Record(Type.String(), Type.String())),
    properties: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false },
);
export const AddressSpace = Type.Object(
  { addressPrefixes: Type.Array(Type.String()) },
  { additionalProperties: false },
);

/** A child resource inline in its parent's body: `{id?, name, type?, etag?, properties}`. */
export function inlineChild(properties: TSchema) {
  return Type.Object(
    {
      id: Type.Optional(Type.String()),
      name: Type.String(),
      type: Type.Optional(Type.String()),
      etag: Type.Optional(Type.String()),
      properties: Type.Optional(properties),
    },
    { additionalProperties: false },
  );
}

export const subResource = (id: string) => ({ id });

/** A domain page as the framework's list result. */
export function armPage<T>(
  page: { readonly value: readonly T[]; readonly cursor?: string },
  present: (item: T) => ArmResource,
): { value: ArmResource[]; cursor?: string } {
  return { value: page.value.map(present), ...(page.cursor === undefined ? {} : { cursor: page.cursor }) };
}
