/**
 * The ARM answer to each refusal of the domain service: HTTP status and ARM
 * error code by RouteServerError code (and, for the virtual network model's
 * rules, by its code), the message, and the target as the error already
 * carries it (the ARM JSON path of the member at fault). The API sends it as
 * an ARM error body.
 */
import { NETWORK_ERROR_CODES as N, ROUTE_SERVER_ERROR_CODES as E, type RouteServerError } from './errors.js';

interface ArmRefusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** absent when the refusal is about the resource as a whole */
  readonly target?: string;
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
  [E.COUNT_LIMIT]: [400, 'QuotaExceeded'],
  [E.INVALID_ROUTE_SERVER_SUBNET]: [400, 'InvalidRouteServerSubnet'],
  [E.ROUTE_SERVER_PLACEMENT]: [400, 'InvalidRouteServerPlacement'],
  [E.IMMUTABLE_FIELD]: [400, 'PropertyChangeNotAllowed'],
  [E.ROUTE_SERVER_IN_USE]: [400, 'RouteServerInUse'],
  [E.IN_USE]: [400, 'ResourceInUse'],
  [E.INVALID_NETWORK]: [400, 'InvalidParameter'],
  [E.SUBNET_FULL]: [400, 'SubnetIsFull'],
  [E.CORRUPT_RECORD]: [500, 'InternalServerError'],
  [E.CLOSED]: [503, 'ServiceUnavailable'],
  [E.STORE_UNAVAILABLE]: [503, 'ServiceUnavailable'],
  [E.STALE_ETAG]: [412, 'PreconditionFailed'],
  [E.ALREADY_EXISTS]: [412, 'PreconditionFailed'],
  [E.CONDITION_TARGET_MISSING]: [412, 'PreconditionFailed'],
  [E.INVALID_ID]: [400, 'InvalidResourceId'],
  [E.INCOMPLETE_BODY]: [400, 'InvalidRequestFormat'],
  [E.INVALID_GATEWAY_SUBNET]: [400, 'InvalidGatewaySubnet'],
  [E.INVALID_GATEWAY]: [400, 'InvalidGatewayConfiguration'],
  [E.GATEWAY_PLACEMENT]: [400, 'VirtualNetworkGatewayAlreadyExists'],
  [E.INSTANCE_START_FAILED]: [500, 'RouteServerInstanceStartFailed'],
  [E.INVALID_ROUTE_MAP_RULE]: [400, 'InvalidRouteMapRule'],
  [E.INVALID_ROUTE_MAP_CRITERION]: [400, 'InvalidRouteMapMatchCriterion'],
  [E.INVALID_ROUTE_MAP_ACTION]: [400, 'InvalidRouteMapAction'],
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
 * The ARM answer to `error`. `inUseCode` is the resource type's own code for
 * "in use, cannot be deleted", used for IN_USE refusals of a DELETE.
 */
export function armRefusal(error: RouteServerError, onDelete?: { inUseCode?: string }): ArmRefusal {
  const [status, mapped] = BY_CODE[error.code] ?? [500, 'InternalServerError'];
  let code = mapped;
  if (error.code === E.INVALID_NETWORK && error.networkCode !== undefined) {
    code = BY_NETWORK_CODE[error.networkCode] ?? mapped;
  }
  if (error.code === E.IN_USE && onDelete?.inUseCode !== undefined) code = onDelete.inUseCode;
  return { status, code, message: error.message, ...(error.target === '' ? {} : { target: error.target }) };
}
