import { describe, expect, it } from 'vitest';
import { formatPrefix, parsePrefix } from '../lib/prefix.js';
import { AdvertisedAddressSpaces } from './injection.js';

const p = (text: string) => parsePrefix(text);

function spaces(...texts: string[]): AdvertisedAddressSpaces {
  const rule = new AdvertisedAddressSpaces();
  rule.replace(texts.map(p));
  return rule;
}

describe('the injectability rule over the advertised address spaces', () => {
  it('refuses a prefix equal to or more specific than an advertised space', () => {
    const rule = spaces('10.0.0.0/16', 'fd00:1::/48');
    expect(rule.isInjectable(p('10.0.0.0/16'))).toBe(false);
    expect(rule.isInjectable(p('10.0.7.0/24'))).toBe(false);
    expect(rule.isInjectable(p('fd00:1:0:5::/64'))).toBe(false);
  });

  it('accepts supernets of a space, the default routes and prefixes outside every space', () => {
    const rule = spaces('10.0.0.0/16', 'fd00:1::/48');
    expect(rule.isInjectable(p('10.0.0.0/8'))).toBe(true);
    expect(rule.isInjectable(p('0.0.0.0/0'))).toBe(true);
    expect(rule.isInjectable(p('::/0'))).toBe(true);
    expect(rule.isInjectable(p('10.1.0.0/16'))).toBe(true);
  });

  it('injects everything while no space is advertised', () => {
    expect(new AdvertisedAddressSpaces().isInjectable(p('10.0.0.0/16'))).toBe(true);
  });

  it('reports whether a replacement changed the list, and applies the new one', () => {
    const rule = spaces('10.0.0.0/16', '10.1.0.0/16');
    expect(rule.replace([p('10.0.0.0/16'), p('10.1.0.0/16')])).toBe(false);
    expect(rule.replace([p('10.1.0.0/16')])).toBe(true);
    expect(rule.list.map(formatPrefix)).toEqual(['10.1.0.0/16']);
    expect(rule.isInjectable(p('10.0.1.0/24'))).toBe(true);
    expect(rule.isInjectable(p('10.1.1.0/24'))).toBe(false);
  });

  it('keeps its own copy of the list it was given', () => {
    const given = [p('10.0.0.0/16')];
    const rule = new AdvertisedAddressSpaces();
    rule.replace(given);
    given.push(p('10.1.0.0/16'));
    expect(rule.list.map(formatPrefix)).toEqual(['10.0.0.0/16']);
  });
});
