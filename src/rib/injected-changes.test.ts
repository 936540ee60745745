import { describe, expect, it } from 'vitest';
import { ipv4KeyOf, parsePrefix, prefixKey } from '../lib/prefix.js';
import { InjectedChanges } from './injected-changes.js';

function listOf(batch: InjectedChanges): [string | number, readonly string[] | null][] {
  const out: [string | number, readonly string[] | null][] = [];
  for (let i = 0; i < batch.size; i++) {
    const id = batch.hopSetAt(i);
    out.push([batch.keyAt(i), id === 0 ? null : batch.hopSet(id)]);
  }
  return out;
}

describe('InjectedChanges', () => {
  it('keeps IPv4 and IPv6 changes in the order given, withdrawals as set 0', () => {
    const batch = new InjectedChanges();
    const v4 = ipv4KeyOf(0xc0a80000, 24);
    batch.add(v4, ['10.0.2.4']);
    batch.add('2001:db8::/32', ['fd00::a']);
    batch.add(ipv4KeyOf(0xffffff00, 24), undefined);
    expect(listOf(batch)).toEqual([
      [v4, ['10.0.2.4']],
      ['2001:db8::/32', ['fd00::a']],
      [ipv4KeyOf(0xffffff00, 24), null],
    ]);
    expect(batch.hopSetAt(2)).toBe(0);
  });

  it('gives one id to every spelling of the same set, whether the array is shared or not', () => {
    const batch = new InjectedChanges();
    const shared = ['10.0.2.4', '10.0.2.5'];
    for (let i = 0; i < 3; i++) batch.add(ipv4KeyOf(i * 256, 24), shared);
    batch.add(ipv4KeyOf(3 * 256, 24), ['10.0.2.4', '10.0.2.5']);
    batch.add(ipv4KeyOf(4 * 256, 24), ['10.0.2.6']);
    expect(batch.hopSetCount).toBe(2);
    expect(new Set([0, 1, 2, 3].map((i) => batch.hopSetAt(i))).size).toBe(1);
    expect(batch.hopSetAt(4)).not.toBe(batch.hopSetAt(0));
  });

  it('holds a full slice and more (the arrays grow)', () => {
    const batch = new InjectedChanges();
    for (let i = 0; i < 20_000; i++) batch.add(ipv4KeyOf(0x10000000 + i * 256, 24), ['10.0.2.4']);
    expect(batch.size).toBe(20_000);
    expect(batch.keyAt(19_999)).toBe(ipv4KeyOf(0x10000000 + 19_999 * 256, 24));
    expect(batch.hopSet(batch.hopSetAt(19_999))).toEqual(['10.0.2.4']);
  });

  it('is built from change objects as they come from another thread', () => {
    const prefix = parsePrefix('172.16.0.0/12');
    const batch = InjectedChanges.of([
      { prefix, route: { nextHops: ['10.0.2.4'] } },
      { prefix, route: null },
    ]);
    expect(listOf(batch)).toEqual([
      [prefixKey(prefix), ['10.0.2.4']],
      [prefixKey(prefix), null],
    ]);
  });
});
