/**
 * Adj-RIB-In ownership: every change of a peer's Adj-RIB-In goes through
 * here — a route announced or withdrawn (src/rib/ingest.ts, a session's
 * walk when it ends, a stale route swept or replaced), and an inbound route
 * map switching the peer's path for a prefix (src/rib/route-map-in.ts).
 *
 * - The Adj-RIB-In stays pre-policy (`PeerState.adjRibIn`); the observers
 *   (BMP, src/bmp/monitor.ts) see each change of an up peer's table.
 * - A path the import rules accept goes into the Loc-RIB (`LocRib.replaceIn`);
 *   the peer's `accepted` count follows.
 * - The Loc-RIB entry of each prefix, as it was when the slice first touched
 *   it, is kept until the slice ends (`takeChanges`): the VNet and the
 *   update groups get one change per prefix per slice, however many UPDATEs
 *   touched it.
 */
import type { PrefixKey } from '../lib/prefix.js';
import { PrefixMap } from '../lib/prefix-map.js';
import type { LocRib, LocRibEntry } from './loc-rib.js';
import type { Path, PeerState } from './peer.js';
import type { AdjRibInObserver, AdjRibInRoute } from './ports.js';

const NONE = Symbol('none');
type Before = LocRibEntry | typeof NONE;

export class AdjRibIn {
  /** Loc-RIB entries, as they were when the current slice first touched each prefix */
  private readonly changed = new PrefixMap<Before>();
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
    if (accepted || leaving) {
      const entry = this.locRib.get(key);
      this.changed.setIfAbsent(key, entry ?? NONE);
      this.locRib.replaceIn(key, entry, leaving, accepted ? path : undefined);
    }
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
      const entry = this.locRib.get(key);
      this.changed.setIfAbsent(key, entry ?? NONE);
      this.locRib.replaceIn(key, entry, previous, undefined);
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
    const entry = this.locRib.get(key);
    this.changed.setIfAbsent(key, entry ?? NONE);
    this.locRib.replaceIn(key, entry, out, into);
  }

  /** Decides `key` again (the hub routing preference changed); a changed best path is recorded. */
  redecide(key: PrefixKey): void {
    const before = this.locRib.get(key);
    if (this.locRib.redecide(key) && this.changed.get(key) === undefined)
      this.changed.set(key, before ?? NONE);
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
    this.changed.forEach((previous, key) => {
      visit(key, previous === NONE ? undefined : previous, this.locRib.get(key));
    });
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
