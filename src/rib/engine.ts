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
 * ingest in ingest.ts and its backpressure in input-queue.ts, every change of
 * a peer's Adj-RIB-In and its way into the Loc-RIB in adj-rib-in.ts, the VNet
 * injection bookkeeping (the one place the engine asks whether a prefix is
 * injectable) in injection.ts, the update groups and the advertised address
 * spaces in update-groups.ts (one group in update-group.ts, each peer's
 * position in adj-rib-out.ts), the peers' route maps, applied live, and the
 * dry run in peer-route-maps.ts, graceful restart's stale routes in
 * stale-routes.ts, and the API's route views in views.ts, which read the
 * tables through a narrow interface (the tables are private).
 */
import type { NotificationMessage, UpdateMessage } from '../bgp/codec/index.js';
import type { PrefixKey } from '../lib/prefix.js';
import { parseIpv4, parseIpv6 } from '../lib/prefix.js';
import { routeLimitNotification } from '../policy/index.js';
import type { CompiledRouteMap, EngineRole } from '../policy/index.js';
import type { RoutingPreference } from './decision.js';
import type { AdjRibOut } from './adj-rib-out.js';
import { AdjRibIn } from './adj-rib-in.js';
import { Exporter } from './exporter.js';
import type { RouteMapDirection, RouteMapEvaluation } from './route-map-dry-run.js';
import { AttributeStore } from './attribute-store.js';
import { settingsOf, zeroCounters } from './engine-options.js';
import type { PeerCounters, RouteEngineCounters, RouteEngineOptions } from './engine-options.js';
import { RIB_ERROR_CODES, RibError } from './errors.js';
import { publishRibEvent } from './events.js';
import type { RibEvent } from './events.js';
import { LocRib } from './loc-rib.js';
import type { PeerId, PeerInfo } from './peer.js';
import { PeerState } from './peer.js';
import { PeerRouteMapTable } from './peer-route-maps.js';
import type { PeerRouteMaps } from './peer-route-maps.js';
import type { AdjRibInObserver, AdjRibInRoute, InstanceId, PeerOutput } from './ports.js';
import type { AdvertisedRoute, LearnedRoute } from './views.js';
import { advertisedRouteViews, learnedRouteDetails, learnedRouteViews } from './views.js';
import { ingestUpdate } from './ingest.js';
import { outOfResourcesNotification } from './session-close.js';
import type { SessionCloseListener, SessionCloseRequest } from './session-close.js';
import { InputQueue } from './input-queue.js';
import { VnetInjection } from './injection.js';
import { eachKeyWalk, SliceScheduler } from './slices.js';
import type { IngestTable } from './ingest.js';
import { StaleRoutes, systemStaleTimers } from './stale-routes.js';
import { UpdateGroups } from './update-groups.js';

export class RouteEngine {
  readonly instance: InstanceId;
  readonly localAddress: string;
  readonly localAsn: number;
  readonly role: EngineRole;
  private readonly tally = zeroCounters();
  private branchToBranch: boolean;
  private limit: number;
  private readonly store: AttributeStore;
  private readonly locRib = new LocRib();
  /** the peers' current sessions */
  private readonly peers = new Map<PeerId, PeerState>();
  private readonly adjRibsIn: AdjRibIn;
  private readonly groups: UpdateGroups;
  private readonly routeMaps: PeerRouteMapTable;
  private readonly limitTrips = new Map<PeerId, number>();
  private readonly input: InputQueue;
  private readonly slices: SliceScheduler;
  private readonly injection: VnetInjection;
  private readonly closeListeners = new Set<SessionCloseListener>();
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
  private readonly viewSource: Parameters<typeof learnedRouteViews>[0];
  private readonly publishEvent: (event: RibEvent) => void;

