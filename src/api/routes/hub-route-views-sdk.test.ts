/**
 * A route server's effective, inbound and outbound routes through the
 * official SDK (VirtualHubs getEffectiveVirtualHubRoutes, getInboundRoutes,
 * getOutboundRoutes: POST, 202 + Location, then the list), over a runtime
 * that records what the service asks and injects what the test gives it.
 */
import type { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrefix } from '../../lib/prefix.js';
import { RecordingRuntime } from '../../routeserver/fixtures.test-support.js';
import type { PeerRoute } from '../../routeserver/index.js';
import { RESOURCE_GROUP as RG, startSdkServer, type SdkServer } from './sdk-lifecycle.test-support.js';

const SUB = '00000000-0000-0000-0000-0000000000c9';
const POLL = { updateIntervalInMs: 20 };
const NET = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network`;
const HUB = `${NET}/virtualHubs/rs`;

/** The recording runtime, answering advertised routes too. */
class RoutesRuntime extends RecordingRuntime {
  readonly advertised: PeerRoute[] = [];
  override async advertisedRoutes(): Promise<readonly PeerRoute[]> {
    return this.advertised;
  }
}

const route = (instance: 'IN_0' | 'IN_1', network: string, nextHop: string, asPath: string): PeerRoute => ({
  instance,
  localAddress: instance === 'IN_0' ? '10.0.0.4' : '10.0.0.5',
  network,
  nextHop,
  sourcePeer: nextHop,
  origin: 'ebgp',
  asPath,
  weight: 32768,
});

let lab: SdkServer;
let sdk: NetworkManagementClient;
const runtime = new RoutesRuntime();

beforeAll(async () => {
  lab = await startSdkServer(SUB, 'rs-sdk-hubroutes-', { runtime });
  sdk = lab.sdk;
  const subnet = (name: string) => ({ id: `${NET}/virtualNetworks/hub/subnets/${name}` });
  await sdk.virtualNetworks.beginCreateOrUpdateAndWait(
    RG,
    'hub',
    {
      location: 'local',
      addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
      subnets: [
        { name: 'RouteServerSubnet', addressPrefix: '10.0.0.0/26' },
        { name: 'nva', addressPrefix: '10.0.1.0/24' },
        { name: 'GatewaySubnet', addressPrefix: '10.0.255.0/27' },
      ],
    },
    POLL,
  );
  await sdk.virtualNetworkGateways.beginCreateOrUpdateAndWait(
    RG,
    'vpngw',
    {
      location: 'local',
      gatewayType: 'Vpn',
      vpnType: 'RouteBased',
      active: true,
      enableBgp: true,
      sku: { name: 'VpnGw1AZ', tier: 'VpnGw1AZ' },
      bgpSettings: { asn: 65515 },
      ipConfigurations: [
        { name: 'default', subnet: subnet('GatewaySubnet') },
        { name: 'activeActive', subnet: subnet('GatewaySubnet') },
      ],
    },
    POLL,
  );
  await sdk.virtualHubs.beginCreateOrUpdateAndWait(RG, 'rs', { location: 'local', sku: 'Standard' }, POLL);
  await sdk.virtualHubIpConfiguration.beginCreateOrUpdateAndWait(
    RG,
    'rs',
    'ipconfig1',
    { subnet: subnet('RouteServerSubnet') },
    POLL,
  );
  for (const [name, peerIp] of [
    ['nva1', '10.0.1.4'],
    ['nva2', '10.0.1.5'],
  ] as const)
    await sdk.virtualHubBgpConnection.beginCreateOrUpdateAndWait(
      RG,
      'rs',
      name,
      { peerAsn: 65001, peerIp },
      POLL,
    );
  // both NVAs announce 192.168.0.0/16 (ECMP), nva1 also a prefix inside the VNet (learned, not injected);
  // the VPN gateway's instance gives 172.16.0.0/12 from on-premises
  runtime.learned.push(
    route('IN_0', '192.168.0.0/16', '10.0.1.4', '65001'),
    route('IN_1', '192.168.0.0/16', '10.0.1.4', '65001'),
  );
  runtime.advertised.push(route('IN_0', '10.0.0.0/16', '10.0.0.4', '65515'));
  runtime.advertised.push(route('IN_1', '10.0.0.0/16', '10.0.0.5', '65515'));
  for (const instance of ['IN_0', 'IN_1'] as const) {
    runtime.inject({
      routeServerId: HUB,
      instance,
      changes: [
        { prefix: parsePrefix('192.168.0.0/16'), route: { nextHops: ['10.0.1.4', '10.0.1.5'] } },
        { prefix: parsePrefix('10.0.5.0/24'), route: { nextHops: ['10.0.1.4'] } },
        { prefix: parsePrefix('172.16.0.0/12'), route: { nextHops: ['10.0.255.4'] } },
      ],
    });
  }
});

afterAll(async () => {
  await lab?.close();
});

describe('hub route views through @azure/arm-network', () => {
  it('lists the effective routes: the VNet, each NVA with its AS path, the VPN gateway', async () => {
    const routes = await sdk.virtualHubs.beginGetEffectiveVirtualHubRoutesAndWait(RG, 'rs', POLL);
    expect(routes.value).toEqual([
      {
        addressPrefixes: ['10.0.0.0/16'],
        nextHops: ['on-link'],
        nextHopType: 'Virtual Network Connection',
        asPath: '',
        routeOrigin: '',
      },
      {
        addressPrefixes: ['172.16.0.0/12'],
        nextHops: ['10.0.255.4'],
        nextHopType: 'VPN',
        asPath: '',
        routeOrigin: `${NET}/virtualNetworkGateways/vpngw`,
      },
      {
        addressPrefixes: ['192.168.0.0/16'],
        nextHops: ['10.0.1.4'],
        nextHopType: 'HubBgpConnection',
        asPath: '65001',
        routeOrigin: `${HUB}/bgpConnections/nva1`,
      },
      {
        addressPrefixes: ['192.168.0.0/16'],
        nextHops: ['10.0.1.5'],
        nextHopType: 'HubBgpConnection',
        asPath: '65001',
        routeOrigin: `${HUB}/bgpConnections/nva2`,
      },
    ]);
  });

  it('keeps the rows of one BGP connection when resourceId names it', async () => {
    const routes = await sdk.virtualHubs.beginGetEffectiveVirtualHubRoutesAndWait(RG, 'rs', {
      ...POLL,
      effectiveRoutesParameters: { resourceId: `${HUB}/bgpConnections/nva2` },
    });
    expect(routes.value?.map((r) => [r.addressPrefixes, r.nextHops])).toEqual([
      [['192.168.0.0/16'], ['10.0.1.5']],
    ]);
  });

  it('lists inbound and outbound routes of a connection, once per prefix and AS path', async () => {
    const connection = `${HUB}/bgpConnections/nva1`;
    const inbound = await sdk.virtualHubs.beginGetInboundRoutesAndWait(
      RG,
      'rs',
      { resourceUri: connection, connectionType: 'HubBgpConnection' },
      POLL,
    );
    expect(inbound.value).toEqual([{ prefix: '192.168.0.0/16', bgpCommunities: '', asPath: '65001' }]);
    const outbound = await sdk.virtualHubs.beginGetOutboundRoutesAndWait(
      RG,
      'rs',
      { resourceUri: `${NET}/virtualRouters/rs/peerings/nva1` },
      POLL,
    );
    expect(outbound.value).toEqual([{ prefix: '10.0.0.0/16', bgpCommunities: '', asPath: '65515' }]);
  });

  it('refuses at once a resourceUri that is not a connection of the route server', async () => {
    const refused = await sdk.virtualHubs
      .beginGetInboundRoutes(RG, 'rs', { resourceUri: `${NET}/virtualHubs/other/bgpConnections/nva1` })
      .then(
        () => undefined,
        (e: unknown) => e as { statusCode?: number; code?: string },
      );
    expect([refused?.statusCode, refused?.code]).toEqual([400, 'InvalidResourceReference']);
    const missing = await sdk.virtualHubs.beginGetOutboundRoutes(RG, 'rs', {}).then(
      () => undefined,
      (e: unknown) => e as { statusCode?: number; code?: string },
    );
    expect([missing?.statusCode, missing?.code]).toEqual([400, 'InvalidRequestFormat']);
  });
});
