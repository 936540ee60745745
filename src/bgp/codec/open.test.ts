import { describe, expect, it } from 'vitest';
import { fromHex } from '../../lib/bytes.js';
import { CONTEXT_2, ip } from './__fixtures__/golden.js';
import { BgpEncodeError, BgpWireError } from './errors.js';
import { decode, encode } from './message.js';
import type { Capability, OpenMessage } from './types.js';

function open(fixed: string, parameters: string): Buffer {
  const body = fixed + (parameters.length / 2).toString(16).padStart(2, '0') + parameters;
  return fromHex('ff'.repeat(16) + (19 + body.length / 2).toString(16).padStart(4, '0') + '01' + body);
}
const FIXED = '04fde900b40a000001';

function errorOf(bytes: Buffer): BgpWireError {
  try {
    decode(bytes, CONTEXT_2);
  } catch (error) {
    if (error instanceof BgpWireError) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('OPEN (RFC 4271 §4.2, §6.2; RFC 5492; RFC 9072)', () => {
  it('rejects version 3 and names version 4 in the data', () => {
    const error = errorOf(open('03fde900b40a000001', ''));
    expect([error.code, error.notificationSubcode, [...error.data]]).toEqual([
      'BGPRS_ERR_UNSUPPORTED_VERSION',
      1,
      [0, 4],
    ]);
  });

  it('rejects a hold time of 1 or 2 seconds', () => {
    expect(errorOf(open('04fde900010a000001', '')).code).toBe('BGPRS_ERR_UNACCEPTABLE_HOLD_TIME');
    expect(errorOf(open('04fde900020a000001', '')).notificationSubcode).toBe(6);
  });

  it('accepts a hold time of 0', () => {
    expect(decode(open('04fde9000000000001', ''), CONTEXT_2)).toMatchObject({ holdTime: 0 });
  });

  it('rejects a BGP Identifier of zero (RFC 6286)', () => {
    expect(errorOf(open('04fde900b400000000', '')).code).toBe('BGPRS_ERR_BAD_BGP_IDENTIFIER');
  });

  it('rejects AS 0 as a Bad Peer AS, in My Autonomous System or the 4-octet AS capability (RFC 7607)', () => {
    expect(errorOf(open('04000000b40a000001', '')).code).toBe('BGPRS_ERR_BAD_PEER_AS');
    const error = errorOf(open(FIXED, '0206410400000000'));
    expect([error.code, error.notificationSubcode]).toEqual(['BGPRS_ERR_BAD_PEER_AS', 2]);
  });

  it('rejects an optional parameter other than Capabilities', () => {
    const error = errorOf(open(FIXED, '0102aaaa'));
    expect([error.code, error.notificationSubcode]).toEqual(['BGPRS_ERR_UNSUPPORTED_OPTIONAL_PARAMETER', 4]);
  });

  it('rejects a capability overrunning its optional parameter', () => {
    expect(errorOf(open(FIXED, '0203010400')).code).toBe('BGPRS_ERR_MALFORMED_OPEN');
  });

  it('rejects a multiprotocol capability of the wrong length', () => {
    expect(errorOf(open(FIXED, '0205010300010001'.slice(0, 14))).code).toBe('BGPRS_ERR_MALFORMED_CAPABILITY');
  });

  it('rejects optional parameters whose length disagrees with the message', () => {
    const bytes = open(FIXED, '02020200');
    bytes[28] = 3;
    expect(errorOf(bytes).code).toBe('BGPRS_ERR_MALFORMED_OPEN');
  });

  it('keeps an unknown capability as its bytes', () => {
    const message = decode(open(FIXED, '0205f003010203'), CONTEXT_2) as OpenMessage;
    expect(message.capabilities).toEqual([{ kind: 'unknown', code: 0xf0, value: Uint8Array.of(1, 2, 3) }]);
  });

  it('switches to RFC 9072 extended parameters when capabilities exceed 255 octets', () => {
    const capabilities: Capability[] = Array.from({ length: 50 }, (_, i) => ({
      kind: 'multiprotocol',
      afi: 1,
      safi: i + 1,
    }));
    const message: OpenMessage = {
      type: 'open',
      version: 4,
      myAs: 65001,
      holdTime: 90,
      bgpIdentifier: ip('10.0.0.1'),
      capabilities,
    };
    const bytes = encode(message, CONTEXT_2);
    expect(bytes[28]).toBe(255);
    expect(bytes[29]).toBe(255);
    const decoded = decode(bytes, CONTEXT_2) as OpenMessage;
    expect(decoded.capabilities).toEqual(capabilities);
    expect(decoded.extendedParameters).toBe(true);
  });

  it('decodes graceful restart with the N bit and several families', () => {
    const message = decode(
      open(FIXED, '020c400a' + 'c0b4' + '00010180' + '00020100'),
      CONTEXT_2,
    ) as OpenMessage;
    expect(message.capabilities[0]).toEqual({
      kind: 'graceful-restart',
      flags: 0xc,
      restartTime: 180,
      families: [
        { afi: 1, safi: 1, flags: 0x80 },
        { afi: 2, safi: 1, flags: 0 },
      ],
    });
  });
});

describe('OPEN encoding', () => {
  it('refuses a My Autonomous System that does not fit in two octets', () => {
    const message: OpenMessage = {
      type: 'open',
      version: 4,
      myAs: 4200000000,
      holdTime: 90,
      bgpIdentifier: ip('10.0.0.1'),
      capabilities: [],
    };
    expect(() => encode(message, CONTEXT_2)).toThrow(BgpEncodeError);
  });
});
