/**
 * The BGP runtime of a deployment across hosts: this process runs some
 * instances of every route server (a `WorkerRuntime` told which, or none in
 * an API-only process); other processes run the others. What every instance
 * knows travels through the live state (src/store/live-state.ts), under each
 * process's lease, laid out as live-encoding.ts says:
 *
 * - this process publishes its instances' session states, the routes they
 *   inject into the virtual network, and the routes each peer advertised to
 *   them; the routes they advertise to a peer are read from the runtime when
 *   another process asks for them (advertised-queries.ts);
 * - it applies the other processes' injected routes to its own virtual
 *   network model as the routes of their instances, so effective routes (and
 *   their watches) are the union of what every instance learned, computed
 *   wherever they are asked for (docs/azure-behaviour.md §1.2);
 * - it answers session states, learned and advertised routes for every
 *   instance: its own from its runtime, the others' from what they published.
 *
 * When a process dies its lease expires: its keys are deleted, and here its
 * instances' sessions and routes go, as when an Azure instance fails; routes
 * another instance still injects stay in the effective tables.
 *
 * Injected routes are published within INJECTED_FLUSH_MS of their change,
 * or as soon as the previous injected publish was written, as deltas
 * (live-injected.ts): a change costs its own size, not its table's. Session
 * states go on every session event. Learned routes are read from the
 * instances and published ROUTES_SETTLE_MS after the last injected change or
 * session event, once no injected change waits and the peers' counters have
 * stopped moving (a table still arriving is read once, when it is complete),
 * at most ROUTES_MAX_WAIT_MS after the first change, and every `resyncMs` in
 * case a change injected nothing; only peers whose counters changed are
 * read. They are published `bulk`: they never delay the injected routes or
 * session states (docs/ha.md "Convergence").
 */
import { randomBytes } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { SESSION_CHANNEL, type SessionEvent } from '../bgp/session/index.js';
import type { RouteMapDefinition } from '../policy/index.js';
import type { RouteMapDirection } from '../rib/index.js';
import type { InstanceId } from '../rib/ports.js';
import type {
  BgpRuntime,
  InjectedRoutes,
  InjectedRoutesListener,
  InternalLinkSpec,
  InstanceHealth,
  InstanceRouteMapEvaluation,
  InstanceSessionState,
  LearnedRouteDetails,
  PeerRoute,
  PeerSpec,
  PeerStatistics,
  RouteServerRuntimeSettings,
  RouteServerRuntimeSpec,
  StartOptions,
  StartOutcome,
  VnetRouteChange,
} from '../runtime/index.js';
import type { LiveEntry, LiveStateStore } from '../store/index.js';
import { AdvertisedQueries } from './advertised-queries.js';
import { idKey } from './ids.js';
import {
  decodePeerRoutes,
  decodeSession,
  encodePeerRoutes,
  encodeSession,
  liveKey,
  parseLiveKey,
  type ParsedKey,
} from './live-encoding.js';
import { InjectedPublisher, RemoteInjected } from './live-injected.js';

/** The local runtime: a BgpRuntime that says which instances it runs. */
export interface LocalRuntime extends BgpRuntime {
  runsInstance(instance: InstanceId): boolean;
}

export interface SharedRuntimeOptions {
  /** learned routes are published again this often (default 5000 ms) */
  readonly resyncMs?: number;
  /** a failure outside a caller's request (a publish that failed is retried by the live state) */
  readonly onError?: (error: unknown) => void;
}

const INJECTED_FLUSH_MS = 10;
const ROUTES_SETTLE_MS = 100;
const ROUTES_MAX_WAIT_MS = 5000;
/**
 * Reading every peer's learned routes from the instances costs them and this
 * thread time in proportion to the table (seconds at 1,000,000 routes): the
 * next read waits this many times as long as the last one took.
 */
const ROUTES_DUTY_FACTOR = 3;

interface Served {
  readonly id: string;
  readonly instances: RouteServerRuntimeSpec['instances'];
  /** connection id key → peer */
  readonly peers: Map<string, PeerSpec>;
}

