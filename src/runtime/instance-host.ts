/**
 * One route-server instance inside its worker thread: the `RouteServerInstance`
 * (speaker + route engine), its peers and the address spaces it advertises,
 * driven by the commands of protocol.ts. Routes to inject are batched per
 * event-loop turn (or every `BATCH_LIMIT` changes) into one `RouteBatch`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { formatCommunity } from '../policy/index.js';
import type { RouteMapDefinition } from '../policy/index.js';
import { parsePrefix, prefixKey } from '../lib/prefix.js';
import type {
  AdvertisedRoute,
  InjectedRouteBatch,
  LearnedRoute,
  LearnedRouteDetail,
  RouteMapDirection,
} from '../rib/index.js';
import { AddressSpaces } from './address-spaces.js';
import { explainBindError } from './bind-error.js';
import { RouteServerInstance } from './instance.js';
import { warmUpInstanceThread } from './warm-up.js';
import {
  RouteBatchEncoder,
  batchTransferList,
  type CommandResults,
  type InstanceCommand,
  type InstanceReport,
  type InstanceStartSpec,
} from './protocol.js';
import type {
  InstanceHealth,
  InstanceRouteMapEvaluation,
  LearnedRouteDetails,
  PeerRoute,
  PeerRouteDetail,
  PeerSpec,
  PeerStatistics,
} from './types.js';
import { fullCollection, TableReclaimer } from './reclaim.js';
import type {
  InstanceBmpOptions,
  InstancePeerOptions,
  InternalLinkTransport,
  PeerMessageCounts,
} from './instance.js';

/** How often the instance reads its Loc-RIB's size for `TableReclaimer`. */
const RECLAIM_POLL_MS = 50;

/** Changes per batch at most: a full table crosses in batches of this size. */
export const BATCH_LIMIT = 65_536;

type Reporter = (report: InstanceReport, transfer?: ArrayBuffer[]) => void;

const keyOf = (id: string): string => id.toLowerCase();

export class InstanceHost {
  private running: RouteServerInstance | undefined;
  private spec: InstanceStartSpec | undefined;
  /** how long the warm-up at start took, when the spec asked for one */
  private warmUpMs: number | undefined;
  /** full collections after a table fell (src/runtime/reclaim.ts), while the instance runs */
  private reclaimer: TableReclaimer | undefined;
  private reclaimTimer: NodeJS.Timeout | undefined;
  private readonly peers = new Map<string, PeerSpec>();
  private readonly addressSpaces = new AddressSpaces([]);
  private readonly encoder = new RouteBatchEncoder();
  private flushScheduled = false;
  private readonly delay = monitorEventLoopDelay({ resolution: 10 });

  constructor(private readonly report: Reporter) {
    this.delay.enable();
  }

  async handle(command: InstanceCommand): Promise<CommandResults[InstanceCommand['op']]> {
    switch (command.op) {
      case 'start':
        return this.start(command.spec);
      case 'stop':
        clearInterval(this.reclaimTimer);
        await this.running?.stop(command.communication, { restarting: command.restarting === true });
        this.running = undefined;
        this.delay.disable();
        return undefined;
      case 'settings':
        this.running?.updateSettings({
          routeLimit: command.settings.maxRoutesPerPeer,
          branchToBranch: command.settings.allowBranchToBranchTraffic,
          hubRoutingPreference: command.settings.hubRoutingPreference,
        });
        return undefined;
      case 'link-up':
        this.running?.linkUp(
          command.linkId,
          command.peer,
          this.transport(command.linkId),
          command.generation,
        );
        return undefined;
      case 'link-down':
        this.running?.linkDown(command.linkId);
        return undefined;
      case 'link-receive':
        this.running?.linkReceive(command.linkId, command.messages, command.generation);
        return undefined;
      case 'link-ack':
        this.running?.linkAcknowledged(command.linkId, command.bytes, command.generation);
        return undefined;
      case 'spaces':
        this.addressSpaces.set(command.addressSpaces);
        return undefined;
      case 'add-peer':
      case 'update-peer':
        return this.configure(command.peer);
      case 'remove-peer':
        return this.removePeer(command.connectionId);
      case 'refresh':
        this.running?.refreshPeers();
        return undefined;
      case 'learned':
        return this.routes(command.connectionId, (i, peer) => i.learnedRoutes(peer));
      case 'advertised':
        return this.routes(command.connectionId, (i, peer) => i.advertisedRoutes(peer));
      case 'learned-details':
        return this.learnedDetails(command.connectionId, command.networks, command.rejectedLimit);
      case 'evaluate-route-map':
        return this.evaluateRouteMap(command.connectionId, command.map, command.direction);
      case 'statistics':
        return this.statistics();
      case 'health':
        return this.health();
    }
  }

