/**
 * The route engine's options (src/rib/engine.ts): what each one is, its
 * default, and the checks done once when an engine is made (`settingsOf`);
 * and the counters the engine keeps, overall and per peer.
 */
import { parseIpv4, parseIpv6 } from '../lib/prefix.js';
import { AZURE_ROUTE_SERVER_ASN, DEFAULT_ROUTE_LIMIT, EXPRESSROUTE_ROUTE_LIMIT } from '../policy/index.js';
import type { EngineRole } from '../policy/index.js';
import type { RoutingPreference } from './decision.js';
import { RIB_ERROR_CODES, RibError } from './errors.js';
import type { RibEvent } from './events.js';
import type { InjectedRouteSink, InstanceId, VirtualNetworkView } from './ports.js';
import { DEFAULT_OUTPUT_LAG_LIMIT } from './session-close.js';
import type { StaleTimers } from './stale-routes.js';

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
  /** allowBranchToBranchTraffic: gateway routes are advertised to NVAs, NVA routes to the gateways */
  readonly branchToBranch?: boolean;
  /** hubRoutingPreference (docs/azure-behaviour.md §4.3); default `ExpressRoute` */
  readonly hubRoutingPreference?: RoutingPreference;
  /**
   * `route-server` (default), or the speaker of a VPN or ExpressRoute gateway
   * (src/policy/gateway-rules.ts: what it sends on-prem and to the route server)
   */
  readonly role?: EngineRole;
  /** a gateway's speaker: its GatewaySubnet address, NEXT_HOP of what it gives the route server */
  readonly internalNextHop?: string;
  /**
   * an ExpressRoute gateway's speaker: routes of the VNet's space and the
   * route server advertised to on-prem at most (docs/azure-behaviour.md §4.2); default 1,000
   */
  readonly expressRouteLimit?: number;
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
  /** timers of stale routes (graceful restart); setTimeout by default */
  readonly staleTimers?: StaleTimers;
  /**
   * Where the engine's events go (src/rib/events.ts); default the RIB channel, which logs and
   * metrics follow. An engine nobody should hear of (the warm-up, src/runtime/warm-up.ts) drops them.
   */
  readonly publishEvent?: (event: RibEvent) => void;
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
  /** routes held back from the peer by the ExpressRoute ceiling (docs/azure-behaviour.md §4.2) */
  readonly withheld: number;
}

/** The options with their defaults, checked; addresses parsed. */
interface EngineSettings {
  readonly localAsn: number;
  readonly routeLimit: number;
  readonly sliceSize: number;
  readonly inputHighWater: number;
  readonly outputLagLimit: number;
  readonly role: EngineRole;
  readonly branchToBranch: boolean;
  readonly hubRoutingPreference: RoutingPreference;
  readonly expressRouteLimit: number;
  readonly localV4: number;
  readonly localV6: Uint8Array | undefined;
  /** NEXT_HOP of what a gateway's speaker gives the route server; the IPv4 address otherwise */
  readonly internalNextHop: number;
}

/** Applies the defaults and checks the options; throws `RibError` INVALID_OPTION. */
export function settingsOf(options: RouteEngineOptions): EngineSettings {
  const routeLimit = options.routeLimit ?? DEFAULT_ROUTE_LIMIT;
  const sliceSize = options.sliceSize ?? 16_384;
  const inputHighWater = options.inputHighWater ?? 1024;
  const outputLagLimit = options.outputLagLimit ?? DEFAULT_OUTPUT_LAG_LIMIT;
  const localV4 = parseIpv4(options.localAddress);
  if (localV4 === undefined)
    throw new RibError(RIB_ERROR_CODES.INVALID_OPTION, `localAddress ${options.localAddress} is not IPv4`);
  const localV6 = options.localAddressV6 !== undefined ? parseIpv6(options.localAddressV6) : undefined;
  if (!(routeLimit >= 1) || !(sliceSize >= 1) || !(inputHighWater >= 1) || !(outputLagLimit >= 1)) {
    throw new RibError(
      RIB_ERROR_CODES.INVALID_OPTION,
      'routeLimit, sliceSize, inputHighWater and outputLagLimit must be positive',
    );
  }
  const internalNextHop =
    options.internalNextHop !== undefined ? parseIpv4(options.internalNextHop) : undefined;
  if (options.internalNextHop !== undefined && internalNextHop === undefined)
    throw new RibError(
      RIB_ERROR_CODES.INVALID_OPTION,
      `internalNextHop ${options.internalNextHop} is not IPv4`,
    );
  return {
    localAsn: options.localAsn ?? AZURE_ROUTE_SERVER_ASN,
    routeLimit,
    sliceSize,
    inputHighWater,
    outputLagLimit,
    role: options.role ?? 'route-server',
    branchToBranch: options.branchToBranch ?? false,
    hubRoutingPreference: options.hubRoutingPreference ?? 'ExpressRoute',
    expressRouteLimit: options.expressRouteLimit ?? EXPRESSROUTE_ROUTE_LIMIT,
    localV4,
    localV6,
    internalNextHop: internalNextHop ?? localV4,
  };
}

/** Every counter at zero. */
export function zeroCounters(): RouteEngineCounters {
  return {
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
}
