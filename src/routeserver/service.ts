/**
 * The domain service facade: route servers, their ipConfiguration and BGP
 * connections, VNets with subnets and peerings, route tables with routes,
 * and network interfaces. The API (and anything else) talks to this class
 * only, in domain types (types.ts); errors are `RouteServerError`s with
 * stable codes (errors.ts) or the store's typed errors for failed
 * conditions.
 *
 * Lifecycle: `RouteServerService.open` loads every stored resource into the
 * virtual network model (VNets, route tables, subnets, route servers,
 * peerings, NICs — the order keeps each step valid) and starts the route
 * servers that have an ipConfiguration on the BGP runtime, when one is
 * attached. `close` waits for running writes and effects.
 */
import type { EffectiveRoute, VirtualNetworkModel } from '../sdn/index.js';
import type { ResourceStore } from '../store/index.js';
import { DEFAULT_LIMITS, ServiceCore, type EffectErrorHandler, type RouteServerLimits } from './core.js';
import { TYPES } from './ids.js';
import * as nics from './network-interfaces.js';
import * as network from './network.js';
import type { Stored } from './records.js';
import * as routeServers from './route-servers.js';
import * as routeTables from './route-tables.js';
import type { BgpRuntime } from '../runtime/index.js';
import type {
  BgpConnectionResource,
  BgpConnectionResourceInput,
  DeleteResult,
  IpConfigurationResource,
  IpConfigurationResourceInput,
  ListScope,
  NetworkInterfaceResource,
  NetworkInterfaceResourceInput,
  Page,
  PeeringResourceInput,
  PutResult,
  RouteResource,
  RouteResourceInput,
  RouteServerResource,
  RouteServerResourceInput,
  RoutesByInstance,
  RouteTableResource,
  RouteTableResourceInput,
  SubnetResource,
  SubnetResourceInput,
  VirtualNetworkResource,
  VirtualNetworkResourceInput,
  VirtualNetworkPeeringResource,
  WriteOptions,
} from './types.js';

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
}

