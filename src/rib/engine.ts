/**
 * RouteEngine: the route processing of one route-server instance (IN_0 or
 * IN_1). It owns the Adj-RIB-In of every peer, the instance's Loc-RIB and
 * every peer's Adj-RIB-Out, and publishes the routes to inject into the VNet.
 *
 * API for the wiring layer (src/routeserver):
 * - `peerUp(peer, info, output)` when a session reaches Established; the
 *   engine dumps its table to `output`, then End-of-RIB.
 * - `receiveUpdate(peer, update)` for every decoded UPDATE, in order; false
 *   asks the session to stop reading until `onReadResumed` names the peer.
 * - `routeRefreshRequested(peer)` when the peer sends ROUTE-REFRESH.
 * - `peerDown(peer)` when the session leaves Established; `peerDown(peer,
 *   { keepStaleSeconds })` keeps its routes as stale routes instead (graceful
 *   restart, src/rib/stale-routes.ts), swept by `sweepStale` (End-of-RIB) or
 *   when the time `keepStale` last set runs out.
 * - `onSessionCloseRequested(listener)`: the engine asks its owner to close
 *   a session (route limit exceeded, or a peer that stopped reading), with
 *   the NOTIFICATION to send (src/rib/session-close.ts).
 * - `learnedRoutes(peer)`, `advertisedRoutes(peer)`, `counters`, `peerCounters(peer)`.
 * - `whenIdle()` resolves once every queued piece of work is done.
 *
 * Work never runs inside these calls: it is queued and done in slices of at
 * most `sliceSize` prefixes, yielding to the event loop between slices
 * (setImmediate by default), so keepalives keep flowing under a full table.
 * Each slice: ingest queued UPDATEs, advance table walks (peer down, dumps,
 * refreshes, address-space changes), publish the slice's changes to the VNet
 * (one `applyInjectedRoutes` call), then flush Adj-RIBs-Out.
 *
 * The parts live beside it: the scheduler and table walks in slices.ts, UPDATE
 * ingest in ingest.ts and its backpressure in input-queue.ts, the VNet
 * injection bookkeeping (the one place the engine asks whether a prefix is
 * injectable) in injection.ts, update groups in update-group.ts and each
 * peer's position in adj-rib-out.ts, the API's route views in views.ts, which
 * read the tables through a narrow interface (the tables are private).
 */
import type { NotificationMessage, PathAttributes, UpdateMessage } from '../bgp/codec/index.js';
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import { parseIpv4, parseIpv6, prefixKey } from '../lib/prefix.js';
import {
  AZURE_ROUTE_SERVER_ASN,
  DEFAULT_ROUTE_LIMIT,
  EXPRESSROUTE_ROUTE_LIMIT,
  routeLimitNotification,
} from '../policy/index.js';
import type { CompiledRouteMap, EngineRole } from '../policy/index.js';
import { InboundRouteMap } from './route-map-in.js';
import { OutboundRouteMap } from './route-map-out.js';
import type { RoutingPreference } from './decision.js';
import { AdjRibOut } from './adj-rib-out.js';
import type { SendResult } from './adj-rib-out.js';
import { Exporter } from './exporter.js';
import type { GroupPolicy, RouteExport } from './exporter.js';
import { dryRunRouteMap } from './route-map-dry-run.js';
import type { RouteMapDirection, RouteMapEvaluation } from './route-map-dry-run.js';
import { groupKeyOf, UpdateGroup } from './update-group.js';
import { AttributeStore } from './attribute-store.js';
import { RIB_ERROR_CODES, RibError } from './errors.js';
import { publishRibEvent } from './events.js';
import type { LocRibEntry } from './loc-rib.js';
import { bestOf, LocRib } from './loc-rib.js';
import type { PeerId, PeerInfo } from './peer.js';
import type { Path } from './peer.js';
import { PeerState } from './peer.js';
import type {
  AdjRibInObserver,
  AdjRibInRoute,
  InjectedRouteSink,
  InstanceId,
  PeerOutput,
  VirtualNetworkView,
} from './ports.js';
import type { AdvertisedRoute, LearnedRoute } from './views.js';
import { advertisedRouteViews, learnedRouteDetails, learnedRouteViews } from './views.js';
import { ingestUpdate } from './ingest.js';
import { DEFAULT_OUTPUT_LAG_LIMIT, outOfResourcesNotification } from './session-close.js';
import type { SessionCloseListener, SessionCloseRequest } from './session-close.js';
import { InputQueue } from './input-queue.js';
import { PrefixMap } from '../lib/prefix-map.js';
import { VnetInjection } from './injection.js';
import { eachKeyWalk, markAllWalk, SliceScheduler } from './slices.js';
import type { IngestTable } from './ingest.js';
import { StaleRoutes, systemStaleTimers } from './stale-routes.js';
import type { StaleTimers } from './stale-routes.js';

