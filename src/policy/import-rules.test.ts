import { describe, expect, it } from 'vitest';
import { CeaseSubcode, ErrorCode, WellKnownCommunity } from '../bgp/codec/index.js';
import type { AsPathSegment } from '../bgp/codec/index.js';
import {
  asPathContainsLocalAs,
  asPathContainsZero,
  DEFAULT_ROUTE_LIMIT,
  evaluateImport,
  exceedsRouteLimit,
  injectionReason,
  noAdvertise,
  noExport,
  noExportSubconfed,
  routeLimitNotification,
  WITHIN_ADDRESS_SPACE,
} from './import-rules.js';

const context = { localAsn: 65515 };
const sequence = (...asns: number[]): AsPathSegment[] => [{ type: 2, asns }];
const facts = (asPath: AsPathSegment[], communities: number[] = []) => ({ asPath, communities });

describe('import rule as-path-contains-local-as', () => {
  it('applies when 65515 is anywhere in the AS path', () => {
    expect(asPathContainsLocalAs.applies(facts(sequence(65001, 65515, 3)), context)).toBe(true);
  });
  it('applies when 65515 is in an AS_SET', () => {
    expect(
      asPathContainsLocalAs.applies(facts([...sequence(65001), { type: 1, asns: [7, 65515] }]), context),
    ).toBe(true);
  });
  it('does not apply to a path without 65515', () => {
    expect(asPathContainsLocalAs.applies(facts(sequence(65001, 65514)), context)).toBe(false);
  });
  it('drops the route', () => {
    expect(asPathContainsLocalAs.effect).toBe('drop');
  });
});

describe('import rule as-path-contains-zero', () => {
  it('applies when AS 0 is in the path, and drops', () => {
    expect(asPathContainsZero.applies(facts(sequence(65001, 0)), context)).toBe(true);
    expect(asPathContainsZero.effect).toBe('drop');
  });
  it('does not apply otherwise', () => {
    expect(asPathContainsZero.applies(facts(sequence(65001)), context)).toBe(false);
  });
});

describe('import rules for well-known communities', () => {
  it('NO_ADVERTISE keeps the route for the VNet only', () => {
    expect(noAdvertise.applies(facts(sequence(1), [WellKnownCommunity.NoAdvertise]), context)).toBe(true);
    expect(noAdvertise.effect).toBe('inject-only');
  });
  it('NO_EXPORT keeps the route for the VNet only (every peer is eBGP)', () => {
    expect(noExport.applies(facts(sequence(1), [WellKnownCommunity.NoExport]), context)).toBe(true);
    expect(noExport.effect).toBe('inject-only');
  });
  it('NO_EXPORT_SUBCONFED keeps the route for the VNet only', () => {
    expect(
      noExportSubconfed.applies(facts(sequence(1), [WellKnownCommunity.NoExportSubconfed]), context),
    ).toBe(true);
  });
  it('other communities do not restrict the route', () => {
    expect(noAdvertise.applies(facts(sequence(1), [65001 * 65536 + 5]), context)).toBe(false);
  });
});

describe('evaluateImport', () => {
  it('keeps an ordinary route with no reasons', () => {
    expect(evaluateImport(facts(sequence(65001)), context)).toEqual({
      accepted: true,
      advertise: true,
      reasons: [],
    });
  });
  it('drops a looped route and says why', () => {
    expect(evaluateImport(facts(sequence(65001, 65515)), context)).toEqual({
      accepted: false,
      advertise: false,
      reasons: ['as-path-contains-local-as'],
    });
  });
  it('records every restricting rule that fired', () => {
    const verdict = evaluateImport(
      facts(sequence(65001), [WellKnownCommunity.NoAdvertise, WellKnownCommunity.NoExport]),
      context,
    );
    expect(verdict).toEqual({ accepted: true, advertise: false, reasons: ['no-advertise', 'no-export'] });
  });
  it('accepts a route with an empty AS path', () => {
    expect(evaluateImport(facts([]), context).accepted).toBe(true);
  });
});

describe('route limit', () => {
  it('defaults to 4,000 routes per peer', () => {
    expect(DEFAULT_ROUTE_LIMIT).toBe(4000);
  });
  it('counts routes held plus routes announced in the UPDATE (Azure: 2,001 + 2,001 > 4,000)', () => {
    expect(exceedsRouteLimit(2001, 2001, 4000)).toBe(true);
    expect(exceedsRouteLimit(2000, 2000, 4000)).toBe(false);
  });
  it('builds the RFC 4486 NOTIFICATION with AFI, SAFI and the limit', () => {
    expect(routeLimitNotification(4000)).toEqual({
      type: 'notification',
      code: ErrorCode.Cease,
      subcode: CeaseSubcode.MaximumPrefixesReached,
      data: Uint8Array.from([0, 1, 1, 0, 0, 0x0f, 0xa0]),
    });
  });
});

describe('address-space injection rule', () => {
  it('names the reason a route is not injected', () => {
    expect(injectionReason(false)).toBe(WITHIN_ADDRESS_SPACE);
    expect(injectionReason(true)).toBeUndefined();
  });
});
