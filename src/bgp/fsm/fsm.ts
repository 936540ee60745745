/**
 * The BGP finite state machine of RFC 4271 §8.2.2, one per TCP connection:
 * `step(state, event, now) → { state, actions }`. No sockets, no timers, no
 * clock reads: timers are `StartTimer`/`StopTimer` actions and their expiry
 * comes back as events, so a session can be replayed from a file of events.
 *
 * Where we deviate from the RFC text (each marked "RFC says / we do" below):
 * - Connect + TcpConnectionFails: RFC says Idle; we go to Active and retry
 *   after ConnectRetryTime, so the peer's own dial is still accepted (BIRD
 *   and FRR behave the same).
 * - A header or OPEN error in Established: RFC §8.2.2 lists events 21-22 with
 *   "FSM Error"; we send the error's own NOTIFICATION, as §6.1 requires.
 * - A NOTIFICATION received in OpenSent: RFC says answer with FSM Error; we
 *   close without answering (a NOTIFICATION is never answered with one).
 * - Automatic restart: leaving a state on an error starts the IdleHoldTimer
 *   (IdleHoldTime × 2^(ConnectRetryCounter-1), capped); its expiry is an
 *   AutomaticStart that keeps the counter. The counter is also zeroed when
 *   Established is reached, so the back-off measures consecutive failures.
 */
import { CeaseSubcode, ErrorCode } from '../codec/index.js';
import type { NotificationMessage, OpenMessage } from '../codec/index.js';
import { LARGE_HOLD_TIME_SECONDS } from './config.js';
import { FsmReasonCode, reason } from './errors.js';
import { buildOpen, negotiate, validateOpen } from './open.js';
import type {
  FsmAction,
  FsmConfig,
  FsmEvent,
  FsmReason,
  FsmState,
  FsmStateName,
  StepResult,
} from './types.js';

/** RFC 6608 FSM Error subcodes. */
const FsmErrorSubcode = { Unspecified: 0, OpenSent: 1, OpenConfirm: 2, Established: 3 } as const;

const MESSAGE_EVENTS = new Set<FsmEvent['type']>([
  'BGPOpen',
  'KeepAliveMsg',
  'UpdateMsg',
  'UpdateMsgErr',
  'NotifMsg',
  'RouteRefreshMsg',
]);

/** The state a peer's FSM starts in. */
export function initialState(config: FsmConfig, now: number): FsmState {
  return {
    name: 'Idle',
    config,
    connectRetryCounter: 0,
    delayOpenRunning: false,
    negotiated: undefined,
    since: now,
    reason: undefined,
  };
}

const start = (timer: 'ConnectRetry' | 'Hold' | 'Keepalive' | 'DelayOpen' | 'IdleHold', seconds: number) =>
  ({ type: 'StartTimer', timer, seconds }) as const;
const stop = (timer: 'ConnectRetry' | 'Hold' | 'Keepalive' | 'DelayOpen' | 'IdleHold') =>
  ({ type: 'StopTimer', timer }) as const;
const send = (notification: NotificationMessage) => ({ type: 'SendNotification', notification }) as const;

function cease(subcode: number): NotificationMessage {
  return { type: 'notification', code: ErrorCode.Cease, subcode, data: new Uint8Array(0) };
}

function notification(code: number, subcode: number): NotificationMessage {
  return { type: 'notification', code, subcode, data: new Uint8Array(0) };
}

function move(
  state: FsmState,
  name: FsmStateName,
  now: number,
  why: FsmReason | undefined,
  patch: Partial<FsmState> = {},
): FsmState {
  if (name === state.name && Object.keys(patch).length === 0) return state;
  return {
    ...state,
    name,
    since: name === state.name ? state.since : now,
    reason: why ?? state.reason,
    ...patch,
  };
}

interface IdleOptions {
  readonly notification?: NotificationMessage;
  readonly counter: 'increment' | 'zero' | 'keep';
  readonly restart: boolean;
}