export interface RouteEngineOptions {
  readonly instance: InstanceId;
  /** the instance's IPv4 address: NEXT_HOP of the address spaces it advertises */
  readonly localAddress: string;
  /** the instance's IPv6 address, if IPv6 address spaces are to be advertised */
  readonly localAddressV6?: string;
  /** default 65515 */
  readonly localAsn?: number;
  /** routes held per peer (docs/azure-behaviour.md §2.3); default 4,000 */
  readonly routeLimit?: number;
  /** allowBranchToBranchTraffic: gateway routes are advertised to NVAs, NVA routes to the gateways */
  readonly branchToBranch?: boolean;
  /** hubRoutingPreference (docs/azure-behaviour.md §4.3); default `ExpressRoute` */
  readonly hubRoutingPreference?: RoutingPreference;
  /**
   * `route-server` (default), or the speaker of a VPN or ExpressRoute gateway
   * (src/policy/gateway-rules.ts: what it sends on-prem and to the route server)
   */
  readonly role?: EngineRole;
  /** a gateway's speaker: its GatewaySubnet address, NEXT_HOP of what it gives the route server */
  readonly internalNextHop?: string;
  /**
   * an ExpressRoute gateway's speaker: routes of the VNet's space and the
   * route server advertised to on-prem at most (docs/azure-behaviour.md §4.2); default 1,000
   */
  readonly expressRouteLimit?: number;
  readonly network: VirtualNetworkView;
  readonly sink: InjectedRouteSink;
  /** runs a slice later; default setImmediate */
  readonly schedule?: (task: () => void) => void;
  /** prefixes ingested (and, separately, flushed) per slice; default 16,384 */
  readonly sliceSize?: number;
  /** UPDATEs queued from one peer before `receiveUpdate` asks its session to stop reading; default 1,024 */
  readonly inputHighWater?: number;
  /**
   * Journal bytes a peer may fall behind its update group before its session
   * is closed with Cease / Out of Resources; default 64 MiB (src/rib/session-close.ts)
   */
  readonly outputLagLimit?: number;
  /** timers of stale routes (graceful restart); setTimeout by default */
  readonly staleTimers?: StaleTimers;
}

export interface RouteEngineCounters {
  updatesReceived: number;
  prefixesAnnounced: number;
  prefixesWithdrawn: number;
  /** sessions closed because of the route limit */
  routeLimitExceeded: number;
  /** sessions closed because the peer fell `outputLagLimit` bytes behind (stopped reading) */
  outputLagExceeded: number;
  updatesSent: number;
  prefixesAdvertised: number;
  prefixesWithdrawnSent: number;
  endOfRibSent: number;
  injectedChanges: number;
  slices: number;
}

/** A peer's route maps (docs/route-maps.md); absent: none, Azure's default behaviour. */
export interface PeerRouteMaps {
  readonly inbound?: CompiledRouteMap;
  readonly outbound?: CompiledRouteMap;
}

export interface PeerCounters {
  readonly received: number;
  readonly accepted: number;
  readonly advertised: number;
  readonly routeLimitExceeded: number;
  /** routes held back from the peer by the ExpressRoute ceiling (docs/azure-behaviour.md §4.2) */
  readonly withheld: number;
}

const NONE = Symbol('none');
type Before = LocRibEntry | typeof NONE;

export class RouteEngine {
  readonly counters: RouteEngineCounters = {
    updatesReceived: 0,
    prefixesAnnounced: 0,
    prefixesWithdrawn: 0,
    routeLimitExceeded: 0,
    outputLagExceeded: 0,
    updatesSent: 0,
    prefixesAdvertised: 0,
    prefixesWithdrawnSent: 0,
    endOfRibSent: 0,
    injectedChanges: 0,
    slices: 0,
  };
  readonly instance: InstanceId;
  readonly localAddress: string;
  readonly localAsn: number;
  readonly role: EngineRole;
  private branchToBranch: boolean;
  private limit: number;
  private readonly store: AttributeStore;
  private readonly locRib = new LocRib();
  private readonly peers = new Map<PeerId, PeerState>();
  /** update groups by export policy (src/rib/update-group.ts) */
  private readonly groups = new Map<string, UpdateGroup>();
  private readonly limitTrips = new Map<PeerId, number>();
  /** route maps by peer, kept while the peer is down (docs/route-maps.md) */
  private readonly routeMaps = new Map<PeerId, PeerRouteMaps>();
  /** peers whose outbound map changed: they move to their new group once they have read their old one */
  private readonly moving = new Set<PeerId>();
  private readonly inboundTable = {
    switchPath: (peer: PeerState, key: PrefixKey, leaving: Path | undefined, arriving: Path | undefined) =>
      this.switchPath(peer, key, leaving, arriving),
  };
  private readonly input: InputQueue;
  private readonly slices: SliceScheduler;
  /** Loc-RIB entries, as they were when the current slice first touched each prefix */
  private readonly changed = new PrefixMap<Before>();
  private readonly injection: VnetInjection;
  private localRoutes = new PrefixMap<Prefix>();
  private readonly closeListeners = new Set<SessionCloseListener>();
  /** Adj-RIB-In observers (BMP); empty in most engines, so the per-prefix check is one length test */
  private observers: readonly AdjRibInObserver[] = [];
  private sequence = 0;
  private readonly exporter: Exporter;
  private readonly sliceSize: number;
  private readonly outputLagLimit: number;
  private readonly unsubscribe: () => void;
  /** earlier sessions' routes kept while their peers restart (RFC 4724 §4.2) */
  private readonly stale: StaleRoutes;
  /** what ingest (src/rib/ingest.ts) works on */
  private readonly ingestTable: IngestTable;
  /** what the learned/advertised route views read (src/rib/views.ts) */
  private readonly viewSource = {
    localAddress: '',
    locRib: { get: (key: PrefixKey) => this.locRib.get(key) },
    isWithheld: (key: PrefixKey) => this.injection.isWithheld(key),
  };