export class SharedRuntime implements BgpRuntime {
  private readonly served = new Map<string, Served>();
  private readonly listeners = new Set<InjectedRoutesListener>();
  /** `<rs key>\n<instance>` → what the local instance injects */
  private readonly injected = new Map<string, InjectedPublisher>();
  /** orders this process's injected deltas after an earlier process's (live-injected.ts) */
  private readonly epoch = `${Date.now().toString(16).padStart(12, '0')}${randomBytes(3).toString('hex')}`;
  /** what this process last published: key → value */
  private readonly published = new Map<string, Buffer>();
  /** other processes' injected routes: `<rs key>\n<instance>` → what their keys say */
  private readonly remoteInjected = new Map<string, RemoteInjected>();
  private readonly remoteSessions = new Map<string, InstanceSessionState>();
  /** other processes' learned routes, decoded when asked for */
  private readonly remoteRoutes = new Map<string, Buffer>();
  private readonly queries: AdvertisedQueries;
  private readonly unsubscribe: Array<() => void> = [];
  private injectedTimer: NodeJS.Timeout | undefined;
  /** an injected publish not yet written: the next flush waits for it */
  private injectedWriting = false;
  private routesTimer: NodeJS.Timeout | undefined;
  /** when the learned routes became due (the first change since they were published) */
  private routesDueSince: number | undefined;
  /** a learned-routes publish not yet written */
  private routesWriting = false;
  /** the next learned-routes publish reads every peer (publishRoutes) */
  private routesFull = true;
  /** `<rs key>\n<connection key>` → its sessions' counters when its learned routes were last read */
  private readonly routesSignatures = new Map<string, string>();
  /** the same, as last seen (the counters of a table still arriving move between two looks) */
  private routesSeen = new Map<string, string>();
  /** the next learned-routes publish starts no earlier (ROUTES_DUTY_FACTOR) */
  private routesQuietUntil = 0;
  private readonly resyncTimer: NodeJS.Timeout;
  private readonly onError: (error: unknown) => void;
  private closed = false;

  private constructor(
    private readonly local: LocalRuntime,
    private readonly live: LiveStateStore,
    options: SharedRuntimeOptions,
  ) {
    this.onError = options.onError ?? (() => undefined);
    this.queries = new AdvertisedQueries({
      publish: (entries, options) => void this.publish(entries, options),
      advertisedRoutes: (routeServer, instance, connection) =>
        this.localAdvertised(routeServer, instance, connection),
      onError: this.onError,
    });
    this.unsubscribe.push(local.onInjectedRoutes((routes) => this.onLocalInjected(routes)));
    // a session changed state (every process's UPDATE and drain events go by too)
    const onSession = (event: unknown) => {
      if ((event as SessionEvent).type === 'state') this.publishSessions();
    };
    diagnostics.subscribe(SESSION_CHANNEL, onSession);
    this.unsubscribe.push(() => diagnostics.unsubscribe(SESSION_CHANNEL, onSession));
    this.resyncTimer = setInterval(() => {
      this.routesFull = true;
      this.scheduleRoutes();
    }, options.resyncMs ?? 5000);
    this.resyncTimer.unref();
  }

  /** Wraps `local`, and applies what the other processes publish before it resolves. */
  static async open(
    local: LocalRuntime,
    live: LiveStateStore,
    options: SharedRuntimeOptions = {},
  ): Promise<SharedRuntime> {
    const runtime = new SharedRuntime(local, live, options);
    runtime.unsubscribe.push(await live.watch((entries) => runtime.onLive(entries)));
    return runtime;
  }

  // ---- commands: kept here (what to publish), passed to the local runtime ----

  async startRouteServer(spec: RouteServerRuntimeSpec, options?: StartOptions): Promise<StartOutcome> {
    this.served.set(idKey(spec.routeServerId), {
      id: spec.routeServerId,
      instances: spec.instances,
      peers: new Map(spec.peers.map((peer) => [idKey(peer.connectionId), peer])),
    });
    const outcome = await this.local.startRouteServer(spec, options);
    this.publishSessions();
    this.replayRemote(idKey(spec.routeServerId));
    return outcome;
  }

