/**
 * Stable error codes of the route server domain service. Every refused
 * request throws a `RouteServerError` with one of these codes, the field of
 * the request at fault (`target`, its ARM JSON path in the PUT body) and, for
 * virtual-network rules checked by `src/sdn`, the sdn code it wraps. A refused
 * request changes nothing: neither the store nor the live model. The store's
 * refusals (failed conditions, malformed ids) arrive as RouteServerErrors
 * too, so callers need no other module's error types.
 */
import { CodedError } from '../lib/errors.js';
import type { RouteMapProblemKind } from '../policy/index.js';
import { SDN_ERROR_CODES, type SdnErrorCode } from '../sdn/index.js';

export const ROUTE_SERVER_ERROR_CODES = {
  /** The resource named by the request does not exist. */
  NOT_FOUND: 'BGPRS_ERR_RS_NOT_FOUND',
  /** A child resource was written under a parent that does not exist. */
  PARENT_NOT_FOUND: 'BGPRS_ERR_RS_PARENT_NOT_FOUND',
  /** A field refers to a resource (subnet, VNet, route table) that does not exist. */
  INVALID_REFERENCE: 'BGPRS_ERR_RS_INVALID_REFERENCE',
  /** A member the request body needs is missing (a subnet's addressPrefix, a peering's remoteVirtualNetwork, a NIC's IP configuration). */
  INCOMPLETE_BODY: 'BGPRS_ERR_RS_INCOMPLETE_BODY',
  /** A field has a value outside its allowed set or range (enum, capacity, malformed prefix). */
  INVALID_VALUE: 'BGPRS_ERR_RS_INVALID_VALUE',
  /** `virtualRouterAsn` other than 65515 (docs/azure-behaviour.md §1.4). */
  INVALID_ROUTER_ASN: 'BGPRS_ERR_RS_INVALID_ROUTER_ASN',
  /** A peer ASN Azure reserves (docs/azure-behaviour.md §2.4) or outside 1-4294967295. */
  FORBIDDEN_PEER_ASN: 'BGPRS_ERR_RS_FORBIDDEN_PEER_ASN',
  /** A peer address that is not an IPv4 address (docs/azure-behaviour.md §2.2: IPv4 unicast only). */
  INVALID_PEER_IP: 'BGPRS_ERR_RS_INVALID_PEER_IP',
  /** Two BGP connections of one route server with the same peer IP. */
  DUPLICATE_PEER_IP: 'BGPRS_ERR_RS_DUPLICATE_PEER_IP',
  /** More BGP connections than the per-route-server limit (8 by default, docs/azure-behaviour.md §8). */
  PEER_LIMIT: 'BGPRS_ERR_RS_PEER_LIMIT',
  /** An ipConfiguration whose subnet is not the VNet's RouteServerSubnet, or is smaller than /26 (docs/azure-behaviour.md §1.3). */
  INVALID_ROUTE_SERVER_SUBNET: 'BGPRS_ERR_RS_INVALID_ROUTE_SERVER_SUBNET',
  /** A second route server in one VNet, or a second ipConfiguration on one route server (docs/azure-behaviour.md §1.3). */
  ROUTE_SERVER_PLACEMENT: 'BGPRS_ERR_RS_ROUTE_SERVER_PLACEMENT',
  /** Changing the subnet of an existing ipConfiguration (delete and recreate it instead). */
  IMMUTABLE_FIELD: 'BGPRS_ERR_RS_IMMUTABLE_FIELD',
  /** Deleting a route server that still has its ipConfiguration (docs/azure-behaviour.md §7.2). */
  ROUTE_SERVER_IN_USE: 'BGPRS_ERR_RS_ROUTE_SERVER_IN_USE',
  /** Deleting or changing a VNet, subnet or route table something still uses. */
  IN_USE: 'BGPRS_ERR_RS_IN_USE',
  /** A virtual-network rule of `src/sdn` refused the change; `networkCode` holds its code. */
  INVALID_NETWORK: 'BGPRS_ERR_RS_INVALID_NETWORK',
  /** No free private address is left in the subnet. */
  SUBNET_FULL: 'BGPRS_ERR_RS_SUBNET_FULL',
  /** A stored record cannot be read back (written by another version, or damaged). */
  CORRUPT_RECORD: 'BGPRS_ERR_RS_CORRUPT_RECORD',
  /** The service was closed. */
  CLOSED: 'BGPRS_ERR_RS_CLOSED',
  /** The store did not answer or refused for reasons of its own (etcd without quorum, unreachable); nothing was written, retry. */
  STORE_UNAVAILABLE: 'BGPRS_ERR_RS_STORE_UNAVAILABLE',
  /** A conditional write (If-Match with an etag) found the resource changed since that etag. */
  STALE_ETAG: 'BGPRS_ERR_RS_STALE_ETAG',
  /** A create-only write (If-None-Match: *) found the resource already there. */
  ALREADY_EXISTS: 'BGPRS_ERR_RS_ALREADY_EXISTS',
  /** A write conditioned on the resource existing (If-Match) found it absent. */
  CONDITION_TARGET_MISSING: 'BGPRS_ERR_RS_CONDITION_TARGET_MISSING',
  /** A resource id the store cannot hold (malformed or too long). */
  INVALID_ID: 'BGPRS_ERR_RS_INVALID_ID',
  /** More items than a per-resource count allows: subnets or peerings per VNet, routes per route table, address prefixes per VNet (count-limits.ts). */
  COUNT_LIMIT: 'BGPRS_ERR_RS_COUNT_LIMIT',
  /** A virtual network gateway whose ipConfigurations are not all in the VNet's GatewaySubnet (IPv4, /27 or larger) (docs/azure-behaviour.md §4.1). */
  INVALID_GATEWAY_SUBNET: 'BGPRS_ERR_RS_INVALID_GATEWAY_SUBNET',
  /** A VPN gateway that is not active-active with ASN 65515, or a gateway type or SKU routeserver does not run (docs/azure-behaviour.md §4.1). */
  INVALID_GATEWAY: 'BGPRS_ERR_RS_INVALID_GATEWAY',
  /** A second gateway of one type in a VNet (docs/azure-behaviour.md §4.1). */
  GATEWAY_PLACEMENT: 'BGPRS_ERR_RS_GATEWAY_PLACEMENT',
  /** A route server's instances could not start (an address this host cannot bind): the route server is Failed. */
  INSTANCE_START_FAILED: 'BGPRS_ERR_RS_INSTANCE_START_FAILED',
  /** A route map rule without a name, a name used twice, a bad nextStepIfMatched, too many rules (docs/route-maps.md). */
  INVALID_ROUTE_MAP_RULE: 'BGPRS_ERR_RS_INVALID_ROUTE_MAP_RULE',
  /** A route map match criterion that does not parse: condition, prefix, community or ASN (docs/route-maps.md). */
  INVALID_ROUTE_MAP_CRITERION: 'BGPRS_ERR_RS_INVALID_ROUTE_MAP_CRITERION',
  /** A route map action that does not parse or that Azure forbids (docs/route-maps.md). */
  INVALID_ROUTE_MAP_ACTION: 'BGPRS_ERR_RS_INVALID_ROUTE_MAP_ACTION',
  /** As many effective route watches are open as the service allows (route-watch.ts). */
  WATCH_LIMIT: 'BGPRS_ERR_RS_WATCH_LIMIT',
} as const;

