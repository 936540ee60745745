/**
 * Rate-limited logging of BGP connections refused at the door. A scan or a
 * flood opens thousands of connections a second from one address (or from
 * many); one line each would bury the log. Per window (60 s, opened by the
 * first refusal after a quiet one):
 *
 * - the first refusal from each source is logged on its own line, for up to
 *   `sourcesLogged` sources (20), so a new or misconfigured NVA still shows
 *   up by name at once;
 * - everything else is counted, and when the window closes one summary line
 *   says how many were not logged, from how many sources, the busiest
 *   sources and the reasons. No summary when nothing was held back.
 *
 * Memory stays bounded: at most `sourcesTracked` (1,024) addresses are
 * counted one by one per window; refusals from further addresses are
 * counted together (`refusedFromOtherSources`). Every
 * refusal is counted, logged or not, by the Prometheus counter in
 * src/daemon/metrics.ts.
 */
import type { Logger } from 'pino';
import type { RefusalCode, SessionEvent } from '../bgp/session/index.js';

type RefusalEvent = Extract<SessionEvent, { type: 'connection-refused' }>;

export interface RefusalLogOptions {
  /** length of a window in ms (60,000) */
  intervalMs?: number;
  /** sources whose first refusal in a window gets its own line (20) */
  sourcesLogged?: number;
  /** sources counted one by one per window (1,024) */
  sourcesTracked?: number;
  /** busiest sources named in the summary (5) */
  topSources?: number;
}

/** Key of a refusal whose source address was gone (reset before accept). */
const NO_ADDRESS = 'unknown';

interface Window {
  readonly started: number;
  refused: number;
  suppressed: number;
  logged: number;
  /** refusals per source address */
  readonly sources: Map<string, number>;
  /** refusals from sources beyond `sourcesTracked` */
  untracked: number;
  readonly reasons: Map<RefusalCode, number>;
  readonly timer: NodeJS.Timeout;
}

export class RefusalLog {
  private readonly intervalMs: number;
  private readonly sourcesLogged: number;
  private readonly sourcesTracked: number;
  private readonly topSources: number;
  private window: Window | undefined;

  constructor(
    private readonly logger: Logger,
    options: RefusalLogOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 60_000;
    this.sourcesLogged = options.sourcesLogged ?? 20;
    this.sourcesTracked = options.sourcesTracked ?? 1_024;
    this.topSources = options.topSources ?? 5;
  }

  record(event: RefusalEvent): void {
    const window = (this.window ??= this.open());
    const source = event.remoteAddress ?? NO_ADDRESS;
    window.refused++;
    window.reasons.set(event.code, (window.reasons.get(event.code) ?? 0) + 1);
    const seen = window.sources.get(source);
    if (seen !== undefined) window.sources.set(source, seen + 1);
    else if (window.sources.size < this.sourcesTracked) window.sources.set(source, 1);
    else window.untracked++;
    if (seen === undefined && window.logged < this.sourcesLogged) {
      window.logged++;
      this.logOne(event);
    } else {
      window.suppressed++;
    }
  }

  /** Closes the current window now: its summary line, if anything was held back. */
  flush(): void {
    const window = this.window;
    if (!window) return;
    this.window = undefined;
    clearTimeout(window.timer);
    if (window.suppressed === 0) return;
    const seconds = Math.max(1, Math.round((Date.now() - window.started) / 1000));
    const top = [...window.sources]
      .sort((a, b) => b[1] - a[1])
      .slice(0, this.topSources)
      .map(([address, count]) => ({ address, count }));
    this.logger.warn(
      {
        refused: window.refused,
        suppressed: window.suppressed,
        sources: window.sources.size,
        ...(window.untracked > 0 ? { refusedFromOtherSources: window.untracked } : {}),
        topSources: top,
        reasons: Object.fromEntries(window.reasons),
        seconds,
      },
      `BGP connections refused: ${window.suppressed} not logged one by one in the last ${seconds} s`,
    );
  }

  private open(): Window {
    const timer = setTimeout(() => this.flush(), this.intervalMs);
    timer.unref();
    return {
      started: Date.now(),
      refused: 0,
      suppressed: 0,
      logged: 0,
      sources: new Map(),
      untracked: 0,
      reasons: new Map(),
      timer,
    };
  }

  private logOne(event: RefusalEvent): void {
    if (event.remoteAddress === undefined) {
      this.logger.warn(
        { instanceAddress: event.localAddress, code: event.code },
        'BGP connection reset by its sender before it was accepted (source address unknown)',
      );
      return;
    }
    this.logger.warn(
      {
        instanceAddress: event.localAddress,
        remote: `${event.remoteAddress.includes(':') ? `[${event.remoteAddress}]` : event.remoteAddress}:${event.remotePort ?? 0}`,
        code: event.code,
      },
      'BGP connection refused',
    );
  }
}