  async stopRouteServer(routeServerId: string): Promise<void> {
    await this.local.stopRouteServer(routeServerId);
    const key = idKey(routeServerId);
    this.served.delete(key);
    for (const instanceKey of [...this.injected.keys()])
      if (instanceKey.startsWith(`${key}\n`)) this.injected.delete(instanceKey);
    this.unpublish((parsed) => parsed.routeServer === key);
  }

  updateSettings(routeServerId: string, settings: RouteServerRuntimeSettings): Promise<void> {
    this.routesFull = true;
    return this.local.updateSettings(routeServerId, settings);
  }

  setAddressSpaces(routeServerId: string, addressSpaces: readonly string[]): Promise<void> {
    this.routesFull = true;
    return this.local.setAddressSpaces(routeServerId, addressSpaces);
  }

  addPeer(routeServerId: string, peer: PeerSpec): Promise<void> {
    this.served.get(idKey(routeServerId))?.peers.set(idKey(peer.connectionId), peer);
    return this.local.addPeer(routeServerId, peer);
  }

  updatePeer(routeServerId: string, peer: PeerSpec): Promise<void> {
    this.served.get(idKey(routeServerId))?.peers.set(idKey(peer.connectionId), peer);
    return this.local.updatePeer(routeServerId, peer);
  }

  async removePeer(routeServerId: string, connectionId: string): Promise<void> {
    await this.local.removePeer(routeServerId, connectionId);
    const key = idKey(routeServerId);
    const connection = idKey(connectionId);
    this.served.get(key)?.peers.delete(connection);
    this.unpublish(
      (parsed) =>
        parsed.routeServer === key &&
        parsed.kind !== 'i' &&
        parsed.kind !== 'j' &&
        parsed.item === connection,
    );
  }

  refreshPeers(routeServerId: string): Promise<void> {
    return this.local.refreshPeers(routeServerId);
  }

  // ---- answers: the local instances', then the others' as published ----

  sessionStates(routeServerId: string, connectionId: string): readonly InstanceSessionState[] {
    const served = this.served.get(idKey(routeServerId));
    if (served === undefined) return [];
    const local = this.local.sessionStates(routeServerId, connectionId);
    const states: InstanceSessionState[] = [];
    for (const { instance } of served.instances) {
      if (this.local.runsInstance(instance)) {
        const own = local.find((state) => state.instance === instance);
        if (own !== undefined) states.push(own);
        continue;
      }
      const key = liveKey('s', idKey(routeServerId), instance, idKey(connectionId));
      const remote = this.remoteSessions.get(key);
      if (remote !== undefined) states.push(remote);
    }
    return states;
  }

  /** The instances this host runs (the dashboard's details of learned routes are not shared through the store). */
  async learnedRouteDetails(
    routeServerId: string,
    connectionId: string,
    networks: readonly string[],
    rejectedLimit: number,
  ): Promise<readonly LearnedRouteDetails[]> {
    return (
      (await this.local.learnedRouteDetails?.(routeServerId, connectionId, networks, rejectedLimit)) ?? []
    );
  }

  /** The local instances' dry run (an instance of another process is not asked: docs/route-maps.md). */
  evaluateRouteMap(
    routeServerId: string,
    connectionId: string,
    map: RouteMapDefinition,
    direction: RouteMapDirection,
  ): Promise<readonly InstanceRouteMapEvaluation[]> {
    return this.local.evaluateRouteMap(routeServerId, connectionId, map, direction);
  }

  async learnedRoutes(routeServerId: string, connectionId: string): Promise<readonly PeerRoute[]> {
    const served = this.served.get(idKey(routeServerId));
    if (served === undefined) return [];
    const all = [...(await this.local.learnedRoutes(routeServerId, connectionId))];
    for (const { instance } of served.instances) {
      if (this.local.runsInstance(instance)) continue;
      const prefix = liveKey('l', idKey(routeServerId), instance, idKey(connectionId)) + '/';
      for (const [key, value] of this.remoteRoutes)
        if (key.startsWith(prefix)) all.push(...decodePeerRoutes(instance, value));
    }
    return all;
  }

