/**
 * The route server and the VNet's gateways, engine to engine over internal
 * links (src/rib/internal-link.ts), with on-prem routers and an NVA as
 * sessions: branch-to-branch (docs/azure-behaviour.md §4.1) and hub routing
 * preference (§4.3) as the peers and the VNet see them.
 */
import { describe, expect, it } from 'vitest';
import { WellKnownCommunity } from '../bgp/codec/index.js';
import type { UpdateMessage } from '../bgp/codec/index.js';
import { formatIpv4 } from '../lib/prefix.js';
import type { RouteEngine } from './engine.js';
import { harness, pathAttributes, peerInfo, TestOutput, updateOf } from './fixtures.test-support.js';
import type { Harness } from './fixtures.test-support.js';
import type { InternalLinkPeer } from './internal-link.js';
import { InternalLinkReceiver, internalPeerInfo } from './internal-link.js';

const NVA = '10.0.1.10';
const SITE = '192.168.10.1';
const EDGE = '192.168.255.1';
const VPN_GW = '10.0.255.4';
const ER_GW = '10.0.255.6';
const RS = '10.0.0.4';
const VNET = '10.0.0.0/16';
const AZURE_COMMUNITY = ((65517 << 16) | 65517) >>> 0;

/** Links two engines as the runtime does: what one sends is received by the other. */
function link(a: RouteEngine, seenByA: InternalLinkPeer, b: RouteEngine, seenByB: InternalLinkPeer): void {
  const id = `${seenByA.address}~${seenByB.address}`;
  const intoA = new InternalLinkReceiver(a, id);
  const intoB = new InternalLinkReceiver(b, id);
  const output = (into: InternalLinkReceiver) => ({
    send: (messages: Buffer[]) => {
      into.receive(messages, 0);
      return true;
    },
    onDrain: () => undefined,
  });
  a.peerUp(id, internalPeerInfo(seenByA), output(intoB));
  b.peerUp(id, internalPeerInfo(seenByB), output(intoA));
}

interface Hub {
  rs: Harness;
  vpn: Harness;
  er: Harness;
  nva: TestOutput;
  site: TestOutput;
  edge: TestOutput;
  settle(): Promise<void>;
}

function hub(options: { branchToBranch?: boolean; expressRouteLimit?: number } = {}): Hub {
  const { expressRouteLimit, ...settings } = options;
  const rs = harness({ localAddress: RS, spaces: [VNET], ...settings });
  const vpn = harness({ localAddress: VPN_GW, spaces: [VNET], role: 'vpn-gateway' });
  const er = harness({
    localAddress: '192.168.255.2',
    localAsn: 12076,
    spaces: [VNET],
    role: 'expressroute-gateway',
    internalNextHop: ER_GW,
    ...(expressRouteLimit !== undefined ? { expressRouteLimit } : {}),
  });
  const toRouteServer: InternalLinkPeer = { address: RS, asn: 65515, kind: 'route-server' };
  link(
    rs.engine,
    { address: VPN_GW, asn: 65515, kind: 'gateway', gateway: { id: 'vpngw', type: 'Vpn' } },
    vpn.engine,
    toRouteServer,
  );
  link(
    rs.engine,
    { address: ER_GW, asn: 65515, kind: 'gateway', gateway: { id: 'ergw', type: 'ExpressRoute' } },
    er.engine,
    toRouteServer,
  );
  const nva = new TestOutput();
  const site = new TestOutput();
  const edge = new TestOutput();
  rs.engine.peerUp(NVA, peerInfo(NVA, 65001), nva);
  vpn.engine.peerUp(SITE, peerInfo(SITE, 65010), site);
  er.engine.peerUp(EDGE, peerInfo(EDGE, 65020), edge);
  const engines = [rs.engine, vpn.engine, er.engine];
  return {
    rs,
    vpn,
    er,
    nva,
    site,
    edge,
    // work crosses links: settle until no engine has any left
    async settle() {
      for (let round = 0; round < 10; round++) for (const engine of engines) await engine.whenIdle();
    },
  };
}

const asPathOf = (update: UpdateMessage | undefined) => update?.attributes.asPath?.flatMap((s) => s.asns);
const nextHopOf = (update: UpdateMessage | undefined) =>
  update?.attributes.nextHop === undefined ? undefined : formatIpv4(update.attributes.nextHop);

async function withRoutes(h: Hub): Promise<void> {
  h.rs.engine.receiveUpdate(NVA, updateOf(pathAttributes([65001], NVA), ['172.16.0.0/16']));
  h.vpn.engine.receiveUpdate(SITE, updateOf(pathAttributes([65010], SITE), ['192.168.10.0/24']));
  h.er.engine.receiveUpdate(EDGE, updateOf(pathAttributes([65020], EDGE), ['192.168.20.0/24']));
  await h.settle();
}

