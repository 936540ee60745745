/**
 * Connection collision detection (RFC 4271 §6.8).
 *
 * When two TCP connections to the same peer exist and a BGP Identifier is
 * known from an OPEN, the connection initiated by the speaker with the higher
 * BGP Identifier survives (identifiers compared as unsigned 32-bit integers).
 * A connection in Established always wins unless CollisionDetectEstablishedState
 * is set (RFC 4271 §8.1.1), which we never set.
 */
import type { FsmStateName } from './types.js';

/** Who opened a TCP connection: we dialled it (outbound) or the peer did (inbound). */
export type ConnectionDirection = 'outbound' | 'inbound';

/** The direction of the connection that survives a collision between one of each. */
export function survivingDirection(localIdentifier: number, remoteIdentifier: number): ConnectionDirection {
  return localIdentifier >>> 0 > remoteIdentifier >>> 0 ? 'outbound' : 'inbound';
}

export interface CollisionCandidate {
  readonly direction: ConnectionDirection;
  readonly state: FsmStateName;
}

/**
 * RFC 4271 §6.8: which of two connections to the same peer must be dropped
 * (sent OpenCollisionDump), given the peer's BGP Identifier from an OPEN.
 * Returns undefined when no collision is to be resolved (one is Idle, or both
 * still wait for a TCP connection).
 */
export function collisionLoser(
  a: CollisionCandidate,
  b: CollisionCandidate,
  localIdentifier: number,
  remoteIdentifier: number,
): 'a' | 'b' | undefined {
  const live = (s: FsmStateName) => s === 'OpenSent' || s === 'OpenConfirm' || s === 'Established';
  if (!live(a.state) || !live(b.state)) return undefined;
  if (a.state === 'Established') return 'b';
  if (b.state === 'Established') return 'a';
  if (a.direction === b.direction) return 'b';
  const keep = survivingDirection(localIdentifier, remoteIdentifier);
  return a.direction === keep ? 'b' : 'a';
}
