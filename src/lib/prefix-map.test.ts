import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrefixIdMap, PrefixMap, PrefixSet } from './prefix-map.js';
import { ipv4KeyOf, type PrefixKey } from './prefix.js';

/** An IPv4 key with host bits zero, addresses across the whole space (past 2^31 too). */
const ipv4Key = fc
  .tuple(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 0xffffffff }))
  .map(([length, address]) => ipv4KeyOf(length === 0 ? 0 : (address & (-1 << (32 - length))) >>> 0, length));
/** A small key space, so that operations hit the same keys often. */
const crowdedKey = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.integer({ min: 0, max: 63 }).map((i) => ipv4KeyOf((0xc0000000 + i * 256) >>> 0, 24)),
  },
  { weight: 1, arbitrary: fc.constantFrom<PrefixKey>('2001:db8::/32', '2001:db8:1::/48', '::/0') },
  { weight: 1, arbitrary: fc.constantFrom(0, ipv4KeyOf(0xffffffff, 32), ipv4KeyOf(0x80000000, 1)) },
);
const anyKey = fc.oneof(ipv4Key, crowdedKey);

type Operation =
  | { op: 'set' | 'swap' | 'setIfAbsent'; key: PrefixKey; value: number }
  | { op: 'delete' | 'take'; key: PrefixKey }
  | { op: 'clear' };
const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constantFrom('set' as const, 'swap' as const, 'setIfAbsent' as const),
      key: anyKey,
      value: fc.integer(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('delete' as const), key: anyKey }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const) }) },
);

const sorted = (keys: Iterable<PrefixKey>): string[] => [...keys].map(String).sort();

/** /24s of 16.0.0.0/4, as the benchmark announces them. */
const slash24 = (i: number): number => ipv4KeyOf(0x10000000 + i * 256, 24);

