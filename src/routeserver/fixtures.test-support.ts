/**
 * Shared by the domain service tests: ids in one resource group, a service on
 * a SQLite store in a temporary directory, and a BGP runtime that records
 * what the service asks of it (the BgpSpeaker-backed runtime is exercised by
 * the interop tests).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type SqliteResourceStore } from '../store/index.js';
import type {
  BgpRuntime,
  InjectedRoutes,
  InjectedRoutesListener,
  InternalLinkSpec,
  InstanceHealth,
  InstanceRouteMapEvaluation,
  InstanceSessionState,
  PeerSpec,
  PeerStatistics,
  RouteServerRuntimeSpec,
  StartOutcome,
} from '../runtime/index.js';
import { RouteServerService, type RouteServerServiceOptions } from './service.js';
import type { PeerRoute, SessionState } from './types.js';

export const SUB = '00000000-0000-0000-0000-000000000001';
export const RG = `/subscriptions/${SUB}/resourceGroups/rg`;
export const NET = `${RG}/providers/Microsoft.Network`;
export const vnetId = (name: string) => `${NET}/virtualNetworks/${name}`;
export const subnetId = (vnet: string, name: string) => `${vnetId(vnet)}/subnets/${name}`;
export const hubId = (name: string) => `${NET}/virtualHubs/${name}`;
export const connectionId = (hub: string, name: string) => `${hubId(hub)}/bgpConnections/${name}`;
export const ipConfigId = (hub: string, name = 'ipconfig1') => `${hubId(hub)}/ipConfigurations/${name}`;
export const nicId = (name: string) => `${NET}/networkInterfaces/${name}`;
export const routeTableId = (name: string) => `${NET}/routeTables/${name}`;
export const gatewayId = (name: string) => `${NET}/virtualNetworkGateways/${name}`;
export const siteId = (name: string) => `${NET}/localNetworkGateways/${name}`;
export const linkId = (name: string) => `${NET}/connections/${name}`;
export const circuitId = (name: string) => `${NET}/expressRouteCircuits/${name}`;
/** the hub VNet's GatewaySubnet, where the gateway tests place their gateways */
export const GATEWAY_SUBNET = subnetId('hub', 'GatewaySubnet');

export class RecordingRuntime implements BgpRuntime {
  readonly calls: string[] = [];
  /** every peer spec added or updated, in order */
  readonly peerSpecs: PeerSpec[] = [];
  readonly specs = new Map<string, RouteServerRuntimeSpec>();
  readonly states = new Map<string, SessionState>();
  readonly learned: PeerRoute[] = [];
  private readonly listeners = new Set<InjectedRoutesListener>();

  async startRouteServer(spec: RouteServerRuntimeSpec): Promise<StartOutcome> {
    this.specs.set(spec.routeServerId.toLowerCase(), spec);
    this.calls.push(
      `start ${spec.instances.map((i) => i.address).join(',')} peers=${spec.peers.map((p) => p.peerIp).join(',')}`,
    );
    return { running: true };
  }
  async setAddressSpaces(routeServerId: string, addressSpaces: readonly string[]): Promise<void> {
    const spec = this.specs.get(routeServerId.toLowerCase());
    if (spec !== undefined) this.specs.set(routeServerId.toLowerCase(), { ...spec, addressSpaces });
  }
  /** what an instance would inject: handed to the subscribers as the runtime does */
  inject(routes: InjectedRoutes): void {
    for (const listener of this.listeners) listener(routes);
  }
  onInjectedRoutes(listener: InjectedRoutesListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async peerStatistics(): Promise<readonly PeerStatistics[]> {
    return [];
  }
  async health(): Promise<readonly InstanceHealth[]> {
    return [];
  }
  async stopRouteServer(): Promise<void> {
    this.calls.push('stop');
  }
  async updateSettings(): Promise<void> {
    this.calls.push('settings');
  }
  async addPeer(_routeServerId: string, peer: PeerSpec): Promise<void> {
    this.calls.push(`add ${peer.peerIp} ${peer.peerAsn}`);
    this.peerSpecs.push(peer);
  }
  async updatePeer(_routeServerId: string, peer: PeerSpec): Promise<void> {
    this.calls.push(`update ${peer.peerIp} ${peer.peerAsn}`);
    this.peerSpecs.push(peer);
  }
  async removePeer(_routeServerId: string, connection: string): Promise<void> {
    this.calls.push(`remove ${connection.slice(connection.lastIndexOf('/') + 1)}`);
  }
  sessionStates(routeServerId: string): readonly InstanceSessionState[] {
    const spec = this.specs.get(routeServerId.toLowerCase());
    return (spec?.instances ?? []).map((i) => ({
      instance: i.instance,
      localAddress: i.address,
      state: this.states.get(i.instance) ?? 'Idle',
    }));
  }
  async learnedRoutes(): Promise<readonly PeerRoute[]> {
    return this.learned;
  }
  async advertisedRoutes(): Promise<readonly PeerRoute[]> {
    return [];
  }
  /** what `evaluateRouteMap` answers; each call is recorded with the map it was given */
  evaluations: InstanceRouteMapEvaluation[] = [];
  readonly evaluated: unknown[] = [];
  async evaluateRouteMap(
    _routeServerId: string,
    connectionId: string,
    map: unknown,
    direction: string,
  ): Promise<readonly InstanceRouteMapEvaluation[]> {
    this.evaluated.push({ connectionId, map, direction });
    return this.evaluations;
  }
  async refreshPeers(): Promise<void> {
    this.calls.push('refresh');
  }
  /** internal links up now, by id */
  readonly links = new Map<string, InternalLinkSpec>();
  async connectInternal(link: InternalLinkSpec): Promise<void> {
    this.links.set(link.linkId, link);
  }
  async disconnectInternal(linkId: string): Promise<void> {
    this.links.delete(linkId);
  }
  async close(): Promise<void> {}
}

export interface Harness {
  readonly dir: string;
  store: SqliteResourceStore;
  service: RouteServerService;
  reopen(options?: Partial<RouteServerServiceOptions>): Promise<void>;
  close(): Promise<void>;
}

export async function harness(options: Partial<RouteServerServiceOptions> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'rs-svc-'));
  const path = join(dir, 'state.db');
  const store = openSqliteStore({ path });
  const h: Harness = {
    dir,
    store,
    service: await RouteServerService.open({ store, ...options }),
    async reopen(next = {}) {
      await h.service.close();
      await h.store.close();
      h.store = openSqliteStore({ path });
      h.service = await RouteServerService.open({ store: h.store, ...next });
    },
    async close() {
      await h.service.close();
      await h.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** hub 10.0.0.0/16 with RouteServerSubnet 10.0.1.0/26, nva 10.0.2.0/24 and app 10.0.3.0/24; route server rs placed in it. */
export async function hubWithRouteServer(service: RouteServerService): Promise<void> {
  await service.resources.virtualNetworks.put(vnetId('hub'), {
    addressPrefixes: ['10.0.0.0/16'],
    subnets: [
      { name: 'RouteServerSubnet', addressPrefix: '10.0.1.0/26' },
      { name: 'nva', addressPrefix: '10.0.2.0/24' },
      { name: 'app', addressPrefix: '10.0.3.0/24' },
    ],
  });
  await service.resources.virtualHubs.put(hubId('rs'), {});
  await service.resources.ipConfigurations.put(ipConfigId('rs'), {
    subnetId: subnetId('hub', 'RouteServerSubnet'),
  });
}
