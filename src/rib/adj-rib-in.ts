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
 *   (`takeChanges`): the VNet and the update groups get one change per prefix
 *   per slice, however many UPDATEs touched it, without a second lookup in
 *   the Loc-RIB (the slice's table is small; the Loc-RIB's lookups are cache
 *   misses at a million prefixes).
 */
import type { PrefixKey } from '../lib/prefix.js';
import { PrefixMap } from '../lib/prefix-map.js';
import type { LocRib, LocRibEntry } from './loc-rib.js';
import type { Path, PeerState } from './peer.js';
import type { AdjRibInObserver, AdjRibInRoute } from './ports.js';

/** A prefix the current slice changed: its Loc-RIB entry when the slice first touched it, and now. */
interface SliceChange {
  readonly before: LocRibEntry | undefined;
  after: LocRibEntry | undefined;
}

/** `PrefixMap.update`'s step for the slice's table: the first change keeps its `before`. */
function recorded(
  change: SliceChange | undefined,
  before: LocRibEntry | undefined,
  after: LocRibEntry | undefined,
): SliceChange {
  if (change === undefined) return { before, after };
  change.after = after;
  return change;
}

export class AdjRibIn {
  /** the prefixes the current slice changed in the Loc-RIB */
  private readonly changed = new PrefixMap<SliceChange>();
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
    if (this.locRib.redecide(key)) this.changed.update(key, recorded, before, this.locRib.get(key));
  }

  /** One path of `key` leaves the Loc-RIB and/or one arrives; the slice records the change. */
  private changeLocRib(key: PrefixKey, leaving: Path | undefined, arriving: Path | undefined): void {
    const { before, after } = this.locRib.change(key, leaving, arriving);
    this.changed.update(key, recorded, before, after);
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
    this.changed.forEach((change, key) => visit(key, change.before, change.after));
    this.changed.clear();
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
