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
 * - `peerDown(peer)` when the session leaves Established.
 * - `onSessionCloseRequested(listener)`: the engine asks its owner to close
 *   a session (route limit exceeded), with the NOTIFICATION to send.
 * - `learnedRoutes(peer)`, `advertisedRoutes(peer)`, `counters`, `peerCounters(peer)`.
 * - `whenIdle()` resolves once every queued piece of work is done.
 *
 * Work never runs inside these calls: it is queued and done in slices of at
 * most `sliceSize` prefixes, yielding to the event loop between slices
 * (setImmediate by default), so keepalives keep flowing under a full table.
 * Each slice: ingest queued UPDATEs, advance table walks (peer down, dumps,
 * refreshes, address-space changes), publish the slice's changes to the VNet
 * (one `applyInjectedRoutes` call), then flush Adj-RIBs-Out.
 */
import type { NotificationMessage, UpdateMessage } from '../bgp/codec/index.js';
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import { parseIpv4, parseIpv6, prefixFromKey, prefixKey } from '../lib/prefix.js';
import { AZURE_ROUTE_SERVER_ASN, DEFAULT_ROUTE_LIMIT, routeLimitNotification } from '../policy/index.js';
import { AdjRibOut } from './adj-rib-out.js';
import type { SendResult } from './adj-rib-out.js';
import { Exporter } from './exporter.js';
import type { RouteExport } from './exporter.js';
import { groupKeyOf, UpdateGroup } from './update-group.js';
import { AttributeStore } from './attribute-store.js';
import { RIB_ERROR_CODES, RibError } from './errors.js';
import { publishRibEvent } from './events.js';
import type { LocRibEntry } from './loc-rib.js';
import { bestOf, injectedRoute, LocRib, sameInjection } from './loc-rib.js';
import type { PeerId, PeerInfo } from './peer.js';
import type { Path } from './peer.js';
import { PeerState } from './peer.js';
import type {
  InjectedRouteChange,
  InjectedRouteSink,
  InstanceId,
  PeerOutput,
  VirtualNetworkView,
} from './ports.js';
import type { AdvertisedRoute, LearnedRoute } from './views.js';
import { advertisedRouteViews, learnedRouteViews } from './views.js';
import { ingestUpdate } from './ingest.js';
import { DEFAULT_OUTPUT_LAG_LIMIT, outOfResourcesNotification } from './session-close.js';
import type { SessionCloseListener, SessionCloseRequest } from './session-close.js';
import { InputQueue } from './input-queue.js';
import { PrefixMap, PrefixSet } from '../lib/prefix-map.js';
import type { IngestTable } from './ingest.js';

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
  /** allowBranchToBranchTraffic: gateway routes are advertised to NVAs */
  readonly branchToBranch?: boolean;
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

export interface PeerCounters {
  readonly received: number;
  readonly accepted: number;
  readonly advertised: number;
  readonly routeLimitExceeded: number;
}

interface Walk {
  /** processes up to `budget` items; returns the number processed, or -1 when finished */
  step(budget: number): number;
}

const NONE = Symbol('none');
type Before = LocRibEntry | typeof NONE;

