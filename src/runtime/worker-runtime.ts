/**
 * The BGP runtime with every route-server instance in its own worker thread
 * (node:worker_threads): speaker, FSMs, route engine and Adj-RIBs of IN_0
 * run in one thread, those of IN_1 in another, the API, the store and the
 * virtual network model stay on the main thread. Keepalives, hold timers
 * and UPDATE processing go on however long the main thread is busy (a big
 * request, a model rebuild), and one instance failing leaves the other's
 * sessions up (docs/architecture.md, "Two instances are real"). One thread per instance is
 * the shape of a later deployment with each instance in its own process on
 * its own host: the messages of protocol.ts are what that link carries.
 *
 * This class keeps the configuration of each running route server (the
 * source of a restarted instance's spec), fans commands out to both
 * instances, merges their answers, and publishes the routes they inject.
 *
 * - A peer is configured on both instances with its ASN; sessions are eBGP
 *   multihop and both sides may open (docs/azure-behaviour.md §13 item 4).
 * - Removing a peer closes its sessions with Cease / Peer De-configured
 *   (RFC 4486 subcode 3); stopping a route server closes all with Cease /
 *   Administrative Shutdown (subcode 2).
 * - A start that cannot bind an address rejects with an explained
 *   `BgpRuntimeError` (bind-error.ts), or resolves `{ running: false }` with
 *   it when the caller tolerates bind failures.
 * - Internal links (route server ↔ gateway instances, src/rib/internal-link.ts):
 *   the UPDATE bytes one end sends are handed to the other end in order. A
 *   link is up at both ends while both run; when one end starts (again) the
 *   other brings the link up again, so each re-sends its table, and when one
 *   stops or fails the other takes the link down (its routes are withdrawn).
 */
import { BGP_PORT } from '../bgp/session/index.js';
import type { RouteMapDefinition } from '../policy/index.js';
import type { RouteMapDirection } from '../rib/index.js';
import type { InstanceId } from '../rib/ports.js';
import { BgpRuntimeError } from './errors.js';
import { InstanceHandle } from './instance-handle.js';
import type { BmpSettings, InstanceCommand, InstanceStartSpec, RouteBatchView } from './protocol.js';
import type {
  BgpRuntime,
  InjectedRoutes,
  InjectedRoutesListener,
  InternalLinkEnd,
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
} from './types.js';

export interface WorkerRuntimeOptions {
  /** TCP port of every instance listener, default 179 (0: any free port, for tests) */
  readonly port?: number;
  /**
   * The instances this runtime runs of every route server (default: all of
   * them). A deployment across hosts runs `IN_0` in one process and `IN_1`
   * in another; the instances not run here answer nothing.
   */
  readonly instances?: readonly InstanceId[];
  /**
   * false: the instances learn and advertise routes but hand none to the
   * virtual network (`routeserver serve --no-vnet-programming`, docs/serve.md);
   * default true
   */
  readonly programVnet?: boolean;
  /** BMP collectors every instance exports to (docs/bmp.md) */
  readonly bmp?: BmpSettings;
  /**
   * true: each instance thread runs a synthetic table through its code before it listens, so the
   * first tables peers send run optimised code (src/runtime/warm-up.ts; `routeserver serve` does);
   * default false
   */
  readonly warmUp?: boolean;
}

/** Route server ids are ARM ids: compared case-insensitively. */
const keyOf = (id: string): string => id.toLowerCase();

interface RunningRouteServer {
  spec: RouteServerRuntimeSpec;
  /** the instances of the spec this runtime runs, in the order of `handles` */
  readonly local: RouteServerRuntimeSpec['instances'];
  /** connection id key → peer */
  readonly peers: Map<string, PeerSpec>;
  handles: InstanceHandle[];
}

export class WorkerRuntime implements BgpRuntime {
  private readonly servers = new Map<string, RunningRouteServer>();
  private readonly listeners = new Set<InjectedRoutesListener>();
  /** internal links by id */
  private readonly links = new Map<string, InternalLinkSpec>();
  /**
   * each link's current incarnation, new each time both ends are brought up:
   * an end drops what the other sent in an earlier one (src/rib/internal-link.ts);
   * kept after a link goes, so a link made again never reuses a number
   */
  private readonly generations = new Map<string, number>();

  constructor(private readonly options: WorkerRuntimeOptions = {}) {}