  private async start(spec: InstanceStartSpec): Promise<number> {
    this.spec = spec;
    this.addressSpaces.set(spec.addressSpaces);
    if (spec.warmUp === true) this.warmUpMs = warmUpInstanceThread().milliseconds;
    try {
      this.running = await RouteServerInstance.start({
        instance: spec.instance,
        address: spec.address,
        asn: spec.asn,
        port: spec.port,
        network: this.addressSpaces,
        sink: {
          applyInjectedRoutes:
            spec.programVnet === false ? () => undefined : (_instance, changes) => this.inject(changes),
        },
        routeLimit: spec.settings.maxRoutesPerPeer,
        branchToBranch: spec.settings.allowBranchToBranchTraffic,
        hubRoutingPreference: spec.settings.hubRoutingPreference,
        ...(spec.role !== undefined ? { role: spec.role } : {}),
        ...(spec.internalNextHop !== undefined ? { internalNextHop: spec.internalNextHop } : {}),
        ...(spec.bmp !== undefined ? { bmp: bmpOptions(spec) } : {}),
      });
    } catch (error) {
      throw explainBindError(error, spec.routeServerId, spec.port) ?? error;
    }
    // RFC 4724 §3: the peers configured at start get the Restart State bit in our first OPEN
    for (const peer of spec.peers) await this.configure(peer, true);
    for (const link of spec.links ?? [])
      this.running.linkUp(link.linkId, link.peer, this.transport(link.linkId), link.generation);
    this.watchTableFalls(this.running);
    return this.running.speaker.port;
  }

  /**
   * Adds the peer, or applies its new address, ASN, graceful restart
   * settings or TCP-MD5 key (the session restarts) and its BFD settings.
   */
  private async configure(peer: PeerSpec, restarting = false): Promise<undefined> {
    const running = this.running;
    const previous = this.peers.get(keyOf(peer.connectionId));
    this.peers.set(keyOf(peer.connectionId), peer);
    if (running === undefined) return undefined;
    const options = peerOptions(peer, restarting);
    if (previous === undefined) running.addPeer(options);
    else if (previous.peerIp !== peer.peerIp) {
      running.removePeer(previous.peerIp, 'BGP connection changed');
      running.addPeer(options);
    } else if (
      previous.peerAsn !== peer.peerAsn ||
      previous.md5Key !== peer.md5Key ||
      JSON.stringify(previous.gracefulRestart) !== JSON.stringify(peer.gracefulRestart)
    )
      running.updatePeer(options);
    // BFD and route-map changes alone never reset the BGP session
    running.setRouteMaps(peer.peerIp, peer.routeMaps);
    await running.configureBfd(peer.peerIp, peer.bfd);
    return undefined;
  }

  private async evaluateRouteMap(
    connectionId: string,
    map: RouteMapDefinition,
    direction: RouteMapDirection,
  ): Promise<InstanceRouteMapEvaluation[]> {
    const peer = this.peers.get(keyOf(connectionId));
    const { running, spec } = this;
    if (peer === undefined || running === undefined || spec === undefined) return [];
    const evaluation = await running.evaluateRouteMap(peer.peerIp, map, direction);
    return evaluation === undefined ? [] : [{ instance: spec.instance, evaluation }];
  }