describe('route server and gateways, branch-to-branch off', () => {
  it('gives the VMs the gateways’ routes, next hop the gateway’s address, and exchanges nothing else', async () => {
    const h = hub();
    await withRoutes(h);
    expect(h.rs.sink.route('192.168.10.0/24')?.nextHops).toEqual([VPN_GW]);
    expect(h.rs.sink.route('192.168.20.0/24')?.nextHops).toEqual([ER_GW]);
    const fromExpressRoute = h.rs.engine.learnedRoutes(`${ER_GW}~${RS}`);
    expect(fromExpressRoute).toContainEqual(
      expect.objectContaining({ network: '192.168.20.0/24', asPath: '12076-65020', injected: true }),
    );
    expect(h.rs.sink.route('172.16.0.0/16')?.nextHops).toEqual([NVA]);
    expect([...h.nva.table.keys()]).toEqual([VNET]);
    expect([...h.site.table.keys()]).toEqual([VNET]);
    expect([...h.edge.table.keys()]).toEqual([VNET]);
    expect(asPathOf(h.edge.table.get(VNET))).toEqual([12076]);
  });
});

describe('route server and gateways, branch-to-branch on', () => {
  it('sends the NVA’s routes on to both on-prem sites, and the on-prem routes to the NVA and across', async () => {
    const h = hub();
    await withRoutes(h);
    h.rs.engine.setBranchToBranch(true);
    await h.settle();
    // the VPN site: the NVA's route and ExpressRoute's, next hop the gateway
    expect(asPathOf(h.site.table.get('172.16.0.0/16'))).toEqual([65515, 65001]);
    expect(nextHopOf(h.site.table.get('172.16.0.0/16'))).toBe(VPN_GW);
    expect(asPathOf(h.site.table.get('192.168.20.0/24'))).toEqual([65515, 12076, 65020]);
    // the ExpressRoute edge: AS 12076 only (private ASNs removed), tagged 65517:65517
    const nvaAtEdge = h.edge.table.get('172.16.0.0/16');
    expect(asPathOf(nvaAtEdge)).toEqual([12076]);
    expect(nvaAtEdge?.attributes.communities).toContain(AZURE_COMMUNITY);
    expect(asPathOf(h.edge.table.get('192.168.10.0/24'))).toEqual([12076]);
    // the NVA: both sites, next hop the gateways
    expect(asPathOf(h.nva.table.get('192.168.10.0/24'))).toEqual([65515, 65010]);
    expect(nextHopOf(h.nva.table.get('192.168.10.0/24'))).toBe(VPN_GW);
    expect(nextHopOf(h.nva.table.get('192.168.20.0/24'))).toBe(ER_GW);
    // a gateway is not sent back its own routes
    expect(h.site.table.has('192.168.10.0/24')).toBe(false);

    h.rs.engine.setBranchToBranch(false);
    await h.settle();
    expect([...h.nva.table.keys()]).toEqual([VNET]);
    expect([...h.site.table.keys()]).toEqual([VNET]);
    expect([...h.edge.table.keys()]).toEqual([VNET]);
  });

  it('the VPN gateway does not advertise 0.0.0.0/0 to on-prem; the ExpressRoute gateway does', async () => {
    const h = hub({ branchToBranch: true });
    h.rs.engine.receiveUpdate(NVA, updateOf(pathAttributes([65001], NVA), ['0.0.0.0/0']));
    await h.settle();
    expect(h.site.table.has('0.0.0.0/0')).toBe(false);
    expect(h.edge.table.has('0.0.0.0/0')).toBe(true);
  });

  it('keeps an NVA route marked NO_ADVERTISE away from the gateways (and programs it in the VMs)', async () => {
    const h = hub({ branchToBranch: true });
    const attributes = pathAttributes([65001], NVA, { communities: [WellKnownCommunity.NoAdvertise] });
    h.rs.engine.receiveUpdate(NVA, updateOf(attributes, ['172.17.0.0/16']));
    await h.settle();
    expect(h.rs.sink.route('172.17.0.0/16')?.nextHops).toEqual([NVA]);
    expect(h.edge.table.has('172.17.0.0/16')).toBe(false);
    expect(h.site.table.has('172.17.0.0/16')).toBe(false);
  });

  it('the ExpressRoute gateway drops on-prem routes carrying 65517:65517 (the loop guard)', async () => {
    const h = hub({ branchToBranch: true });
    const looped = pathAttributes([65020], EDGE, { communities: [AZURE_COMMUNITY] });
    h.er.engine.receiveUpdate(EDGE, updateOf(looped, ['172.16.0.0/16']));
    await h.settle();
    expect(h.er.engine.learnedRoutes(EDGE, { includeRejected: true })).toMatchObject([
      { network: '172.16.0.0/16', accepted: false },
    ]);
    expect(h.rs.sink.route('172.16.0.0/16')).toBeUndefined();
  });
});

