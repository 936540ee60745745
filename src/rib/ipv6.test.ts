import { describe, expect, it } from 'vitest';
import { decode, UpdateBuilder } from '../bgp/codec/index.js';
import type { UpdateMessage } from '../bgp/codec/index.js';
import { parseIpv6, parsePrefix } from '../lib/prefix.js';
import type { Ipv6Prefix } from '../lib/prefix.js';
import { FOUR_OCTET, harness, NVA1, NVA2, NVA3, peerInfo, TestOutput, up } from './fixtures.test-support.js';

function ipv6Update(prefixes: string[], nextHop: string, asns: number[]): UpdateMessage {
  const builder = new UpdateBuilder(FOUR_OCTET);
  builder.announceIpv6(
    { origin: 0, asPath: [{ type: 2, asns }] },
    parseIpv6(nextHop)!,
    prefixes.map((p) => parsePrefix(p) as Ipv6Prefix),
  );
  return decode(builder.take(), FOUR_OCTET) as UpdateMessage;
}

function ipv6Withdrawal(prefixes: string[]): UpdateMessage {
  const builder = new UpdateBuilder(FOUR_OCTET);
  builder.withdrawIpv6(prefixes.map((p) => parsePrefix(p) as Ipv6Prefix));
  return decode(builder.take(), FOUR_OCTET) as UpdateMessage;
}

describe('IPv6 through the same engine', () => {
  it('learns and injects an IPv6 route, reflects it to IPv6 peers only, and withdraws it', async () => {
    const h = harness({ localAddressV6: 'fd00::4', spaces: ['fd00:1::/48'] });
    const withV6 = { ...peerInfo(NVA1, 65001), capabilities: { context: FOUR_OCTET, ipv6Unicast: true } };
    h.engine.peerUp(NVA1, withV6, new TestOutput());
    const v6Peer = new TestOutput();
    h.engine.peerUp(NVA2, { ...withV6, address: NVA2, asn: 65002 }, v6Peer);
    const v4Peer = new TestOutput();
    up(h, NVA3, 65003, v4Peer);
    h.engine.receiveUpdate(NVA1, ipv6Update(['2001:db8::/32'], 'fd00::a', [65001]));
    await h.engine.whenIdle();

    expect(h.sink.route('2001:db8::/32')?.nextHops).toEqual(['fd00::a']);
    expect(h.engine.learnedRoutes(NVA1)[0]).toMatchObject({ network: '2001:db8::/32', injected: true });
    const reflected = v6Peer.table.get('2001:db8::/32');
    expect(reflected?.attributes.asPath).toEqual([{ type: 2, asns: [65515, 65001] }]);
    expect(reflected?.attributes.mpReach?.nextHop).toEqual(parseIpv6('fd00::a'));
    const space = v6Peer.table.get('fd00:1::/48');
    expect(space?.attributes.mpReach?.nextHop).toEqual(parseIpv6('fd00::4'));
    expect([...v4Peer.table.keys()].some((p) => p.includes(':'))).toBe(false);
    expect(v6Peer.endOfRibCount).toBe(2);

    h.engine.receiveUpdate(NVA1, ipv6Withdrawal(['2001:db8::/32']));
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(0);
    expect(v6Peer.table.has('2001:db8::/32')).toBe(false);
  });
});
