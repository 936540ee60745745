import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPrefix, prefixContains } from '../lib/prefix.js';
import { parseAddress } from './addresses.js';
import { hubAndSpokes, injected, p } from './fixtures.test-support.js';

describe('next hop', () => {
  it('explains a plain longest prefix match', () => {
    const { model } = hubAndSpokes();
    const result = model.nextHop('app-vm', '10.0.2.4');
    expect(result.nextHopType).toBe('VnetLocal');
    expect(formatPrefix(result.matchedPrefix!)).toBe('10.0.0.0/16');
    expect(result.source).toBe('Default');
    expect(result.reason.code).toBe('LongestPrefixMatch');
    expect(result.routeTableId).toBeNull();
  });

  it('returns every ECMP next hop of a BGP route', () => {
    const { model, rs } = hubAndSpokes();
    rs.applyRouteChanges('IN_0', [injected('0.0.0.0/0', '10.0.2.4')]);
    rs.applyRouteChanges('IN_1', [injected('0.0.0.0/0', '10.0.2.5')]);
    const result = model.nextHop('spoke1-vm', '8.8.8.8');
    expect(result.nextHopType).toBe('VirtualNetworkGateway');
    expect(result.nextHopIpAddresses).toEqual(['10.0.2.4', '10.0.2.5']);
    expect(result.routes).toHaveLength(2);
    expect(result.reason.code).toBe('BgpRouteOverridesSamePrefix');
  });

  it('names the route table of a winning user-defined route', () => {
    const { model, rs } = hubAndSpokes();
    model.createRouteTable({
      id: 'rt',
      routes: [
        {
          name: 'fw',
          addressPrefix: p('0.0.0.0/0'),
          nextHopType: 'VirtualAppliance',
          nextHopIpAddress: '10.0.2.100',
        },
      ],
    });
    model.setSubnetRouteTable('hub/subnets/app', 'rt');
    rs.applyRouteChanges('IN_0', [injected('0.0.0.0/0', '10.0.2.4')]);
    const result = model.nextHop('app-vm', '1.1.1.1');
    expect(result).toMatchObject({
      nextHopType: 'VirtualAppliance',
      nextHopIpAddresses: ['10.0.2.100'],
      source: 'User',
      routeTableId: 'rt',
    });
    expect(result.reason.code).toBe('UserRouteOverridesSamePrefix');
  });

  it('reports when a VNet route beat a more specific BGP route', () => {
    const { model, rs } = hubAndSpokes();
    rs.applyRouteChanges('IN_0', [injected('10.2.1.0/24', '10.0.2.4')]);
    const result = model.nextHop('app-vm', '10.2.1.4');
    expect(result.nextHopType).toBe('VNetPeering');
    expect(result.reason.code).toBe('VirtualNetworkRoutePreferredOverBgp');
    expect(result.reason.description).toContain('10.2.1.0/24');
  });

  it('answers for IPv6 destinations in a dual-stack VNet', () => {
    const { model } = hubAndSpokes();
    model.setAddressSpaces('hub', [p('10.0.0.0/16'), p('fd00:10::/48')]);
    model.createSubnet({ vnetId: 'hub', name: 'v6', addressPrefix: p('fd00:10:0:1::/64') });
    model.createNetworkInterface({
      id: 'v6-vm',
      subnetId: 'hub/subnets/v6',
      privateIpAddress: 'fd00:10:0:1::10',
    });
    expect(model.nextHop('v6-vm', 'fd00:10:0:2::1')).toMatchObject({
      nextHopType: 'VnetLocal',
      source: 'Default',
    });
    expect(model.nextHop('v6-vm', '2001:db8::1').nextHopType).toBe('Internet');
  });

  it('drops traffic when no route matches', () => {
    const { model } = hubAndSpokes();
    const result = model.nextHop('app-vm', '2001:db8::1');
    expect(result).toMatchObject({ nextHopType: 'None', matchedPrefix: null, nextHopIpAddresses: [] });
    expect(result.reason.code).toBe('NoRoute');
  });

  it('matches a linear scan over the Active rows of the effective table', () => {
    const pool = [
      '0.0.0.0/0',
      '10.0.0.0/8',
      '10.0.0.0/16',
      '10.0.3.0/24',
      '10.0.3.128/25',
      '10.1.0.0/16',
      '10.1.1.0/24',
      '10.2.0.0/16',
      '10.2.1.0/24',
      '10.3.0.0/16',
      '100.64.0.0/10',
      '100.64.1.0/24',
      '172.16.0.0/12',
      '172.20.0.0/16',
      '192.168.1.0/24',
    ];
    const hops = ['10.0.2.4', '10.0.2.5', '10.0.2.6'];
    const prefixArb = fc.constantFrom(...pool);
    const udrArb = fc.record({
      prefix: prefixArb,
      type: fc.constantFrom('VirtualAppliance', 'Internet', 'None', 'VnetLocal', 'VirtualNetworkGateway'),
    });
    const bgpArb = fc.record({
      instance: fc.constantFrom('IN_0', 'IN_1'),
      prefix: prefixArb,
      hops: fc.subarray(hops),
    });
    const destinationArb = fc.oneof(
      fc.constantFrom(
        '10.0.3.7',
        '10.0.3.200',
        '10.1.1.9',
        '10.2.1.9',
        '10.3.0.1',
        '100.64.1.1',
        '172.20.0.1',
        '8.8.8.8',
      ),
      fc
        .tuple(fc.constantFrom(10, 100, 172, 192), fc.nat(255), fc.nat(255), fc.nat(255))
        .map((o) => o.join('.')),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(udrArb, { selector: (u) => u.prefix, maxLength: 6 }),
        fc.boolean(),
        fc.array(bgpArb, { maxLength: 12 }),
        fc.array(destinationArb, { minLength: 1, maxLength: 12 }),
        (udrs, propagationOff, bgp, destinations) => {
          const { model, rs } = hubAndSpokes('property');
          model.createRouteTable({
            id: 'rt',
            disableBgpRoutePropagation: propagationOff,
            routes: udrs.map((u, i) => ({
              name: `r${i}`,
              addressPrefix: p(u.prefix),
              nextHopType: u.type,
              nextHopIpAddress: u.type === 'VirtualAppliance' ? '10.0.2.100' : null,
            })),
          });
          model.setSubnetRouteTable('hub/subnets/app', 'rt');
          model.setSubnetRouteTable('spoke1/subnets/workload', 'rt');
          for (const b of bgp) rs.applyRouteChanges(b.instance, [injected(b.prefix, ...b.hops)]);
          for (const nic of ['app-vm', 'nva1', 'spoke1-vm', 'spoke2-vm']) {
            const active = model.effectiveRoutes(nic).filter((r) => r.state === 'Active');
            for (const destination of destinations) {
              const host = parseAddress(destination)!;
              const matching = active.filter((r) => prefixContains(r.addressPrefixes[0]!, host));
              const longest = Math.max(-1, ...matching.map((r) => r.addressPrefixes[0]!.length));
              const winners = matching.filter((r) => r.addressPrefixes[0]!.length === longest);
              const result = model.nextHop(nic, destination);
              expect(result.matchedPrefix ? formatPrefix(result.matchedPrefix) : null).toBe(
                winners[0] ? formatPrefix(winners[0].addressPrefixes[0]!) : null,
              );
              expect(result.routes).toEqual(winners);
              expect(result.nextHopType).toBe(winners[0]?.nextHopType ?? 'None');
              expect(result.nextHopIpAddresses).toEqual(winners.flatMap((w) => w.nextHopIpAddresses));
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