function idleHoldSeconds(config: FsmConfig, counter: number): number {
  const factor = 2 ** Math.min(Math.max(counter - 1, 0), 16);
  return Math.min(config.idleHoldTimeSeconds * factor, config.maxIdleHoldTimeSeconds);
}

/** Leaves for Idle: NOTIFICATION (if any), timers stopped, routes deleted, TCP dropped. */
function toIdle(state: FsmState, now: number, why: FsmReason, options: IdleOptions): StepResult {
  const counter =
    options.counter === 'zero'
      ? 0
      : options.counter === 'increment'
        ? state.connectRetryCounter + 1
        : state.connectRetryCounter;
  const actions: FsmAction[] = [];
  if (options.notification) actions.push(send(options.notification));
  actions.push(stop('ConnectRetry'), stop('Hold'), stop('Keepalive'), stop('DelayOpen'));
  if (state.name === 'Established') actions.push({ type: 'DeleteRoutes' });
  actions.push({ type: 'Disconnect' });
  if (options.restart && state.config.allowAutomaticStart) {
    actions.push(start('IdleHold', idleHoldSeconds(state.config, counter)));
  }
  const next = move(state, 'Idle', now, why, {
    connectRetryCounter: counter,
    delayOpenRunning: false,
    negotiated: undefined,
  });
  return { state: next, actions };
}

/** The NOTIFICATION for an event a state does not expect (RFC 6608). */
function unexpected(state: FsmState, event: FsmEvent, now: number): StepResult {
  const name = state.name;
  const hasOpenBeenSent = name === 'OpenSent' || name === 'OpenConfirm' || name === 'Established';
  const subcode =
    hasOpenBeenSent && MESSAGE_EVENTS.has(event.type) ? FsmErrorSubcode[name] : FsmErrorSubcode.Unspecified;
  return toIdle(state, now, reason(FsmReasonCode.UnexpectedEvent, `${event.type} in ${state.name}`), {
    ...(hasOpenBeenSent ? { notification: notification(ErrorCode.FiniteStateMachine, subcode) } : {}),
    counter: 'increment',
    restart: true,
  });
}

/** Idle → Connect (dial) or Active (listen only). */
function begin(state: FsmState, now: number, passive: boolean, why: FsmReason, counter: number): StepResult {
  const actions: FsmAction[] = [
    stop('IdleHold'),
    start('ConnectRetry', state.config.connectRetryTimeSeconds),
  ];
  if (!passive) actions.push({ type: 'Connect' });
  const next = move(state, passive ? 'Active' : 'Connect', now, why, { connectRetryCounter: counter });
  return { state: next, actions };
}

function stepIdle(state: FsmState, event: FsmEvent, now: number): StepResult {
  const passive = state.config.passive;
  switch (event.type) {
    case 'ManualStart':
      return begin(state, now, passive, reason(FsmReasonCode.ManualStart, 'manual start'), 0);
    case 'ManualStart_with_PassiveTcpEstablishment':
      return begin(state, now, true, reason(FsmReasonCode.ManualStart, 'manual start (passive)'), 0);
    case 'AutomaticStart':
    case 'IdleHoldTimer_Expires':
      return begin(
        state,
        now,
        passive,
        reason(FsmReasonCode.AutomaticStart, event.type),
        state.connectRetryCounter,
      );
    case 'AutomaticStart_with_PassiveTcpEstablishment':
      return begin(
        state,
        now,
        true,
        reason(FsmReasonCode.AutomaticStart, event.type),
        state.connectRetryCounter,
      );
    case 'ManualStop':
    case 'ManualStop_with_Cease':
      // RFC says ignore; we also cancel a pending automatic restart.
      return {
        state: move(state, 'Idle', now, reason(FsmReasonCode.ManualStop, 'manual stop')),
        actions: [stop('IdleHold')],
      };
    default:
      return { state, actions: [] };
  }
}

