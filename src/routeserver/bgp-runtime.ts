/**
 * The BGP runtime on real speakers: each route server runs two
 * `RouteServerInstance`s (a `BgpSpeaker` on the instance address wired to its
 * own `RouteEngine`, instance.ts), both injecting into the route server's
 * virtual-network binding and peering with every NVA (Azure reference §1.2:
 * each NVA peers with both instances).
 *
 * - A peer is configured on both speakers with its ASN; sessions are eBGP
 *   multihop (the speaker's default TTL) and both sides may open (§13 open
 *   question 4: we are active and passive).
 * - Removing a peer closes its sessions with Cease / Peer De-configured
 *   (RFC 4486 subcode 3); stopping a route server closes all with Cease /
 *   Administrative Shutdown (subcode 2).
 * - `refreshPeers` asks every Established peer for its routes again with
 *   ROUTE-REFRESH (RFC 2918; §2.2: a hard reset when the peer lacks the
 *   capability, which the session layer does). The engines re-advertise the
 *   VNet address spaces themselves when the binding reports a change.
 * - A change of branch-to-branch or of the route limit applies live: the
 *   engines re-export in slices, the sessions stay up.
 */
import type { SocketOptions } from '../bgp/session/index.js';
import type { AdvertisedRoute, LearnedRoute } from '../rib/index.js';
import { idKey } from './ids.js';
import { RouteServerInstance } from './instance.js';
import type {
  BgpRuntime,
  InstanceSessionState,
  PeerSpec,
  RouteServerRuntimeSettings,
  RouteServerRuntimeSpec,
} from './runtime.js';
import type { PeerRoute } from './types.js';

export interface SpeakerRuntimeOptions {
  /** TCP port of every instance listener, default 179 */
  readonly port?: number;
  readonly socketOptions?: SocketOptions;
}

interface RunningRouteServer {
  spec: RouteServerRuntimeSpec;
  instances: RouteServerInstance[];
  /** connection id key → peer */
  readonly peers: Map<string, PeerSpec>;
}

export class SpeakerRuntime implements BgpRuntime {
  private readonly servers = new Map<string, RunningRouteServer>();

  constructor(private readonly options: SpeakerRuntimeOptions = {}) {}

  async startRouteServer(spec: RouteServerRuntimeSpec): Promise<void> {
    await this.stopRouteServer(spec.routeServerId);
    const peers = new Map(spec.peers.map((peer) => [idKey(peer.connectionId), peer]));
    const running: RunningRouteServer = { spec, instances: [], peers };
    this.servers.set(idKey(spec.routeServerId), running);
    running.instances = await this.startInstances(spec);
    for (const instance of running.instances)
      for (const peer of peers.values()) this.configure(instance, peer);
  }

  private async startInstances(spec: RouteServerRuntimeSpec): Promise<RouteServerInstance[]> {
    const started: RouteServerInstance[] = [];
    try {
      for (const { instance, address } of spec.instances) {
        started.push(
          await RouteServerInstance.start({
            instance,
            address,
            asn: spec.asn,
            network: spec.network,
            sink: spec.network,
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
      this.servers.delete(idKey(spec.routeServerId));
      throw error;
    }
    return started;
  }

  private configure(instance: RouteServerInstance, peer: PeerSpec): void {
    instance.addPeer({ address: peer.peerIp, asn: peer.peerAsn });
  }

  async stopRouteServer(routeServerId: string): Promise<void> {
    const running = this.servers.get(idKey(routeServerId));
    if (running === undefined) return;
    this.servers.delete(idKey(routeServerId));
    await Promise.all(running.instances.map((instance) => instance.stop('route server stopped')));
  }

  async updateSettings(routeServerId: string, settings: RouteServerRuntimeSettings): Promise<void> {
    const running = this.servers.get(idKey(routeServerId));
    if (running === undefined) return;
    running.spec = { ...running.spec, settings };
    for (const instance of running.instances) {
      instance.updateSettings({
        routeLimit: settings.maxRoutesPerPeer,
        branchToBranch: settings.allowBranchToBranchTraffic,
      });
    }
  }

  async addPeer(routeServerId: string, peer: PeerSpec): Promise<void> {
    const running = this.servers.get(idKey(routeServerId));
    if (running === undefined) return;
    running.peers.set(idKey(peer.connectionId), peer);
    for (const instance of running.instances) this.configure(instance, peer);
  }

  async updatePeer(routeServerId: string, peer: PeerSpec): Promise<void> {
    const running = this.servers.get(idKey(routeServerId));
    const previous = running?.peers.get(idKey(peer.connectionId));
    if (running === undefined || previous === undefined) return this.addPeer(routeServerId, peer);
    running.peers.set(idKey(peer.connectionId), peer);
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
    const running = this.servers.get(idKey(routeServerId));
    const peer = running?.peers.get(idKey(connectionId));
    if (running === undefined || peer === undefined) return;
    running.peers.delete(idKey(connectionId));
    for (const instance of running.instances) instance.removePeer(peer.peerIp, 'BGP connection deleted');
  }

  sessionStates(routeServerId: string, connectionId: string): readonly InstanceSessionState[] {
    const running = this.servers.get(idKey(routeServerId));
    const peer = running?.peers.get(idKey(connectionId));
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
    const running = this.servers.get(idKey(routeServerId));
    const peer = running?.peers.get(idKey(connectionId));
    if (running === undefined || peer === undefined) return [];
    return running.instances.flatMap((instance) =>
      read(instance, peer.peerIp)
        .filter((route) => !('accepted' in route) || route.accepted)
        .map((route) => peerRoute(instance, route)),
    );
  }

  async refreshPeers(routeServerId: string): Promise<void> {
    const running = this.servers.get(idKey(routeServerId));
    for (const instance of running?.instances ?? []) instance.refreshPeers();
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
