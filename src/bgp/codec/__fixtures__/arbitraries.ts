/**
 * fast-check arbitraries for well-formed BGP messages and codec contexts,
 * shaped exactly as the decoder returns them (minus `wireOrder` and
 * `attributeBytes`), so decode(encode(m)) can be compared with m.
 */
import fc from 'fast-check';
import type { Ipv6Prefix } from '../../../lib/prefix.js';
import { ipv4KeyOf, ipv4Mask, ipv6Prefix } from '../../../lib/prefix.js';
import { capabilityRegistry } from '../capabilities.js';
import { attributeRegistry } from '../attributes/index.js';
import type {
  AsPathSegment,
  BgpMessage,
  Capability,
  CodecContext,
  KeepaliveMessage,
  NotificationMessage,
  OpenMessage,
  PathAttributes,
  RouteRefreshMessage,
  UpdateMessage,
} from '../types.js';

const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** RFC 7607: AS 0 is never valid on the wire. */
const asNumber = fc.integer({ min: 1, max: 0xffffffff });
const asNumber16 = fc.integer({ min: 1, max: 0xffff });
const bytes = (max: number) => fc.uint8Array({ maxLength: max });

export const contextArbitrary: fc.Arbitrary<CodecContext> = fc
  .record({
    fourOctetAs: fc.boolean(),
    extendedMessage: fc.boolean(),
    addPath: fc.subarray([0x101, 0x201]),
  })
  .map(({ fourOctetAs, extendedMessage, addPath }) => ({
    fourOctetAs,
    extendedMessage,
    addPathReceive: new Set(addPath),
    addPathSend: new Set(addPath),
  }));

const family = fc.record({ afi: fc.constantFrom(1, 2, 25), safi: fc.constantFrom(1, 2, 128) });
const hostname = fc.stringMatching(/^[a-z0-9-]{0,16}$/);

const capabilityArbitrary: fc.Arbitrary<Capability> = fc.oneof(
  family.map((f) => ({ kind: 'multiprotocol' as const, ...f })),
  fc.constant({ kind: 'route-refresh' as const }),
  fc.constant({ kind: 'enhanced-route-refresh' as const }),
  fc.constant({ kind: 'extended-message' as const }),
  asNumber.map((asn) => ({ kind: 'four-octet-as' as const, asn })),
  fc.record({
    kind: fc.constant('graceful-restart' as const),
    flags: fc.integer({ min: 0, max: 15 }),
    restartTime: fc.integer({ min: 0, max: 4095 }),
    families: fc.array(fc.record({ afi: u16, safi: u8, flags: u8 }), { maxLength: 3 }),
  }),
  fc.record({
    kind: fc.constant('add-path' as const),
    families: fc.array(fc.record({ afi: u16, safi: u8, sendReceive: fc.integer({ min: 1, max: 3 }) }), {
      minLength: 1,
      maxLength: 3,
    }),
  }),
  u8.map((role) => ({ kind: 'role' as const, role })),
  fc.record({ kind: fc.constant('fqdn' as const), hostname, domainName: hostname }),
  fc.record({
    kind: fc.constant('unknown' as const),
    code: u8.filter((c) => !capabilityRegistry.has(c)),
    value: bytes(16),
  }),
);

export const openArbitrary: fc.Arbitrary<OpenMessage> = fc
  .record({
    myAs: asNumber16,
    holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
    bgpIdentifier: fc.integer({ min: 1, max: 0xffffffff }),
    capabilities: fc.array(capabilityArbitrary, { maxLength: 6 }),
    grouped: fc.boolean(),
    extendedParameters: fc.boolean(),
  })
  .map(({ grouped, extendedParameters, capabilities, ...rest }) => ({
    type: 'open' as const,
    version: 4,
    ...rest,
    capabilities,
    capabilityGroups: grouped && capabilities.length > 0 ? [capabilities.length] : capabilities.map(() => 1),
    ...(extendedParameters ? { extendedParameters } : {}),
  }));

const ipv4KeyArbitrary = fc
  .record({ address: u32, length: fc.integer({ min: 0, max: 32 }) })
  .map(({ address, length }) => ipv4KeyOf((address & ipv4Mask(length)) >>> 0, length));

const ipv6Arbitrary: fc.Arbitrary<Ipv6Prefix> = fc
  .record({
    address: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    length: fc.integer({ min: 0, max: 128 }),
  })
  .map(({ address, length }) => ipv6Prefix(address, length));

function segments(fourOctetAs: boolean): fc.Arbitrary<AsPathSegment[]> {
  const asn = fourOctetAs ? asNumber : fc.oneof(asNumber16, fc.integer({ min: 0x10000, max: 0xffffffff }));
  const confed = fc.array(
    fc.record({ type: fc.constantFrom(3, 4), asns: fc.array(asNumber16, { minLength: 1, maxLength: 5 }) }),
    {
      maxLength: 1,
    },
  );
  const plain = fc.array(
    fc.record({ type: fc.constantFrom(1, 2), asns: fc.array(asn, { minLength: 1, maxLength: 12 }) }),
    {
      maxLength: 3,
    },
  );
  return fc.tuple(confed, plain).map(([c, p]) => [...c, ...p]);
}

