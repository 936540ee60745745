/**
 * OPEN message with optional parameters and capabilities.
 *
 * RFCs: 4271 §4.2 and §6.2 (OPEN and its errors), 5492 §4 (Capabilities
 * optional parameter), 9072 §2 (extended optional parameters length),
 * 6286 §2.2 (BGP Identifier: any non-zero value), 7607 §2 (AS 0 in My
 * Autonomous System or the 4-octet AS capability is a Bad Peer AS).
 */
import { ByteWriter, readU16, readU32 } from '../../lib/bytes.js';
import { decodeCapability, encodeCapability } from './capabilities.js';
import { BgpEncodeError, checkRange, notifiedError } from './errors.js';
import type { BgpWireError, BgpWireErrorCode } from './errors.js';
import { BGP_VERSION, ErrorCode, MessageType, OpenErrorSubcode, OptionalParameterType } from './iana.js';
import { beginMessage, finishMessage } from './header.js';
import type { Capability, OpenMessage } from './types.js';

function openError(
  code: BgpWireErrorCode,
  subcode: number,
  message: string,
  data?: Uint8Array,
): BgpWireError {
  return notifiedError(ErrorCode.OpenMessage, code, subcode, message, data);
}

function malformedOpen(message: string): BgpWireError {
  return openError('BGPRS_ERR_MALFORMED_OPEN', OpenErrorSubcode.Unspecific, message);
}

/** Decodes the OPEN body [start, end) of `bytes`. */
export function decodeOpen(bytes: Uint8Array, start: number, end: number): OpenMessage {
  const version = bytes[start]!;
  if (version !== BGP_VERSION) {
    // RFC 4271 §6.2: the data is the largest version we support.
    throw openError(
      'BGPRS_ERR_UNSUPPORTED_VERSION',
      OpenErrorSubcode.UnsupportedVersionNumber,
      `unsupported BGP version ${version}`,
      Uint8Array.of(0, BGP_VERSION),
    );
  }
  const myAs = readU16(bytes, start + 1);
  const holdTime = readU16(bytes, start + 3);
  const bgpIdentifier = readU32(bytes, start + 5);
  if (holdTime === 1 || holdTime === 2) {
    throw openError(
      'BGPRS_ERR_UNACCEPTABLE_HOLD_TIME',
      OpenErrorSubcode.UnacceptableHoldTime,
      `hold time ${holdTime} s is neither 0 nor at least 3 s`,
    );
  }
  if (bgpIdentifier === 0) {
    throw openError('BGPRS_ERR_BAD_BGP_IDENTIFIER', OpenErrorSubcode.BadBgpIdentifier, 'BGP Identifier is 0');
  }
  const { capabilities, capabilityGroups, extendedParameters } = decodeParameters(bytes, start + 9, end);
  if (myAs === 0 || capabilities.some((c) => c.kind === 'four-octet-as' && c.asn === 0)) {
    throw openError('BGPRS_ERR_BAD_PEER_AS', OpenErrorSubcode.BadPeerAs, 'AS 0 in OPEN (RFC 7607)');
  }
  return {
    type: 'open',
    version,
    myAs,
    holdTime,
    bgpIdentifier,
    capabilities,
    capabilityGroups,
    ...(extendedParameters ? { extendedParameters } : {}),
  };
}

interface DecodedParameters {
  capabilities: Capability[];
  capabilityGroups: number[];
  extendedParameters: boolean;
}

