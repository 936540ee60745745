import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LpmTrie } from './lpm-trie.js';
import type { Prefix } from './prefix.js';
import {
  comparePrefixes,
  formatPrefix,
  ipv4Prefix,
  ipv6Prefix,
  parsePrefix,
  prefixContains,
  prefixKey,
} from './prefix.js';

const p = (text: string): Prefix => parsePrefix(text);

/** Linear-scan oracle: a plain map of prefixes. */
class Oracle {
  readonly map = new Map<string | number, { prefix: Prefix; value: number }>();
  set(prefix: Prefix, value: number): void {
    this.map.set(prefixKey(prefix), { prefix, value });
  }
  delete(prefix: Prefix): boolean {
    return this.map.delete(prefixKey(prefix));
  }
  matches(key: Prefix): string[] {
    return [...this.map.values()]
      .filter((e) => prefixContains(e.prefix, key))
      .sort((a, b) => a.prefix.length - b.prefix.length)
      .map((e) => `${formatPrefix(e.prefix)}=${e.value}`);
  }
  coveredBy(key: Prefix): string[] {
    return [...this.map.values()]
      .filter((e) => prefixContains(key, e.prefix))
      .sort((a, b) => comparePrefixes(a.prefix, b.prefix))
      .map((e) => `${formatPrefix(e.prefix)}=${e.value}`);
  }
  all(): string[] {
    return [...this.map.values()]
      .sort((a, b) => comparePrefixes(a.prefix, b.prefix))
      .map((e) => `${formatPrefix(e.prefix)}=${e.value}`);
  }
}

const show = (e: { prefix: Prefix; value: number } | undefined): string | undefined =>
  e ? `${formatPrefix(e.prefix)}=${e.value}` : undefined;

// Addresses drawn from a small space so that prefixes nest and collide often.
const ipv4PrefixArb = fc
  .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 32 }))
  .map(([hi, lo, len]) => ipv4Prefix(((hi << 28) | (lo << 16) | (lo << 4)) >>> 0, len));
const ipv6PrefixArb = fc
  .tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 128 }))
  .map(([hi, lo, len]) => {
    const bytes = new Uint8Array(16);
    bytes[0] = 0x20 | hi;
    bytes[5] = lo;
    bytes[15] = lo;
    return ipv6Prefix(bytes, len);
  });
const prefixArb = fc.oneof(ipv4PrefixArb, ipv6PrefixArb);
const opArb = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), prefix: prefixArb, value: fc.integer() }),
  fc.record({ kind: fc.constant('delete' as const), prefix: prefixArb }),
);

describe('LpmTrie', () => {
  it('finds the longest matching prefix of an address', () => {
    const trie = new LpmTrie<string>();
    trie.set(p('0.0.0.0/0'), 'default').set(p('10.0.0.0/8'), 'ten').set(p('10.1.0.0/16'), 'ten-one');
    expect(trie.longestMatch(p('10.1.2.3/32'))?.value).toBe('ten-one');
    expect(trie.longestMatch(p('10.2.2.3/32'))?.value).toBe('ten');
    expect(trie.longestMatch(p('11.0.0.1/32'))?.value).toBe('default');
    expect(trie.longestMatchIpv4(0x0a010203)?.value).toBe('ten-one');
    expect(trie.longestMatch(p('2001:db8::1/128'))).toBeUndefined();
  });

  it('lists the covering chain shortest first', () => {
    const trie = new LpmTrie<number>();
    trie.set(p('10.0.0.0/8'), 1).set(p('10.1.0.0/16'), 2).set(p('10.1.1.0/24'), 3).set(p('10.2.0.0/16'), 4);
    expect(trie.matches(p('10.1.1.9/32')).map((e) => e.value)).toEqual([1, 2, 3]);
  });

  it('keeps IPv4 and IPv6 apart', () => {
    const trie = new LpmTrie<number>();
    trie.set(p('0.0.0.0/0'), 4).set(p('::/0'), 6);
    expect(trie.longestMatch(p('::1/128'))?.value).toBe(6);
    expect(trie.longestMatch(p('1.2.3.4/32'))?.value).toBe(4);
    expect(trie.size).toBe(2);
  });

  it('removes glue nodes when a delete leaves them with one child', () => {
    const trie = new LpmTrie<number>();
    trie.set(p('10.0.0.0/24'), 1).set(p('10.0.1.0/24'), 2);
    expect(trie.delete(p('10.0.0.0/24'))).toBe(true);
    expect(trie.delete(p('10.0.0.0/23'))).toBe(false);
    expect([...trie.entries()].map((e) => formatPrefix(e.prefix))).toEqual(['10.0.1.0/24']);
    expect(trie.longestMatch(p('10.0.0.1/32'))).toBeUndefined();
  });

  it('agrees with a linear scan under random inserts, deletes and lookups', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 120 }),
        fc.array(prefixArb, { maxLength: 30 }),
        (ops, probes) => {
          const trie = new LpmTrie<number>();
          const oracle = new Oracle();
          for (const op of ops) {
            if (op.kind === 'set') {
              trie.set(op.prefix, op.value);
              oracle.set(op.prefix, op.value);
            } else {
              expect(trie.delete(op.prefix)).toBe(oracle.delete(op.prefix));
            }
            expect(trie.size).toBe(oracle.map.size);
          }
          expect([...trie.entries()].map(show)).toEqual(oracle.all());
          for (const probe of probes) {
            const chain = oracle.matches(probe);
            expect(trie.matches(probe).map(show)).toEqual(chain);
            expect(show(trie.longestMatch(probe))).toEqual(chain[chain.length - 1]);
            expect(
              show(trie.get(probe) === undefined ? undefined : { prefix: probe, value: trie.get(probe)! }),
            ).toEqual(
              oracle.map.has(prefixKey(probe))
                ? `${formatPrefix(probe)}=${oracle.map.get(prefixKey(probe))!.value}`
                : undefined,
            );
            expect([...trie.coveredBy(probe)].map(show)).toEqual(oracle.coveredBy(probe));
            if (probe.family === 4) {
              const host = ipv4Prefix(probe.address, 32);
              expect(show(trie.longestMatchIpv4(probe.address))).toEqual(show(trie.longestMatch(host)));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
