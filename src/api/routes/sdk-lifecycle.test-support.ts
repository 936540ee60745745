/**
 * The route server lifecycle as an Azure user drives it with the official
 * `@azure/arm-network` SDK (docs/azure-behaviour.md §7.2): VNet with subnets, route
 * server, ipConfiguration, peerings, learned/advertised routes, a NIC's
 * effective route table, then deletion in order. Shared by the loopback test
 * (no BGP) and the interop test (real NVAs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkManagementClient, type PeerRoute } from '@azure/arm-network';
import { RouteServerService, type RouteServerServiceOptions } from '../../routeserver/index.js';
import { openSqliteStore, type SqliteResourceStore } from '../../store/index.js';
import { createApiServer } from '../server.js';
import { registerNetworkResources } from './index.js';

export const RESOURCE_GROUP = 'rg-lifecycle';
const POLL = { updateIntervalInMs: 50 };

export function sdkClient(
  endpoint: string,
  subscriptionId: string,
  token: string,
  ca: string,
): NetworkManagementClient {
  const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600e3 }) };
  return new NetworkManagementClient(credential, subscriptionId, {
    endpoint,
    credentialScopes: [`${endpoint}/.default`],
    tlsOptions: { ca },
    retryOptions: { maxRetries: 0 },
  });
}

/** The API over HTTPS on loopback with every network resource, on a SQLite store, no BGP runtime unless given. */
export interface SdkServer {
  readonly sdk: NetworkManagementClient;
  readonly store: SqliteResourceStore;
  close(): Promise<void>;
}

export async function startSdkServer(
  subscriptionId: string,
  dirPrefix: string,
  serviceOptions: Omit<RouteServerServiceOptions, 'store'> = {},
): Promise<SdkServer> {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  const store = openSqliteStore({ path: join(dir, 'state.db') });
  const service = await RouteServerService.open({ store, ...serviceOptions });
  const server = await createApiServer({ dataDir: dir, listen: { host: '127.0.0.1', port: 0 } });
  registerNetworkResources(server, service);
  const { url } = await server.listen();
  return {
    sdk: sdkClient(url, subscriptionId, server.credentials.token, server.credentials.cert),
    store,
    async close() {
      await server.close();
      await service.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface LifecyclePlan {
  /** hub VNet address space; RouteServerSubnet is its first /26 ... given explicitly */
  readonly addressPrefixes: string[];
  readonly subnets: { name: string; addressPrefix: string }[];
  readonly peers: { name: string; peerIp: string; peerAsn: number }[];
  /** the VM's subnet */
  readonly vmSubnet: string;
}

/**
 * The hub every interop lab uses (test/lab): 10.0.0.0/16 with the route
 * server in 10.0.0.0/26, the NVAs in 10.0.1.0/24 and the VMs in `app`.
 */
export function labHubPlan(peers: LifecyclePlan['peers']): LifecyclePlan {
  return {
    addressPrefixes: ['10.0.0.0/16'],
    subnets: [
      { name: 'RouteServerSubnet', addressPrefix: '10.0.0.0/26' },
      { name: 'nva', addressPrefix: '10.0.1.0/24' },
      { name: 'app', addressPrefix: '10.0.2.0/24' },
    ],
    peers,
    vmSubnet: 'app',
  };
}

export async function createNetworkAndRouteServer(sdk: NetworkManagementClient, plan: LifecyclePlan) {
  const rg = RESOURCE_GROUP;
  const vnet = await sdk.virtualNetworks.beginCreateOrUpdateAndWait(
    rg,
    'hub',
    {
      location: 'local',
      addressSpace: { addressPrefixes: plan.addressPrefixes },
      subnets: plan.subnets.map((s) => ({ name: s.name, addressPrefix: s.addressPrefix })),
    },
    POLL,
  );
  const hub = await sdk.virtualHubs.beginCreateOrUpdateAndWait(
    rg,
    'rs',
    { location: 'local', sku: 'Standard', allowBranchToBranchTraffic: false, hubRoutingPreference: 'ASPath' },
    POLL,
  );
  const routeServerSubnet = vnet.subnets!.find((s) => s.name === 'RouteServerSubnet')!;
  const ipConfiguration = await sdk.virtualHubIpConfiguration.beginCreateOrUpdateAndWait(
    rg,
    'rs',
    'ipconfig1',
    { name: 'ipconfig1', subnet: { id: routeServerSubnet.id! } },
    POLL,
  );
  const connections = [];
  for (const peer of plan.peers) {
    connections.push(
      await sdk.virtualHubBgpConnection.beginCreateOrUpdateAndWait(
        rg,
        'rs',
        peer.name,
        { peerIp: peer.peerIp, peerAsn: peer.peerAsn },
        POLL,
      ),
    );
  }
  const vm = await sdk.networkInterfaces.beginCreateOrUpdateAndWait(
    rg,
    'vm',
    {
      location: 'local',
      ipConfigurations: [
        { name: 'ipconfig1', subnet: { id: vnet.subnets!.find((s) => s.name === plan.vmSubnet)!.id! } },
      ],
    },
    POLL,
  );
  return { vnet, hub, ipConfiguration, connections, vm };
}

export async function readRoutes(sdk: NetworkManagementClient, peerName: string) {
  const learned = await sdk.virtualHubBgpConnections.beginListLearnedRoutesAndWait(
    RESOURCE_GROUP,
    'rs',
    peerName,
    POLL,
  );
  const advertised = await sdk.virtualHubBgpConnections.beginListAdvertisedRoutesAndWait(
    RESOURCE_GROUP,
    'rs',
    peerName,
    POLL,
  );
  return {
    learned: learned as Record<string, PeerRoute[]>,
    advertised: advertised as Record<string, PeerRoute[]>,
  };
}

export async function effectiveRoutes(sdk: NetworkManagementClient) {
  const table = await sdk.networkInterfaces.beginGetEffectiveRouteTableAndWait(RESOURCE_GROUP, 'vm', POLL);
  return table.value ?? [];
}

/** Deletes in the order Azure requires: peerings, ipConfiguration (then the hub), NIC, VNet. */
export async function deleteInOrder(sdk: NetworkManagementClient, plan: LifecyclePlan): Promise<void> {
  const rg = RESOURCE_GROUP;
  for (const peer of plan.peers)
    await sdk.virtualHubBgpConnection.beginDeleteAndWait(rg, 'rs', peer.name, POLL);
  await sdk.virtualHubIpConfiguration.beginDeleteAndWait(rg, 'rs', 'ipconfig1', POLL);
  await sdk.virtualHubs.beginDeleteAndWait(rg, 'rs', POLL);
  await sdk.networkInterfaces.beginDeleteAndWait(rg, 'vm', POLL);
  await sdk.virtualNetworks.beginDeleteAndWait(rg, 'hub', POLL);
}