/** TCP is up in Connect/Active: send OPEN, or wait DelayOpenTime first. */
function connected(state: FsmState, now: number): StepResult {
  const { config } = state;
  const why = reason(FsmReasonCode.TcpConnected, 'TCP connection established');
  if (config.delayOpenTimeSeconds > 0) {
    return {
      state: move(state, state.name, now, why, { delayOpenRunning: true }),
      actions: [stop('ConnectRetry'), start('DelayOpen', config.delayOpenTimeSeconds)],
    };
  }
  return sendOpen(state, now, why);
}

function sendOpen(state: FsmState, now: number, why: FsmReason): StepResult {
  return {
    state: move(state, 'OpenSent', now, why, { delayOpenRunning: false }),
    actions: [
      stop('ConnectRetry'),
      stop('DelayOpen'),
      { type: 'SendOpen', open: buildOpen(state.config) },
      start('Hold', LARGE_HOLD_TIME_SECONDS),
    ],
  };
}

/** ManualStop / AutomaticStop before OPEN: Cease only if DelayOpen runs (RFC 4271 §8.2.2). */
function stopBeforeOpen(state: FsmState, event: FsmEvent, now: number): StepResult {
  const manual = event.type.startsWith('Manual');
  const withCease = 'notification' in event ? event.notification : cease(CeaseSubcode.AdministrativeShutdown);
  const why = reason(manual ? FsmReasonCode.ManualStop : FsmReasonCode.AutomaticStop, event.type);
  return toIdle(state, now, why, {
    ...(state.delayOpenRunning ? { notification: withCease } : {}),
    counter: manual ? 'zero' : 'increment',
    restart: !manual,
  });
}

/** ConnectRetryTimer expiry: dial again (Connect), or keep listening when passive. */
function connectRetryExpired(state: FsmState, now: number): StepResult {
  const dial = !state.config.passive;
  const actions: FsmAction[] = [stop('DelayOpen')];
  if (state.name === 'Connect') actions.unshift({ type: 'Disconnect' });
  actions.push(start('ConnectRetry', state.config.connectRetryTimeSeconds));
  if (dial) actions.push({ type: 'Connect' });
  const why = reason(FsmReasonCode.ConnectRetry, 'ConnectRetryTimer expired');
  return { state: move(state, dial ? 'Connect' : 'Active', now, why, { delayOpenRunning: false }), actions };
}

/** TCP fails before OPEN was sent or received. */
function tcpFailedBeforeOpen(state: FsmState, now: number): StepResult {
  const why = reason(FsmReasonCode.TcpFailed, 'TCP connection failed');
  if (state.name === 'Connect' || state.delayOpenRunning) {
    // RFC says Idle (Connect without DelayOpen); we keep listening in Active.
    const actions: FsmAction[] = [
      { type: 'Disconnect' },
      stop('DelayOpen'),
      start('ConnectRetry', state.config.connectRetryTimeSeconds),
    ];
    return { state: move(state, 'Active', now, why, { delayOpenRunning: false }), actions };
  }
  return toIdle(state, now, why, { counter: 'increment', restart: true });
}

/** Connect and Active share most transitions (RFC 4271 §8.2.2). */
function stepConnectOrActive(state: FsmState, event: FsmEvent, now: number): StepResult {
  switch (event.type) {
    case 'ManualStop':
    case 'ManualStop_with_Cease':
    case 'AutomaticStop':
    case 'AutomaticStop_with_Cease':
      return stopBeforeOpen(state, event, now);
    case 'ConnectRetryTimer_Expires':
      return connectRetryExpired(state, now);
    case 'DelayOpenTimer_Expires':
      return sendOpen(state, now, reason(FsmReasonCode.DelayOpenExpired, 'DelayOpenTimer expired'));
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Invalid':
      return { state, actions: [] };
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return connected(state, now);
    case 'TcpConnectionFails':
      return tcpFailedBeforeOpen(state, now);
    case 'BGPOpen':
      if (state.delayOpenRunning) return receiveOpen(state, event.open, now, true);
      return unexpected(state, event, now);
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      // RFC 4271 §8.1.1 SendNOTIFICATIONwithoutOPEN: we do send it.
      return toIdle(state, now, errorReason(event.type, event.notification), {
        notification: event.notification,
        counter: 'increment',
        restart: true,
      });
    case 'NotifMsgVerErr':
      return toIdle(state, now, notificationReason(event.notification), {
        counter: state.delayOpenRunning ? 'keep' : 'increment',
        restart: true,
      });
    default:
      return unexpected(state, event, now);
  }
}

