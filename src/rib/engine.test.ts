import { describe, expect, it } from 'vitest';
import { CeaseSubcode, ErrorCode, WellKnownCommunity } from '../bgp/codec/index.js';
import { parsePrefix } from '../lib/prefix.js';
import {
  harness,
  ip,
  pathAttributes,
  peerInfo,
  TestOutput,
  updateOf,
  withdrawalOf,
} from './fixtures.test-support.js';

describe('RouteEngine', () => {
  it('learns a route from an NVA and injects it with the NVA next hop', async () => {
    const { engine, sink } = harness();
    engine.peerUp('10.0.2.4', peerInfo('10.0.2.4', 65001), new TestOutput());
    engine.receiveUpdate('10.0.2.4', updateOf(pathAttributes([65001], '10.0.2.4'), ['192.168.0.0/24']));
    await engine.whenIdle();
    expect(sink.route('192.168.0.0/24')).toEqual({
      prefix: parsePrefix('192.168.0.0/24'),
      nextHops: ['10.0.2.4'],
      asPath: [65001],
      origin: 'igp',
      sourcePeers: ['10.0.2.4'],
    });
    expect(engine.learnedRoutes('10.0.2.4')).toMatchObject([
      {
        network: '192.168.0.0/24',
        nextHop: '10.0.2.4',
        sourcePeer: '10.0.2.4',
        origin: 'EBgp',
        asPath: '65001',
        weight: 32768,
        localAddress: '10.0.1.4',
      },
    ]);
  });

  it('reflects a route to another NVA with 65515 prepended and the original next hop', async () => {
    const { engine } = harness();
    const other = new TestOutput();
    engine.peerUp('10.0.2.4', peerInfo('10.0.2.4', 65001), new TestOutput());
    engine.peerUp('10.0.2.5', peerInfo('10.0.2.5', 65002), other);
    engine.receiveUpdate(
      '10.0.2.4',
      updateOf(pathAttributes([65001], '10.0.2.4', { communities: [0xfde80001] }), ['192.168.0.0/24']),
    );
    await engine.whenIdle();
    const update = other.table.get('192.168.0.0/24');
    expect(update?.attributes.asPath).toEqual([{ type: 2, asns: [65515, 65001] }]);
    expect(update?.attributes.nextHop).toBe(ip('10.0.2.4'));
    expect(update?.attributes.communities).toEqual([0xfde80001]);
  });

  it('closes the session when a peer exceeds its route limit, and withdraws its routes', async () => {
    const { engine, sink } = harness({ routeLimit: 3 });
    const requests: unknown[] = [];
    engine.onSessionCloseRequested((r) => requests.push(r));
    engine.peerUp('10.0.2.4', peerInfo('10.0.2.4', 65001), new TestOutput());
    const attrs = pathAttributes([65001], '10.0.2.4');
    engine.receiveUpdate('10.0.2.4', updateOf(attrs, ['1.0.0.0/24', '1.0.1.0/24']));
    await engine.whenIdle();
    expect(sink.table.size).toBe(2);
    engine.receiveUpdate('10.0.2.4', updateOf(attrs, ['1.0.0.0/24', '1.0.1.0/24']));
    await engine.whenIdle();
    expect(requests).toEqual([
      {
        peer: '10.0.2.4',
        reason: 'route-limit',
        notification: {
          type: 'notification',
          code: ErrorCode.Cease,
          subcode: CeaseSubcode.MaximumPrefixesReached,
          data: Uint8Array.from([0, 1, 1, 0, 0, 0, 3]),
        },
      },
    ]);
    expect(sink.table.size).toBe(0);
    expect(engine.counters.routeLimitExceeded).toBe(1);
  });

  it('injects a NO_ADVERTISE route but advertises it to no peer', async () => {
    const { engine, sink } = harness();
    const other = new TestOutput();
    engine.peerUp('10.0.2.4', peerInfo('10.0.2.4', 65001), new TestOutput());
    engine.peerUp('10.0.2.5', peerInfo('10.0.2.5', 65002), other);
    engine.receiveUpdate(
      '10.0.2.4',
      updateOf(pathAttributes([65001], '10.0.2.4', { communities: [WellKnownCommunity.NoAdvertise] }), [
        '192.168.0.0/24',
      ]),
    );
    await engine.whenIdle();
    expect(sink.route('192.168.0.0/24')?.nextHops).toEqual(['10.0.2.4']);
    expect(other.table.size).toBe(0);
    engine.receiveUpdate('10.0.2.4', withdrawalOf(['192.168.0.0/24']));
    await engine.whenIdle();
    expect(sink.table.size).toBe(0);
  });
});
