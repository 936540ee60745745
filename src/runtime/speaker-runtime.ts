/**
 * The BGP runtime on real speakers: each route server runs two
 * `RouteServerInstance`s (a `BgpSpeaker` on the instance address wired to its
 * own `RouteEngine`, instance.ts), both advertising the same address spaces
 * and peering with every NVA (docs/azure-behaviour.md §1.2: each NVA peers with both
 * instances). The routes they inject are published to `onInjectedRoutes`
 * subscribers, tagged with the route server and instance.
 *
 * - A peer is configured on both speakers with its ASN; sessions are eBGP
 *   multihop (the speaker's default TTL) and both sides may open
 *   (docs/azure-behaviour.md §13 item 4: we are active and passive).
 * - Removing a peer closes its sessions with Cease / Peer De-configured
 *   (RFC 4486 subcode 3); stopping a route server closes all with Cease /
 *   Administrative Shutdown (subcode 2).
 * - `refreshPeers` asks every Established peer for its routes again with
 *   ROUTE-REFRESH (RFC 2918; §2.2: a hard reset when the peer lacks the
 *   capability, which the session layer does). `setAddressSpaces` makes the
 *   engines re-advertise and re-check injection.
 * - A change of branch-to-branch or of the route limit applies live: the
 *   engines re-export in slices, the sessions stay up.
 * - A start that cannot bind an address rejects with an explained
 *   `BgpRuntimeError` (bind-error.ts), or resolves `{ running: false }` with it
 *   when the caller tolerates bind failures.
 */
import { BGP_PORT, type SocketOptions } from '../bgp/session/index.js';
import type { AdvertisedRoute, InjectedRouteChange, InstanceId, LearnedRoute } from '../rib/index.js';
import { AddressSpaces } from './address-spaces.js';
import { explainBindError } from './bind-error.js';
import { RouteServerInstance } from './instance.js';
import type {
  BgpRuntime,
  InjectedRoutesListener,
  InstanceSessionState,
  PeerRoute,
  PeerSpec,
  PeerStatistics,
  RouteServerRuntimeSettings,
  RouteServerRuntimeSpec,
  StartOptions,
  StartOutcome,
} from './types.js';

export interface SpeakerRuntimeOptions {
  /** TCP port of every instance listener, default 179 */
  readonly port?: number;
  readonly socketOptions?: SocketOptions;
}

/** Route server ids are ARM ids: compared case-insensitively. */
const keyOf = (id: string): string => id.toLowerCase();

interface RunningRouteServer {
  spec: RouteServerRuntimeSpec;
  instances: RouteServerInstance[];
  readonly addressSpaces: AddressSpaces;
  /** connection id key → peer */
  readonly peers: Map<string, PeerSpec>;
}

export class SpeakerRuntime implements BgpRuntime {
  private readonly servers = new Map<string, RunningRouteServer>();
  private readonly injectedListeners = new Set<InjectedRoutesListener>();

  constructor(private readonly options: SpeakerRuntimeOptions = {}) {}

  async startRouteServer(spec: RouteServerRuntimeSpec, options: StartOptions = {}): Promise<StartOutcome> {
    await this.stopRouteServer(spec.routeServerId);
    const peers = new Map(spec.peers.map((peer) => [keyOf(peer.connectionId), peer]));
    const addressSpaces = new AddressSpaces(spec.addressSpaces);
    const running: RunningRouteServer = { spec, instances: [], addressSpaces, peers };
    this.servers.set(keyOf(spec.routeServerId), running);
    try {
      running.instances = await this.startInstances(running);
    } catch (error) {
      this.servers.delete(keyOf(spec.routeServerId));
      const explained = explainBindError(error, spec.routeServerId, this.options.port ?? BGP_PORT);
      if (explained === undefined) throw error;
      if (options.tolerateBindFailure !== true) throw explained;
      return { running: false, error: { code: explained.code, message: explained.message } };
    }
    for (const instance of running.instances)
      for (const peer of peers.values()) this.configure(instance, peer);
    return { running: true };
  }

  private async startInstances(running: RunningRouteServer): Promise<RouteServerInstance[]> {
    const { spec } = running;
    const started: RouteServerInstance[] = [];
    // an engine's queued work may still complete after its route server stopped: not published
    const sink = {
      applyInjectedRoutes: (instance: InstanceId, changes: readonly InjectedRouteChange[]) => {
        if (this.servers.get(keyOf(spec.routeServerId)) === running)
          this.publish(spec.routeServerId, instance, changes);
      },
    };
    try {
      for (const { instance, address } of spec.instances) {
        started.push(
          await RouteServerInstance.start({
            instance,
            address,
            asn: spec.asn,
            network: running.addressSpaces,
            sink,
            routeLimit: spec.settings.maxRoutesPerPeer,
            branchToBranch: spec.settings.allowBranchToBranchTraffic,
            ...(this.options.port === undefined ? {} : { port: this.options.port }),
            ...(this.options.socketOptions === undefined
              ? {}
              : { socketOptions: this.options.socketOptions }),
          }),
        );
      }
    } catch (error) {
      for (const instance of started) await instance.stop('route server failed to start');
      throw error;
    }
    return started;
  }

  private publish(
    routeServerId: string,
    instance: InstanceId,
    changes: readonly InjectedRouteChange[],
  ): void {
    for (const listener of [...this.injectedListeners]) listener({ routeServerId, instance, changes });
  }