function withPathIds<T>(items: T[], on: boolean, ids: number[]): number[] | undefined {
  return on ? items.map((_, i) => ids[i] ?? i) : undefined;
}

const unknownAttributes = fc.uniqueArray(
  fc.record({
    flags: fc.constant(0xe0),
    code: u8.filter((c) => !attributeRegistry.has(c)),
    value: bytes(12),
  }),
  { selector: (a) => a.code, maxLength: 2 },
);

function attributesArbitrary(context: CodecContext, announce: boolean): fc.Arbitrary<PathAttributes> {
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const list = <T>(a: fc.Arbitrary<T>) => opt(fc.array(a, { minLength: 1, maxLength: 6 }));
  return fc
    .record({
      origin: announce ? fc.integer({ min: 0, max: 2 }) : opt(fc.integer({ min: 0, max: 2 })),
      asPath: announce ? segments(context.fourOctetAs) : opt(segments(context.fourOctetAs)),
      nextHop: announce
        ? fc.integer({ min: 1, max: 0xdfffffff })
        : opt(fc.integer({ min: 1, max: 0xdfffffff })),
      med: opt(u32),
      localPref: opt(u32),
      atomicAggregate: opt(fc.constant(true)),
      aggregator: opt(
        fc.record({ asn: context.fourOctetAs ? asNumber : fc.oneof(asNumber16, asNumber), address: u32 }),
      ),
      communities: list(u32),
      originatorId: opt(u32),
      clusterList: list(u32),
      extendedCommunities: list(fc.record({ high: u32, low: u32 })),
      largeCommunities: list(fc.record({ globalAdministrator: u32, localData1: u32, localData2: u32 })),
      unknown: opt(unknownAttributes.filter((a) => a.length > 0)),
    })
    .map((a) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as PathAttributes);
}

function mpArbitrary(context: CodecContext) {
  const addPath = context.addPathSend.has(0x201);
  return fc
    .record({
      reach: fc.option(
        fc.record({
          nextHop: fc.oneof(
            fc.uint8Array({ minLength: 16, maxLength: 16 }),
            fc.uint8Array({ minLength: 32, maxLength: 32 }),
          ),
          prefixes: fc.array(ipv6Arbitrary, { maxLength: 20 }),
          ids: fc.array(u32, { maxLength: 20 }),
        }),
        { nil: undefined },
      ),
      unreach: fc.option(
        fc.record({
          prefixes: fc.array(ipv6Arbitrary, { maxLength: 20 }),
          ids: fc.array(u32, { maxLength: 20 }),
        }),
        {
          nil: undefined,
        },
      ),
    })
    .map(({ reach, unreach }) => ({
      ...(reach
        ? {
            mpReach: {
              afi: 2,
              safi: 1,
              nextHop: reach.nextHop,
              nlri: {
                afi: 2,
                safi: 1,
                keys: [],
                prefixes: reach.prefixes,
                pathIds: withPathIds(reach.prefixes, addPath, reach.ids),
              },
            },
          }
        : {}),
      ...(unreach
        ? {
            mpUnreach: {
              afi: 2,
              safi: 1,
              withdrawn: {
                afi: 2,
                safi: 1,
                keys: [],
                prefixes: unreach.prefixes,
                pathIds: withPathIds(unreach.prefixes, addPath, unreach.ids),
              },
            },
          }
        : {}),
    }));
}

export function updateArbitrary(context: CodecContext): fc.Arbitrary<UpdateMessage> {
  const addPath = context.addPathSend.has(0x101);
  return fc
    .record({
      withdrawn: fc.array(ipv4KeyArbitrary, { maxLength: 40 }),
      nlri: fc.array(ipv4KeyArbitrary, { maxLength: 40 }),
      ids: fc.array(u32, { maxLength: 40 }),
      mp: mpArbitrary(context),
    })
    .chain(({ withdrawn, nlri, ids, mp }) =>
      attributesArbitrary(context, nlri.length > 0 || mp.mpReach !== undefined).map((attributes) => ({
        type: 'update' as const,
        withdrawn,
        withdrawnPathIds: withPathIds(withdrawn, addPath, ids),
        attributes: { ...attributes, ...mp },
        attributeBytes: new Uint8Array(0),
        nlri,
        nlriPathIds: withPathIds(nlri, addPath, ids),
      })),
    );
}

export const notificationArbitrary: fc.Arbitrary<NotificationMessage> = fc
  .record({ code: u8, subcode: u8, data: bytes(64) })
  .map((m) => ({ type: 'notification' as const, ...m }));

export const routeRefreshArbitrary: fc.Arbitrary<RouteRefreshMessage> = fc
  .record({ afi: u16, safi: u8, subtype: u8 })
  .map((m) => ({ type: 'route-refresh' as const, ...m }));

export const keepaliveArbitrary: fc.Arbitrary<KeepaliveMessage> = fc.constant({ type: 'keepalive' as const });

/** Any message with the context it is encoded in. */
export const messageWithContext: fc.Arbitrary<{ context: CodecContext; message: BgpMessage }> =
  contextArbitrary.chain((context) =>
    fc
      .oneof(
        openArbitrary,
        updateArbitrary(context),
        notificationArbitrary,
        routeRefreshArbitrary,
        keepaliveArbitrary,
      )
      .map((message: BgpMessage) => ({ context, message })),
  );
