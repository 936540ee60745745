import { describe, expect, it } from 'vitest';
import { RefCounts } from './ref-counts.js';

describe('RefCounts', () => {
  /** An owner of interned names: ids index `values`, undefined once forgotten. */
  function owner() {
    const values: (string | undefined)[] = [undefined];
    const dropped: number[] = [];
    const counts = new RefCounts(
      (id) => {
        dropped.push(id);
        values[id] = undefined;
      },
      (id) => values[id] !== undefined,
    );
    const make = (value: string): number => {
      const id = counts.make(values.length);
      values[id] = value;
      return id;
    };
    return { values, dropped, counts, make };
  }

  it('forgets an id when its last reference goes, and reuses it', () => {
    const { values, dropped, counts, make } = owner();
    const a = make('a');
    counts.retain(a);
    counts.retain(a);
    counts.release(a);
    expect(dropped).toEqual([]);
    counts.release(a);
    expect(dropped).toEqual([a]);
    expect(make('b')).toBe(a);
    expect(values[a]).toBe('b');
  });

  it('forgets at the sweep what nothing retained, once, and ignores id 0', () => {
    const { dropped, counts, make } = owner();
    const kept = make('kept');
    const passing = make('passing');
    counts.retain(kept);
    counts.retain(0);
    counts.release(0);
    counts.sweep();
    expect(dropped).toEqual([passing]);
    counts.sweep();
    expect(dropped).toEqual([passing]);
    // an id forgotten by its release and made again before the sweep is swept as the new value
    counts.release(kept);
    const again = make('again');
    expect(again).toBe(kept);
    counts.sweep();
    expect(dropped).toEqual([passing, kept, again]);
  });

  it('grows past its first 16 ids', () => {
    const { counts, make } = owner();
    const ids = Array.from({ length: 40 }, (_, i) => make(`v${i}`));
    for (const id of ids) counts.retain(id);
    counts.sweep();
    expect(new Set(ids).size).toBe(40);
    for (const id of ids) counts.release(id);
    expect(make('next')).toBe(ids[ids.length - 1]);
  });
});
