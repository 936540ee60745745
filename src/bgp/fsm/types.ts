/**
 * Types of the sans-I/O BGP finite state machine: configuration, state,
 * events (RFC 4271 §8.1 names) and actions (what the caller must do).
 *
 * RFCs: 4271 §8 (FSM), §8.1.1 (optional session attributes), §10 (timers),
 * 6608 (FSM error subcodes), 4486 (Cease subcodes).
 */
import type { AfiSafi, CodecContext, NotificationMessage, OpenMessage } from '../codec/index.js';

/** RFC 4271 §8.2.2 states. */
export type FsmStateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

/** The timers of RFC 4271 §8 (IdleHold: §8.1.1, used here for automatic restart). */
export type TimerName = 'ConnectRetry' | 'Hold' | 'Keepalive' | 'DelayOpen' | 'IdleHold';

/** ADD-PATH per family as we advertise it (RFC 7911 §4). */
export interface AddPathSetting extends AfiSafi {
  readonly receive: boolean;
  readonly send: boolean;
}

/**
 * Per-peer FSM configuration. Times are seconds. Defaults (see `fsmConfig`)
 * follow Azure Route Server: hold 180 s, keepalive 60 s.
 */
export interface FsmConfig {
  readonly localAs: number;
  /** our BGP Identifier as an unsigned 32-bit number */
  readonly localIdentifier: number;
  /** the AS the peer must present (RFC 4271 §6.2 Bad Peer AS otherwise) */
  readonly peerAs: number;
  readonly holdTimeSeconds: number;
  /** upper bound for the negotiated keepalive; hold/3 when absent */
  readonly keepaliveSeconds?: number;
  readonly connectRetryTimeSeconds: number;
  /** RFC 4271 §8.1.1 PassiveTcpEstablishment: never dial, only accept */
  readonly passive: boolean;
  /** RFC 4271 §8.1.1 DelayOpen / DelayOpenTime (0 = off) */
  readonly delayOpenTimeSeconds: number;
  /** first automatic restart delay after an error; doubles with ConnectRetryCounter */
  readonly idleHoldTimeSeconds: number;
  readonly maxIdleHoldTimeSeconds: number;
  /** RFC 4271 §8.1.1 AllowAutomaticStart: restart after IdleHoldTime when a session fails */
  readonly allowAutomaticStart: boolean;
  /** address families we advertise (RFC 4760 Multiprotocol capability) */
  readonly families: readonly AfiSafi[];
  readonly addPath: readonly AddPathSetting[];
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly extendedMessage: boolean;
  readonly fourOctetAs: boolean;
  /**
   * RFC 4724 graceful restart: advertise the capability for `families`;
   * absent: no capability (Azure Route Server's behaviour)
   */
  readonly gracefulRestart?: GracefulRestartConfig;
}

/** What we advertise in the Graceful Restart Capability (RFC 4724 §3). */
export interface GracefulRestartConfig {
  /** Restart Time: how long the peer keeps our routes after our session ends (1-4095 s) */
  readonly restartTimeSeconds: number;
  /** Restart State (R): set in the OPENs of the first session after we started */
  readonly restarting: boolean;
}

/** Graceful restart negotiated on a session: both sides advertised the capability (RFC 4724 §3, §4). */
export interface NegotiatedGracefulRestart {
  /** the peer's Restart Time: how long we keep its routes, stale, once the session ends */
  readonly peerRestartTimeSeconds: number;
  /** the peer's Restart State bit: it has just restarted */
  readonly peerRestarting: boolean;
  /**
   * families of the session the peer listed, with its Forwarding State bit:
   * routes of a family not listed, or listed without F, are not kept (§4.2)
   */
  readonly families: readonly (AfiSafi & { readonly forwardingPreserved: boolean })[];
}

/** The outcome of OPEN negotiation, kept in state while the session is up. */
export interface Negotiated {
  /** what the codec needs from here on */
  readonly context: CodecContext;
  readonly holdTimeSeconds: number;
  readonly keepaliveSeconds: number;
  /** the peer's AS (4-octet capability value when present) */
  readonly peerAs: number;
  readonly peerIdentifier: number;
  /** families both sides advertised */
  readonly families: readonly AfiSafi[];
  /** the peer advertised route refresh (RFC 2918 §4: we may send ROUTE-REFRESH) */
  readonly peerRouteRefresh: boolean;
  /** both sides advertised enhanced route refresh (RFC 7313 §4) */
  readonly enhancedRouteRefresh: boolean;
  /** the peer's OPEN, as received */
  readonly peerOpen: OpenMessage;
  /** RFC 4724: both sides advertised graceful restart */
  readonly gracefulRestart?: NegotiatedGracefulRestart;
}

