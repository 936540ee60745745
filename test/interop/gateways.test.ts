/**
 * A VNet with a VPN gateway and an ExpressRoute gateway, then a route server
 * too, configured through the official @azure/arm-network SDK, with real
 * daemons on every side (docs/gateways.md):
 * - the VPN site is FRR, AS 65010 at 192.168.10.1, announcing 192.168.10.0/24
 *   and 10.250.0.0/16 (AS path 65010 65010 65010), peering with the VPN
 *   gateway's two GatewaySubnet addresses;
 * - the ExpressRoute edge is BIRD, AS 65020 at 192.168.255.1 (the circuit
 *   peering's primary /30), announcing 192.168.20.0/24 and 10.250.0.0/16,
 *   peering with Microsoft's edge (AS 12076) at 192.168.255.2;
 * - the SD-WAN NVA is GoBGP, AS 65001 at 10.0.1.4, announcing 10.250.0.0/16,
 *   peering with the route server.
 * Without a route server: the VM sees the on-prem routes (source
 * VirtualNetworkGateway, next hop the gateway's addresses, ExpressRoute's
 * for a prefix both learn), and so does a spoke using the hub's gateways;
 * the route server placed, they stay (no gap), its decision replacing the
 * gateways' where it has a route.
 * With branch-to-branch off: the VM sees the routes of all three sources;
 * the on-prem routers see only the VNet's space; the NVA sees no on-prem
 * route. Turned on: the on-prem routers learn the NVA's routes and each
 * other's, the NVA the on-prem routes; turned off again, all withdrawn;
 * no session resets. Hub routing preference on 10.250.0.0/16 (ExpressRoute
 * 12076 65020, VPN 65010 65010 65010, NVA 65001): the winner in the VM and
 * what the NVA is sent, per setting (docs/azure-behaviour.md §4.3). The
 * lab's bridge is the tunnel and the circuit: the server's namespace and the
 * on-prem routers reach each other on it.
 */
import { existsSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { loadavg } from 'node:os';
import path from 'node:path';
import type { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  effectiveRoutes,
  RESOURCE_GROUP as RG,
  type LifecyclePlan,
} from '../../src/api/routes/sdk-lifecycle.test-support.js';
import { createDaemon, Lab } from '../lab/index.js';
import type { BgpDaemon, FrrDaemon, LabNode, LabProcess } from '../lab/index.js';
import { run, waitFor } from '../lab/process.js';
import { hostSdkClient, type UnixSocketAgent } from './hosts/unix-socket-agent.js';

const SUB = '00000000-0000-0000-0000-00000000ab17';
const POLL = { updateIntervalInMs: 100 };
const RS = ['10.0.0.4', '10.0.0.5'];
const VPN_GW = ['10.0.255.4', '10.0.255.5'];
const ER_GW = ['10.0.255.6', '10.0.255.7'];
const EDGE = '192.168.255.2';
const SITE = { address: '192.168.10.1', asn: 65010, prefix: '192.168.10.0/24' };
const CONTESTED = '10.250.0.0/16';
const ER = { address: '192.168.255.1', asn: 65020, prefixes: ['192.168.20.0/24', '10.250.0.0/16'] };
const NVA = { address: '10.0.1.4', asn: 65001, prefix: '10.250.0.0/16' };
const SPOKE = { space: '10.1.0.0/16', subnet: '10.1.0.0/24' };

const plan: LifecyclePlan = {
  addressPrefixes: ['10.0.0.0/16'],
  subnets: [
    { name: 'RouteServerSubnet', addressPrefix: '10.0.0.0/26' },
    { name: 'nva', addressPrefix: '10.0.1.0/24' },
    { name: 'app', addressPrefix: '10.0.2.0/24' },
    { name: 'GatewaySubnet', addressPrefix: '10.0.255.0/27' },
  ],
  peers: [{ name: 'sdwan', peerIp: NVA.address, peerAsn: NVA.asn }],
  vmSubnet: 'app',
};

describe('VPN and ExpressRoute gateways with FRR, BIRD and GoBGP', () => {
  let lab: Lab;
  let rs: LabNode;
  let host: LabProcess;
  let sdk: NetworkManagementClient;
  let api: { agent: UnixSocketAgent; token: string };
  let site: BgpDaemon;
  let edge: BgpDaemon;
  let nva: BgpDaemon;

  const wait = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000) =>
    waitFor(
      what,
      async () => {
        if (!host.running) throw new Error(`route server exited:\n${host.logTail()}`);
        return probe();
      },
      { timeoutMs, intervalMs: 500 },
    );

  beforeAll(async () => {
    lab = await Lab.create({ name: 'gw' });
    rs = await lab.addNode('rs', [
      ...[...RS, ...VPN_GW, ...ER_GW].map((a) => `${a}/16`),
      `${EDGE}/30`,
      '192.168.255.6/30',
    ]);
    // the tunnel: each side reaches the other's BGP address over the bridge
    await lab.exec(rs, 'ip', ['route', 'add', '192.168.10.0/24', 'dev', 'eth0']);
    const siteNode = await lab.addNode('site', [`${SITE.address}/24`]);
    await lab.exec(siteNode, 'ip', ['route', 'add', '10.0.0.0/16', 'dev', 'eth0']);
    site = createDaemon('frr', lab, siteNode, {
      asn: SITE.asn,
      localAddress: SITE.address,
      holdTimeSeconds: 30,
      peers: VPN_GW.map((address) => ({ address, asn: 65515, multihopTtl: 2 })),
      announce: [SITE.prefix, { prefix: CONTESTED, asPathPrepend: 2 }],
    });
    const edgeNode = await lab.addNode('edge', [`${ER.address}/30`]);
    edge = createDaemon('bird', lab, edgeNode, {
      asn: ER.asn,
      localAddress: ER.address,
      holdTimeSeconds: 30,
      peers: [{ address: EDGE, asn: 12076 }],
      announce: ER.prefixes,
    });
    const nvaNode = await lab.addNode('nva', [`${NVA.address}/16`]);
    nva = createDaemon('gobgp', lab, nvaNode, {
      asn: NVA.asn,
      localAddress: NVA.address,
      holdTimeSeconds: 30,
      peers: RS.map((address) => ({ address, asn: 65515, multihopTtl: 2 })),
      announce: [NVA.prefix],
    });

    rmSync(path.join(rs.dir, 'api-ready'), { force: true });
    host = lab.spawn(
      rs,
      process.execPath,
      ['--import', 'tsx', path.resolve('test/interop/hosts/api-host.ts'), rs.dir],
      {
        logFile: path.join(rs.dir, 'api-host.log'),
      },
    );
    await wait(
      'API host ready',
      async () => (existsSync(path.join(rs.dir, 'api-ready')) ? true : undefined),
      60_000,
    );
    const client = hostSdkClient(rs.dir, SUB);
    sdk = client.sdk;
    api = client;
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  /** The VirtualNetworkGateway rows of a NIC's effective routes, per prefix its next hops (sorted). */
  async function gatewayHops(nic: string): Promise<Map<string, string[]>> {
    const table = await sdk.networkInterfaces.beginGetEffectiveRouteTableAndWait(RG, nic, POLL);
    const hops = new Map<string, string[]>();
    for (const row of table.value ?? []) {
      if (row.source !== 'VirtualNetworkGateway') continue;
      for (const prefix of row.addressPrefix ?? [])
        hops.set(prefix, [...(hops.get(prefix) ?? []), ...(row.nextHopIpAddress ?? [])].sort());
    }
    return hops;
  }

  /** What the VMs get from the gateways alone: the VPN gateway's two instances, ExpressRoute's first (BIRD peers with it). */
  const ON_PREM: Readonly<Record<string, string[]>> = {
    [SITE.prefix]: VPN_GW,
    '192.168.20.0/24': [ER_GW[0]!],
    // learned from both gateways: ExpressRoute's (docs/gateways.md)
    [CONTESTED]: [ER_GW[0]!],
  };
  const showsOnPrem = (hops: Map<string, string[]>) =>
    Object.entries(ON_PREM).every(
      ([prefix, want]) => JSON.stringify(hops.get(prefix)) === JSON.stringify(want),
    );

  it('without a route server: the gateways, the VPN site and the circuit through the SDK; the VM sees on-prem routes from the gateways', async () => {
    const vnet = await sdk.virtualNetworks.beginCreateOrUpdateAndWait(
      RG,
      'hub',
      {
        location: 'local',
        addressSpace: { addressPrefixes: plan.addressPrefixes },
        subnets: plan.subnets.map((s) => ({ name: s.name, addressPrefix: s.addressPrefix })),
      },
      POLL,
    );
    await sdk.networkInterfaces.beginCreateOrUpdateAndWait(
      RG,
      'vm',
      {
        location: 'local',
        ipConfigurations: [
          { name: 'ipconfig1', subnet: { id: vnet.subnets!.find((s) => s.name === plan.vmSubnet)!.id! } },
        ],
      },
      POLL,
    );
    const gatewaySubnet = { id: vnet.subnets!.find((s) => s.name === 'GatewaySubnet')!.id! };
    const vpn = await sdk.virtualNetworkGateways.beginCreateOrUpdateAndWait(
      RG,
      'vpngw',
      {
        location: 'local',
        gatewayType: 'Vpn',
        vpnType: 'RouteBased',
        active: true,
        enableBgp: true,
        bgpSettings: { asn: 65515 },
        ipConfigurations: [
          { name: 'default', subnet: gatewaySubnet },
          { name: 'activeActive', subnet: gatewaySubnet },
        ],
      },
      POLL,
    );
    expect(vpn.bgpSettings?.bgpPeeringAddress).toBe(VPN_GW.join(','));
    const er = await sdk.virtualNetworkGateways.beginCreateOrUpdateAndWait(
      RG,
      'ergw',
      {
        location: 'local',
        gatewayType: 'ExpressRoute',
        ipConfigurations: [{ name: 'default', subnet: gatewaySubnet }],
      },
      POLL,
    );
    expect(er.bgpSettings?.bgpPeeringAddress).toBe(ER_GW.join(','));
    const branch = await sdk.localNetworkGateways.beginCreateOrUpdateAndWait(
      RG,
      'branch',
      {
        location: 'local',
        localNetworkAddressSpace: { addressPrefixes: [SITE.prefix] },
        bgpSettings: { asn: SITE.asn, bgpPeeringAddress: SITE.address },
      },
      POLL,
    );
    await sdk.virtualNetworkGatewayConnections.beginCreateOrUpdateAndWait(
      RG,
      'to-branch',
      {
        location: 'local',
        connectionType: 'IPsec',
        virtualNetworkGateway1: { id: vpn.id! },
        localNetworkGateway2: { id: branch.id! },
        enableBgp: true,
      },
      POLL,
    );
    const circuit = await sdk.expressRouteCircuits.beginCreateOrUpdateAndWait(
      RG,
      'edge',
      { location: 'local' },
      POLL,
    );
    await sdk.expressRouteCircuitPeerings.beginCreateOrUpdateAndWait(
      RG,
      'edge',
      'AzurePrivatePeering',
      {
        peeringType: 'AzurePrivatePeering',
        peerASN: ER.asn,
        primaryPeerAddressPrefix: '192.168.255.0/30',
        secondaryPeerAddressPrefix: '192.168.255.4/30',
        vlanId: 100,
      },
      POLL,
    );
    await sdk.virtualNetworkGatewayConnections.beginCreateOrUpdateAndWait(
      RG,
      'to-edge',
      {
        location: 'local',
        connectionType: 'ExpressRoute',
        virtualNetworkGateway1: { id: er.id! },
        peer: { id: circuit.id! },
      },
      POLL,
    );
    await Promise.all([site.start(), edge.start()]);
    await Promise.all([
      ...VPN_GW.map((a) => site.waitEstablished(a, 90_000)),
      edge.waitEstablished(EDGE, 90_000),
    ]);
    const established = performance.now();
    for (const name of ['to-branch', 'to-edge']) {
      await wait(`${name} Connected`, async () => {
        const connection = await sdk.virtualNetworkGatewayConnections.get(RG, name);
        return connection.connectionStatus === 'Connected' ? connection : undefined;
      });
    }
    await wait('on-prem routes from the gateways in the VM', async () =>
      showsOnPrem(await gatewayHops('vm')) ? true : undefined,
    );
    console.log(
      `gateway routes in the VM ${Math.round(performance.now() - established)} ms after the on-prem sessions ` +
        `were established (load average ${loadavg()[0]!.toFixed(1)})`,
    );
    // the site hears the VNet's space from the VPN gateway
    expect((await site.waitRoute('10.0.0.0/16', { peer: VPN_GW[0] })).asPath).toEqual([65515]);
  });

  it('without a route server: a spoke using the hub’s gateways sees the on-prem routes; the site hears its space', async () => {
    const spoke = await sdk.virtualNetworks.beginCreateOrUpdateAndWait(
      RG,
      'spoke',
      {
        location: 'local',
        addressSpace: { addressPrefixes: [SPOKE.space] },
        subnets: [{ name: 'app', addressPrefix: SPOKE.subnet }],
      },
      POLL,
    );
    const hubId = (await sdk.virtualNetworks.get(RG, 'hub')).id!;
    await sdk.virtualNetworkPeerings.beginCreateOrUpdateAndWait(
      RG,
      'hub',
      'to-spoke',
      { remoteVirtualNetwork: { id: spoke.id! }, allowVirtualNetworkAccess: true, allowGatewayTransit: true },
      POLL,
    );
    await sdk.virtualNetworkPeerings.beginCreateOrUpdateAndWait(
      RG,
      'spoke',
      'to-hub',
      { remoteVirtualNetwork: { id: hubId }, allowVirtualNetworkAccess: true, useRemoteGateways: true },
      POLL,
    );
    await sdk.networkInterfaces.beginCreateOrUpdateAndWait(
      RG,
      'spoke-vm',
      {
        location: 'local',
        ipConfigurations: [{ name: 'ipconfig1', subnet: { id: spoke.subnets![0]!.id! } }],
      },
      POLL,
    );
    await wait('on-prem routes in the spoke’s VM', async () =>
      showsOnPrem(await gatewayHops('spoke-vm')) ? true : undefined,
    );
    expect((await site.waitRoute(SPOKE.space, { peer: VPN_GW[0] })).asPath).toEqual([65515]);
  });

  it('a route server placed next to the gateways: the on-prem routes stay in both VMs throughout, then its decision is programmed', async () => {
    // sample the VMs' tables while the route server comes up: never a gap, never rows of two sources
    let sampling = true;
    const samples: Map<string, string[]>[] = [];
    const sampler = (async () => {
      while (sampling) {
        samples.push(await gatewayHops('vm'), await gatewayHops('spoke-vm'));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const placed = performance.now();
    await sdk.virtualHubs.beginCreateOrUpdateAndWait(
      RG,
      'rs',
      {
        location: 'local',
        sku: 'Standard',
        allowBranchToBranchTraffic: false,
        hubRoutingPreference: 'ASPath',
      },
      POLL,
    );
    const hub = await sdk.virtualNetworks.get(RG, 'hub');
    await sdk.virtualHubIpConfiguration.beginCreateOrUpdateAndWait(
      RG,
      'rs',
      'ipconfig1',
      { name: 'ipconfig1', subnet: { id: hub.subnets!.find((s) => s.name === 'RouteServerSubnet')!.id! } },
      POLL,
    );
    for (const peer of plan.peers)
      await sdk.virtualHubBgpConnection.beginCreateOrUpdateAndWait(
        RG,
        'rs',
        peer.name,
        { peerIp: peer.peerIp, peerAsn: peer.peerAsn },
        POLL,
      );
    await nva.start();
    await Promise.all(RS.map((a) => nva.waitEstablished(a, 90_000)));
    // ASPath: the NVA's 10.250.0.0/16 (65001) is the route server's choice over the gateways'
    for (const nic of ['vm', 'spoke-vm'])
      await wait(`the route server's decision in ${nic}`, async () => {
        const hops = await gatewayHops(nic);
        return JSON.stringify(hops.get(CONTESTED)) === JSON.stringify([NVA.address]) &&
          JSON.stringify(hops.get(SITE.prefix)) === JSON.stringify(VPN_GW)
          ? true
          : undefined;
      });
    console.log(
      `route server's decision in the VMs ${Math.round(performance.now() - placed)} ms after it was placed ` +
        `(load average ${loadavg()[0]!.toFixed(1)})`,
    );
    sampling = false;
    await sampler;
    expect(samples.length).toBeGreaterThan(2);
    // every sample has each on-prem prefix: while the route server converges its choice may narrow
    // an ECMP set, pass through another gateway or (its two instances deciding apart) show both
    // instances' choices, never leave a gap (src/sdn/bgp-sources.ts)
    const known = [...VPN_GW, ...ER_GW, NVA.address];
    for (const hops of samples) {
      for (const prefix of Object.keys(ON_PREM)) {
        const seen = hops.get(prefix) ?? [];
        expect(seen.length, `${prefix} in every sample`).toBeGreaterThan(0);
        expect(
          seen.filter((hop) => !known.includes(hop)),
          `${prefix}: ${seen.join(',')}`,
        ).toEqual([]);
        expect(new Set(seen).size, `${prefix}: no row twice`).toBe(seen.length);
      }
    }
    // the rest of the scenario is the hub's alone
    await sdk.virtualNetworkPeerings.beginCreateOrUpdateAndWait(
      RG,
      'spoke',
      'to-hub',
      { remoteVirtualNetwork: { id: hub.id! }, allowVirtualNetworkAccess: true, useRemoteGateways: false },
      POLL,
    );
    await Promise.all([
      site.waitNoRoute(SPOKE.space),
      edge.waitNoRoute(SPOKE.space),
      nva.waitNoRoute(SPOKE.space),
    ]);
  });

  it('branch-to-branch off: the VM sees all three sources, next hop the gateways’ addresses for on-prem', async () => {
    const rows = await wait('on-prem and NVA routes in the VM', async () => {
      const table = await effectiveRoutes(sdk);
      const prefixes = new Set(table.flatMap((r) => r.addressPrefix ?? []));
      return [SITE.prefix, ...ER.prefixes].every((p) => prefixes.has(p)) ? table : undefined;
    });
    const hops = (prefix: string) =>
      rows
        .filter((r) => r.addressPrefix?.includes(prefix) && r.source === 'VirtualNetworkGateway')
        .flatMap((r) => r.nextHopIpAddress ?? [])
        .sort();
    expect(hops(SITE.prefix)).toEqual(VPN_GW);
    expect(hops('192.168.20.0/24')).toEqual([ER_GW[0]]);
    await wait('the NVA’s route in the VM', async () =>
      hops(NVA.prefix).includes(NVA.address) ? true : undefined,
    );
  });

  it('branch-to-branch off: on-prem routers see only the VNet’s space; the NVA sees no on-prem route', async () => {
    const siteRoute = await site.waitRoute('10.0.0.0/16', { peer: VPN_GW[0] });
    expect(siteRoute.asPath).toEqual([65515]);
    const edgeRoute = await edge.waitRoute('10.0.0.0/16', { peer: EDGE });
    expect(edgeRoute.asPath).toEqual([12076]);
    expect((await site.routes()).map((r) => r.prefix)).not.toContain(NVA.prefix);
    expect((await edge.routes()).map((r) => r.prefix)).toEqual(['10.0.0.0/16']);
    const learnedByNva = (await nva.routes()).map((r) => r.prefix);
    expect(learnedByNva).toContain('10.0.0.0/16');
    for (const prefix of [SITE.prefix, ...ER.prefixes]) expect(learnedByNva).not.toContain(prefix);
  });
  /** What FRR says of its sessions with the VPN gateway: how often each was established. */
  async function siteSessionsEstablished(): Promise<number[]> {
    const vtyDir = (site as FrrDaemon).vtyDir;
    const result = await run('vtysh', ['--vty_socket', vtyDir, '-c', 'show bgp neighbors json']);
    if (result.code !== 0) throw new Error(`vtysh: ${result.stderr}`);
    const neighbors = JSON.parse(result.stdout) as Record<string, { connectionsEstablished?: number }>;
    return VPN_GW.map((address) => neighbors[address]?.connectionsEstablished ?? 0);
  }

  const setRouteServer = (settings: { allowBranchToBranchTraffic: boolean; hubRoutingPreference: string }) =>
    sdk.virtualHubs.beginCreateOrUpdateAndWait(
      RG,
      'rs',
      { location: 'local', sku: 'Standard', ...settings },
      POLL,
    );

  const vmHops = async (prefix: string) =>
    (await effectiveRoutes(sdk))
      .filter((r) => r.addressPrefix?.includes(prefix) && r.source === 'VirtualNetworkGateway')
      .flatMap((r) => r.nextHopIpAddress ?? [])
      .sort();

  it('branch-to-branch on: on-prem learns the NVA’s routes and each other’s, the NVA the on-prem routes; off: withdrawn, no session reset', async () => {
    const established = await siteSessionsEstablished();
    await setRouteServer({ allowBranchToBranchTraffic: true, hubRoutingPreference: 'ASPath' });
    // the VPN site: the NVA's route (ASPath: the NVA's is the best of three) and ExpressRoute's
    const nvaAtSite = await site.waitRoute(NVA.prefix, { match: (r) => r.asPath.includes(NVA.asn) });
    expect(nvaAtSite.asPath).toEqual([65515, NVA.asn]);
    const erAtSite = await site.waitRoute('192.168.20.0/24');
    expect(erAtSite.asPath).toEqual([65515, 12076, ER.asn]);
    // the ExpressRoute edge: private ASNs removed (AS 12076 only), 65517:65517 on what the route server gave
    const siteAtEdge = await edge.waitRoute(SITE.prefix);
    expect(siteAtEdge.asPath).toEqual([12076]);
    expect(siteAtEdge.communities).toContain('65517:65517');
    // the NVA: both on-prem sites, through the route server
    const siteAtNva = await nva.waitRoute(SITE.prefix);
    expect(siteAtNva.asPath).toEqual([65515, SITE.asn]);
    expect(siteAtNva.nextHop).toMatch(/^10\.0\.255\.[45]$/);
    const erAtNva = await nva.waitRoute('192.168.20.0/24');
    expect(erAtNva).toMatchObject({ asPath: [65515, 12076, ER.asn], nextHop: ER_GW[0] });

    await setRouteServer({ allowBranchToBranchTraffic: false, hubRoutingPreference: 'ASPath' });
    await site.waitNoRoute('192.168.20.0/24');
    await edge.waitNoRoute(SITE.prefix);
    await nva.waitNoRoute(SITE.prefix);
    await nva.waitNoRoute('192.168.20.0/24');
    expect((await site.routes()).filter((r) => r.asPath.includes(NVA.asn))).toEqual([]);
    expect(await siteSessionsEstablished()).toEqual(established);
    expect((await nva.sessions()).map((s) => s.state)).toEqual(['Established', 'Established']);
    expect((await edge.sessions()).map((s) => s.state)).toEqual(['Established']);
  });

  it('hub routing preference on 10.250.0.0/16 from ExpressRoute, VPN and the NVA: the winner in the VM and what the NVA is sent', async () => {
    const established = await siteSessionsEstablished();
    const cases = [
      // docs/azure-behaviour.md §4.3: ExpressRoute first, whatever its AS path
      { setting: 'ExpressRoute', vm: [ER_GW[0]!], toNva: [65515, 12076, ER.asn] },
      // VPN and NVA beat ExpressRoute; between them the shorter AS path (65001 vs 65010 65010 65010)
      { setting: 'VpnGateway', vm: [NVA.address], toNva: undefined },
      // the shortest AS path of all (65001)
      { setting: 'ASPath', vm: [NVA.address], toNva: undefined },
    ];
    for (const { setting, vm, toNva } of cases) {
      await setRouteServer({ allowBranchToBranchTraffic: true, hubRoutingPreference: setting });
      await wait(`${setting}: ${vm.join(',')} for ${CONTESTED} in the VM`, async () =>
        JSON.stringify(await vmHops(CONTESTED)) === JSON.stringify(vm) ? true : undefined,
      );
      // the NVA is sent the route server's best path, unless it is its own
      if (toNva === undefined) await nva.waitNoRoute(CONTESTED);
      else expect((await nva.waitRoute(CONTESTED)).asPath).toEqual(toNva);
    }
    await setRouteServer({ allowBranchToBranchTraffic: false, hubRoutingPreference: 'ASPath' });
    expect(await siteSessionsEstablished()).toEqual(established);
  });
  /** GET /metrics of the API host. */
  function metrics(): Promise<string> {
    return new Promise((resolve, reject) => {
      const request = get(
        'https://localhost/metrics',
        { agent: api.agent, headers: { authorization: `Bearer ${api.token}` } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        },
      );
      request.on('error', reject);
    });
  }

  /** What the ExpressRoute gateway's first instance holds back from the edge (0 when the series is absent). */
  async function withheld(): Promise<number> {
    const line = (await metrics())
      .split('\n')
      .find(
        (l) =>
          l.startsWith('routeserver_routes_withheld_toward_expressroute{') &&
          l.includes('routeserviceinstance="RouteServiceRole_IN_0"') &&
          l.includes(`bgppeerip="${ER.address}"`) &&
          /virtualnetworkgateways\/ergw"/i.test(l),
      );
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  }

  /** Runs `commands` in the VPN site's BGP configuration (one vtysh call). */
  async function configureSite(commands: string[]): Promise<void> {
    const vtyDir = (site as FrrDaemon).vtyDir;
    const lines = [
      'configure terminal',
      `router bgp ${SITE.asn}`,
      'address-family ipv4 unicast',
      ...commands,
    ];
    const result = await run('vtysh', ['--vty_socket', vtyDir, ...lines.flatMap((line) => ['-c', line])]);
    if (result.code !== 0) throw new Error(`vtysh: ${result.stderr}`);
  }

  it('1,001 routes toward ExpressRoute: 1,000 advertised, the other held back and counted in /metrics', async () => {
    const established = await siteSessionsEstablished();
    // counted toward ExpressRoute: the VNet's space, 192.168.10.0/24 and these 999 from the VPN site
    const many = Array.from({ length: 999 }, (_, i) => `172.${20 + (i >> 8)}.${i & 255}.0/24`);
    await configureSite(many.map((prefix) => `network ${prefix}`));
    await setRouteServer({ allowBranchToBranchTraffic: true, hubRoutingPreference: 'ASPath' });
    await wait('1 route held back in /metrics', async () => ((await withheld()) === 1 ? true : undefined));
    const atEdge = async () => (await edge.routes()).filter((r) => r.peer === EDGE).map((r) => r.prefix);
    const advertised = await wait('1,000 routes at the ExpressRoute edge', async () => {
      const routes = await atEdge();
      return routes.length === 1000 ? routes : undefined;
    });
    const held = [...many, SITE.prefix].filter((prefix) => !advertised.includes(prefix));
    expect(held).toHaveLength(1);
    // one advertised route is withdrawn: the held one takes its place, nothing is held
    const leaving = many.find((prefix) => prefix !== held[0])!;
    await configureSite([`no network ${leaving}`]);
    await edge.waitRoute(held[0]!);
    await edge.waitNoRoute(leaving);
    expect(await atEdge()).toHaveLength(1000);
    await wait('nothing held in /metrics', async () => ((await withheld()) === 0 ? true : undefined));

    await configureSite(many.filter((prefix) => prefix !== leaving).map((prefix) => `no network ${prefix}`));
    await setRouteServer({ allowBranchToBranchTraffic: false, hubRoutingPreference: 'ASPath' });
    await edge.waitNoRoute(SITE.prefix);
    expect(await siteSessionsEstablished()).toEqual(established);
  });
});
