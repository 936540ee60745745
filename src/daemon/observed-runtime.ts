/**
 * A `BgpRuntime` decorator that remembers which route servers and peers are
 * running, so metrics can enumerate them without a second source of truth:
 * what the domain service started on the runtime is what is measured.
 *
 * It also explains bind failures (bgp-bind.ts). While `tolerateStartFailures`
 * is set (the daemon's start-up), a route server whose instances cannot bind
 * is reported through `onStartFailure` and left configured but not running,
 * so the API still starts; afterwards the explained error fails the write's
 * operation, so the client sees it.
 */
import type { BgpRuntime, PeerSpec, RouteServerRuntimeSpec } from '../routeserver/index.js';
import { explainBindError } from './bgp-bind.js';
import type { DaemonError } from './errors.js';

export interface RunningRouteServer {
  readonly routeServerId: string;
  readonly peers: Map<string, PeerSpec>;
}

export class ObservedRuntime implements BgpRuntime {
  readonly running = new Map<string, RunningRouteServer>();

  tolerateStartFailures = false;

  constructor(
    private readonly inner: BgpRuntime,
    private readonly port: number,
    private readonly onStartFailure: (error: DaemonError) => void,
  ) {}

  async startRouteServer(spec: RouteServerRuntimeSpec): Promise<void> {
    try {
      await this.inner.startRouteServer(spec);
    } catch (error) {
      const explained = explainBindError(error, spec.routeServerId, this.port);
      if (explained === undefined) throw error;
      if (!this.tolerateStartFailures) throw explained;
      this.onStartFailure(explained);
      return;
    }
    this.running.set(spec.routeServerId, {
      routeServerId: spec.routeServerId,
      peers: new Map(spec.peers.map((peer) => [peer.connectionId, peer])),
    });
  }
  async stopRouteServer(routeServerId: string): Promise<void> {
    this.running.delete(routeServerId);
    await this.inner.stopRouteServer(routeServerId);
  }
  async updateSettings(...args: Parameters<BgpRuntime['updateSettings']>): Promise<void> {
    try {
      await this.inner.updateSettings(...args);
    } catch (error) {
      throw explainBindError(error, args[0], this.port) ?? error;
    }
  }
  async addPeer(routeServerId: string, peer: PeerSpec): Promise<void> {
    await this.inner.addPeer(routeServerId, peer);
    this.running.get(routeServerId)?.peers.set(peer.connectionId, peer);
  }
  async updatePeer(routeServerId: string, peer: PeerSpec): Promise<void> {
    await this.inner.updatePeer(routeServerId, peer);
    this.running.get(routeServerId)?.peers.set(peer.connectionId, peer);
  }
  async removePeer(routeServerId: string, connectionId: string): Promise<void> {
    this.running.get(routeServerId)?.peers.delete(connectionId);
    await this.inner.removePeer(routeServerId, connectionId);
  }
  sessionStates(...args: Parameters<BgpRuntime['sessionStates']>): ReturnType<BgpRuntime['sessionStates']> {
    return this.inner.sessionStates(...args);
  }
  learnedRoutes(...args: Parameters<BgpRuntime['learnedRoutes']>): ReturnType<BgpRuntime['learnedRoutes']> {
    return this.inner.learnedRoutes(...args);
  }
  advertisedRoutes(
    ...args: Parameters<BgpRuntime['advertisedRoutes']>
  ): ReturnType<BgpRuntime['advertisedRoutes']> {
    return this.inner.advertisedRoutes(...args);
  }
  refreshPeers(routeServerId: string): Promise<void> {
    return this.inner.refreshPeers(routeServerId);
  }
  async close(): Promise<void> {
    this.running.clear();
    await this.inner.close();
  }
}