  /** The local instances' from the runtime; each other instance's asked of the process that runs it. */
  async advertisedRoutes(routeServerId: string, connectionId: string): Promise<readonly PeerRoute[]> {
    const served = this.served.get(idKey(routeServerId));
    if (served === undefined) return [];
    const routeServer = idKey(routeServerId);
    const connection = idKey(connectionId);
    const remote = served.instances
      .filter(({ instance }) => !this.local.runsInstance(instance))
      // no session published: no process runs the instance now
      .filter(({ instance }) => this.remoteSessions.has(liveKey('s', routeServer, instance, connection)))
      .map(({ instance }) => this.queries.ask(routeServer, instance, connection));
    const [own, others] = await Promise.all([
      this.local.advertisedRoutes(routeServerId, connectionId),
      Promise.all(remote),
    ]);
    return [...own, ...others.flat()];
  }

  /** What a local instance advertises to a peer, by id keys, for another process's query. */
  private async localAdvertised(
    routeServer: string,
    instance: InstanceId,
    connection: string,
  ): Promise<readonly PeerRoute[]> {
    const served = this.served.get(routeServer);
    const peer = served?.peers.get(connection);
    if (served === undefined || peer === undefined) return [];
    const routes = await this.local.advertisedRoutes(served.id, peer.connectionId);
    return routes.filter((route) => route.instance === instance);
  }

  peerStatistics(): Promise<readonly PeerStatistics[]> {
    return this.local.peerStatistics();
  }

  /** Internal links between the instances this process runs (docs/gateways.md). */
  connectInternal(link: InternalLinkSpec): Promise<void> {
    return this.local.connectInternal?.(link) ?? Promise.resolve();
  }

  disconnectInternal(linkId: string): Promise<void> {
    return this.local.disconnectInternal?.(linkId) ?? Promise.resolve();
  }

  health(): Promise<readonly InstanceHealth[]> {
    return this.local.health();
  }