function errorReason(
  type: 'BGPHeaderErr' | 'BGPOpenMsgErr' | 'UpdateMsgErr',
  n: NotificationMessage,
): FsmReason {
  const code =
    type === 'BGPHeaderErr'
      ? FsmReasonCode.HeaderError
      : type === 'BGPOpenMsgErr'
        ? FsmReasonCode.OpenMessageError
        : FsmReasonCode.UpdateMessageError;
  return reason(code, `${type}: NOTIFICATION ${n.code}/${n.subcode} sent`);
}

function notificationReason(n: NotificationMessage): FsmReason {
  const text = n.shutdownCommunication !== undefined ? ` "${n.shutdownCommunication}"` : '';
  return reason(FsmReasonCode.NotificationReceived, `NOTIFICATION ${n.code}/${n.subcode} received${text}`);
}

/**
 * A valid OPEN in OpenSent (event 19) or with the DelayOpenTimer running
 * (event 20): validate, negotiate, and go to OpenConfirm.
 */
function receiveOpen(state: FsmState, open: OpenMessage, now: number, delayed: boolean): StepResult {
  const rejection = validateOpen(open, state.config);
  if (rejection) {
    return toIdle(state, now, reason(rejection.code, rejection.text), {
      notification: rejection.notification,
      counter: 'increment',
      restart: true,
    });
  }
  const negotiated = negotiate(state.config, open);
  const actions: FsmAction[] = [stop('ConnectRetry'), stop('DelayOpen')];
  if (delayed) actions.push({ type: 'SendOpen', open: buildOpen(state.config) });
  actions.push({ type: 'SetCodecContext', context: negotiated.context }, { type: 'SendKeepalive' });
  if (negotiated.holdTimeSeconds > 0) {
    actions.push(start('Keepalive', negotiated.keepaliveSeconds), start('Hold', negotiated.holdTimeSeconds));
  } else {
    actions.push(stop('Keepalive'), stop('Hold'));
  }
  const why = reason(FsmReasonCode.OpenReceived, `OPEN accepted, hold time ${negotiated.holdTimeSeconds} s`);
  return { state: move(state, 'OpenConfirm', now, why, { negotiated, delayOpenRunning: false }), actions };
}

