import { describe, expect, it } from 'vitest';
import { formatPrefix, parsePrefix } from '../lib/prefix.js';
import type { PeerRoute } from '../runtime/index.js';
import {
  decodeInjected,
  decodePeerRoutes,
  encodeInjected,
  encodePeerRoutes,
  INJECTED_SHARDS,
  LiveDecodeError,
  liveKey,
  parseLiveKey,
  shardOf,
  type LiveInjectedRoute,
} from './live-encoding.js';

const decodedInjected = (value: Buffer) => {
  const routes: Array<[string, readonly string[] | null]> = [];
  decodeInjected(value, ({ prefix, nextHops }) => routes.push([formatPrefix(prefix), nextHops]));
  return routes;
};

const route = (network: string, nextHop = '10.0.0.10', asPath = '65010'): PeerRoute => ({
  instance: 'IN_0',
  localAddress: '10.1.0.4',
  network,
  nextHop,
  sourcePeer: nextHop,
  origin: 'ebgp',
  asPath,
  weight: 0,
});

describe('live encoding of the routes an instance shares', () => {
  it('round-trips injected routes of both families, any length, and withdrawals', () => {
    const routes: LiveInjectedRoute[] = [
      { prefix: parsePrefix('0.0.0.0/0'), nextHops: ['10.0.0.10'] },
      { prefix: parsePrefix('10.250.0.0/16'), nextHops: ['10.0.0.10', '10.0.0.11'] },
      { prefix: parsePrefix('20.1.2.3/32'), nextHops: ['10.0.0.10'] },
      { prefix: parsePrefix('192.168.7.0/25'), nextHops: null },
      { prefix: parsePrefix('2001:db8::/32'), nextHops: ['fd00::10'] },
      { prefix: parsePrefix('2001:db8:1:2:3:4:5:6/128'), nextHops: ['fd00::10'] },
      { prefix: parsePrefix('::/0'), nextHops: null },
    ];
    expect(decodedInjected(encodeInjected(routes))).toEqual(
      routes.map(({ prefix, nextHops }) => [formatPrefix(prefix), nextHops]),
    );
  });

  it('writes each next-hop set once: a /32 costs 6 octets', () => {
    const routes = Array.from({ length: 1000 }, (_, i) => ({
      prefix: parsePrefix(`20.0.${i >> 8}.${i & 255}/32`),
      nextHops: ['10.0.0.10', '10.0.0.11'],
    }));
    expect(encodeInjected(routes).length).toBeLessThan(1000 * 6 + 40);
  });

  it('refuses a value of another format or cut short', () => {
    const value = encodeInjected([{ prefix: parsePrefix('20.1.2.0/24'), nextHops: ['10.0.0.10'] }]);
    expect(() => decodedInjected(value.subarray(0, value.length - 2))).toThrow(LiveDecodeError);
    expect(() => decodedInjected(encodePeerRoutes([route('20.1.2.0/24')])[0]!)).toThrow(LiveDecodeError);
  });

  it('round-trips learned routes with their attributes, in chunks of 20,000', () => {
    const routes = Array.from({ length: 20_001 }, (_, i) =>
      route(`20.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32`, i % 2 === 0 ? '10.0.0.10' : '10.0.0.11'),
    );
    routes.push({ ...route('2001:db8::/48', 'fd00::10', '65010-65020 {65030,65040}'), sourcePeer: null });
    const chunks = encodePeerRoutes(routes);
    expect(chunks).toHaveLength(2);
    expect(chunks.flatMap((chunk) => decodePeerRoutes('IN_0', chunk))).toEqual(routes);
  });

  it('encodes no learned routes as one chunk that decodes to none', () => {
    const chunks = encodePeerRoutes([]);
    expect(chunks).toHaveLength(1);
    expect(decodePeerRoutes('IN_1', chunks[0]!)).toEqual([]);
  });

  it('puts a prefix in the same shard wherever it is computed, spread over every shard', () => {
    const shards = new Set<number>();
    for (let i = 0; i < 4000; i++) shards.add(shardOf(parsePrefix(`20.0.${i >> 8}.${i & 255}/32`)));
    expect(shards.size).toBe(INJECTED_SHARDS);
    expect(shardOf(parsePrefix('2001:db8::/32'))).toBe(shardOf(parsePrefix('2001:0db8::/32')));
  });

  it('parses the keys it makes, with ids holding slashes', () => {
    const rs = '/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualhubs/rs';
    const key = liveKey('j', rs, 'IN_0', '0000018c2f1aabc', '00000000002a');
    expect(parseLiveKey(key)).toEqual({
      kind: 'j',
      routeServer: rs,
      instance: 'IN_0',
      item: '0000018c2f1aabc',
      chunk: '00000000002a',
    });
  });
});