describe('PrefixMap', () => {
  it('answers get, has, size and iteration as a Map does after any sequence of changes', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 300 }), anyKey, (operations, probe) => {
        const map = new PrefixMap<number>();
        const reference = new Map<PrefixKey, number>();
        for (const step of operations) {
          if (step.op === 'set') {
            map.set(step.key, step.value);
            reference.set(step.key, step.value);
          } else if (step.op === 'swap') {
            expect(map.swap(step.key, step.value)).toBe(reference.get(step.key));
            reference.set(step.key, step.value);
          } else if (step.op === 'setIfAbsent') {
            const absent = !reference.has(step.key);
            expect(map.setIfAbsent(step.key, step.value)).toBe(absent);
            if (absent) reference.set(step.key, step.value);
          } else if (step.op === 'delete') {
            expect(map.delete(step.key)).toBe(reference.delete(step.key));
          } else {
            map.clear();
            reference.clear();
          }
          expect(map.size).toBe(reference.size);
        }
        for (const [key, value] of reference) {
          expect(map.get(key)).toBe(value);
          expect(map.has(key)).toBe(true);
        }
        expect(map.get(probe)).toBe(reference.get(probe));
        expect(map.has(probe)).toBe(reference.has(probe));
        expect(sorted(map.keys())).toEqual(sorted(reference.keys()));
        const entries = [...map].map(([key, value]) => `${key}=${value}`).sort();
        expect(entries).toEqual([...reference].map(([key, value]) => `${key}=${value}`).sort());
        const visited: string[] = [];
        map.forEach((value, key) => visited.push(`${key}=${value}`));
        expect(visited.sort()).toEqual(entries);
      }),
    );
  });

  it('gives back every key it holds, recovered from the slot (any address and length)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(ipv4Key, { maxLength: 200 }), (keys) => {
        const map = new PrefixMap<number>();
        keys.forEach((key, i) => map.set(key, i));
        expect(sorted(map.keys())).toEqual(sorted(keys));
        for (const [key, value] of map) expect(keys[value]).toBe(key);
      }),
    );
  });

  it('keeps addresses past 2^31 and the default route apart from their neighbours', () => {
    const map = new PrefixMap<string>();
    const keys = [
      0,
      ipv4KeyOf(0, 1),
      ipv4KeyOf(0x80000000, 1),
      ipv4KeyOf(0xffffffff, 32),
      ipv4KeyOf(0xfffffffe, 32),
    ];
    keys.forEach((key, i) => map.set(key, `v${i}`));
    keys.forEach((key, i) => expect(map.get(key)).toBe(`v${i}`));
    expect(sorted(map.keys())).toEqual(sorted(keys));
  });

  it('visits every entry once when each is deleted as it is visited', () => {
    const map = new PrefixMap<number>();
    for (let i = 0; i < 5000; i++) map.set(slash24(i), i);
    const seen = new Set<PrefixKey>();
    for (const [key] of map) {
      expect(seen.has(key)).toBe(false);
      seen.add(key);
      map.delete(key);
    }
    expect(seen.size).toBe(5000);
    expect(map.size).toBe(0);
  });

  it('does not visit entries deleted ahead of the iterator, and visits the others once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 2, max: 7 }), (count, stride) => {
        const map = new PrefixMap<number>();
        for (let i = 0; i < count; i++) map.set(slash24(i), i);
        const deleted = new Set<PrefixKey>();
        const visits = new Map<PrefixKey, number>();
        let n = 0;
        for (const key of map.keys()) {
          expect(deleted.has(key)).toBe(false);
          visits.set(key, (visits.get(key) ?? 0) + 1);
          // delete an arbitrary other entry every few steps: some are ahead, some behind
          if (n++ % stride === 0) {
            const victim = slash24((n * 7919) % count);
            if (map.delete(victim)) deleted.add(victim);
          }
        }
        for (let i = 0; i < count; i++) {
          const key = slash24(i);
          if (!deleted.has(key)) expect(visits.get(key)).toBe(1);
          else expect(visits.get(key) ?? 0).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('visits every entry present throughout once while insertions grow the table under the iterator', () => {
    const map = new PrefixMap<number>();
    for (let i = 0; i < 1000; i++) map.set(slash24(i), i);
    const before = map.ipv4Slots;
    const visits = new Map<PrefixKey, number>();
    let added = 0;
    for (const key of map.keys()) {
      visits.set(key, (visits.get(key) ?? 0) + 1);
      // entries added here may be visited too; only the first thousand add more
      if (map.get(key)! >= 0) for (let j = 0; j < 20; j++) map.set(slash24(100_000 + added++), -1);
    }
    expect(map.ipv4Slots).toBeGreaterThan(before);
    for (let i = 0; i < 1000; i++) expect(visits.get(slash24(i))).toBe(1);
    for (const count of visits.values()) expect(count).toBe(1);
  });

  it('visits every entry present throughout once while deletions shift entries under the iterator', () => {
    const map = new PrefixMap<number>();
    for (let i = 0; i < 20_000; i++) map.set(slash24(i), i);
    const before = map.ipv4Slots;
    const kept = new Set<PrefixKey>();
    for (let i = 0; i < 20_000; i += 97) kept.add(slash24(i));
    const visits = new Map<PrefixKey, number>();
    const iterator = map.keys();
    // a walk in slices, the table changing between them (as the route engine's walks do)
    for (let first = true; ; first = false) {
      const next = iterator.next();
      if (next.done) break;
      visits.set(next.value, (visits.get(next.value) ?? 0) + 1);
      if (first) for (let i = 0; i < 20_000; i++) if (!kept.has(slash24(i))) map.delete(slash24(i));
    }
    expect(map.ipv4Slots).toBe(before);
    for (const key of kept) expect(visits.get(key)).toBe(1);
    expect(visits.size).toBeLessThanOrEqual(kept.size + 1);
  });

  it('keeps its size through deleting every entry and adding them again (no shrink and regrow)', () => {
    const map = new PrefixMap<number>();
    for (let i = 0; i < 50_000; i++) map.set(slash24(i), i);
    const full = map.ipv4Slots;
    for (let i = 0; i < 50_000; i++) map.delete(slash24(i));
    expect(map.size).toBe(0);
    expect([...map.keys()]).toEqual([]);
    expect(map.ipv4Slots).toBe(full);
    for (let i = 0; i < 50_000; i++) map.set(slash24(i), i);
    expect(map.ipv4Slots).toBe(full);
    for (let i = 0; i < 50_000; i++) expect(map.get(slash24(i))).toBe(i);
  });

  it('keeps a small table through clear (a per-slice change map), drops a large one to its smallest size', () => {
    const small = new PrefixMap<number>();
    for (let i = 0; i < 16_384; i++) small.set(slash24(i), i);
    const slots = small.ipv4Slots;
    small.clear();
    expect(small.size).toBe(0);
    expect(small.get(slash24(5))).toBeUndefined();
    expect([...small.keys()]).toEqual([]);
    expect(small.ipv4Slots).toBe(slots);
    small.set(slash24(7), 7);
    expect([...small.entries()]).toEqual([[slash24(7), 7]]);
    const large = new PrefixMap<number>();
    for (let i = 0; i < 200_000; i++) large.set(slash24(i), i);
    large.clear();
    expect(large.ipv4Slots).toBeLessThan(100);
    expect(large.get(slash24(5))).toBeUndefined();
  });

  it('iterates in the same order whatever the insertion order', () => {
    const map = new PrefixMap<number>();
    for (let i = 0; i < 500; i++) map.set(slash24(i), i);
    const forwards = [...map.keys()];
    map.clear();
    for (let i = 499; i >= 0; i--) map.set(slash24(i), i);
    expect([...map.keys()]).toEqual(forwards);
  });

  it('keeps probes short when part of a table is copied into another in iteration order', () => {
    // with one hash for every table, the first tenth of this order hashes into the first tenth of
    // the new table's home slots too: one run of thousands that every insert scans
    const from = new PrefixMap<number>();
    for (let i = 0; i < 100_000; i++) from.set(slash24(i), i);
    const into = new PrefixMap<number>();
    const ids = new PrefixIdMap();
    for (const [key, value] of from) {
      if (into.size === 10_000) break;
      into.set(key, value);
      ids.set(key, value);
    }
    expect(into.ipv4LongestProbe).toBeLessThan(64);
    expect(ids.ipv4LongestProbe).toBeLessThan(64);
    expect(from.ipv4LongestProbe).toBeLessThan(64);
    for (const [key, value] of into) expect(ids.get(key)).toBe(value);
  });

  it('update: one call reads, replaces or deletes a value and returns the one before, for both families', () => {
    const map = new PrefixMap<number>();
    const add = (current: number | undefined, by: number, cap: number): number | undefined => {
      const value = (current ?? 0) + by;
      return value > cap ? undefined : value;
    };
    for (const key of [slash24(3), '2001:db8::/32'] as const) {
      expect(map.update(key, add, 2, 10)).toBeUndefined();
      expect(map.get(key)).toBe(2);
      expect(map.update(key, add, 5, 10)).toBe(2);
      expect(map.get(key)).toBe(7);
      // above the cap: the step answers undefined and the key goes
      expect(map.update(key, add, 5, 10)).toBe(7);
      expect(map.has(key)).toBe(false);
      // nothing before and nothing after: the key stays absent
      expect(map.update(key, add, 50, 10)).toBeUndefined();
      expect(map.has(key)).toBe(false);
    }
    expect(map.size).toBe(0);
    for (let i = 0; i < 1000; i++) map.update(slash24(i), add, i, 10_000);
    expect(map.size).toBe(1000);
    expect(map.get(slash24(999))).toBe(999);
  });

  it('lists IPv6 entries after the IPv4 ones, in insertion order', () => {
    const map = new PrefixMap<number>();
    map.set('2001:db8:2::/48', 1);
    map.set(slash24(1), 2);
    map.set('2001:db8:1::/48', 3);
    expect([...map.keys()]).toEqual([slash24(1), '2001:db8:2::/48', '2001:db8:1::/48']);
  });
});

