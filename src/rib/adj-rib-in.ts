/**
 * Adj-RIB-In ownership: every change of a peer's Adj-RIB-In goes through
 * here — a route announced or withdrawn (src/rib/ingest.ts, a session's
 * walk when it ends, a stale route swept or replaced), and an inbound route
 * map switching the peer's path for a prefix (src/rib/route-map-in.ts).
 *
 * - The Adj-RIB-In stays pre-policy (`PeerState.adjRibIn`); the observers
 *   (BMP, src/bmp/monitor.ts) see each change of an up peer's table.
 * - A path the import rules accept goes into the Loc-RIB (`LocRib.change`);
 *   the peer's `accepted` count follows.
 * - The Loc-RIB entry of each prefix, as it was when the slice first touched
 *   it and as the slice left it, is kept until the slice ends
 *   (`takeChanges`, in the order the slice first changed them): the VNet
 *   and the update groups get one change per prefix per slice, however many
 *   UPDATEs touched it, without a second lookup in the Loc-RIB (the slice's
 *   index is small; the Loc-RIB's lookups are cache misses at a million
 *   prefixes).
 */
import type { PrefixKey } from '../lib/prefix.js';
import { PrefixIdMap } from '../lib/prefix-map.js';
import type { LocRib, LocRibEntry } from './loc-rib.js';
import type { Path, PeerState } from './peer.js';
import type { AdjRibInObserver, AdjRibInRoute } from './ports.js';

/** `PrefixIdMap.update`'s step for the slice's index: a prefix keeps the position of its first change. */
const firstPosition = (current: number, next: number): number => (current >= 0 ? current : next);

/**
 * The prefixes the current slice changed, in the order it first changed them: each one's Loc-RIB
 * entry when the slice first touched it and now, in arrays by position (no object per change),
 * and an index from prefix to position (one word a slot).
 */
class SliceChanges {
  private readonly positions = new PrefixIdMap();
  private readonly keys: PrefixKey[] = [];
  private readonly before: (LocRibEntry | undefined)[] = [];
  private readonly after: (LocRibEntry | undefined)[] = [];

  get size(): number {
    return this.keys.length;
  }

  has(key: PrefixKey): boolean {
    return this.positions.has(key);
  }

  record(key: PrefixKey, before: LocRibEntry | undefined, after: LocRibEntry | undefined): void {
    const next = this.keys.length;
    const position = this.positions.update(key, firstPosition, next, undefined);
    if (position >= 0) {
      this.after[position] = after;
      return;
    }
    this.keys.push(key);
    this.before.push(before);
    this.after.push(after);
  }

  /** Hands each change to `visit`, in order, then forgets them all. */
  take(
    visit: (key: PrefixKey, before: LocRibEntry | undefined, after: LocRibEntry | undefined) => void,
  ): void {
    const { keys, before, after } = this;
    for (let i = 0; i < keys.length; i++) visit(keys[i]!, before[i], after[i]);
    this.positions.clear();
    keys.length = 0;
    before.length = 0;
    after.length = 0;
  }
}

export class AdjRibIn {
  /** the prefixes the current slice changed in the Loc-RIB */
  private readonly changed = new SliceChanges();
  /** Adj-RIB-In observers (BMP); empty in most engines, so the per-prefix check is one length test */
  private observers: readonly AdjRibInObserver[] = [];

  constructor(private readonly locRib: LocRib) {}

  /** Registers a read-only observer of every up peer's Adj-RIB-In changes; returns the unsubscribe. */
  observe(observer: AdjRibInObserver): () => void {
    this.observers = [...this.observers, observer];
    return () => (this.observers = this.observers.filter((o) => o !== observer));
  }

  announce(peer: PeerState, key: PrefixKey, path: Path): void {
    const previous = peer.adjRibIn.swap(key, path);
    if (previous === path) return;
    if (this.observers.length > 0) this.notify(peer, key, path.attributes, previous?.attributes);
    path.prefixes++;
    if (peer.inbound) {
      peer.inbound.change(key, previous, path);
      if (previous) {
        previous.prefixes--;
        peer.releaseIfUnused(previous);
      }
      return;
    }
    const accepted = path.attributes.verdict.accepted;
    if (accepted) peer.accepted++;
    let leaving: Path | undefined;
    if (previous) {
      previous.prefixes--;
      if (previous.attributes.verdict.accepted) {
        peer.accepted--;
        leaving = previous;
      }
    }
    if (accepted || leaving) this.changeLocRib(key, leaving, accepted ? path : undefined);
    if (previous) peer.releaseIfUnused(previous);
  }

  withdraw(peer: PeerState, key: PrefixKey): void {
    const previous = peer.adjRibIn.get(key);
    if (!previous) return;
    peer.adjRibIn.delete(key);
    if (this.observers.length > 0 && peer.status === 'up')
      this.notify(peer, key, undefined, previous.attributes);
    previous.prefixes--;
    if (peer.inbound) peer.inbound.change(key, previous, undefined);
    else if (previous.attributes.verdict.accepted) {
      peer.accepted--;
      this.changeLocRib(key, previous, undefined);
    }
    peer.releaseIfUnused(previous);
  }

  /** One peer's path for `key` in the Loc-RIB changes (an inbound route map's result, src/rib/route-map-in.ts). */
  switchPath(peer: PeerState, key: PrefixKey, leaving: Path | undefined, arriving: Path | undefined): void {
    const out = leaving?.accepted ? leaving : undefined;
    const into = arriving?.accepted ? arriving : undefined;
    if (out === into) return;
    if (into) peer.accepted++;
    if (out) peer.accepted--;
    this.changeLocRib(key, out, into);
  }

  /** Decides `key` again (the hub routing preference changed); a changed best path is recorded. */
  redecide(key: PrefixKey): void {
    const before = this.locRib.get(key);
    if (this.locRib.redecide(key)) this.changed.record(key, before, this.locRib.get(key));
  }

  /** One path of `key` leaves the Loc-RIB and/or one arrives; the slice records the change. */
  private changeLocRib(key: PrefixKey, leaving: Path | undefined, arriving: Path | undefined): void {
    const { before, after } = this.locRib.change(key, leaving, arriving);
    this.changed.record(key, before, after);
  }

  /** True when the current slice changed the Loc-RIB entry of `key`. */
  isChanged(key: PrefixKey): boolean {
    return this.changed.has(key);
  }

  /** The current slice changed the Loc-RIB. */
  get hasChanges(): boolean {
    return this.changed.size > 0;
  }

  /** Hands each prefix the slice changed to `visit`, with its entry before the slice and now; then forgets them. */
  takeChanges(
    visit: (key: PrefixKey, before: LocRibEntry | undefined, after: LocRibEntry | undefined) => void,
  ): void {
    if (this.changed.size === 0) return;
    this.changed.take(visit);
  }

  private notify(
    peer: PeerState,
    key: PrefixKey,
    route: AdjRibInRoute | undefined,
    previous: AdjRibInRoute | undefined,
  ): void {
    for (const observer of this.observers) observer.adjRibInChanged(peer.id, key, route, previous);
  }
}
