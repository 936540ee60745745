/**
 * The path attribute registry and the attribute-block decoder/encoder.
 *
 * RFCs: 4271 §4.3 (attribute encoding), §5 (Partial bit; unknown optional
 * transitive attributes are passed on with it set, unknown optional
 * non-transitive ones are dropped), §6.3 (errors); 7606 §3 (c) flags, (g)
 * duplicates, §4 (attribute overrunning the block → treat-as-withdraw,
 * locating NLRI by the Total Path Attribute Length); 6793 §4.2.3 (merge).
 */
import { ByteWriter } from '../../../lib/bytes.js';
import { BgpEncodeError, BgpWireError, ErrorAction, strongerAction } from '../errors.js';
import { AttributeCode, AttributeFlag, ErrorCode, UpdateErrorSubcode } from '../iana.js';
import type { CodecContext, PathAttributes, RawAttribute } from '../types.js';
import { asPath, as4Path, mergeAsPath } from './as-path.js';
import {
  aggregator,
  as4Aggregator,
  atomicAggregate,
  clusterList,
  localPref,
  mergeAggregator,
  multiExitDisc,
  nextHop,
  origin,
  originatorId,
} from './basic.js';
import { communities, extendedCommunities, largeCommunities } from './communities.js';
import type { AttributeDecodeState, AttributeDescriptor, AttributeProblem } from './descriptor.js';
import { mpReach, mpUnreach } from './multiprotocol.js';

export type { AttributeDescriptor, AttributeProblem } from './descriptor.js';

const descriptors: readonly AttributeDescriptor[] = [
  origin,
  asPath,
  nextHop,
  multiExitDisc,
  localPref,
  atomicAggregate,
  aggregator,
  communities,
  originatorId,
  clusterList,
  mpReach,
  mpUnreach,
  extendedCommunities,
  as4Path,
  as4Aggregator,
  largeCommunities,
].sort((a, b) => a.code - b.code);

/** The registry: attribute type code → descriptor. */
export const attributeRegistry: ReadonlyMap<number, AttributeDescriptor> = new Map(
  descriptors.map((d) => [d.code, d]),
);
const byCode: (AttributeDescriptor | undefined)[] = Array.from({ length: 256 }, (_, i) =>
  attributeRegistry.get(i),
);

export interface DecodedAttributeBlock {
  readonly attributes: PathAttributes;
  /** problems that did not reset the session */
  readonly problems: BgpWireError[] | undefined;
  /** strongest action among problems */
  readonly action: ErrorAction | undefined;
}

// Duplicate detection without allocation: a stamp per code, bumped per block.
const seenStamp = new Uint32Array(256);
let stamp = 0;

function attributeError(
  problem: AttributeProblem,
  action: ErrorAction,
  data: Uint8Array,
  code: number,
): BgpWireError {
  return new BgpWireError({
    code: problem.code,
    message: problem.message,
    notificationCode: ErrorCode.UpdateMessage,
    notificationSubcode: problem.subcode,
    data,
    action,
    attributeCode: code,
    ...(problem.family ? { family: problem.family } : {}),
  });
}

class ProblemList {
  list: BgpWireError[] | undefined;
  action: ErrorAction | undefined;
  reset(): this {
    this.list = undefined;
    this.action = undefined;
    return this;
  }
  add(error: BgpWireError): void {
    (this.list ??= []).push(error);
    this.action = this.action ? strongerAction(this.action, error.action) : error.action;
  }
}

// One list reused across calls (decoding is synchronous and never re-entered).
const sharedProblems = new ProblemList();

/**
 * Decodes the Path Attributes field [start, end). Session-reset and
 * AFI/SAFI-disable problems throw (the strongest found); weaker ones are
 * returned with the attributes that survived.
 */
export function decodeAttributeBlock(
  bytes: Uint8Array,
  start: number,
  end: number,
  context: CodecContext,
): DecodedAttributeBlock {
  stamp = (stamp + 1) >>> 0 || 1;
  const state: AttributeDecodeState = { context, out: {} };
  const problems = sharedProblems.reset();
  const wireOrder: number[] = [];
  let o = start;
  while (o < end) {
    const next = decodeOne(bytes, o, end, state, problems, wireOrder);
    if (next < 0) break;
    o = next;
  }
  const strongest = problems.list?.find((p) => p.action === problems.action);
  if (strongest && (problems.action === 'session-reset' || problems.action === 'afisafi-disable'))
    throw strongest;
  return { attributes: finish(state, wireOrder), problems: problems.list, action: problems.action };
}