describe('PrefixIdMap', () => {
  const idOperation: fc.Arbitrary<Operation> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constantFrom('set' as const, 'swap' as const),
        key: anyKey,
        // ids below 32,767 live in the slot, larger ones beside the table: both, and changes between them
        value: fc.oneof(
          fc.integer({ min: 0, max: 40 }),
          fc.integer({ min: 32_760, max: 32_770 }),
          fc.integer({ min: 0, max: 0x7fffffff }),
        ),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({ op: fc.constantFrom('delete' as const, 'take' as const), key: anyKey }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const) }) },
  );

  it('answers get, has, size and iteration as a Map of integers does after any sequence of changes', () => {
    fc.assert(
      fc.property(fc.array(idOperation, { maxLength: 300 }), anyKey, (operations, probe) => {
        const map = new PrefixIdMap();
        const reference = new Map<PrefixKey, number>();
        for (const step of operations) {
          if (step.op === 'set') {
            map.set(step.key, step.value);
            reference.set(step.key, step.value);
          } else if (step.op === 'swap') {
            expect(map.swap(step.key, step.value)).toBe(reference.get(step.key) ?? -1);
            reference.set(step.key, step.value);
          } else if (step.op === 'delete') {
            expect(map.delete(step.key)).toBe(reference.delete(step.key));
          } else if (step.op === 'take') {
            expect(map.take(step.key)).toBe(reference.get(step.key) ?? -1);
            reference.delete(step.key);
          } else {
            map.clear();
            reference.clear();
          }
          expect(map.size).toBe(reference.size);
        }
        for (const [key, value] of reference) {
          expect(map.get(key)).toBe(value);
          expect(map.has(key)).toBe(true);
        }
        expect(map.get(probe)).toBe(reference.get(probe) ?? -1);
        expect(map.has(probe)).toBe(reference.has(probe));
        expect(sorted(map.keys())).toEqual(sorted(reference.keys()));
        const visited: string[] = [];
        map.forEach((value, key) => visited.push(`${key}=${value}`));
        expect(visited.sort()).toEqual([...reference].map(([key, value]) => `${key}=${value}`).sort());
      }),
    );
  });

  it('keeps each value with its key while inserts and deletes shift the runs', () => {
    const map = new PrefixIdMap();
    // every other id past 32,767 (kept beside the table, not in the slot)
    const id = (i: number): number => (i % 2 === 0 ? i : 0x7fff0000 + i);
    for (let i = 0; i < 20_000; i++) map.set(slash24(i), id(i));
    for (let i = 0; i < 20_000; i += 3) map.delete(slash24(i));
    for (let i = 0; i < 20_000; i++) expect(map.get(slash24(i))).toBe(i % 3 === 0 ? -1 : id(i));
  });

  it('keeps its size when emptied, and when filled again', () => {
    const map = new PrefixIdMap();
    for (let i = 0; i < 50_000; i++) map.set(slash24(i), i);
    const full = map.ipv4Slots;
    for (let i = 0; i < 50_000; i++) map.delete(slash24(i));
    expect(map.ipv4Slots).toBe(full);
    for (let i = 0; i < 50_000; i++) map.set(slash24(i), 7);
    expect(map.ipv4Slots).toBe(full);
    expect(map.get(slash24(49_999))).toBe(7);
  });
});

describe('PrefixSet', () => {
  it('answers has, size and iteration as a Set does after any sequence of changes', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 300 }), (operations) => {
        const set = new PrefixSet();
        const reference = new Set<PrefixKey>();
        for (const step of operations) {
          if (step.op === 'set') {
            set.add(step.key);
            reference.add(step.key);
          } else if (step.op === 'delete') {
            expect(set.delete(step.key)).toBe(reference.delete(step.key));
          }
          expect(set.size).toBe(reference.size);
        }
        for (const key of reference) expect(set.has(key)).toBe(true);
        expect(sorted(set)).toEqual(sorted(reference));
      }),
    );
  });

  it('restarted after each bounded batch of deletions, visits every member once (the export flush)', () => {
    const set = new PrefixSet();
    for (let i = 0; i < 3000; i++) set.add(slash24(i));
    const seen = new Set<PrefixKey>();
    while (set.size > 0) {
      let work = 0;
      for (const key of set) {
        if (work++ >= 100) break;
        expect(seen.has(key)).toBe(false);
        seen.add(key);
        set.delete(key);
      }
    }
    expect(seen.size).toBe(3000);
  });
});