/** Why the FSM left a state, with a stable code. */
export interface FsmReason {
  readonly code: string;
  readonly text: string;
}

export interface FsmState {
  readonly name: FsmStateName;
  readonly config: FsmConfig;
  /** RFC 4271 §8: counts failed attempts; here also reset on reaching Established */
  readonly connectRetryCounter: number;
  /** true while the DelayOpenTimer runs (RFC 4271 §8.2.2, events 12 and 20) */
  readonly delayOpenRunning: boolean;
  readonly negotiated: Negotiated | undefined;
  /** clock time (ms) of the last state change */
  readonly since: number;
  readonly reason: FsmReason | undefined;
}

// ---------------------------------------------------------------- events (RFC 4271 §8.1)

type Simple<T extends string> = { readonly type: T };

export type FsmEvent =
  | Simple<'ManualStart'> // 1
  | Simple<'ManualStop'> // 2
  | Simple<'AutomaticStart'> // 3
  | Simple<'ManualStart_with_PassiveTcpEstablishment'> // 4
  | Simple<'AutomaticStart_with_PassiveTcpEstablishment'> // 5
  | Simple<'AutomaticStop'> // 8
  | Simple<'ConnectRetryTimer_Expires'> // 9
  | Simple<'HoldTimer_Expires'> // 10
  | Simple<'KeepaliveTimer_Expires'> // 11
  | Simple<'DelayOpenTimer_Expires'> // 12
  | Simple<'IdleHoldTimer_Expires'> // 13
  | Simple<'TcpConnection_Valid'> // 14
  | Simple<'Tcp_CR_Invalid'> // 15
  | Simple<'Tcp_CR_Acked'> // 16
  | Simple<'TcpConnectionConfirmed'> // 17
  | Simple<'TcpConnectionFails'> // 18
  | { readonly type: 'BGPOpen'; readonly open: OpenMessage } // 19 (and 20 when DelayOpen runs)
  | { readonly type: 'BGPHeaderErr'; readonly notification: NotificationMessage } // 21
  | { readonly type: 'BGPOpenMsgErr'; readonly notification: NotificationMessage } // 22
  | Simple<'OpenCollisionDump'> // 23
  | { readonly type: 'NotifMsgVerErr'; readonly notification: NotificationMessage } // 24
  | { readonly type: 'NotifMsg'; readonly notification: NotificationMessage } // 25
  | Simple<'KeepAliveMsg'> // 26
  | Simple<'UpdateMsg'> // 27
  | { readonly type: 'UpdateMsgErr'; readonly notification: NotificationMessage } // 28
  /** RFC 2918 ROUTE-REFRESH received (not an RFC 4271 event; restarts the HoldTimer like an UPDATE) */
  | Simple<'RouteRefreshMsg'>
  /** AutomaticStop with a chosen Cease subcode/communication (RFC 4486, RFC 9003) */
  | { readonly type: 'AutomaticStop_with_Cease'; readonly notification: NotificationMessage }
  /** ManualStop with a chosen Cease subcode/communication (RFC 4486, RFC 9003) */
  | { readonly type: 'ManualStop_with_Cease'; readonly notification: NotificationMessage };

export type FsmEventType = FsmEvent['type'];

// ---------------------------------------------------------------- actions

export type FsmAction =
  /** initiate a TCP connection to the peer */
  | { readonly type: 'Connect' }
  /** drop the TCP connection (after the queued messages went out) */
  | { readonly type: 'Disconnect' }
  | { readonly type: 'SendOpen'; readonly open: OpenMessage }
  | { readonly type: 'SendKeepalive' }
  | { readonly type: 'SendNotification'; readonly notification: NotificationMessage }
  | { readonly type: 'StartTimer'; readonly timer: TimerName; readonly seconds: number }
  | { readonly type: 'StopTimer'; readonly timer: TimerName }
  /** OPEN negotiation done: switch the codec to this context */
  | { readonly type: 'SetCodecContext'; readonly context: CodecContext }
  /** leaving Established: every route learned on this session must go (RFC 4271 §8.2.2) */
  | { readonly type: 'DeleteRoutes' };

export interface StepResult {
  readonly state: FsmState;
  readonly actions: readonly FsmAction[];
}
