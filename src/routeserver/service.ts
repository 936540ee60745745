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
 * virtual network model and starts the route servers that have an
 * ipConfiguration on the BGP runtime, when one is attached. BGP comes first:
 * route servers, VNets and peerings are loaded and the instances started
 * before the route tables, subnets and NICs, which load while the instances
 * bind and which BGP does not need (the order keeps each step valid).
 * `close` waits for running writes and effects.
 */
import type { BgpRuntime } from '../runtime/index.js';
import type { VirtualNetworkModel } from '../sdn/index.js';
import type { ResourceStore } from '../store/index.js';
import { DEFAULT_LIMITS, ServiceCore, type EffectErrorHandler, type RouteServerLimits } from './core.js';
import { TYPES } from './ids.js';
import * as gateways from './gateways.js';
import * as nics from './network-interfaces.js';
import * as network from './network.js';
import * as publicIps from './public-ip-addresses.js';
import { ResourceGroups, type ResourceGroupPolicy } from './resource-groups.js';
import type { Stored } from './records.js';
import * as routeServers from './route-servers.js';
import * as routeMaps from './route-maps.js';
import { OperationRecords } from './operation-records.js';
import { RoleAssignmentRecords } from './role-assignment-records.js';
import { RemoteChanges } from './remote-changes.js';
import * as routeTables from './route-tables.js';
import * as virtualRouters from './virtual-routers.js';
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
  /**
   * apply other processes' writes from the store's change feed (a store
   * several processes share: etcd; remote-changes.ts); default false
   */
  readonly followOtherProcesses?: boolean;
  /** limits of the effective route watches (route-watch.ts) */
  readonly routeWatch?: Partial<RouteWatchOptions>;
  /** a network PUT into a resource group that does not exist creates it (default) or is refused (resource-groups.ts) */
  readonly resourceGroups?: ResourceGroupPolicy;
}

/** Every resource type the service serves, by its collection name in ARM paths. */
export type NetworkResources = ReturnType<typeof network.virtualNetworkResources> &
  ReturnType<typeof routeTables.routeTableResources> &
  ReturnType<typeof nics.networkInterfaceResources> &
  ReturnType<typeof routeServers.routeServerResources> &
  ReturnType<typeof routeMaps.routeMapResources> &
  ReturnType<typeof gateways.gatewayResources> &
  ReturnType<typeof publicIps.publicIpAddressResources> &
  ReturnType<typeof virtualRouters.virtualRouterResources>;

function loadStored<T extends keyof typeof TYPES>(core: ServiceCore, kind: T) {
  return core.loadType(TYPES[kind]) as Promise<Stored<(typeof TYPES)[T]>[]>;
}

/**
 * The route servers with their own records, the VNets, their
 * RouteServerSubnets (no route table and no NIC there), the VNet gateways
 * and the peerings, whose address spaces they advertise; returns the
 * subnets it loaded.
 */
async function loadWhatBgpNeeds(core: ServiceCore): Promise<Stored<typeof TYPES.subnet>[]> {
  for (const kind of [
    'publicIpAddress',
    'routeServer',
    'ipConfiguration',
    'routeMap',
    'bgpConnection',
    'virtualNetworkGateway',
  ] as const)
    await loadStored(core, kind);
  network.loadVirtualNetworks(core, await loadStored(core, 'virtualNetwork'));
  const hosting = await routeServers.loadRouteServerSubnets(core);
  network.loadSubnets(core, hosting);
  routeServers.placeRouteServers(core);
  gateways.placeGateways(core);
  network.loadPeerings(core, await loadStored(core, 'peering'));
  return hosting;
}

