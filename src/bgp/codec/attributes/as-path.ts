/**
 * AS_PATH and AS4_PATH, and their merge for sessions with 2-octet-AS peers.
 *
 * RFCs: 4271 §4.3 and §5.1.2 (AS_PATH, AS_SET, AS_SEQUENCE), 5065 §3
 * (AS_CONFED_SEQUENCE 3, AS_CONFED_SET 4), 6793 §4.2 (AS4_PATH, AS_TRANS
 * substitution, the merge) and §6 (malformed AS4_PATH is discarded),
 * 7606 §7.2 (malformed AS_PATH → treat-as-withdraw: unknown segment type,
 * zero-length segment, or a segment that overruns the attribute), 7607 §2
 * (an AS_PATH or AS4_PATH holding AS 0 is malformed).
 */
import { ErrorAction } from '../errors.js';
import { AS_TRANS, AsPathSegmentType, AttributeCode, UpdateErrorSubcode } from '../iana.js';
import type { AsPathSegment } from '../types.js';
import { OPTIONAL_TRANSITIVE, WELL_KNOWN } from './basic.js';
import { outOfRange } from './descriptor.js';
import type { AttributeDescriptor, AttributeProblem } from './descriptor.js';
import type { ByteWriter } from '../../../lib/bytes.js';

/** Decodes segments; returns undefined when malformed (RFC 7606 §7.2). */
function decodeSegments(
  b: Uint8Array,
  start: number,
  end: number,
  fourOctet: boolean,
): AsPathSegment[] | undefined {
  const segments: AsPathSegment[] = [];
  const size = fourOctet ? 4 : 2;
  let o = start;
  while (o < end) {
    if (o + 2 > end) return undefined;
    const type = b[o]!;
    const count = b[o + 1]!;
    if (type < AsPathSegmentType.AsSet || type > AsPathSegmentType.ConfedSet || count === 0) return undefined;
    o += 2;
    if (o + count * size > end) return undefined;
    const asns: number[] = new Array<number>(count);
    if (fourOctet) {
      for (let i = 0; i < count; i++, o += 4) {
        asns[i] = b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
      }
    } else {
      for (let i = 0; i < count; i++, o += 2) asns[i] = (b[o]! << 8) | b[o + 1]!;
    }
    segments.push({ type, asns });
  }
  return segments;
}

/** Writes segments, splitting any longer than 255 ASes (RFC 4271 §4.3). */
function encodeSegments(
  segments: readonly AsPathSegment[],
  fourOctet: boolean,
  writer: ByteWriter,
  skipConfederation = false,
): void {
  for (const segment of segments) {
    if (skipConfederation && segment.type >= AsPathSegmentType.ConfedSequence) continue;
    const asns = segment.asns;
    for (let i = 0; i < asns.length; i += 255) {
      const count = Math.min(255, asns.length - i);
      writer.u8(segment.type);
      writer.u8(count);
      for (let j = i; j < i + count; j++) {
        const asn = asns[j]!;
        if (fourOctet) writer.u32(asn);
        else writer.u16(asn > 0xffff ? AS_TRANS : asn);
      }
    }
  }
}

/** RFC 7607 §2: AS 0 never appears in a path. */
function hasAsZero(segments: readonly AsPathSegment[]): boolean {
  for (const s of segments) if (s.asns.includes(0)) return true;
  return false;
}

function malformedAsPath(name: string): AttributeProblem {
  return {
    code: 'BGPRS_ERR_MALFORMED_AS_PATH',
    subcode: UpdateErrorSubcode.MalformedAsPath,
    message: `malformed ${name}`,
  };
}

