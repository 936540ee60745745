import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LpmTrie } from '../lib/lpm-trie.js';
import type { Ipv6Prefix, Prefix } from '../lib/prefix.js';
import { formatPrefix, ipv4Prefix, ipv6Prefix, parsePrefix, prefixKey } from '../lib/prefix.js';
import { BgpLayer } from './bgp-layer.js';
import { HopSetTable } from './hop-sets.js';

const HOPS = [['10.0.2.4'], ['10.0.2.5'], ['10.0.2.4', '10.0.2.5']];
/** Prefixes inside 10.0.0.0/8 and around it, so that they nest often; a few IPv6 ones. */
const prefixArb: fc.Arbitrary<Prefix> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 32 }))
      .map(([low, length]) => ipv4Prefix((0x0a000000 + low * 256) >>> 0, length)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 64 }))
      .map(([byte, length]) =>
        ipv6Prefix((parsePrefix(`2001:db8:${byte.toString(16)}::/48`) as Ipv6Prefix).address, length),
      ),
  },
);
const opArb = fc.record({ prefix: prefixArb, hops: fc.integer({ min: -1, max: HOPS.length - 1 }) });

const text = (
  entries: Iterable<{ prefix: Prefix; value: { nextHops: readonly string[] } | readonly string[] }>,
) =>
  [...entries]
    .map((e) => `${formatPrefix(e.prefix)}=${('nextHops' in e.value ? e.value.nextHops : e.value).join(',')}`)
    .sort();

describe('BgpLayer', () => {
  it('answers exact, longest-match and covered-by lookups as a trie of the same routes does', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 60 }),
        fc.array(prefixArb, { maxLength: 10 }),
        (ops, probes) => {
          const hopSets = new HopSetTable();
          const layer = new BgpLayer(hopSets);
          const trie = new LpmTrie<readonly string[]>();
          for (const { prefix, hops } of ops) {
            const id = hops < 0 ? 0 : hopSets.intern(HOPS[hops]!);
            layer.setId(prefixKey(prefix), id);
            if (hops < 0) trie.delete(prefix);
            else trie.set(prefix, HOPS[hops]!);
            hopSets.sweep();
          }
          expect(layer.size).toBe(trie.size);
          expect(text(layer.entries())).toEqual(text(trie.entries()));
          for (const probe of probes) {
            expect(layer.get(probe)?.nextHops).toEqual(trie.get(probe));
            expect(layer.has(probe)).toBe(trie.has(probe));
            const match = layer.longestMatch(probe);
            const expected = trie.longestMatch(probe);
            expect(match && formatPrefix(match.prefix)).toBe(expected && formatPrefix(expected.prefix));
            expect(match?.value.nextHops).toEqual(expected?.value);
            if (probe.family === 4) {
              const host = layer.longestMatchIpv4(probe.address);
              expect(host && formatPrefix(host.prefix)).toBe(
                trie.longestMatchIpv4(probe.address) &&
                  formatPrefix(trie.longestMatchIpv4(probe.address)!.prefix),
              );
            }
            expect(text(layer.coveredBy(probe))).toEqual(text(trie.coveredBy(probe)));
          }
          // every set still referenced is the one programmed; nothing else is kept
          expect(hopSets.size).toBeLessThanOrEqual(
            new Set(text(trie.entries()).map((t) => t.split('=')[1])).size,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('finds the covered routes of a short prefix by one pass over a large table', () => {
    const hopSets = new HopSetTable();
    const layer = new BgpLayer(hopSets);
    const id = hopSets.intern(['10.0.2.4']);
    for (let i = 0; i < 1000; i++) layer.setId(prefixKey(ipv4Prefix(0x0a000000 + i * 256, 24)), id);
    expect([...layer.coveredBy(parsePrefix('10.0.0.0/8'))]).toHaveLength(1000);
    expect([...layer.coveredBy(parsePrefix('10.0.1.0/24'))].map((e) => formatPrefix(e.prefix))).toEqual([
      '10.0.1.0/24',
    ]);
    expect([...layer.coveredBy(parsePrefix('0.0.0.0/0'))]).toHaveLength(1000);
  });

  it("exchanges a prefix's set for another and answers the one it had, keeping references and lengths", () => {
    const hopSets = new HopSetTable();
    const layer = new BgpLayer(hopSets);
    const a = hopSets.intern(['10.0.2.4']);
    const b = hopSets.intern(['10.0.2.5']);
    const key = prefixKey(parsePrefix('10.1.0.0/16'));
    expect(layer.exchange(key, a)).toBe(0);
    expect(layer.exchange(key, a)).toBe(a);
    expect(layer.exchange(key, b)).toBe(a);
    hopSets.sweep();
    // a is no longer referenced by anything, b by the prefix
    expect(hopSets.size).toBe(1);
    expect(layer.longestMatchIpv4(0x0a010203)?.value.nextHops).toEqual(['10.0.2.5']);
    expect(layer.exchange(key, 0)).toBe(b);
    expect(layer.exchange(key, 0)).toBe(0);
    expect(layer.size).toBe(0);
    expect(hopSets.size).toBe(0);
    expect(layer.longestMatchIpv4(0x0a010203)).toBeUndefined();
  });
});
