/**
 * The export of a received route to an NVA, rewritten on the wire.
 *
 * A route learned from one NVA goes to the others with our AS prepended and
 * MED, LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST removed
 * (`exportAttributes`, src/policy/export-rules.ts). When the Path Attributes
 * field as received is already in the shape the encoder writes (attributes in
 * type-code order, each once, all of them known and kept by the decoder), the
 * exported field is the received one with those four attributes cut out and
 * the AS_PATH rewritten: the same bytes as decoding, applying the rule and
 * encoding again, without the decoded object graph (with an attribute set per
 * UPDATE that graph was most of an attribute set's garbage). Other fields go
 * the decoded way (src/rib/exporter.ts).
 *
 * Only 4-octet-AS fields on both sides: what a session that negotiated
 * 4-octet AS (RFC 6793) receives and sends.
 */
import {
  AsPathSegmentType,
  AttributeCode,
  AttributeFlag,
  BASE_CONTEXT,
  attributeRegistry,
} from '../bgp/codec/index.js';
import type { CodecContext, PathAttributes } from '../bgp/codec/index.js';
import { LOCAL_ATTRIBUTE_CODES } from '../policy/index.js';

const FOUR_OCTET: CodecContext = { ...BASE_CONTEXT, fourOctetAs: true };

/** Attributes the export to an NVA leaves out (`withoutLocalAttributes`, src/policy/export-rules.ts). */
const dropped = (code: number): boolean => LOCAL_ATTRIBUTE_CODES.includes(code);

/** Attributes the export keeps and this rewrite passes through as they are. */
function passedThrough(code: number): boolean {
  return (
    code === AttributeCode.Origin ||
    code === AttributeCode.NextHop ||
    code === AttributeCode.AtomicAggregate ||
    code === AttributeCode.Aggregator ||
    code === AttributeCode.Communities ||
    code === AttributeCode.ExtendedCommunities ||
    code === AttributeCode.LargeCommunity
  );
}

/**
 * True when `bytes[start, end)`, a Path Attributes field received with 4-octet AS and decoded
 * into `attributes`, can be exported by `nvaExportBlock`: every attribute known to the rewrite,
 * in ascending type-code order, none repeated, each one the decoder kept (RFC 7606 discards some
 * malformed ones), and an AS_PATH of AS_SEQUENCE and AS_SET segments only.
 */
export function isPlainBlock(
  bytes: Uint8Array,
  start: number,
  end: number,
  attributes: PathAttributes,
): boolean {
  let previous = 0;
  let o = start;
  while (o < end) {
    if (o + 3 > end) return false;
    const flags = bytes[o]!;
    const code = bytes[o + 1]!;
    const extended = (flags & AttributeFlag.ExtendedLength) !== 0;
    if (extended && o + 4 > end) return false;
    const length = extended ? (bytes[o + 2]! << 8) | bytes[o + 3]! : bytes[o + 2]!;
    const value = o + (extended ? 4 : 3);
    if (value + length > end || code <= previous) return false;
    previous = code;
    o = value + length;
    if (dropped(code)) continue;
    if (code === AttributeCode.AsPath) {
      if (attributes.asPath === undefined) return false;
      for (const segment of attributes.asPath) {
        if (segment.type !== AsPathSegmentType.AsSequence && segment.type !== AsPathSegmentType.AsSet)
          return false;
      }
      continue;
    }
    if (!passedThrough(code) || !attributeRegistry.get(code)!.present(attributes, FOUR_OCTET)) return false;
  }
  return true;
}

function writeHeader(out: Buffer, o: number, code: number, length: number): number {
  // the encoder's flags (src/bgp/codec/attributes/index.ts), extended only past 255 octets
  const flags = attributeRegistry.get(code)!.flags;
  out[o] = length > 255 ? flags | AttributeFlag.ExtendedLength : flags;
  out[o + 1] = code;
  if (length > 255) {
    out[o + 2] = length >>> 8;
    out[o + 3] = length & 255;
    return o + 4;
  }
  out[o + 2] = length;
  return o + 3;
}

/** The octet at `i` of a key that holds the field as latin1 text. */
const at = (key: string, i: number): number => key.charCodeAt(i);

/**
 * The Path Attributes field sent to an NVA for a route received with the plain field held in
 * `key` from `start` on (latin1 text, one character per octet; `isPlainBlock` said yes):
 * `encodeAttributes(exportAttributes(decoded, localAsn), 4-octet AS)` without decoding.
 */
export function nvaExportBlock(key: string, start: number, localAsn: number): Buffer {
  // the AS_PATH grows by 4 octets (our AS in its first AS_SEQUENCE) or 6 (a new one) and its
  // header by 1 past 255 octets, or a new one takes 9; other headers keep or lose a length octet
  const out = Buffer.allocUnsafe(key.length - start + 10);
  let w = 0;
  let asPathWritten = false;
  for (let o = start; o < key.length;) {
    const extended = (at(key, o) & AttributeFlag.ExtendedLength) !== 0;
    const code = at(key, o + 1);
    const length = extended ? (at(key, o + 2) << 8) | at(key, o + 3) : at(key, o + 2);
    const value = o + (extended ? 4 : 3);
    o = value + length;
    if (dropped(code)) continue;
    if (!asPathWritten && code >= AttributeCode.AsPath) {
      // the AS_PATH, or the one the export adds where type-code order puts it
      const own = code === AttributeCode.AsPath;
      w = writeAsPath(key, own ? value : 0, own ? length : 0, localAsn, out, w);
      asPathWritten = true;
      if (own) continue;
    }
    w = writeHeader(out, w, code, length);
    w = copy(key, value, value + length, out, w);
  }
  if (!asPathWritten) w = writeAsPath(key, 0, 0, localAsn, out, w);
  return out.subarray(0, w);
}

/** Writes the AS_PATH attribute: `localAsn` prepended to the received value [value, value + length). */
function writeAsPath(
  key: string,
  value: number,
  length: number,
  localAsn: number,
  out: Buffer,
  w: number,
): number {
  const into = prependsIntoFirst(key, value, length);
  w = writeHeader(out, w, AttributeCode.AsPath, length + (into ? 4 : 6));
  out[w++] = AsPathSegmentType.AsSequence;
  out[w++] = into ? at(key, value + 1) + 1 : 1;
  out.writeUInt32BE(localAsn >>> 0, w);
  return copy(key, into ? value + 2 : value, value + length, out, w + 4);
}

/** Copies the octets [from, to) of a latin1 key into `out` at `w`; returns the offset after them. */
function copy(key: string, from: number, to: number, out: Buffer, w: number): number {
  for (let i = from; i < to; i++) out[w++] = key.charCodeAt(i);
  return w;
}

/** RFC 4271 §5.1.2 (b) as `prependAs` does it: into a first segment that is an AS_SEQUENCE with room. */
function prependsIntoFirst(key: string, value: number, length: number): boolean {
  return length >= 2 && at(key, value) === AsPathSegmentType.AsSequence && at(key, value + 1) < 255;
}