export class RouteEngine implements IngestTable {
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
  private limit: number;
  readonly store: AttributeStore;
  readonly locRib = new LocRib();
  private readonly peers = new Map<PeerId, PeerState>();
  /** update groups by export policy (src/rib/update-group.ts) */
  private readonly groups = new Map<string, UpdateGroup>();
  private readonly limitTrips = new Map<PeerId, number>();
  private readonly input: InputQueue;
  private readonly walks: Walk[] = [];
  /** Loc-RIB entries, as they were when the current slice first touched each prefix */
  private readonly changed = new PrefixMap<Before>();
  /** Loc-RIB prefixes not injected because they lie within an advertised address space */
  private readonly withheld = new PrefixSet();
  private withheldCount = 0;
  private localRoutes = new PrefixMap<Prefix>();
  private readonly closeListeners = new Set<SessionCloseListener>();
  private idleWaiters: (() => void)[] = [];
  private scheduled = false;
  private sequence = 0;
  private injectedCount = 0;
  private readonly exporter: Exporter;
  private readonly sliceSize: number;
  private readonly outputLagLimit: number;
  private readonly scheduleTask: (task: () => void) => void;
  private readonly unsubscribe: () => void;

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
    this.exporter = new Exporter(this.localAsn, v4, v6, { branchToBranch: options.branchToBranch ?? false });
    this.store = new AttributeStore({ localAsn: this.localAsn });
    this.scheduleTask = options.schedule ?? ((task) => setImmediate(task));
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
    const group = this.joinGroup(info);
    state.out = new AdjRibOut(peer, output, group, () => this.schedule());
    group.members.set(peer, state.out);
    this.peers.set(peer, state);
    this.schedule();
  }

  /** The update group for the peer's export policy; a new group exports the whole Loc-RIB. */
  private joinGroup(info: PeerInfo): UpdateGroup {
    const policy = {
      context: info.capabilities.context,
      ipv6Unicast: info.capabilities.ipv6Unicast ?? false,
    };
    const key = groupKeyOf(policy);
    let group = this.groups.get(key);
    if (!group) {
      group = new UpdateGroup(key, policy);
      this.groups.set(key, group);
      this.walks.push(this.fillWalk(group));
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

  peerDown(peer: PeerId): void {
    const state = this.peers.get(peer);
    if (!state) return;
    this.peers.delete(peer);
    const wasUp = state.status === 'up';
    state.status = 'down';
    this.leaveGroup(state);
    if (wasUp) this.walks.push(this.withdrawAllWalk(state));
    this.schedule();
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
    this.exporter.setContext({ branchToBranch: on });
    for (const group of this.groups.values()) this.walks.push(this.reexportWalk(group));
    this.schedule();
  }

  onSessionCloseRequested(listener: SessionCloseListener): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  learnedRoutes(peer: PeerId, options: { includeRejected?: boolean } = {}): LearnedRoute[] {
    const state = this.peers.get(peer);
    return state ? learnedRouteViews(this, state, options.includeRejected ?? false) : [];
  }

  advertisedRoutes(peer: PeerId): AdvertisedRoute[] {
    const state = this.peers.get(peer);
    return state?.out ? advertisedRouteViews(this, state.out) : [];
  }

  peerCounters(peer: PeerId): PeerCounters | undefined {
    const state = this.peers.get(peer);
    if (!state) return undefined;
    return {
      received: state.adjRibIn.size,
      accepted: state.accepted,
      advertised: state.out?.advertisedCount ?? 0,
      routeLimitExceeded: this.limitTrips.get(peer) ?? 0,
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
    return this.injectedCount;
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

  /** True when a prefix of the Loc-RIB is withheld from the VNet (within an advertised address space). */
  isWithheld(key: PrefixKey): boolean {
    return this.withheld.has(key);
  }

  whenIdle(): Promise<void> {
    if (!this.hasWork()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops listening to the virtual network. Queued work still completes. */
  dispose(): void {
    this.unsubscribe();
  }

  // ------------------------------------------------------------ IngestTable (used by ingest)

  noteChange(key: PrefixKey): void {
    if (this.changed.get(key) === undefined) this.changed.set(key, this.locRib.get(key) ?? NONE);
  }

  tripRouteLimit(peer: PeerState, announced: number): void {
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
    this.walks.push(this.withdrawAllWalk(peer));
    const request: SessionCloseRequest = { peer: peer.id, reason, notification };
    for (const listener of [...this.closeListeners]) listener(request);
  }

  // ------------------------------------------------------------ slices

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.scheduleTask(() => this.runSlice());
  }

  private hasWork(): boolean {
    if (this.input.size > 0 || this.walks.length > 0 || this.changed.size > 0) return true;
    for (const group of this.groups.values()) {
      if (group.hasWork) return true;
      for (const member of group.members.values()) if (member.hasWork) return true;
    }
    return false;
  }

  private runSlice(): void {
    this.scheduled = false;
    this.counters.slices++;
    const used = this.ingestQueued(this.sliceSize);
    this.runWalks(Math.max(this.sliceSize - used, this.sliceSize >> 2));
    this.finishSlice();
    this.flushOutputs();
    if (this.hasWork()) {
      this.schedule();
    } else {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private ingestQueued(budget: number): number {
    return this.input.drain(budget, (peer, update) => 1 + ingestUpdate(this, peer, update, this.counters));
  }

  private runWalks(budget: number): void {
    while (budget > 0 && this.walks.length > 0) {
      const walk = this.walks[0]!;
      const done = walk.step(budget);
      if (done < 0) this.walks.shift();
      else budget -= Math.max(1, done);
    }
  }

  /** Publishes the slice's injected-route changes and marks export work. */
  private finishSlice(): void {
    if (this.changed.size === 0) return;
    const changes: InjectedRouteChange[] = [];
    const groups = [...this.groups.values()];
    this.changed.forEach((previous, key) => {
      const before = previous === NONE ? undefined : previous;
      const after = this.locRib.get(key);
      this.injectionChange(key, before, after, changes);
      if (groups.length > 0 && !this.localRoutes.has(key)) this.markExport(key, before, after, groups);
    });
    this.changed.clear();
    if (changes.length > 0) {
      this.counters.injectedChanges += changes.length;
      this.options.sink.applyInjectedRoutes(this.instance, changes);
    }
  }

  private injectionChange(
    key: PrefixKey,
    before: LocRibEntry | undefined,
    after: LocRibEntry | undefined,
    changes: InjectedRouteChange[],
  ): void {
    const anyWithheld = this.withheldCount > 0;
    const wasWithheld = anyWithheld && this.withheld.has(key);
    const wasInjected = before !== undefined && !wasWithheld;
    let prefix: Prefix | undefined;
    let nowInjected = false;
    if (after) {
      prefix = prefixFromKey(key);
      nowInjected = this.options.network.isInjectable(prefix);
    }
    if (after && !nowInjected && !wasWithheld) {
      this.withheld.add(key);
      this.withheldCount++;
    } else if (wasWithheld && (nowInjected || !after)) {
      this.withheld.delete(key);
      this.withheldCount--;
    }
    if (!wasInjected && !nowInjected) return;
    if (!nowInjected) {
      this.injectedCount--;
      changes.push({ prefix: prefixFromKey(key), route: null });
    } else if (!wasInjected || !sameInjection(before, after!)) {
      if (!wasInjected) this.injectedCount++;
      changes.push({ prefix: prefix!, route: injectedRoute(prefix!, after!) });
    }
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
      if (group.dirty.size === 0) group.offer(key, after && this.exporter.bestPath(group.policy, key, after));
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
    return entry && this.exporter.bestPath(group.policy, key, entry);
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
    this.walks.push(this.injectabilityWalk());
    this.schedule();
  }

  // ------------------------------------------------------------ walks

  private injectabilityWalk(): Walk {
    const keys = this.locRib.entries.keys();
    const changes: InjectedRouteChange[] = [];
    return {
      step: (budget) => {
        for (let i = 0; i < budget; i++) {
          const next = keys.next();
          if (next.done) {
            this.publish(changes.splice(0));
            return -1;
          }
          const key = next.value;
          // Prefixes touched in this slice are re-checked when the slice ends.
          if (this.changed.has(key)) continue;
          const entry = this.locRib.get(key)!;
          this.injectionChange(key, entry, entry, changes);
        }
        this.publish(changes.splice(0));
        return budget;
      },
    };
  }

  private publish(changes: InjectedRouteChange[]): void {
    if (changes.length === 0) return;
    this.counters.injectedChanges += changes.length;
    this.options.sink.applyInjectedRoutes(this.instance, changes);
  }

  /** Marks every prefix (address spaces, then the Loc-RIB) for export by a new group. */
  private fillWalk(group: UpdateGroup): Walk {
    const locRibKeys = this.locRib.entries.keys();
    const localKeys = [...this.localRoutes.keys()];
    return {
      step: (budget) => {
        if (this.groups.get(group.key) !== group) return -1;
        for (const key of localKeys.splice(0)) group.dirty.add(key);
        for (let i = 0; i < budget * 4; i++) {
          const next = locRibKeys.next();
          if (next.done) {
            group.filled = true;
            return -1;
          }
          group.dirty.add(next.value);
        }
        return budget;
      },
    };
  }

  /** Marks every Loc-RIB prefix for re-export by `group` (only differences are sent). */
  private reexportWalk(group: UpdateGroup): Walk {
    const keys = this.locRib.entries.keys();
    return {
      step: (budget) => {
        if (this.groups.get(group.key) !== group) return -1;
        for (let i = 0; i < budget * 4; i++) {
          const next = keys.next();
          if (next.done) return -1;
          group.dirty.add(next.value);
        }
        return budget;
      },
    };
  }

  private withdrawAllWalk(peer: PeerState): Walk {
    // The peer is no longer up, so nothing is added behind the iterator.
    const keys = peer.adjRibIn.keys();
    return {
      step: (budget) => {
        for (let i = 0; i < budget; i++) {
          const next = keys.next();
          if (next.done) {
            publishRibEvent({ type: 'peer-routes-withdrawn', instance: this.instance, peer: peer.id });
            return -1;
          }
          this.withdraw(peer, next.value);
        }
        return budget;
      },
    };
  }

  // ------------------------------------------------------------ per-prefix changes

  announce(peer: PeerState, key: PrefixKey, path: Path): void {
    const previous = peer.adjRibIn.get(key);
    if (previous === path) return;
    peer.adjRibIn.set(key, path);
    path.prefixes++;
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
      if (this.changed.get(key) === undefined) this.changed.set(key, entry ?? NONE);
      this.locRib.replaceIn(key, entry, leaving, accepted ? path : undefined);
    }
    if (previous) peer.releaseIfUnused(previous);
  }

  withdraw(peer: PeerState, key: PrefixKey): void {
    const previous = peer.adjRibIn.get(key);
    if (!previous) return;
    peer.adjRibIn.delete(key);
    previous.prefixes--;
    if (previous.attributes.verdict.accepted) {
      peer.accepted--;
      this.noteChange(key);
      this.locRib.replace(key, previous, undefined);
    }
    peer.releaseIfUnused(previous);
  }
}
