/**
 * The domain service facade: route servers, their ipConfiguration and BGP
 * connections, VNets with subnets and peerings, route tables with routes,
 * and network interfaces. The API (and anything else) talks to this class
 * only: `resources` hands out one descriptor per resource type, built by its
 * family (network.ts, route-tables.ts, network-interfaces.ts,
 * route-servers.ts); errors are `RouteServerError`s with stable codes
 * (errors.ts). The service itself keeps the lifecycle, the live model and the
 * limits.
 *
 * Lifecycle: `RouteServerService.open` loads every stored resource into the
 * virtual network model (VNets, route tables, subnets, route servers,
 * peerings, NICs — the order keeps each step valid) and starts the route
 * servers that have an ipConfiguration on the BGP runtime, when one is
 * attached. `close` waits for running writes and effects.
 */
import type { BgpRuntime } from '../runtime/index.js';
import type { VirtualNetworkModel } from '../sdn/index.js';
import type { ResourceStore } from '../store/index.js';
import { DEFAULT_LIMITS, ServiceCore, type EffectErrorHandler, type RouteServerLimits } from './core.js';
import { TYPES } from './ids.js';
import * as nics from './network-interfaces.js';
import * as network from './network.js';
import type { Stored } from './records.js';
import * as routeServers from './route-servers.js';
import * as routeTables from './route-tables.js';
import { DEFAULT_ROUTE_WATCH_OPTIONS, EffectiveRouteWatch, type RouteWatchOptions } from './route-watch.js';

export interface RouteServerServiceOptions {
  readonly store: ResourceStore;
  /** live BGP; absent = route servers are configured but not running */
  readonly runtime?: BgpRuntime;
  readonly limits?: Partial<RouteServerLimits>;
  /** list page size, default 1000 */
  readonly pageSize?: number;
  /** names the virtual network model in published events, default `routeserver` */
  readonly modelName?: string;
  /** a live effect failed after its change was committed (default: ignored; the write's `applied` rejects) */
  readonly onEffectError?: EffectErrorHandler;
  /** limits of the effective route watches (route-watch.ts) */
  readonly routeWatch?: Partial<RouteWatchOptions>;
}

/** Every resource type the service serves, by its collection name in ARM paths. */
export type NetworkResources = ReturnType<typeof network.virtualNetworkResources> &
  ReturnType<typeof routeTables.routeTableResources> &
  ReturnType<typeof nics.networkInterfaceResources> &
  ReturnType<typeof routeServers.routeServerResources>;

export class RouteServerService {
  /** One descriptor per resource type: get, list, put, delete and its actions (resource-descriptor.ts). */
  readonly resources: NetworkResources;
  /** Watches on NICs' effective route tables (snapshot, then changes by revision). */
  readonly routeWatch: EffectiveRouteWatch;

  private constructor(
    private readonly core: ServiceCore,
    routeWatchOptions: Partial<RouteWatchOptions> = {},
  ) {
    this.routeWatch = new EffectiveRouteWatch(core, { ...DEFAULT_ROUTE_WATCH_OPTIONS, ...routeWatchOptions });
    this.resources = {
      ...network.virtualNetworkResources(core),
      ...routeTables.routeTableResources(core),
      ...nics.networkInterfaceResources(core),
      ...routeServers.routeServerResources(core),
    };
  }

  static async open(options: RouteServerServiceOptions): Promise<RouteServerService> {
    const core = new ServiceCore(
      options.store,
      options.runtime,
      { ...DEFAULT_LIMITS, ...options.limits },
      options.pageSize ?? 1000,
      options.onEffectError ?? (() => undefined),
      options.modelName ?? 'routeserver',
    );
    const loaded = new Map<string, Stored[]>();
    for (const type of Object.values(TYPES)) loaded.set(type, await core.loadType(type));
    const of = <T extends keyof typeof TYPES>(kind: T) =>
      loaded.get(TYPES[kind]) as Stored<(typeof TYPES)[T]>[];
    network.loadVirtualNetworks(core, of('virtualNetwork'));
    routeTables.loadRouteTables(core, of('routeTable'));
    network.loadSubnets(core, of('subnet'));
    routeServers.placeRouteServers(core);
    network.loadPeerings(core, of('peering'));
    nics.loadNetworkInterfaces(core, of('networkInterface'));
    await routeServers.startRouteServers(core);
    return new RouteServerService(core, options.routeWatch);
  }

  get limits(): RouteServerLimits {
    return this.core.limits;
  }

  /** The live virtual network model (read it; change it only through this facade). */
  get model(): VirtualNetworkModel {
    return this.core.model;
  }

  /** Waits for running writes and live effects; the store stays open (the caller owns it). */
  close(): Promise<void> {
    this.routeWatch.close();
    return this.core.close();
  }
}
