import { describe, expect, it } from 'vitest';
import { BfdDiagnostic, decodeControlPacket, encodeControlPacket } from './packet.js';
import type { ControlPacket } from './packet.js';

const UP_WITH_POLL: ControlPacket = {
  diagnostic: BfdDiagnostic.None,
  state: 'Up',
  poll: true,
  final: false,
  controlPlaneIndependent: false,
  demand: false,
  detectMultiplier: 3,
  myDiscriminator: 0x01020304,
  yourDiscriminator: 0xa0b0c0d0,
  desiredMinTxMicroseconds: 300_000,
  requiredMinRxMicroseconds: 100_000,
  requiredMinEchoRxMicroseconds: 0,
};

// RFC 5880 §4.1, by hand: version 1 / diag 0 (0x20), state Up (3 << 6) with P (0x20), mult 3, length 24
const UP_WITH_POLL_BYTES = Buffer.from(
  '20e00318' + '01020304' + 'a0b0c0d0' + '000493e0' + '000186a0' + '00000000',
  'hex',
);

const withByte = (index: number, value: number) => {
  const bytes = Buffer.from(UP_WITH_POLL_BYTES);
  bytes[index] = value;
  return bytes;
};

describe('bfd/packet', () => {
  it('encodes a Control packet to the RFC 5880 §4.1 layout', () => {
    expect(encodeControlPacket(UP_WITH_POLL).toString('hex')).toBe(UP_WITH_POLL_BYTES.toString('hex'));
  });

  it('decodes the same bytes back to the packet', () => {
    expect(decodeControlPacket(UP_WITH_POLL_BYTES)).toEqual({ ok: true, packet: UP_WITH_POLL });
  });

  it('carries the diagnostic, the Final and Demand bits and the AdminDown state', () => {
    const packet: ControlPacket = {
      ...UP_WITH_POLL,
      diagnostic: BfdDiagnostic.AdministrativelyDown,
      state: 'AdminDown',
      poll: false,
      final: true,
      demand: true,
      controlPlaneIndependent: true,
    };
    const bytes = encodeControlPacket(packet);
    expect(bytes[0]).toBe(0x27);
    expect(bytes[1]).toBe(0x1a);
    expect(decodeControlPacket(bytes)).toEqual({ ok: true, packet });
  });

  it('accepts a Length larger than 24 when the datagram holds it', () => {
    const bytes = Buffer.concat([withByte(3, 26), Buffer.alloc(2)]);
    expect(decodeControlPacket(bytes).ok).toBe(true);
  });

  it.each([
    ['a datagram shorter than 24 bytes', UP_WITH_POLL_BYTES.subarray(0, 23), 'short'],
    ['version 0', withByte(0, 0x00), 'version'],
    ['a Length under 24', withByte(3, 20), 'length'],
    ['a Length beyond the datagram', withByte(3, 28), 'length'],
    ['Detect Mult 0', withByte(2, 0), 'detect-multiplier-zero'],
    ['the Multipoint bit', withByte(1, 0xc1), 'multipoint'],
    ['the Authentication bit without authentication configured', withByte(1, 0xc4), 'authentication'],
    ['Poll and Final together', withByte(1, 0xf0), 'poll-and-final'],
  ])('discards %s (RFC 5880 §6.8.6)', (_name, bytes, reason) => {
    expect(decodeControlPacket(bytes)).toEqual({ ok: false, reason });
  });

  it('discards Your Discriminator 0 unless the State is Down or AdminDown (RFC 5880 §6.8.6)', () => {
    const bytes = Buffer.from(UP_WITH_POLL_BYTES);
    bytes.writeUInt32BE(0, 8);
    expect(decodeControlPacket(bytes)).toEqual({ ok: false, reason: 'your-discriminator-zero' });
    bytes[1] = 0x40;
    expect(decodeControlPacket(bytes).ok).toBe(true);
  });

  it('discards My Discriminator 0 (RFC 5880 §6.8.6)', () => {
    const bytes = Buffer.from(UP_WITH_POLL_BYTES);
    bytes.writeUInt32BE(0, 4);
    expect(decodeControlPacket(bytes)).toEqual({ ok: false, reason: 'my-discriminator-zero' });
  });
});
