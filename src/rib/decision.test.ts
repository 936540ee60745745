import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DecisionPath, RoutingPreference, HubSource } from './decision.js';
import {
  decide,
  externalOverInternal,
  hubRoutingPreference,
  oneSourceOnEqualAsPath,
  lowestMedPerNeighbourAs,
  lowestOrigin,
  lowestPeerAddress,
  lowestRouterId,
  oldestSession,
  shortestAsPath,
} from './decision.js';
import { addressOrder } from './peer.js';

interface TestPath extends DecisionPath {
  readonly name: string;
}

let sequence = 0;
function path(name: string, fields: Partial<DecisionPath> & { address?: string } = {}): TestPath {
  const { address = `10.0.2.${++sequence % 250}`, ...rest } = fields;
  return {
    name,
    hubSource: 'nva',
    internal: false,
    asPathLength: 1,
    origin: 0,
    med: 0,
    neighbourAs: 65001,
    routerId: 1,
    peerAddressOrder: addressOrder(address),
    sessionSequence: ++sequence,
    ...rest,
  };
}
const names = (paths: readonly TestPath[]) => paths.map((p) => p.name);

describe('decision step shortest-as-path', () => {
  it('keeps every path of the shortest length', () => {
    const paths = [
      path('a', { asPathLength: 2 }),
      path('b', { asPathLength: 1 }),
      path('c', { asPathLength: 1 }),
    ];
    expect(names(shortestAsPath.select(paths))).toEqual(['b', 'c']);
  });
});

describe('decision step lowest-origin', () => {
  it('prefers IGP over EGP over INCOMPLETE', () => {
    const paths = [path('incomplete', { origin: 2 }), path('egp', { origin: 1 }), path('igp', { origin: 0 })];
    expect(names(lowestOrigin.select(paths))).toEqual(['igp']);
  });
});

describe('decision step lowest-med-per-neighbour-as', () => {
  it('compares MED only among paths from the same neighbouring AS', () => {
    const paths = [
      path('a-high', { neighbourAs: 1, med: 20 }),
      path('a-low', { neighbourAs: 1, med: 10 }),
      path('b-higher-than-a', { neighbourAs: 2, med: 50 }),
    ];
    expect(names(lowestMedPerNeighbourAs.select(paths))).toEqual(['a-low', 'b-higher-than-a']);
  });
});

describe('decision step lowest-router-id', () => {
  it('keeps the lowest BGP Identifier', () => {
    expect(names(lowestRouterId.select([path('x', { routerId: 9 }), path('y', { routerId: 3 })]))).toEqual([
      'y',
    ]);
  });
});

describe('decision step lowest-peer-address', () => {
  it('compares addresses numerically, not as text', () => {
    const paths = [path('ten', { address: '10.0.0.10' }), path('nine', { address: '10.0.0.9' })];
    expect(names(lowestPeerAddress.select(paths))).toEqual(['nine']);
  });
});

describe('decision step oldest-session', () => {
  it('keeps the earlier session', () => {
    expect(
      names(oldestSession.select([path('new', { sessionSequence: 5 }), path('old', { sessionSequence: 2 })])),
    ).toEqual(['old']);
  });
});

