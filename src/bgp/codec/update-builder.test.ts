import { describe, expect, it } from 'vitest';
import { CONTEXT_4, CONTEXT_ADD_PATH, CONTEXT_EXTENDED, ip, v6 } from './__fixtures__/golden.js';
import { encodeAttributes } from './attributes/index.js';
import { BgpEncodeError } from './errors.js';
import { MessageFramer } from './header.js';
import { decode } from './message.js';
import type { CodecContext, PathAttributes, UpdateMessage } from './types.js';
import { endOfRibFamily } from './update.js';
import { UpdateBuilder } from './update-builder.js';
import { ipv4KeyOf } from '../../lib/prefix.js';

const ATTRIBUTES: PathAttributes = {
  origin: 0,
  asPath: [{ type: 2, asns: [65001, 65002, 4200000000] }],
  nextHop: ip('10.0.1.4'),
  communities: [0xfde90064],
};

function updatesOf(stream: Buffer, context: CodecContext): UpdateMessage[] {
  const framer = new MessageFramer({ extendedMessage: context.extendedMessage });
  return framer.push(stream).map((bytes) => decode(bytes, context) as UpdateMessage);
}

const KEYS = Array.from({ length: 3000 }, (_, i) => ipv4KeyOf((0x0a000000 + i * 256) >>> 0, 24));

describe('UpdateBuilder', () => {
  it('packs many prefixes per attribute set into UPDATEs of at most 4096 octets', () => {
    const builder = new UpdateBuilder(CONTEXT_4);
    builder.announce(ATTRIBUTES, KEYS);
    const stream = builder.take();
    const updates = updatesOf(stream, CONTEXT_4);
    expect(updates.length).toBe(
      Math.ceil(KEYS.length / Math.floor((4096 - 23 - encodeAttributes(ATTRIBUTES, CONTEXT_4).length) / 4)),
    );
    expect(updates.flatMap((u) => u.nlri)).toEqual(KEYS);
    for (const u of updates) expect(u.attributes).toMatchObject(ATTRIBUTES);
  });

  it('uses the longer messages of RFC 8654 when negotiated', () => {
    const builder = new UpdateBuilder(CONTEXT_EXTENDED);
    builder.announce(encodeAttributes(ATTRIBUTES, CONTEXT_EXTENDED), KEYS);
    expect(builder.messageCount).toBe(1);
    expect(updatesOf(builder.take(), CONTEXT_EXTENDED)[0]!.nlri).toEqual(KEYS);
  });

  it('writes path identifiers when ADD-PATH send is on', () => {
    const builder = new UpdateBuilder(CONTEXT_ADD_PATH);
    const ids = KEYS.map((_, i) => i + 1);
    builder.announce(ATTRIBUTES, KEYS, ids);
    builder.withdraw(KEYS.slice(0, 10), ids.slice(0, 10));
    const updates = updatesOf(builder.take(), CONTEXT_ADD_PATH);
    expect(updates.flatMap((u) => u.nlriPathIds ?? [])).toEqual(ids);
    expect(updates.flatMap((u) => u.withdrawnPathIds ?? [])).toEqual(ids.slice(0, 10));
  });

  it('refuses to announce without path identifiers when ADD-PATH send is on', () => {
    expect(() => new UpdateBuilder(CONTEXT_ADD_PATH).announce(ATTRIBUTES, KEYS)).toThrow(BgpEncodeError);
  });

  it('packs withdrawals into the Withdrawn Routes field', () => {
    const builder = new UpdateBuilder(CONTEXT_4);
    builder.withdraw(KEYS);
    const updates = updatesOf(builder.take(), CONTEXT_4);
    expect(updates.flatMap((u) => u.withdrawn)).toEqual(KEYS);
    expect(updates.every((u) => u.attributeBytes.length === 0 && u.nlri.length === 0)).toBe(true);
  });

  it('announces and withdraws IPv6 prefixes in MP_REACH_NLRI and MP_UNREACH_NLRI', () => {
    const prefixes = Array.from({ length: 500 }, (_, i) => v6(`2001:db8:${i.toString(16)}::/48`));
    const nextHop = v6('2001:db8::1/128').address;
    const builder = new UpdateBuilder(CONTEXT_4);
    builder.announceIpv6({ origin: 0, asPath: [{ type: 2, asns: [65001] }] }, nextHop, prefixes);
    builder.withdrawIpv6(prefixes);
    const updates = updatesOf(builder.take(), CONTEXT_4);
    const announced = updates.flatMap((u) => u.attributes.mpReach?.nlri.prefixes ?? []);
    const withdrawn = updates.flatMap((u) => u.attributes.mpUnreach?.withdrawn.prefixes ?? []);
    expect(announced).toEqual(prefixes);
    expect(withdrawn).toEqual(prefixes);
    expect(updates.every((u) => u.problems === undefined)).toBe(true);
  });

  it('writes End-of-RIB markers that decode as such (RFC 4724 §2)', () => {
    const builder = new UpdateBuilder(CONTEXT_4);
    builder.endOfRib(1, 1);
    builder.endOfRib(2, 1);
    expect(updatesOf(builder.take(), CONTEXT_4).map(endOfRibFamily)).toEqual([
      { afi: 1, safi: 1 },
      { afi: 2, safi: 1 },
    ]);
  });

  it('refuses an attribute block that cannot fit in one message', () => {
    const huge = { ...ATTRIBUTES, communities: Array.from({ length: 1100 }, (_, i) => i) };
    expect(() => new UpdateBuilder(CONTEXT_4).announce(huge, KEYS)).toThrow(BgpEncodeError);
  });
});

describe('encoding path attributes', () => {
  const cases: [string, PathAttributes][] = [
    ['an ORIGIN above 2', { ...ATTRIBUTES, origin: 3 }],
    ['an AS above 2^32 - 1', { ...ATTRIBUTES, asPath: [{ type: 2, asns: [2 ** 32] }] }],
    ['an AS_PATH segment of type 5', { ...ATTRIBUTES, asPath: [{ type: 5, asns: [1] }] }],
    ['a negative MED', { ...ATTRIBUTES, med: -1 }],
    ['a fractional community', { ...ATTRIBUTES, communities: [1.5] }],
  ];
  for (const [what, attributes] of cases) {
    it(`refuses ${what}`, () => {
      expect(() => encodeAttributes(attributes, CONTEXT_4)).toThrow(BgpEncodeError);
    });
  }
});

describe('endOfRibFamily', () => {
  it('is undefined for an UPDATE that carries routes or attributes', () => {
    const builder = new UpdateBuilder(CONTEXT_4);
    builder.announce(ATTRIBUTES, KEYS.slice(0, 1));
    builder.withdrawIpv6([v6('2001:db8::/32')]);
    expect(updatesOf(builder.take(), CONTEXT_4).map(endOfRibFamily)).toEqual([undefined, undefined]);
  });
});