/** Route tables, the other subnets, the NICs and the gateways with what they connect to. */
async function loadTheRest(core: ServiceCore, loadedSubnets: ReadonlySet<string>): Promise<void> {
  const tables = await loadStored(core, 'routeTable');
  await loadStored(core, 'route');
  routeTables.loadRouteTables(core, tables);
  const subnets = await loadStored(core, 'subnet');
  network.loadSubnets(
    core,
    subnets.filter((subnet) => !loadedSubnets.has(subnet.id)),
  );
  nics.loadNetworkInterfaces(core, await loadStored(core, 'networkInterface'));
  for (const kind of ['localNetworkGateway', 'expressRouteCircuit', 'circuitPeering', 'connection'] as const)
    await loadStored(core, kind);
}

/** How long a finished long-running operation's status stays readable (as the API's registry keeps it). */
const OPERATION_TTL_MS = 3_600_000;

export class RouteServerService {
  /** One descriptor per resource type: get, list, put, delete and its actions (resource-descriptor.ts). */
  readonly resources: NetworkResources;
  /** Watches on NICs' effective route tables (snapshot, then changes by revision). */
  readonly routeWatch: EffectiveRouteWatch;
  /** Finished long-running operations, in the store (operation-records.ts). */
  readonly operations: OperationRecords;
  /** Role assignments made through the API, in the store (role-assignment-records.ts). */
  readonly roleAssignments: RoleAssignmentRecords;
  /** The resource groups and their cascading delete (resource-groups.ts). */
  readonly resourceGroups: ResourceGroups;

  private constructor(
    private readonly core: ServiceCore,
    routeWatchOptions: Partial<RouteWatchOptions> = {},
    private readonly remote: RemoteChanges | undefined = undefined,
    resourceGroupPolicy: ResourceGroupPolicy = 'implicit',
  ) {
    this.routeWatch = new EffectiveRouteWatch(core, { ...DEFAULT_ROUTE_WATCH_OPTIONS, ...routeWatchOptions });
    this.operations = new OperationRecords(core.store, OPERATION_TTL_MS, (error) =>
      core.reportEffectError(error),
    );
    this.roleAssignments = new RoleAssignmentRecords(core.store);
    const hubs = routeServers.routeServerResources(core);
    this.resources = {
      ...network.virtualNetworkResources(core),
      ...routeTables.routeTableResources(core),
      ...nics.networkInterfaceResources(core),
      ...hubs,
      ...routeMaps.routeMapResources(core),
      ...gateways.gatewayResources(core),
      ...publicIps.publicIpAddressResources(core),
      // the preview-era view of the same route servers
      ...virtualRouters.virtualRouterResources(core, hubs),
    };
    this.resourceGroups = new ResourceGroups(core.store, this.resources, resourceGroupPolicy);
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
    const remote =
      options.followOtherProcesses === true
        ? new RemoteChanges(core, core.reportEffectError.bind(core))
        : undefined;
    const hosting = await loadWhatBgpNeeds(core);
    const started = routeServers.startRouteServers(core);
    const rest = loadTheRest(core, new Set(hosting.map((subnet) => subnet.id)));
    // both are awaited (nothing runs on after open returns); a failure of the rest is the one reported
    const [loaded, start] = await Promise.allSettled([rest, started]);
    if (loaded.status === 'rejected') {
      remote?.close();
      throw loaded.reason;
    }
    if (start.status === 'rejected') {
      remote?.close();
      throw start.reason;
    }
    await gateways.startGateways(core).catch((error: unknown) => {
      remote?.close();
      throw error;
    });
    const service = new RouteServerService(core, options.routeWatch, remote, options.resourceGroups);
    remote?.start(service.resources);
    return service;
  }

  get limits(): RouteServerLimits {
    return this.core.limits;
  }

  /** Settles once the other processes' writes delivered so far are applied here (for tests). */
  otherProcessesApplied(): Promise<void> {
    return this.remote?.settled() ?? Promise.resolve();
  }

  /** The live virtual network model (read it; change it only through this facade). */
  get model(): VirtualNetworkModel {
    return this.core.model;
  }

  /** Waits for running writes and live effects; the store stays open (the caller owns it). */
  async close(): Promise<void> {
    this.remote?.close();
    this.routeWatch.close();
    await this.core.close();
    await this.operations.close();
  }
}
