import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatIpv6,
  formatPrefix,
  parseIpv4,
  parseIpv6,
  parsePrefix,
  prefixContains,
  prefixFromKey,
  prefixKey,
  PrefixParseError,
} from './prefix.js';

describe('IPv4 addresses', () => {
  it('parses dotted quads and rejects malformed ones', () => {
    expect(parseIpv4('10.0.1.4')).toBe(0x0a000104);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['10.0.1', '256.0.0.1', '01.2.3.4', '1.2.3.4 ', 'a.b.c.d', '']) {
      expect(parseIpv4(bad)).toBeUndefined();
    }
  });
});

describe('IPv6 addresses', () => {
  it('round-trips canonical text forms (RFC 5952)', () => {
    for (const text of ['::', '::1', '2001:db8::1', 'fe80::1:2', '2001:db8:0:1:1:1:1:1', '::ffff:10.0.0.1']) {
      const parsed = parseIpv6(text);
      expect(parsed).toBeDefined();
      if (text.includes('.')) continue;
      expect(formatIpv6(parsed!)).toBe(text);
    }
  });

  it('rejects malformed text', () => {
    for (const bad of ['1::2::3', ':::', '12345::', '1:2:3:4:5:6:7:8:9', 'g::1']) {
      expect(parseIpv6(bad)).toBeUndefined();
    }
  });
});

describe('prefixes', () => {
  it('normalises host bits unless strict', () => {
    expect(formatPrefix(parsePrefix('10.1.2.3/16'))).toBe('10.1.0.0/16');
    expect(() => parsePrefix('10.1.2.3/16', { strict: true })).toThrow(PrefixParseError);
    expect(formatPrefix(parsePrefix('2001:db8::1/32'))).toBe('2001:db8::/32');
  });

  it('rejects bad lengths and garbage', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0.0', '10.0.0.0/-1', '::/129', 'x/8']) {
      expect(() => parsePrefix(bad)).toThrow(PrefixParseError);
    }
  });

  it('answers containment', () => {
    expect(prefixContains(parsePrefix('10.0.0.0/8'), parsePrefix('10.1.0.0/16'))).toBe(true);
    expect(prefixContains(parsePrefix('10.1.0.0/16'), parsePrefix('10.1.0.0/16'))).toBe(true);
    expect(prefixContains(parsePrefix('10.1.0.0/16'), parsePrefix('10.0.0.0/8'))).toBe(false);
    expect(prefixContains(parsePrefix('0.0.0.0/0'), parsePrefix('192.0.2.0/24'))).toBe(true);
    expect(prefixContains(parsePrefix('2001:db8::/32'), parsePrefix('2001:db8:1::/48'))).toBe(true);
    expect(prefixContains(parsePrefix('::/0'), parsePrefix('10.0.0.0/8'))).toBe(false);
  });

  it('maps every IPv4 prefix to a distinct key and back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (addr, len) => {
        const p = parsePrefix(
          `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}/${len}`,
        );
        expect(prefixFromKey(prefixKey(p))).toEqual(p);
      }),
    );
  });
});
