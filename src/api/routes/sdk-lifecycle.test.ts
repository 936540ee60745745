/**
 * The whole route server lifecycle through the official @azure/arm-network
 * SDK over real HTTPS on loopback, with no BGP runtime attached: the route
 * server is configured but not running (connection state Unknown, no learned
 * routes). test/interop/sdk-lifecycle.test.ts runs the same lifecycle with
 * FRR and BIRD supplying routes.
 */
import type { NetworkManagementClient } from '@azure/arm-network';
import type { SqliteResourceStore } from '../../store/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetworkAndRouteServer,
  deleteInOrder,
  effectiveRoutes,
  readRoutes,
  RESOURCE_GROUP,
  startSdkServer,
  type SdkServer,
  type LifecyclePlan,
} from './sdk-lifecycle.test-support.js';

const SUB = '00000000-0000-0000-0000-0000000000dd';
let lab: SdkServer;
let store: SqliteResourceStore;
let sdk: NetworkManagementClient;

const plan: LifecyclePlan = {
  addressPrefixes: ['10.0.0.0/16'],
  subnets: [
    { name: 'RouteServerSubnet', addressPrefix: '10.0.1.0/26' },
    { name: 'nva', addressPrefix: '10.0.2.0/24' },
    { name: 'app', addressPrefix: '10.0.3.0/24' },
  ],
  peers: [
    { name: 'frr', peerIp: '10.0.2.4', peerAsn: 65001 },
    { name: 'bird', peerIp: '10.0.2.5', peerAsn: 65002 },
  ],
  vmSubnet: 'app',
};

beforeAll(async () => {
  lab = await startSdkServer(SUB, 'rs-sdk-life-');
  ({ sdk, store } = lab);
});

afterAll(async () => {
  await lab?.close();
});

