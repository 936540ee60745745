/**
 * NOTIFICATION and KEEPALIVE messages.
 *
 * RFCs: 4271 §4.4 (KEEPALIVE), §4.5 (NOTIFICATION), 4486 (Cease subcodes),
 * 8203 and 9003 (shutdown communication on Cease/Administrative Shutdown and
 * Cease/Administrative Reset: one length octet, then up to 255 octets of UTF-8).
 */
import type { ByteWriter } from '../../lib/bytes.js';
import { BgpEncodeError, checkRange } from './errors.js';
import { CeaseSubcode, ErrorCode, MessageType } from './iana.js';
import { beginMessage, finishMessage } from './header.js';
import type { KeepaliveMessage, NotificationMessage } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function carriesCommunication(code: number, subcode: number): boolean {
  return (
    code === ErrorCode.Cease &&
    (subcode === CeaseSubcode.AdministrativeShutdown || subcode === CeaseSubcode.AdministrativeReset)
  );
}

/**
 * RFC 9003 §2: a length octet then that many octets of UTF-8. A communication
 * that does not fit or is not UTF-8 is ignored (RFC 8203 §4), the data kept.
 */
function shutdownCommunicationOf(data: Uint8Array): string | undefined {
  if (data.length === 0 || data[0]! + 1 !== data.length) return undefined;
  try {
    return utf8.decode(data.subarray(1));
  } catch {
    return undefined;
  }
}

/** Decodes the NOTIFICATION body [start, end) of `bytes`. */
export function decodeNotification(bytes: Uint8Array, start: number, end: number): NotificationMessage {
  const code = bytes[start]!;
  const subcode = bytes[start + 1]!;
  const data = Uint8Array.from(bytes.subarray(start + 2, end));
  const text = carriesCommunication(code, subcode) ? shutdownCommunicationOf(data) : undefined;
  return {
    type: 'notification',
    code,
    subcode,
    data,
    ...(text !== undefined ? { shutdownCommunication: text } : {}),
  };
}

/** Encodes a NOTIFICATION; with empty `data`, a shutdown communication is written as RFC 9003 data. */
export function encodeNotification(
  message: NotificationMessage,
  writer: ByteWriter,
  maxLength: number,
): void {
  checkRange('error code', message.code, 0xff);
  checkRange('error subcode', message.subcode, 0xff);
  const start = beginMessage(writer, MessageType.Notification);
  writer.u8(message.code);
  writer.u8(message.subcode);
  if (message.data.length === 0 && message.shutdownCommunication !== undefined) {
    writer.bytes(shutdownCommunicationData(message.shutdownCommunication));
  } else {
    writer.bytes(message.data);
  }
  if (finishMessage(writer, start) > maxLength) {
    throw new BgpEncodeError('BGPRS_ERR_ENCODE_MESSAGE_TOO_LONG', 'NOTIFICATION data too long');
  }
}

/** RFC 9003 §2 data for a shutdown communication; truncates at a character boundary to 255 octets. */
export function shutdownCommunicationData(text: string): Uint8Array {
  let bytes = Buffer.from(text, 'utf8');
  while (bytes.length > 255) {
    text = Array.from(text).slice(0, -1).join('');
    bytes = Buffer.from(text, 'utf8');
  }
  const out = new Uint8Array(bytes.length + 1);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

/** A Cease NOTIFICATION (RFC 4486), with an optional RFC 9003 shutdown communication. */
export function ceaseNotification(subcode: number, communication?: string): NotificationMessage {
  const data =
    communication !== undefined && carriesCommunication(ErrorCode.Cease, subcode)
      ? shutdownCommunicationData(communication)
      : new Uint8Array(0);
  const text = data.length > 0 ? shutdownCommunicationOf(data) : undefined;
  return {
    type: 'notification',
    code: ErrorCode.Cease,
    subcode,
    data,
    ...(text ? { shutdownCommunication: text } : {}),
  };
}

export const KEEPALIVE: KeepaliveMessage = Object.freeze({ type: 'keepalive' });

export function encodeKeepalive(writer: ByteWriter): void {
  finishMessage(writer, beginMessage(writer, MessageType.Keepalive));
}
