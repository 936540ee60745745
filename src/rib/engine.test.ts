import { describe, expect, it } from 'vitest';
import { BASE_CONTEXT, WellKnownCommunity } from '../bgp/codec/index.js';
import { parsePrefix } from '../lib/prefix.js';
import {
  harness,
  ip,
  NVA1,
  NVA2,
  NVA3,
  pathAttributes,
  peerInfo,
  TestOutput,
  up,
  updateOf,
  withdrawalOf,
} from './fixtures.test-support.js';
import type { Harness } from './fixtures.test-support.js';

function withPeers(h: Harness, ...peers: [string, number][]): Map<string, TestOutput> {
  const outputs = new Map<string, TestOutput>();
  for (const [address, asn] of peers) {
    const output = new TestOutput();
    outputs.set(address, output);
    h.engine.peerUp(address, peerInfo(address, asn), output);
  }
  return outputs;
}

describe('RouteEngine import', () => {
  it('learns a route from an NVA and injects it with the NVA next hop', async () => {
    const h = harness();
    withPeers(h, [NVA1, 65001]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['192.168.0.0/24']));
    await h.engine.whenIdle();
    expect(h.sink.route('192.168.0.0/24')).toEqual({
      prefix: parsePrefix('192.168.0.0/24'),
      nextHops: [NVA1],
    });
    expect(h.engine.learnedRoutes(NVA1)).toMatchObject([
      {
        network: '192.168.0.0/24',
        nextHop: NVA1,
        sourcePeer: NVA1,
        origin: 'EBgp',
        asPath: '65001',
        weight: 32768,
        localAddress: '10.0.1.4',
        accepted: true,
        injected: true,
        best: true,
      },
    ]);
  });

  it('drops a route whose AS path contains 65515 but keeps it pre-policy with the reason', async () => {
    const h = harness();
    const outputs = withPeers(h, [NVA1, 65001], [NVA2, 65002]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001, 65515], NVA1), ['192.168.0.0/24']));
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(0);
    expect(outputs.get(NVA2)!.table.has('192.168.0.0/24')).toBe(false);
    expect(h.engine.learnedRoutes(NVA1)).toEqual([]);
    expect(h.engine.learnedRoutes(NVA1, { includeRejected: true })).toMatchObject([
      { network: '192.168.0.0/24', accepted: false, reasons: ['as-path-contains-local-as'] },
    ]);
    expect(h.engine.peerCounters(NVA1)).toMatchObject({ received: 1, accepted: 0 });
  });

  it('never learns a route with AS 0 in its path, and withdraws the prefix (RFC 7607 via the codec)', async () => {
    const h = harness();
    withPeers(h, [NVA1, 65001]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['192.168.0.0/24']));
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(1);
    const update = updateOf(pathAttributes([65001, 0], NVA1), ['192.168.0.0/24']);
    expect(update.action).toBe('treat-as-withdraw');
    h.engine.receiveUpdate(NVA1, update);
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(0);
    expect(h.engine.learnedRoutes(NVA1, { includeRejected: true })).toEqual([]);
  });

  it('learns but does not inject a prefix equal to or inside an advertised address space, and still reflects it', async () => {
    const h = harness({ spaces: ['10.0.0.0/16'] });
    const outputs = withPeers(h, [NVA1, 65001], [NVA2, 65002]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['10.0.0.0/16', '10.0.5.0/24']));
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(0);
    const learned = h.engine.learnedRoutes(NVA1);
    expect(learned.map((r) => [r.network, r.injected, r.reasons])).toEqual([
      ['10.0.0.0/16', false, ['within-advertised-address-space']],
      ['10.0.5.0/24', false, ['within-advertised-address-space']],
    ]);
    expect(outputs.get(NVA2)!.table.has('10.0.5.0/24')).toBe(true);
  });

  it('injects supernets of an address space and the default route', async () => {
    const h = harness({ spaces: ['10.0.0.0/16'] });
    withPeers(h, [NVA1, 65001]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['10.0.0.0/8', '0.0.0.0/0']));
    await h.engine.whenIdle();
    expect(h.sink.route('10.0.0.0/8')?.nextHops).toEqual([NVA1]);
    expect(h.sink.route('0.0.0.0/0')?.nextHops).toEqual([NVA1]);
  });

  it('injects a NO_ADVERTISE route but advertises it to no peer', async () => {
    const h = harness();
    const outputs = withPeers(h, [NVA1, 65001], [NVA2, 65002]);
    const attributes = pathAttributes([65001], NVA1, { communities: [WellKnownCommunity.NoAdvertise] });
    h.engine.receiveUpdate(NVA1, updateOf(attributes, ['192.168.0.0/24']));
    await h.engine.whenIdle();
    expect(h.sink.route('192.168.0.0/24')?.nextHops).toEqual([NVA1]);
    expect(outputs.get(NVA2)!.table.has('192.168.0.0/24')).toBe(false);
  });

  it('injects a NO_EXPORT route but advertises it to no peer', async () => {
    const h = harness();
    const outputs = withPeers(h, [NVA1, 65001], [NVA2, 65002]);
    const attributes = pathAttributes([65001], NVA1, { communities: [WellKnownCommunity.NoExport] });
    h.engine.receiveUpdate(NVA1, updateOf(attributes, ['192.168.0.0/24']));
    await h.engine.whenIdle();
    expect(h.sink.route('192.168.0.0/24')).toBeDefined();
    expect(outputs.get(NVA2)!.table.size).toBe(0);
  });

  it('withdraws every prefix of an UPDATE the codec marked treat-as-withdraw', async () => {
    const h = harness();
    withPeers(h, [NVA1, 65001]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['192.168.0.0/24']));
    const broken = updateOf(pathAttributes([65001], NVA1), ['192.168.0.0/24', '192.168.1.0/24']);
    h.engine.receiveUpdate(NVA1, { ...broken, action: 'treat-as-withdraw' });
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(0);
    expect(h.engine.peerCounters(NVA1)?.received).toBe(0);
  });
});

