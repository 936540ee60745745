/**
 * Stable error codes of the virtual network model. Every rejected mutation
 * throws an `SdnError` carrying one of these codes, a readable message and
 * the field of the request at fault; the model is left unchanged.
 */
import { CodedError } from '../lib/errors.js';

export const SDN_ERROR_CODES = {
  /** A referenced resource (VNet, subnet, route table, NIC, peering, route server) does not exist. */
  NOT_FOUND: 'BGPRS_ERR_SDN_NOT_FOUND',
  /** A resource with this id already exists. */
  ALREADY_EXISTS: 'BGPRS_ERR_SDN_ALREADY_EXISTS',
  /** An address, prefix or next hop IP is malformed or of the wrong family. */
  INVALID_ADDRESS: 'BGPRS_ERR_SDN_INVALID_ADDRESS',
  /** A resource name is not allowed. */
  INVALID_NAME: 'BGPRS_ERR_SDN_INVALID_NAME',
  /** A VNet needs at least one address space. */
  ADDRESS_SPACE_EMPTY: 'BGPRS_ERR_SDN_ADDRESS_SPACE_EMPTY',
  /** Two address spaces of one VNet overlap. */
  ADDRESS_SPACE_OVERLAP: 'BGPRS_ERR_SDN_ADDRESS_SPACE_OVERLAP',
  /** An address space overlaps a range Azure reserves (multicast, loopback, link-local, 168.63.129.16, broadcast). */
  ADDRESS_SPACE_RESERVED: 'BGPRS_ERR_SDN_ADDRESS_SPACE_RESERVED',
  /** A subnet prefix is not inside any address space of its VNet. */
  SUBNET_OUTSIDE_VNET: 'BGPRS_ERR_SDN_SUBNET_OUTSIDE_VNET',
  /** Two subnets of one VNet overlap. */
  SUBNET_OVERLAP: 'BGPRS_ERR_SDN_SUBNET_OVERLAP',
  /** An IPv4 subnet smaller than /29 or an IPv6 subnet that is not /64. */
  SUBNET_SIZE: 'BGPRS_ERR_SDN_SUBNET_SIZE',
  /** RouteServerSubnet must be /26 or larger. */
  ROUTE_SERVER_SUBNET_TOO_SMALL: 'BGPRS_ERR_SDN_ROUTE_SERVER_SUBNET_TOO_SMALL',
  /** A route server needs a RouteServerSubnet in its VNet; a VNet holds one route server. */
  ROUTE_SERVER_PLACEMENT: 'BGPRS_ERR_SDN_ROUTE_SERVER_PLACEMENT',
  /** RouteServerSubnet and GatewaySubnet host services only: no NICs, and no route table on RouteServerSubnet. */
  SUBNET_RESERVED_FOR_SERVICE: 'BGPRS_ERR_SDN_SUBNET_RESERVED_FOR_SERVICE',
  /** A peering from a VNet to itself, or a second peering between the same two VNets. */
  PEERING_INVALID: 'BGPRS_ERR_SDN_PEERING_INVALID',
  /** Peered VNets (or a VNet and another peer of its peer side) have overlapping address spaces. */
  PEERING_OVERLAP: 'BGPRS_ERR_SDN_PEERING_OVERLAP',
  /** useRemoteGateways without a route server in the remote VNet, with one locally, or on two peerings. */
  REMOTE_GATEWAY: 'BGPRS_ERR_SDN_REMOTE_GATEWAY',
  /** A NIC address is outside its subnet. */
  NIC_ADDRESS_OUTSIDE_SUBNET: 'BGPRS_ERR_SDN_NIC_ADDRESS_OUTSIDE_SUBNET',
  /** A NIC address is one Azure reserves in every subnet (first four, and the IPv4 broadcast address). */
  NIC_ADDRESS_RESERVED: 'BGPRS_ERR_SDN_NIC_ADDRESS_RESERVED',
  /** A NIC address is already used by another NIC in the subnet. */
  NIC_ADDRESS_IN_USE: 'BGPRS_ERR_SDN_NIC_ADDRESS_IN_USE',
  /** A user-defined route is malformed: next hop IP missing/forbidden, duplicate name or prefix. */
  INVALID_ROUTE: 'BGPRS_ERR_SDN_INVALID_ROUTE',
  /** A resource cannot be deleted or changed while something depends on it. */
  IN_USE: 'BGPRS_ERR_SDN_IN_USE',
} as const;

export type SdnErrorCode = (typeof SDN_ERROR_CODES)[keyof typeof SDN_ERROR_CODES];

export class SdnError extends CodedError<SdnErrorCode> {
  override readonly name = 'SdnError';
  constructor(
    code: SdnErrorCode,
    message: string,
    /** The request field at fault, e.g. `addressSpaces[1]` or `privateIpAddress`. */
    readonly field: string,
  ) {
    super(code, message);
  }
}
