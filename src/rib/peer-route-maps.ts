/**
 * The engine's side of route maps (docs/route-maps.md): which maps each peer
 * has, kept while the peer is down, and applying a change at once to a peer
 * that is up, without touching its session:
 * - an inbound change re-evaluates its Adj-RIB-In (kept pre-policy) in
 *   slices (src/rib/route-map-in.ts);
 * - an outbound change moves it to the update group of its new map once it
 *   has read its current group's journal (src/rib/update-groups.ts), and the
 *   differences are sent.
 *
 * The dry run (`evaluate`) reads the peer's routes as the map would see
 * them, in slices (src/rib/route-map-dry-run.ts).
 */
import type { PathAttributes } from '../bgp/codec/index.js';
import type { PrefixKey } from '../lib/prefix.js';
import type { CompiledRouteMap } from '../policy/index.js';
import type { AttributeStore } from './attribute-store.js';
import type { PeerId, PeerState } from './peer.js';
import { dryRunRouteMap } from './route-map-dry-run.js';
import type { RouteMapDirection, RouteMapEvaluation } from './route-map-dry-run.js';
import { InboundRouteMap } from './route-map-in.js';
import { eachKeyWalk } from './slices.js';
import type { SliceScheduler } from './slices.js';
import type { UpdateGroups } from './update-groups.js';

/** A peer's route maps (docs/route-maps.md); absent: none, Azure's default behaviour. */
export interface PeerRouteMaps {
  readonly inbound?: CompiledRouteMap;
  readonly outbound?: CompiledRouteMap;
}

/** What an inbound map switches in the Loc-RIB (src/rib/adj-rib-in.ts). */
type InboundTable = ConstructorParameters<typeof InboundRouteMap>[2];

interface RouteMapHost {
  readonly store: AttributeStore;
  readonly slices: SliceScheduler;
  readonly groups: UpdateGroups;
  readonly inboundTable: InboundTable;
  /** prefixes read per slice by the dry run */
  readonly sliceSize: number;
  /** resolves in a later turn of the event loop (between the dry run's slices) */
  readonly pause: () => Promise<void>;
  /** the peer's current session */
  peer(peer: PeerId): PeerState | undefined;
  schedule(): void;
}

export class PeerRouteMapTable {
  /** route maps by peer, kept while the peer is down */
  private readonly maps = new Map<PeerId, PeerRouteMaps>();
  /** peers whose outbound map changed: they move to their new group once they have read their old one */
  private readonly moving = new Set<PeerId>();

  constructor(private readonly host: RouteMapHost) {}

  /** Sets a peer's route maps; applies at once to a peer that is up. */
  set(peer: PeerId, maps: PeerRouteMaps): void {
    const before = this.maps.get(peer);
    if (maps.inbound || maps.outbound) this.maps.set(peer, maps);
    else this.maps.delete(peer);
    const state = this.host.peer(peer);
    if (!state || state.status !== 'up') return;
    if (before?.inbound?.fingerprint !== maps.inbound?.fingerprint) this.reapplyInbound(state, maps.inbound);
    if (before?.outbound?.fingerprint !== maps.outbound?.fingerprint) this.moving.add(peer);
    this.host.schedule();
  }

  /** A new session of `state`'s peer: gives it its inbound map; returns its outbound map. */
  attach(state: PeerState): CompiledRouteMap | undefined {
    const maps = this.maps.get(state.id);
    if (maps?.inbound)
      state.inbound = new InboundRouteMap(state, this.host.store, this.host.inboundTable, maps.inbound);
    return maps?.outbound;
  }

  /** The peer's session ended: it no longer waits to move group. */
  detach(peer: PeerId): void {
    this.moving.delete(peer);
  }

  /** A peer waits to move group and can read on. */
  get hasWork(): boolean {
    for (const peer of this.moving) if (this.host.peer(peer)?.out?.paused === false) return true;
    return false;
  }

  private reapplyInbound(state: PeerState, map: CompiledRouteMap | undefined): void {
    if (!state.inbound && !map) return;
    const { store, inboundTable } = this.host;
    const inbound = (state.inbound ??= new InboundRouteMap(state, store, inboundTable, undefined));
    inbound.replaceMap(map);
    const current = () => state.status === 'up' && state.inbound === inbound;
    this.host.slices.addWalk(
      eachKeyWalk(
        state.adjRibIn.keys(),
        (key) => {
          if (!current()) return;
          const raw = state.adjRibIn.get(key);
          inbound.change(key, raw, raw);
        },
        () => {},
        () => {
          inbound.settle();
          if (current() && inbound.idle) state.inbound = undefined;
        },
      ),
    );
  }

  /** Moves the peers whose outbound map changed to their new groups once they have read their current ones. */
  moveCaughtUp(): void {
    for (const peer of [...this.moving]) this.moveWhenCaughtUp(peer);
  }

  private moveWhenCaughtUp(peer: PeerId): void {
    const state = this.host.peer(peer);
    const out = state?.out;
    if (!state || !out || state.status !== 'up') {
      this.moving.delete(peer);
      return;
    }
    if (out.paused || out.position < out.group.end) return;
    this.moving.delete(peer);
    const wanted = this.maps.get(peer)?.outbound;
    if (out.group.routeMap?.map.fingerprint === wanted?.fingerprint) return;
    this.host.groups.move(state, out, wanted);
    this.host.schedule();
  }

  /**
   * Dry run (docs/route-maps.md): what `map` would change on the peer's
   * routes in `direction`, read in slices; undefined when the peer is not up.
   */
  async evaluate(
    peer: PeerId,
    map: CompiledRouteMap,
    direction: RouteMapDirection,
    limit: number,
  ): Promise<RouteMapEvaluation | undefined> {
    const state = this.host.peer(peer);
    if (!state || state.status !== 'up' || !state.out) return undefined;
    const policy = state.out.group.policy;
    const routes =
      direction === 'inbound' ? inboundRoutes(state) : this.host.groups.bestPathsFor(peer, policy);
    const { sliceSize, pause } = this.host;
    return dryRunRouteMap(map, direction, routes, { limit, sliceSize, pause });
  }
}

/** The peer's Adj-RIB-In, pre-policy (what an inbound map sees). */
function* inboundRoutes(state: PeerState): Generator<[PrefixKey, PathAttributes]> {
  for (const [key, path] of state.adjRibIn) yield [key, path.attributes.attributes];
}
