/**
 * The BGP runtime of a deployment across hosts: this process runs some
 * instances of every route server (a `WorkerRuntime` told which, or none in
 * an API-only process); other processes run the others. What every instance
 * knows travels through the live state (src/store/live-state.ts), under each
 * process's lease, laid out as live-encoding.ts says:
 *
 * - this process publishes its instances' session states, the routes they
 *   inject into the virtual network, and the routes each peer advertised to
 *   them and they advertise to it;
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
 * Injected routes are published within INJECTED_FLUSH_MS of their change;
 * session states on every session event; learned and advertised routes
 * ROUTES_SETTLE_MS after the last injected change or session event, and
 * every `resyncMs` in case a change injected nothing.
 */
import diagnostics from 'node:diagnostics_channel';
import { SESSION_CHANNEL } from '../bgp/session/index.js';
import { formatPrefix, parsePrefix } from '../lib/prefix.js';
import type { InstanceId } from '../rib/ports.js';
import type {
  BgpRuntime,
  InjectedRoutes,
  InjectedRoutesListener,
  InstanceSessionState,
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
import { idKey } from './ids.js';
import {
  decodeInjected,
  decodePeerRoutes,
  decodeSession,
  encodeInjected,
  encodePeerRoutes,
  encodeSession,
  INJECTED_SHARDS,
  liveKey,
  parseLiveKey,
  shardOf,
  type ParsedKey,
} from './live-encoding.js';

/** The local runtime: a BgpRuntime that says which instances it runs. */
export interface LocalRuntime extends BgpRuntime {
  runsInstance(instance: InstanceId): boolean;
}

export interface SharedRuntimeOptions {
  /** learned and advertised routes are published again this often (default 5000 ms) */
  readonly resyncMs?: number;
  /** a failure outside a caller's request (a publish that failed is retried by the live state) */
  readonly onError?: (error: unknown) => void;
}

const INJECTED_FLUSH_MS = 10;
const ROUTES_SETTLE_MS = 100;

interface Served {
  readonly id: string;
  readonly instances: RouteServerRuntimeSpec['instances'];
  /** connection id key → peer */
  readonly peers: Map<string, PeerSpec>;
}

/** What this process's instance of a route server injects: prefix → next hops, and the shards changed since the last flush. */
interface LocalInjected {
  readonly routes: Array<Map<string, readonly string[]>>;
  readonly dirty: Set<number>;
}

export class SharedRuntime implements BgpRuntime {
  private readonly served = new Map<string, Served>();
  private readonly listeners = new Set<InjectedRoutesListener>();
  /** `<rs key>/<instance>` → what the local instance injects */
  private readonly injected = new Map<string, LocalInjected>();
  /** what this process last published: key → value */
  private readonly published = new Map<string, Buffer>();
  /** other processes' keys, decoded */
  private readonly remoteInjected = new Map<string, Map<string, readonly string[]>>();
  private readonly remoteSessions = new Map<string, InstanceSessionState>();
  private readonly remoteRoutes = new Map<string, PeerRoute[]>();
  private readonly unsubscribe: Array<() => void> = [];
  private injectedTimer: NodeJS.Timeout | undefined;
  private routesTimer: NodeJS.Timeout | undefined;
  private readonly resyncTimer: NodeJS.Timeout;
  private readonly onError: (error: unknown) => void;
  private closed = false;

  private constructor(
    private readonly local: LocalRuntime,
    private readonly live: LiveStateStore,
    options: SharedRuntimeOptions,
  ) {
    this.onError = options.onError ?? (() => undefined);
    this.unsubscribe.push(local.onInjectedRoutes((routes) => this.onLocalInjected(routes)));
    const onSession = () => this.publishSessions();
    diagnostics.subscribe(SESSION_CHANNEL, onSession);
    this.unsubscribe.push(() => diagnostics.unsubscribe(SESSION_CHANNEL, onSession));
    this.resyncTimer = setInterval(() => this.scheduleRoutes(), options.resyncMs ?? 5000);
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
    return this.local.updateSettings(routeServerId, settings);
  }

  setAddressSpaces(routeServerId: string, addressSpaces: readonly string[]): Promise<void> {
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
      (parsed) => parsed.routeServer === key && parsed.kind !== 'i' && parsed.item === connection,
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

  learnedRoutes(routeServerId: string, connectionId: string): Promise<readonly PeerRoute[]> {
    return this.routes('l', routeServerId, connectionId);
  }

  advertisedRoutes(routeServerId: string, connectionId: string): Promise<readonly PeerRoute[]> {
    return this.routes('a', routeServerId, connectionId);
  }

  private async routes(
    kind: 'l' | 'a',
    routeServerId: string,
    connectionId: string,
  ): Promise<readonly PeerRoute[]> {
    const served = this.served.get(idKey(routeServerId));
    if (served === undefined) return [];
    const own =
      kind === 'l'
        ? await this.local.learnedRoutes(routeServerId, connectionId)
        : await this.local.advertisedRoutes(routeServerId, connectionId);
    const all = [...own];
    for (const { instance } of served.instances) {
      if (this.local.runsInstance(instance)) continue;
      const prefix = liveKey(kind, idKey(routeServerId), instance, idKey(connectionId)) + '/';
      for (const [key, routes] of this.remoteRoutes) if (key.startsWith(prefix)) all.push(...routes);
    }
    return all;
  }

  peerStatistics(): Promise<readonly PeerStatistics[]> {
    return this.local.peerStatistics();
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
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    await this.local.close();
  }

  // ---- publishing what this process's instances know ----

  private onLocalInjected(routes: InjectedRoutes): void {
    for (const listener of [...this.listeners]) listener(routes);
    const key = `${idKey(routes.routeServerId)}\n${routes.instance}`;
    let own = this.injected.get(key);
    if (own === undefined) {
      own = {
        routes: Array.from({ length: INJECTED_SHARDS }, () => new Map<string, readonly string[]>()),
        dirty: new Set(),
      };
      this.injected.set(key, own);
    }
    if (routes.withdrawAll === true) {
      own.routes.forEach((shard, index) => {
        if (shard.size > 0) own.dirty.add(index);
        shard.clear();
      });
    }
    for (const change of routes.changes) {
      const prefix = formatPrefix(change.prefix);
      const shard = shardOf(prefix);
      if (change.route === null) own.routes[shard]!.delete(prefix);
      else own.routes[shard]!.set(prefix, change.route.nextHops);
      own.dirty.add(shard);
    }
    this.injectedTimer ??= setTimeout(() => {
      this.injectedTimer = undefined;
      this.flushInjected();
    }, INJECTED_FLUSH_MS);
    this.scheduleRoutes();
  }

  private flushInjected(): void {
    const entries: LiveEntry[] = [];
    for (const [key, own] of this.injected) {
      const [routeServer, instance] = key.split('\n') as [string, string];
      for (const shard of own.dirty) {
        const routes = own.routes[shard]!;
        const liveName = liveKey('i', routeServer, instance, String(shard));
        entries.push({ key: liveName, value: routes.size === 0 ? undefined : encodeInjected(routes) });
      }
      own.dirty.clear();
    }
    this.publish(entries);
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
    this.publish(entries);
    this.scheduleRoutes();
  }

  private scheduleRoutes(): void {
    if (this.closed || this.routesTimer !== undefined) return;
    this.routesTimer = setTimeout(() => {
      this.routesTimer = undefined;
      this.publishRoutes().catch(this.onError);
    }, ROUTES_SETTLE_MS);
  }

  /** Learned and advertised routes of every peer of every served route server, where they changed. */
  private async publishRoutes(): Promise<void> {
    const entries: LiveEntry[] = [];
    const present = new Set<string>();
    for (const [routeServer, served] of this.served) {
      for (const [connection, peer] of served.peers) {
        for (const kind of ['l', 'a'] as const) {
          const routes =
            kind === 'l'
              ? await this.local.learnedRoutes(served.id, peer.connectionId)
              : await this.local.advertisedRoutes(served.id, peer.connectionId);
          const byInstance = new Map<string, PeerRoute[]>();
          for (const route of routes) {
            const list = byInstance.get(route.instance);
            if (list === undefined) byInstance.set(route.instance, [route]);
            else list.push(route);
          }
          for (const [instance, list] of byInstance) {
            list.sort((a, b) => (a.network < b.network ? -1 : a.network > b.network ? 1 : 0));
            encodePeerRoutes(list).forEach((value, chunk) => {
              const key = liveKey(kind, routeServer, instance, connection, String(chunk));
              present.add(key);
              entries.push({ key, value });
            });
          }
        }
      }
    }
    if (this.closed) return;
    this.unpublish((parsed, key) => (parsed.kind === 'l' || parsed.kind === 'a') && !present.has(key));
    this.publish(entries);
  }

  /** Publishes the entries whose value differs from what was published. */
  private publish(entries: readonly LiveEntry[]): void {
    const changed = entries.filter(({ key, value }) => {
      const before = this.published.get(key);
      if (value === undefined) return before !== undefined;
      return before === undefined || !before.equals(value);
    });
    if (changed.length === 0) return;
    for (const { key, value } of changed) {
      if (value === undefined) this.published.delete(key);
      else this.published.set(key, value);
    }
    this.live.publish(changed).catch(this.onError);
  }

  /** Deletes the published keys that `match`. */
  private unpublish(match: (parsed: ParsedKey, key: string) => boolean): void {
    const gone: LiveEntry[] = [];
    for (const key of this.published.keys()) {
      const parsed = parseLiveKey(key);
      if (parsed !== undefined && match(parsed, key)) gone.push({ key, value: undefined });
    }
    this.publish(gone);
  }

  // ---- applying what the other processes publish ----

  private onLive(entries: readonly LiveEntry[]): void {
    const injected = new Map<string, { id: string; instance: InstanceId; changes: VnetRouteChange[] }>();
    for (const { key, value } of entries) {
      const parsed = parseLiveKey(key);
      if (parsed === undefined || this.local.runsInstance(parsed.instance)) continue;
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
    const byInstance = new Map<InstanceId, VnetRouteChange[]>();
    for (const [key, routes] of this.remoteInjected) {
      const parsed = parseLiveKey(key)!;
      if (parsed.routeServer !== routeServer) continue;
      const changes = byInstance.get(parsed.instance) ?? [];
      for (const [prefix, nextHops] of routes)
        changes.push({ prefix: parsePrefix(prefix), route: { nextHops } });
      byInstance.set(parsed.instance, changes);
    }
    for (const [instance, changes] of byInstance) {
      const routes: InjectedRoutes = { routeServerId: routeServer, instance, changes };
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
      case 'a':
        if (value === undefined) this.remoteRoutes.delete(key);
        else this.remoteRoutes.set(key, decodePeerRoutes(parsed.instance, value));
        return;
      case 'i': {
        const before = this.remoteInjected.get(key) ?? new Map<string, readonly string[]>();
        const after = value === undefined ? new Map<string, readonly string[]>() : decodeInjected(value);
        if (value === undefined) this.remoteInjected.delete(key);
        else this.remoteInjected.set(key, after);
        const groupKey = `${parsed.routeServer}\n${parsed.instance}`;
        let group = injected.get(groupKey);
        if (group === undefined) {
          group = { id: parsed.routeServer, instance: parsed.instance, changes: [] };
          injected.set(groupKey, group);
        }
        for (const prefix of before.keys())
          if (!after.has(prefix)) group.changes.push({ prefix: parsePrefix(prefix), route: null });
        for (const [prefix, nextHops] of after) {
          const old = before.get(prefix);
          if (old === undefined || old.join(',') !== nextHops.join(','))
            group.changes.push({ prefix: parsePrefix(prefix), route: { nextHops } });
        }
        return;
      }
    }
  }
}
