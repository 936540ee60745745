/**
 * MP_REACH_NLRI and MP_UNREACH_NLRI for IPv4 and IPv6 unicast; NLRI of other
 * families is kept as bytes.
 *
 * RFCs: 4760 §3-§4 (encoding) and §7 (errors: AFI/SAFI disable or session
 * reset), 2545 §3 (IPv6 next hop: global, or global + link-local), 7911 §3
 * (path identifiers), 7606 §3 (g) (more than one MP_REACH or MP_UNREACH →
 * session reset, handled by the block decoder) and §5.3 (syntax errors in
 * the NLRI cannot be treated as withdraw).
 */
import { readU16 } from '../../../lib/bytes.js';
import type { ByteWriter } from '../../../lib/bytes.js';
import type { Ipv6Prefix } from '../../../lib/prefix.js';
import { BgpEncodeError, ErrorAction } from '../errors.js';
import { Afi, AttributeCode, Safi, UpdateErrorSubcode, familyKey } from '../iana.js';
import { decodeIpv4Prefixes, decodeIpv6Prefixes, writeIpv4Key, writeIpv6Prefix } from '../nlri.js';
import type { CodecContext, NlriList } from '../types.js';
import { OPTIONAL_NON_TRANSITIVE } from './basic.js';
import { outOfRange } from './descriptor.js';
import type { AttributeDescriptor, AttributeProblem } from './descriptor.js';

const NO_KEYS: readonly number[] = Object.freeze([]);
const NO_PREFIXES: readonly Ipv6Prefix[] = Object.freeze([]);

function mpProblem(name: string, message: string, afi?: number, safi?: number): AttributeProblem {
  // RFC 4760 §7 / RFC 7606 §5.3: disable the family when it is known, else reset.
  return afi !== undefined && safi !== undefined
    ? {
        code: 'BGPRS_ERR_OPTIONAL_ATTRIBUTE',
        subcode: UpdateErrorSubcode.OptionalAttributeError,
        message: `${name}: ${message}`,
        action: ErrorAction.AfiSafiDisable,
        family: { afi, safi },
      }
    : {
        code: 'BGPRS_ERR_OPTIONAL_ATTRIBUTE',
        subcode: UpdateErrorSubcode.OptionalAttributeError,
        message: `${name}: ${message}`,
      };
}

/** Decodes NLRI of one family; undefined on a syntax error. */
function decodeNlri(
  bytes: Uint8Array,
  start: number,
  end: number,
  afi: number,
  safi: number,
  context: CodecContext,
): NlriList | undefined {
  const pathIds = context.addPathReceive.has(familyKey(afi, safi)) ? [] : undefined;
  if (safi === Safi.Unicast && afi === Afi.Ipv4) {
    const keys: number[] = [];
    if (!decodeIpv4Prefixes(bytes, start, end, keys, pathIds)) return undefined;
    return { afi, safi, keys, prefixes: NO_PREFIXES, pathIds };
  }
  if (safi === Safi.Unicast && afi === Afi.Ipv6) {
    const prefixes: Ipv6Prefix[] = [];
    if (!decodeIpv6Prefixes(bytes, start, end, prefixes, pathIds)) return undefined;
    return { afi, safi, keys: NO_KEYS, prefixes, pathIds };
  }
  return {
    afi,
    safi,
    keys: NO_KEYS,
    prefixes: NO_PREFIXES,
    raw: Uint8Array.from(bytes.subarray(start, end)),
  };
}

/** Writes the NLRI of one family (path ids when ADD-PATH send is on for it). */
function encodeNlri(list: NlriList, context: CodecContext, writer: ByteWriter): void {
  if (list.raw) {
    writer.bytes(list.raw);
    return;
  }
  const addPath = context.addPathSend.has(familyKey(list.afi, list.safi));
  if (addPath && (!list.pathIds || list.pathIds.length !== list.keys.length + list.prefixes.length)) {
    throw new BgpEncodeError('BGPRS_ERR_ENCODE_INVALID_VALUE', 'ADD-PATH is on but path ids are missing');
  }
  let i = 0;
  for (const key of list.keys) writeIpv4Key(writer, key, addPath ? list.pathIds![i++] : undefined);
  for (const prefix of list.prefixes)
    writeIpv6Prefix(writer, prefix, addPath ? list.pathIds![i++] : undefined);
}

