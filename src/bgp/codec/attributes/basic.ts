/**
 * The fixed-size path attributes.
 *
 * RFCs: 4271 §4.3 and §5.1 (ORIGIN, NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF,
 * ATOMIC_AGGREGATE, AGGREGATOR), 6793 §3-§4 (4-octet AGGREGATOR,
 * AS4_AGGREGATOR, AS_TRANS), 4456 §8 (ORIGINATOR_ID, CLUSTER_LIST), 7606 §7.1
 * and §7.3-§7.10 (error actions).
 */
import { readU16, readU32 } from '../../../lib/bytes.js';
import { ErrorAction } from '../errors.js';
import { AS_TRANS, AttributeCode, AttributeFlag, UpdateErrorSubcode } from '../iana.js';
import type { Aggregator } from '../types.js';
import { lengthProblem, outOfRange } from './descriptor.js';
import type { AttributeDescriptor, AttributeProblem } from './descriptor.js';

export const WELL_KNOWN = AttributeFlag.Transitive;
export const OPTIONAL_TRANSITIVE = AttributeFlag.Optional | AttributeFlag.Transitive;
export const OPTIONAL_NON_TRANSITIVE = AttributeFlag.Optional;

/** RFC 7606 §7.1: malformed ORIGIN → treat-as-withdraw. */
export const origin: AttributeDescriptor = {
  code: AttributeCode.Origin,
  name: 'ORIGIN',
  flags: WELL_KNOWN,
  malformedAction: ErrorAction.TreatAsWithdraw,
  decode(bytes, start, end, state) {
    if (end - start !== 1) return lengthProblem('ORIGIN', end - start);
    const value = bytes[start]!;
    if (value > 2) {
      return {
        code: 'BGPRS_ERR_INVALID_ORIGIN',
        subcode: UpdateErrorSubcode.InvalidOriginAttribute,
        message: `undefined ORIGIN value ${value}`,
      };
    }
    state.out.origin = value;
    return undefined;
  },
  present: (a) => a.origin !== undefined,
  encode: (a, _c, w) => w.u8(a.origin!),
  validate: (a) => outOfRange('ORIGIN', [a.origin!], 2),
};

/** RFC 4271 §6.3: a NEXT_HOP that cannot be a host address (0/8 net zero, multicast, class E). */
function invalidNextHop(address: number): boolean {
  return address === 0 || address >>> 28 >= 0xe;
}

/** RFC 7606 §7.3: malformed NEXT_HOP → treat-as-withdraw. */
export const nextHop: AttributeDescriptor = {
  code: AttributeCode.NextHop,
  name: 'NEXT_HOP',
  flags: WELL_KNOWN,
  malformedAction: ErrorAction.TreatAsWithdraw,
  decode(bytes, start, end, state) {
    if (end - start !== 4) return lengthProblem('NEXT_HOP', end - start);
    const address = readU32(bytes, start);
    if (invalidNextHop(address)) {
      return {
        code: 'BGPRS_ERR_INVALID_NEXT_HOP',
        subcode: UpdateErrorSubcode.InvalidNextHopAttribute,
        message: 'NEXT_HOP is not a host address',
      };
    }
    state.out.nextHop = address;
    return undefined;
  },
  present: (a) => a.nextHop !== undefined,
  encode: (a, _c, w) => w.u32(a.nextHop!),
  validate: (a) => outOfRange('NEXT_HOP', [a.nextHop!]),
};

function u32Attribute(
  code: number,
  name: string,
  flags: number,
  key: 'med' | 'localPref' | 'originatorId',
): AttributeDescriptor {
  return {
    code,
    name,
    flags,
    // RFC 7606 §7.4, §7.5, §7.9: treat-as-withdraw.
    malformedAction: ErrorAction.TreatAsWithdraw,
    decode(bytes, start, end, state) {
      if (end - start !== 4) return lengthProblem(name, end - start);
      state.out[key] = readU32(bytes, start);
      return undefined;
    },
    present: (a) => a[key] !== undefined,
    encode: (a, _c, w) => w.u32(a[key]!),
    validate: (a) => outOfRange(name, [a[key]!]),
  };
}

export const multiExitDisc = u32Attribute(
  AttributeCode.MultiExitDisc,
  'MULTI_EXIT_DISC',
  OPTIONAL_NON_TRANSITIVE,
  'med',
);
export const localPref = u32Attribute(AttributeCode.LocalPref, 'LOCAL_PREF', WELL_KNOWN, 'localPref');
export const originatorId = u32Attribute(
  AttributeCode.OriginatorId,
  'ORIGINATOR_ID',
  OPTIONAL_NON_TRANSITIVE,
  'originatorId',
);