function decodeParameters(bytes: Uint8Array, at: number, end: number): DecodedParameters {
  let offset = at;
  let length = bytes[offset++]!;
  // RFC 9072 §2: length 255 followed by type 255 announces 2-octet lengths.
  const extendedParameters =
    length === 255 && offset < end && bytes[offset] === OptionalParameterType.ExtendedLength;
  if (extendedParameters) {
    if (offset + 3 > end) throw malformedOpen('truncated extended optional parameters length');
    length = readU16(bytes, offset + 1);
    offset += 3;
  }
  if (offset + length !== end) {
    throw malformedOpen(`optional parameters length ${length} does not match the message`);
  }
  const headerSize = extendedParameters ? 3 : 2;
  const result: DecodedParameters = { capabilities: [], capabilityGroups: [], extendedParameters };
  while (offset < end) {
    if (offset + headerSize > end) throw malformedOpen('truncated optional parameter');
    const type = bytes[offset]!;
    const paramLength = extendedParameters ? readU16(bytes, offset + 1) : bytes[offset + 1]!;
    const valueStart = offset + headerSize;
    const valueEnd = valueStart + paramLength;
    if (valueEnd > end) throw malformedOpen('optional parameter overruns the message');
    if (type !== OptionalParameterType.Capabilities) {
      // RFC 4271 §6.2: Unsupported Optional Parameter.
      throw openError(
        'BGPRS_ERR_UNSUPPORTED_OPTIONAL_PARAMETER',
        OpenErrorSubcode.UnsupportedOptionalParameter,
        `unsupported optional parameter type ${type}`,
      );
    }
    result.capabilityGroups.push(decodeCapabilityList(bytes, valueStart, valueEnd, result.capabilities));
    offset = valueEnd;
  }
  return result;
}

function decodeCapabilityList(bytes: Uint8Array, start: number, end: number, out: Capability[]): number {
  let count = 0;
  let offset = start;
  while (offset < end) {
    if (offset + 2 > end) throw malformedOpen('truncated capability');
    const code = bytes[offset]!;
    const valueEnd = offset + 2 + bytes[offset + 1]!;
    if (valueEnd > end) throw malformedOpen(`capability ${code} overruns its optional parameter`);
    out.push(decodeCapability(code, bytes, offset + 2, valueEnd));
    count++;
    offset = valueEnd;
  }
  return count;
}

/** Encodes a whole OPEN message. */
export function encodeOpen(message: OpenMessage, writer: ByteWriter): void {
  checkRange('version', message.version, 0xff);
  checkRange('My Autonomous System', message.myAs, 0xffff);
  checkRange('hold time', message.holdTime, 0xffff);
  checkRange('BGP Identifier', message.bgpIdentifier, 0xffffffff);
  const start = beginMessage(writer, MessageType.Open);
  writer.u8(message.version);
  writer.u16(message.myAs);
  writer.u16(message.holdTime);
  writer.u32(message.bgpIdentifier);
  const groups = message.capabilityGroups ?? message.capabilities.map(() => 1);
  if (groups.reduce((a, b) => a + b, 0) !== message.capabilities.length) {
    throw new BgpEncodeError(
      'BGPRS_ERR_ENCODE_INVALID_VALUE',
      'capabilityGroups does not add up to the capabilities',
    );
  }
  const params = encodeGroups(message.capabilities, groups);
  const needsExtended =
    params.some((p) => p.length > 255) || params.reduce((a, p) => a + 2 + p.length, 0) > 255;
  const extended = message.extendedParameters === true || needsExtended;
  const total = params.reduce((a, p) => a + (extended ? 3 : 2) + p.length, 0);
  if (extended) {
    writer.u8(255);
    writer.u8(OptionalParameterType.ExtendedLength);
    writer.u16(total);
  } else {
    writer.u8(total);
  }
  for (const p of params) {
    writer.u8(OptionalParameterType.Capabilities);
    if (extended) writer.u16(p.length);
    else writer.u8(p.length);
    writer.bytes(p);
  }
  if (finishMessage(writer, start) > 4096) {
    throw new BgpEncodeError('BGPRS_ERR_ENCODE_MESSAGE_TOO_LONG', 'OPEN longer than 4096 octets');
  }
}

function encodeGroups(capabilities: readonly Capability[], groups: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let index = 0;
  for (const count of groups) {
    const w = new ByteWriter(64);
    for (let i = 0; i < count; i++) encodeCapability(capabilities[index++]!, w);
    out.push(w.toBuffer());
  }
  return out;
}
