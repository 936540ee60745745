/**
 * The live side of a route server, as the domain service drives it: two BGP
 * instances per route server, their peers, their sessions and routes.
 *
 * The facade (service.ts) owns configuration and persistence; a `BgpRuntime`
 * owns sockets and route engines. It is optional: with none attached a route
 * server is configured but not running (connection state `Unknown`, no
 * learned or advertised routes), a legitimate state, e.g. while the BGP
 * listener is disabled. `instance.ts`/`bgp-runtime.ts` implement it with
 * `BgpSpeaker` and `RouteEngine`.
 */
import type { InjectedRouteSink, InstanceId, VirtualNetworkView } from '../rib/ports.js';
import type { HubRoutingPreference, PeerRoute, SessionState } from './types.js';

export interface InstanceSpec {
  readonly instance: InstanceId;
  /** the instance's own address (RouteServerSubnet .4 / .5): local address and BGP identifier */
  readonly address: string;
}

export interface PeerSpec {
  /** the BGP connection's id; stable across updates */
  readonly connectionId: string;
  readonly peerIp: string;
  readonly peerAsn: number;
}

export interface RouteServerRuntimeSettings {
  readonly allowBranchToBranchTraffic: boolean;
  readonly hubRoutingPreference: HubRoutingPreference;
  /** Azure reference §2.3: learned + routes in an UPDATE above this closes the session */
  readonly maxRoutesPerPeer: number;
}

export interface RouteServerRuntimeSpec {
  readonly routeServerId: string;
  /** 65515 */
  readonly asn: number;
  readonly instances: readonly InstanceSpec[];
  /** where both instances inject routes and read the address spaces to advertise (the sdn binding) */
  readonly network: InjectedRouteSink & VirtualNetworkView;
  readonly peers: readonly PeerSpec[];
  readonly settings: RouteServerRuntimeSettings;
}

export interface InstanceSessionState {
  readonly instance: InstanceId;
  readonly localAddress: string;
  readonly state: SessionState;
}

export interface BgpRuntime {
  /** starts both instances with their peers; resolves once they listen */
  startRouteServer(spec: RouteServerRuntimeSpec): Promise<void>;
  /** closes every session with a Cease (RFC 4486 subcode 2, Administrative Shutdown) and stops both instances */
  stopRouteServer(routeServerId: string): Promise<void>;
  updateSettings(routeServerId: string, settings: RouteServerRuntimeSettings): Promise<void>;
  /** both instances start a session with the peer */
  addPeer(routeServerId: string, peer: PeerSpec): Promise<void>;
  /** the peer's ASN or address changed: its sessions restart */
  updatePeer(routeServerId: string, peer: PeerSpec): Promise<void>;
  /** both instances close the session with a Cease (RFC 4486 subcode 3, Peer De-configured) */
  removePeer(routeServerId: string, connectionId: string): Promise<void>;
  /** per instance; empty when the route server or peer is not running */
  sessionStates(routeServerId: string, connectionId: string): readonly InstanceSessionState[];
  /** Adj-RIB-In of each instance for the peer */
  learnedRoutes(routeServerId: string, connectionId: string): Promise<readonly PeerRoute[]>;
  /** Adj-RIB-Out of each instance toward the peer */
  advertisedRoutes(routeServerId: string, connectionId: string): Promise<readonly PeerRoute[]>;
  /**
   * The advertised address spaces or VNet peerings changed: re-advertise to
   * every peer and ask each for its routes again with ROUTE-REFRESH (RFC 2918;
   * Azure reference §2.2 — a hard reset of the session when the peer lacks
   * the capability).
   */
  refreshPeers(routeServerId: string): Promise<void>;
  close(): Promise<void>;
}
