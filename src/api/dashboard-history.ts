/**
 * What the dashboard shows about sessions over time, kept in this process's
 * memory and bounded (docs/dashboard.md, History): per session the time it
 * entered its state, how often it left Established (flaps) and its last
 * NOTIFICATION; the last state changes; and route counts per session sampled
 * at a fixed interval over a fixed window. Nothing here survives a restart.
 */

/** A BGP session of one instance with one peer, as the BGP runtime counts it (src/runtime/types.ts). */
export interface SessionCounters {
  readonly routeServerId: string;
  readonly connectionId: string;
  readonly peerIp: string;
  readonly instance: string;
  readonly localAddress: string;
  readonly state: string;
  readonly learned: number;
  readonly advertised: number;
  readonly updatesReceived: number;
  readonly prefixesAnnounced: number;
  readonly prefixesWithdrawn: number;
}

/** The session events the dashboard follows, in plain data (src/bgp/session/events.ts). */
export type DashboardSessionEvent =
  | {
      readonly type: 'state';
      readonly localAddress: string;
      readonly peer: string;
      readonly from: string;
      readonly to: string;
    }
  | {
      readonly type: 'notification';
      readonly direction: 'sent' | 'received';
      readonly localAddress: string;
      readonly peer: string;
      /** e.g. `Cease / Administrative Shutdown` */
      readonly name: string;
    }
  | { readonly type: 'update'; readonly localAddress: string; readonly peer: string };

interface StateChange {
  readonly at: number;
  readonly localAddress: string;
  readonly peer: string;
  readonly from: string;
  readonly to: string;
}

interface SessionRecord {
  /** when the session entered its current state (ms since the epoch); absent before the first change seen */
  since?: number;
  flaps: number;
  lastNotification?: { readonly at: number; readonly direction: 'sent' | 'received'; readonly name: string };
}

export interface HistoryOptions {
  /** the interval between two samples of the route counts */
  readonly sampleMs: number;
  /** how many samples are kept (the window is sampleMs × samples) */
  readonly samples: number;
  /** how many state changes are kept */
  readonly stateChanges: number;
}

/** Six hours at one sample per 30 s; the last 1,000 state changes. */
export const DEFAULT_HISTORY: HistoryOptions = { sampleMs: 30_000, samples: 720, stateChanges: 1000 };

/** `localAddress|peer`: one session of one instance. */
export function sessionKey(localAddress: string, peer: string): string {
  return `${localAddress}|${peer}`;
}

/** Route counts over time, one column per session: `times[i]` is when `learned[key][i]` was read. */
interface HistorySnapshot {
  readonly sampleMs: number;
  readonly times: readonly number[];
  readonly learned: Readonly<Record<string, readonly (number | null)[]>>;
  readonly stateChanges: readonly StateChange[];
}

export class SessionHistory {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly changes: StateChange[] = [];
  private readonly times: number[] = [];
  private readonly learned = new Map<string, (number | null)[]>();

  constructor(private readonly options: HistoryOptions = DEFAULT_HISTORY) {}

  /** Records one session event at `now`. */
  record(event: DashboardSessionEvent, now: number): void {
    if (event.type === 'update') return;
    const key = sessionKey(event.localAddress, event.peer);
    let session = this.sessions.get(key);
    if (session === undefined) this.sessions.set(key, (session = { flaps: 0 }));
    if (event.type === 'notification') {
      session.lastNotification = { at: now, direction: event.direction, name: event.name };
      return;
    }
    session.since = now;
    if (event.from === 'Established') session.flaps += 1;
    this.changes.push({
      at: now,
      localAddress: event.localAddress,
      peer: event.peer,
      from: event.from,
      to: event.to,
    });
    if (this.changes.length > this.options.stateChanges)
      this.changes.splice(0, this.changes.length - this.options.stateChanges);
  }

  /** Adds one sample of every session's learned-route count; the oldest falls out past the window. */
  sample(sessions: readonly SessionCounters[], now: number): void {
    const seen = new Set<string>();
    const index = this.times.length;
    this.times.push(now);
    for (const session of sessions) {
      const key = sessionKey(session.localAddress, session.peerIp);
      seen.add(key);
      let column = this.learned.get(key);
      if (column === undefined) this.learned.set(key, (column = new Array<number | null>(index).fill(null)));
      column.push(session.learned);
    }
    for (const [key, column] of this.learned) if (!seen.has(key)) column.push(null);
    const excess = this.times.length - this.options.samples;
    if (excess > 0) {
      this.times.splice(0, excess);
      for (const [key, column] of this.learned) {
        column.splice(0, excess);
        if (column.every((value) => value === null)) this.learned.delete(key);
      }
    }
  }

  session(localAddress: string, peer: string): SessionRecord | undefined {
    return this.sessions.get(sessionKey(localAddress, peer));
  }

  snapshot(): HistorySnapshot {
    return {
      sampleMs: this.options.sampleMs,
      times: [...this.times],
      learned: Object.fromEntries([...this.learned].map(([key, column]) => [key, [...column]])),
      stateChanges: [...this.changes],
    };
  }
}
