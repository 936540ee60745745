import { describe, expect, it } from 'vitest';
import { bytesOf, GOLDEN } from './__fixtures__/golden.js';
import { decode, encode } from './message.js';
import type { BgpMessage } from './types.js';

/** attributeBytes is a view of the input; compare it separately. */
function withoutAttributeBytes(message: BgpMessage): unknown {
  return message.type === 'update' ? { ...message, attributeBytes: undefined } : message;
}

describe('hand-written golden messages', () => {
  for (const vector of GOLDEN) {
    it(`decodes ${vector.name}`, () => {
      const decoded = decode(bytesOf(vector), vector.context);
      expect(withoutAttributeBytes(decoded)).toEqual(withoutAttributeBytes(vector.message));
    });
    it(`encodes ${vector.name}`, () => {
      expect(encode(vector.message, vector.context).toString('hex')).toBe(vector.hex);
    });
  }

  it('keeps the raw Path Attributes field of an UPDATE for interning', () => {
    for (const vector of GOLDEN.filter((v) => v.message.type === 'update')) {
      const bytes = bytesOf(vector);
      const decoded = decode(bytes, vector.context);
      if (decoded.type !== 'update') throw new Error('not an update');
      const withdrawnLength = bytes.readUInt16BE(19);
      const attributesLength = bytes.readUInt16BE(21 + withdrawnLength);
      const start = 23 + withdrawnLength;
      expect(Buffer.from(decoded.attributeBytes)).toEqual(bytes.subarray(start, start + attributesLength));
    }
  });
});
