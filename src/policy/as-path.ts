/**
 * AS_PATH helpers shared by the import rules, the decision process and the
 * export rules.
 *
 * RFCs: 4271 §4.3 (segments), §5.1.2 (prepending on eBGP), §9.1.2.2 (a)
 * (an AS_SET counts as one AS, whatever its size); 5065 §5.3 (confederation
 * segments do not count towards the length).
 */
import { AsPathSegmentType } from '../bgp/codec/index.js';
import type { AsPathSegment } from '../bgp/codec/index.js';

/** RFC 4271 §9.1.2.2 (a): the length used by the decision process. */
export function asPathLength(path: readonly AsPathSegment[] | undefined): number {
  let length = 0;
  for (const segment of path ?? []) {
    if (segment.type === AsPathSegmentType.AsSequence) length += segment.asns.length;
    else if (segment.type === AsPathSegmentType.AsSet) length += 1;
  }
  return length;
}

/** Every AS number of the path, in order (set members in their listed order). */
export function flattenAsPath(path: readonly AsPathSegment[] | undefined): number[] {
  const out: number[] = [];
  for (const segment of path ?? []) for (const asn of segment.asns) out.push(asn);
  return out;
}

export function asPathContains(path: readonly AsPathSegment[] | undefined, asn: number): boolean {
  for (const segment of path ?? []) if (segment.asns.includes(asn)) return true;
  return false;
}

/**
 * The neighbouring AS of RFC 4271 §9.1.2.2 (c): the first AS of the path, or
 * `fallback` (the peer's AS) when the path starts with no AS_SEQUENCE.
 */
export function neighbourAs(path: readonly AsPathSegment[] | undefined, fallback: number): number {
  const first = path?.[0];
  if (first && first.type === AsPathSegmentType.AsSequence && first.asns.length > 0) return first.asns[0]!;
  return fallback;
}

/**
 * RFC 4271 §5.1.2 (b): prepend our AS as the leftmost of the first
 * AS_SEQUENCE, or in a new AS_SEQUENCE when the path starts otherwise or the
 * first segment is full (255 ASes).
 */
export function prependAs(path: readonly AsPathSegment[] | undefined, asn: number): AsPathSegment[] {
  const segments = path ?? [];
  const first = segments[0];
  if (first && first.type === AsPathSegmentType.AsSequence && first.asns.length < 255) {
    return [{ type: AsPathSegmentType.AsSequence, asns: [asn, ...first.asns] }, ...segments.slice(1)];
  }
  return [{ type: AsPathSegmentType.AsSequence, asns: [asn] }, ...segments];
}

/** Text form used by the learned/advertised routes views: "65002-65001", a set as "{1,2}". */
export function formatAsPath(path: readonly AsPathSegment[] | undefined): string {
  const parts: string[] = [];
  for (const segment of path ?? []) {
    if (segment.type === AsPathSegmentType.AsSequence) parts.push(...segment.asns.map(String));
    else if (segment.type === AsPathSegmentType.AsSet) parts.push(`{${segment.asns.join(',')}}`);
    else parts.push(`(${segment.asns.join(' ')})`);
  }
  return parts.join('-');
}
