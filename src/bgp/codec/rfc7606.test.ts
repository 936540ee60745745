import { describe, expect, it } from 'vitest';
import { fromHex } from '../../lib/bytes.js';
import { CONTEXT_2, CONTEXT_4, key } from './__fixtures__/golden.js';
import { BgpWireError, notificationFor } from './errors.js';
import { decode, encode } from './message.js';
import type { CodecContext, UpdateMessage } from './types.js';

const ORIGIN = '40010100';
const AS_PATH = '40020602010000fde9';
const NEXT_HOP = '4003040a000104';
const BASE = ORIGIN + AS_PATH + NEXT_HOP;
const NLRI = '18c0a801';

function hex16(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** Builds an UPDATE from its three fields (hex), lengths computed. */
function update(attributes: string, nlri = NLRI, withdrawn = ''): Buffer {
  const body = hex16(withdrawn.length / 2) + withdrawn + hex16(attributes.length / 2) + attributes + nlri;
  return fromHex('ff'.repeat(16) + hex16(19 + body.length / 2) + '02' + body);
}

function decodeUpdate(bytes: Buffer, context: CodecContext = CONTEXT_4): UpdateMessage {
  const message = decode(bytes, context);
  if (message.type !== 'update') throw new Error('not an UPDATE');
  return message;
}

function decodeError(bytes: Buffer, context: CodecContext = CONTEXT_4): BgpWireError {
  try {
    decode(bytes, context);
  } catch (error) {
    if (error instanceof BgpWireError) return error;
    throw error;
  }
  throw new Error('decoded without error');
}

describe('RFC 7606 per-attribute error handling', () => {
  const withdrawCases: [string, string, string][] = [
    ['ORIGIN of length 2', '4001020000' + AS_PATH + NEXT_HOP, 'BGPRS_ERR_ATTRIBUTE_LENGTH'],
    ['an undefined ORIGIN value', '40010103' + AS_PATH + NEXT_HOP, 'BGPRS_ERR_INVALID_ORIGIN'],
    ['an AS_PATH segment of length zero', ORIGIN + '4002020200' + NEXT_HOP, 'BGPRS_ERR_MALFORMED_AS_PATH'],
    [
      'an AS_PATH segment of unknown type',
      ORIGIN + '40020605010000fde9' + NEXT_HOP,
      'BGPRS_ERR_MALFORMED_AS_PATH',
    ],
    [
      'an AS_PATH segment overrunning the attribute',
      ORIGIN + '40020602020000fde9' + NEXT_HOP,
      'BGPRS_ERR_MALFORMED_AS_PATH',
    ],
    ['NEXT_HOP of length 5', ORIGIN + AS_PATH + '4003050a00010400', 'BGPRS_ERR_ATTRIBUTE_LENGTH'],
    ['NEXT_HOP 0.0.0.0', ORIGIN + AS_PATH + '40030400000000', 'BGPRS_ERR_INVALID_NEXT_HOP'],
    ['MULTI_EXIT_DISC of length 3', BASE + '800403000064', 'BGPRS_ERR_ATTRIBUTE_LENGTH'],
    ['LOCAL_PREF of length 5', BASE + '4005050000006400', 'BGPRS_ERR_ATTRIBUTE_LENGTH'],
    ['COMMUNITIES of length 0', BASE + 'c00800', 'BGPRS_ERR_ATTRIBUTE_LENGTH'],
    ['COMMUNITIES of length 6', BASE + 'c00806fde900640000', 'BGPRS_ERR_ATTRIBUTE_LENGTH'],
    ['ORIGINATOR_ID of length 3', BASE + '8009030a0000', 'BGPRS_ERR_ATTRIBUTE_LENGTH'],
    ['CLUSTER_LIST of length 6', BASE + '800a060a0000010a00', 'BGPRS_ERR_ATTRIBUTE_LENGTH'],
    ['EXTENDED_COMMUNITIES of length 7', BASE + 'c010070002fde9000000', 'BGPRS_ERR_ATTRIBUTE_LENGTH'],
    ['LARGE_COMMUNITY of length 13', BASE + 'c0200d' + '00'.repeat(13), 'BGPRS_ERR_ATTRIBUTE_LENGTH'],
    ['ORIGIN flagged optional', 'c0010100' + AS_PATH + NEXT_HOP, 'BGPRS_ERR_ATTRIBUTE_FLAGS'],
    ['AS 0 in AS_PATH (RFC 7607)', ORIGIN + '400206020100000000' + NEXT_HOP, 'BGPRS_ERR_MALFORMED_AS_PATH'],
    ['a missing NEXT_HOP', ORIGIN + AS_PATH, 'BGPRS_ERR_MISSING_WELL_KNOWN_ATTRIBUTE'],
    ['a missing ORIGIN', AS_PATH + NEXT_HOP, 'BGPRS_ERR_MISSING_WELL_KNOWN_ATTRIBUTE'],
    ['a missing AS_PATH', ORIGIN + NEXT_HOP, 'BGPRS_ERR_MISSING_WELL_KNOWN_ATTRIBUTE'],
  ];
  for (const [what, attributes, code] of withdrawCases) {
    it(`treats an UPDATE with ${what} as withdraw and still lists its prefixes`, () => {
      const message = decodeUpdate(update(attributes, NLRI, '100a09'));
      expect(message.action).toBe('treat-as-withdraw');
      expect(message.problems?.map((p) => p.code)).toContain(code);
      expect(message.nlri).toEqual([key('192.168.1.0/24')]);
      expect(message.withdrawn).toEqual([key('10.9.0.0/16')]);
    });
  }

  it('reports a missing well-known attribute with its type code as data (RFC 4271 §6.3)', () => {
    const problem = decodeUpdate(update(ORIGIN + AS_PATH)).problems![0]!;
    expect([problem.notificationCode, problem.notificationSubcode, [...problem.data]]).toEqual([3, 3, [3]]);
  });

  it('does not require NEXT_HOP when only MP_REACH_NLRI announces routes', () => {
    const mp = '900e001c000201' + '10' + '20010db8000000000000000000000001' + '00' + '3020010db80001';
    const message = decodeUpdate(update(ORIGIN + AS_PATH + mp, ''));
    expect(message.problems).toBeUndefined();
  });

  const discardCases: [string, string, keyof UpdateMessage['attributes']][] = [
    ['ATOMIC_AGGREGATE of length 1', BASE + '40060100', 'atomicAggregate'],
    ['AGGREGATOR of length 6 on a 4-octet session', BASE + 'c00706fde90a000104', 'aggregator'],
    ['AGGREGATOR with AS 0 (RFC 7607)', BASE + 'c00708000000000a000104', 'aggregator'],
  ];
  for (const [what, attributes, field] of discardCases) {
    it(`discards ${what} and keeps the route`, () => {
      const message = decodeUpdate(update(attributes));
      expect(message.action).toBe('attribute-discard');
      expect(message.attributes[field]).toBeUndefined();
      expect(message.attributes.origin).toBe(0);
    });
  }

  it('discards a malformed AS4_PATH and keeps the 2-octet AS_PATH', () => {
    const message = decodeUpdate(
      update(ORIGIN + '4002040201fde9' + NEXT_HOP + 'c01106020200000001'),
      CONTEXT_2,
    );
    expect(message.action).toBe('attribute-discard');
    expect(message.attributes.asPath).toEqual([{ type: 2, asns: [65001] }]);
  });

  it('ignores AS4_PATH received on a 4-octet-AS session (RFC 6793 §6)', () => {
    const message = decodeUpdate(update(BASE + 'c01106020100000001'));
    expect(message.problems).toBeUndefined();
    expect(message.attributes.asPath).toEqual([{ type: 2, asns: [65001] }]);
  });

  it('keeps the first of two COMMUNITIES attributes (RFC 7606 §3 g)', () => {
    const message = decodeUpdate(update(BASE + 'c00804fde90064' + 'c00804fde900c8'));
    expect(message.action).toBe('attribute-discard');
    expect(message.problems?.[0]?.code).toBe('BGPRS_ERR_DUPLICATE_ATTRIBUTE');
    expect(message.attributes.communities).toEqual([0xfde90064]);
  });

  it('resets the session on a second MP_REACH_NLRI (RFC 7606 §3 g)', () => {
    const mp = '900e001c000201' + '10' + '20010db8000000000000000000000001' + '00' + '3020010db80001';
    const error = decodeError(update(ORIGIN + AS_PATH + mp + mp, ''));
    expect([error.code, error.action]).toEqual(['BGPRS_ERR_DUPLICATE_ATTRIBUTE', 'session-reset']);
  });

  it('lets the strongest action win when an UPDATE has several problems', () => {
    const message = decodeUpdate(update('40010103' + AS_PATH + NEXT_HOP + '40060100'));
    expect(message.problems?.map((p) => p.action)).toContain('attribute-discard');
    expect(message.problems?.map((p) => p.action)).toContain('treat-as-withdraw');
    expect(message.action).toBe('treat-as-withdraw');
  });

  it('treats an attribute overrunning the block as withdraw and finds the NLRI by the total length (§4)', () => {
    const message = decodeUpdate(update(BASE + 'c00810fde90064'));
    expect(message.action).toBe('treat-as-withdraw');
    expect(message.problems?.[0]?.code).toBe('BGPRS_ERR_MALFORMED_ATTRIBUTE_LIST');
    expect(message.nlri).toEqual([key('192.168.1.0/24')]);
  });

  it('treats two stray octets at the end of the block as withdraw (§4)', () => {
    expect(decodeUpdate(update(BASE + 'c008')).action).toBe('treat-as-withdraw');
  });

  it('passes an unknown optional transitive attribute on with the Partial bit set', () => {
    const message = decodeUpdate(update(BASE + 'c0f1020102'));
    expect(message.attributes.unknown).toEqual([{ flags: 0xe0, code: 0xf1, value: Uint8Array.of(1, 2) }]);
    expect(encode(message, CONTEXT_4).toString('hex')).toContain('e0f1020102');
  });

  it('drops an unknown optional non-transitive attribute quietly', () => {
    const message = decodeUpdate(update(BASE + '80f1020102'));
    expect(message.problems).toBeUndefined();
    expect(message.attributes.unknown).toBeUndefined();
  });

  it('resets the session on an unrecognized well-known attribute', () => {
    const error = decodeError(update(BASE + '40f1020102'));
    expect([error.code, error.notificationCode, error.notificationSubcode]).toEqual([
      'BGPRS_ERR_UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE',
      3,
      2,
    ]);
    expect(Buffer.from(error.data).toString('hex')).toBe('40f1020102');
  });

  it('resets the session on a prefix longer than 32 bits in the NLRI field (§5.3)', () => {
    const error = decodeError(update(BASE, '21c0a80101'));
    expect([error.code, error.action, error.notificationSubcode]).toEqual([
      'BGPRS_ERR_INVALID_NETWORK_FIELD',
      'session-reset',
      10,
    ]);
  });

  it('resets the session on a prefix overrunning the Withdrawn Routes field', () => {
    expect(decodeError(update(BASE, NLRI, '18c0a8')).code).toBe('BGPRS_ERR_INVALID_NETWORK_FIELD');
  });

  it('resets the session when the Withdrawn Routes Length overruns the message', () => {
    const bytes = update(BASE);
    bytes.writeUInt16BE(200, 19);
    expect(decodeError(bytes).code).toBe('BGPRS_ERR_MALFORMED_ATTRIBUTE_LIST');
  });

  it('resets the session when the Total Path Attribute Length overruns the message', () => {
    const bytes = update(BASE);
    bytes.writeUInt16BE(200, 21);
    expect(decodeError(bytes).notificationSubcode).toBe(1);
  });

  it('disables the family on an MP_REACH_NLRI with an IPv6 next hop of 4 octets', () => {
    const mp = '900e0010000201' + '04' + '0a000001' + '00' + '3020010db80001';
    const error = decodeError(update(ORIGIN + AS_PATH + mp, ''));
    expect([error.action, error.family]).toEqual(['afisafi-disable', { afi: 2, safi: 1 }]);
  });

  it('resets the session on an MP_UNREACH_NLRI too short to name its family', () => {
    expect(decodeError(update('800f020002', '')).action).toBe('session-reset');
  });

  it('turns an error into the NOTIFICATION that reports it', () => {
    const error = decodeError(update(BASE + '40f1020102'));
    expect(encode(notificationFor(error), CONTEXT_4).toString('hex')).toBe(
      'ff'.repeat(16) + '001a03' + '0302' + '40f1020102',
    );
  });
});