  constructor(private readonly options: RouteEngineOptions) {
    this.instance = options.instance;
    this.localAddress = options.localAddress;
    this.localAsn = options.localAsn ?? AZURE_ROUTE_SERVER_ASN;
    this.limit = options.routeLimit ?? DEFAULT_ROUTE_LIMIT;
    this.sliceSize = options.sliceSize ?? 16_384;
    const inputHighWater = options.inputHighWater ?? 1024;
    this.outputLagLimit = options.outputLagLimit ?? DEFAULT_OUTPUT_LAG_LIMIT;
    const v4 = parseIpv4(options.localAddress);
    if (v4 === undefined)
      throw new RibError(RIB_ERROR_CODES.INVALID_OPTION, `localAddress ${options.localAddress} is not IPv4`);
    const v6 = options.localAddressV6 !== undefined ? parseIpv6(options.localAddressV6) : undefined;
    if (
      !(this.limit >= 1) ||
      !(this.sliceSize >= 1) ||
      !(inputHighWater >= 1) ||
      !(this.outputLagLimit >= 1)
    ) {
      throw new RibError(
        RIB_ERROR_CODES.INVALID_OPTION,
        'routeLimit, sliceSize, inputHighWater and outputLagLimit must be positive',
      );
    }
    this.input = new InputQueue(inputHighWater);
    this.role = options.role ?? 'route-server';
    this.branchToBranch = options.branchToBranch ?? false;
    const internalNextHop =
      options.internalNextHop !== undefined ? parseIpv4(options.internalNextHop) : undefined;
    if (options.internalNextHop !== undefined && internalNextHop === undefined)
      throw new RibError(
        RIB_ERROR_CODES.INVALID_OPTION,
        `internalNextHop ${options.internalNextHop} is not IPv4`,
      );
    this.exporter = new Exporter(
      this.localAsn,
      v4,
      v6,
      { branchToBranch: this.branchToBranch, role: this.role },
      internalNextHop ?? v4,
    );
    this.locRib.preference = options.hubRoutingPreference ?? 'ExpressRoute';
    this.store = new AttributeStore({
      localAsn: this.localAsn,
      expressRouteLoopGuard: this.role === 'expressroute-gateway',
    });
    const routeLimit = () => this.limit;
    this.ingestTable = {
      get routeLimit() {
        return routeLimit();
      },
      store: this.store,
      announce: (peer, key, path) => {
        if (!this.stale.empty) this.replaceStale(peer.id, key);
        this.announce(peer, key, path);
      },
      withdraw: (peer, key) => {
        if (!this.stale.empty) this.replaceStale(peer.id, key);
        this.withdraw(peer, key);
      },
      tripRouteLimit: (peer, announced) => this.tripRouteLimit(peer, announced),
    };
    this.slices = new SliceScheduler(options.schedule ?? ((task) => setImmediate(task)), () =>
      this.runSlice(),
    );
    this.stale = new StaleRoutes(options.staleTimers ?? systemStaleTimers, (peer) => this.sweepStale(peer));
    this.injection = new VnetInjection(options.instance, options.network, options.sink);
    this.viewSource.localAddress = options.localAddress;
    this.localRoutes = this.readAddressSpaces();
    this.unsubscribe = options.network.onAddressSpacesChanged(() => this.addressSpacesChanged());
  }

  // ------------------------------------------------------------ public API

  peerUp(peer: PeerId, info: PeerInfo, output: PeerOutput): void {
    if (parseIpv4(info.address) === undefined && parseIpv6(info.address) === undefined) {
      throw new RibError(RIB_ERROR_CODES.INVALID_PEER, `peer address ${info.address} is not an IP address`);
    }
    if (!Number.isInteger(info.routerId) || info.routerId < 0 || info.routerId > 0xffffffff) {
      throw new RibError(
        RIB_ERROR_CODES.INVALID_PEER,
        `router id ${info.routerId} is not an unsigned 32-bit number`,
      );
    }
    if (this.peers.has(peer)) this.peerDown(peer);
    const state = new PeerState(peer, info, ++this.sequence, this.store);
    const maps = this.routeMaps.get(peer);
    if (maps?.inbound)
      state.inbound = new InboundRouteMap(state, this.store, this.inboundTable, maps.inbound);
    const group = this.joinGroup(info, maps?.outbound);
    state.out = new AdjRibOut(peer, output, group, () => this.schedule());
    group.members.set(peer, state.out);
    this.peers.set(peer, state);
    this.schedule();
  }

