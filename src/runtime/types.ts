/**
 * The BGP runtime's interface, in plain data: what crosses it is strings,
 * numbers, arrays and plain objects (prefixes as `src/lib/prefix.ts` values),
 * never an object of the domain service or of the virtual network model, so
 * the same interface can run in-process, across a worker thread or across
 * hosts. index.ts describes the contract.
 */
import type { BfdSettings } from '../bfd/index.js';
import type { BmpCollectorStatistics } from '../bmp/index.js';
import type { Prefix } from '../lib/prefix.js';
import type { RouteMapDefinition, VnetGatewayType } from '../policy/index.js';
import type { RouteMapDirection, RouteMapEvaluation } from '../rib/index.js';
import type { InjectedRouteBatch, InstanceId } from '../rib/ports.js';
import type { RuntimeErrorCode } from './errors.js';
import type { ReclaimStatistics } from './reclaim.js';

/** Azure's hub routing preference (docs/azure-behaviour.md §4.3; applied by the route engine's decision process). */
export type HubRoutingPreference = 'ExpressRoute' | 'VpnGateway' | 'ASPath';

/** RFC 4271 §8.2.2 session states. */
export type SessionState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

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
  /**
   * BFD with the peer (docs/bfd.md); absent: none, the hold timer alone
   * detects a failure (Azure's behaviour)
   */
  readonly bfd?: BfdSettings;
  /** route maps of the peering (docs/route-maps.md), checked by the domain service; absent: none */
  readonly routeMaps?: PeerRouteMapSpec;
  /**
   * RFC 4724 graceful restart with the peer (docs/graceful-restart.md);
   * absent: none, a session that ends takes the peer's routes with it (Azure's behaviour)
   */
  readonly gracefulRestart?: GracefulRestartSettings;
  /** RFC 2385 TCP-MD5 key (docs/tcp-md5.md); absent: unsigned, as in Azure */
  readonly md5Key?: string;
}

/** A peering's graceful restart timers, seconds. */
export interface GracefulRestartSettings {
  /** the Restart Time we advertise: how long the peer keeps our routes while we restart */
  readonly restartTime: number;
  /** how long the peer's stale routes wait for its End-of-RIB once its session is back */
  readonly stalePathTime: number;
}

/** A peering's route map per direction, as plain definitions (they cross thread boundaries). */
export interface PeerRouteMapSpec {
  readonly inbound?: RouteMapDefinition;
  readonly outbound?: RouteMapDefinition;
}

/** One instance's dry run of a route map on a peer (docs/route-maps.md). */
export interface InstanceRouteMapEvaluation {
  readonly instance: InstanceId;
  readonly evaluation: RouteMapEvaluation;
}

export interface RouteServerRuntimeSettings {
  readonly allowBranchToBranchTraffic: boolean;
  readonly hubRoutingPreference: HubRoutingPreference;
  /** docs/azure-behaviour.md §2.3: learned + routes in an UPDATE above this closes the session */
  readonly maxRoutesPerPeer: number;
}

export interface RouteServerRuntimeSpec {
  readonly routeServerId: string;
  /** 65515 */
  readonly asn: number;
  readonly instances: readonly InstanceSpec[];
  /**
   * The address spaces both instances advertise (the VNet's and the peered
   * VNets' served through gateway transit), canonical prefix text. Routes
   * equal to or more specific than one of them are learned but not injected
   * (docs/azure-behaviour.md §3.2).
   */
  readonly addressSpaces: readonly string[];
  readonly peers: readonly PeerSpec[];
  readonly settings: RouteServerRuntimeSettings;
  /**
   * Present when the speaker is a VNet gateway's (docs/gateways.md): its
   * type, and per instance its GatewaySubnet address, the NEXT_HOP of what
   * it gives the route server over their internal links
   */
  readonly gateway?: { readonly type: VnetGatewayType; readonly nextHops: readonly string[] };
}

/** The other end of an internal link, as one end's route engine sees it. */
export interface InternalPeer {
  readonly address: string;
  readonly asn: number;
  /** `gateway`: seen from the route server; `route-server`: seen from a gateway's speaker */
  readonly kind: 'gateway' | 'route-server';
  /** `gateway` peers: the gateway (its two instances are one source) and its type */
  readonly gateway?: { readonly id: string; readonly type: VnetGatewayType };
}

/** One end of an internal link: an instance of a running route server (or gateway speaker). */
export interface InternalLinkEnd {
  readonly routeServerId: string;
  readonly instance: InstanceId;
  readonly peer: InternalPeer;
}