describe('hub routing preference (docs/azure-behaviour.md §4.3)', () => {
  async function contested(h: Hub): Promise<void> {
    // 10.250.0.0/16: ExpressRoute 12076 65020, VPN 65010 65010 65010, NVA 65001
    h.rs.engine.receiveUpdate(NVA, updateOf(pathAttributes([65001], NVA), ['10.250.0.0/16']));
    const vpnPath = pathAttributes([65010, 65010, 65010], SITE);
    h.vpn.engine.receiveUpdate(SITE, updateOf(vpnPath, ['10.250.0.0/16']));
    h.er.engine.receiveUpdate(EDGE, updateOf(pathAttributes([65020], EDGE), ['10.250.0.0/16']));
    await h.settle();
  }

  it('re-selects live what the VMs get and what the NVA is sent, for each setting', async () => {
    const h = hub({ branchToBranch: true });
    await contested(h);
    const sessionsBefore = h.nva.endOfRibCount;
    expect(h.rs.sink.route('10.250.0.0/16')?.nextHops).toEqual([ER_GW]);
    expect(asPathOf(h.nva.table.get('10.250.0.0/16'))).toEqual([65515, 12076, 65020]);

    h.rs.engine.setHubRoutingPreference('VpnGateway');
    await h.settle();
    expect(h.rs.sink.route('10.250.0.0/16')?.nextHops).toEqual([NVA]);
    expect(h.nva.table.has('10.250.0.0/16')).toBe(false);
    // the VPN site learns the winner, the NVA's route
    expect(asPathOf(h.site.table.get('10.250.0.0/16'))).toEqual([65515, 65001]);

    h.rs.engine.setHubRoutingPreference('ASPath');
    await h.settle();
    expect(h.rs.sink.route('10.250.0.0/16')?.nextHops).toEqual([NVA]);

    h.rs.engine.setHubRoutingPreference('ExpressRoute');
    await h.settle();
    expect(h.rs.sink.route('10.250.0.0/16')?.nextHops).toEqual([ER_GW]);
    expect(asPathOf(h.nva.table.get('10.250.0.0/16'))).toEqual([65515, 12076, 65020]);
    // no session was restarted: the NVA was sent End-of-RIB once
    expect(h.nva.endOfRibCount).toBe(sessionsBefore);
  });

  it('the longest prefix wins whatever the setting (worked example 2)', async () => {
    const h = hub({ branchToBranch: true });
    h.er.engine.receiveUpdate(EDGE, updateOf(pathAttributes([65001], EDGE), ['10.1.0.0/16']));
    h.vpn.engine.receiveUpdate(SITE, updateOf(pathAttributes([65002], SITE), ['10.1.1.0/24']));
    await h.settle();
    expect(h.rs.sink.route('10.1.0.0/16')?.nextHops).toEqual([ER_GW]);
    expect(h.rs.sink.route('10.1.1.0/24')?.nextHops).toEqual([VPN_GW]);
  });
});

describe('the route ceiling toward ExpressRoute (docs/azure-behaviour.md §4.2)', () => {
  it('advertises 1,000 routes of the VNet and the route server at most, holds the rest, counts them', async () => {
    const h = hub({ branchToBranch: true });
    const prefixes = Array.from({ length: 1000 }, (_, i) => `172.${16 + (i >> 8)}.${i & 255}.0/24`);
    h.rs.engine.receiveUpdate(NVA, updateOf(pathAttributes([65001], NVA), prefixes));
    // an on-prem route of the circuit itself is not counted
    h.er.engine.receiveUpdate(EDGE, updateOf(pathAttributes([65020], EDGE), ['192.168.20.0/24']));
    await h.settle();
    // the VNet's space and 999 of the NVA's 1,000 routes: 1,000
    expect(h.edge.table.size).toBe(1000);
    expect(h.edge.table.has(VNET)).toBe(true);
    expect(h.er.engine.peerCounters(EDGE)).toMatchObject({ advertised: 1000, withheld: 1 });
    const held = prefixes.filter((p) => !h.edge.table.has(p));
    expect(held).toHaveLength(1);
    // the VPN site has no ceiling
    expect(prefixes.every((p) => h.site.table.has(p))).toBe(true);

    // a counted route leaves: the held one is advertised in its place
    const leaving = prefixes.find((p) => p !== held[0])!;
    h.rs.engine.receiveUpdate(NVA, updateOf(pathAttributes([65001], NVA), [], [leaving]));
    await h.settle();
    expect(h.edge.table.has(held[0]!)).toBe(true);
    expect(h.edge.table.has(leaving)).toBe(false);
    expect(h.er.engine.peerCounters(EDGE)).toMatchObject({ advertised: 1000, withheld: 0 });
  });

  it('withdraws what it held when branch-to-branch goes off, and holds nothing then', async () => {
    const h = hub({ branchToBranch: true, expressRouteLimit: 3 });
    const prefixes = ['172.16.1.0/24', '172.16.2.0/24', '172.16.3.0/24', '172.16.4.0/24'];
    h.rs.engine.receiveUpdate(NVA, updateOf(pathAttributes([65001], NVA), prefixes));
    await h.settle();
    expect(h.er.engine.peerCounters(EDGE)).toMatchObject({ advertised: 3, withheld: 2 });
    h.rs.engine.setBranchToBranch(false);
    await h.settle();
    expect([...h.edge.table.keys()]).toEqual([VNET]);
    expect(h.er.engine.peerCounters(EDGE)).toMatchObject({ advertised: 1, withheld: 0 });
  });
});
