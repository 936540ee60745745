/**
 * One BFD session in asynchronous mode (RFC 5880): the state machine of
 * §6.2 and §6.8.6, timer negotiation (§6.8.2, §6.8.3, §6.8.4), jitter
 * (§6.8.7) and the Poll Sequence (§6.5). It owns no socket: packets go out
 * through `send` and come in through `receive`; time and randomness are
 * injected (src/lib/clock.ts), so a `ManualClock` replays any exchange.
 *
 *               +--+
 *               |  | UP, ADMIN DOWN, TIMER
 *               |  V
 *       DOWN  +------+  INIT
 *    +--------|      |------------+
 *    |        | DOWN |            |
 *    |  +---->|      |<----+      |
 *    |  |     +------+     |      |
 *    |  |  DOWN, ADMIN DOWN, TIMER|
 *    |  |                  |      |
 *    V  |                  |      V
 *  +------+              +------+
 *  | INIT |------------->|  UP  |  (RFC 5880 §6.2)
 *  +------+   INIT, UP   +------+
 *
 * We are always in the Active role (§6.1) and never ask for Demand mode; a
 * peer that does is honoured (§6.8.7: no periodic packets while both are Up
 * and it asks for demand). The Echo function is not offered: Required Min
 * Echo RX Interval is always 0.
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import { BfdDiagnostic } from './packet.js';
import type { BfdStateName, ControlPacket } from './packet.js';

/** The session's own timers, in milliseconds (the peering's `bfd` settings). */
export interface BfdTimers {
  /** bfd.DesiredMinTxInterval once Up */
  readonly desiredMinTxMs: number;
  /** bfd.RequiredMinRxInterval */
  readonly requiredMinRxMs: number;
  /** bfd.DetectMult */
  readonly detectMultiplier: number;
}

export interface BfdStateChange {
  readonly from: BfdStateName;
  readonly to: BfdStateName;
  /** bfd.LocalDiag after the change (why the session went Down) */
  readonly diagnostic: number;
  /** the state the remote system last reported */
  readonly remoteState: BfdStateName;
}

interface BfdSessionOptions {
  readonly clock: Clock;
  /** for jitter; `Math.random` in production */
  readonly random: () => number;
  /** bfd.LocalDiscr: non-zero, unique among the sessions of the local system */
  readonly localDiscriminator: number;
  readonly timers: BfdTimers;
  readonly send: (packet: ControlPacket) => void;
  readonly onStateChange: (change: BfdStateChange) => void;
  /**
   * Runs a callback once pending input has been read (`setImmediate` on
   * Node: the check phase follows the poll phase). An expired Detection
   * Time is confirmed through it, so packets that queued in the socket
   * while the event loop was stalled count before the session is declared
   * Down. Without it (tests on a manual clock) the expiry is final at once.
   */
  readonly afterPendingInput?: (callback: () => void) => void;
}

/** RFC 5880 §6.8.3: while not Up, Desired Min TX is at least one second. */
const SLOW_TX_MICROSECONDS = 1_000_000;

const ms = (microseconds: number): number => microseconds / 1000;

export class BfdSession {
  // RFC 5880 §6.8.1 state variables
  private sessionState: BfdStateName = 'Down';
  private remoteSessionState: BfdStateName = 'Down';
  private remoteDiscriminator = 0;
  private localDiagnostic: number = BfdDiagnostic.None;
  private remoteMinRxMicroseconds = 1;
  private remoteDemandMode = false;
  private remoteDetectMultiplier = 0;
  /** the Desired Min TX Interval the remote system last sent */
  private remoteDesiredMinTxMicroseconds = 0;
  private timers: BfdTimers;

  /** §6.5: a Poll Sequence is in progress (P set on every periodic packet until F comes back) */
  private polling = false;
  /** §6.8.3: the Desired Min TX in force for our own transmissions while an increase is being polled */
  private txMicrosecondsInForce: number;
  /** §6.8.3: the Required Min RX in force for the Detection Time while a decrease is being polled */
  private rxMicrosecondsInForce: number;

  private txTimer: TimerHandle | undefined;
  private lastTxAt: number | undefined;
  private detectTimer: TimerHandle | undefined;
  private lastReceivedAt = 0;
  private stopped = false;

  constructor(private readonly options: BfdSessionOptions) {
    this.timers = options.timers;
    this.txMicrosecondsInForce = this.advertisedDesiredMinTx();
    this.rxMicrosecondsInForce = this.advertisedRequiredMinRx();
  }

  get state(): BfdStateName {
    return this.sessionState;
  }

  get localDiscriminator(): number {
    return this.options.localDiscriminator;
  }

  get diagnostic(): number {
    return this.localDiagnostic;
  }

