/**
 * The shape of one path attribute descriptor (BIRD's `bgp_attr_table` row):
 * code, expected flags, decode, encode, and the RFC 7606 action taken when
 * the attribute is malformed.
 *
 * RFCs: 4271 §4.3 and §5 (flags), 7606 §3 (c) (flags in conflict with the
 * attribute's definition make it malformed) and §7 (per-attribute actions).
 */
import type { ByteWriter } from '../../../lib/bytes.js';
import type { BgpWireErrorCode, ErrorAction } from '../errors.js';
import { UpdateErrorSubcode } from '../iana.js';
import type {
  AfiSafi,
  Aggregator,
  AsPathSegment,
  CodecContext,
  ExtendedCommunity,
  LargeCommunity,
  MpReachNlri,
  MpUnreachNlri,
  PathAttributes,
  RawAttribute,
} from '../types.js';

/** A problem found in one attribute; the block decoder turns it into a BgpWireError. */
export interface AttributeProblem {
  readonly code: BgpWireErrorCode;
  /** UPDATE Message Error subcode (RFC 4271 §6.3) */
  readonly subcode: number;
  readonly message: string;
  /** overrides the descriptor's malformed action */
  readonly action?: ErrorAction;
  readonly family?: AfiSafi;
}

/** The attributes being decoded (`out`), plus AS4_* values kept for the RFC 6793 merge. */
export interface AttributeDecodeState {
  readonly context: CodecContext;
  readonly out: DecodedAttributes;
  as4Path?: AsPathSegment[];
  as4Aggregator?: Aggregator;
}

/** PathAttributes while they are being filled in. */
interface DecodedAttributes {
  origin?: number;
  asPath?: AsPathSegment[];
  nextHop?: number;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: Aggregator;
  communities?: number[];
  originatorId?: number;
  clusterList?: number[];
  mpReach?: MpReachNlri;
  mpUnreach?: MpUnreachNlri;
  extendedCommunities?: ExtendedCommunity[];
  largeCommunities?: LargeCommunity[];
  unknown?: RawAttribute[];
  wireOrder?: number[];
}

export interface AttributeDescriptor {
  readonly code: number;
  readonly name: string;
  /** the Optional and Transitive bits this attribute must carry (RFC 4271 §5) */
  readonly flags: number;
  /** RFC 7606 §7 action for a malformed instance */
  readonly malformedAction: ErrorAction;
  /** decodes the value [start, end); returns a problem when malformed */
  decode(
    bytes: Uint8Array,
    start: number,
    end: number,
    state: AttributeDecodeState,
  ): AttributeProblem | undefined;
  /** true when the attribute must be sent for these attributes on this session */
  present(attributes: PathAttributes, context: CodecContext): boolean;
  /** writes the value (no flags, code or length) */
  encode(attributes: PathAttributes, context: CodecContext, writer: ByteWriter): void;
  /** before encoding: a description of the first value the wire cannot carry, if any */
  validate?(attributes: PathAttributes): string | undefined;
}

const U32 = 0xffffffff;

/** True when `value` is an integer in [0, max]. */
function inRange(value: number, max = U32): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}

/** The first of `values` outside [0, max], described, if any. */
export function outOfRange(name: string, values: readonly number[], max = U32): string | undefined {
  for (const value of values) if (!inRange(value, max)) return `${name} value ${value} is outside 0..${max}`;
  return undefined;
}

/** RFC 4271 §6.3 Attribute Length Error. */
export function lengthProblem(name: string, length: number): AttributeProblem {
  return {
    code: 'BGPRS_ERR_ATTRIBUTE_LENGTH',
    subcode: UpdateErrorSubcode.AttributeLengthError,
    message: `${name} with invalid length ${length}`,
  };
}
