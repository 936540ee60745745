import { describe, expect, it } from 'vitest';
import { AZURE_ROUTE_SERVER_ASN, DEFAULT_ROUTE_LIMIT, EXPRESSROUTE_ROUTE_LIMIT } from '../policy/index.js';
import { settingsOf, zeroCounters } from './engine-options.js';
import type { RouteEngineOptions } from './engine-options.js';
import { RIB_ERROR_CODES, RibError } from './errors.js';
import { TestNetwork, TestSink } from './fixtures.test-support.js';
import { DEFAULT_OUTPUT_LAG_LIMIT } from './session-close.js';

function options(extra: Partial<RouteEngineOptions> = {}): RouteEngineOptions {
  return {
    instance: 'IN_0',
    localAddress: '10.0.1.4',
    network: new TestNetwork(),
    sink: new TestSink(),
    ...extra,
  };
}

function invalidOption(extra: Partial<RouteEngineOptions>): string {
  try {
    settingsOf(options(extra));
  } catch (error) {
    expect(error).toBeInstanceOf(RibError);
    expect((error as RibError).code).toBe(RIB_ERROR_CODES.INVALID_OPTION);
    return (error as RibError).message;
  }
  throw new Error('the options were accepted');
}

describe('route engine options', () => {
  it("defaults to Azure's route server: AS 65515, 4,000 routes a peer, ExpressRoute preferred, no branch-to-branch", () => {
    expect(settingsOf(options())).toMatchObject({
      localAsn: AZURE_ROUTE_SERVER_ASN,
      routeLimit: DEFAULT_ROUTE_LIMIT,
      sliceSize: 16_384,
      inputHighWater: 1024,
      outputLagLimit: DEFAULT_OUTPUT_LAG_LIMIT,
      role: 'route-server',
      branchToBranch: false,
      hubRoutingPreference: 'ExpressRoute',
      expressRouteLimit: EXPRESSROUTE_ROUTE_LIMIT,
      localV6: undefined,
    });
  });

  it("uses the instance's own address as the internal next hop unless one is given", () => {
    const own = settingsOf(options());
    expect(own.internalNextHop).toBe(own.localV4);
    const given = settingsOf(options({ internalNextHop: '10.0.255.4' }));
    expect(given.internalNextHop).toBe(((10 << 24) | (255 << 8) | 4) >>> 0);
  });

  it('parses the IPv6 address when one is given', () => {
    expect(settingsOf(options({ localAddressV6: 'fd00::4' })).localV6).toHaveLength(16);
  });

  it('refuses a local address that is not IPv4', () => {
    expect(invalidOption({ localAddress: 'fd00::4' })).toMatch(/localAddress fd00::4 is not IPv4/);
  });

  it('refuses a limit, slice size, high-water mark or lag limit below one', () => {
    for (const bad of [{ routeLimit: 0 }, { sliceSize: 0 }, { inputHighWater: 0 }, { outputLagLimit: -1 }])
      expect(invalidOption(bad)).toMatch(/must be positive/);
  });

  it('refuses an internal next hop that is not IPv4', () => {
    expect(invalidOption({ internalNextHop: 'gateway' })).toMatch(/internalNextHop gateway is not IPv4/);
  });

  it('starts every counter at zero', () => {
    expect(Object.values(zeroCounters()).every((value) => value === 0)).toBe(true);
  });
});
