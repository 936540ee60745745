/**
 * A growable big-endian byte writer over a Buffer, for wire encoders.
 *
 * Network byte order throughout (RFC 4271 §4 "all multi-octet fields are in
 * network byte order"). Reserve a length field with `reserveU8`/`reserveU16`
 * and fill it with `patchU8`/`patchU16` once the body is written.
 */

export class ByteWriter {
  private buffer: Buffer;
  /** the write position (bytes written so far) */
  offset = 0;

  constructor(initialSize = 4096) {
    this.buffer = Buffer.allocUnsafe(Math.max(16, initialSize));
  }

  /** Makes room for `bytes` more bytes. */
  ensure(bytes: number): void {
    const needed = this.offset + bytes;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buffer.copy(next, 0, 0, this.offset);
    this.buffer = next;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buffer[this.offset++] = value & 255;
  }

  u16(value: number): void {
    this.ensure(2);
    const b = this.buffer;
    b[this.offset] = (value >>> 8) & 255;
    b[this.offset + 1] = value & 255;
    this.offset += 2;
  }

  u32(value: number): void {
    this.ensure(4);
    const b = this.buffer;
    const o = this.offset;
    b[o] = (value >>> 24) & 255;
    b[o + 1] = (value >>> 16) & 255;
    b[o + 2] = (value >>> 8) & 255;
    b[o + 3] = value & 255;
    this.offset = o + 4;
  }

  bytes(value: Uint8Array): void {
    this.ensure(value.length);
    this.buffer.set(value, this.offset);
    this.offset += value.length;
  }

  /** Writes `count` copies of `value`. */
  fill(value: number, count: number): void {
    this.ensure(count);
    this.buffer.fill(value, this.offset, this.offset + count);
    this.offset += count;
  }

  /** Reserves a 1-octet field and returns its position. */
  reserveU8(): number {
    this.u8(0);
    return this.offset - 1;
  }

  /** Reserves a 2-octet field and returns its position. */
  reserveU16(): number {
    this.u16(0);
    return this.offset - 2;
  }

  patchU8(position: number, value: number): void {
    this.buffer[position] = value & 255;
  }

  patchU16(position: number, value: number): void {
    this.buffer[position] = (value >>> 8) & 255;
    this.buffer[position + 1] = value & 255;
  }

  /** Direct access for hot loops: the current backing buffer (valid until the next ensure). */
  raw(): Buffer {
    return this.buffer;
  }

  /** Moves the write position back to `position` (drops what was written after it). */
  truncate(position: number): void {
    this.offset = position;
  }

  /** A copy of everything written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.offset));
  }

  /** A copy of the bytes from `start` to the current position. */
  copyFrom(start: number): Buffer {
    return Buffer.from(this.buffer.subarray(start, this.offset));
  }

  reset(): void {
    this.offset = 0;
  }
}

/** Reads a big-endian unsigned 32-bit number. */
export function readU32(bytes: Uint8Array, offset: number): number {
  return (
    bytes[offset]! * 0x1000000 + ((bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!)
  );
}

/** Reads a big-endian unsigned 16-bit number. */
export function readU16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

/** Bytes from hex; whitespace and ':' separators are ignored. */
export function fromHex(text: string): Buffer {
  return Buffer.from(text.replace(/[\s:]/g, ''), 'hex');
}
