/**
 * BMP framing against RFC 7854 §4's layouts, byte for byte: each expected
 * message below is written out by hand from the RFC's figures (field by
 * field, with the field's name), then read back with the test reader
 * (decode.test-support.ts), which shares nothing with messages.ts.
 */
import { describe, expect, it } from 'vitest';
import { BASE_CONTEXT, encode } from '../bgp/codec/index.js';
import type { NotificationMessage, OpenMessage, UpdateMessage } from '../bgp/codec/index.js';
import { readBgpMessage, readPeerUp, readTlvs, splitBmp, updatePrefixes } from './decode.test-support.js';
import {
  encodeInitiation,
  encodePeerDown,
  encodePeerUp,
  encodeRouteMonitoring,
  encodeStatisticsReport,
  encodeTermination,
  frameRouteMonitoring,
} from './messages.js';
import type { PeerHeader } from './messages.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+|\|/g, ''), 'hex');
const MARKER = 'ff'.repeat(16);

/** 10.0.0.1, AS 65001, BGP ID 1.1.1.1, at 1700000000.123 s */
const PEER: PeerHeader = {
  address: '10.0.0.1',
  asn: 65001,
  bgpId: 0x01010101,
  timestampMs: 1_700_000_000_123,
};

/** RFC 7854 §4.2 per-peer header of PEER, pre-policy */
const PEER_HEADER =
  '00' + // peer type: Global Instance Peer
  '00' + // flags: V=0 (IPv4), L=0 (pre-policy), A=0 (4-octet AS_PATH)
  '0000000000000000' + // peer distinguisher
  '000000000000000000000000 0a000001' + // peer address: IPv4 in the last 4 octets
  '0000fde9' + // peer AS 65001
  '01010101' + // peer BGP ID
  '6553f100' + // timestamp seconds 1700000000
  '0001e078'; // timestamp microseconds 123000

/** a minimal OPEN: version 4, AS 65001, hold 90, BGP ID 1.1.1.1, no parameters (29 octets) */
const OPEN_RECEIVED = `${MARKER} 001d 01 | 04 fde9 005a 01010101 00`;
/** AS 65515, hold 180, BGP ID 10.0.0.4 */
const OPEN_SENT = `${MARKER} 001d 01 | 04 ffeb 00b4 0a000004 00`;

