/**
 * One run of the FSM over one TCP connection (or one dial), with its timers.
 * A peer has a primary attempt and, during a connection collision (RFC 4271
 * §6.8), a second one for the other connection.
 *
 * Timers: the FSM's StartTimer/StopTimer actions map to clock timers here.
 * The HoldTimer is restarted on every KEEPALIVE and UPDATE, so instead of
 * re-arming a clock timer per message it keeps a deadline and re-arms only
 * when the armed timer fires early. KeepaliveTimer and ConnectRetryTimer get
 * RFC 4271 §10 jitter (× 0.75..1.0).
 *
 * While we have stopped reading the connection (`holdSuspended`: our route
 * engine has a backlog), the peer's KEEPALIVEs wait unread in our socket, so
 * the HoldTimer does not expire: it is re-armed for a full hold time instead,
 * and every message read once reading resumes restarts it as usual.
 */
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../lib/clock.js';
import type { ConnectionDirection, FsmConfig, FsmEvent, FsmState, TimerName } from '../fsm/index.js';
import { initialState } from '../fsm/index.js';
import type { SessionConnection } from './connection.js';

const EXPIRY_EVENT: Record<TimerName, FsmEvent> = {
  ConnectRetry: { type: 'ConnectRetryTimer_Expires' },
  Hold: { type: 'HoldTimer_Expires' },
  Keepalive: { type: 'KeepaliveTimer_Expires' },
  DelayOpen: { type: 'DelayOpenTimer_Expires' },
  IdleHold: { type: 'IdleHoldTimer_Expires' },
};

/** Lateness of fired timers (ms): how far behind its due time the clock ran each callback. */
export class TimerStats {
  fired = 0;
  totalLatenessMs = 0;
  maxLatenessMs = 0;

  record(latenessMs: number): void {
    this.fired++;
    this.totalLatenessMs += latenessMs;
    if (latenessMs > this.maxLatenessMs) this.maxLatenessMs = latenessMs;
  }

  reset(): void {
    this.fired = 0;
    this.totalLatenessMs = 0;
    this.maxLatenessMs = 0;
  }
}

let nextAttemptId = 1;

export class Attempt {
  readonly id = nextAttemptId++;
  state: FsmState;
  connection: SessionConnection | undefined;
  /** an outbound connect in progress */
  dialing: Socket | undefined;
  direction: ConnectionDirection = 'outbound';
  private readonly timers = new Map<TimerName, TimerHandle>();
  private holdDeadline = 0;
  private holdMs = 0;
  /** reading is paused on our side: the HoldTimer must not expire */
  holdSuspended = false;

  constructor(
    config: FsmConfig,
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly stats: TimerStats,
    private readonly onExpiry: (attempt: Attempt, event: FsmEvent) => void,
  ) {
    this.state = initialState(config, clock.now());
  }

  startTimer(timer: TimerName, seconds: number): void {
    const existing = this.timers.get(timer);
    if (timer === 'Hold') {
      this.holdMs = seconds * 1000;
      this.holdDeadline = this.clock.now() + this.holdMs;
      if (existing && existing.dueAt <= this.holdDeadline) return;
    }
    existing?.cancel();
    const jitter = timer === 'Keepalive' || timer === 'ConnectRetry' ? 0.75 + 0.25 * this.random() : 1;
    this.arm(timer, seconds * 1000 * jitter);
  }

  stopTimer(timer: TimerName): void {
    this.timers.get(timer)?.cancel();
    this.timers.delete(timer);
  }

  stopAllTimers(): void {
    for (const handle of this.timers.values()) handle.cancel();
    this.timers.clear();
  }

  isRunning(timer: TimerName): boolean {
    return this.timers.has(timer);
  }

  private arm(timer: TimerName, delayMs: number): void {
    const handle = this.clock.setTimer(delayMs, () => {
      if (this.timers.get(timer) !== handle) return;
      this.timers.delete(timer);
      const now = this.clock.now();
      this.stats.record(Math.max(0, now - handle.dueAt));
      if (timer === 'Hold' && this.holdSuspended) this.holdDeadline = now + this.holdMs;
      if (timer === 'Hold' && now < this.holdDeadline) {
        this.arm('Hold', this.holdDeadline - now);
        return;
      }
      this.onExpiry(this, EXPIRY_EVENT[timer]);
    });
    this.timers.set(timer, handle);
  }
}