describe('RouteEngine attribute interning', () => {
  it('keeps one attribute set per distinct attribute block, shared across prefixes and peers, freed when unused', async () => {
    const h = harness({ routeLimit: 10_000 });
    withPeers(h, [NVA1, 65001], [NVA2, 65001]);
    const prefixes = Array.from({ length: 1000 }, (_, i) => `172.16.${i >> 8}.${i & 255}/32`);
    const shared = pathAttributes([65001], '10.0.2.100');
    h.engine.receiveUpdate(NVA1, updateOf(shared, prefixes.slice(0, 500)));
    h.engine.receiveUpdate(NVA1, updateOf(shared, prefixes.slice(500)));
    h.engine.receiveUpdate(NVA2, updateOf(shared, prefixes));
    h.engine.receiveUpdate(NVA2, updateOf(pathAttributes([65001, 7], '10.0.2.100'), ['192.168.0.0/24']));
    await h.engine.whenIdle();
    expect(h.engine.attributeSetCount).toBe(2);
    h.engine.receiveUpdate(NVA2, withdrawalOf(['192.168.0.0/24']));
    await h.engine.whenIdle();
    expect(h.engine.attributeSetCount).toBe(1);
  });
});

describe('RouteEngine ECMP and active-passive', () => {
  it('programs one next hop per NVA when AS paths have the same length', async () => {
    const h = harness();
    withPeers(h, [NVA1, 65001], [NVA2, 65002]);
    h.engine.receiveUpdate(NVA2, updateOf(pathAttributes([65002], NVA2), ['0.0.0.0/0']));
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['0.0.0.0/0']));
    await h.engine.whenIdle();
    expect(h.sink.route('0.0.0.0/0')?.nextHops).toEqual([NVA1, NVA2]);
    for (const peer of [NVA1, NVA2])
      expect(h.engine.learnedRoutes(peer)[0]).toMatchObject({ injected: true });
  });

  it('programs one next hop per distinct BGP next hop (two NVAs behind one load balancer)', async () => {
    const h = harness();
    withPeers(h, [NVA1, 65001], [NVA2, 65001]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], '10.0.2.100'), ['0.0.0.0/0']));
    h.engine.receiveUpdate(NVA2, updateOf(pathAttributes([65001], '10.0.2.100'), ['0.0.0.0/0']));
    await h.engine.whenIdle();
    expect(h.sink.route('0.0.0.0/0')?.nextHops).toEqual(['10.0.2.100']);
    for (const peer of [NVA1, NVA2])
      expect(h.engine.learnedRoutes(peer)[0]).toMatchObject({ injected: true });
  });

  it('keeps a prepended path as standby and uses it when the primary withdraws', async () => {
    const h = harness();
    withPeers(h, [NVA1, 65001], [NVA2, 65002]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['0.0.0.0/0']));
    h.engine.receiveUpdate(NVA2, updateOf(pathAttributes([65002, 65002, 65002], NVA2), ['0.0.0.0/0']));
    await h.engine.whenIdle();
    expect(h.sink.route('0.0.0.0/0')?.nextHops).toEqual([NVA1]);
    expect(h.engine.learnedRoutes(NVA2)[0]).toMatchObject({ injected: false, reasons: ['longer-as-path'] });
    h.engine.receiveUpdate(NVA1, withdrawalOf(['0.0.0.0/0']));
    await h.engine.whenIdle();
    expect(h.sink.route('0.0.0.0/0')?.nextHops).toEqual([NVA2]);
    expect(h.engine.learnedRoutes(NVA2)[0]).toMatchObject({ injected: true, asPath: '65002-65002-65002' });
  });

  it('publishes nothing when a new best path has the same next hops', async () => {
    const h = harness();
    withPeers(h, [NVA1, 65001]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['0.0.0.0/0']));
    await h.engine.whenIdle();
    const batches = h.sink.batches.length;
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001, 65001], NVA1), ['0.0.0.0/0']));
    await h.engine.whenIdle();
    expect(h.engine.learnedRoutes(NVA1)[0]).toMatchObject({ asPath: '65001-65001', injected: true });
    expect(h.sink.batches.length).toBe(batches);
  });

  it('publishes nothing when a change leaves the injected route as it was', async () => {
    const h = harness();
    withPeers(h, [NVA1, 65001], [NVA2, 65002]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['0.0.0.0/0']));
    await h.engine.whenIdle();
    const batches = h.sink.batches.length;
    h.engine.receiveUpdate(NVA2, updateOf(pathAttributes([65002, 65002], NVA2), ['0.0.0.0/0']));
    await h.engine.whenIdle();
    expect(h.sink.batches.length).toBe(batches);
  });
});

