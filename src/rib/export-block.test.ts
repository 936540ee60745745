import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AsPathSegmentType,
  AttributeCode,
  BASE_CONTEXT,
  decodeAttributeBlock,
  encodeAttributes,
} from '../bgp/codec/index.js';
import type { AsPathSegment, CodecContext, PathAttributes } from '../bgp/codec/index.js';
import { exportAttributes } from '../policy/index.js';
import { isPlainBlock, nvaExportBlock } from './export-block.js';

const FOUR: CodecContext = { ...BASE_CONTEXT, fourOctetAs: true };
const LOCAL_ASN = 65515;

/** What the decoded way sends: decode, apply the export rule, encode (src/rib/exporter.ts). */
function decodedWay(bytes: Buffer): Buffer {
  const { attributes } = decodeAttributeBlock(bytes, 0, bytes.length, FOUR);
  return encodeAttributes(exportAttributes(attributes, LOCAL_ASN), FOUR);
}

/** The rewrite, from a key as the attribute store makes it (one tag character, then the field). */
function rewritten(bytes: Buffer): Buffer | undefined {
  const { attributes } = decodeAttributeBlock(bytes, 0, bytes.length, FOUR);
  if (!isPlainBlock(bytes, 0, bytes.length, attributes)) return undefined;
  return nvaExportBlock('F' + bytes.toString('latin1'), 1, LOCAL_ASN);
}

const u32 = fc.integer({ min: 1, max: 0xffffffff });
const segment = (type: number, min: number, max: number): fc.Arbitrary<AsPathSegment> =>
  fc.array(u32, { minLength: min, maxLength: max }).map((asns) => ({ type, asns }));
const asPath: fc.Arbitrary<AsPathSegment[]> = fc.oneof(
  fc.array(
    fc.oneof(
      { weight: 4, arbitrary: segment(AsPathSegmentType.AsSequence, 1, 6) },
      { weight: 1, arbitrary: segment(AsPathSegmentType.AsSet, 1, 4) },
    ),
    { minLength: 0, maxLength: 3 },
  ),
  // a first AS_SEQUENCE with no room left, or one just below the limit
  fc
    .tuple(fc.constantFrom(254, 255), segment(AsPathSegmentType.AsSequence, 0, 2))
    .map(([n, rest]) => [
      { type: AsPathSegmentType.AsSequence, asns: Array.from({ length: n }, (_, i) => 64512 + i) },
      ...(rest.asns.length > 0 ? [rest] : []),
    ]),
);

const attributes: fc.Arbitrary<PathAttributes> = fc.record(
  {
    origin: fc.integer({ min: 0, max: 2 }),
    asPath,
    nextHop: u32,
    med: fc.nat(),
    localPref: fc.nat(),
    atomicAggregate: fc.constant(true),
    aggregator: fc.record({ asn: u32, address: u32 }),
    communities: fc.array(u32, { minLength: 1, maxLength: 70 }),
    originatorId: u32,
    clusterList: fc.array(u32, { minLength: 1, maxLength: 3 }),
    extendedCommunities: fc.array(fc.record({ high: fc.nat(), low: fc.nat() }), {
      minLength: 1,
      maxLength: 3,
    }),
    largeCommunities: fc.array(
      fc.record({ globalAdministrator: fc.nat(), localData1: fc.nat(), localData2: fc.nat() }),
      { minLength: 1, maxLength: 3 },
    ),
  },
  { requiredKeys: ['origin', 'asPath', 'nextHop'] },
);
/** now and then an unknown optional transitive attribute (left to the decoded way) */
const withUnknown: fc.Arbitrary<PathAttributes> = fc
  .tuple(attributes, fc.integer({ min: 0, max: 9 }))
  .map(([a, n]) =>
    n === 0 ? { ...a, unknown: [{ flags: 0xc0, code: 99, value: Uint8Array.of(1, 2, 3) }] } : a,
  );