export type RouteServerErrorCode = (typeof ROUTE_SERVER_ERROR_CODES)[keyof typeof ROUTE_SERVER_ERROR_CODES];

/** The code a route map problem of each kind is refused with (the API's PUT, the config file). */
export const ROUTE_MAP_PROBLEM_CODES: Readonly<Record<RouteMapProblemKind, RouteServerErrorCode>> = {
  rule: ROUTE_SERVER_ERROR_CODES.INVALID_ROUTE_MAP_RULE,
  criterion: ROUTE_SERVER_ERROR_CODES.INVALID_ROUTE_MAP_CRITERION,
  action: ROUTE_SERVER_ERROR_CODES.INVALID_ROUTE_MAP_ACTION,
};

export class RouteServerError extends CodedError<RouteServerErrorCode> {
  override readonly name = 'RouteServerError';
  constructor(
    code: RouteServerErrorCode,
    message: string,
    /** the ARM JSON path of the request member at fault, e.g. `properties.subnets[1].properties.addressPrefix`; '' for the resource itself */
    readonly target: string,
    /** for INVALID_NETWORK and IN_USE raised by the virtual network model: its code */
    readonly networkCode?: NetworkErrorCode,
  ) {
    super(code, message);
  }
}

export function isRouteServerError(value: unknown): value is RouteServerError {
  return value instanceof RouteServerError;
}

/** The virtual network model's rule codes a RouteServerError's `networkCode` carries (docs/errors.md). */
export const NETWORK_ERROR_CODES = SDN_ERROR_CODES;
export type NetworkErrorCode = SdnErrorCode;
