/**
 * Bidirectional Forwarding Detection for BGP peerings: RFC 5880
 * (asynchronous mode), RFC 5881 (single hop, UDP 3784), RFC 5883 (multihop,
 * UDP 4784). docs/bfd.md describes what it changes relative to Azure.
 *
 * - packet.ts: the Control packet codec and its reception checks
 * - session.ts: one session's state machine and timers (clock injected)
 * - endpoint.ts: the sessions of one local address over node:dgram
 * - settings.ts: a peering's settings, defaults and ranges
 */
export { BfdDiagnostic, BfdState, decodeControlPacket, encodeControlPacket } from './packet.js';
export type { BfdStateName, ControlPacket } from './packet.js';
export { BfdSession } from './session.js';
export type { BfdStateChange, BfdTimers } from './session.js';
export { BFD_CHANNEL, BfdEndpoint, MULTIHOP_PORT, SINGLE_HOP_PORT } from './endpoint.js';
export type { BfdEvent, BfdPeerConfig } from './endpoint.js';
export {
  BFD_DEFAULTS,
  BFD_INTERVAL_RANGE_MS,
  BFD_MULTIPLIER_RANGE,
  bfdSettingsProblem,
  bfdTimers,
} from './settings.js';
export type { BfdSettings } from './settings.js';
