import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parsePrefix } from '../lib/prefix.js';
import { openEtcdStore } from '../store/index.js';
import { startEtcd, type EtcdServer } from '../store/etcd-server.test-support.js';
import {
  circuitId,
  connectionId,
  gatewayId,
  GATEWAY_SUBNET,
  hubId,
  hubWithRouteServer,
  linkId,
  NET,
  nicId,
  RecordingRuntime,
  siteId,
  subnetId,
  vnetId,
} from './fixtures.test-support.js';
import { TYPES } from './ids.js';
import { RouteServerService } from './service.js';

let etcd: EtcdServer;
let deployments = 0;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd.stop();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two API processes' services on one etcd deployment, each with a recording runtime. */
async function twoProcesses() {
  const prefix = `/routeserver-remote-${++deployments}-${Date.now()}/`;
  const open = async () => {
    const store = await openEtcdStore({ endpoints: [etcd.endpoint], prefix });
    const runtime = new RecordingRuntime();
    const service = await RouteServerService.open({ store, runtime, followOtherProcesses: true });
    cleanups.push(async () => {
      await service.close();
      await store.close();
    });
    return { store, runtime, service };
  };
  return { a: await open(), b: await open() };
}

describe("other processes' writes, from the store's change feed", () => {
  it('shows what another process wrote, with its etags, and its deletes', async () => {
    const { a, b } = await twoProcesses();
    await hubWithRouteServer(a.service);
    await b.service.otherProcessesApplied();
    const seenByA = a.service.resources.virtualNetworks.get(vnetId('hub'))!;
    await expect.poll(() => b.service.resources.virtualNetworks.get(vnetId('hub'))?.etag).toBe(seenByA.etag);
    expect(b.service.resources.virtualNetworks.get(vnetId('hub'))!.subnets.map((s) => s.name)).toEqual([
      'app',
      'nva',
      'RouteServerSubnet',
    ]);
    await a.service.resources.subnets.delete(subnetId('hub', 'app'));
    await expect.poll(() => b.service.resources.subnets.get(subnetId('hub', 'app'))).toBeUndefined();
  });

  it("starts a peer's sessions on the other process's runtime", async () => {
    const { a, b } = await twoProcesses();
    await hubWithRouteServer(a.service);
    await expect.poll(() => b.runtime.calls.filter((c) => c.startsWith('start'))).toHaveLength(1);
    await a.service.resources.bgpConnections.put(connectionId('rs', 'nva1'), {
      peerIp: '10.0.2.4',
      peerAsn: 65001,
    });
    await expect.poll(() => b.runtime.calls).toContain('add 10.0.2.4 65001');
    await b.service.resources.bgpConnections.delete(connectionId('rs', 'nva1'));
    await expect.poll(() => a.runtime.calls).toContain('remove nva1');
    expect(a.service.resources.virtualHubs.get(hubId('rs'))!.bgpConnectionIds).toEqual([]);
  });

  it("computes effective routes from the other process's NICs and the routes this one learns", async () => {
    const { a, b } = await twoProcesses();
    await hubWithRouteServer(a.service);
    await a.service.resources.networkInterfaces.put(nicId('vm1'), { subnetId: subnetId('hub', 'app') });
    await expect
      .poll(() => b.service.resources.networkInterfaces.get(nicId('vm1'))?.privateIpAddress)
      .toBe('10.0.3.4');
    b.runtime.inject({
      routeServerId: hubId('rs'),
      instance: 'IN_1',
      changes: [{ prefix: parsePrefix('10.250.0.0/16'), route: { nextHops: ['10.0.2.4'] } }],
    });
    const table = await b.service.resources.networkInterfaces.actions.effectiveRouteTable!(nicId('vm1'));
    expect(JSON.stringify(table)).toContain('10.250.0.0/16');
  });

  it('lets a write with the etag another process returned succeed here', async () => {
    const { a, b } = await twoProcesses();
    await hubWithRouteServer(a.service);
    const etag = a.service.resources.virtualHubs.get(hubId('rs'))!.etag;
    await expect.poll(() => b.service.resources.virtualHubs.get(hubId('rs'))?.etag).toBe(etag);
    const updated = await b.service.resources.virtualHubs.put(
      hubId('rs'),
      { allowBranchToBranchTraffic: true },
      { expectedEtags: [etag] },
    );
    await expect
      .poll(() => a.service.resources.virtualHubs.get(hubId('rs'))?.etag)
      .toBe(updated.resource.etag);
    expect(a.service.resources.virtualHubs.get(hubId('rs'))!.allowBranchToBranchTraffic).toBe(true);
  });

  async function hubWithGatewaySubnet(service: RouteServerService): Promise<void> {
    await service.resources.virtualNetworks.put(vnetId('hub'), {
      addressPrefixes: ['10.0.0.0/16'],
      subnets: [
        { name: 'RouteServerSubnet', addressPrefix: '10.0.1.0/26' },
        { name: 'GatewaySubnet', addressPrefix: '10.0.255.0/27' },
        { name: 'nva', addressPrefix: '10.0.2.0/24' },
      ],
    });
  }

  it("runs another process's VPN gateway here, on the instance addresses that process allocated", async () => {
    const { a, b } = await twoProcesses();
    await hubWithGatewaySubnet(a.service);
    // As another process committed it: addresses this process would not pick (it would take .4 and .5).
    await a.store.transaction([
      {
        op: 'put',
        record: {
          id: gatewayId('vpngw'),
          type: TYPES.virtualNetworkGateway,
          name: 'vpngw',
          body: {
            location: 'westeurope',
            tags: {},
            gatewayType: 'Vpn',
            subnetId: GATEWAY_SUBNET,
            ipConfigurationNames: ['default', 'activeActive'],
            instanceAddresses: ['10.0.255.20', '10.0.255.21'],
            asn: 65515,
            activeActive: true,
            enableBgp: true,
            skuName: 'VpnGw1',
          },
        },
      },
    ]);
    await a.service.resources.localNetworkGateways.put(siteId('branch'), {
      addressPrefixes: ['192.168.10.0/24'],
      bgpSettings: { asn: 65010, bgpPeeringAddress: '192.168.10.1' },
    });
    await a.service.resources.connections.put(linkId('to-branch'), {
      connectionType: 'IPsec',
      virtualNetworkGatewayId: gatewayId('vpngw'),
      localNetworkGatewayId: siteId('branch'),
      enableBgp: true,
    });
    const spec = () => b.runtime.specs.get(gatewayId('vpngw').toLowerCase());
    await expect.poll(() => spec()?.peers.length).toBe(1);
    expect(spec()).toMatchObject({
      asn: 65515,
      instances: [
        { instance: 'IN_0', address: '10.0.255.20' },
        { instance: 'IN_1', address: '10.0.255.21' },
      ],
      peers: [{ connectionId: linkId('to-branch'), peerIp: '192.168.10.1', peerAsn: 65010 }],
    });
    // what the gateway learns reaches this process's VMs through the instance's committed address
    await a.service.resources.networkInterfaces.put(nicId('vm1'), { subnetId: subnetId('hub', 'nva') });
    await expect.poll(() => b.service.resources.networkInterfaces.get(nicId('vm1'))).toBeDefined();
    b.runtime.inject({
      routeServerId: gatewayId('vpngw'),
      instance: 'IN_0',
      changes: [{ prefix: parsePrefix('192.168.10.0/24'), route: { nextHops: ['192.168.10.1'] } }],
    });
    const table = (await b.service.resources.networkInterfaces.actions.effectiveRouteTable!(
      nicId('vm1'),
    )) as {
      value: { source: string; addressPrefix: string[]; nextHopIpAddress: string[] }[];
    };
    expect(
      table.value
        .filter((r) => r.source === 'VirtualNetworkGateway')
        .map((r) => `${r.addressPrefix[0]} ${r.nextHopIpAddress.join(',')}`),
    ).toEqual(['192.168.10.0/24 10.0.255.20']);
    expect(b.service.resources.virtualNetworkGateways.get(gatewayId('vpngw'))).toMatchObject({
      instanceAddresses: ['10.0.255.20', '10.0.255.21'],
      etag: a.service.resources.virtualNetworkGateways.get(gatewayId('vpngw'))!.etag,
    });
    expect(b.service.resources.localNetworkGateways.get(siteId('branch'))!.bgpSettings).toMatchObject({
      asn: 65010,
    });
    // the site's new ASN, and the connection's deletion, through the other process
    await a.service.resources.localNetworkGateways.put(siteId('branch'), {
      bgpSettings: { asn: 65011, bgpPeeringAddress: '192.168.10.1' },
    });
    await expect.poll(() => b.runtime.calls).toContain('update 192.168.10.1 65011');
    await a.service.resources.connections.delete(linkId('to-branch'));
    await expect.poll(() => b.runtime.calls.at(-1)).toBe('stop');
    await a.service.resources.virtualNetworkGateways.delete(gatewayId('vpngw'));
    await expect
      .poll(() => b.service.resources.virtualNetworkGateways.get(gatewayId('vpngw')))
      .toBeUndefined();
    expect(b.service.resources.localNetworkGateways.get(siteId('branch'))).toBeDefined();
  });

  it("runs another process's ExpressRoute gateway here, from its circuit and private peering", async () => {
    const { a, b } = await twoProcesses();
    await hubWithGatewaySubnet(a.service);
    await a.service.resources.virtualNetworkGateways.put(gatewayId('ergw'), {
      gatewayType: 'ExpressRoute',
      ipConfigurations: [{ name: 'default', subnetId: GATEWAY_SUBNET }],
    });
    await a.service.resources.expressRouteCircuits.put(circuitId('edge'), {});
    await a.service.resources.circuitPeerings.put(`${circuitId('edge')}/peerings/AzurePrivatePeering`, {
      peeringType: 'AzurePrivatePeering',
      peerAsn: 65020,
      primaryPeerAddressPrefix: '192.168.255.0/30',
      secondaryPeerAddressPrefix: '192.168.255.4/30',
      vlanId: 100,
    });
    await a.service.resources.connections.put(linkId('to-edge'), {
      connectionType: 'ExpressRoute',
      virtualNetworkGatewayId: gatewayId('ergw'),
      circuitId: circuitId('edge'),
    });
    const spec = () => b.runtime.specs.get(gatewayId('ergw').toLowerCase());
    await expect.poll(() => spec()?.peers.length).toBe(2);
    expect(spec()).toMatchObject({
      asn: 12076,
      peers: [
        { peerIp: '192.168.255.1', peerAsn: 65020 },
        { peerIp: '192.168.255.5', peerAsn: 65020 },
      ],
    });
    expect(b.service.resources.connections.get(linkId('to-edge'))).toMatchObject({
      connectionType: 'ExpressRoute',
      circuitId: circuitId('edge'),
    });
  });

  it("takes another process's route map, the peering that uses it, and its public IP", async () => {
    const { a, b } = await twoProcesses();
    await hubWithRouteServer(a.service);
    const address = await a.service.resources.publicIPAddresses.put(`${NET}/publicIPAddresses/rs-ip`, {});
    const mapId = `${hubId('rs')}/routeMaps/no-default`;
    await a.service.resources.routeMaps.put(mapId, {
      rules: [
        {
          name: 'drop-default',
          matchCriteria: [{ matchCondition: 'Equals', routePrefix: ['0.0.0.0/0'] }],
          actions: [{ type: 'Drop', parameters: [] }],
        },
      ],
    });
    await a.service.resources.bgpConnections.put(connectionId('rs', 'nva1'), {
      peerIp: '10.0.2.4',
      peerAsn: 65001,
      inboundRouteMapId: mapId,
    });
    await expect.poll(() => b.runtime.calls).toContain('add 10.0.2.4 65001');
    expect(b.runtime.peerSpecs.at(-1)?.routeMaps?.inbound?.name).toBe('no-default');
    expect(b.service.resources.routeMaps.get(mapId)!.rules.map((r) => r.name)).toEqual(['drop-default']);
    expect(b.service.resources.publicIPAddresses.get(`${NET}/publicIPAddresses/rs-ip`)!.ipAddress).toBe(
      address.resource.ipAddress,
    );
  });
});
