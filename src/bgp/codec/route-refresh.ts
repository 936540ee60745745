/**
 * ROUTE-REFRESH message, with the enhanced route refresh subtypes.
 *
 * RFCs: 2918 §3 (message: AFI, reserved, SAFI), 7313 §3 (the reserved octet
 * becomes the subtype: 0 normal, 1 BoRR, 2 EoRR) and §5 (a ROUTE-REFRESH of
 * a length other than 23 is a ROUTE-REFRESH Message Error / Invalid Message
 * Length with the message as data; unknown subtypes are ignored by the
 * receiver, so the codec returns them as they are).
 */
import type { ByteWriter } from '../../lib/bytes.js';
import { readU16 } from '../../lib/bytes.js';
import { BgpWireError, checkRange } from './errors.js';
import { ErrorCode, MessageType, RouteRefreshErrorSubcode } from './iana.js';
import { beginMessage, finishMessage } from './header.js';
import type { RouteRefreshMessage } from './types.js';

/** Decodes a whole ROUTE-REFRESH message [start, end) (header included). */
export function decodeRouteRefresh(bytes: Uint8Array, start: number, end: number): RouteRefreshMessage {
  if (end - start !== 23) {
    throw new BgpWireError({
      code: 'BGPRS_ERR_MALFORMED_ROUTE_REFRESH',
      message: `ROUTE-REFRESH with length ${end - start}, expected 23`,
      notificationCode: ErrorCode.RouteRefreshMessage,
      notificationSubcode: RouteRefreshErrorSubcode.InvalidMessageLength,
      data: Uint8Array.from(bytes.subarray(start, end)),
    });
  }
  const body = start + 19;
  return {
    type: 'route-refresh',
    afi: readU16(bytes, body),
    subtype: bytes[body + 2]!,
    safi: bytes[body + 3]!,
  };
}

export function encodeRouteRefresh(message: RouteRefreshMessage, writer: ByteWriter): void {
  checkRange('AFI', message.afi, 0xffff);
  checkRange('SAFI', message.safi, 0xff);
  checkRange('subtype', message.subtype, 0xff);
  const start = beginMessage(writer, MessageType.RouteRefresh);
  writer.u16(message.afi);
  writer.u8(message.subtype);
  writer.u8(message.safi);
  finishMessage(writer, start);
}
