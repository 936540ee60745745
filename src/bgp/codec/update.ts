/**
 * UPDATE messages: decode once per message, and build many prefixes per
 * attribute set for sending.
 *
 * RFCs: 4271 §4.3 (format), §6.3 (errors), §9.2 (packing); 4760 (MP_REACH,
 * MP_UNREACH), 4724 §2 (End-of-RIB), 7911 (path identifiers), 7606 §3 (d)
 * (missing well-known attributes → treat-as-withdraw; NEXT_HOP only needed
 * with IPv4 NLRI in the NLRI field, as RFC 4760 makes it), §5.3 (NLRI field
 * syntax errors reset the session), 8654 (extended message length).
 */
import type { ByteWriter } from '../../lib/bytes.js';
import { readU16 } from '../../lib/bytes.js';
import { decodeAttributeBlock, encodeAttributeBlock } from './attributes/index.js';
import { BgpEncodeError, BgpWireError, ErrorAction, notifiedError, strongerAction } from './errors.js';
import type { BgpWireErrorCode } from './errors.js';
import {
  Afi,
  AttributeCode,
  ErrorCode,
  IPV4_UNICAST,
  MessageType,
  Safi,
  UpdateErrorSubcode,
} from './iana.js';
import { beginMessage, finishMessage, maxMessageLength } from './header.js';
import { decodeIpv4Prefixes, writeIpv4Key } from './nlri.js';
import type { CodecContext, PathAttributes, UpdateMessage } from './types.js';

function updateError(
  code: BgpWireErrorCode,
  subcode: number,
  message: string,
  data?: Uint8Array,
): BgpWireError {
  return notifiedError(ErrorCode.UpdateMessage, code, subcode, message, data);
}

/** RFC 7606 §5.3: an NLRI or Withdrawn Routes field that cannot be parsed resets the session. */
function invalidField(field: string): BgpWireError {
  return updateError(
    'BGPRS_ERR_INVALID_NETWORK_FIELD',
    UpdateErrorSubcode.InvalidNetworkField,
    `invalid ${field}`,
  );
}

/** Decodes the UPDATE body [start, end) of `bytes`. */
export function decodeUpdate(
  bytes: Uint8Array,
  start: number,
  end: number,
  context: CodecContext,
): UpdateMessage {
  const withdrawnEnd = start + 2 + readU16(bytes, start);
  if (withdrawnEnd + 2 > end) {
    throw updateError(
      'BGPRS_ERR_MALFORMED_ATTRIBUTE_LIST',
      UpdateErrorSubcode.MalformedAttributeList,
      'Withdrawn Routes Length overruns the message',
    );
  }
  const attributesStart = withdrawnEnd + 2;
  const attributesEnd = attributesStart + readU16(bytes, withdrawnEnd);
  if (attributesEnd > end) {
    throw updateError(
      'BGPRS_ERR_MALFORMED_ATTRIBUTE_LIST',
      UpdateErrorSubcode.MalformedAttributeList,
      'Total Path Attribute Length overruns the message',
    );
  }
  const addPath = context.addPathReceive.has(IPV4_UNICAST);
  const withdrawn: number[] = [];
  const withdrawnPathIds = addPath ? [] : undefined;
  if (!decodeIpv4Prefixes(bytes, start + 2, withdrawnEnd, withdrawn, withdrawnPathIds)) {
    throw invalidField('Withdrawn Routes field');
  }
  const block = decodeAttributeBlock(bytes, attributesStart, attributesEnd, context);
  const nlri: number[] = [];
  const nlriPathIds = addPath ? [] : undefined;
  if (!decodeIpv4Prefixes(bytes, attributesEnd, end, nlri, nlriPathIds)) throw invalidField('NLRI field');
  let problems = block.problems;
  let action = block.action;
  const missing = missingMandatory(block.attributes, nlri.length > 0);
  if (missing !== undefined) {
    const error = new BgpWireError({
      code: 'BGPRS_ERR_MISSING_WELL_KNOWN_ATTRIBUTE',
      message: `missing well-known attribute ${missing}`,
      notificationCode: ErrorCode.UpdateMessage,
      notificationSubcode: UpdateErrorSubcode.MissingWellKnownAttribute,
      data: Uint8Array.of(missing),
      action: ErrorAction.TreatAsWithdraw,
    });
    problems = [...(problems ?? []), error];
    action = action ? strongerAction(action, ErrorAction.TreatAsWithdraw) : ErrorAction.TreatAsWithdraw;
  }
  const message: UpdateMessage = {
    type: 'update',
    withdrawn,
    withdrawnPathIds,
    attributes: block.attributes,
    attributeBytes: bytes.subarray(attributesStart, attributesEnd),
    nlri,
    nlriPathIds,
  };
  if (!problems) return message;
  return { ...message, problems, action: action as 'attribute-discard' | 'treat-as-withdraw' };
}

