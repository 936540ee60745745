/**
 * The gateway resources through the official @azure/arm-network SDK over
 * real HTTPS on loopback (no BGP runtime): a VPN gateway and an ExpressRoute
 * gateway in GatewaySubnet, a VPN site with BGP and its IPsec connection, a
 * circuit with its private peering and its ExpressRoute connection, read
 * back, refused where docs/gateways.md says so, and deleted in order.
 */
import type { NetworkManagementClient } from '@azure/arm-network';
import type { SqliteResourceStore } from '../../store/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_GROUP as RG, startSdkServer, type SdkServer } from './sdk-lifecycle.test-support.js';

const SUB = '00000000-0000-0000-0000-0000000000de';
const POLL = { updateIntervalInMs: 50 };
let lab: SdkServer;
let store: SqliteResourceStore;
let sdk: NetworkManagementClient;

beforeAll(async () => {
  lab = await startSdkServer(SUB, 'rs-sdk-gw-');
  ({ sdk, store } = lab);
});

afterAll(async () => {
  await lab?.close();
});

/** The ARM error code of a refused SDK call. */
async function armCode(call: Promise<unknown>): Promise<string | undefined> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e as { code?: string; statusCode?: number },
  );
  expect(error?.statusCode).toBe(400);
  return error?.code;
}

