/**
 * Stable error codes of the BGP session layer (`BGPRS_ERR_*`, listed in docs/errors.md).
 */
import { CodedError } from '../../lib/errors.js';

export type SessionErrorCode =
  | 'BGPRS_ERR_SESSION_NOT_ESTABLISHED'
  | 'BGPRS_ERR_SESSION_UNKNOWN_PEER'
  | 'BGPRS_ERR_SESSION_DUPLICATE_PEER'
  | 'BGPRS_ERR_SESSION_FORBIDDEN_PEER_ASN'
  | 'BGPRS_ERR_SESSION_BAD_CONFIG'
  | 'BGPRS_ERR_SESSION_STOPPED';

/**
 * Reasons a connection is refused at the door (in `connection-refused`
 * events). `RESET_BEFORE_ACCEPT`: the sender reset the connection while it
 * waited in the kernel's accept queue; its source address is gone (see
 * speaker.ts), so it cannot be matched to a peer.
 */
export const REFUSAL_CODES = [
  'BGPRS_ERR_SESSION_REFUSED_UNKNOWN_PEER',
  'BGPRS_ERR_SESSION_REFUSED_PEER_STOPPED',
  'BGPRS_ERR_SESSION_REFUSED_TOO_MANY_CONNECTIONS',
  'BGPRS_ERR_SESSION_REFUSED_RESET_BEFORE_ACCEPT',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export class SessionError extends CodedError<SessionErrorCode> {
  override readonly name = 'SessionError';
}