describe('route server lifecycle through @azure/arm-network', () => {
  it('creates, reads and deletes everything in Azure’s order', async () => {
    const created = await createNetworkAndRouteServer(sdk, plan);
    expect(created.hub).toMatchObject({
      kind: 'RouteServer',
      virtualRouterAsn: 65515,
      hubRoutingPreference: 'ASPath',
    });
    expect(created.vm.ipConfigurations?.[0]?.privateIPAddress).toBe('10.0.3.4');
    const hub = await sdk.virtualHubs.get(RESOURCE_GROUP, 'rs');
    expect(hub).toMatchObject({ routingState: 'Provisioned', virtualRouterIps: ['10.0.1.4', '10.0.1.5'] });

    const peers = [];
    for await (const connection of sdk.virtualHubBgpConnections.list(RESOURCE_GROUP, 'rs'))
      peers.push(connection);
    expect(peers.map((p) => [p.name, p.peerIp, p.peerAsn, p.connectionState])).toEqual([
      ['bird', '10.0.2.5', 65002, 'Unknown'],
      ['frr', '10.0.2.4', 65001, 'Unknown'],
    ]);

    const routes = await readRoutes(sdk, 'frr');
    expect(routes.learned).toEqual({ RouteServiceRole_IN_0: [], RouteServiceRole_IN_1: [] });
    expect(routes.advertised).toEqual({ RouteServiceRole_IN_0: [], RouteServiceRole_IN_1: [] });

    const table = await effectiveRoutes(sdk);
    expect(table).toContainEqual(
      expect.objectContaining({
        source: 'Default',
        state: 'Active',
        addressPrefix: ['10.0.0.0/16'],
        nextHopType: 'VnetLocal',
      }),
    );

    const refused = await sdk.virtualHubs.beginDeleteAndWait(RESOURCE_GROUP, 'rs').catch((e: unknown) => e);
    expect(refused).toMatchObject({ statusCode: 400, code: 'RouteServerInUse' });

    await deleteInOrder(sdk, plan);
    const gone = await sdk.virtualNetworks.get(RESOURCE_GROUP, 'hub').catch((e: unknown) => e);
    expect(gone).toMatchObject({ statusCode: 404 });
    expect(await store.list({ type: 'Microsoft.Network/virtualNetworks/subnets' })).toMatchObject({
      records: [],
    });
  });

  it('takes back what a GET returned (read, modify, write) for every resource', async () => {
    await createNetworkAndRouteServer(sdk, plan);
    const rg = RESOURCE_GROUP;
    const wait = { updateIntervalInMs: 50 };
    const show = (e: unknown) => JSON.stringify((e as { details?: unknown }).details ?? e);
    const vnet = await sdk.virtualNetworks.get(rg, 'hub');
    const updated = await sdk.virtualNetworks
      .beginCreateOrUpdateAndWait(
        rg,
        'hub',
        { ...vnet, addressSpace: { addressPrefixes: ['10.0.0.0/16', '10.9.0.0/16'] } },
        wait,
      )
      .catch((e: unknown) => show(e));
    expect(updated).toMatchObject({ addressSpace: { addressPrefixes: ['10.0.0.0/16', '10.9.0.0/16'] } });
    const hub = await sdk.virtualHubs.get(rg, 'rs');
    expect(
      await sdk.virtualHubs
        .beginCreateOrUpdateAndWait(rg, 'rs', { ...hub, allowBranchToBranchTraffic: true }, wait)
        .catch(show),
    ).toMatchObject({
      allowBranchToBranchTraffic: true,
    });
    const config = await sdk.virtualHubIpConfiguration.get(rg, 'rs', 'ipconfig1');
    expect(
      await sdk.virtualHubIpConfiguration
        .beginCreateOrUpdateAndWait(rg, 'rs', 'ipconfig1', config, wait)
        .catch(show),
    ).toMatchObject({
      privateIPAddress: '10.0.1.4',
    });
    const peer = await sdk.virtualHubBgpConnection.get(rg, 'rs', 'frr');
    expect(
      await sdk.virtualHubBgpConnection
        .beginCreateOrUpdateAndWait(rg, 'rs', 'frr', { ...peer, peerAsn: 65010 }, wait)
        .catch(show),
    ).toMatchObject({
      peerAsn: 65010,
    });
    const nic = await sdk.networkInterfaces.get(rg, 'vm');
    expect(
      await sdk.networkInterfaces
        .beginCreateOrUpdateAndWait(rg, 'vm', { ...nic, tags: { a: 'b' } }, wait)
        .catch(show),
    ).toMatchObject({
      tags: { a: 'b' },
    });
    const subnet = await sdk.subnets.get(rg, 'hub', 'app');
    expect(
      await sdk.subnets.beginCreateOrUpdateAndWait(rg, 'hub', 'app', subnet, wait).catch(show),
    ).toMatchObject({ name: 'app' });
    await sdk.virtualNetworks.beginCreateOrUpdateAndWait(
      rg,
      'spoke',
      { location: 'local', addressSpace: { addressPrefixes: ['10.1.0.0/16'] } },
      wait,
    );
    await sdk.virtualNetworkPeerings.beginCreateOrUpdateAndWait(
      rg,
      'hub',
      'to-spoke',
      { remoteVirtualNetwork: { id: (await sdk.virtualNetworks.get(rg, 'spoke')).id } },
      wait,
    );
    const peering = await sdk.virtualNetworkPeerings.get(rg, 'hub', 'to-spoke');
    expect(
      await sdk.virtualNetworkPeerings
        .beginCreateOrUpdateAndWait(rg, 'hub', 'to-spoke', { ...peering, allowGatewayTransit: true }, wait)
        .catch(show),
    ).toMatchObject({
      allowGatewayTransit: true,
      peeringState: 'Initiated',
    });
    await sdk.routeTables.beginCreateOrUpdateAndWait(
      rg,
      'rt',
      { location: 'local', routes: [{ name: 'r', addressPrefix: '0.0.0.0/0', nextHopType: 'None' }] },
      wait,
    );
    const table = await sdk.routeTables.get(rg, 'rt');
    expect(
      await sdk.routeTables
        .beginCreateOrUpdateAndWait(rg, 'rt', { ...table, disableBgpRoutePropagation: true }, wait)
        .catch(show),
    ).toMatchObject({
      disableBgpRoutePropagation: true,
      routes: [expect.objectContaining({ name: 'r' })],
    });
    const route = await sdk.routes.get(rg, 'rt', 'r');
    expect(await sdk.routes.beginCreateOrUpdateAndWait(rg, 'rt', 'r', route, wait).catch(show)).toMatchObject(
      { nextHopType: 'None' },
    );
    await sdk.routeTables.beginDeleteAndWait(rg, 'rt', wait);
    await sdk.virtualNetworkPeerings.beginDeleteAndWait(rg, 'hub', 'to-spoke', wait);
    await sdk.virtualNetworks.beginDeleteAndWait(rg, 'spoke', wait);
    await deleteInOrder(sdk, plan);
  });

  it('surfaces a forbidden peer ASN as a RestError with the ARM code', async () => {
    await createNetworkAndRouteServer(sdk, { ...plan, peers: [] });
    const error = await sdk.virtualHubBgpConnection
      .beginCreateOrUpdateAndWait(RESOURCE_GROUP, 'rs', 'bad', { peerIp: '10.0.2.9', peerAsn: 65515 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RestError', statusCode: 400, code: 'InvalidPeerAsn' });
    await deleteInOrder(sdk, { ...plan, peers: [] });
  });
});