  /**
   * The update group for the peer's export policy and outbound route map
   * (peers with different maps never share one); a new group exports the
   * whole Loc-RIB.
   */
  private joinGroup(info: PeerInfo, routeMap?: CompiledRouteMap): UpdateGroup {
    const policy = {
      context: info.capabilities.context,
      ipv6Unicast: info.capabilities.ipv6Unicast ?? false,
      target: {
        peer: '',
        kind: info.kind ?? 'nva',
        ...(info.gateway !== undefined ? { gateway: info.gateway.id } : {}),
      },
    };
    const key = groupKeyOf(policy) + (routeMap ? `|route-map:${routeMap.fingerprint}` : '');
    let group = this.groups.get(key);
    if (!group) {
      const created = (group = new UpdateGroup(key, policy));
      if (routeMap)
        group.routeMap = new OutboundRouteMap(
          routeMap,
          (best, attributes) => this.exporter.encodeChanged(policy, best, attributes),
          (summary) => created.dirty.add(summary),
        );
      if (this.role === 'expressroute-gateway' && policy.target.kind === 'nva') {
        group.ceiling = {
          limit: this.options.expressRouteLimit ?? EXPRESSROUTE_ROUTE_LIMIT,
          counts: (source) => source === undefined || this.peers.get(source)?.info.kind === 'route-server',
        };
      }
      this.groups.set(key, group);
      this.fill(group);
    }
    return group;
  }

  private leaveGroup(peer: PeerState): void {
    const group = peer.out?.group;
    peer.out = undefined;
    if (!group || group.members.get(peer.id) === undefined) return;
    group.members.delete(peer.id);
    if (group.members.size === 0) this.groups.delete(group.key);
    else group.trim();
  }

  /**
   * The peer's session left Established. Its routes are withdrawn, with
   * every stale route it still has; with `keepStaleSeconds` (graceful
   * restart, RFC 4724 §4.2) they stay as stale routes for that long instead.
   */
  peerDown(peer: PeerId, options: { keepStaleSeconds?: number } = {}): void {
    const state = this.peers.get(peer);
    const keep = options.keepStaleSeconds;
    if (keep === undefined) this.sweepStale(peer);
    if (!state) return;
    this.peers.delete(peer);
    this.moving.delete(peer);
    const wasUp = state.status === 'up';
    state.status = 'down';
    this.leaveGroup(state);
    if (wasUp && keep !== undefined && keep > 0) {
      this.stale.retain(state);
      this.stale.arm(peer, keep);
      publishRibEvent({
        type: 'peer-routes-stale',
        instance: this.instance,
        peer,
        routes: state.adjRibIn.size,
      });
    } else if (wasUp) this.withdrawAll(state);
    if (keep !== undefined && keep <= 0) this.sweepStale(peer);
    this.schedule();
  }

  /**
   * Withdraws the peer's stale routes (of one family, IPv4 or IPv6, or all):
   * RFC 4724 §4.2 after its End-of-RIB, when the new session's OPEN does not
   * keep the family, or when its time ran out. Routes the new session
   * announced again have already replaced their stale ones.
   */
  sweepStale(peer: PeerId, family?: 4 | 6): void {
    const sessions = this.stale.sessionsOf(peer);
    if (sessions === undefined) return;
    for (const session of sessions) {
      this.slices.addWalk(
        eachKeyWalk(
          staleKeys(session, family),
          (key) => this.withdraw(session, key),
          () => {},
          () => this.stale.prune(peer),
        ),
      );
    }
    this.schedule();
  }

  /** (Re)sets how long the peer's stale routes may stay before they are swept. */
  keepStale(peer: PeerId, seconds: number): void {
    this.stale.arm(peer, seconds);
  }

  /** Stale routes of the peer, from its earlier sessions (graceful restart). */
  staleRouteCount(peer: PeerId): number {
    return this.stale.count(peer);
  }

  /** A route of the peer's new session replaces the stale route of the same prefix. */
  private replaceStale(peer: PeerId, key: PrefixKey): void {
    const sessions = this.stale.sessionsOf(peer);
    if (sessions !== undefined) for (const session of sessions) this.withdraw(session, key);
  }

  /**
   * Queues an UPDATE. Returns false once the peer's UPDATEs waiting here
   * reach `inputHighWater`: the session should stop reading its socket until
   * the engine has worked the backlog down to half of that (`onReadResumed`).
   * The engine never drops input; this bounds what it holds per peer.
   */
  receiveUpdate(peer: PeerId, update: UpdateMessage): boolean {
    const state = this.peers.get(peer);
    if (!state || state.status !== 'up') return true;
    this.schedule();
    return this.input.push(state, update);
  }

