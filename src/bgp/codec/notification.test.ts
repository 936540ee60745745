import { describe, expect, it } from 'vitest';
import { fromHex } from '../../lib/bytes.js';
import { CONTEXT_4 } from './__fixtures__/golden.js';
import { BgpWireError } from './errors.js';
import { decode, encode } from './message.js';
import { ceaseNotification } from './notification.js';
import type { NotificationMessage } from './types.js';

const M = 'ff'.repeat(16);

describe('NOTIFICATION (RFC 4271 §4.5, RFC 9003)', () => {
  it('keeps the data but no communication when the communication is not UTF-8', () => {
    const message = decode(fromHex(M + '001803' + '0602' + '02c328'), CONTEXT_4) as NotificationMessage;
    expect(message.shutdownCommunication).toBeUndefined();
    expect([...message.data]).toEqual([2, 0xc3, 0x28]);
  });

  it('keeps the data but no communication when its length octet disagrees with the data', () => {
    const message = decode(fromHex(M + '001803' + '0604' + '056f6b'), CONTEXT_4) as NotificationMessage;
    expect(message.shutdownCommunication).toBeUndefined();
  });

  it('reads a communication only on Administrative Shutdown and Administrative Reset', () => {
    const message = decode(fromHex(M + '001803' + '0603' + '026f6b'), CONTEXT_4) as NotificationMessage;
    expect(message.shutdownCommunication).toBeUndefined();
    const reset = decode(fromHex(M + '001803' + '0604' + '026f6b'), CONTEXT_4) as NotificationMessage;
    expect(reset.shutdownCommunication).toBe('ok');
  });

  it('builds a Cease with a multi-byte communication and truncates it at 255 octets on a character boundary', () => {
    const message = ceaseNotification(2, 'é'.repeat(200));
    expect(message.data[0]).toBe(254);
    expect(message.shutdownCommunication).toBe('é'.repeat(127));
    const decoded = decode(encode(message, CONTEXT_4), CONTEXT_4) as NotificationMessage;
    expect(decoded.shutdownCommunication).toBe('é'.repeat(127));
  });
});

describe('ROUTE-REFRESH (RFC 2918, RFC 7313)', () => {
  it('reports a ROUTE-REFRESH of the wrong length as a ROUTE-REFRESH Message Error with the message as data', () => {
    const bytes = fromHex(M + '00180500010001' + '00');
    let error: unknown;
    try {
      decode(bytes, CONTEXT_4);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BgpWireError);
    const wire = error as BgpWireError;
    expect([wire.code, wire.notificationCode, wire.notificationSubcode]).toEqual([
      'BGPRS_ERR_MALFORMED_ROUTE_REFRESH',
      7,
      1,
    ]);
    expect(Buffer.from(wire.data)).toEqual(bytes);
  });

  it('returns an unknown subtype as it is, for the receiver to ignore', () => {
    expect(decode(fromHex(M + '00170500010901'), CONTEXT_4)).toEqual({
      type: 'route-refresh',
      afi: 1,
      safi: 1,
      subtype: 9,
    });
  });
});
