/**
 * bgp/fsm: the sans-I/O BGP finite state machine (RFC 4271 §8), one per TCP
 * connection, with OPEN validation, capability negotiation and connection
 * collision detection. No sockets, timers or clock reads.
 *
 * API
 * - `fsmConfig({ localAs, localIdentifier, peerAs, ...overrides })`: a full
 *   configuration with Azure Route Server defaults (hold 180 s, keepalive 60 s).
 * - `initialState(config, now)`, then `step(state, event, now) → { state, actions }`
 *   with the RFC 4271 §8.1 event names. Actions say what to do: Connect,
 *   Disconnect, SendOpen/SendKeepalive/SendNotification, StartTimer/StopTimer
 *   (ConnectRetry, Hold, Keepalive, DelayOpen, IdleHold), SetCodecContext,
 *   DeleteRoutes. Timer expiries come back as events.
 * - `collisionLoser(a, b, localId, remoteId)`: RFC 4271 §6.8.
 * - `validateOpen`, `negotiate`, `buildOpen`: the OPEN exchange on its own.
 * - `encodeEventLine`/`decodeEventLine`: a session as JSON lines of events,
 *   replayable through `step` (see replay.ts).
 *
 * Supported RFCs: see docs/standards.md ("bgp/fsm and bgp/session").
 */
export { step, initialState } from './fsm.js';
export {
  fsmConfig,
  forbiddenPeerAsnReason,
  DEFAULT_CONNECT_RETRY_SECONDS,
  DEFAULT_HOLD_TIME_SECONDS,
  DEFAULT_KEEPALIVE_SECONDS,
  LARGE_HOLD_TIME_SECONDS,
} from './config.js';
export type { FsmConfigInput } from './config.js';
export { collisionLoser, survivingDirection } from './collision.js';
export type { CollisionCandidate, ConnectionDirection } from './collision.js';
export { buildOpen, negotiate, negotiateTimers, presentedAs, validateOpen } from './open.js';
export type { OpenRejection } from './open.js';
export { FsmReasonCode } from './errors.js';
export { actionsJson, decodeEventLine, encodeEventLine, replay } from './replay.js';
export type { RecordedConfig, RecordedEvent } from './replay.js';
export type * from './types.js';