export const asPath: AttributeDescriptor = {
  code: AttributeCode.AsPath,
  name: 'AS_PATH',
  flags: WELL_KNOWN,
  malformedAction: ErrorAction.TreatAsWithdraw,
  decode(bytes, start, end, state) {
    const segments = decodeSegments(bytes, start, end, state.context.fourOctetAs);
    if (!segments || hasAsZero(segments)) return malformedAsPath('AS_PATH');
    state.out.asPath = segments;
    return undefined;
  },
  present: (a) => a.asPath !== undefined,
  encode: (a, c, w) => encodeSegments(a.asPath!, c.fourOctetAs, w),
  validate(a) {
    for (const segment of a.asPath!) {
      if (segment.type < AsPathSegmentType.AsSet || segment.type > AsPathSegmentType.ConfedSet) {
        return `AS_PATH segment type ${segment.type} is not 1..4`;
      }
      const problem = outOfRange('AS_PATH', segment.asns);
      if (problem) return problem;
    }
    return undefined;
  },
};

function needsAs4Path(segments: readonly AsPathSegment[]): boolean {
  for (const s of segments) {
    if (s.type >= AsPathSegmentType.ConfedSequence) continue;
    for (const asn of s.asns) if (asn > 0xffff) return true;
  }
  return false;
}

/** RFC 6793 §6: malformed AS4_PATH → attribute discard; from a 4-octet-AS peer it is ignored. */
export const as4Path: AttributeDescriptor = {
  code: AttributeCode.As4Path,
  name: 'AS4_PATH',
  flags: OPTIONAL_TRANSITIVE,
  malformedAction: ErrorAction.AttributeDiscard,
  decode(bytes, start, end, state) {
    const segments = decodeSegments(bytes, start, end, true);
    if (!segments || hasAsZero(segments)) return malformedAsPath('AS4_PATH');
    // RFC 6793 §6: confederation segments in AS4_PATH are discarded.
    if (!state.context.fourOctetAs) {
      state.as4Path = segments.filter((s) => s.type < AsPathSegmentType.ConfedSequence);
    }
    return undefined;
  },
  present: (a, c) => !c.fourOctetAs && a.asPath !== undefined && needsAs4Path(a.asPath),
  encode: (a, _c, w) => encodeSegments(a.asPath!, true, w, true),
};

/** RFC 6793 §4.2.3 path length: an AS_SET counts 1, confederation segments 0. */
function pathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === AsPathSegmentType.AsSequence) n += s.asns.length;
    else if (s.type === AsPathSegmentType.AsSet) n += 1;
  }
  return n;
}

/**
 * RFC 6793 §4.2.3: rebuild the 4-octet path from AS_PATH and AS4_PATH. When
 * AS_PATH is shorter than AS4_PATH, AS4_PATH is ignored; otherwise the
 * leading ASes of AS_PATH that AS4_PATH lacks are put in front of AS4_PATH.
 */
export function mergeAsPath(path: readonly AsPathSegment[], as4: readonly AsPathSegment[]): AsPathSegment[] {
  let keep = pathLength(path) - pathLength(as4);
  if (keep < 0) return path.slice();
  const merged: AsPathSegment[] = [];
  for (const s of path) {
    if (keep === 0 && s.type !== AsPathSegmentType.ConfedSequence && s.type !== AsPathSegmentType.ConfedSet)
      break;
    if (s.type === AsPathSegmentType.AsSequence) {
      const take = Math.min(keep, s.asns.length);
      merged.push({ type: s.type, asns: s.asns.slice(0, take) });
      keep -= take;
    } else {
      merged.push(s);
      if (s.type === AsPathSegmentType.AsSet) keep -= 1;
    }
  }
  // Join the last kept AS_SEQUENCE with the first AS4_PATH one; keep the rest as sent.
  const last = merged[merged.length - 1];
  const first = as4[0];
  if (
    last &&
    first &&
    last.type === AsPathSegmentType.AsSequence &&
    first.type === AsPathSegmentType.AsSequence
  ) {
    merged[merged.length - 1] = { type: last.type, asns: [...last.asns, ...first.asns] };
    merged.push(...as4.slice(1));
  } else {
    merged.push(...as4);
  }
  return merged;
}
