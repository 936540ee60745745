/**
 * Community attributes.
 *
 * RFCs: 1997 (COMMUNITIES; the well-known NO_EXPORT, NO_ADVERTISE,
 * NO_EXPORT_SUBCONFED are in iana.ts), 4360 (EXTENDED_COMMUNITIES),
 * 8092 (LARGE_COMMUNITY), 7606 §7.8 and §7.14 and RFC 8092 §6 (a length of
 * zero or not a multiple of the element size → treat-as-withdraw).
 */
import { readU32 } from '../../../lib/bytes.js';
import { ErrorAction } from '../errors.js';
import { AttributeCode } from '../iana.js';
import { OPTIONAL_TRANSITIVE } from './basic.js';
import { lengthProblem, outOfRange } from './descriptor.js';
import type { AttributeDescriptor } from './descriptor.js';

export const communities: AttributeDescriptor = {
  code: AttributeCode.Communities,
  name: 'COMMUNITIES',
  flags: OPTIONAL_TRANSITIVE,
  malformedAction: ErrorAction.TreatAsWithdraw,
  decode(bytes, start, end, state) {
    const length = end - start;
    if (length === 0 || length % 4 !== 0) return lengthProblem('COMMUNITIES', length);
    const values: number[] = new Array<number>(length >>> 2);
    for (let o = start, i = 0; o < end; o += 4, i++) values[i] = readU32(bytes, o);
    state.out.communities = values;
    return undefined;
  },
  present: (a) => a.communities !== undefined && a.communities.length > 0,
  validate: (a) => outOfRange('COMMUNITIES', a.communities!),
  encode(a, _c, w) {
    for (const value of a.communities!) w.u32(value);
  },
};

export const extendedCommunities: AttributeDescriptor = {
  code: AttributeCode.ExtendedCommunities,
  name: 'EXTENDED_COMMUNITIES',
  flags: OPTIONAL_TRANSITIVE,
  malformedAction: ErrorAction.TreatAsWithdraw,
  decode(bytes, start, end, state) {
    const length = end - start;
    if (length === 0 || length % 8 !== 0) return lengthProblem('EXTENDED_COMMUNITIES', length);
    const values = [];
    for (let o = start; o < end; o += 8) values.push({ high: readU32(bytes, o), low: readU32(bytes, o + 4) });
    state.out.extendedCommunities = values;
    return undefined;
  },
  present: (a) => a.extendedCommunities !== undefined && a.extendedCommunities.length > 0,
  validate: (a) =>
    outOfRange(
      'EXTENDED_COMMUNITIES',
      a.extendedCommunities!.flatMap((c) => [c.high, c.low]),
    ),
  encode(a, _c, w) {
    for (const value of a.extendedCommunities!) {
      w.u32(value.high);
      w.u32(value.low);
    }
  },
};

export const largeCommunities: AttributeDescriptor = {
  code: AttributeCode.LargeCommunity,
  name: 'LARGE_COMMUNITY',
  flags: OPTIONAL_TRANSITIVE,
  malformedAction: ErrorAction.TreatAsWithdraw,
  decode(bytes, start, end, state) {
    const length = end - start;
    if (length === 0 || length % 12 !== 0) return lengthProblem('LARGE_COMMUNITY', length);
    const values = [];
    for (let o = start; o < end; o += 12) {
      values.push({
        globalAdministrator: readU32(bytes, o),
        localData1: readU32(bytes, o + 4),
        localData2: readU32(bytes, o + 8),
      });
    }
    state.out.largeCommunities = values;
    return undefined;
  },
  present: (a) => a.largeCommunities !== undefined && a.largeCommunities.length > 0,
  validate: (a) =>
    outOfRange(
      'LARGE_COMMUNITY',
      a.largeCommunities!.flatMap((c) => [c.globalAdministrator, c.localData1, c.localData2]),
    ),
  encode(a, _c, w) {
    for (const value of a.largeCommunities!) {
      w.u32(value.globalAdministrator);
      w.u32(value.localData1);
      w.u32(value.localData2);
    }
  },
};