/** RFC 7606 §3 (d): the first missing well-known mandatory attribute, if routes are announced. */
function missingMandatory(attributes: PathAttributes, ipv4Nlri: boolean): number | undefined {
  if (!ipv4Nlri && !attributes.mpReach) return undefined;
  if (attributes.origin === undefined) return AttributeCode.Origin;
  if (attributes.asPath === undefined) return AttributeCode.AsPath;
  if (ipv4Nlri && attributes.nextHop === undefined) return AttributeCode.NextHop;
  return undefined;
}

function writeIpv4List(
  w: ByteWriter,
  keys: readonly number[],
  pathIds: readonly number[] | undefined,
  addPath: boolean,
): void {
  if (addPath && (!pathIds || pathIds.length !== keys.length)) {
    throw new BgpEncodeError('BGPRS_ERR_ENCODE_INVALID_VALUE', 'ADD-PATH is on but path ids are missing');
  }
  for (let i = 0; i < keys.length; i++) {
    checkKey(keys[i]!);
    writeIpv4Key(w, keys[i]!, addPath ? pathIds![i] : undefined);
  }
}

function checkKey(key: number): void {
  if (!Number.isInteger(key) || key < 0 || key % 64 > 32 || key >= 0x100000000 * 64) {
    throw new BgpEncodeError('BGPRS_ERR_ENCODE_INVALID_VALUE', `${key} is not an IPv4 prefix key`);
  }
}

/** Encodes one UPDATE exactly as described; throws when it exceeds the maximum length. */
export function encodeUpdate(message: UpdateMessage, context: CodecContext, w: ByteWriter): void {
  const start = beginMessage(w, MessageType.Update);
  const addPath = context.addPathSend.has(IPV4_UNICAST);
  const withdrawnAt = w.reserveU16();
  writeIpv4List(w, message.withdrawn, message.withdrawnPathIds, addPath);
  w.patchU16(withdrawnAt, w.offset - withdrawnAt - 2);
  const attributesAt = w.reserveU16();
  encodeAttributeBlock(message.attributes, context, w);
  w.patchU16(attributesAt, w.offset - attributesAt - 2);
  writeIpv4List(w, message.nlri, message.nlriPathIds, addPath);
  if (finishMessage(w, start) > maxMessageLength(context.extendedMessage)) {
    throw new BgpEncodeError(
      'BGPRS_ERR_ENCODE_MESSAGE_TOO_LONG',
      'UPDATE exceeds the maximum message length',
    );
  }
}

/**
 * The family an End-of-RIB marker (RFC 4724 §2) stands for, or undefined for
 * any other UPDATE: no routes and no attributes (IPv4 unicast), or nothing but
 * an empty MP_UNREACH_NLRI (its family).
 */
export function endOfRibFamily(update: UpdateMessage): { afi: number; safi: number } | undefined {
  if (update.withdrawn.length > 0 || update.nlri.length > 0) return undefined;
  const a = update.attributes as Record<string, unknown>;
  const present = Object.keys(a).filter((k) => k !== 'wireOrder' && a[k] !== undefined);
  if (present.length === 0) return { afi: Afi.Ipv4, safi: Safi.Unicast };
  const unreach = update.attributes.mpUnreach;
  if (present.length !== 1 || !unreach) return undefined;
  const w = unreach.withdrawn;
  const empty = w.keys.length === 0 && w.prefixes.length === 0 && (w.raw?.length ?? 0) === 0;
  return empty ? { afi: unreach.afi, safi: unreach.safi } : undefined;
}