  /** The interval between our periodic packets before jitter (ms); undefined when none are due. */
  get transmitIntervalMs(): number | undefined {
    if (this.remoteMinRxMicroseconds === 0) return undefined;
    if (
      this.remoteDemandMode &&
      this.sessionState === 'Up' &&
      this.remoteSessionState === 'Up' &&
      !this.polling
    )
      return undefined;
    return ms(Math.max(this.txMicrosecondsInForce, this.remoteMinRxMicroseconds));
  }

  /**
   * RFC 5880 §6.8.4, asynchronous mode: the remote system's Detect Mult times
   * the larger of our Required Min RX and its last Desired Min TX (ms).
   */
  get detectionTimeMs(): number {
    return ms(
      this.remoteDetectMultiplier * Math.max(this.rxMicrosecondsInForce, this.remoteDesiredMinTxMicroseconds),
    );
  }

  get pollInProgress(): boolean {
    return this.polling;
  }

  /** Starts periodic transmission (the Active role). */
  start(): void {
    this.stopped = false;
    this.scheduleTransmit(0);
  }

  /**
   * New timers from the configuration (§6.8.3): a change of Desired Min TX or
   * Required Min RX starts a Poll Sequence; until it ends, a larger TX
   * interval and a smaller RX interval are not yet in force.
   */
  setTimers(timers: BfdTimers): void {
    const beforeTx = this.advertisedDesiredMinTx();
    const beforeRx = this.advertisedRequiredMinRx();
    this.timers = timers;
    this.parametersChanged(beforeTx, beforeRx);
  }

  /**
   * Takes the session to AdminDown (§6.8.16) and sends that once, then stops
   * all timers: the peering's BFD was turned off or the peering removed.
   */
  shutdown(): void {
    if (this.stopped) return;
    const from = this.sessionState;
    this.sessionState = 'AdminDown';
    this.localDiagnostic = BfdDiagnostic.AdministrativelyDown;
    this.transmit(false);
    this.stopped = true;
    this.txTimer?.cancel();
    this.detectTimer?.cancel();
    if (from !== 'AdminDown') this.changed(from);
  }

  /**
   * A packet that passed decoding and was matched to this session by its
   * Your Discriminator (or its addresses, when that is zero): RFC 5880
   * §6.8.6 from "Set bfd.RemoteDiscr" on.
   */
  receive(packet: ControlPacket): void {
    if (this.stopped) return;
    // §6.8.6: Your Discriminator zero is only valid in a packet whose State is Down or AdminDown
    if (packet.yourDiscriminator === 0 && packet.state !== 'Down' && packet.state !== 'AdminDown') return;
    this.remoteDiscriminator = packet.myDiscriminator;
    this.remoteSessionState = packet.state;
    this.remoteDemandMode = packet.demand;
    const remoteMinRxChanged = packet.requiredMinRxMicroseconds !== this.remoteMinRxMicroseconds;
    this.remoteMinRxMicroseconds = packet.requiredMinRxMicroseconds;
    this.remoteDetectMultiplier = packet.detectMultiplier;
    this.remoteDesiredMinTxMicroseconds = packet.desiredMinTxMicroseconds;
    if (packet.final && this.polling) this.pollTerminated();
    if (this.sessionState === 'AdminDown') return;
    this.lastReceivedAt = this.options.clock.now();
    this.armDetection();
    this.transition(packet.state);
    if (packet.poll) this.transmit(true);
    if (remoteMinRxChanged) this.rescheduleTransmit();
  }

  /** §6.8.6, the state table (remote AdminDown counts as a Down signalled by the neighbour). */
  private transition(remote: BfdStateName): void {
    const state = this.sessionState;
    if (remote === 'AdminDown') {
      if (state !== 'Down') this.goDown(BfdDiagnostic.NeighborSignaledSessionDown);
      return;
    }
    if (state === 'Down') {
      if (remote === 'Down') this.setState('Init');
      else if (remote === 'Init') this.setState('Up');
    } else if (state === 'Init') {
      if (remote === 'Init' || remote === 'Up') this.setState('Up');
    } else if (remote === 'Down') this.goDown(BfdDiagnostic.NeighborSignaledSessionDown);
  }

  private goDown(diagnostic: number): void {
    this.localDiagnostic = diagnostic;
    this.setState('Down');
  }

  private setState(to: BfdStateName): void {
    const from = this.sessionState;
    if (from === to) return;
    const beforeTx = this.advertisedDesiredMinTx();
    const beforeRx = this.advertisedRequiredMinRx();
    this.sessionState = to;
    if (to === 'Up') this.localDiagnostic = BfdDiagnostic.None;
    this.parametersChanged(beforeTx, beforeRx);
    this.changed(from);
  }

  private changed(from: BfdStateName): void {
    this.options.onStateChange({
      from,
      to: this.sessionState,
      diagnostic: this.localDiagnostic,
      remoteState: this.remoteSessionState,
    });
  }