  onInjectedRoutes(listener: InjectedRoutesListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.resyncTimer);
    clearTimeout(this.injectedTimer);
    clearTimeout(this.routesTimer);
    this.queries.close();
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    await this.local.close();
  }

  // ---- publishing what this process's instances know ----

  private onLocalInjected(routes: InjectedRoutes): void {
    for (const listener of [...this.listeners]) listener(routes);
    const routeServer = idKey(routes.routeServerId);
    const key = `${routeServer}\n${routes.instance}`;
    let own = this.injected.get(key);
    if (own === undefined)
      this.injected.set(key, (own = new InjectedPublisher(routeServer, routes.instance, this.epoch)));
    own.apply(routes);
    this.scheduleInjected();
    this.scheduleRoutes();
  }

  private scheduleInjected(): void {
    if (this.closed || this.injectedTimer !== undefined || this.injectedWriting) return;
    this.injectedTimer = setTimeout(() => {
      this.injectedTimer = undefined;
      this.flushInjected();
    }, INJECTED_FLUSH_MS);
  }

  /** Publishes what changed; changes made until that is written wait for the next flush. */
  private flushInjected(): void {
    const entries = [...this.injected.values()].flatMap((own) => own.flush());
    if (entries.length === 0) return;
    this.injectedWriting = true;
    // written even when a value equals the last one: a shard rewritten by a compaction takes over its prefixes
    for (const { key, value } of entries)
      if (value === undefined) this.published.delete(key);
      else this.published.set(key, value);
    void this.live
      .publish(entries)
      .catch(this.onError)
      .finally(() => {
        this.injectedWriting = false;
        if (this.injectedBusy) this.scheduleInjected();
        else if (this.routesDueSince !== undefined) this.scheduleRoutes();
      });
  }

  /** Injected changes are waiting or being written. */
  private get injectedBusy(): boolean {
    return this.injectedWriting || [...this.injected.values()].some((own) => own.hasPending);
  }

  private publishSessions(): void {
    if (this.closed) return;
    const entries: LiveEntry[] = [];
    for (const [routeServer, served] of this.served) {
      for (const [connection, peer] of served.peers) {
        for (const state of this.local.sessionStates(served.id, peer.connectionId)) {
          const key = liveKey('s', routeServer, state.instance, connection);
          const value = encodeSession({
            peerIp: peer.peerIp,
            localAddress: state.localAddress,
            state: state.state,
          });
          entries.push({ key, value });
        }
      }
    }
    void this.publish(entries);
    this.scheduleRoutes();
  }

  /** Learned routes: ROUTES_SETTLE_MS after the last change, at most ROUTES_MAX_WAIT_MS after the first. */
  private scheduleRoutes(): void {
    if (this.closed) return;
    const now = Date.now();
    this.routesDueSince ??= now;
    if (this.routesWriting) return;
    clearTimeout(this.routesTimer);
    const wait = Math.max(
      this.routesQuietUntil - now,
      Math.min(ROUTES_SETTLE_MS, this.routesDueSince + ROUTES_MAX_WAIT_MS - now),
      0,
    );
    this.routesTimer = setTimeout(() => void this.runRoutes(), wait);
  }

  private async runRoutes(): Promise<void> {
    this.routesTimer = undefined;
    const dueSince = this.routesDueSince ?? Date.now();
    const overdue = Date.now() >= dueSince + ROUTES_MAX_WAIT_MS;
    // injected routes first: the next flush of injected routes schedules these again
    if (this.injectedBusy && !overdue) return;
    this.routesDueSince = undefined;
    this.routesWriting = true;
    const started = Date.now();
    let published = true;
    try {
      published = await this.publishRoutes(overdue);
    } catch (error) {
      this.onError(error);
    } finally {
      this.routesWriting = false;
    }
    if (published) this.routesQuietUntil = Date.now() + ROUTES_DUTY_FACTOR * (Date.now() - started);
    else this.routesDueSince = Math.min(dueSince, this.routesDueSince ?? dueSince);
    // changed while these were read and written, or still changing
    if (this.routesDueSince !== undefined) this.scheduleRoutes();
  }

  /**
   * Learned routes of every peer of every served route server, where they
   * changed; resolves once written. A peer whose sessions' counters
   * (state, routes, UPDATEs) are as at the last publish is not read again,
   * except on a full resync (every `resyncMs`, and after a change of the
   * rules that decide which routes are accepted). While a peer's counters
   * still move (a table arriving) nothing is read, unless `overdue`: false.
   */
  private async publishRoutes(overdue: boolean): Promise<boolean> {
    const signatures = new Map<string, string>();
    for (const each of await this.local.peerStatistics()) {
      const key = `${idKey(each.routeServerId)}\n${idKey(each.connectionId)}`;
      const signature = `${each.instance}:${each.state}:${each.learned}:${each.updatesReceived}:${each.prefixesWithdrawn};`;
      signatures.set(key, (signatures.get(key) ?? '') + signature);
    }
    const seen = this.routesSeen;
    this.routesSeen = signatures;
    const moving = [...signatures].some(
      ([key, signature]) => seen.get(key) !== signature && this.routesSignatures.get(key) !== signature,
    );
    if (moving && !overdue) return false;
    const full = this.routesFull;
    this.routesFull = false;
    const entries: LiveEntry[] = [];
    const present = new Set<string>();
    const unchanged = new Set<string>();
    for (const [routeServer, served] of this.served) {
      for (const [connection, peer] of served.peers) {
        const peerKey = `${routeServer}\n${connection}`;
        const signature = signatures.get(peerKey) ?? '';
        if (!full && this.routesSignatures.get(peerKey) === signature) {
          unchanged.add(peerKey);
          continue;
        }
        this.routesSignatures.set(peerKey, signature);
        const routes = await this.local.learnedRoutes(served.id, peer.connectionId);
        for (const [instance, list] of byInstance(routes))
          encodePeerRoutes(list).forEach((value, chunk) => {
            const key = liveKey('l', routeServer, instance, connection, String(chunk));
            present.add(key);
            entries.push({ key, value });
          });
      }
    }
    if (this.closed) return true;
    const gone = this.unpublished(
      (parsed, key) =>
        parsed.kind === 'l' && !present.has(key) && !unchanged.has(`${parsed.routeServer}\n${parsed.item}`),
    );
    await this.publish([...gone, ...entries], { bulk: true });
    return true;
  }

  /** Publishes the entries whose value differs from what was published; resolves once they are written. */
  private publish(entries: readonly LiveEntry[], options: { bulk?: boolean } = {}): Promise<void> {
    const changed = entries.filter(({ key, value }) => {
      const before = this.published.get(key);
      if (value === undefined) return before !== undefined;
      return before === undefined || !before.equals(value);
    });
    if (changed.length === 0) return Promise.resolve();
    for (const { key, value } of changed) {
      if (value === undefined) this.published.delete(key);
      else this.published.set(key, value);
    }
    return this.live.publish(changed, options).catch(this.onError);
  }

  /** Deletes the published keys that `match`. */
  private unpublish(match: (parsed: ParsedKey, key: string) => boolean): void {
    void this.publish(this.unpublished(match));
  }

  /** Deletions of the published keys that `match`. */
  private unpublished(match: (parsed: ParsedKey, key: string) => boolean): LiveEntry[] {
    const gone: LiveEntry[] = [];
    for (const key of this.published.keys()) {
      const parsed = parseLiveKey(key);
      if (parsed !== undefined && match(parsed, key)) gone.push({ key, value: undefined });
    }
    return gone;
  }

  // ---- applying what the other processes publish ----

  private onLive(entries: readonly LiveEntry[]): void {
    const injected = new Map<string, { id: string; instance: InstanceId; changes: VnetRouteChange[] }>();
    for (const { key, value } of entries) {
      const parsed = parseLiveKey(key);
      if (parsed === undefined) continue;
      if (parsed.kind === 'q' || parsed.kind === 'r') {
        this.queries.onKey(parsed, key, value, this.local.runsInstance(parsed.instance));
        continue;
      }
      if (this.local.runsInstance(parsed.instance)) continue;
      try {
        this.applyRemote(parsed, key, value, injected);
      } catch (error) {
        this.onError(error);
      }
    }
    for (const { id, instance, changes } of injected.values()) {
      const routes: InjectedRoutes = { routeServerId: id, instance, changes };
      for (const listener of [...this.listeners]) listener(routes);
    }
  }

  /** The other instances' injected routes of a route server that starts here (its model binding is new). */
  private replayRemote(routeServer: string): void {
    for (const [key, remote] of this.remoteInjected) {
      const [id, instance] = key.split('\n') as [string, InstanceId];
      if (id !== routeServer) continue;
      const routes: InjectedRoutes = { routeServerId: routeServer, instance, changes: remote.routes() };
      for (const listener of [...this.listeners]) listener(routes);
    }
  }

  private applyRemote(
    parsed: ParsedKey,
    key: string,
    value: Buffer | undefined,
    injected: Map<string, { id: string; instance: InstanceId; changes: VnetRouteChange[] }>,
  ): void {
    switch (parsed.kind) {
      case 's':
        if (value === undefined) this.remoteSessions.delete(key);
        else this.remoteSessions.set(key, decodeSession(parsed.instance, value));
        return;
      case 'l':
        if (value === undefined) this.remoteRoutes.delete(key);
        else this.remoteRoutes.set(key, value);
        return;
      case 'q':
      case 'r':
        return;
      case 'i':
      case 'j': {
        const groupKey = `${parsed.routeServer}\n${parsed.instance}`;
        let remote = this.remoteInjected.get(groupKey);
        if (remote === undefined) this.remoteInjected.set(groupKey, (remote = new RemoteInjected()));
        let group = injected.get(groupKey);
        if (group === undefined) {
          group = { id: parsed.routeServer, instance: parsed.instance, changes: [] };
          injected.set(groupKey, group);
        }
        if (parsed.kind === 'j') remote.applyDelta(key, value, group.changes);
        else remote.applyShard(key, Number(parsed.item), value, group.changes);
        if (remote.empty) this.remoteInjected.delete(groupKey);
        return;
      }
    }
  }
}

/** Routes by instance, each list sorted by prefix text (a stable value for an unchanged table). */
function byInstance(routes: readonly PeerRoute[]): Map<InstanceId, PeerRoute[]> {
  const lists = new Map<InstanceId, PeerRoute[]>();
  for (const route of routes) {
    const list = lists.get(route.instance);
    if (list === undefined) lists.set(route.instance, [route]);
    else list.push(route);
  }
  for (const list of lists.values())
    list.sort((a, b) => (a.network < b.network ? -1 : a.network > b.network ? 1 : 0));
  return lists;
}
