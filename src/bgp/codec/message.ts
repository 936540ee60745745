/**
 * The codec's entry points: `decode(bytes, context)` for one whole message and
 * `encode(message, context)`.
 *
 * RFCs: 4271 §4 (messages), §6.1 (header errors), 8654 (extended messages).
 */
import { ByteWriter } from '../../lib/bytes.js';
import { headerError, lengthData } from './errors.js';
import { HEADER_LENGTH, HeaderErrorSubcode, MessageType } from './iana.js';
import { checkedLength, maxMessageLength } from './header.js';
import { decodeNotification, encodeKeepalive, encodeNotification, KEEPALIVE } from './notification.js';
import { decodeOpen, encodeOpen } from './open.js';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh.js';
import type { BgpMessage, CodecContext } from './types.js';
import { decodeUpdate, encodeUpdate } from './update.js';

/** The context before any capability is negotiated (RFC 4271 only). */
export const BASE_CONTEXT: CodecContext = Object.freeze({
  fourOctetAs: false,
  extendedMessage: false,
  addPathReceive: new Set<number>(),
  addPathSend: new Set<number>(),
});

/**
 * Decodes exactly one message (header included). Throws `BgpWireError` on
 * any malformation; returns UPDATEs with RFC 7606 `problems` when the
 * session survives them.
 */
export function decode(bytes: Uint8Array, context: CodecContext): BgpMessage {
  if (bytes.length < HEADER_LENGTH) {
    throw headerError(
      'BGPRS_ERR_BAD_MESSAGE_LENGTH',
      HeaderErrorSubcode.BadMessageLength,
      `message of ${bytes.length} octets is shorter than a header`,
      lengthData(bytes.length),
    );
  }
  const length = checkedLength(bytes, 0, context.extendedMessage);
  const type = bytes[18]!;
  if (length !== bytes.length) {
    throw headerError(
      'BGPRS_ERR_BAD_MESSAGE_LENGTH',
      HeaderErrorSubcode.BadMessageLength,
      `length field ${length} but ${bytes.length} octets`,
      lengthData(length),
    );
  }
  switch (type) {
    case MessageType.Open:
      return decodeOpen(bytes, HEADER_LENGTH, length);
    case MessageType.Update:
      return decodeUpdate(bytes, HEADER_LENGTH, length, context);
    case MessageType.Notification:
      return decodeNotification(bytes, HEADER_LENGTH, length);
    case MessageType.Keepalive:
      return KEEPALIVE;
    default:
      return decodeRouteRefresh(bytes, 0, length);
  }
}

/** Appends the encoding of `message` to `writer` (for batching several messages). */
export function encodeInto(message: BgpMessage, context: CodecContext, writer: ByteWriter): void {
  switch (message.type) {
    case 'open':
      return encodeOpen(message, writer);
    case 'update':
      return encodeUpdate(message, context, writer);
    case 'notification':
      return encodeNotification(message, writer, maxMessageLength(context.extendedMessage));
    case 'keepalive':
      return encodeKeepalive(writer);
    case 'route-refresh':
      return encodeRouteRefresh(message, writer);
  }
}

/** Encodes one message; throws `BgpEncodeError` when it cannot be represented. */
export function encode(message: BgpMessage, context: CodecContext): Buffer {
  const writer = new ByteWriter(message.type === 'update' || message.type === 'open' ? 512 : 64);
  encodeInto(message, context, writer);
  return writer.toBuffer();
}
