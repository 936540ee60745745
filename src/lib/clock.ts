/**
 * Time, injected: a `Clock` gives the current time and one-shot timers, so
 * code that runs protocol timers (BGP ConnectRetry, Hold, Keepalive) can be
 * driven by the real clock in production and by a `ManualClock` in tests.
 *
 * Timers are coarse by design: BGP timers are whole seconds (RFC 4271 §10),
 * so the system clock uses plain `setTimeout` (Node keeps one list per
 * duration, which is what a timer wheel would give us) and unrefs every
 * timer, so a pending protocol timer never keeps a process alive on its own.
 */

/** A scheduled callback; `cancel` is idempotent. */
export interface TimerHandle {
  cancel(): void;
  /** The clock time (ms) the timer is due at. */
  readonly dueAt: number;
}

export interface Clock {
  /** Milliseconds; monotonic for the system clock. */
  now(): number;
  /** Runs `callback` once after `delayMs`. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}

/** The process clock: `performance.now()` (monotonic) and unref'd `setTimeout`. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(delayMs, callback) {
    const dueAt = performance.now() + delayMs;
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref();
    return { dueAt, cancel: () => clearTimeout(timer) };
  },
};

interface ManualTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to. `advance(ms)` fires every timer due
 * within the step in due order (equal due times in creation order), including
 * timers scheduled by callbacks that fall inside the step.
 */
export class ManualClock implements Clock {
  private time: number;
  private nextId = 0;
  private timers: ManualTimer[] = [];

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer: ManualTimer = {
      id: this.nextId++,
      dueAt: this.time + Math.max(0, delayMs),
      callback,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      dueAt: timer.dueAt,
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: ManualTimer | undefined;
      for (const t of this.timers) {
        if (t.dueAt <= end && (!next || t.dueAt < next.dueAt || (t.dueAt === next.dueAt && t.id < next.id)))
          next = t;
      }
      if (!next) break;
      this.time = next.dueAt;
      next.cancelled = true;
      next.callback();
    }
    this.time = end;
  }
}