  constructor(private readonly options: RouteEngineOptions) {
    const settings = settingsOf(options);
    this.publishEvent = options.publishEvent ?? publishRibEvent;
    this.instance = options.instance;
    this.localAddress = options.localAddress;
    this.localAsn = settings.localAsn;
    this.limit = settings.routeLimit;
    this.sliceSize = settings.sliceSize;
    this.outputLagLimit = settings.outputLagLimit;
    this.role = settings.role;
    this.branchToBranch = settings.branchToBranch;
    this.input = new InputQueue(settings.inputHighWater);
    this.exporter = new Exporter(
      this.localAsn,
      settings.localV4,
      settings.localV6,
      { branchToBranch: this.branchToBranch, role: this.role },
      settings.internalNextHop,
    );
    this.locRib.preference = settings.hubRoutingPreference;
    this.store = new AttributeStore({
      localAsn: this.localAsn,
      expressRouteLoopGuard: this.role === 'expressroute-gateway',
    });
    const schedule = () => this.schedule();
    this.slices = new SliceScheduler(options.schedule ?? ((task) => setImmediate(task)), () =>
      this.runSlice(),
    );
    const adjRibsIn = (this.adjRibsIn = new AdjRibIn(this.locRib));
    this.stale = new StaleRoutes(
      options.staleTimers ?? systemStaleTimers,
      (session, key) => adjRibsIn.withdraw(session, key),
      this.slices,
    );
    this.ingestTable = this.ingestTableOf();
    this.injection = new VnetInjection(options.instance, options.network, options.sink);
    this.groups = new UpdateGroups({
      instance: this.instance,
      role: this.role,
      expressRouteLimit: settings.expressRouteLimit,
      sliceSize: this.sliceSize,
      outputLagLimit: this.outputLagLimit,
      counters: this.tally,
      locRib: this.locRib,
      exporter: this.exporter,
      slices: this.slices,
      peerKind: (peer) => this.peers.get(peer)?.info.kind,
      outputLagExceeded: (member, lag) => this.tripOutputLag(member, lag),
      schedule,
      publishEvent: this.publishEvent,
    });
    this.routeMaps = new PeerRouteMapTable({
      store: this.store,
      slices: this.slices,
      groups: this.groups,
      inboundTable: {
        switchPath: (peer, key, leaving, arriving) => adjRibsIn.switchPath(peer, key, leaving, arriving),
      },
      sliceSize: this.sliceSize,
      pause: () => new Promise<void>((resolve) => (options.schedule ?? setImmediate)(resolve)),
      peer: (peer) => this.peers.get(peer),
      schedule,
    });
    this.viewSource = {
      localAddress: options.localAddress,
      locRib: { get: (key: PrefixKey) => this.locRib.get(key) },
      isWithheld: (key: PrefixKey) => this.injection.isWithheld(key),
    };
    this.groups.setAddressSpaces(options.network.advertisedAddressSpaces());
    this.unsubscribe = options.network.onAddressSpacesChanged(() => this.addressSpacesChanged());
  }

  /** What ingest works on: the Adj-RIB-In, where a new session's route replaces its stale one first. */
  private ingestTableOf(): IngestTable {
    const { adjRibsIn, stale, store } = this;
    const routeLimit = () => this.limit;
    return {
      get routeLimit() {
        return routeLimit();
      },
      store,
      announce: (peer, key, path) => {
        if (!stale.empty) stale.replace(peer.id, key);
        adjRibsIn.announce(peer, key, path);
      },
      withdraw: (peer, key) => {
        if (!stale.empty) stale.replace(peer.id, key);
        adjRibsIn.withdraw(peer, key);
      },
      tripRouteLimit: (peer, announced) => this.tripRouteLimit(peer, announced),
    };
  }

  // ------------------------------------------------------------ sessions

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
    const outbound = this.routeMaps.attach(state);
    state.out = this.groups.join(peer, info, output, outbound);
    this.peers.set(peer, state);
    this.schedule();
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
    this.routeMaps.detach(peer);
    const wasUp = state.status === 'up';
    state.status = 'down';
    this.groups.leave(state);
    if (wasUp && keep !== undefined && keep > 0) {
      this.stale.retain(state);
      this.stale.arm(peer, keep);
      this.publishEvent({
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
    this.stale.sweep(peer, family);
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

  onSessionCloseRequested(listener: SessionCloseListener): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  // ------------------------------------------------------------ settings

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
    this.groups.reexportAll();
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
        (key) => this.adjRibsIn.redecide(key),
        () => {},
        () => {},
      ),
    );
    this.schedule();
  }

  /**
   * Sets a peer's route maps (docs/route-maps.md); applies at once to a peer
   * that is up, without touching its session (src/rib/peer-route-maps.ts).
   */
  setPeerRouteMaps(peer: PeerId, maps: PeerRouteMaps): void {
    this.routeMaps.set(peer, maps);
  }