describe('gateways through @azure/arm-network', () => {
  it('creates, reads, refuses and deletes gateways, sites, circuits and connections', async () => {
    const vnet = await sdk.virtualNetworks.beginCreateOrUpdateAndWait(
      RG,
      'hub',
      {
        location: 'local',
        addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
        subnets: [
          { name: 'GatewaySubnet', addressPrefix: '10.0.255.0/27' },
          { name: 'app', addressPrefix: '10.0.3.0/24' },
        ],
      },
      POLL,
    );
    const gatewaySubnet = { id: vnet.subnets!.find((s) => s.name === 'GatewaySubnet')!.id! };
    const appSubnet = { id: vnet.subnets!.find((s) => s.name === 'app')!.id! };

    const vpnGateway = await sdk.virtualNetworkGateways.beginCreateOrUpdateAndWait(
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
          { name: 'default', subnet: gatewaySubnet, publicIPAddress: { id: `${gatewaySubnet.id}/pip1` } },
          { name: 'activeActive', subnet: gatewaySubnet },
        ],
      },
      POLL,
    );
    expect(vpnGateway).toMatchObject({
      gatewayType: 'Vpn',
      active: true,
      bgpSettings: { asn: 65515, bgpPeeringAddress: '10.0.255.4,10.0.255.5' },
      provisioningState: 'Succeeded',
    });
    expect(vpnGateway.bgpSettings?.bgpPeeringAddresses?.map((a) => a.defaultBgpIpAddresses)).toEqual([
      ['10.0.255.4'],
      ['10.0.255.5'],
    ]);
    const erGateway = await sdk.virtualNetworkGateways.beginCreateOrUpdateAndWait(
      RG,
      'ergw',
      {
        location: 'local',
        gatewayType: 'ExpressRoute',
        ipConfigurations: [{ name: 'default', subnet: gatewaySubnet }],
      },
      POLL,
    );
    expect(erGateway.ipConfigurations?.[0]?.privateIPAddress).toBe('10.0.255.6');

    // refusals: ARM errors, nothing stored
    const badGateway = (name: string, overrides: object) =>
      sdk.virtualNetworkGateways.beginCreateOrUpdateAndWait(
        RG,
        name,
        {
          location: 'local',
          gatewayType: 'Vpn',
          active: true,
          ipConfigurations: [
            { name: 'a', subnet: gatewaySubnet },
            { name: 'b', subnet: gatewaySubnet },
          ],
          ...overrides,
        },
        POLL,
      );
    expect(
      await armCode(
        badGateway('outside', {
          ipConfigurations: [
            { name: 'a', subnet: appSubnet },
            { name: 'b', subnet: appSubnet },
          ],
        }),
      ),
    ).toBe('InvalidGatewaySubnet');
    expect(await armCode(badGateway('passive', { active: false }))).toBe('InvalidGatewayConfiguration');
    expect(await armCode(badGateway('asn', { bgpSettings: { asn: 65010 } }))).toBe(
      'InvalidGatewayConfiguration',
    );
    expect(await armCode(badGateway('second', {}))).toBe('VirtualNetworkGatewayAlreadyExists');
    const gateways = [];
    for await (const gateway of sdk.virtualNetworkGateways.list(RG)) gateways.push(gateway.name);
    expect(gateways.sort()).toEqual(['ergw', 'vpngw']);

    const site = await sdk.localNetworkGateways.beginCreateOrUpdateAndWait(
      RG,
      'branch',
      {
        location: 'local',
        gatewayIpAddress: '198.51.100.10',
        localNetworkAddressSpace: { addressPrefixes: ['192.168.10.0/24'] },
        bgpSettings: { asn: 65010, bgpPeeringAddress: '192.168.10.1' },
      },
      POLL,
    );
    expect(site.bgpSettings).toMatchObject({ asn: 65010, bgpPeeringAddress: '192.168.10.1' });
    expect(
      await armCode(
        sdk.virtualNetworkGatewayConnections.beginCreateOrUpdateAndWait(
          RG,
          'to-nowhere',
          {
            location: 'local',
            connectionType: 'IPsec',
            virtualNetworkGateway1: { id: vpnGateway.id! },
            localNetworkGateway2: { id: site.id!.replace('branch', 'missing') },
          },
          POLL,
        ),
      ),
    ).toBe('InvalidResourceReference');
    const vpnConnection = await sdk.virtualNetworkGatewayConnections.beginCreateOrUpdateAndWait(
      RG,
      'to-branch',
      {
        location: 'local',
        connectionType: 'IPsec',
        virtualNetworkGateway1: { id: vpnGateway.id! },
        localNetworkGateway2: { id: site.id! },
        enableBgp: true,
        sharedKey: 'not-stored',
      },
      POLL,
    );
    expect(vpnConnection).toMatchObject({ connectionType: 'IPsec', enableBgp: true });

    const circuit = await sdk.expressRouteCircuits.beginCreateOrUpdateAndWait(
      RG,
      'edge',
      {
        location: 'local',
        sku: { name: 'Standard_MeteredData', tier: 'Standard', family: 'MeteredData' },
        serviceProviderProperties: {
          serviceProviderName: 'lab',
          peeringLocation: 'lab',
          bandwidthInMbps: 200,
        },
      },
      POLL,
    );
    expect(circuit.sku).toEqual({ name: 'Standard_MeteredData', tier: 'Standard', family: 'MeteredData' });
    const peering = await sdk.expressRouteCircuitPeerings.beginCreateOrUpdateAndWait(
      RG,
      'edge',
      'AzurePrivatePeering',
      {
        peeringType: 'AzurePrivatePeering',
        peerASN: 65020,
        primaryPeerAddressPrefix: '192.168.255.0/30',
        secondaryPeerAddressPrefix: '192.168.255.4/30',
        vlanId: 100,
      },
      POLL,
    );
    expect(peering).toMatchObject({ azureASN: 12076, peerASN: 65020 });
    const erConnection = await sdk.virtualNetworkGatewayConnections.beginCreateOrUpdateAndWait(
      RG,
      'to-edge',
      {
        location: 'local',
        connectionType: 'ExpressRoute',
        virtualNetworkGateway1: { id: erGateway.id! },
        peer: { id: circuit.id! },
      },
      POLL,
    );
    expect(erConnection.peer?.id).toBe(circuit.id);

    // in order: connections, then what they name
    await sdk.virtualNetworkGatewayConnections.beginDeleteAndWait(RG, 'to-branch', POLL);
    await sdk.virtualNetworkGatewayConnections.beginDeleteAndWait(RG, 'to-edge', POLL);
    await sdk.expressRouteCircuitPeerings.beginDeleteAndWait(RG, 'edge', 'AzurePrivatePeering', POLL);
    await sdk.expressRouteCircuits.beginDeleteAndWait(RG, 'edge', POLL);
    await sdk.localNetworkGateways.beginDeleteAndWait(RG, 'branch', POLL);
    await sdk.virtualNetworkGateways.beginDeleteAndWait(RG, 'vpngw', POLL);
    await sdk.virtualNetworkGateways.beginDeleteAndWait(RG, 'ergw', POLL);
    await sdk.virtualNetworks.beginDeleteAndWait(RG, 'hub', POLL);
    for (const type of [
      'virtualNetworkGateways',
      'localNetworkGateways',
      'connections',
      'expressRouteCircuits',
    ]) {
      expect((await store.list({ type: `Microsoft.Network/${type}` })).records).toEqual([]);
    }
  });
});