function expectedNextHop(afi: number, safi: number, length: number): boolean {
  if (safi !== Safi.Unicast) return true;
  if (afi === Afi.Ipv4) return length === 4;
  if (afi === Afi.Ipv6) return length === 16 || length === 32;
  return true;
}

export const mpReach: AttributeDescriptor = {
  code: AttributeCode.MpReachNlri,
  name: 'MP_REACH_NLRI',
  flags: OPTIONAL_NON_TRANSITIVE,
  malformedAction: ErrorAction.SessionReset,
  decode(bytes, start, end, state) {
    if (end - start < 3) return mpProblem('MP_REACH_NLRI', 'too short');
    const afi = readU16(bytes, start);
    const safi = bytes[start + 2]!;
    if (end - start < 5) return mpProblem('MP_REACH_NLRI', 'too short', afi, safi);
    const nextHopLength = bytes[start + 3]!;
    const nlriStart = start + 5 + nextHopLength;
    if (nlriStart > end || !expectedNextHop(afi, safi, nextHopLength)) {
      return mpProblem('MP_REACH_NLRI', `invalid next hop length ${nextHopLength}`, afi, safi);
    }
    const nlri = decodeNlri(bytes, nlriStart, end, afi, safi, state.context);
    if (!nlri) return mpProblem('MP_REACH_NLRI', 'invalid NLRI', afi, safi);
    const nextHop = Uint8Array.from(bytes.subarray(start + 4, start + 4 + nextHopLength));
    state.out.mpReach = { afi, safi, nextHop, nlri };
    return undefined;
  },
  present: (a) => a.mpReach !== undefined,
  validate: (a) =>
    outOfRange('MP_REACH_NLRI AFI', [a.mpReach!.afi], 0xffff) ??
    outOfRange('MP_REACH_NLRI SAFI', [a.mpReach!.safi], 0xff) ??
    outOfRange('MP_REACH_NLRI next hop length', [a.mpReach!.nextHop.length], 0xff),
  encode(a, c, w) {
    const reach = a.mpReach!;
    w.u16(reach.afi);
    w.u8(reach.safi);
    w.u8(reach.nextHop.length);
    w.bytes(reach.nextHop);
    w.u8(0);
    encodeNlri(reach.nlri, c, w);
  },
};

export const mpUnreach: AttributeDescriptor = {
  code: AttributeCode.MpUnreachNlri,
  name: 'MP_UNREACH_NLRI',
  flags: OPTIONAL_NON_TRANSITIVE,
  malformedAction: ErrorAction.SessionReset,
  decode(bytes, start, end, state) {
    if (end - start < 3) return mpProblem('MP_UNREACH_NLRI', 'too short');
    const afi = readU16(bytes, start);
    const safi = bytes[start + 2]!;
    const withdrawn = decodeNlri(bytes, start + 3, end, afi, safi, state.context);
    if (!withdrawn) return mpProblem('MP_UNREACH_NLRI', 'invalid NLRI', afi, safi);
    state.out.mpUnreach = { afi, safi, withdrawn };
    return undefined;
  },
  present: (a) => a.mpUnreach !== undefined,
  validate: (a) =>
    outOfRange('MP_UNREACH_NLRI AFI', [a.mpUnreach!.afi], 0xffff) ??
    outOfRange('MP_UNREACH_NLRI SAFI', [a.mpUnreach!.safi], 0xff),
  encode(a, c, w) {
    const unreach = a.mpUnreach!;
    w.u16(unreach.afi);
    w.u8(unreach.safi);
    encodeNlri(unreach.withdrawn, c, w);
  },
};
