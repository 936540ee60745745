/**
 * IPv6 routes and the gateways (docs/gateways.md "IPv6"): a gateway has only
 * IPv4 addresses, so no IPv6 route crosses an internal link or leaves a
 * gateway's speaker, even where the peers negotiated IPv6 unicast; IPv4
 * routes from the same peers cross as usual.
 */
import { describe, expect, it } from 'vitest';
import { decode, UpdateBuilder } from '../bgp/codec/index.js';
import type { UpdateMessage } from '../bgp/codec/index.js';
import { parseIpv6, parsePrefix } from '../lib/prefix.js';
import type { Ipv6Prefix } from '../lib/prefix.js';
import type { RouteEngine } from './engine.js';
import {
  FOUR_OCTET,
  harness,
  pathAttributes,
  peerInfo,
  TestOutput,
  updateOf,
} from './fixtures.test-support.js';
import { InternalLinkReceiver, InternalLinkSender, internalPeerInfo } from './internal-link.js';
import type { InternalLinkPeer } from './internal-link.js';
import type { PeerInfo } from './peer.js';

const RS = '10.0.0.4';
const VPN_GW = '10.0.255.4';
const NVA = '10.0.1.10';
const SITE_A = '192.168.10.1';
const SITE_B = '192.168.11.1';
const VNET = '10.0.0.0/16';
const VNET_V6 = 'fd00:1::/48';

function ipv6Update(prefix: string, nextHop: string, asns: number[]): UpdateMessage {
  const builder = new UpdateBuilder(FOUR_OCTET);
  builder.announceIpv6({ origin: 0, asPath: [{ type: 2, asns }] }, parseIpv6(nextHop)!, [
    parsePrefix(prefix) as Ipv6Prefix,
  ]);
  return decode(builder.take(), FOUR_OCTET) as UpdateMessage;
}

const withIpv6 = (info: PeerInfo): PeerInfo => ({
  ...info,
  capabilities: { ...info.capabilities, ipv6Unicast: true },
});

/** Links two engines as the runtime does, both ends offering IPv6 unicast (as if a link negotiated it). */
function linkWithIpv6(
  a: RouteEngine,
  seenByA: InternalLinkPeer,
  b: RouteEngine,
  seenByB: InternalLinkPeer,
): string {
  const id = `${seenByA.address}~${seenByB.address}`;
  const intoA = new InternalLinkReceiver(a, id);
  const intoB = new InternalLinkReceiver(b, id);
  a.peerUp(id, withIpv6(internalPeerInfo(seenByA)), new InternalLinkSender((m, g) => intoB.receive(m, g)));
  b.peerUp(id, withIpv6(internalPeerInfo(seenByB)), new InternalLinkSender((m, g) => intoA.receive(m, g)));
  return id;
}

const GATEWAY: InternalLinkPeer = {
  address: VPN_GW,
  asn: 65515,
  kind: 'gateway',
  gateway: { id: 'vpngw', type: 'Vpn' },
};
const ROUTE_SERVER: InternalLinkPeer = { address: RS, asn: 65515, kind: 'route-server' };
const ipv6Keys = (output: TestOutput) => [...output.table.keys()].filter((prefix) => prefix.includes(':'));

async function settle(engines: RouteEngine[]): Promise<void> {
  for (let round = 0; round < 10; round++) for (const engine of engines) await engine.whenIdle();
}

describe('IPv6 routes and the gateways', () => {
  it('sends a gateway none of an NVA’s IPv6 routes, branch-to-branch on; its IPv4 routes as usual', async () => {
    const rs = harness({
      localAddress: RS,
      localAddressV6: 'fd00::4',
      spaces: [VNET, VNET_V6],
      branchToBranch: true,
    });
    const vpn = harness({ localAddress: VPN_GW, spaces: [VNET], role: 'vpn-gateway' });
    const link = linkWithIpv6(rs.engine, GATEWAY, vpn.engine, ROUTE_SERVER);
    const nva = new TestOutput();
    const site = new TestOutput();
    rs.engine.peerUp(NVA, withIpv6(peerInfo(NVA, 65001)), nva);
    vpn.engine.peerUp(SITE_A, withIpv6(peerInfo(SITE_A, 65010)), site);
    rs.engine.receiveUpdate(NVA, ipv6Update('2001:db8::/32', 'fd00::a', [65001]));
    rs.engine.receiveUpdate(NVA, updateOf(pathAttributes([65001], NVA), ['172.16.0.0/16']));
    await settle([rs.engine, vpn.engine]);

    expect(vpn.engine.learnedRoutes(link).map((r) => r.network)).toEqual(['172.16.0.0/16']);
    expect([...site.table.keys()].sort()).toEqual([VNET, '172.16.0.0/16']);
    // IPv6 itself works toward the NVA: the route server's IPv6 space, next hop its IPv6 address
    expect(nva.table.get(VNET_V6)?.attributes.mpReach?.nextHop).toEqual(parseIpv6('fd00::4'));
  });

  it('passes no IPv6 route through a gateway’s speaker: not between sites, not to the route server, and no IPv6 space', async () => {
    const rs = harness({ localAddress: RS, spaces: [VNET], branchToBranch: true });
    const vpn = harness({
      localAddress: VPN_GW,
      localAddressV6: 'fd00:ff::4',
      spaces: [VNET, VNET_V6],
      role: 'vpn-gateway',
    });
    const link = linkWithIpv6(rs.engine, GATEWAY, vpn.engine, ROUTE_SERVER);
    const siteA = new TestOutput();
    const siteB = new TestOutput();
    vpn.engine.peerUp(SITE_A, withIpv6(peerInfo(SITE_A, 65010)), siteA);
    vpn.engine.peerUp(SITE_B, withIpv6(peerInfo(SITE_B, 65011)), siteB);
    vpn.engine.receiveUpdate(SITE_A, ipv6Update('2001:db8:a::/48', 'fd10::1', [65010]));
    vpn.engine.receiveUpdate(SITE_A, updateOf(pathAttributes([65010], SITE_A), ['192.168.10.0/24']));
    await settle([rs.engine, vpn.engine]);

    expect(rs.engine.learnedRoutes(link).map((r) => r.network)).toEqual(['192.168.10.0/24']);
    expect(rs.sink.route('192.168.10.0/24')?.nextHops).toEqual([VPN_GW]);
    expect(ipv6Keys(siteA)).toEqual([]);
    expect(ipv6Keys(siteB)).toEqual([]);
    expect(siteB.table.has(VNET)).toBe(true);
  });
});