describe('RouteEngine export', () => {
  it('advertises the address spaces with AS path 65515, ORIGIN IGP and the instance as next hop', async () => {
    const h = harness({ spaces: ['10.0.0.0/16', '10.1.0.0/16'] });
    const outputs = withPeers(h, [NVA1, 65001]);
    await h.engine.whenIdle();
    const update = outputs.get(NVA1)!.table.get('10.0.0.0/16');
    expect(update?.attributes).toMatchObject({
      origin: 0,
      asPath: [{ type: 2, asns: [65515] }],
      nextHop: ip('10.0.1.4'),
    });
    expect(outputs.get(NVA1)!.table.get('10.1.0.0/16')).toBe(update);
    expect(h.engine.advertisedRoutes(NVA1)).toContainEqual({
      localAddress: '10.0.1.4',
      network: '10.0.0.0/16',
      nextHop: '10.0.1.4',
      origin: 'Igp',
      asPath: '65515',
      weight: 0,
    });
  });

  it('reflects a route to another NVA with 65515 prepended, the original next hop and communities', async () => {
    const h = harness();
    const outputs = withPeers(h, [NVA1, 65001], [NVA2, 65002]);
    const attributes = pathAttributes([65001], NVA1, { communities: [0xfde80001], med: 7 });
    h.engine.receiveUpdate(NVA1, updateOf(attributes, ['192.168.0.0/24']));
    await h.engine.whenIdle();
    const update = outputs.get(NVA2)!.table.get('192.168.0.0/24');
    expect(update?.attributes.asPath).toEqual([{ type: 2, asns: [65515, 65001] }]);
    expect(update?.attributes.nextHop).toBe(ip(NVA1));
    expect(update?.attributes.communities).toEqual([0xfde80001]);
    expect(update?.attributes.med).toBeUndefined();
    expect(h.engine.advertisedRoutes(NVA2)).toContainEqual(
      expect.objectContaining({
        network: '192.168.0.0/24',
        sourcePeer: NVA1,
        asPath: '65515-65001',
        origin: 'EBgp',
      }),
    );
  });

  it('never advertises a route back to the peer it came from', async () => {
    const h = harness();
    const outputs = withPeers(h, [NVA1, 65001], [NVA2, 65002]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['192.168.0.0/24']));
    await h.engine.whenIdle();
    expect(outputs.get(NVA1)!.table.has('192.168.0.0/24')).toBe(false);
  });

  it('withdraws a reflected route from the other peers when its source withdraws it', async () => {
    const h = harness();
    const outputs = withPeers(h, [NVA1, 65001], [NVA2, 65002]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['192.168.0.0/24']));
    await h.engine.whenIdle();
    h.engine.receiveUpdate(NVA1, withdrawalOf(['192.168.0.0/24']));
    await h.engine.whenIdle();
    expect(outputs.get(NVA2)!.table.has('192.168.0.0/24')).toBe(false);
    expect(h.engine.advertisedRoutes(NVA2)).toEqual([]);
  });

  it('sends the best path only: the other NVA learns the shorter path, the standby gets it too', async () => {
    const h = harness();
    const outputs = withPeers(h, [NVA1, 65001], [NVA2, 65002], [NVA3, 65003]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['0.0.0.0/0']));
    h.engine.receiveUpdate(NVA2, updateOf(pathAttributes([65002, 65002], NVA2), ['0.0.0.0/0']));
    await h.engine.whenIdle();
    for (const address of [NVA2, NVA3]) {
      expect(outputs.get(address)!.table.get('0.0.0.0/0')?.attributes.asPath).toEqual([
        { type: 2, asns: [65515, 65001] },
      ]);
    }
    expect(outputs.get(NVA1)!.table.has('0.0.0.0/0')).toBe(false);
  });

  it('advertises gateway routes to NVAs only while branch-to-branch is on', async () => {
    const h = harness();
    const nva = new TestOutput();
    h.engine.peerUp(NVA1, { ...peerInfo(NVA1, 65515), kind: 'gateway' }, new TestOutput());
    up(h, NVA2, 65002, nva);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([12076], NVA1), ['172.16.0.0/12']));
    await h.engine.whenIdle();
    expect(h.sink.route('172.16.0.0/12')?.nextHops).toEqual([NVA1]);
    expect(nva.table.has('172.16.0.0/12')).toBe(false);
    h.engine.setBranchToBranch(true);
    await h.engine.whenIdle();
    expect(nva.table.get('172.16.0.0/12')?.attributes.asPath).toEqual([{ type: 2, asns: [65515, 12076] }]);
    h.engine.setBranchToBranch(false);
    await h.engine.whenIdle();
    expect(nva.table.has('172.16.0.0/12')).toBe(false);
  });

  it('encodes AS paths for a 2-octet-AS peer with AS_TRANS and AS4_PATH', async () => {
    const h = harness();
    const twoOctet = new TestOutput(BASE_CONTEXT);
    up(h, NVA1, 65001);
    h.engine.peerUp(NVA2, peerInfo(NVA2, 65002, NVA2, BASE_CONTEXT), twoOctet);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001, 4200000000], NVA1), ['192.168.0.0/24']));
    await h.engine.whenIdle();
    expect(twoOctet.table.get('192.168.0.0/24')?.attributes.asPath).toEqual([
      { type: 2, asns: [65515, 65001, 4200000000] },
    ]);
  });

  it('re-advertises only what changed when the address spaces change', async () => {
    const h = harness({ spaces: ['10.0.0.0/16'] });
    const outputs = withPeers(h, [NVA1, 65001]);
    await h.engine.whenIdle();
    const output = outputs.get(NVA1)!;
    const before = output.updates.length;
    h.network.setSpaces([parsePrefix('10.0.0.0/16'), parsePrefix('10.2.0.0/16')]);
    await h.engine.whenIdle();
    const sent = output.updates.slice(before);
    expect(sent.map((u) => u.nlri.length + u.withdrawn.length)).toEqual([1]);
    expect(output.table.has('10.2.0.0/16')).toBe(true);
    h.network.setSpaces([parsePrefix('10.2.0.0/16')]);
    await h.engine.whenIdle();
    expect(output.table.has('10.0.0.0/16')).toBe(false);
    expect(output.updates.at(-1)?.withdrawn.length).toBe(1);
  });

  it('injects or withholds learned routes when the address spaces change', async () => {
    const h = harness({ spaces: [] });
    withPeers(h, [NVA1, 65001]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['10.3.1.0/24', '10.4.0.0/16']));
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(2);
    h.network.setSpaces([parsePrefix('10.3.0.0/16')]);
    await h.engine.whenIdle();
    expect([...h.sink.table.values()].map((r) => r.prefix)).toEqual([parsePrefix('10.4.0.0/16')]);
    h.network.setSpaces([]);
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(2);
  });

  it('withdraws everything a peer sent when it goes down', async () => {
    const h = harness();
    const outputs = withPeers(h, [NVA1, 65001], [NVA2, 65002]);
    h.engine.receiveUpdate(
      NVA1,
      updateOf(pathAttributes([65001], NVA1), ['192.168.0.0/24', '192.168.1.0/24']),
    );
    await h.engine.whenIdle();
    h.engine.peerDown(NVA1);
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(0);
    expect(outputs.get(NVA2)!.table.size).toBe(0);
    expect(h.engine.attributeSetCount).toBe(0);
  });
});

