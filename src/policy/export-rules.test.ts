import { describe, expect, it } from 'vitest';
import { asPathLength, formatAsPath, neighbourAs, prependAs } from './as-path.js';
import {
  advertiseForbiddenByCommunity,
  evaluateExport,
  exportAttributes,
  gatewayRoutesNeedBranchToBranch,
  notToSourcePeer,
  vnetRouteAttributes,
} from './export-rules.js';

const nva = { source: 'nva' as const, sourcePeer: '10.0.2.4', advertise: true };
const target = { peer: '10.0.2.5' };
const off = { branchToBranch: false };

describe('export rule not-to-source-peer', () => {
  it('refuses the peer the route came from', () => {
    expect(notToSourcePeer.rejects(nva, { peer: '10.0.2.4' }, off)).toBe(true);
  });
  it('allows every other peer', () => {
    expect(notToSourcePeer.rejects(nva, target, off)).toBe(false);
  });
});

describe('export rule community-forbids-advertisement', () => {
  it('refuses a route whose import verdict forbids advertisement', () => {
    expect(advertiseForbiddenByCommunity.rejects({ ...nva, advertise: false }, target, off)).toBe(true);
    expect(advertiseForbiddenByCommunity.rejects(nva, target, off)).toBe(false);
  });
});

describe('export rule gateway-route-without-branch-to-branch', () => {
  it('refuses gateway routes unless branch-to-branch is on', () => {
    const gateway = { ...nva, source: 'gateway' as const };
    expect(gatewayRoutesNeedBranchToBranch.rejects(gateway, target, off)).toBe(true);
    expect(gatewayRoutesNeedBranchToBranch.rejects(gateway, target, { branchToBranch: true })).toBe(false);
    expect(gatewayRoutesNeedBranchToBranch.rejects(nva, target, off)).toBe(false);
  });
});

describe('evaluateExport', () => {
  it('advertises an ordinary NVA route to another peer', () => {
    expect(evaluateExport(nva, target, off)).toEqual({ advertise: true });
  });
  it('names the first rule that refused', () => {
    expect(evaluateExport({ ...nva, advertise: false }, { peer: '10.0.2.4' }, off)).toEqual({
      advertise: false,
      reason: 'not-to-source-peer',
    });
  });
});

describe('exportAttributes', () => {
  const received = {
    origin: 1,
    asPath: [{ type: 2, asns: [65001, 7] }],
    nextHop: 0x0a000204,
    med: 50,
    localPref: 200,
    communities: [65001 * 65536 + 1],
    largeCommunities: [{ globalAdministrator: 65001, localData1: 1, localData2: 2 }],
    unknown: [{ flags: 0xe0, code: 99, value: Uint8Array.from([1]) }],
    originatorId: 1,
    clusterList: [1],
    wireOrder: [0x4001],
  };
  const sent = exportAttributes(received, 65515);
  it('prepends 65515 to the AS path', () => {
    expect(sent.asPath).toEqual([{ type: 2, asns: [65515, 65001, 7] }]);
  });
  it('keeps the original next hop (third-party next hop)', () => {
    expect(sent.nextHop).toBe(0x0a000204);
  });
  it('passes communities, large communities and unknown transitive attributes through', () => {
    expect(sent.communities).toEqual(received.communities);
    expect(sent.largeCommunities).toEqual(received.largeCommunities);
    expect(sent.unknown).toEqual(received.unknown);
    expect(sent.origin).toBe(1);
  });
  it('drops MED, LOCAL_PREF and the iBGP reflection attributes', () => {
    expect(sent).not.toHaveProperty('med');
    expect(sent).not.toHaveProperty('localPref');
    expect(sent).not.toHaveProperty('originatorId');
    expect(sent).not.toHaveProperty('clusterList');
  });
});

describe('vnetRouteAttributes', () => {
  it('is AS path 65515, ORIGIN IGP, NEXT_HOP the instance address', () => {
    expect(vnetRouteAttributes(65515, 0x0a000104)).toEqual({
      origin: 0,
      asPath: [{ type: 2, asns: [65515] }],
      nextHop: 0x0a000104,
    });
  });
});

describe('AS path helpers', () => {
  it('counts an AS_SET as one AS and confederation segments as none', () => {
    expect(
      asPathLength([
        { type: 2, asns: [1, 2] },
        { type: 1, asns: [3, 4, 5] },
        { type: 3, asns: [6] },
      ]),
    ).toBe(3);
  });
  it('prepends into a new segment when the first one is full or a set', () => {
    const full = [{ type: 2, asns: Array.from({ length: 255 }, (_, i) => i + 1) }];
    expect(prependAs(full, 65515)[0]).toEqual({ type: 2, asns: [65515] });
    expect(prependAs([{ type: 1, asns: [1] }], 65515)).toEqual([
      { type: 2, asns: [65515] },
      { type: 1, asns: [1] },
    ]);
    expect(prependAs(undefined, 65515)).toEqual([{ type: 2, asns: [65515] }]);
  });
  it('takes the neighbouring AS from the first AS_SEQUENCE, else the peer AS', () => {
    expect(neighbourAs([{ type: 2, asns: [7, 8] }], 1)).toBe(7);
    expect(neighbourAs([], 1)).toBe(1);
  });
  it('formats the path as Azure shows it', () => {
    expect(formatAsPath([{ type: 2, asns: [65002, 65001] }])).toBe('65002-65001');
    expect(
      formatAsPath([
        { type: 2, asns: [1] },
        { type: 1, asns: [2, 3] },
      ]),
    ).toBe('1-{2,3}');
  });
});
