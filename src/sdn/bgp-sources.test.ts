import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LpmTrie } from '../lib/lpm-trie.js';
import type { Prefix } from '../lib/prefix.js';
import { formatPrefix, ipv4Prefix } from '../lib/prefix.js';
import { LayeredBgpRoutes } from './bgp-sources.js';
import type { BgpRoute } from './types.js';

/** Prefixes inside 10.0.0.0/16 that nest often. */
const prefixArb: fc.Arbitrary<Prefix> = fc
  .tuple(fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 8, max: 32 }))
  .map(([low, length]) => ipv4Prefix((0x0a000000 + low * 256) >>> 0, length));

const layerOf = (prefixes: readonly Prefix[], hop: string): LpmTrie<BgpRoute> => {
  const trie = new LpmTrie<BgpRoute>();
  for (const prefix of prefixes) trie.set(prefix, { prefix, nextHops: [hop] });
  return trie;
};

const text = (entries: Iterable<{ prefix: Prefix; value: BgpRoute }>) =>
  [...entries].map((e) => `${formatPrefix(e.prefix)}=${e.value.nextHops.join(',')}`).sort();

describe('LayeredBgpRoutes', () => {
  it('answers every lookup as one table holding, per prefix, the primary route or else the fallback one', () => {
    fc.assert(
      fc.property(
        fc.array(prefixArb, { maxLength: 20 }),
        fc.array(prefixArb, { maxLength: 20 }),
        fc.array(prefixArb, { maxLength: 10 }),
        (primaryPrefixes, fallbackPrefixes, probes) => {
          const primary = layerOf(primaryPrefixes, '10.0.2.4');
          const fallback = layerOf(fallbackPrefixes, '10.0.255.4');
          const merged = new LpmTrie<BgpRoute>();
          for (const { prefix, value } of fallback.entries()) merged.set(prefix, value);
          for (const { prefix, value } of primary.entries()) merged.set(prefix, value);
          const layered = new LayeredBgpRoutes(primary, fallback);
          expect(text(layered.entries())).toEqual(text(merged.entries()));
          for (const probe of probes) {
            expect(layered.get(probe)).toEqual(merged.get(probe));
            expect(layered.has(probe)).toBe(merged.has(probe));
            expect(layered.longestMatch(probe)).toEqual(merged.longestMatch(probe));
            if (probe.family === 4)
              expect(layered.longestMatchIpv4(probe.address)).toEqual(merged.longestMatchIpv4(probe.address));
            expect(text(layered.coveredBy(probe))).toEqual(text(merged.coveredBy(probe)));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
