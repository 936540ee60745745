/**
 * Hand-written golden messages: the bytes, the context they are read with,
 * and the decoded value. Each is checked both ways (decode and encode) by the
 * golden tests and seeds the mutation tests.
 */
import { fromHex } from '../../../lib/bytes.js';
import { ipv4KeyOf, parseIpv6, type Ipv6Prefix } from '../../../lib/prefix.js';
import { BASE_CONTEXT } from '../message.js';
import type { BgpMessage, CodecContext } from '../types.js';

const M = 'ffffffffffffffffffffffffffffffff';

export const CONTEXT_4: CodecContext = { ...BASE_CONTEXT, fourOctetAs: true };
export const CONTEXT_2: CodecContext = BASE_CONTEXT;
export const CONTEXT_ADD_PATH: CodecContext = {
  ...CONTEXT_4,
  addPathReceive: new Set([0x101, 0x201]),
  addPathSend: new Set([0x101, 0x201]),
};
export const CONTEXT_EXTENDED: CodecContext = { ...CONTEXT_4, extendedMessage: true };

export function ip(text: string): number {
  const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

export function key(text: string): number {
  const [address, length] = text.split('/') as [string, string];
  return ipv4KeyOf(ip(address), Number(length));
}

export function v6(text: string): Ipv6Prefix {
  const [address, length] = text.split('/') as [string, string];
  return { family: 6, address: parseIpv6(address)!, length: Number(length) };
}

interface GoldenVector {
  readonly name: string;
  readonly hex: string;
  readonly context: CodecContext;
  readonly message: BgpMessage;
}

export function bytesOf(vector: GoldenVector): Buffer {
  return fromHex(vector.hex);
}

const OPEN_PARAMETERS =
  '02060104000100010206010400020001' + // MP IPv4 unicast, MP IPv6 unicast
  '0202020002024600' + // route refresh, enhanced route refresh
  '02064104fa56ea00' + // 4-octet AS 4200000000
  '020840068078000101' +
  '80' + // graceful restart R, 120 s, IPv4 unicast F
  '0206450400010103' + // ADD-PATH IPv4 unicast send+receive
  '02020600' + // extended message
  '0203090101' + // role: route server
  '020c490a0572732d3031036c6162' + // FQDN rs-01.lab
  '02028000'; // code 128 (pre-standard route refresh): unknown

export const GOLDEN: readonly GoldenVector[] = [
  {
    name: 'OPEN with every supported capability',
    hex: M + '006a01' + '04fde900b40a000001' + '4d' + OPEN_PARAMETERS,
    context: CONTEXT_2,
    message: {
      type: 'open',
      version: 4,
      myAs: 65001,
      holdTime: 180,
      bgpIdentifier: ip('10.0.0.1'),
      capabilities: [
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'multiprotocol', afi: 2, safi: 1 },
        { kind: 'route-refresh' },
        { kind: 'enhanced-route-refresh' },
        { kind: 'four-octet-as', asn: 4200000000 },
        {
          kind: 'graceful-restart',
          flags: 8,
          restartTime: 120,
          families: [{ afi: 1, safi: 1, flags: 0x80 }],
        },
        { kind: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 3 }] },
        { kind: 'extended-message' },
        { kind: 'role', role: 1 },
        { kind: 'fqdn', hostname: 'rs-01', domainName: 'lab' },
        { kind: 'unknown', code: 128, value: new Uint8Array(0) },
      ],
      capabilityGroups: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    },
  },
  {
    name: 'OPEN with all capabilities in one optional parameter and AS_TRANS',
    hex: M + '002d01' + '045ba0005a0a000002' + '10' + '020e' + '0104000100010200' + '4104fa56ea00',
    context: CONTEXT_2,
    message: {
      type: 'open',
      version: 4,
      myAs: 23456,
      holdTime: 90,
      bgpIdentifier: ip('10.0.0.2'),
      capabilities: [
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'route-refresh' },
        { kind: 'four-octet-as', asn: 4200000000 },
      ],
      capabilityGroups: [3],
    },
  },
  {
    name: 'OPEN with RFC 9072 extended optional parameters length',
    hex: M + '002901' + '04fde900b40a000001' + 'ff' + 'ff' + '0009' + '02' + '0006' + '0104' + '00010001',
    context: CONTEXT_2,
    message: {
      type: 'open',
      version: 4,
      myAs: 65001,
      holdTime: 180,
      bgpIdentifier: ip('10.0.0.1'),
      capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }],
      capabilityGroups: [1],
      extendedParameters: true,
    },
  },
  {
    name: 'UPDATE with every IPv4 attribute, withdrawn routes and NLRI',
    hex:
      M +
      '00a302' +
      '0003' +
      '100a09' + // withdrawn 10.9.0.0/16
      '007b' +
      '40010100' + // ORIGIN IGP
      '400214' +
      '02020000fde9fa56ea00' +
      '01020000fc000000fc01' + // AS_PATH
      '4003040a000104' + // NEXT_HOP 10.0.1.4
      '80040400000064' + // MED 100
      '400504000000c8' + // LOCAL_PREF 200
      '400600' + // ATOMIC_AGGREGATE
      'c007080000fde90a000104' + // AGGREGATOR 65001 10.0.1.4
      'c00808fde90064ffffff01' + // COMMUNITIES 65001:100 NO_EXPORT
      '8009040a000009' + // ORIGINATOR_ID
      '800a080a0000010a000002' + // CLUSTER_LIST
      'c010080002fde900000064' + // EXTENDED_COMMUNITIES rt 65001:100
      'c0200cfa56ea000000000100000002' + // LARGE_COMMUNITY 4200000000:1:2
      'e0fe03010203' + // unknown optional transitive, Partial
      '18c0a801' +
      '110a0180' +
      '00' +
      '2001020304',
    context: CONTEXT_4,
    message: {
      type: 'update',
      withdrawn: [key('10.9.0.0/16')],
      withdrawnPathIds: undefined,
      attributes: {
        origin: 0,
        asPath: [
          { type: 2, asns: [65001, 4200000000] },
          { type: 1, asns: [64512, 64513] },
        ],
        nextHop: ip('10.0.1.4'),
        med: 100,
        localPref: 200,
        atomicAggregate: true,
        aggregator: { asn: 65001, address: ip('10.0.1.4') },
        communities: [0xfde90064, 0xffffff01],
        originatorId: ip('10.0.0.9'),
        clusterList: [ip('10.0.0.1'), ip('10.0.0.2')],
        extendedCommunities: [{ high: 0x0002fde9, low: 100 }],
        largeCommunities: [{ globalAdministrator: 4200000000, localData1: 1, localData2: 2 }],
        unknown: [{ flags: 0xe0, code: 0xfe, value: Uint8Array.of(1, 2, 3) }],
        wireOrder: [
          0x4001, 0x4002, 0x4003, 0x8004, 0x4005, 0x4006, 0xc007, 0xc008, 0x8009, 0x800a, 0xc010, 0xc020,
          0xe0fe,
        ],
      },
      attributeBytes: new Uint8Array(0),
      nlri: [key('192.168.1.0/24'), key('10.1.128.0/17'), key('0.0.0.0/0'), key('1.2.3.4/32')],
      nlriPathIds: undefined,
    },
  },
  {
    name: 'UPDATE with IPv6 MP_REACH_NLRI and MP_UNREACH_NLRI',
    hex:
      M +
      '006302' +
      '0000' +
      '004c' +
      '40010100' +
      '40020602010000fde9' +
      '900e002d' +
      '000201' +
      '20' +
      '20010db8000000000000000000000001' +
      'fe800000000000000000000000000001' +
      '00' +
      '3020010db80001' +
      '00' +
      '900f000a' +
      '000201' +
      '3020010db80002',
    context: CONTEXT_4,
    message: {
      type: 'update',
      withdrawn: [],
      withdrawnPathIds: undefined,
      attributes: {
        origin: 0,
        asPath: [{ type: 2, asns: [65001] }],
        mpReach: {
          afi: 2,
          safi: 1,
          nextHop: Uint8Array.from([...parseIpv6('2001:db8::1')!, ...parseIpv6('fe80::1')!]),
          nlri: {
            afi: 2,
            safi: 1,
            keys: [],
            prefixes: [v6('2001:db8:1::/48'), v6('::/0')],
            pathIds: undefined,
          },
        },
        mpUnreach: {
          afi: 2,
          safi: 1,
          withdrawn: { afi: 2, safi: 1, keys: [], prefixes: [v6('2001:db8:2::/48')], pathIds: undefined },
        },
        wireOrder: [0x4001, 0x4002, 0x900e, 0x900f],
      },
      attributeBytes: new Uint8Array(0),
      nlri: [],
      nlriPathIds: undefined,
    },
  },
  {
    name: 'UPDATE from a 2-octet-AS peer with AS4_PATH and AS4_AGGREGATOR',
    hex:
      M +
      '005602' +
      '0000' +
      '003b' +
      '40010102' +
      '4002080203fde95ba05ba0' +
      '4003040a000104' +
      'c00706' +
      '5ba0' +
      '0a000104' +
      'c0110e' +
      '0203' +
      '0000fde9' +
      'fa56ea00' +
      'fa56ea01' +
      'c01208' +
      'fa56ea01' +
      '0a000104' +
      '180a0a0a',
    context: CONTEXT_2,
    message: {
      type: 'update',
      withdrawn: [],
      withdrawnPathIds: undefined,
      attributes: {
        origin: 2,
        asPath: [{ type: 2, asns: [65001, 4200000000, 4200000001] }],
        nextHop: ip('10.0.1.4'),
        aggregator: { asn: 4200000001, address: ip('10.0.1.4') },
        wireOrder: [0x4001, 0x4002, 0x4003, 0xc007, 0xc011, 0xc012],
      },
      attributeBytes: new Uint8Array(0),
      nlri: [key('10.10.10.0/24')],
      nlriPathIds: undefined,
    },
  },
  {
    name: 'UPDATE with confederation segments, IPv4 in MP_REACH/MP_UNREACH and extended-length flags',
    hex:
      M +
      '005302' +
      '0000' +
      '003c' +
      '40010100' +
      '50020016' +
      '03010000fc00' +
      '04010000fc01' +
      '02020000fde90000fdea' + // AS_PATH, Extended Length
      '900e0010' +
      '000101' +
      '04' +
      '0a000104' +
      '00' +
      '18c0a801' +
      '100a09' +
      '800f07' +
      '000101' +
      '180a0a0a',
    context: CONTEXT_4,
    message: {
      type: 'update',
      withdrawn: [],
      withdrawnPathIds: undefined,
      attributes: {
        origin: 0,
        asPath: [
          { type: 3, asns: [64512] },
          { type: 4, asns: [64513] },
          { type: 2, asns: [65001, 65002] },
        ],
        mpReach: {
          afi: 1,
          safi: 1,
          nextHop: Uint8Array.of(10, 0, 1, 4),
          nlri: {
            afi: 1,
            safi: 1,
            keys: [key('192.168.1.0/24'), key('10.9.0.0/16')],
            prefixes: [],
            pathIds: undefined,
          },
        },
        mpUnreach: {
          afi: 1,
          safi: 1,
          withdrawn: { afi: 1, safi: 1, keys: [key('10.10.10.0/24')], prefixes: [], pathIds: undefined },
        },
        wireOrder: [0x4001, 0x5002, 0x900e, 0x800f],
      },
      attributeBytes: new Uint8Array(0),
      nlri: [],
      nlriPathIds: undefined,
    },
  },
  {
    name: 'UPDATE with ADD-PATH path identifiers',
    hex:
      M +
      '004002' +
      '0007' +
      '00000007' +
      '100a09' +
      '0012' +
      '40010100' +
      '4002040201fde9' +
      '4003040a000104' +
      '00000001' +
      '18c0a801' +
      '00000002' +
      '18c0a801',
    context: { ...CONTEXT_ADD_PATH, fourOctetAs: false },
    message: {
      type: 'update',
      withdrawn: [key('10.9.0.0/16')],
      withdrawnPathIds: [7],
      attributes: {
        origin: 0,
        asPath: [{ type: 2, asns: [65001] }],
        nextHop: ip('10.0.1.4'),
        wireOrder: [0x4001, 0x4002, 0x4003],
      },
      attributeBytes: new Uint8Array(0),
      nlri: [key('192.168.1.0/24'), key('192.168.1.0/24')],
      nlriPathIds: [1, 2],
    },
  },
  {
    name: 'UPDATE End-of-RIB for IPv4 unicast',
    hex: M + '001702' + '0000' + '0000',
    context: CONTEXT_4,
    message: { type: 'update', withdrawn: [], attributes: {}, attributeBytes: new Uint8Array(0), nlri: [] },
  },
  {
    name: 'UPDATE End-of-RIB for IPv6 unicast',
    hex: M + '001d02' + '0000' + '0006' + '800f03000201',
    context: CONTEXT_4,
    message: {
      type: 'update',
      withdrawn: [],
      attributes: {
        mpUnreach: {
          afi: 2,
          safi: 1,
          withdrawn: { afi: 2, safi: 1, keys: [], prefixes: [], pathIds: undefined },
        },
        wireOrder: [0x800f],
      },
      attributeBytes: new Uint8Array(0),
      nlri: [],
    },
  },
  {
    name: 'NOTIFICATION Cease/Administrative Shutdown with a shutdown communication',
    hex: M + '002103' + '0602' + '0b' + '6d61696e74656e616e6365',
    context: CONTEXT_4,
    message: {
      type: 'notification',
      code: 6,
      subcode: 2,
      data: Uint8Array.from(Buffer.from('0b6d61696e74656e616e6365', 'hex')),
      shutdownCommunication: 'maintenance',
    },
  },
  {
    name: 'NOTIFICATION UPDATE Message Error/Missing Well-known Attribute',
    hex: M + '001603' + '0303' + '03',
    context: CONTEXT_4,
    message: { type: 'notification', code: 3, subcode: 3, data: Uint8Array.of(3) },
  },
  {
    name: 'KEEPALIVE',
    hex: M + '001304',
    context: CONTEXT_4,
    message: { type: 'keepalive' },
  },
  {
    name: 'ROUTE-REFRESH for IPv4 unicast',
    hex: M + '001705' + '00010001',
    context: CONTEXT_4,
    message: { type: 'route-refresh', afi: 1, safi: 1, subtype: 0 },
  },
  {
    name: 'ROUTE-REFRESH Beginning-of-RIB-Refresh for IPv6 unicast',
    hex: M + '001705' + '00020101',
    context: CONTEXT_4,
    message: { type: 'route-refresh', afi: 2, safi: 1, subtype: 1 },
  },
  {
    name: 'ROUTE-REFRESH End-of-RIB-Refresh for IPv4 unicast',
    hex: M + '001705' + '00010201',
    context: CONTEXT_4,
    message: { type: 'route-refresh', afi: 1, safi: 1, subtype: 2 },
  },
];