describe('RouteEngine input backpressure', () => {
  it('asks the session to stop reading at the mark, and to read again below half of it', async () => {
    const h = harness({ inputHighWater: 8, routeLimit: 100 });
    up(h, NVA1, 65001);
    const resumed: string[] = [];
    h.engine.onReadResumed((peer) => resumed.push(peer));
    const answers = Array.from({ length: 8 }, (_, i) =>
      h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), [`172.16.${i}.0/24`])),
    );
    expect(answers).toEqual([true, true, true, true, true, true, true, false]);
    expect(h.engine.queuedUpdates).toBe(8);
    expect(resumed).toEqual([]);
    await h.engine.whenIdle();
    expect(resumed).toEqual([NVA1]);
    expect(h.engine.locRibSize).toBe(8);
    expect(h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['172.16.9.0/24']))).toBe(
      true,
    );
  });
});

describe('RouteEngine Adj-RIB-In observer (BMP, src/bmp)', () => {
  type Change = [peer: string, prefix: string, route: boolean | undefined, previous: boolean | undefined];

  it('reports each change of an up peer with the route before it, accepted or not, and nothing of a peer going down', async () => {
    const h = harness();
    withPeers(h, [NVA1, 65001]);
    const changes: Change[] = [];
    const stop = h.engine.observeAdjRibIn({
      adjRibInChanged: (peer, key, route, previous) =>
        changes.push([
          peer,
          `${key}`,
          route === undefined ? undefined : route.verdict.accepted,
          previous === undefined ? undefined : previous.verdict.accepted,
        ]),
    });
    const key = `${(parsePrefix('192.168.0.0/24').address as number) * 64 + 24}`;
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['192.168.0.0/24']));
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001, 65515], NVA1), ['192.168.0.0/24']));
    h.engine.receiveUpdate(NVA1, withdrawalOf(['192.168.0.0/24']));
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['192.168.0.0/24']));
    await h.engine.whenIdle();
    expect(changes).toEqual([
      [NVA1, key, true, undefined],
      [NVA1, key, false, true],
      [NVA1, key, undefined, false],
      [NVA1, key, true, undefined],
    ]);
    h.engine.peerDown(NVA1);
    await h.engine.whenIdle();
    expect(changes).toHaveLength(4);
    stop();
    withPeers(h, [NVA1, 65001]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['192.168.1.0/24']));
    await h.engine.whenIdle();
    expect(changes).toHaveLength(4);
  });

  it('reads the communities of the routes asked for, and the first rejected routes with their rule', async () => {
    const h = harness();
    withPeers(h, [NVA1, 65001]);
    const large = { globalAdministrator: 65001, localData1: 1, localData2: 2 };
    h.engine.receiveUpdate(
      NVA1,
      updateOf(
        pathAttributes([65001], NVA1, { communities: [65001 * 65536 + 100], largeCommunities: [large] }),
        ['192.168.0.0/24'],
      ),
    );
    h.engine.receiveUpdate(
      NVA1,
      updateOf(pathAttributes([65001, 65515], NVA1), ['192.168.1.0/24', '192.168.2.0/24']),
    );
    await h.engine.whenIdle();
    const key = (text: string) =>
      `${(parsePrefix(text).address as number) * 64 + Number(text.split('/')[1])}`;
    const details = h.engine.learnedRouteDetails(
      NVA1,
      [Number(key('192.168.0.0/24')), Number(key('10.9.0.0/16'))],
      1,
    );
    expect(details.routes).toEqual([
      expect.objectContaining({
        network: '192.168.0.0/24',
        accepted: true,
        communities: [65001 * 65536 + 100],
        largeCommunities: [large],
      }),
    ]);
    expect(details.rejectedTotal).toBe(2);
    expect(details.rejected).toEqual([
      expect.objectContaining({ accepted: false, reasons: ['as-path-contains-local-as'] }),
    ]);
    expect(h.engine.learnedRouteDetails('10.9.9.9', [], 10)).toEqual({
      routes: [],
      rejected: [],
      rejectedTotal: 0,
    });
  });

  it('gives observers the attribute block as received from a 4-octet-AS session, and none for a 2-octet one', async () => {
    const h = harness();
    up(h, NVA1, 65001);
    h.engine.peerUp(
      NVA2,
      peerInfo(NVA2, 65002, NVA2, { ...BASE_CONTEXT, fourOctetAs: false }),
      new TestOutput(),
    );
    const blocks: (string | undefined)[] = [];
    h.engine.observeAdjRibIn({
      adjRibInChanged: (_peer, _key, route) => {
        const block = route?.receivedFourOctetBlock();
        blocks.push(block === undefined ? undefined : Buffer.from(block).toString('hex'));
      },
    });
    const fourOctet = updateOf(pathAttributes([65001, 4200000000], NVA1), ['192.168.0.0/24']);
    h.engine.receiveUpdate(NVA1, fourOctet);
    h.engine.receiveUpdate(
      NVA2,
      updateOf(pathAttributes([65002], NVA2), ['192.168.1.0/24'], [], {
        ...BASE_CONTEXT,
        fourOctetAs: false,
      }),
    );
    await h.engine.whenIdle();
    expect(blocks).toEqual([Buffer.from(fourOctet.attributeBytes).toString('hex'), undefined]);
  });

  it("reads a peer's Adj-RIB-In, rejected routes included, and nothing of a peer that is not up", async () => {
    const h = harness();
    withPeers(h, [NVA1, 65001]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['192.168.0.0/24']));
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001, 65515], NVA1), ['192.168.1.0/24']));
    await h.engine.whenIdle();
    const read = [...h.engine.adjRibIn(NVA1)].map(([key, route]) => [key, route.verdict.accepted]);
    expect(read.sort()).toEqual(
      [
        [(parsePrefix('192.168.0.0/24').address as number) * 64 + 24, true],
        [(parsePrefix('192.168.1.0/24').address as number) * 64 + 24, false],
      ].sort(),
    );
    expect([...h.engine.adjRibIn(NVA2)]).toEqual([]);
  });
});