/** The field as a peer might send it: any attribute order, some with the extended-length flag. */
const received: fc.Arbitrary<Buffer> = withUnknown.chain((a) => {
  const codes = [
    AttributeCode.Origin,
    AttributeCode.AsPath,
    AttributeCode.NextHop,
    ...(a.med !== undefined ? [AttributeCode.MultiExitDisc] : []),
    ...(a.localPref !== undefined ? [AttributeCode.LocalPref] : []),
    ...(a.atomicAggregate ? [AttributeCode.AtomicAggregate] : []),
    ...(a.aggregator ? [AttributeCode.Aggregator] : []),
    ...(a.communities ? [AttributeCode.Communities] : []),
    ...(a.originatorId !== undefined ? [AttributeCode.OriginatorId] : []),
    ...(a.clusterList ? [AttributeCode.ClusterList] : []),
    ...(a.extendedCommunities ? [AttributeCode.ExtendedCommunities] : []),
    ...(a.largeCommunities ? [AttributeCode.LargeCommunity] : []),
    ...(a.unknown ? [99] : []),
  ];
  return fc
    .tuple(
      // mostly in type-code order, as peers send it
      fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
      fc.shuffledSubarray(codes, { minLength: codes.length, maxLength: codes.length }),
      fc.array(fc.boolean(), { minLength: codes.length, maxLength: codes.length }),
    )
    .map(([inOrder, order, extended]) => {
      const wire = (inOrder ? codes : order).map((code, i) => (extended[i] ? 0x10 : 0) * 256 + code);
      return encodeAttributes({ ...a, wireOrder: wire }, FOUR);
    });
});

describe('the export to an NVA rewritten on the wire', () => {
  it('sends the same bytes as decoding, the export rule and encoding, whenever it applies', () => {
    let plain = 0;
    let other = 0;
    fc.assert(
      fc.property(received, (bytes) => {
        const fast = rewritten(bytes);
        if (fast === undefined) {
          other++;
          return;
        }
        plain++;
        expect(fast.toString('hex')).toBe(decodedWay(bytes).toString('hex'));
      }),
      { numRuns: 400 },
    );
    // both ways were exercised
    expect(plain).toBeGreaterThan(100);
    expect(other).toBeGreaterThan(40);
  });

  it('adds an AS_PATH when the received field has none, in type-code order', () => {
    const bytes = encodeAttributes({ origin: 0, nextHop: 0x0a000001, communities: [1] }, FOUR);
    const fast = rewritten(bytes)!;
    expect(fast.toString('hex')).toBe(decodedWay(bytes).toString('hex'));
    const back = decodeAttributeBlock(fast, 0, fast.length, FOUR).attributes;
    expect(back.asPath).toEqual([{ type: AsPathSegmentType.AsSequence, asns: [LOCAL_ASN] }]);
  });

  it('starts a new AS_SEQUENCE before an AS_SET or a full first segment (RFC 4271 §5.1.2)', () => {
    const set = encodeAttributes(
      { origin: 0, nextHop: 1, asPath: [{ type: AsPathSegmentType.AsSet, asns: [1, 2] }] },
      FOUR,
    );
    const full = encodeAttributes(
      {
        origin: 0,
        nextHop: 1,
        asPath: [{ type: AsPathSegmentType.AsSequence, asns: Array.from({ length: 255 }, (_, i) => i + 1) }],
      },
      FOUR,
    );
    for (const bytes of [set, full]) {
      const fast = rewritten(bytes)!;
      expect(fast.toString('hex')).toBe(decodedWay(bytes).toString('hex'));
      const back = decodeAttributeBlock(fast, 0, fast.length, FOUR).attributes;
      expect(back.asPath![0]).toEqual({ type: AsPathSegmentType.AsSequence, asns: [LOCAL_ASN] });
    }
  });

  it('leaves to the decoded way a field with an attribute the decoder discarded, repeated or unknown', () => {
    const base = encodeAttributes({ origin: 0, nextHop: 1, asPath: [] }, FOUR);
    // ATOMIC_AGGREGATE with a length of 1: discarded by the decoder (RFC 7606 §7.6)
    const discarded = Buffer.concat([base, Buffer.from([0x40, 6, 1, 0])]);
    // ORIGIN twice: the second is discarded (RFC 7606 §3 (g))
    const repeated = Buffer.concat([base, Buffer.from([0x40, 1, 1, 2])]);
    // an unknown optional transitive attribute (passed on with the Partial bit)
    const unknown = Buffer.concat([base, Buffer.from([0xc0, 99, 1, 7])]);
    for (const bytes of [discarded, repeated, unknown]) expect(rewritten(bytes)).toBeUndefined();
  });
});