/** Decodes the attribute at `o`; returns the next offset, or -1 when the block cannot be walked further. */
function decodeOne(
  b: Uint8Array,
  o: number,
  end: number,
  state: AttributeDecodeState,
  problems: ProblemList,
  wireOrder: number[],
): number {
  const flags = b[o]!;
  const extended = (flags & AttributeFlag.ExtendedLength) !== 0;
  const valueStart = o + (extended ? 4 : 3);
  const valueEnd =
    valueStart > end ? end + 1 : valueStart + (extended ? (b[o + 2]! << 8) | b[o + 3]! : b[o + 2]!);
  if (valueEnd > end) {
    // RFC 7606 §4: an attribute overrunning the block → treat-as-withdraw.
    const data = Uint8Array.from(b.subarray(o, end));
    const problem = {
      code: 'BGPRS_ERR_MALFORMED_ATTRIBUTE_LIST',
      subcode: UpdateErrorSubcode.MalformedAttributeList,
      message: 'path attribute overruns the attribute block',
    } as const;
    problems.add(attributeError(problem, ErrorAction.TreatAsWithdraw, data, b[o + 1] ?? 0));
    return -1;
  }
  const code = b[o + 1]!;
  if (seenStamp[code] === stamp) {
    problems.add(duplicateError(b, o, valueEnd, code));
    return valueEnd;
  }
  seenStamp[code] = stamp;
  const descriptor = byCode[code];
  if (!descriptor) {
    unknownAttribute(b, o, valueStart, valueEnd, flags, code, state, problems);
  } else {
    const problem =
      (flags & 0xc0) !== descriptor.flags
        ? ({
            code: 'BGPRS_ERR_ATTRIBUTE_FLAGS',
            subcode: UpdateErrorSubcode.AttributeFlagsError,
            message: `${descriptor.name} with flags 0x${flags.toString(16)}`,
          } as const)
        : descriptor.decode(b, valueStart, valueEnd, state);
    if (problem) {
      const action = problem.action ?? descriptor.malformedAction;
      problems.add(attributeError(problem, action, Uint8Array.from(b.subarray(o, valueEnd)), code));
      return valueEnd;
    }
  }
  wireOrder.push(flags * 256 + code);
  return valueEnd;
}

/** RFC 7606 §3 (g): a second MP_REACH/MP_UNREACH resets the session; other repeats are discarded. */
function duplicateError(b: Uint8Array, o: number, end: number, code: number): BgpWireError {
  const mp = code === AttributeCode.MpReachNlri || code === AttributeCode.MpUnreachNlri;
  return new BgpWireError({
    code: 'BGPRS_ERR_DUPLICATE_ATTRIBUTE',
    message: `attribute ${code} appears more than once`,
    notificationCode: ErrorCode.UpdateMessage,
    notificationSubcode: UpdateErrorSubcode.MalformedAttributeList,
    data: Uint8Array.from(b.subarray(o, end)),
    action: mp ? ErrorAction.SessionReset : ErrorAction.AttributeDiscard,
    attributeCode: code,
  });
}

function unknownAttribute(
  b: Uint8Array,
  o: number,
  valueStart: number,
  valueEnd: number,
  flags: number,
  code: number,
  state: AttributeDecodeState,
  problems: ProblemList,
): void {
  if ((flags & AttributeFlag.Optional) === 0) {
    problems.add(
      new BgpWireError({
        code: 'BGPRS_ERR_UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE',
        message: `unrecognized well-known attribute ${code}`,
        notificationCode: ErrorCode.UpdateMessage,
        notificationSubcode: UpdateErrorSubcode.UnrecognizedWellKnownAttribute,
        data: Uint8Array.from(b.subarray(o, valueEnd)),
        attributeCode: code,
      }),
    );
    return;
  }
  if ((flags & AttributeFlag.Transitive) === 0) return; // RFC 4271 §5: quietly ignored
  const raw: RawAttribute = {
    flags: (flags | AttributeFlag.Partial) & ~AttributeFlag.ExtendedLength & 0xf0,
    code,
    value: Uint8Array.from(b.subarray(valueStart, valueEnd)),
  };
  (state.out.unknown ??= []).push(raw);
}

