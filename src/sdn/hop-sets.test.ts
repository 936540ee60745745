import { describe, expect, it } from 'vitest';
import { HopSetTable } from './hop-sets.js';

describe('HopSetTable', () => {
  it('gives the same id and the same frozen, ascending array to any spelling of a set', () => {
    const table = new HopSetTable();
    const id = table.intern(['10.0.2.10', '10.0.2.9', '10.0.2.10']);
    expect(table.intern(['10.0.2.9', '10.0.2.10'])).toBe(id);
    expect(table.get(id)).toEqual(['10.0.2.9', '10.0.2.10']);
    expect(Object.isFrozen(table.get(id))).toBe(true);
    expect(table.intern(['10.0.2.9'])).not.toBe(id);
  });

  it('answers the union of two sets, whichever comes first, and treats 0 as no set', () => {
    const table = new HopSetTable();
    const a = table.intern(['10.0.2.4']);
    const b = table.intern(['10.0.2.5', '10.0.2.4']);
    const c = table.intern(['10.0.2.6']);
    expect(table.union(a, 0)).toBe(a);
    expect(table.union(0, a)).toBe(a);
    expect(table.union(a, a)).toBe(a);
    expect(table.union(a, b)).toBe(b);
    expect(table.union(c, a)).toBe(table.union(a, c));
    expect(table.get(table.union(b, c))).toEqual(['10.0.2.4', '10.0.2.5', '10.0.2.6']);
  });

  it('forgets a set when its last reference goes, and reuses its id', () => {
    const table = new HopSetTable();
    const a = table.intern(['10.0.2.4']);
    table.retain(a);
    table.retain(a);
    table.release(a);
    expect(table.size).toBe(1);
    table.release(a);
    expect(table.size).toBe(0);
    const b = table.intern(['10.0.2.7']);
    expect(b).toBe(a);
    expect(table.get(b)).toEqual(['10.0.2.7']);
  });

  it('sweeps the sets interned since the last sweep that nothing retained', () => {
    const table = new HopSetTable();
    const kept = table.intern(['10.0.2.4']);
    table.retain(kept);
    const union = table.union(kept, table.intern(['10.0.2.5']));
    expect(table.size).toBe(3);
    table.sweep();
    expect(table.size).toBe(1);
    expect(table.get(kept)).toEqual(['10.0.2.4']);
    // the union cache no longer names the forgotten sets
    const again = table.union(kept, table.intern(['10.0.2.5']));
    expect(table.get(again)).toEqual(['10.0.2.4', '10.0.2.5']);
    expect(union).toBeGreaterThan(0);
  });
});