  async startRouteServer(spec: RouteServerRuntimeSpec, options: StartOptions = {}): Promise<StartOutcome> {
    await this.stopRouteServer(spec.routeServerId);
    const running: RunningRouteServer = {
      spec,
      local: spec.instances.filter(({ instance }) => this.runsInstance(instance)),
      peers: new Map(spec.peers.map((peer) => [keyOf(peer.connectionId), peer])),
      handles: [],
    };
    running.handles = running.local.map(
      ({ instance, address }) =>
        new InstanceHandle(() => this.instanceSpec(running, instance, address), {
          routes: (batch) => this.publish(running, instance, batch, false),
          withdrawAll: () => {
            this.publish(running, instance, undefined, true);
            this.linkEndsDown(spec.routeServerId, instance);
          },
          linkSend: (linkId, messages, generation) =>
            this.relay(linkId, spec.routeServerId, instance, {
              op: 'link-receive',
              linkId,
              messages,
              generation,
            }),
          linkAcknowledged: (linkId, bytes, generation) =>
            this.relay(linkId, spec.routeServerId, instance, { op: 'link-ack', linkId, bytes, generation }),
          linkReset: (linkId) => this.resetLink(linkId),
          restarted: () => this.linkEndsUp(spec.routeServerId, instance),
        }),
    );
    this.servers.set(keyOf(spec.routeServerId), running);
    const results = await Promise.allSettled(running.handles.map((handle) => handle.start()));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed === undefined) {
      for (const { instance } of running.local) this.linkEndsUp(spec.routeServerId, instance);
      return { running: true };
    }
    if (this.servers.get(keyOf(spec.routeServerId)) === running)
      this.servers.delete(keyOf(spec.routeServerId));
    await Promise.all(running.handles.map((handle) => handle.stop('route server failed to start')));
    const error: unknown = failed.reason;
    if (!(error instanceof BgpRuntimeError) || options.tolerateBindFailure !== true) throw error;
    return { running: false, error: { code: error.code, message: error.message } };
  }

  /** Whether this runtime runs `instance` of its route servers. */
  runsInstance(instance: InstanceId): boolean {
    const only = this.options.instances;
    return only === undefined || only.some((id) => id.toUpperCase() === instance.toUpperCase());
  }

  private instanceSpec(
    running: RunningRouteServer,
    instance: InstanceId,
    address: string,
  ): InstanceStartSpec {
    const { spec } = running;
    return {
      routeServerId: spec.routeServerId,
      instance,
      address,
      asn: spec.asn,
      port: this.options.port ?? BGP_PORT,
      addressSpaces: spec.addressSpaces,
      peers: [...running.peers.values()],
      settings: spec.settings,
      ...(this.options.programVnet === false ? { programVnet: false } : {}),
      ...(this.options.warmUp === true ? { warmUp: true } : {}),
      ...(spec.gateway !== undefined
        ? {
            role: spec.gateway.type === 'ExpressRoute' ? 'expressroute-gateway' : 'vpn-gateway',
            internalNextHop: spec.gateway.nextHops[spec.instances.findIndex((i) => i.instance === instance)]!,
          }
        : {}),
      links: this.linksOf(spec.routeServerId, instance).map(({ link, here }) => ({
        linkId: link.linkId,
        peer: here.peer,
        generation: this.generations.get(link.linkId) ?? 0,
      })),
      ...(this.options.bmp !== undefined && this.options.bmp.collectors.length > 0
        ? { bmp: this.options.bmp }
        : {}),
    };
  }

  // ------------------------------------------------------------ internal links

  async connectInternal(link: InternalLinkSpec): Promise<void> {
    if (this.links.has(link.linkId)) await this.disconnectInternal(link.linkId);
    this.links.set(link.linkId, link);
    if (link.ends.every((end) => this.handleOf(end) !== undefined)) await this.bothEndsUp(link);
  }

  /** Brings both ends of a link up in a new generation (each sends its whole table). */
  private bothEndsUp(link: InternalLinkSpec): Promise<unknown> {
    const generation = (this.generations.get(link.linkId) ?? 0) + 1;
    this.generations.set(link.linkId, generation);
    return Promise.all(
      link.ends.map(
        (end) =>
          this.handleOf(end)?.tell({ op: 'link-up', linkId: link.linkId, peer: end.peer, generation }) ??
          Promise.resolve(),
      ),
    );
  }

  async disconnectInternal(linkId: string): Promise<void> {
    const link = this.links.get(linkId);
    if (link === undefined) return;
    this.links.delete(linkId);
    await Promise.all(
      link.ends.map((end) => this.handleOf(end)?.tell({ op: 'link-down', linkId }) ?? Promise.resolve()),
    );
  }

  /** The running handle of a link end, when its route server runs here. */
  private handleOf(end: InternalLinkEnd): InstanceHandle | undefined {
    const running = this.servers.get(keyOf(end.routeServerId));
    const index = running?.local.findIndex(({ instance }) => instance === end.instance) ?? -1;
    return index < 0 ? undefined : running!.handles[index];
  }

  /** The links with an end at this instance: that end (`here`) and the other (`there`). */
  private linksOf(
    routeServerId: string,
    instance: InstanceId,
  ): { link: InternalLinkSpec; here: InternalLinkEnd; there: InternalLinkEnd }[] {
    const found = [];
    for (const link of this.links.values()) {
      const [a, b] = link.ends;
      const isHere = (end: InternalLinkEnd) =>
        keyOf(end.routeServerId) === keyOf(routeServerId) && end.instance === instance;
      if (isHere(a)) found.push({ link, here: a, there: b });
      else if (isHere(b)) found.push({ link, here: b, there: a });
    }
    return found;
  }

  /** Hands what one end sent (UPDATEs, or its acknowledgement of the other's) to the other end, in order. */
  private relay(
    linkId: string,
    routeServerId: string,
    instance: InstanceId,
    command: Extract<InstanceCommand, { op: 'link-receive' | 'link-ack' }>,
  ) {
    const found = this.linksOf(routeServerId, instance).find(({ link }) => link.linkId === linkId);
    if (found === undefined) return;
    this.handleOf(found.there)
      ?.tell(command)
      .catch(() => undefined);
  }

  /**
   * An end fell too far behind what the other sends it (src/rib/internal-link.ts):
   * the link goes down at both ends and up again, so each sends its whole table.
   */
  private resetLink(linkId: string): void {
    const link = this.links.get(linkId);
    if (link === undefined) return;
    this.connectInternal(link).catch(() => undefined);
  }

  /**
   * This instance (re)started with its links up: both ends bring them up
   * again in a new generation (each re-sends its table; what the other end
   * received from this one's start, or from before it, is of an older one).
   */
  private linkEndsUp(routeServerId: string, instance: InstanceId): void {
    for (const { link, there } of this.linksOf(routeServerId, instance)) {
      if (this.handleOf(there) === undefined) continue;
      this.bothEndsUp(link).catch(() => undefined);
    }
  }

  /** This instance stopped or failed: the other ends take its links down. */
  private linkEndsDown(routeServerId: string, instance: InstanceId): void {
    for (const { link, there } of this.linksOf(routeServerId, instance)) {
      this.handleOf(there)
        ?.tell({ op: 'link-down', linkId: link.linkId })
        .catch(() => undefined);
    }
  }

  private publish(
    running: RunningRouteServer,
    instance: InstanceId,
    batch: RouteBatchView | undefined,
    withdrawAll: boolean,
  ): void {
    // a stopped route server's late batches are not published
    if (this.servers.get(keyOf(running.spec.routeServerId)) !== running) return;
    let changes: readonly VnetRouteChange[] | undefined;
    const routes: InjectedRoutes = {
      routeServerId: running.spec.routeServerId,
      instance,
      ...(batch ? { batch } : {}),
      // objects per prefix only for a listener that asks for them
      get changes() {
        return (changes ??= batch ? batch.changes() : []);
      },
      ...(withdrawAll ? { withdrawAll } : {}),
    };
    for (const listener of [...this.listeners]) listener(routes);
  }

  onInjectedRoutes(listener: InjectedRoutesListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async stopRouteServer(routeServerId: string, restarting = false): Promise<void> {
    const running = this.servers.get(keyOf(routeServerId));
    if (running === undefined) return;
    this.servers.delete(keyOf(routeServerId));
    for (const { instance } of running.local) this.linkEndsDown(routeServerId, instance);
    await Promise.all(running.handles.map((handle) => handle.stop('route server stopped', restarting)));
  }

  /** Runs `update` on the route server's configuration, then sends `command` to both instances. */
  private async apply(
    routeServerId: string,
    update: (running: RunningRouteServer) => void,
    command: Parameters<InstanceHandle['tell']>[0],
  ): Promise<void> {
    const running = this.servers.get(keyOf(routeServerId));
    if (running === undefined) return;
    update(running);
    await Promise.all(running.handles.map((handle) => handle.tell(command)));
  }

  updateSettings(routeServerId: string, settings: RouteServerRuntimeSettings): Promise<void> {
    return this.apply(routeServerId, (r) => (r.spec = { ...r.spec, settings }), { op: 'settings', settings });
  }

  setAddressSpaces(routeServerId: string, addressSpaces: readonly string[]): Promise<void> {
    return this.apply(routeServerId, (r) => (r.spec = { ...r.spec, addressSpaces }), {
      op: 'spaces',
      addressSpaces,
    });
  }

  addPeer(routeServerId: string, peer: PeerSpec): Promise<void> {
    return this.apply(routeServerId, (r) => r.peers.set(keyOf(peer.connectionId), peer), {
      op: 'add-peer',
      peer,
    });
  }

  updatePeer(routeServerId: string, peer: PeerSpec): Promise<void> {
    return this.apply(routeServerId, (r) => r.peers.set(keyOf(peer.connectionId), peer), {
      op: 'update-peer',
      peer,
    });
  }

  removePeer(routeServerId: string, connectionId: string): Promise<void> {
    return this.apply(routeServerId, (r) => r.peers.delete(keyOf(connectionId)), {
      op: 'remove-peer',
      connectionId,
    });
  }

  refreshPeers(routeServerId: string): Promise<void> {
    return this.apply(routeServerId, () => undefined, { op: 'refresh' });
  }

  sessionStates(routeServerId: string, connectionId: string): readonly InstanceSessionState[] {
    const running = this.servers.get(keyOf(routeServerId));
    const peer = running?.peers.get(keyOf(connectionId));
    if (running === undefined || peer === undefined) return [];
    return running.local.map(({ instance, address }, i) => ({
      instance,
      localAddress: address,
      state: running.handles[i]!.sessionState(peer.peerIp),
    }));
  }

  learnedRoutes(routeServerId: string, connectionId: string): Promise<readonly PeerRoute[]> {
    return this.ask(routeServerId, (handle) => handle.request({ op: 'learned', connectionId }));
  }

  evaluateRouteMap(
    routeServerId: string,
    connectionId: string,
    map: RouteMapDefinition,
    direction: RouteMapDirection,
  ): Promise<readonly InstanceRouteMapEvaluation[]> {
    return this.ask(routeServerId, (handle) =>
      handle.request({ op: 'evaluate-route-map', connectionId, map, direction }),
    );
  }

  advertisedRoutes(routeServerId: string, connectionId: string): Promise<readonly PeerRoute[]> {
    return this.ask(routeServerId, (handle) => handle.request({ op: 'advertised', connectionId }));
  }

  learnedRouteDetails(
    routeServerId: string,
    connectionId: string,
    networks: readonly string[],
    rejectedLimit: number,
  ): Promise<readonly LearnedRouteDetails[]> {
    return this.ask(routeServerId, async (handle) => [
      await handle.request({ op: 'learned-details', connectionId, networks, rejectedLimit }),
    ]);
  }

  async peerStatistics(): Promise<readonly PeerStatistics[]> {
    const all = [...this.servers.keys()].map((key) =>
      this.ask(key, (handle) => handle.request({ op: 'statistics' })),
    );
    return (await Promise.all(all)).flat();
  }

  /** Each running instance's event-loop delay since the last reading, and heap (for benchmarks and diagnostics). */
  async health(): Promise<readonly InstanceHealth[]> {
    const all = [...this.servers.values()].flatMap((running) =>
      running.handles.filter((h) => h.thread !== undefined).map((h) => h.request({ op: 'health' })),
    );
    return Promise.all(all);
  }

  /** The instance threads of a route server, for supervision tools and tests. */
  instanceThreads(routeServerId: string): readonly InstanceHandle[] {
    return this.servers.get(keyOf(routeServerId))?.handles ?? [];
  }

  /** Both instances' answers, concatenated; an instance that is down (restarting) answers nothing. */
  private async ask<T>(
    routeServerId: string,
    question: (handle: InstanceHandle) => Promise<readonly T[]>,
  ): Promise<readonly T[]> {
    const running = this.servers.get(keyOf(routeServerId));
    if (running === undefined) return [];
    const answers = await Promise.all(
      running.handles.map((handle) => (handle.thread === undefined ? Promise.resolve([]) : question(handle))),
    );
    return answers.flat();
  }

  /**
   * The daemon stops: every route server stops as for a restart (sessions
   * with graceful restart close without a NOTIFICATION, RFC 4724 §4), since
   * the resources stay in the store and the daemon starts them again.
   */
  async close(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((key) => this.stopRouteServer(key, true)));
  }
}