/**
 * An internal link between an instance of a route server and an instance of
 * a gateway's speaker in its VNet (docs/gateways.md, "Branch-to-branch"):
 * their route engines exchange UPDATEs as over a BGP session, without TCP.
 */
export interface InternalLinkSpec {
  readonly linkId: string;
  readonly ends: readonly [InternalLinkEnd, InternalLinkEnd];
}

export interface StartOptions {
  /**
   * When an instance cannot bind its address, resolve with `{ running: false }`
   * and the explained error instead of rejecting (for route servers started
   * from the store at start-up, so one unusable address does not stop the daemon).
   */
  readonly tolerateBindFailure?: boolean;
}

/** How a start ended; a failure other than a tolerated bind failure rejects instead. */
export type StartOutcome =
  | { readonly running: true }
  | {
      readonly running: false;
      readonly error: { readonly code: RuntimeErrorCode; readonly message: string };
    };

export interface InstanceSessionState {
  readonly instance: InstanceId;
  readonly localAddress: string;
  readonly state: SessionState;
}

/** A route in an instance's Adj-RIB-In (learned) or Adj-RIB-Out (advertised) for one peer. */
export interface PeerRoute {
  readonly instance: InstanceId;
  readonly localAddress: string;
  /** canonical prefix text */
  readonly network: string;
  readonly nextHop: string;
  /** the BGP peer the route came from; null for routes the route server originates */
  readonly sourcePeer: string | null;
  /** how the instance got the route: from an eBGP/iBGP peer, or originated (with its ORIGIN attribute) */
  readonly origin: 'ebgp' | 'ibgp' | 'igp' | 'egp' | 'incomplete';
  /** AS_PATH as the route engine formats it: sequence hyphen-joined (`65002-65001`), sets in braces */
  readonly asPath: string;
  readonly weight: number;
}

/**
 * A learned route with what `PeerRoute` leaves out, read for a page of the
 * dashboard at a time (never per route change): its communities and the
 * import rules' verdict.
 */
export interface PeerRouteDetail extends PeerRoute {
  /** RFC 1997 communities, `ASN:value` */
  readonly communities: readonly string[];
  /** RFC 8092 large communities, `global:local1:local2` */
  readonly largeCommunities: readonly string[];
  /** false: the import rules rejected it (it takes no part in the decision) */
  readonly accepted: boolean;
  /** the rules that fired and why the route is not used (src/rib/views.ts) */
  readonly reasons: readonly string[];
}

/** One instance's answer to `learnedRouteDetails`. */
export interface LearnedRouteDetails {
  readonly instance: InstanceId;
  /** the requested networks the peer sent */
  readonly routes: readonly PeerRouteDetail[];
  /** the first routes of the peer the import rules rejected, at most the limit asked for */
  readonly rejected: readonly PeerRouteDetail[];
  /** how many of the peer's routes the import rules rejected */
  readonly rejectedTotal: number;
}

/** An instance thread's own health: event-loop delay since the last reading, heap. */
export interface InstanceHealth {
  readonly routeServerId: string;
  readonly instance: InstanceId;
  readonly eventLoopDelayMaxMs: number;
  readonly eventLoopDelayP99Ms: number;
  readonly heapUsedBytes: number;
  /** how long the thread's warm-up took at start (src/runtime/warm-up.ts); absent without one */
  readonly warmUpMs?: number;
  /** full collections after the Loc-RIB fell (src/runtime/reclaim.ts); absent where V8 gives none */
  readonly reclaims?: ReclaimStatistics;
  /** BMP export: one row per collector (absent without BMP) */
  readonly bmp?: readonly BmpCollectorStatistics[];
}

/** One session of a running route server, for metrics: state and route counts. */
export interface PeerStatistics {
  readonly routeServerId: string;
  readonly connectionId: string;
  readonly peerIp: string;
  readonly instance: InstanceId;
  readonly localAddress: string;
  readonly state: SessionState;
  /** routes learned and accepted (Adj-RIB-In after the import rules) */
  readonly learned: number;
  /** routes advertised (Adj-RIB-Out) */
  readonly advertised: number;
  /**
   * an ExpressRoute gateway's on-prem peer: routes held back above the
   * 1,000-route ceiling (docs/azure-behaviour.md §4.2)
   */
  readonly withheld?: number;
  /** UPDATE messages the peer sent since the instance started (a counter) */
  readonly updatesReceived: number;
  /** prefixes the peer announced since the instance started, duplicates included (a counter) */
  readonly prefixesAnnounced: number;
  /** prefixes the peer withdrew since the instance started (a counter) */
  readonly prefixesWithdrawn: number;
}

