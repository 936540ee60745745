/**
 * The preview-era `virtualRouters` and their peerings through the official
 * @azure/arm-network SDK (its VirtualRouters and VirtualRouterPeerings
 * operations) over HTTPS on loopback: a virtual router is the route server
 * of the same name, seen and changed through either type.
 */
import type { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_GROUP as RG, startSdkServer, type SdkServer } from './sdk-lifecycle.test-support.js';

const SUB = '00000000-0000-0000-0000-0000000000b8';
const POLL = { updateIntervalInMs: 20 };
const NET = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network`;
let lab: SdkServer;
let sdk: NetworkManagementClient;

beforeAll(async () => {
  lab = await startSdkServer(SUB, 'rs-sdk-vr-');
  sdk = lab.sdk;
  await sdk.virtualNetworks.beginCreateOrUpdateAndWait(
    RG,
    'hub',
    {
      location: 'local',
      addressSpace: { addressPrefixes: ['10.0.0.0/16', '10.9.0.0/16'] },
      subnets: [
        { name: 'RouteServerSubnet', addressPrefix: '10.0.0.0/26' },
        { name: 'nva', addressPrefix: '10.0.1.0/24' },
      ],
    },
    POLL,
  );
});

afterAll(async () => {
  await lab?.close();
});

const subnet = (name: string) => ({ id: `${NET}/virtualNetworks/hub/subnets/${name}` });

/** The ARM status and code of a refused SDK call. */
async function refusal(call: Promise<unknown>): Promise<[number | undefined, string | undefined]> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e as { code?: string; statusCode?: number },
  );
  return [error?.statusCode, error?.code];
}

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}

describe('virtualRouters through @azure/arm-network', () => {
  it('creates a virtual router that is a placed route server, with its peerings as BGP connections', async () => {
    const router = await sdk.virtualRouters.beginCreateOrUpdateAndWait(
      RG,
      'vr',
      { location: 'local', tags: { env: 'lab' }, hostedSubnet: subnet('RouteServerSubnet') },
      POLL,
    );
    expect(router).toMatchObject({
      id: `${NET}/virtualRouters/vr`,
      type: 'Microsoft.Network/virtualRouters',
      tags: { env: 'lab' },
      virtualRouterAsn: 65515,
      virtualRouterIps: ['10.0.0.4', '10.0.0.5'],
      hostedSubnet: subnet('RouteServerSubnet'),
      peerings: [],
      provisioningState: 'Succeeded',
    });
    const hub = await sdk.virtualHubs.get(RG, 'vr');
    expect(hub).toMatchObject({
      kind: 'RouteServer',
      virtualRouterIps: ['10.0.0.4', '10.0.0.5'],
      routingState: 'Provisioned',
      ipConfigurations: [{ id: `${NET}/virtualHubs/vr/ipConfigurations/ipconfig1` }],
    });

    const peering = await sdk.virtualRouterPeerings.beginCreateOrUpdateAndWait(
      RG,
      'vr',
      'nva1',
      { peerAsn: 65001, peerIp: '10.0.1.4' },
      POLL,
    );
    expect(peering).toMatchObject({
      id: `${NET}/virtualRouters/vr/peerings/nva1`,
      name: 'nva1',
      type: 'Microsoft.Network/virtualRouters/peerings',
      peerAsn: 65001,
      peerIp: '10.0.1.4',
      provisioningState: 'Succeeded',
    });
    const connection = await sdk.virtualHubBgpConnection.get(RG, 'vr', 'nva1');
    expect([connection.peerAsn, connection.peerIp]).toEqual([65001, '10.0.1.4']);
    expect((await sdk.virtualRouters.get(RG, 'vr')).peerings).toEqual([
      { id: `${NET}/virtualRouters/vr/peerings/nva1` },
    ]);
    expect((await all(sdk.virtualRouterPeerings.list(RG, 'vr'))).map((p) => p.id)).toEqual([peering.id]);
    expect((await sdk.virtualRouterPeerings.get(RG, 'vr', 'nva1')).peerIp).toBe('10.0.1.4');

    // a connection made as a bgpConnection is a peering of the router too
    await sdk.virtualHubBgpConnection.beginCreateOrUpdateAndWait(
      RG,
      'vr',
      'nva2',
      { peerAsn: 65002, peerIp: '10.0.1.5' },
      POLL,
    );
    expect((await all(sdk.virtualRouterPeerings.list(RG, 'vr'))).map((p) => p.name)).toEqual([
      'nva1',
      'nva2',
    ]);
    await sdk.virtualRouterPeerings.beginDeleteAndWait(RG, 'vr', 'nva2', POLL);
    expect(await refusal(sdk.virtualHubBgpConnection.get(RG, 'vr', 'nva2'))).toEqual([
      404,
      'ResourceNotFound',
    ]);
  });

  it('keeps the route server’s own settings when the router is written again', async () => {
    const hub = await sdk.virtualHubs.get(RG, 'vr');
    await sdk.virtualHubs.beginCreateOrUpdateAndWait(
      RG,
      'vr',
      { ...hub, allowBranchToBranchTraffic: true, hubRoutingPreference: 'ASPath' },
      POLL,
    );
    const router = await sdk.virtualRouters.get(RG, 'vr');
    await sdk.virtualRouters.beginCreateOrUpdateAndWait(RG, 'vr', { ...router, tags: { env: 'prod' } }, POLL);
    const after = await sdk.virtualHubs.get(RG, 'vr');
    expect([after.allowBranchToBranchTraffic, after.hubRoutingPreference, after.tags]).toEqual([
      true,
      'ASPath',
      { env: 'prod' },
    ]);
  });

  it('lists route servers as virtual routers, by group and by subscription', async () => {
    await sdk.virtualHubs.beginCreateOrUpdateAndWait(
      RG,
      'unplaced',
      { location: 'local', sku: 'Standard' },
      POLL,
    );
    const byGroup = await all(sdk.virtualRouters.listByResourceGroup(RG));
    expect(byGroup.map((r) => [r.name, r.hostedSubnet?.id ?? null])).toEqual([
      ['unplaced', null],
      ['vr', subnet('RouteServerSubnet').id],
    ]);
    expect((await all(sdk.virtualRouters.list())).map((r) => r.name)).toEqual(['unplaced', 'vr']);
    await sdk.virtualRouters.beginDeleteAndWait(RG, 'unplaced', POLL);
    expect(await refusal(sdk.virtualHubs.get(RG, 'unplaced'))).toEqual([404, 'ResourceNotFound']);
  });

  it('refuses a hosted gateway, a change of hosted subnet, and a new router on a wrong subnet (leaving nothing)', async () => {
    expect(
      await refusal(
        sdk.virtualRouters.beginCreateOrUpdateAndWait(
          RG,
          'gw',
          { location: 'local', hostedGateway: { id: `${NET}/virtualNetworkGateways/ergw` } },
          POLL,
        ),
      ),
    ).toEqual([400, 'InvalidParameter']);
    expect(
      await refusal(
        sdk.virtualRouters.beginCreateOrUpdateAndWait(
          RG,
          'vr',
          { location: 'local', hostedSubnet: subnet('nva') },
          POLL,
        ),
      ),
    ).toEqual([400, 'PropertyChangeNotAllowed']);
    expect(
      await refusal(
        sdk.virtualRouters.beginCreateOrUpdateAndWait(
          RG,
          'wrong',
          { location: 'local', hostedSubnet: subnet('nva') },
          POLL,
        ),
      ),
    ).toEqual([400, 'InvalidRouteServerSubnet']);
    expect(await refusal(sdk.virtualHubs.get(RG, 'wrong'))).toEqual([404, 'ResourceNotFound']);
    expect(await refusal(sdk.virtualRouters.get(RG, 'gw'))).toEqual([404, 'ResourceNotFound']);
  });

  it('deletes the router: its placement, its peerings and the route server', async () => {
    await sdk.virtualRouters.beginDeleteAndWait(RG, 'vr', POLL);
    expect(await refusal(sdk.virtualHubs.get(RG, 'vr'))).toEqual([404, 'ResourceNotFound']);
    expect(await refusal(sdk.virtualRouters.get(RG, 'vr'))).toEqual([404, 'ResourceNotFound']);
    expect(await all(sdk.virtualRouters.listByResourceGroup(RG))).toEqual([]);
    // the subnet is free again: a new router can be placed there
    const again = await sdk.virtualRouters.beginCreateOrUpdateAndWait(
      RG,
      'vr2',
      { location: 'local', hostedSubnet: subnet('RouteServerSubnet') },
      POLL,
    );
    expect(again.virtualRouterIps).toEqual(['10.0.0.4', '10.0.0.5']);
  });
});