describe('BMP messages (RFC 7854 §4), byte for byte', () => {
  it('writes Initiation with sysDescr and sysName TLVs', () => {
    const bytes = encodeInitiation({ sysName: 'rs', sysDescr: 'd' });
    expect(bytes).toEqual(
      hex(
        '03 00000011 04' + // version 3, length 17, type 4 Initiation
          '0001 0001 64' + // type 1 sysDescr, length 1, "d"
          '0002 0002 7273', // type 2 sysName, length 2, "rs"
      ),
    );
    const [message] = splitBmp(bytes).messages;
    expect(readTlvs(message!.body).map((t) => [t.type, t.value.toString()])).toEqual([
      [1, 'd'],
      [2, 'rs'],
    ]);
  });

  it('writes Termination with a string and the reason', () => {
    expect(encodeTermination(2, 'x')).toEqual(
      hex(
        '03 00000011 05' + // length 17, type 5 Termination
          '0000 0001 78' + // type 0 String "x"
          '0001 0002 0002', // type 1 Reason, 2 = Out of Resources
      ),
    );
  });

  it('writes Peer Up with the per-peer header, local address and ports, both OPENs', () => {
    const bytes = encodePeerUp(PEER, {
      localAddress: '10.0.0.4',
      localPort: 179,
      remotePort: 40000,
      sentOpen: hex(OPEN_SENT),
      receivedOpen: hex(OPEN_RECEIVED),
    });
    expect(bytes).toEqual(
      hex(
        '03 0000007e 03' + // length 6 + 42 + 16 + 2 + 2 + 29 + 29 = 126, type 3 Peer Up
          PEER_HEADER +
          '000000000000000000000000 0a000004' + // local address 10.0.0.4
          '00b3' + // local port 179
          '9c40' + // remote port 40000
          OPEN_SENT +
          OPEN_RECEIVED,
      ),
    );
    const [message] = splitBmp(bytes).messages;
    expect(message!.peer).toMatchObject({ address: '10.0.0.1', asn: 65001, bgpId: '1.1.1.1' });
    const up = readPeerUp(message!.body);
    expect(up).toMatchObject({ localAddress: '10.0.0.4', localPort: 179, remotePort: 40000 });
    expect((up.sentOpen as OpenMessage).myAs).toBe(65515);
    expect((up.receivedOpen as OpenMessage).holdTime).toBe(90);
  });

  it('writes Peer Down reason 1 with the NOTIFICATION sent', () => {
    const cease = `${MARKER} 0015 03 | 06 02`; // Cease / Administrative Shutdown
    expect(encodePeerDown(PEER, { reason: 1, notification: hex(cease) })).toEqual(
      hex('03 00000046 02' + PEER_HEADER + '01' + cease), // 6 + 42 + 1 + 21 = 70
    );
  });

  it('writes Peer Down reason 2 with the FSM event, and reasons 4 and 5 without data', () => {
    expect(encodePeerDown(PEER, { reason: 2, fsmEvent: 10 })).toEqual(
      hex('03 00000033 02' + PEER_HEADER + '02 000a'), // Hold Timer expired
    );
    expect(encodePeerDown(PEER, { reason: 4 })).toEqual(hex('03 00000031 02' + PEER_HEADER + '04'));
    expect(encodePeerDown(PEER, { reason: 5 })).toEqual(hex('03 00000031 02' + PEER_HEADER + '05'));
  });

  it('writes a Statistics Report of 64-bit gauges', () => {
    const bytes = encodeStatisticsReport(PEER, [
      { type: 7, value: 2 ** 32 + 5, octets: 8 },
      { type: 8, value: 3, octets: 8 },
    ]);
    expect(bytes).toEqual(
      hex(
        '03 0000004c 01' + // length 6 + 42 + 4 + 2 * 12 = 76, type 1 Statistics Report
          PEER_HEADER +
          '00000002' + // stats count
          '0007 0008 0000000100000005' + // routes in Adj-RIB-In, 2^32 + 5
          '0008 0008 0000000000000003', // routes in Loc-RIB
      ),
    );
  });

  it('wraps an UPDATE in Route Monitoring, post-policy with the L flag, IPv6 peers with the V flag', () => {
    const update =
      `${MARKER} 002e 02` + // length 46, UPDATE
      '0000' + // withdrawn routes length
      '0014' + // total path attribute length 20
      '400101 00' + // ORIGIN IGP
      '400206 02 01 0000fde9' + // AS_PATH: AS_SEQUENCE of one 4-octet AS, 65001
      '400304 0a000001' + // NEXT_HOP 10.0.0.1
      '10 0a01'; // NLRI 10.1.0.0/16
    expect(encodeRouteMonitoring(PEER, hex(update))).toEqual(hex('03 0000005e 00' + PEER_HEADER + update));
    const post = encodeRouteMonitoring({ ...PEER, address: '2001:db8::1', postPolicy: true }, hex(update));
    expect(post.subarray(6, 32)).toEqual(
      hex('00 c0 0000000000000000 20010db8000000000000000000000001'), // V and L; the IPv6 address
    );
    const [message] = splitBmp(post).messages;
    expect(message!.peer).toMatchObject({ address: '2001:db8::1', flags: 0xc0 });
    const [decoded] = readBgpMessage(message!.body);
    expect(updatePrefixes(decoded as UpdateMessage).announced).toEqual(['10.1.0.0/16']);
  });

  it('frames UPDATEs laid end to end into one Route Monitoring message each', () => {
    const first = `${MARKER} 0017 02 0000 0000`; // End-of-RIB
    const second = `${MARKER} 001b 02 0004 18 0a0102 0000`; // withdraw 10.1.2.0/24
    const bytes = frameRouteMonitoring(PEER, hex(first + second), 2);
    expect(bytes).toEqual(
      hex('03 00000047 00' + PEER_HEADER + first + '03 0000004b 00' + PEER_HEADER + second),
    );
    expect(splitBmp(bytes).messages.map((m) => m.length)).toEqual([71, 75]);
  });

  it('carries a NOTIFICATION from the codec unchanged', () => {
    const notification: NotificationMessage = {
      type: 'notification',
      code: 6,
      subcode: 3,
      data: new Uint8Array(),
    };
    const pdu = encode(notification, BASE_CONTEXT);
    const [message] = splitBmp(encodePeerDown(PEER, { reason: 3, notification: pdu })).messages;
    expect(message!.body[0]).toBe(3);
    expect(readBgpMessage(message!.body.subarray(1))[0]).toMatchObject({ code: 6, subcode: 3 });
  });
});