/**
 * A change of one prefix an instance injects into the virtual network: its
 * ECMP next hops, or null when it is no longer injected. (The route engine's
 * `InjectedRouteChange` carries more; the virtual network needs only this.)
 */
export interface VnetRouteChange {
  readonly prefix: Prefix;
  readonly route: { readonly nextHops: readonly string[] } | null;
}

/** Changes of the routes one instance of a route server injects into the virtual network. */
export interface InjectedRoutes {
  readonly routeServerId: string;
  readonly instance: InstanceId;
  readonly changes: readonly VnetRouteChange[];
  /**
   * The same changes as the route engine's typed batch (src/rib/ports.ts),
   * read in place: what programs the VNet, with no object per prefix. Absent
   * when `withdrawAll` is set or the changes were made as objects.
   */
  readonly batch?: InjectedRouteBatch;
  /**
   * The instance stopped without withdrawing (its thread failed): everything
   * it injected is withdrawn; `changes` is empty.
   */
  readonly withdrawAll?: boolean;
}

export type InjectedRoutesListener = (routes: InjectedRoutes) => void;

export interface BgpRuntime {
  /** starts both instances with their peers; resolves once they listen */
  startRouteServer(spec: RouteServerRuntimeSpec, options?: StartOptions): Promise<StartOutcome>;
  /** closes every session with a Cease (RFC 4486 subcode 2, Administrative Shutdown) and stops both instances */
  stopRouteServer(routeServerId: string): Promise<void>;
  updateSettings(routeServerId: string, settings: RouteServerRuntimeSettings): Promise<void>;
  /**
   * The advertised address spaces changed (canonical prefix text): both
   * instances re-advertise to every peer and re-check which learned routes
   * may be injected.
   */
  setAddressSpaces(routeServerId: string, addressSpaces: readonly string[]): Promise<void>;
  /** both instances start a session with the peer */
  addPeer(routeServerId: string, peer: PeerSpec): Promise<void>;
  /** the peer's ASN or address changed: its sessions restart */
  updatePeer(routeServerId: string, peer: PeerSpec): Promise<void>;
  /** both instances close the session with a Cease (RFC 4486 subcode 3, Peer De-configured) */
  removePeer(routeServerId: string, connectionId: string): Promise<void>;
  /**
   * Asks every Established peer for its routes again with ROUTE-REFRESH
   * (RFC 2918; docs/azure-behaviour.md §2.2 — a hard reset of the session when the
   * peer lacks the capability), e.g. on a new VNet peering.
   */
  refreshPeers(routeServerId: string): Promise<void>;
  /** per instance; empty when the route server or peer is not running */
  sessionStates(routeServerId: string, connectionId: string): readonly InstanceSessionState[];
  /** Adj-RIB-In of each instance for the peer (accepted routes) */
  learnedRoutes(routeServerId: string, connectionId: string): Promise<readonly PeerRoute[]>;
  /** Adj-RIB-Out of each instance toward the peer */
  advertisedRoutes(routeServerId: string, connectionId: string): Promise<readonly PeerRoute[]>;
  /**
   * Per instance: the peer's routes for `networks` with communities and
   * verdict, and up to `rejectedLimit` routes the import rules rejected
   * (the dashboard; absent where the runtime cannot read them)
   */
  learnedRouteDetails?(
    routeServerId: string,
    connectionId: string,
    networks: readonly string[],
    rejectedLimit: number,
  ): Promise<readonly LearnedRouteDetails[]>;
  /** what `map` would change on the peer's routes, per instance whose session is up (docs/route-maps.md) */
  evaluateRouteMap(
    routeServerId: string,
    connectionId: string,
    map: RouteMapDefinition,
    direction: RouteMapDirection,
  ): Promise<readonly InstanceRouteMapEvaluation[]>;
  /** every session of every running route server, with route counts (for metrics) */
  peerStatistics(): Promise<readonly PeerStatistics[]>;
  /**
   * Each instance thread of this process: its event-loop delay since the
   * last reading (the reading resets it) and its heap (for metrics).
   */
  health(): Promise<readonly InstanceHealth[]>;
  /** subscribes to the routes the instances inject; returns the unsubscribe */
  onInjectedRoutes(listener: InjectedRoutesListener): () => void;
  /**
   * Links two instances internally (a runtime that runs both ends; absent
   * where the ends may run in different processes). The link is up while
   * both ends run; connecting an existing id replaces the link.
   */
  connectInternal?(link: InternalLinkSpec): Promise<void>;
  /** removes an internal link: each end withdraws what the other gave it */
  disconnectInternal?(linkId: string): Promise<void>;
  close(): Promise<void>;
}
