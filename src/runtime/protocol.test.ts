import { describe, expect, it } from 'vitest';
import { parsePrefix, prefixKey, type PrefixKey } from '../lib/prefix.js';
import { decodeRouteBatch, RouteBatchEncoder, RouteBatchView } from './protocol.js';

const key = (text: string): PrefixKey => prefixKey(parsePrefix(text));

describe('route batches across the thread boundary', () => {
  it('reads a batch in place: IPv4 changes, then IPv6, each with its next-hop set or withdrawn', () => {
    const encoder = new RouteBatchEncoder();
    const one = ['10.0.1.4'];
    const two = ['10.0.1.4', '10.0.1.5'];
    encoder.add(key('16.0.0.0/24'), one);
    encoder.add(key('2001:db8:1::/48'), two);
    encoder.add(key('255.255.255.255/32'), two);
    encoder.add(key('0.0.0.0/0'), undefined);
    encoder.add(key('16.0.1.0/24'), one);
    encoder.add(key('2001:db8:2::/64'), undefined);
    const view = new RouteBatchView(encoder.take());
    const read = Array.from({ length: view.size }, (_, i) => [
      view.keyAt(i),
      view.hopSetAt(i) === 0 ? null : view.hopSet(view.hopSetAt(i)),
    ]);
    expect(read).toEqual([
      [key('16.0.0.0/24'), one],
      [key('255.255.255.255/32'), two],
      [key('0.0.0.0/0'), null],
      [key('16.0.1.0/24'), one],
      [key('2001:db8:1::/48'), two],
      [key('2001:db8:2::/64'), null],
    ]);
    expect(view.batch.hopSets).toEqual([one, two]);
  });

  it('gives the same changes as objects as in place', () => {
    const encoder = new RouteBatchEncoder();
    encoder.add(key('16.0.0.0/24'), ['10.0.1.4']);
    encoder.add(key('2001:db8:1::/48'), undefined);
    const view = new RouteBatchView(encoder.take());
    const changes = view.changes();
    expect(changes).toEqual(decodeRouteBatch(view.batch));
    expect(changes.map((c) => [prefixKey(c.prefix), c.route?.nextHops ?? null])).toEqual([
      [key('16.0.0.0/24'), ['10.0.1.4']],
      [key('2001:db8:1::/48'), null],
    ]);
  });

  it('starts each batch afresh after take', () => {
    const encoder = new RouteBatchEncoder();
    const hops = ['10.0.1.4'];
    encoder.add(key('16.0.0.0/24'), hops);
    encoder.take();
    encoder.add(key('16.0.1.0/24'), hops);
    const view = new RouteBatchView(encoder.take());
    expect(view.size).toBe(1);
    expect(view.hopSetAt(0)).toBe(1);
    expect(view.hopSet(1)).toEqual(hops);
  });
});
