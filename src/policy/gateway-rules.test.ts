import { describe, expect, it } from 'vitest';
import type { PathAttributes } from '../bgp/codec/index.js';
import {
  AZURE_ROUTE_SERVER_COMMUNITY,
  isPrivateAsn,
  toOnPremAttributes,
  toRouteServerAttributes,
  withoutPrivateAsns,
} from './gateway-rules.js';

const SEQ = 2;
const SET = 1;
const NEXT_HOP = 0x0a000404; // 10.0.4.4
const NO_EXPORT = 0xffffff01;

const learned: PathAttributes = {
  origin: 0,
  asPath: [{ type: SEQ, asns: [65001, 4_200_000_001, 64999] }],
  nextHop: 0x0a010104,
  med: 50,
  localPref: 100,
  communities: [NO_EXPORT],
};

describe('gateway rules (docs/azure-behaviour.md §4.1, §4.2)', () => {
  it('knows the 16-bit and 32-bit private ASN ranges (RFC 6996)', () => {
    expect([64511, 64512, 65534, 65535].map(isPrivateAsn)).toEqual([false, true, true, false]);
    expect([4_199_999_999, 4_200_000_000, 4_294_967_294, 4_294_967_295].map(isPrivateAsn)).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('removes private ASNs and drops segments left empty', () => {
    expect(withoutPrivateAsns(undefined)).toEqual([]);
    expect(
      withoutPrivateAsns([
        { type: SEQ, asns: [65001, 64999] },
        { type: SET, asns: [3320, 65002] },
      ]),
    ).toEqual([{ type: SET, asns: [3320] }]);
  });

  it('toward the route server: the ExpressRoute gateway prepends its AS, the VPN gateway keeps the path; MED and LOCAL_PREF stay behind', () => {
    const er = toRouteServerAttributes(learned, 'expressroute-gateway', 12076, NEXT_HOP);
    expect(er.asPath).toEqual([{ type: SEQ, asns: [12076, 65001, 4_200_000_001, 64999] }]);
    expect(er.nextHop).toBe(NEXT_HOP);
    expect(er.med).toBeUndefined();
    expect(er.localPref).toBeUndefined();
    const vpn = toRouteServerAttributes(learned, 'vpn-gateway', 65515, NEXT_HOP);
    expect(vpn.asPath).toEqual(learned.asPath);
    const { asPath: _asPath, ...withoutPath } = learned;
    expect(toRouteServerAttributes(withoutPath, 'vpn-gateway', 65515, NEXT_HOP).asPath).toBeUndefined();
  });

  it('toward on-prem: VPN prepends 65515; ExpressRoute removes private ASNs and tags what came from the route server once', () => {
    const vpn = toOnPremAttributes(learned, 'vpn-gateway', 65515, NEXT_HOP, true);
    expect(vpn.asPath).toEqual([{ type: SEQ, asns: [65515, 65001, 4_200_000_001, 64999] }]);
    expect(vpn.communities).toEqual([NO_EXPORT]);
    expect(vpn.med).toBeUndefined();

    const fromOtherSite = toOnPremAttributes(learned, 'expressroute-gateway', 12076, NEXT_HOP, false);
    expect(fromOtherSite.asPath).toEqual([{ type: SEQ, asns: [12076] }]);
    expect(fromOtherSite.communities).toEqual([NO_EXPORT]);

    const fromRouteServer = toOnPremAttributes(learned, 'expressroute-gateway', 12076, NEXT_HOP, true);
    expect(fromRouteServer.communities).toEqual([NO_EXPORT, AZURE_ROUTE_SERVER_COMMUNITY]);
    const tagged = { ...learned, communities: [AZURE_ROUTE_SERVER_COMMUNITY] };
    expect(toOnPremAttributes(tagged, 'expressroute-gateway', 12076, NEXT_HOP, true).communities).toEqual([
      AZURE_ROUTE_SERVER_COMMUNITY,
    ]);
    const { communities: _communities, ...untagged } = learned;
    expect(toOnPremAttributes(untagged, 'expressroute-gateway', 12076, NEXT_HOP, true).communities).toEqual([
      AZURE_ROUTE_SERVER_COMMUNITY,
    ]);
  });
});
