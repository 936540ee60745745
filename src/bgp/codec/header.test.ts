import { describe, expect, it } from 'vitest';
import { fromHex } from '../../lib/bytes.js';
import { CONTEXT_4, CONTEXT_EXTENDED } from './__fixtures__/golden.js';
import { BgpWireError } from './errors.js';
import { MessageFramer } from './header.js';
import { decode } from './message.js';

const KEEPALIVE = 'ff'.repeat(16) + '001304';
const REFRESH = 'ff'.repeat(16) + '00170500010001';

function errorOf(run: () => unknown): BgpWireError {
  try {
    run();
  } catch (error) {
    if (error instanceof BgpWireError) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('message header (RFC 4271 §4.1, §6.1)', () => {
  it('rejects a marker that is not all ones as Connection Not Synchronized', () => {
    const error = errorOf(() => decode(fromHex('fe' + KEEPALIVE.slice(2)), CONTEXT_4));
    expect([error.code, error.notificationCode, error.notificationSubcode]).toEqual([
      'BGPRS_ERR_CONNECTION_NOT_SYNCHRONIZED',
      1,
      1,
    ]);
  });

  it('rejects a length below 19 with the length as data', () => {
    const error = errorOf(() => decode(fromHex('ff'.repeat(16) + '001204'), CONTEXT_4));
    expect([error.notificationSubcode, Buffer.from(error.data).toString('hex')]).toEqual([2, '0012']);
  });

  it('rejects a KEEPALIVE longer than 19 octets', () => {
    const error = errorOf(() => decode(fromHex('ff'.repeat(16) + '00140400'), CONTEXT_4));
    expect(error.code).toBe('BGPRS_ERR_BAD_MESSAGE_LENGTH');
  });

  it('rejects an unknown message type with the type as data', () => {
    const error = errorOf(() => decode(fromHex('ff'.repeat(16) + '001309'), CONTEXT_4));
    expect([error.code, [...error.data]]).toEqual(['BGPRS_ERR_BAD_MESSAGE_TYPE', [9]]);
  });

  it('rejects an UPDATE longer than 4096 octets unless extended messages were negotiated (RFC 8654)', () => {
    const body = '0000' + '0000' + '18c0a801'.repeat(1300);
    const bytes = fromHex(
      'ff'.repeat(16) + (19 + body.length / 2).toString(16).padStart(4, '0') + '02' + body,
    );
    expect(errorOf(() => decode(bytes, CONTEXT_4)).code).toBe('BGPRS_ERR_BAD_MESSAGE_LENGTH');
    expect(decode(bytes, CONTEXT_EXTENDED)).toMatchObject({ type: 'update', action: 'treat-as-withdraw' });
  });

  it('never accepts an OPEN longer than 4096 octets, even with extended messages', () => {
    const bytes = Buffer.alloc(5000, 0);
    fromHex('ff'.repeat(16) + '138801').copy(bytes);
    expect(errorOf(() => decode(bytes, CONTEXT_EXTENDED)).code).toBe('BGPRS_ERR_BAD_MESSAGE_LENGTH');
  });

  it('rejects a buffer whose length differs from the length field', () => {
    expect(errorOf(() => decode(fromHex(KEEPALIVE + '00'), CONTEXT_4)).code).toBe(
      'BGPRS_ERR_BAD_MESSAGE_LENGTH',
    );
    expect(errorOf(() => decode(fromHex(KEEPALIVE.slice(0, 20)), CONTEXT_4)).code).toBe(
      'BGPRS_ERR_BAD_MESSAGE_LENGTH',
    );
  });
});

describe('MessageFramer', () => {
  it('splits a chunk holding several messages', () => {
    const framer = new MessageFramer();
    const messages = framer.push(fromHex(KEEPALIVE + REFRESH + KEEPALIVE));
    expect(messages.map((m) => m.toString('hex'))).toEqual([KEEPALIVE, REFRESH, KEEPALIVE]);
    expect(framer.bufferedBytes).toBe(0);
  });

  it('reassembles a message delivered one octet at a time', () => {
    const framer = new MessageFramer();
    const stream = fromHex(REFRESH + KEEPALIVE);
    const out: string[] = [];
    for (const byte of stream) out.push(...framer.push(Buffer.of(byte)).map((m) => m.toString('hex')));
    expect(out).toEqual([REFRESH, KEEPALIVE]);
  });

  it('keeps a partial message until the rest arrives', () => {
    const framer = new MessageFramer();
    expect(framer.push(fromHex(KEEPALIVE + REFRESH.slice(0, 30)))).toHaveLength(1);
    expect(framer.bufferedBytes).toBe(15);
    expect(framer.push(fromHex(REFRESH.slice(30)))[0]!.toString('hex')).toBe(REFRESH);
  });

  it('reports a bad header as a typed error as soon as the header is complete', () => {
    const framer = new MessageFramer();
    expect(errorOf(() => framer.push(fromHex('ff'.repeat(16) + '000104'))).code).toBe(
      'BGPRS_ERR_BAD_MESSAGE_LENGTH',
    );
  });

  it('accepts long UPDATEs once extended messages are on', () => {
    const framer = new MessageFramer({ extendedMessage: true });
    const header = fromHex('ff'.repeat(16) + '138802');
    expect(framer.push(Buffer.concat([header, Buffer.alloc(5000 - 19)]))).toHaveLength(1);
  });
});