function finish(state: AttributeDecodeState, wireOrder: number[]): PathAttributes {
  const attributes = state.out;
  const as4 = state.as4Path;
  const as4Aggregator = state.as4Aggregator;
  if (!state.context.fourOctetAs && (as4 || as4Aggregator)) {
    const merged = mergeAggregator(attributes.aggregator, as4Aggregator);
    if (merged.aggregator) attributes.aggregator = merged.aggregator;
    if (merged.useAs4Path && as4 && attributes.asPath)
      attributes.asPath = mergeAsPath(attributes.asPath, as4);
  }
  if (wireOrder.length > 0) attributes.wireOrder = wireOrder;
  return attributes;
}

// ---------------------------------------------------------------- encoding

function writeAttribute(
  w: ByteWriter,
  flags: number,
  code: number,
  wantExtended: boolean,
  writeValue: () => void,
): void {
  const start = w.offset;
  w.u8(0);
  w.u8(code);
  w.u16(0);
  const valueStart = w.offset;
  writeValue();
  const length = w.offset - valueStart;
  if (length > 0xffff)
    throw new BgpEncodeError('BGPRS_ERR_ENCODE_MESSAGE_TOO_LONG', `attribute ${code} too long`);
  if (wantExtended || length > 255) {
    w.patchU8(start, flags | AttributeFlag.ExtendedLength);
    w.patchU16(start + 2, length);
  } else {
    w.patchU8(start, flags & ~AttributeFlag.ExtendedLength);
    w.patchU8(start + 2, length);
    const raw = w.raw();
    raw.copyWithin(start + 3, valueStart, valueStart + length);
    w.truncate(start + 3 + length);
  }
}

function writeKnown(
  w: ByteWriter,
  d: AttributeDescriptor,
  a: PathAttributes,
  c: CodecContext,
  hint: number,
): void {
  const invalid = d.validate?.(a);
  if (invalid !== undefined) throw new BgpEncodeError('BGPRS_ERR_ENCODE_INVALID_VALUE', invalid);
  const keepPartial =
    d.flags === (AttributeFlag.Optional | AttributeFlag.Transitive) ? hint & AttributeFlag.Partial : 0;
  writeAttribute(w, d.flags | keepPartial, d.code, (hint & AttributeFlag.ExtendedLength) !== 0, () =>
    d.encode(a, c, w),
  );
}

function writeUnknown(w: ByteWriter, raw: RawAttribute, hint: number): void {
  if ((raw.flags & AttributeFlag.Optional) === 0) {
    throw new BgpEncodeError(
      'BGPRS_ERR_ENCODE_INVALID_VALUE',
      `unknown attribute ${raw.code} must be optional`,
    );
  }
  const extended = (hint & AttributeFlag.ExtendedLength) !== 0;
  writeAttribute(w, raw.flags & 0xe0, raw.code, extended, () => w.bytes(raw.value));
}

/**
 * Writes the Path Attributes field: in the received order when `wireOrder`
 * is present, then the rest in type-code order (RFC 4271 §5 recommends
 * ascending order).
 */
export function encodeAttributeBlock(attributes: PathAttributes, context: CodecContext, w: ByteWriter): void {
  const written = new Set<number>();
  for (const entry of attributes.wireOrder ?? []) {
    const code = entry & 255;
    if (written.has(code)) continue;
    const d = byCode[code];
    if (d) {
      if (!d.present(attributes, context)) continue;
      writeKnown(w, d, attributes, context, entry >>> 8);
    } else {
      const raw = attributes.unknown?.find((u) => u.code === code);
      if (!raw) continue;
      writeUnknown(w, raw, entry >>> 8);
    }
    written.add(code);
  }
  for (const d of descriptors) {
    if (!written.has(d.code) && d.present(attributes, context)) writeKnown(w, d, attributes, context, 0);
  }
  for (const raw of attributes.unknown ?? []) {
    if (written.has(raw.code) || byCode[raw.code]) continue;
    written.add(raw.code);
    writeUnknown(w, raw, 0);
  }
}

/** The encoded Path Attributes field of `attributes`, e.g. to share one block across many UPDATEs. */
export function encodeAttributes(attributes: PathAttributes, context: CodecContext): Buffer {
  const w = new ByteWriter(256);
  encodeAttributeBlock(attributes, context, w);
  return w.toBuffer();
}