  private removePeer(connectionId: string): undefined {
    const peer = this.peers.get(keyOf(connectionId));
    if (peer === undefined) return undefined;
    this.peers.delete(keyOf(connectionId));
    this.running?.removePeer(peer.peerIp, 'BGP connection deleted');
    return undefined;
  }

  /** What the engine sends an internal link goes to the main thread, which hands it to the other end. */
  /** An internal link's end reaches the other end through the main thread (worker-runtime.ts). */
  private transport(linkId: string): InternalLinkTransport {
    return {
      send: (messages, generation) => this.linkSend(linkId, messages, generation),
      acknowledge: (bytes, generation) => this.report({ type: 'link-ack', linkId, bytes, generation }),
      reset: () => this.report({ type: 'link-reset', linkId }),
    };
  }

  private linkSend(linkId: string, messages: Buffer[], generation: number): void {
    const copies = messages.map((message) => Uint8Array.from(message));
    this.report(
      { type: 'link-send', linkId, messages: copies, generation },
      copies.map((copy) => copy.buffer),
    );
  }

  private inject(changes: InjectedRouteBatch): void {
    for (let i = 0; i < changes.size; i++) {
      const id = changes.hopSetAt(i);
      this.encoder.add(changes.keyAt(i), id === 0 ? undefined : changes.hopSet(id));
      if (this.encoder.size >= BATCH_LIMIT) this.flush();
    }
    if (this.encoder.size > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.encoder.size === 0) return;
    const batch = this.encoder.take();
    this.report({ type: 'routes', batch }, batchTransferList(batch));
  }

  private routes(
    connectionId: string,
    read: (instance: RouteServerInstance, peerIp: string) => readonly (LearnedRoute | AdvertisedRoute)[],
  ): PeerRoute[] {
    const peer = this.peers.get(keyOf(connectionId));
    const running = this.running;
    if (peer === undefined || running === undefined) return [];
    return read(running, peer.peerIp)
      .filter((route) => !('accepted' in route) || route.accepted)
      .map((route) => peerRoute(running, route));
  }

  private learnedDetails(
    connectionId: string,
    networks: readonly string[],
    rejectedLimit: number,
  ): LearnedRouteDetails {
    const peer = this.peers.get(keyOf(connectionId));
    const running = this.running;
    const instance = this.spec?.instance ?? 'IN_0';
    if (peer === undefined || running === undefined)
      return { instance, routes: [], rejected: [], rejectedTotal: 0 };
    const keys = networks.flatMap((network) => {
      try {
        return [prefixKey(parsePrefix(network))];
      } catch {
        return []; // not a prefix: nothing to look up
      }
    });
    const details = running.engine.learnedRouteDetails(peer.peerIp, keys, rejectedLimit);
    const detail = (route: LearnedRouteDetail) => peerRouteDetail(running, route);
    return {
      instance,
      routes: details.routes.map(detail),
      rejected: details.rejected.map(detail),
      rejectedTotal: details.rejectedTotal,
    };
  }

  private statistics(): PeerStatistics[] {
    const { running, spec } = this;
    if (running === undefined || spec === undefined) return [];
    return [...this.peers.values()].map((peer) => {
      const counters = running.engine.peerCounters(peer.peerIp);
      return {
        routeServerId: spec.routeServerId,
        connectionId: peer.connectionId,
        peerIp: peer.peerIp,
        instance: spec.instance,
        localAddress: spec.address,
        state: running.speaker.peer(peer.peerIp)?.state ?? 'Idle',
        learned: counters?.accepted ?? 0,
        advertised: counters?.advertised ?? 0,
        withheld: counters?.withheld ?? 0,
        ...messageCounters(running.messageCounts(peer.peerIp)),
      };
    });
  }

