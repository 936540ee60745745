import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RouteServerService } from '../routeserver/index.js';
import { openSqliteStore } from '../store/index.js';
import { applyConfig } from './config-apply.js';
import { parseConfig } from './config-load.js';
import { DaemonError } from './errors.js';

const seed = readFileSync(new URL('../../examples/seed-scenario.yaml', import.meta.url), 'utf8');
const withMaps = readFileSync(new URL('../../examples/route-maps.yaml', import.meta.url), 'utf8');
const SUB =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo/providers/Microsoft.Network';

async function openService() {
  const store = openSqliteStore({ path: ':memory:' });
  const service = await RouteServerService.open({ store });
  return { service, close: async () => (await service.close(), await store.close()) };
}

describe('applying the configuration file', () => {
  it('creates every resource of the seed scenario', async () => {
    const { service, close } = await openService();
    const report = await applyConfig(service, parseConfig(seed, 'seed'));
    expect(report.written).toHaveLength(1 + 3 + 2 + 2 + 4); // vnet, subnets, hub + ipconfig, peerings, NICs
    const hub = service.resources.virtualHubs.get(`${SUB}/virtualHubs/rs1`);
    expect(hub?.virtualRouterIps).toEqual(['10.1.0.4', '10.1.0.5']);
    expect(
      service.resources.bgpConnections.get(`${SUB}/virtualHubs/rs1/bgpConnections/firewall`),
    ).toMatchObject({
      peerIp: '10.1.1.5',
      peerAsn: 65002,
    });
    expect(
      service.resources.networkInterfaces.get(`${SUB}/networkInterfaces/vm2-nic`)?.privateIpAddress,
    ).toBe('10.1.2.5');
    await close();
  });

  it('writes nothing when the file is applied again unchanged', async () => {
    const { service, close } = await openService();
    await applyConfig(service, parseConfig(seed, 'seed'));
    const etag = service.resources.virtualHubs.get(`${SUB}/virtualHubs/rs1`)!.etag;
    const again = await applyConfig(service, parseConfig(seed, 'seed'));
    expect(again.written).toEqual([]);
    expect(again.unchanged).toBe(12);
    expect(service.resources.virtualHubs.get(`${SUB}/virtualHubs/rs1`)!.etag).toBe(etag);
    await close();
  });

  it('writes only the difference when the file changes', async () => {
    const { service, close } = await openService();
    await applyConfig(service, parseConfig(seed, 'seed'));
    const changed = seed
      .replace('peerAsn: 65002', 'peerAsn: 65010')
      .replace('allowBranchToBranchTraffic: false', 'allowBranchToBranchTraffic: true');
    const report = await applyConfig(service, parseConfig(changed, 'seed'));
    expect(report.written).toEqual([
      `${SUB}/virtualHubs/rs1`,
      `${SUB}/virtualHubs/rs1/bgpConnections/firewall`,
    ]);
    expect(
      service.resources.bgpConnections.get(`${SUB}/virtualHubs/rs1/bgpConnections/firewall`)?.peerAsn,
    ).toBe(65010);
    expect(service.resources.virtualHubs.get(`${SUB}/virtualHubs/rs1`)?.allowBranchToBranchTraffic).toBe(
      true,
    );
    await close();
  });

  it('turns BFD on for a peering, writes nothing again, and refuses a multiplier out of range', async () => {
    const { service, close } = await openService();
    await applyConfig(service, parseConfig(seed, 'seed'));
    const withBfd = seed.replace(
      'peerAsn: 65002',
      'peerAsn: 65002\n        bfd: { enabled: true, minRx: 100 }',
    );
    const report = await applyConfig(service, parseConfig(withBfd, 'seed'));
    expect(report.written).toEqual([`${SUB}/virtualHubs/rs1/bgpConnections/firewall`]);
    expect(
      service.resources.bgpConnections.get(`${SUB}/virtualHubs/rs1/bgpConnections/firewall`)?.bfd,
    ).toEqual({ enabled: true, minRx: 100, minTx: 300, multiplier: 3, multihop: true });
    expect((await applyConfig(service, parseConfig(withBfd, 'seed'))).written).toEqual([]);
    const bad = seed.replace(
      'peerAsn: 65002',
      'peerAsn: 65002\n        bfd: { enabled: true, multiplier: 1 }',
    );
    const error = await applyConfig(service, parseConfig(bad, 'seed')).catch((e: unknown) => e);
    expect((error as DaemonError).message).toMatch(/peerings\[1\] \(firewall\): multiplier must be/);
    await close();
  });

  it('turns graceful restart on for a peering, writes nothing again, and refuses a time out of range', async () => {
    const { service, close } = await openService();
    await applyConfig(service, parseConfig(seed, 'seed'));
    const withGr = seed.replace(
      'peerAsn: 65002',
      'peerAsn: 65002\n        gracefulRestart: { enabled: true, restartTime: 90 }',
    );
    const report = await applyConfig(service, parseConfig(withGr, 'seed'));
    expect(report.written).toEqual([`${SUB}/virtualHubs/rs1/bgpConnections/firewall`]);
    expect(
      service.resources.bgpConnections.get(`${SUB}/virtualHubs/rs1/bgpConnections/firewall`)?.gracefulRestart,
    ).toEqual({ enabled: true, restartTime: 90, stalePathTime: 360 });
    expect((await applyConfig(service, parseConfig(withGr, 'seed'))).written).toEqual([]);
    const bad = seed.replace(
      'peerAsn: 65002',
      'peerAsn: 65002\n        gracefulRestart: { enabled: true, restartTime: 5000 }',
    );
    const error = await applyConfig(service, parseConfig(bad, 'seed')).catch((e: unknown) => e);
    expect((error as DaemonError).message).toMatch(/peerings\[1\] \(firewall\): restartTime must be/);
    await close();
  });

  it('sets, keeps, changes and removes a TCP-MD5 key, writing only on a change, and refuses one over 80 bytes', async () => {
    const { service, close } = await openService();
    const firewall = `${SUB}/virtualHubs/rs1/bgpConnections/firewall`;
    const keyed = (key: string) => seed.replace('peerAsn: 65002', `peerAsn: 65002\n        md5Key: ${key}`);
    await applyConfig(service, parseConfig(seed, 'seed'));
    expect((await applyConfig(service, parseConfig(keyed('k1'), 'seed'))).written).toEqual([firewall]);
    expect(service.resources.bgpConnections.get(firewall)?.md5KeyConfigured).toBe(true);
    expect((await applyConfig(service, parseConfig(keyed('k1'), 'seed'))).written).toEqual([]);
    expect((await applyConfig(service, parseConfig(keyed('k2'), 'seed'))).written).toEqual([firewall]);
    expect((await applyConfig(service, parseConfig(seed, 'seed'))).written).toEqual([firewall]);
    expect(service.resources.bgpConnections.get(firewall)?.md5KeyConfigured).toBe(false);
    const error = await applyConfig(service, parseConfig(keyed('x'.repeat(81)), 'seed')).catch(
      (e: unknown) => e,
    );
    expect((error as DaemonError).message).toMatch(/peerings\[1\] \(firewall\): the TCP-MD5 key is 81 bytes/);
    expect(service.resources.bgpConnections.get(firewall)?.md5KeyConfigured).toBe(false);
    await close();
  });

  it('leaves removals to pruning: applying alone deletes nothing', async () => {
    const { service, close } = await openService();
    await applyConfig(service, parseConfig(seed, 'seed'));
    const withoutVm2 = seed.replace(/ {2}- name: vm2-nic[\s\S]*$/, '');
    const report = await applyConfig(service, parseConfig(withoutVm2, 'seed'));
    expect(report.written).toEqual([]);
    expect(service.resources.networkInterfaces.get(`${SUB}/networkInterfaces/vm2-nic`)).toBeDefined();
    await close();
  });

  it('names the resource in the file when the service refuses it', async () => {
    const { service, close } = await openService();
    const bad = seed.replace('peerAsn: 65001', 'peerAsn: 65515');
    const error = await applyConfig(service, parseConfig(bad, 'seed')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaemonError);
    expect((error as DaemonError).message).toMatch(/^routeServers\[0\]\.peerings\[0\] \(sdwan\): .*65515/);
    await close();
  });

  it('creates VPN and ExpressRoute gateways with their site, circuit and connections, then nothing again', async () => {
    const { service, close } = await openService();
    const file = `
resourceGroup: demo
virtualNetworks:
  - name: hub
    addressPrefixes: [10.0.0.0/16]
    subnets:
      - { name: RouteServerSubnet, addressPrefix: 10.0.0.0/26 }
      - { name: GatewaySubnet, addressPrefix: 10.0.255.0/27 }
localNetworkGateways:
  - name: branch
    addressPrefixes: [192.168.10.0/24]
    bgp: { asn: 65010, peeringAddress: 192.168.10.1 }
expressRouteCircuits:
  - name: edge
    privatePeering:
      peerAsn: 65020
      primaryPeerAddressPrefix: 192.168.255.0/30
      secondaryPeerAddressPrefix: 192.168.255.4/30
      vlanId: 100
virtualNetworkGateways:
  - name: vpngw
    type: Vpn
    virtualNetwork: hub
    connections: [{ name: to-branch, localNetworkGateway: branch }]
  - name: ergw
    type: ExpressRoute
    virtualNetwork: hub
    connections: [{ name: to-edge, circuit: edge }]
`;
    const report = await applyConfig(service, parseConfig(file, 'gateways'));
    expect(report.written.slice(3)).toEqual([
      `${SUB}/localNetworkGateways/branch`,
      `${SUB}/expressRouteCircuits/edge`,
      `${SUB}/expressRouteCircuits/edge/peerings/AzurePrivatePeering`,
      `${SUB}/virtualNetworkGateways/vpngw`,
      `${SUB}/connections/to-branch`,
      `${SUB}/virtualNetworkGateways/ergw`,
      `${SUB}/connections/to-edge`,
    ]);
    expect(service.resources.virtualNetworkGateways.get(`${SUB}/virtualNetworkGateways/vpngw`)).toMatchObject(
      {
        activeActive: true,
        asn: 65515,
        instanceAddresses: ['10.0.255.4', '10.0.255.5'],
      },
    );
    expect(service.resources.connections.get(`${SUB}/connections/to-branch`)).toMatchObject({
      connectionType: 'IPsec',
      enableBgp: true,
    });
    expect((await applyConfig(service, parseConfig(file, 'gateways'))).written).toEqual([]);
    const wrong = file.replace(
      '{ name: to-edge, circuit: edge }',
      '{ name: to-edge, localNetworkGateway: branch }',
    );
    const error = await applyConfig(service, parseConfig(wrong, 'gateways')).catch((e: unknown) => e);
    expect((error as DaemonError).message).toMatch(
      /^virtualNetworkGateways\[1\]\.connections\[0\] \(to-edge\)/,
    );
    await close();
  });

  it('creates route maps before the peerings that name them, then writes nothing again', async () => {
    const { service, close } = await openService();
    const report = await applyConfig(service, parseConfig(withMaps, 'route-maps'));
    const rs = `${SUB}/virtualHubs/rs1`;
    expect(report.written.slice(-4)).toEqual([
      `${rs}/routeMaps/from-sdwan`,
      `${rs}/routeMaps/to-firewall`,
      `${rs}/bgpConnections/sdwan`,
      `${rs}/bgpConnections/firewall`,
    ]);
    const map = service.resources.routeMaps.get(`${rs}/routeMaps/from-sdwan`)!;
    expect(map.rules[0]).toEqual({
      name: 'no-lab',
      matchCriteria: [{ matchCondition: 'Contains', routePrefix: ['10.99.0.0/16'] }],
      actions: [{ type: 'Drop', parameters: [] }],
      nextStepIfMatched: 'Terminate',
    });
    expect(map.rules[1]?.actions).toEqual([{ type: 'Add', parameters: [{ asPath: ['65001', '65001'] }] }]);
    expect(map.associatedInboundConnections).toEqual([`${rs}/bgpConnections/sdwan`]);
    expect(service.resources.bgpConnections.get(`${rs}/bgpConnections/firewall`)).toMatchObject({
      inboundRouteMapId: undefined,
      outboundRouteMapId: `${rs}/routeMaps/to-firewall`,
    });
    const etag = map.etag;
    const again = await applyConfig(service, parseConfig(withMaps, 'route-maps'));
    expect(again.written).toEqual([]);
    expect(again.declared).toContain(`${rs}/routeMaps/to-firewall`);
    expect(service.resources.routeMaps.get(`${rs}/routeMaps/from-sdwan`)!.etag).toBe(etag);
    await close();
  });

  it('writes only the map whose rules changed, and only the peering whose map reference changed', async () => {
    const { service, close } = await openService();
    await applyConfig(service, parseConfig(withMaps, 'route-maps'));
    const rs = `${SUB}/virtualHubs/rs1`;
    const changed = withMaps
      .replace("community: ['65100:300']", "community: ['65100:301']")
      .replace('outboundRouteMap: to-firewall', 'inboundRouteMap: from-sdwan');
    const report = await applyConfig(service, parseConfig(changed, 'route-maps'));
    expect(report.written).toEqual([`${rs}/routeMaps/to-firewall`, `${rs}/bgpConnections/firewall`]);
    expect(service.resources.bgpConnections.get(`${rs}/bgpConnections/firewall`)).toMatchObject({
      inboundRouteMapId: `${rs}/routeMaps/from-sdwan`,
      outboundRouteMapId: undefined,
    });
    expect(
      service.resources.routeMaps.get(`${rs}/routeMaps/from-sdwan`)?.associatedInboundConnections,
    ).toEqual([`${rs}/bgpConnections/firewall`, `${rs}/bgpConnections/sdwan`]);
    await close();
  });

  it('names the peering in the file when it names a route map that does not exist', async () => {
    const { service, close } = await openService();
    const bad = withMaps.replace('outboundRouteMap: to-firewall', 'outboundRouteMap: to-nowhere');
    const error = await applyConfig(service, parseConfig(bad, 'route-maps')).catch((e: unknown) => e);
    expect((error as DaemonError).message).toMatch(
      /^routeServers\[0\]\.peerings\[1\] \(firewall\): .*to-nowhere.* \(field properties\.routingConfiguration\.outboundRouteMap\.id\) \[BGPRS_ERR_RS_INVALID_REFERENCE\]$/,
    );
    await close();
  });
});
