/**
 * Graceful restart, receiving speaker (RFC 4724 §4.2): the routes of a peer
 * whose session ended without a NOTIFICATION stay in the Adj-RIB-In and the
 * Loc-RIB, marked stale, while the peer restarts.
 *
 * A stale route is a route of an earlier session of the peer: the engine
 * keeps that session's `PeerState` (its Adj-RIB-In and its paths, still in
 * the Loc-RIB) here instead of withdrawing it. Marking therefore costs
 * nothing per route, and no table is walked when the session ends.
 *
 * - A route the new session announces or withdraws replaces the stale route
 *   of the same prefix in the same slice: the VNet sees a change of next
 *   hop (or a withdrawal), never a gap.
 * - End-of-RIB for a family from the new session sweeps that family's stale
 *   routes that were not announced again (the engine's `sweepStale`).
 * - A timer bounds it all: the peer's Restart Time while the session is
 *   down, our stale-path time once it is up again (the owner arms it with
 *   `keepStale`); when it fires, every stale route of the peer goes.
 *
 * The engine never reads a clock: timers come from `StaleTimers` (setTimeout
 * by default).
 */
import type { PrefixKey } from '../lib/prefix.js';
import type { PeerId, PeerState } from './peer.js';
import { eachKeyWalk } from './slices.js';
import type { SliceScheduler } from './slices.js';

/** Starts and cancels one-shot timers (injectable for tests). */
export interface StaleTimers {
  set(milliseconds: number, fire: () => void): unknown;
  clear(handle: unknown): void;
}

export const systemStaleTimers: StaleTimers = {
  set: (milliseconds, fire) => {
    const timer = setTimeout(fire, milliseconds);
    timer.unref();
    return timer;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface StalePeer {
  /** earlier sessions of the peer whose routes are stale, oldest first */
  readonly sessions: PeerState[];
  timer: unknown;
}

export class StaleRoutes {
  private readonly peers = new Map<PeerId, StalePeer>();

  constructor(
    private readonly timers: StaleTimers,
    /** withdraws a route of an earlier session (src/rib/adj-rib-in.ts) */
    private readonly withdraw: (session: PeerState, key: PrefixKey) => void,
    /** runs the sweeps' walks */
    private readonly slices: SliceScheduler,
  ) {}

  /** True when no peer has stale routes: the per-prefix check is one size test. */
  get empty(): boolean {
    return this.peers.size === 0;
  }

  /** Keeps an ended session's routes as stale routes of its peer. */
  retain(session: PeerState): void {
    const entry = this.peers.get(session.id);
    if (entry === undefined) this.peers.set(session.id, { sessions: [session], timer: undefined });
    else entry.sessions.push(session);
  }

  /** Stale routes of the peer (every earlier session together). */
  count(peer: PeerId): number {
    let routes = 0;
    for (const session of this.peers.get(peer)?.sessions ?? []) routes += session.adjRibIn.size;
    return routes;
  }

  /**
   * Withdraws the peer's stale routes (of one family, IPv4 or IPv6, or all),
   * in slices: after its End-of-RIB, when the new session's OPEN does not
   * keep the family, or when its time ran out.
   */
  sweep(peer: PeerId, family?: 4 | 6): void {
    for (const session of this.peers.get(peer)?.sessions ?? []) {
      this.slices.addWalk(
        eachKeyWalk(
          staleKeys(session, family),
          (key) => this.withdraw(session, key),
          () => {},
          () => this.prune(peer),
        ),
      );
    }
  }

  /** A route of the peer's new session replaces the stale route of the same prefix. */
  replace(peer: PeerId, key: PrefixKey): void {
    const entry = this.peers.get(peer);
    if (entry !== undefined) for (const session of entry.sessions) this.withdraw(session, key);
  }

  /** (Re)arms the peer's timer: its stale routes go `seconds` from now unless swept earlier. */
  arm(peer: PeerId, seconds: number): void {
    const entry = this.peers.get(peer);
    if (entry === undefined) return;
    if (entry.timer !== undefined) this.timers.clear(entry.timer);
    entry.timer = this.timers.set(seconds * 1000, () => {
      entry.timer = undefined;
      this.sweep(peer);
    });
  }

  /** Forgets sessions whose stale routes are all gone; the peer and its timer too when none is left. */
  private prune(peer: PeerId): void {
    const entry = this.peers.get(peer);
    if (entry === undefined) return;
    const left = entry.sessions.filter((session) => session.adjRibIn.size > 0);
    entry.sessions.splice(0, entry.sessions.length, ...left);
    if (left.length > 0) return;
    if (entry.timer !== undefined) this.timers.clear(entry.timer);
    this.peers.delete(peer);
  }

  /** Cancels every timer (the engine is disposed). */
  clear(): void {
    for (const entry of this.peers.values()) if (entry.timer !== undefined) this.timers.clear(entry.timer);
  }
}

/** The keys of a session's Adj-RIB-In of one family (IPv4 keys are numbers, IPv6 keys strings). */
function* staleKeys(session: PeerState, family: 4 | 6 | undefined): Generator<PrefixKey> {
  for (const key of session.adjRibIn.keys()) {
    if (family === undefined || (typeof key === 'number') === (family === 4)) yield key;
  }
}
