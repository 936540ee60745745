/**
 * Stable error codes of the route engine. The engine throws only for
 * programming errors of its caller (a malformed peer description); routing
 * events (route limit, unknown peer) are reported, never thrown.
 */
import { CodedError } from '../lib/errors.js';

export const RIB_ERROR_CODES = {
  /** `peerUp` with an address that is not IPv4/IPv6 text, or a BGP Identifier that is not a u32. */
  INVALID_PEER: 'BGPRS_ERR_RIB_INVALID_PEER',
  /** Engine options out of range (route limit, slice size, local address). */
  INVALID_OPTION: 'BGPRS_ERR_RIB_INVALID_OPTION',
} as const;

export type RibErrorCode = (typeof RIB_ERROR_CODES)[keyof typeof RIB_ERROR_CODES];

export class RibError extends CodedError<RibErrorCode> {
  override readonly name = 'RibError';
}