  /** Reads the Loc-RIB's size every 50 ms; a fallen table is collected (src/runtime/reclaim.ts). */
  private watchTableFalls(running: RouteServerInstance): void {
    const collect = fullCollection();
    if (collect === undefined) return;
    const reclaimer = (this.reclaimer ??= new TableReclaimer(collect));
    clearInterval(this.reclaimTimer);
    this.reclaimTimer = setInterval(() => reclaimer.observe(running.engine.locRibSize), RECLAIM_POLL_MS);
    this.reclaimTimer.unref();
  }

  /** Event-loop delay since the last reading (then reset), this thread's heap, its warm-up and reclaims. */
  private health(): InstanceHealth {
    const health = {
      routeServerId: this.spec?.routeServerId ?? '',
      instance: this.spec?.instance ?? 'IN_0',
      eventLoopDelayMaxMs: this.delay.max / 1e6,
      eventLoopDelayP99Ms: this.delay.percentile(99) / 1e6,
      heapUsedBytes: getHeapStatistics().used_heap_size,
      ...(this.warmUpMs !== undefined ? { warmUpMs: this.warmUpMs } : {}),
      ...(this.reclaimer !== undefined ? { reclaims: this.reclaimer.statistics } : {}),
      ...(this.running?.bmp !== undefined ? { bmp: this.running.bmp.statistics() } : {}),
    };
    this.delay.reset();
    return health;
  }
}

/** What the instance tells its BMP collectors of itself (RFC 7854 §4.3 sysName, sysDescr). */
function bmpOptions(spec: InstanceStartSpec): InstanceBmpOptions {
  const name = spec.routeServerId.split('/').pop() ?? spec.routeServerId;
  const what = spec.role === undefined || spec.role === 'route-server' ? 'route server' : spec.role;
  return {
    collectors: spec.bmp!.collectors,
    sysName: `${name} ${spec.instance}`,
    sysDescr: `routeserver ${what} ${spec.routeServerId} instance ${spec.instance}, AS ${spec.asn}, ${spec.address}`,
    ...(spec.bmp!.statisticsIntervalMs !== undefined
      ? { statisticsIntervalMs: spec.bmp!.statisticsIntervalMs }
      : {}),
    ...(spec.bmp!.bufferBytes !== undefined ? { connection: { bufferBytes: spec.bmp!.bufferBytes } } : {}),
  };
}

function messageCounters(counts: Readonly<PeerMessageCounts>) {
  return {
    updatesReceived: counts.updates,
    prefixesAnnounced: counts.announced,
    prefixesWithdrawn: counts.withdrawn,
  };
}

function peerRoute(instance: RouteServerInstance, route: LearnedRoute | AdvertisedRoute): PeerRoute {
  return {
    instance: instance.options.instance,
    localAddress: route.localAddress,
    network: route.network,
    nextHop: route.nextHop,
    sourcePeer: route.sourcePeer ?? null,
    origin: route.origin === 'EBgp' ? 'ebgp' : 'igp',
    asPath: route.asPath,
    weight: route.weight,
  };
}

function peerRouteDetail(instance: RouteServerInstance, route: LearnedRouteDetail): PeerRouteDetail {
  return {
    ...peerRoute(instance, route),
    communities: route.communities.map(formatCommunity),
    largeCommunities: route.largeCommunities.map(
      (large) => `${large.globalAdministrator}:${large.localData1}:${large.localData2}`,
    ),
    accepted: route.accepted,
    reasons: route.reasons,
  };
}

/** The session options of a peer; `restarting`: the instance has just started (RFC 4724 Restart State). */
function peerOptions(peer: PeerSpec, restarting: boolean): InstancePeerOptions {
  const gr = peer.gracefulRestart;
  const signed = peer.md5Key === undefined ? {} : { md5Key: peer.md5Key };
  if (gr === undefined) return { address: peer.peerIp, asn: peer.peerAsn, ...signed };
  return {
    address: peer.peerIp,
    asn: peer.peerAsn,
    ...signed,
    gracefulRestart: { restartTimeSeconds: gr.restartTime, restarting },
    stalePathTimeSeconds: gr.stalePathTime,
  };
}
