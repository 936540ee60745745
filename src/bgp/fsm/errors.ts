/**
 * Stable reason codes of the BGP FSM: why a session left a state. They travel
 * in `FsmState.reason` and in the session's state-change events.
 */
import type { FsmReason } from './types.js';

export const FsmReasonCode = {
  ManualStart: 'BGPRS_ERR_FSM_MANUAL_START',
  AutomaticStart: 'BGPRS_ERR_FSM_AUTOMATIC_START',
  ManualStop: 'BGPRS_ERR_FSM_MANUAL_STOP',
  AutomaticStop: 'BGPRS_ERR_FSM_AUTOMATIC_STOP',
  TcpConnected: 'BGPRS_ERR_FSM_TCP_CONNECTED',
  TcpFailed: 'BGPRS_ERR_FSM_TCP_FAILED',
  ConnectRetry: 'BGPRS_ERR_FSM_CONNECT_RETRY',
  HoldTimerExpired: 'BGPRS_ERR_FSM_HOLD_TIMER_EXPIRED',
  OpenReceived: 'BGPRS_ERR_FSM_OPEN_RECEIVED',
  KeepaliveReceived: 'BGPRS_ERR_FSM_KEEPALIVE_RECEIVED',
  DelayOpenExpired: 'BGPRS_ERR_FSM_DELAY_OPEN_EXPIRED',
  BadPeerAs: 'BGPRS_ERR_FSM_BAD_PEER_AS',
  BadBgpIdentifier: 'BGPRS_ERR_FSM_BAD_BGP_IDENTIFIER',
  UnacceptableHoldTime: 'BGPRS_ERR_FSM_UNACCEPTABLE_HOLD_TIME',
  UnsupportedVersion: 'BGPRS_ERR_FSM_UNSUPPORTED_VERSION',
  HeaderError: 'BGPRS_ERR_FSM_HEADER_ERROR',
  OpenMessageError: 'BGPRS_ERR_FSM_OPEN_MESSAGE_ERROR',
  UpdateMessageError: 'BGPRS_ERR_FSM_UPDATE_MESSAGE_ERROR',
  NotificationReceived: 'BGPRS_ERR_FSM_NOTIFICATION_RECEIVED',
  CollisionDump: 'BGPRS_ERR_FSM_COLLISION_DUMP',
  UnexpectedEvent: 'BGPRS_ERR_FSM_UNEXPECTED_EVENT',
} as const;
export type FsmReasonCode = (typeof FsmReasonCode)[keyof typeof FsmReasonCode];

export function reason(code: FsmReasonCode, text: string): FsmReason {
  return { code, text };
}