  onInjectedRoutes(listener: InjectedRoutesListener): () => void {
    this.injectedListeners.add(listener);
    return () => {
      this.injectedListeners.delete(listener);
    };
  }

  private configure(instance: RouteServerInstance, peer: PeerSpec): void {
    instance.addPeer({ address: peer.peerIp, asn: peer.peerAsn });
  }

  async stopRouteServer(routeServerId: string): Promise<void> {
    const running = this.servers.get(keyOf(routeServerId));
    if (running === undefined) return;
    this.servers.delete(keyOf(routeServerId));
    await Promise.all(running.instances.map((instance) => instance.stop('route server stopped')));
  }

  async updateSettings(routeServerId: string, settings: RouteServerRuntimeSettings): Promise<void> {
    const running = this.servers.get(keyOf(routeServerId));
    if (running === undefined) return;
    running.spec = { ...running.spec, settings };
    for (const instance of running.instances) {
      instance.updateSettings({
        routeLimit: settings.maxRoutesPerPeer,
        branchToBranch: settings.allowBranchToBranchTraffic,
      });
    }
  }

  async setAddressSpaces(routeServerId: string, addressSpaces: readonly string[]): Promise<void> {
    const running = this.servers.get(keyOf(routeServerId));
    if (running === undefined) return;
    running.spec = { ...running.spec, addressSpaces };
    running.addressSpaces.set(addressSpaces);
  }

  async addPeer(routeServerId: string, peer: PeerSpec): Promise<void> {
    const running = this.servers.get(keyOf(routeServerId));
    if (running === undefined) return;
    running.peers.set(keyOf(peer.connectionId), peer);
    for (const instance of running.instances) this.configure(instance, peer);
  }

  async updatePeer(routeServerId: string, peer: PeerSpec): Promise<void> {
    const running = this.servers.get(keyOf(routeServerId));
    const previous = running?.peers.get(keyOf(peer.connectionId));
    if (running === undefined || previous === undefined) return this.addPeer(routeServerId, peer);
    running.peers.set(keyOf(peer.connectionId), peer);
    for (const instance of running.instances) {
      if (previous.peerIp !== peer.peerIp) {
        instance.removePeer(previous.peerIp, 'BGP connection changed');
        this.configure(instance, peer);
      } else {
        instance.speaker.updatePeer({ address: peer.peerIp, asn: peer.peerAsn });
      }
    }
  }

  async removePeer(routeServerId: string, connectionId: string): Promise<void> {
    const running = this.servers.get(keyOf(routeServerId));
    const peer = running?.peers.get(keyOf(connectionId));
    if (running === undefined || peer === undefined) return;
    running.peers.delete(keyOf(connectionId));
    for (const instance of running.instances) instance.removePeer(peer.peerIp, 'BGP connection deleted');
  }

  async refreshPeers(routeServerId: string): Promise<void> {
    const running = this.servers.get(keyOf(routeServerId));
    for (const instance of running?.instances ?? []) instance.refreshPeers();
  }

  sessionStates(routeServerId: string, connectionId: string): readonly InstanceSessionState[] {
    const running = this.servers.get(keyOf(routeServerId));
    const peer = running?.peers.get(keyOf(connectionId));
    if (running === undefined || peer === undefined) return [];
    return running.instances.map((instance) => ({
      instance: instance.options.instance,
      localAddress: instance.options.address,
      state: instance.speaker.peer(peer.peerIp)?.state ?? 'Idle',
    }));
  }

  async learnedRoutes(routeServerId: string, connectionId: string): Promise<readonly PeerRoute[]> {
    return this.routes(routeServerId, connectionId, (instance, peerIp) => instance.learnedRoutes(peerIp));
  }

  async advertisedRoutes(routeServerId: string, connectionId: string): Promise<readonly PeerRoute[]> {
    return this.routes(routeServerId, connectionId, (instance, peerIp) => instance.advertisedRoutes(peerIp));
  }

  private routes(
    routeServerId: string,
    connectionId: string,
    read: (instance: RouteServerInstance, peerIp: string) => readonly (LearnedRoute | AdvertisedRoute)[],
  ): PeerRoute[] {
    const running = this.servers.get(keyOf(routeServerId));
    const peer = running?.peers.get(keyOf(connectionId));
    if (running === undefined || peer === undefined) return [];
    return running.instances.flatMap((instance) =>
      read(instance, peer.peerIp)
        .filter((route) => !('accepted' in route) || route.accepted)
        .map((route) => peerRoute(instance, route)),
    );
  }

  async peerStatistics(): Promise<readonly PeerStatistics[]> {
    const rows: PeerStatistics[] = [];
    for (const running of this.servers.values()) {
      for (const peer of running.peers.values()) {
        for (const instance of running.instances) {
          const counters = instance.engine.peerCounters(peer.peerIp);
          rows.push({
            routeServerId: running.spec.routeServerId,
            connectionId: peer.connectionId,
            peerIp: peer.peerIp,
            instance: instance.options.instance,
            localAddress: instance.options.address,
            state: instance.speaker.peer(peer.peerIp)?.state ?? 'Idle',
            learned: counters?.accepted ?? 0,
            advertised: counters?.advertised ?? 0,
          });
        }
      }
    }
    return rows;
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((key) => this.stopRouteServer(key)));
  }
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