  /** Registers a callback fired when a peer whose `receiveUpdate` returned false may be read again. */
  onReadResumed(listener: (peer: PeerId) => void): () => void {
    return this.input.onResume(listener);
  }

  /** RFC 2918 §4: resend the whole Adj-RIB-Out to the peer. */
  routeRefreshRequested(peer: PeerId): void {
    const state = this.peers.get(peer);
    if (!state?.out || state.status !== 'up') return;
    state.out.startDump();
    this.schedule();
  }

  /** Routes held per peer (docs/azure-behaviour.md §2.3); a change applies to the next UPDATE. */
  get routeLimit(): number {
    return this.limit;
  }

  setRouteLimit(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RibError(RIB_ERROR_CODES.INVALID_OPTION, `route limit ${limit} must be a positive integer`);
    }
    this.limit = limit;
  }

  /** allowBranchToBranchTraffic changed: every prefix is re-exported to every peer (changes only). */
  setBranchToBranch(on: boolean): void {
    if (on === this.branchToBranch) return;
    this.branchToBranch = on;
    this.exporter.setContext({ branchToBranch: on, role: this.role });
    for (const group of this.groups.values()) this.reexport(group);
    this.schedule();
  }

  get hubRoutingPreference(): RoutingPreference {
    return this.locRib.preference;
  }

  /**
   * hubRoutingPreference changed (docs/azure-behaviour.md §4.3): every prefix
   * with several paths is decided again, in slices; the VNet and the peers
   * get the differences. Sessions stay up.
   */
  setHubRoutingPreference(preference: RoutingPreference): void {
    if (preference === this.locRib.preference) return;
    this.locRib.preference = preference;
    this.slices.addWalk(
      eachKeyWalk(
        this.locRib.entries.keys(),
        (key) => {
          const before = this.locRib.get(key);
          if (this.locRib.redecide(key) && this.changed.get(key) === undefined)
            this.changed.set(key, before ?? NONE);
        },
        () => {},
        () => {},
      ),
    );
    this.schedule();
  }

  /** Registers a read-only observer of every up peer's Adj-RIB-In changes; returns the unsubscribe. */
  observeAdjRibIn(observer: AdjRibInObserver): () => void {
    this.observers = [...this.observers, observer];
    return () => (this.observers = this.observers.filter((o) => o !== observer));
  }

  /**
   * The peer's Adj-RIB-In (pre-policy; `verdict.accepted` marks the
   * post-policy routes) for an observer's table dump, read in slices: the
   * iterator stays valid while routes come and go (src/lib/prefix-map.ts).
   * Undefined when the peer is not up.
   */
  *adjRibIn(peer: PeerId): Generator<[PrefixKey, AdjRibInRoute]> {
    const state = this.peers.get(peer);
    if (state === undefined || state.status !== 'up') return;
    for (const [key, path] of state.adjRibIn) {
      if (state.status !== 'up') return;
      yield [key, path.attributes];
    }
  }

  onSessionCloseRequested(listener: SessionCloseListener): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /**
   * Dry run (docs/route-maps.md): what `map` would change on the peer's
   * routes in `direction`, read in slices; undefined when the peer is not up.
   */
  async evaluateRouteMap(
    peer: PeerId,
    map: CompiledRouteMap,
    direction: RouteMapDirection,
    limit = 1000,
  ): Promise<RouteMapEvaluation | undefined> {
    const state = this.peers.get(peer);
    if (!state || state.status !== 'up' || !state.out) return undefined;
    const policy = state.out.group.policy;
    const routes = direction === 'inbound' ? this.inboundRoutes(state) : this.outboundRoutes(peer, policy);
    const pause = () => new Promise<void>((resolve) => (this.options.schedule ?? setImmediate)(resolve));
    return dryRunRouteMap(map, direction, routes, { limit, sliceSize: this.sliceSize, pause });
  }

  private *inboundRoutes(state: PeerState): Generator<[PrefixKey, PathAttributes]> {
    for (const [key, path] of state.adjRibIn) yield [key, path.attributes.attributes];
  }

  /** The Loc-RIB routes the peer's group advertises (without a map), as the route server learned them. */
  private *outboundRoutes(peer: PeerId, policy: GroupPolicy): Generator<[PrefixKey, PathAttributes]> {
    for (const [key, entry] of this.locRib.entries) {
      if (this.localRoutes.has(key)) continue;
      const exported = this.exporter.bestPath(policy, key, entry);
      if (exported === undefined || exported.source === peer) continue;
      yield [key, bestOf(entry).attributes.attributes];
    }
  }

  learnedRoutes(peer: PeerId, options: { includeRejected?: boolean } = {}): LearnedRoute[] {
    const state = this.peers.get(peer);
    return state ? learnedRouteViews(this.viewSource, state, options.includeRejected ?? false) : [];
  }

  /** A peer's routes for `keys` with their communities, and its first `rejectedLimit` rejected routes (views.ts). */
  learnedRouteDetails(
    peer: PeerId,
    keys: readonly PrefixKey[],
    rejectedLimit: number,
  ): ReturnType<typeof learnedRouteDetails> {
    const state = this.peers.get(peer);
    return state
      ? learnedRouteDetails(this.viewSource, state, keys, rejectedLimit)
      : { routes: [], rejected: [], rejectedTotal: 0 };
  }

  advertisedRoutes(peer: PeerId): AdvertisedRoute[] {
    const state = this.peers.get(peer);
    return state?.out ? advertisedRouteViews(this.viewSource, state.out) : [];
  }

  peerCounters(peer: PeerId): PeerCounters | undefined {
    const state = this.peers.get(peer);
    if (!state) return undefined;
    return {
      received: state.adjRibIn.size,
      accepted: state.accepted,
      advertised: state.out?.advertisedCount ?? 0,
      routeLimitExceeded: this.limitTrips.get(peer) ?? 0,
      withheld: state.out?.group.held.size ?? 0,
    };
  }

  /**
   * UPDATEs received and not yet processed. The wiring layer may stop reading
   * from sessions while this is high (the engine itself never drops input).
   */
  get queuedUpdates(): number {
    return this.input.size;
  }

  get locRibSize(): number {
    return this.locRib.size;
  }

  get injectedSize(): number {
    return this.injection.size;
  }

  /** Encoded UPDATEs held for peers that have not read them yet (every update group's journal). */
  get journalBytes(): number {
    let bytes = 0;
    for (const group of this.groups.values()) bytes += group.journalBytes;
    return bytes;
  }

  get attributeSetCount(): number {
    return this.store.size;
  }

  whenIdle(): Promise<void> {
    return this.slices.whenIdle(this.hasWork());
  }

  /** Stops listening to the virtual network. Queued work still completes. */
  dispose(): void {
    this.unsubscribe();
    this.stale.clear();
  }

  // ------------------------------------------------------------ route limit, closing sessions

  private tripRouteLimit(peer: PeerState, announced: number): void {
    this.counters.routeLimitExceeded++;
    this.limitTrips.set(peer.id, (this.limitTrips.get(peer.id) ?? 0) + 1);
    const held = peer.adjRibIn.size;
    publishRibEvent({
      type: 'route-limit-exceeded',
      instance: this.instance,
      peer: peer.id,
      held,
      announced,
      limit: this.routeLimit,
    });
    this.closeSession(peer, 'route-limit', routeLimitNotification(this.routeLimit));
  }

  /** The peer fell too far behind its group's journal: close it (RFC 4486 Cease / Out of Resources). */
  private tripOutputLag(member: AdjRibOut, lag: number): void {
    const peer = this.peers.get(member.peer);
    if (!peer || peer.out !== member) return;
    this.counters.outputLagExceeded++;
    publishRibEvent({
      type: 'output-lag-exceeded',
      instance: this.instance,
      peer: peer.id,
      lagBytes: lag,
      limit: this.outputLagLimit,
    });
    this.closeSession(peer, 'output-lag', outOfResourcesNotification());
  }

  /**
   * Ignores what the peer sends from now on, withdraws its routes (in
   * slices) and asks the owner to close the session with `notification`;
   * `peerDown` follows when the session has closed.
   */
  private closeSession(
    peer: PeerState,
    reason: SessionCloseRequest['reason'],
    notification: NotificationMessage,
  ): void {
    peer.status = 'closing';
    this.leaveGroup(peer);
    this.withdrawAll(peer);
    const request: SessionCloseRequest = { peer: peer.id, reason, notification };
    for (const listener of [...this.closeListeners]) listener(request);
  }

  // ------------------------------------------------------------ slices

  private schedule(): void {
    this.slices.schedule();
  }

  private hasWork(): boolean {
    if (this.input.size > 0 || this.slices.walking || this.changed.size > 0) return true;
    for (const peer of this.moving) if (this.peers.get(peer)?.out?.paused === false) return true;
    for (const group of this.groups.values()) {
      if (group.hasWork) return true;
      for (const member of group.members.values()) if (member.hasWork) return true;
    }
    return false;
  }

  /**
   * One slice: ingest queued UPDATEs, advance table walks, publish the
   * slice's VNet changes, then flush the update groups to their peers.
   */
  private runSlice(): void {
    this.counters.slices++;
    const used = this.ingestQueued(this.sliceSize);
    this.slices.runWalks(Math.max(this.sliceSize - used, this.sliceSize >> 2));
    this.finishSlice();
    this.flushOutputs();
    this.slices.sliceDone(this.hasWork());
  }

  private ingestQueued(budget: number): number {
    return this.input.drain(
      budget,
      (peer, update) => 1 + ingestUpdate(this.ingestTable, peer, update, this.counters),
    );
  }

  /** Publishes the slice's injected-route changes and marks export work. */
  private finishSlice(): void {
    if (this.changed.size === 0) return;
    const groups = [...this.groups.values()];
    this.changed.forEach((previous, key) => {
      const before = previous === NONE ? undefined : previous;
      const after = this.locRib.get(key);
      this.injection.change(key, before, after);
      if (groups.length > 0 && !this.localRoutes.has(key)) this.markExport(key, before, after, groups);
    });
    this.changed.clear();
    this.publishInjection();
  }

  private publishInjection(): void {
    this.counters.injectedChanges += this.injection.publish();
  }

  /** One offer per update group, whatever the number of peers in it. */
  private markExport(
    key: PrefixKey,
    before: LocRibEntry | undefined,
    after: LocRibEntry | undefined,
    groups: readonly UpdateGroup[],
  ): void {
    const oldBest = before && bestOf(before);
    const newBest = after && bestOf(after);
    if (oldBest === newBest) return;
    for (const group of groups) {
      // Straight into the batch unless earlier changes wait in the dirty set.
      if (group.dirty.size === 0 && group.routeMap === undefined)
        group.offer(key, after && this.exporter.bestPath(group.policy, key, after));
      else group.dirty.add(key);
    }
  }

  private flushOutputs(): void {
    for (const group of this.groups.values()) {
      if (group.hasWork) group.flush(this.sliceSize, (key) => this.exportFor(group, key));
      const busy = [...group.members.values()].filter((member) => member.hasWork);
      const share = Math.max(1024, Math.floor(this.sliceSize / Math.max(1, busy.length)));
      for (const member of busy) this.count(member, member.pump(share));
      this.closeLaggards(group);
      group.trim();
    }
    for (const peer of [...this.moving]) this.moveWhenCaughtUp(peer);
  }

  /** Closes the sessions of members more than `outputLagLimit` journal bytes behind. */
  private closeLaggards(group: UpdateGroup): void {
    if (group.journalBytes <= this.outputLagLimit) return;
    for (const member of [...group.members.values()]) {
      const lag = group.lagOf(member.position);
      if (lag > this.outputLagLimit) this.tripOutputLag(member, lag);
    }
  }

  private count(member: AdjRibOut, result: SendResult): void {
    this.counters.updatesSent += result.messages;
    this.counters.prefixesAdvertised += result.announced;
    this.counters.prefixesWithdrawnSent += result.withdrawn;
    if (!result.endOfRib) return;
    this.counters.endOfRibSent++;
    publishRibEvent({
      type: 'end-of-rib-sent',
      instance: this.instance,
      peer: member.peer,
      routes: member.advertisedCount,
    });
  }

  // ------------------------------------------------------------ export

  /** What a group should advertise for `key` now: the VNet's own route, or the best path if export allows. */
  private exportFor(group: UpdateGroup, key: PrefixKey): RouteExport | undefined {
    if (this.localRoutes.has(key)) return this.exporter.addressSpace(group.policy, key);
    const entry = this.locRib.get(key);
    const exported = entry && this.exporter.bestPath(group.policy, key, entry);
    return group.routeMap ? group.routeMap.exportOf(key, exported, entry && bestOf(entry)) : exported;
  }

  // ------------------------------------------------------------ address spaces

  private readAddressSpaces(): PrefixMap<Prefix> {
    const spaces = new PrefixMap<Prefix>();
    for (const prefix of this.options.network.advertisedAddressSpaces())
      spaces.set(prefixKey(prefix), prefix);
    return spaces;
  }

  /** Soft reconfiguration: re-export the changed spaces, re-check injection of every Loc-RIB prefix. */
  private addressSpacesChanged(): void {
    const previous = this.localRoutes;
    const next = this.readAddressSpaces();
    this.localRoutes = next;
    const touched: PrefixKey[] = [];
    for (const key of previous.keys()) if (!next.has(key)) touched.push(key);
    for (const key of next.keys()) if (!previous.has(key)) touched.push(key);
    for (const group of this.groups.values()) for (const key of touched) group.dirty.add(key);
    this.recheckInjection();
    this.schedule();
  }

  // ------------------------------------------------------------ walks

  /** Re-checks the injection of every Loc-RIB prefix (the address spaces changed). */
  private recheckInjection(): void {
    this.slices.addWalk(
      eachKeyWalk(
        this.locRib.entries.keys(),
        (key) => {
          // Prefixes touched in this slice are re-checked when the slice ends.
          if (this.changed.has(key)) return;
          const entry = this.locRib.get(key)!;
          this.injection.change(key, entry, entry);
        },
        () => this.publishInjection(),
        () => {},
      ),
    );
  }

  /** Marks every prefix (address spaces, then the Loc-RIB) for export by a new group. */
  private fill(group: UpdateGroup): void {
    for (const key of this.localRoutes.keys()) group.dirty.add(key);
    const isCurrent = () => this.groups.get(group.key) === group;
    this.slices.addWalk(
      markAllWalk(group, this.locRib.entries.keys(), isCurrent, () => (group.filled = true)),
    );
  }

  /** Marks every Loc-RIB prefix for re-export by `group` (only differences are sent). */
  private reexport(group: UpdateGroup): void {
    const isCurrent = () => this.groups.get(group.key) === group;
    this.slices.addWalk(markAllWalk(group, this.locRib.entries.keys(), isCurrent));
  }

  /** Withdraws every route of a peer that is no longer up (nothing is added behind the iterator). */
  private withdrawAll(peer: PeerState): void {
    this.slices.addWalk(
      eachKeyWalk(
        peer.adjRibIn.keys(),
        (key) => this.withdraw(peer, key),
        () => {},
        () => publishRibEvent({ type: 'peer-routes-withdrawn', instance: this.instance, peer: peer.id }),
      ),
    );
  }

  // ------------------------------------------------------------ per-prefix changes

  private announce(peer: PeerState, key: PrefixKey, path: Path): void {
    const previous = peer.adjRibIn.swap(key, path);
    if (previous === path) return;
    if (this.observers.length > 0) this.observe(peer, key, path.attributes, previous?.attributes);
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

  private observe(
    peer: PeerState,
    key: PrefixKey,
    route: AdjRibInRoute | undefined,
    previous: AdjRibInRoute | undefined,
  ): void {
    for (const observer of this.observers) observer.adjRibInChanged(peer.id, key, route, previous);
  }

  private withdraw(peer: PeerState, key: PrefixKey): void {
    const previous = peer.adjRibIn.get(key);
    if (!previous) return;
    peer.adjRibIn.delete(key);
    if (this.observers.length > 0 && peer.status === 'up')
      this.observe(peer, key, undefined, previous.attributes);
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
  private switchPath(
    peer: PeerState,
    key: PrefixKey,
    leaving: Path | undefined,
    arriving: Path | undefined,
  ): void {
    const out = leaving?.accepted ? leaving : undefined;
    const into = arriving?.accepted ? arriving : undefined;
    if (out === into) return;
    if (into) peer.accepted++;
    if (out) peer.accepted--;
    const entry = this.locRib.get(key);
    this.changed.setIfAbsent(key, entry ?? NONE);
    this.locRib.replaceIn(key, entry, out, into);
  }

  // ------------------------------------------------------------ route maps

  /**
   * Sets a peer's route maps (docs/route-maps.md); applies at once to a peer
   * that is up, without touching its session: an inbound change
   * re-evaluates its Adj-RIB-In (kept pre-policy) in slices; an outbound
   * change moves it to the update group of its new map once it has read
   * its current group's journal, and the differences are sent.
   */
  setPeerRouteMaps(peer: PeerId, maps: PeerRouteMaps): void {
    const before = this.routeMaps.get(peer);
    if (maps.inbound || maps.outbound) this.routeMaps.set(peer, maps);
    else this.routeMaps.delete(peer);
    const state = this.peers.get(peer);
    if (!state || state.status !== 'up') return;
    if (before?.inbound?.fingerprint !== maps.inbound?.fingerprint) this.reapplyInbound(state, maps.inbound);
    if (before?.outbound?.fingerprint !== maps.outbound?.fingerprint) this.moving.add(peer);
    this.schedule();
  }

  private reapplyInbound(state: PeerState, map: CompiledRouteMap | undefined): void {
    if (!state.inbound && !map) return;
    const inbound = (state.inbound ??= new InboundRouteMap(state, this.store, this.inboundTable, undefined));
    inbound.replaceMap(map);
    const current = () => state.status === 'up' && state.inbound === inbound;
    this.slices.addWalk(
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

  /** Moves a peer whose outbound map changed to its new group once it has read its current one. */
  private moveWhenCaughtUp(peer: PeerId): void {
    const state = this.peers.get(peer);
    const out = state?.out;
    if (!state || !out || state.status !== 'up') {
      this.moving.delete(peer);
      return;
    }
    if (out.paused || out.position < out.group.end) return;
    this.moving.delete(peer);
    const previous = out.group;
    const wanted = this.routeMaps.get(peer)?.outbound;
    if (previous.routeMap?.map.fingerprint === wanted?.fingerprint) return;
    // the old group's table: its own when it empties, else a copy (it goes on changing for the others)
    const advertised = previous.members.size > 1 ? [...previous.sent.entries()] : previous.sent;
    this.leaveGroup(state);
    const group = this.joinGroup(state.info, wanted);
    state.out = new AdjRibOut(peer, out.output, group, () => this.schedule(), { advertised });
    group.members.set(peer, state.out);
    this.schedule();
  }
}

/** The keys of a session's Adj-RIB-In of one family (IPv4 keys are numbers, IPv6 keys strings). */
function* staleKeys(session: PeerState, family: 4 | 6 | undefined): Generator<PrefixKey> {
  for (const key of session.adjRibIn.keys()) {
    if (family === undefined || (typeof key === 'number') === (family === 4)) yield key;
  }
}