  /**
   * Dry run (docs/route-maps.md): what `map` would change on the peer's
   * routes in `direction`, read in slices; undefined when the peer is not up.
   */
  evaluateRouteMap(
    peer: PeerId,
    map: CompiledRouteMap,
    direction: RouteMapDirection,
    limit = 1000,
  ): Promise<RouteMapEvaluation | undefined> {
    return this.routeMaps.evaluate(peer, map, direction, limit);
  }

  // ------------------------------------------------------------ reading the tables

  /** Registers a read-only observer of every up peer's Adj-RIB-In changes; returns the unsubscribe. */
  observeAdjRibIn(observer: AdjRibInObserver): () => void {
    return this.adjRibsIn.observe(observer);
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

  /** What the engine has done since it started (read-only: the engine counts). */
  get counters(): Readonly<RouteEngineCounters> {
    return this.tally;
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
    return this.groups.journalBytes;
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
    this.tally.routeLimitExceeded++;
    this.limitTrips.set(peer.id, (this.limitTrips.get(peer.id) ?? 0) + 1);
    const held = peer.adjRibIn.size;
    this.publishEvent({
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
    this.tally.outputLagExceeded++;
    this.publishEvent({
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
    this.groups.leave(peer);
    this.withdrawAll(peer);
    const request: SessionCloseRequest = { peer: peer.id, reason, notification };
    for (const listener of [...this.closeListeners]) listener(request);
  }

  // ------------------------------------------------------------ slices

  private schedule(): void {
    this.slices.schedule();
  }

  private hasWork(): boolean {
    if (this.input.size > 0 || this.slices.walking || this.adjRibsIn.hasChanges) return true;
    return this.routeMaps.hasWork || this.groups.hasWork;
  }

  /**
   * One slice: ingest queued UPDATEs, advance table walks, publish the
   * slice's VNet changes, then flush the update groups to their peers.
   */
  private runSlice(): void {
    this.tally.slices++;
    const used = this.ingestQueued(this.sliceSize);
    this.slices.runWalks(Math.max(this.sliceSize - used, this.sliceSize >> 2));
    this.finishSlice();
    this.groups.flush();
    this.routeMaps.moveCaughtUp();
    this.slices.sliceDone(this.hasWork());
  }

  private ingestQueued(budget: number): number {
    return this.input.drain(
      budget,
      (peer, update) => 1 + ingestUpdate(this.ingestTable, peer, update, this.tally),
    );
  }

  /** Publishes the slice's injected-route changes and offers them to the update groups. */
  private finishSlice(): void {
    if (!this.adjRibsIn.hasChanges) return;
    this.adjRibsIn.takeChanges((key, before, after) => {
      this.injection.change(key, before, after);
      this.groups.offer(key, before, after);
    });
    this.publishInjection();
  }

  private publishInjection(): void {
    this.tally.injectedChanges += this.injection.publish();
  }

  // ------------------------------------------------------------ address spaces, walks

  /** Soft reconfiguration: re-export the changed spaces, re-check injection of every Loc-RIB prefix. */
  private addressSpacesChanged(): void {
    this.groups.setAddressSpaces(this.options.network.advertisedAddressSpaces());
    this.recheckInjection();
    this.schedule();
  }

  /** Re-checks the injection of every Loc-RIB prefix (the address spaces changed). */
  private recheckInjection(): void {
    this.slices.addWalk(
      eachKeyWalk(
        this.locRib.entries.keys(),
        (key) => {
          // Prefixes touched in this slice are re-checked when the slice ends.
          if (this.adjRibsIn.isChanged(key)) return;
          const entry = this.locRib.get(key)!;
          this.injection.change(key, entry, entry);
        },
        () => this.publishInjection(),
        () => {},
      ),
    );
  }

  /** Withdraws every route of a peer that is no longer up (nothing is added behind the iterator). */
  private withdrawAll(peer: PeerState): void {
    this.slices.addWalk(
      eachKeyWalk(
        peer.adjRibIn.keys(),
        (key) => this.adjRibsIn.withdraw(peer, key),
        () => {},
        () => this.publishEvent({ type: 'peer-routes-withdrawn', instance: this.instance, peer: peer.id }),
      ),
    );
  }
}