  /** §6.8.3: the slow one-second rate while not Up, the configured rate once Up. */
  private advertisedDesiredMinTx(): number {
    const configured = this.timers.desiredMinTxMs * 1000;
    return this.sessionState === 'Up' ? configured : Math.max(configured, SLOW_TX_MICROSECONDS);
  }

  private advertisedRequiredMinRx(): number {
    return this.timers.requiredMinRxMs * 1000;
  }

  /**
   * §6.8.3: new values are advertised at once with P set (§6.5). While Up, a
   * larger TX interval waits for the Final and a smaller RX interval keeps
   * the old Detection Time until then; otherwise they apply now.
   */
  private parametersChanged(beforeTx: number, beforeRx: number): void {
    const tx = this.advertisedDesiredMinTx();
    const rx = this.advertisedRequiredMinRx();
    if (tx === beforeTx && rx === beforeRx) return;
    const up = this.sessionState === 'Up';
    if (!(up && tx > beforeTx)) this.txMicrosecondsInForce = tx;
    if (!(up && rx < beforeRx)) this.rxMicrosecondsInForce = rx;
    if (this.remoteDiscriminator !== 0) this.polling = true;
    else this.pollTerminated();
    this.rescheduleTransmit();
  }

  private pollTerminated(): void {
    this.polling = false;
    this.txMicrosecondsInForce = this.advertisedDesiredMinTx();
    this.rxMicrosecondsInForce = this.advertisedRequiredMinRx();
  }

  private armDetection(delayMs = this.detectionTimeMs): void {
    this.detectTimer?.cancel();
    this.detectTimer = this.options.clock.setTimer(delayMs, () => this.detectionTimerFired());
  }

  private detectionTimerFired(): void {
    const confirm = this.options.afterPendingInput;
    if (confirm === undefined) return this.detectionTimeExpired();
    confirm(() => {
      if (this.stopped) return;
      const left = this.lastReceivedAt + this.detectionTimeMs - this.options.clock.now();
      if (left > 0) this.armDetection(left);
      else this.detectionTimeExpired();
    });
  }

  /** §6.8.4: no packet within the Detection Time; §6.8.1: bfd.RemoteDiscr goes back to zero. */
  private detectionTimeExpired(): void {
    this.detectTimer = undefined;
    this.remoteDiscriminator = 0;
    this.remoteMinRxMicroseconds = 1;
    this.remoteDemandMode = false;
    if (this.sessionState === 'Init' || this.sessionState === 'Up')
      this.goDown(BfdDiagnostic.ControlDetectionTimeExpired);
    this.rescheduleTransmit();
  }

  /**
   * §6.8.7 jitter: each interval is reduced by a random 0–25 % (10–25 % when
   * Detect Mult is 1, so no interval reaches 90 %).
   */
  private jittered(intervalMs: number): number {
    const r = this.options.random();
    const fraction = this.timers.detectMultiplier === 1 ? 0.75 + 0.15 * r : 0.75 + 0.25 * r;
    return intervalMs * fraction;
  }

  private scheduleTransmit(delayMs: number): void {
    this.txTimer?.cancel();
    this.txTimer = this.options.clock.setTimer(delayMs, () => this.periodic());
  }

  private periodic(): void {
    this.txTimer = undefined;
    if (this.stopped) return;
    const interval = this.transmitIntervalMs;
    if (interval !== undefined) this.transmit(false);
    // with no periodic packets due (remote Required Min RX 0, or demand), look again in a second
    this.scheduleTransmit(this.jittered(interval ?? ms(SLOW_TX_MICROSECONDS)));
  }

  /** A shorter interval takes effect now rather than after the packet already scheduled. */
  private rescheduleTransmit(): void {
    if (this.stopped || this.txTimer === undefined) return;
    const interval = this.transmitIntervalMs;
    if (interval === undefined) return;
    const dueAt = (this.lastTxAt ?? this.options.clock.now()) + this.jittered(interval);
    if (dueAt < this.txTimer.dueAt) this.scheduleTransmit(Math.max(0, dueAt - this.options.clock.now()));
  }

  /** Sends one packet: periodic (P while polling) or, for `final`, the answer to a Poll (§6.8.7). */
  private transmit(final: boolean): void {
    if (!final) this.lastTxAt = this.options.clock.now();
    this.options.send({
      diagnostic: this.localDiagnostic,
      state: this.sessionState,
      poll: !final && this.polling,
      final,
      controlPlaneIndependent: false,
      demand: false,
      detectMultiplier: this.timers.detectMultiplier,
      myDiscriminator: this.options.localDiscriminator,
      yourDiscriminator: this.remoteDiscriminator,
      desiredMinTxMicroseconds: this.advertisedDesiredMinTx(),
      requiredMinRxMicroseconds: this.advertisedRequiredMinRx(),
      requiredMinEchoRxMicroseconds: 0,
    });
  }
}
