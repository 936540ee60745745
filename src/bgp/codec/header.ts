/**
 * The BGP message header and framing: marker, length, type.
 *
 * RFC 4271 §4.1 (header), §6.1 (header error handling), RFC 8654 §4
 * (extended messages: up to 65535 octets, never for OPEN or KEEPALIVE),
 * RFC 2918 §3 (ROUTE-REFRESH length), RFC 7313 §5.
 */
import type { ByteWriter } from '../../lib/bytes.js';
import { readU16 } from '../../lib/bytes.js';
import { headerError, lengthData, messageTypeName } from './errors.js';
import {
  HEADER_LENGTH,
  HeaderErrorSubcode,
  MARKER_LENGTH,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
} from './iana.js';

/** RFC 4271 §4.1/§6.1 smallest legal length of each message type (KEEPALIVE: exact). */
const MINIMUM_LENGTH: readonly (number | undefined)[] = [
  undefined,
  29, // OPEN
  23, // UPDATE
  21, // NOTIFICATION
  19, // KEEPALIVE
  23, // ROUTE-REFRESH
];

export interface MessageHeader {
  readonly length: number;
  readonly type: number;
}

/** The largest message the session accepts or sends (RFC 8654). */
export function maxMessageLength(extendedMessage: boolean): number {
  return extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

/**
 * Validates the header at `offset` (at least 19 bytes must be present) and
 * returns its length and type; throws a typed header error (RFC 4271 §6.1).
 */
export function parseHeader(bytes: Uint8Array, offset: number, extendedMessage: boolean): MessageHeader {
  return { length: checkedLength(bytes, offset, extendedMessage), type: bytes[offset + 18]! };
}

/** Validates the header at `offset` and returns the message length (no allocation). */
export function checkedLength(bytes: Uint8Array, offset: number, extendedMessage: boolean): number {
  let marker = 0xff;
  for (let i = 0; i < MARKER_LENGTH; i++) marker &= bytes[offset + i]!;
  if (marker !== 0xff) {
    throw headerError(
      'BGPRS_ERR_CONNECTION_NOT_SYNCHRONIZED',
      HeaderErrorSubcode.ConnectionNotSynchronized,
      'message marker is not all ones',
    );
  }
  const length = readU16(bytes, offset + 16);
  const type = bytes[offset + 18]!;
  const minimum = MINIMUM_LENGTH[type];
  if (minimum === undefined) {
    throw headerError(
      'BGPRS_ERR_BAD_MESSAGE_TYPE',
      HeaderErrorSubcode.BadMessageType,
      `unknown message type ${type}`,
      Uint8Array.of(type),
    );
  }
  // RFC 8654 §4: OPEN and KEEPALIVE never exceed 4096 octets.
  const extendedAllowed = extendedMessage && type !== MessageType.Open && type !== MessageType.Keepalive;
  const maximum = type === MessageType.Keepalive ? HEADER_LENGTH : maxMessageLength(extendedAllowed);
  // RFC 7313 §5 gives a ROUTE-REFRESH of a wrong length its own error; the body decoder reports it.
  const lengthOk = type === MessageType.RouteRefresh ? length >= HEADER_LENGTH : length >= minimum;
  if (!lengthOk || length > maximum) {
    throw headerError(
      'BGPRS_ERR_BAD_MESSAGE_LENGTH',
      HeaderErrorSubcode.BadMessageLength,
      `${messageTypeName(type)} with bad length ${length}`,
      lengthData(length),
    );
  }
  return length;
}

/** Writes a header with a placeholder length; returns the message start for `finishMessage`. */
export function beginMessage(writer: ByteWriter, type: number): number {
  const start = writer.offset;
  writer.fill(0xff, MARKER_LENGTH);
  writer.u16(0);
  writer.u8(type);
  return start;
}

/** Patches the length of the message begun at `start`; returns the length. */
export function finishMessage(writer: ByteWriter, start: number): number {
  const length = writer.offset - start;
  writer.patchU16(start + MARKER_LENGTH, length);
  return length;
}

/**
 * Splits a TCP byte stream into whole BGP messages (RFC 4271 §4.1). Each
 * message is returned as a Buffer view of its bytes; a bad header throws the
 * typed header error and the framer must then be discarded with the session.
 */
export class MessageFramer {
  private pending: Buffer | undefined;
  /** RFC 8654: set once both sides advertised extended messages */
  extendedMessage: boolean;

  constructor(options: { extendedMessage?: boolean } = {}) {
    this.extendedMessage = options.extendedMessage ?? false;
  }

  /** Feeds a chunk; returns every message now complete, in order. */
  push(chunk: Buffer): Buffer[] {
    let data = chunk;
    if (this.pending) {
      data = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    const messages: Buffer[] = [];
    let offset = 0;
    while (data.length - offset >= HEADER_LENGTH) {
      const length = checkedLength(data, offset, this.extendedMessage);
      if (data.length - offset < length) break;
      messages.push(data.subarray(offset, offset + length));
      offset += length;
    }
    if (offset < data.length) this.pending = Buffer.from(data.subarray(offset));
    return messages;
  }

  /** Bytes received but not yet part of a whole message. */
  get bufferedBytes(): number {
    return this.pending?.length ?? 0;
  }
}