/** Events every state from OpenSent on handles alike. */
function stepOpened(state: FsmState, event: FsmEvent, now: number): StepResult | undefined {
  const established = state.name === 'Established';
  switch (event.type) {
    case 'ManualStop':
    case 'ManualStop_with_Cease':
      return toIdle(state, now, reason(FsmReasonCode.ManualStop, 'manual stop'), {
        notification:
          'notification' in event ? event.notification : cease(CeaseSubcode.AdministrativeShutdown),
        counter: 'zero',
        restart: false,
      });
    case 'AutomaticStop':
    case 'AutomaticStop_with_Cease':
      return toIdle(state, now, reason(FsmReasonCode.AutomaticStop, 'automatic stop'), {
        notification: 'notification' in event ? event.notification : cease(CeaseSubcode.AdministrativeReset),
        counter: 'increment',
        restart: true,
      });
    case 'HoldTimer_Expires':
      return toIdle(state, now, reason(FsmReasonCode.HoldTimerExpired, 'HoldTimer expired'), {
        notification: notification(ErrorCode.HoldTimerExpired, 0),
        counter: 'increment',
        restart: true,
      });
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Invalid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      // A second connection is a collision; the session runs it in its own FSM (RFC 4271 §6.8).
      return { state, actions: [] };
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
    case 'UpdateMsgErr':
      return toIdle(state, now, errorReason(event.type, event.notification), {
        notification: event.notification,
        counter: 'increment',
        restart: true,
      });
    case 'OpenCollisionDump':
      return toIdle(state, now, reason(FsmReasonCode.CollisionDump, 'connection collision (RFC 4271 §6.8)'), {
        notification: cease(CeaseSubcode.ConnectionCollisionResolution),
        counter: 'increment',
        restart: true,
      });
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return toIdle(state, now, notificationReason(event.notification), {
        counter: event.type === 'NotifMsgVerErr' && !established ? 'keep' : 'increment',
        restart: true,
      });
    case 'TcpConnectionFails':
      if (state.name === 'OpenSent') {
        const why = reason(FsmReasonCode.TcpFailed, 'TCP connection failed');
        return {
          state: move(state, 'Active', now, why),
          actions: [
            { type: 'Disconnect' },
            stop('Hold'),
            start('ConnectRetry', state.config.connectRetryTimeSeconds),
          ],
        };
      }
      return toIdle(state, now, reason(FsmReasonCode.TcpFailed, 'TCP connection failed'), {
        counter: 'increment',
        restart: true,
      });
    default:
      return undefined;
  }
}

function restartHold(state: FsmState): FsmAction[] {
  const hold = state.negotiated?.holdTimeSeconds ?? 0;
  return hold > 0 ? [start('Hold', hold)] : [];
}

function keepaliveTick(state: FsmState): FsmAction[] {
  const keepalive = state.negotiated?.keepaliveSeconds ?? 0;
  return keepalive > 0 ? [{ type: 'SendKeepalive' }, start('Keepalive', keepalive)] : [];
}

function stepOpenSent(state: FsmState, event: FsmEvent, now: number): StepResult {
  if (event.type === 'BGPOpen') return receiveOpen(state, event.open, now, false);
  return stepOpened(state, event, now) ?? unexpected(state, event, now);
}

function stepOpenConfirm(state: FsmState, event: FsmEvent, now: number): StepResult {
  switch (event.type) {
    case 'KeepaliveTimer_Expires':
      return { state, actions: keepaliveTick(state) };
    case 'KeepAliveMsg': {
      const why = reason(FsmReasonCode.KeepaliveReceived, 'KEEPALIVE received in OpenConfirm');
      return {
        state: move(state, 'Established', now, why, { connectRetryCounter: 0 }),
        actions: restartHold(state),
      };
    }
    default:
      return stepOpened(state, event, now) ?? unexpected(state, event, now);
  }
}

function stepEstablished(state: FsmState, event: FsmEvent, now: number): StepResult {
  switch (event.type) {
    case 'KeepaliveTimer_Expires':
      return { state, actions: keepaliveTick(state) };
    case 'KeepAliveMsg':
    case 'UpdateMsg':
    case 'RouteRefreshMsg':
      return { state, actions: restartHold(state) };
    default:
      return stepOpened(state, event, now) ?? unexpected(state, event, now);
  }
}

/** RFC 4271 §8.2.2: one event in, the next state and the actions to run out. */
export function step(state: FsmState, event: FsmEvent, now: number): StepResult {
  switch (state.name) {
    case 'Idle':
      return stepIdle(state, event, now);
    case 'Connect':
    case 'Active':
      return stepConnectOrActive(state, event, now);
    case 'OpenSent':
      return stepOpenSent(state, event, now);
    case 'OpenConfirm':
      return stepOpenConfirm(state, event, now);
    case 'Established':
      return stepEstablished(state, event, now);
  }
}