export class RouteServerService {
  private constructor(private readonly core: ServiceCore) {}

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
    return new RouteServerService(core);
  }

  get limits(): RouteServerLimits {
    return this.core.limits;
  }

  /** The live virtual network model (read it; change it only through this facade). */
  get model(): VirtualNetworkModel {
    return this.core.model;
  }

  // ---- route servers ----
  putRouteServer(
    id: string,
    input: RouteServerResourceInput,
    options?: WriteOptions,
  ): Promise<PutResult<RouteServerResource>> {
    return routeServers.putRouteServer(this.core, id, input, options);
  }
  deleteRouteServer(id: string, options?: WriteOptions): Promise<DeleteResult> {
    return routeServers.deleteRouteServer(this.core, id, options);
  }
  getRouteServer(id: string): RouteServerResource | undefined {
    return routeServers.getRouteServer(this.core, id);
  }
  listRouteServers(scope: ListScope, cursor?: string): Page<RouteServerResource> {
    return routeServers.listRouteServers(this.core, scope, cursor);
  }

  putIpConfiguration(
    id: string,
    input: IpConfigurationResourceInput,
    options?: WriteOptions,
  ): Promise<PutResult<IpConfigurationResource>> {
    return routeServers.putIpConfiguration(this.core, id, input, options);
  }
  deleteIpConfiguration(id: string, options?: WriteOptions): Promise<DeleteResult> {
    return routeServers.deleteIpConfiguration(this.core, id, options);
  }
  getIpConfiguration(id: string): IpConfigurationResource | undefined {
    return routeServers.getIpConfiguration(this.core, id);
  }
  listIpConfigurations(routeServerId: string, cursor?: string): Page<IpConfigurationResource> {
    return routeServers.listIpConfigurations(this.core, routeServerId, cursor);
  }

  putBgpConnection(
    id: string,
    input: BgpConnectionResourceInput,
    options?: WriteOptions,
  ): Promise<PutResult<BgpConnectionResource>> {
    return routeServers.putBgpConnection(this.core, id, input, options);
  }
  deleteBgpConnection(id: string, options?: WriteOptions): Promise<DeleteResult> {
    return routeServers.deleteBgpConnection(this.core, id, options);
  }
  getBgpConnection(id: string): BgpConnectionResource | undefined {
    return routeServers.getBgpConnection(this.core, id);
  }
  listBgpConnections(routeServerId: string, cursor?: string): Page<BgpConnectionResource> {
    return routeServers.listBgpConnections(this.core, routeServerId, cursor);
  }
  /** Routes each instance learned from the connection's peer (Adj-RIB-In). */
  learnedRoutes(connectionId: string): Promise<RoutesByInstance> {
    return routeServers.peerRoutes(this.core, connectionId, 'learned');
  }
  /** Routes each instance advertises to the connection's peer (Adj-RIB-Out). */
  advertisedRoutes(connectionId: string): Promise<RoutesByInstance> {
    return routeServers.peerRoutes(this.core, connectionId, 'advertised');
  }

  // ---- virtual networks ----
  putVirtualNetwork(
    id: string,
    input: VirtualNetworkResourceInput,
    options?: WriteOptions,
  ): Promise<PutResult<VirtualNetworkResource>> {
    return network.putVirtualNetwork(this.core, id, input, options);
  }
  deleteVirtualNetwork(id: string, options?: WriteOptions): Promise<DeleteResult> {
    return network.deleteVirtualNetwork(this.core, id, options);
  }
  getVirtualNetwork(id: string): VirtualNetworkResource | undefined {
    return network.getVirtualNetwork(this.core, id);
  }
  listVirtualNetworks(scope: ListScope, cursor?: string): Page<VirtualNetworkResource> {
    return network.listVirtualNetworks(this.core, scope, cursor);
  }

  putSubnet(
    id: string,
    input: SubnetResourceInput,
    options?: WriteOptions,
  ): Promise<PutResult<SubnetResource>> {
    return network.putSubnet(this.core, id, input, options);
  }
  deleteSubnet(id: string, options?: WriteOptions): Promise<DeleteResult> {
    return network.deleteSubnet(this.core, id, options);
  }
  getSubnet(id: string): SubnetResource | undefined {
    return network.getSubnet(this.core, id);
  }
  listSubnets(virtualNetworkId: string, cursor?: string): Page<SubnetResource> {
    return network.listSubnets(this.core, virtualNetworkId, cursor);
  }

  putPeering(
    id: string,
    input: PeeringResourceInput,
    options?: WriteOptions,
  ): Promise<PutResult<VirtualNetworkPeeringResource>> {
    return network.putPeering(this.core, id, input, options);
  }
  deletePeering(id: string, options?: WriteOptions): Promise<DeleteResult> {
    return network.deletePeering(this.core, id, options);
  }
  getPeering(id: string): VirtualNetworkPeeringResource | undefined {
    return network.getPeering(this.core, id);
  }
  listPeerings(virtualNetworkId: string, cursor?: string): Page<VirtualNetworkPeeringResource> {
    return network.listPeerings(this.core, virtualNetworkId, cursor);
  }

  // ---- route tables ----
  putRouteTable(
    id: string,
    input: RouteTableResourceInput,
    options?: WriteOptions,
  ): Promise<PutResult<RouteTableResource>> {
    return routeTables.putRouteTable(this.core, id, input, options);
  }
  deleteRouteTable(id: string, options?: WriteOptions): Promise<DeleteResult> {
    return routeTables.deleteRouteTable(this.core, id, options);
  }
  getRouteTable(id: string): RouteTableResource | undefined {
    return routeTables.getRouteTable(this.core, id);
  }
  listRouteTables(scope: ListScope, cursor?: string): Page<RouteTableResource> {
    return routeTables.listRouteTables(this.core, scope, cursor);
  }

  putRoute(id: string, input: RouteResourceInput, options?: WriteOptions): Promise<PutResult<RouteResource>> {
    return routeTables.putRoute(this.core, id, input, options);
  }
  deleteRoute(id: string, options?: WriteOptions): Promise<DeleteResult> {
    return routeTables.deleteRoute(this.core, id, options);
  }
  getRoute(id: string): RouteResource | undefined {
    return routeTables.getRoute(this.core, id);
  }
  listRoutes(routeTableId: string, cursor?: string): Page<RouteResource> {
    return routeTables.listRoutes(this.core, routeTableId, cursor);
  }

  // ---- network interfaces ----
  putNetworkInterface(
    id: string,
    input: NetworkInterfaceResourceInput,
    options?: WriteOptions,
  ): Promise<PutResult<NetworkInterfaceResource>> {
    return nics.putNetworkInterface(this.core, id, input, options);
  }
  deleteNetworkInterface(id: string, options?: WriteOptions): Promise<DeleteResult> {
    return nics.deleteNetworkInterface(this.core, id, options);
  }
  getNetworkInterface(id: string): NetworkInterfaceResource | undefined {
    return nics.getNetworkInterface(this.core, id);
  }
  listNetworkInterfaces(scope: ListScope, cursor?: string): Page<NetworkInterfaceResource> {
    return nics.listNetworkInterfaces(this.core, scope, cursor);
  }
  /** The NIC's effective route table (UDR > BGP > system, docs/azure-behaviour.md §3.5), read from the live model. */
  effectiveRouteTable(networkInterfaceId: string): EffectiveRoute[] {
    return nics.nicEffectiveRoutes(this.core, networkInterfaceId);
  }

  /** Waits for running writes and live effects; the store stays open (the caller owns it). */
  close(): Promise<void> {
    return this.core.close();
  }
}