describe('decide', () => {
  it('puts all shortest AS paths in the ECMP set and picks one best with its reason', () => {
    const a = path('a', { routerId: 2 });
    const b = path('b', { routerId: 1 });
    const standby = path('standby', { asPathLength: 3, routerId: 0 });
    const decision = decide([a, standby, b]);
    expect(names(decision.ecmp)).toEqual(['a', 'b']);
    expect(decision.best.name).toBe('b');
    expect(decision.reason).toBe('lowest-router-id');
  });
  it('names shortest-as-path when the AS path decides', () => {
    const decision = decide([path('long', { asPathLength: 3 }), path('short', { asPathLength: 1 })]);
    expect(decision).toMatchObject({ reason: 'shortest-as-path', best: { name: 'short' } });
  });
  it('says only-path for a single path', () => {
    expect(decide([path('only')]).reason).toBe('only-path');
  });

  it('does not depend on the order the paths arrived in', () => {
    const arbitraryPath = fc.record({
      asPathLength: fc.integer({ min: 0, max: 4 }),
      origin: fc.integer({ min: 0, max: 2 }),
      med: fc.integer({ min: 0, max: 3 }),
      neighbourAs: fc.integer({ min: 1, max: 3 }),
      routerId: fc.integer({ min: 0, max: 3 }),
      address: fc.integer({ min: 1, max: 4 }).map((n) => `10.0.0.${n}`),
      hubSource: fc.constantFrom<HubSource>('ExpressRoute', 'Vpn', 'nva'),
      internal: fc.boolean(),
    });
    const preference = fc.constantFrom<RoutingPreference>('ExpressRoute', 'VpnGateway', 'ASPath');
    const paths = fc
      .array(arbitraryPath, { minLength: 1, maxLength: 8 })
      .map((list) => list.map((fields, i) => path(`p${i}`, { ...fields, sessionSequence: i })));
    fc.assert(
      fc.property(
        paths.chain((list) =>
          fc.tuple(
            fc.constant(list),
            fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }),
          ),
        ),
        preference,
        ([original, shuffled], setting) => {
          const first = decide(original, setting);
          const second = decide(shuffled, setting);
          expect(second.best).toBe(first.best);
          expect(second.reason).toBe(first.reason);
          expect(new Set(second.ecmp)).toEqual(new Set(first.ecmp));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('hub routing preference (docs/azure-behaviour.md §4.3)', () => {
  const er = (asPathLength: number) => path('er', { hubSource: 'ExpressRoute', asPathLength });
  const vpn = (asPathLength: number) => path('vpn', { hubSource: 'Vpn', asPathLength });
  const nva = (asPathLength: number) => path('nva', { asPathLength });

  it('worked example 1: ExpressRoute → the ExpressRoute route beats the VPN route of the same prefix', () => {
    // 10.0.0.0/16 via ER (AS 65001) and via VPN (AS 65002)
    expect(decide([vpn(1), er(1)], 'ExpressRoute').best.name).toBe('er');
  });

  it('worked example 3: ASPath → the shorter VPN path beats ExpressRoute (65001 65002 vs 65003)', () => {
    const decision = decide([er(2), vpn(1)], 'ASPath');
    expect(decision).toMatchObject({ best: { name: 'vpn' }, reason: 'shortest-as-path' });
  });

  it('ExpressRoute keeps the ExpressRoute route even with the longest AS path', () => {
    const decision = decide([nva(1), vpn(1), er(4)], 'ExpressRoute');
    expect(decision).toMatchObject({ best: { name: 'er' }, reason: 'hub-routing-preference' });
    expect(names(decision.ecmp)).toEqual(['er']);
  });

  it('VpnGateway: VPN and NVA routes beat ExpressRoute, the shortest AS path between them', () => {
    expect(decide([er(1), vpn(3), nva(2)], 'VpnGateway').best.name).toBe('nva');
    expect(decide([er(1), vpn(1), nva(2)], 'VpnGateway').best.name).toBe('vpn');
  });

  it('VpnGateway with only an ExpressRoute path keeps it', () => {
    expect(decide([er(3), er(2)], 'VpnGateway').best.asPathLength).toBe(2);
  });

  it('never makes a gateway route and an NVA route ECMP: equal AS paths go to one source', () => {
    const decision = decide([nva(1), vpn(1), path('nva-2', { asPathLength: 1 })], 'ASPath');
    expect(names(decision.ecmp)).toEqual(['vpn']);
    expect(decision.reason).toBe('one-source-on-equal-as-path');
    expect(names(oneSourceOnEqualAsPath.select([nva(1), er(1)], 'VpnGateway'))).toEqual(['nva']);
  });

  it('keeps ECMP within one source: two NVAs, or the two instances of a gateway', () => {
    const nvas = decide([nva(1), path('nva-2', { asPathLength: 1 }), er(2)], 'ASPath');
    expect(names(nvas.ecmp)).toEqual(['nva', 'nva-2']);
    const instances = decide([er(2), path('er-2', { hubSource: 'ExpressRoute', asPathLength: 2 })]);
    expect(names(instances.ecmp)).toEqual(['er', 'er-2']);
  });

  it('the hub-routing-preference step alone keeps everything under ASPath', () => {
    const paths = [er(1), vpn(1), nva(1)];
    expect(hubRoutingPreference.select(paths, 'ASPath')).toBe(paths);
  });
});

describe('decision step external-over-internal', () => {
  it('prefers the on-prem peer to the route server in a gateway speaker (RFC 4271 §9.1.2.2 (d))', () => {
    const paths = [path('from-route-server', { internal: true }), path('on-prem')];
    expect(names(externalOverInternal.select(paths))).toEqual(['on-prem']);
  });
});