/** RFC 7606 §7.6: malformed ATOMIC_AGGREGATE → attribute discard. */
export const atomicAggregate: AttributeDescriptor = {
  code: AttributeCode.AtomicAggregate,
  name: 'ATOMIC_AGGREGATE',
  flags: WELL_KNOWN,
  malformedAction: ErrorAction.AttributeDiscard,
  decode(_bytes, start, end, state) {
    if (end !== start) return lengthProblem('ATOMIC_AGGREGATE', end - start);
    state.out.atomicAggregate = true;
    return undefined;
  },
  present: (a) => a.atomicAggregate === true,
  encode: () => {},
};

function asZero(name: string): AttributeProblem {
  return {
    code: 'BGPRS_ERR_OPTIONAL_ATTRIBUTE',
    subcode: UpdateErrorSubcode.OptionalAttributeError,
    message: `${name} with AS 0 (RFC 7607)`,
  };
}

/** RFC 7606 §7.7: malformed AGGREGATOR → attribute discard; 6 octets with 2-octet AS, 8 with 4-octet. */
export const aggregator: AttributeDescriptor = {
  code: AttributeCode.Aggregator,
  name: 'AGGREGATOR',
  flags: OPTIONAL_TRANSITIVE,
  malformedAction: ErrorAction.AttributeDiscard,
  decode(bytes, start, end, state) {
    const four = state.context.fourOctetAs;
    if (end - start !== (four ? 8 : 6)) return lengthProblem('AGGREGATOR', end - start);
    const value = four
      ? { asn: readU32(bytes, start), address: readU32(bytes, start + 4) }
      : { asn: readU16(bytes, start), address: readU32(bytes, start + 2) };
    if (value.asn === 0) return asZero('AGGREGATOR');
    state.out.aggregator = value;
    return undefined;
  },
  present: (a) => a.aggregator !== undefined,
  validate: (a) => outOfRange('AGGREGATOR', [a.aggregator!.asn, a.aggregator!.address]),
  encode(a, c, w) {
    const { asn, address } = a.aggregator!;
    if (c.fourOctetAs) w.u32(asn);
    else w.u16(asn > 0xffff ? AS_TRANS : asn);
    w.u32(address);
  },
};

/** RFC 6793 §6: a malformed AS4_AGGREGATOR is discarded; one from a 4-octet-AS peer is ignored. */
export const as4Aggregator: AttributeDescriptor = {
  code: AttributeCode.As4Aggregator,
  name: 'AS4_AGGREGATOR',
  flags: OPTIONAL_TRANSITIVE,
  malformedAction: ErrorAction.AttributeDiscard,
  decode(bytes, start, end, state) {
    if (end - start !== 8) return lengthProblem('AS4_AGGREGATOR', end - start);
    if (readU32(bytes, start) === 0) return asZero('AS4_AGGREGATOR');
    if (!state.context.fourOctetAs) {
      state.as4Aggregator = { asn: readU32(bytes, start), address: readU32(bytes, start + 4) };
    }
    return undefined;
  },
  present: (a, c) => !c.fourOctetAs && a.aggregator !== undefined && a.aggregator.asn > 0xffff,
  encode(a, _c, w) {
    w.u32(a.aggregator!.asn);
    w.u32(a.aggregator!.address);
  },
};

/** RFC 7606 §7.10: CLUSTER_LIST of length 0 or not a multiple of 4 → treat-as-withdraw. */
export const clusterList: AttributeDescriptor = {
  code: AttributeCode.ClusterList,
  name: 'CLUSTER_LIST',
  flags: OPTIONAL_NON_TRANSITIVE,
  malformedAction: ErrorAction.TreatAsWithdraw,
  decode(bytes, start, end, state) {
    const length = end - start;
    if (length === 0 || length % 4 !== 0) return lengthProblem('CLUSTER_LIST', length);
    const ids: number[] = [];
    for (let o = start; o < end; o += 4) ids.push(readU32(bytes, o));
    state.out.clusterList = ids;
    return undefined;
  },
  present: (a) => a.clusterList !== undefined && a.clusterList.length > 0,
  validate: (a) => outOfRange('CLUSTER_LIST', a.clusterList!),
  encode(a, _c, w) {
    for (const id of a.clusterList!) w.u32(id);
  },
};

/** RFC 6793 §4.2.3 step 1: which AGGREGATOR to believe when AS4_AGGREGATOR came too. */
export function mergeAggregator(
  aggregatorValue: Aggregator | undefined,
  as4: Aggregator | undefined,
): {
  aggregator: Aggregator | undefined;
  useAs4Path: boolean;
} {
  if (!as4 || !aggregatorValue) return { aggregator: aggregatorValue, useAs4Path: true };
  // AGGREGATOR not AS_TRANS: the aggregating speaker was OLD; ignore AS4_AGGREGATOR and AS4_PATH.
  if (aggregatorValue.asn !== AS_TRANS) return { aggregator: aggregatorValue, useAs4Path: false };
  return { aggregator: as4, useAs4Path: true };
}
