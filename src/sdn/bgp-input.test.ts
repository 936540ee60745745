import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPrefix } from '../lib/prefix.js';
import type { Prefix } from '../lib/prefix.js';
import { RouteServerBinding } from './bgp-input.js';
import { hubAndSpokes, injected, Instances, p, rowsFor } from './fixtures.test-support.js';

describe('route server view of the virtual network', () => {
  it('advertises its VNet and the spokes that use it through gateway transit', () => {
    const { rs } = hubAndSpokes();
    expect(rs.advertisedAddressSpaces().map(formatPrefix)).toEqual(['10.0.0.0/16', '10.1.0.0/16']);
  });

  it('refuses prefixes equal to or inside an advertised space and accepts supernets and the default route', () => {
    const { rs } = hubAndSpokes();
    expect(rs.isInjectable(p('10.0.0.0/16'))).toBe(false);
    expect(rs.isInjectable(p('10.1.7.0/24'))).toBe(false);
    expect(rs.isInjectable(p('10.0.0.0/8'))).toBe(true);
    expect(rs.isInjectable(p('0.0.0.0/0'))).toBe(true);
    expect(rs.isInjectable(p('10.2.0.0/16'))).toBe(true);
  });

  it('notifies listeners when a spoke starts using the route server', () => {
    const { model, rs } = hubAndSpokes();
    let calls = 0;
    const unsubscribe = rs.onAddressSpacesChanged(() => calls++);
    model.updatePeering('spoke2-to-hub', { useRemoteGateways: true });
    expect(calls).toBe(1);
    expect(rs.advertisedAddressSpaces().map(formatPrefix)).toContain('10.2.0.0/16');
    expect(rs.isInjectable(p('10.2.1.0/24'))).toBe(false);
    model.createRouteTable({ id: 'unrelated' });
    expect(calls).toBe(1);
    unsubscribe();
    model.updatePeering('spoke2-to-hub', { useRemoteGateways: false });
    expect(calls).toBe(1);
  });

  it('programs a route the instances held back once its prefix becomes injectable', () => {
    const { model, rs } = hubAndSpokes();
    const instances = new Instances(rs, ['10.0.2.4']);
    instances.learn('IN_0', '10.1.0.0/16', '10.0.2.4');
    expect(rs.injectedRoutes()).toEqual([]);
    expect(rowsFor(model.effectiveRoutes('app-vm'), '10.1.0.0/16')).toEqual([
      'Default Active 10.1.0.0/16 VNetPeering',
    ]);
    model.deletePeering('spoke1-to-hub');
    expect(rs.isInjectable(p('10.1.0.0/16'))).toBe(true);
    instances.settle();
    expect(rowsFor(model.effectiveRoutes('app-vm'), '10.1.0.0/16')).toEqual([
      'VirtualNetworkGateway Active 10.1.0.0/16 VirtualNetworkGateway 10.0.2.4',
    ]);
  });

  it('programs what the instances inject, the injectability rule being theirs', () => {
    const { rs } = hubAndSpokes();
    rs.applyRouteChanges('IN_0', [injected('10.1.0.0/16', '10.0.2.4')]);
    expect(rs.injectedRoutes()).toEqual([{ prefix: p('10.1.0.0/16'), nextHops: ['10.0.2.4'] }]);
  });

  it('keeps what each instance injects apart and shows the union', () => {
    const { rs } = hubAndSpokes();
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16', '10.0.2.4')]);
    rs.applyRouteChanges('IN_1', [injected('172.20.0.0/16', '10.0.2.10', '10.0.2.9')]);
    expect(rs.injectedRoutes('IN_0')).toHaveLength(1);
    expect(rs.injectedRoutes()).toEqual([
      { prefix: p('172.20.0.0/16'), nextHops: ['10.0.2.4', '10.0.2.9', '10.0.2.10'] },
    ]);
  });
});

describe('RouteServerBinding: the union of its instances, one state per prefix', () => {
  const prefixes = ['172.20.0.0/16', '172.21.0.0/24', '0.0.0.0/0', '192.0.2.1/32', '2001:db8::/32'];
  const hopChoices = [[], ['10.0.2.4'], ['10.0.2.5'], ['10.0.2.4', '10.0.2.5'], ['10.0.2.6']];
  const changeArb = fc.record({
    instance: fc.constantFrom('IN_0', 'IN_1', 'IN_2'),
    batch: fc.array(
      fc.record({ prefix: fc.constantFrom(...prefixes), hops: fc.constantFrom(...hopChoices) }),
      { minLength: 1, maxLength: 6 },
    ),
  });

  /** What the binding must show: each instance's last word per prefix, and the sorted union. */
  function union(model: Map<string, Map<string, string[]>>, prefix: string): string[] {
    const all = new Set<string>();
    for (const table of model.values()) for (const hop of table.get(prefix) ?? []) all.add(hop);
    return [...all].sort();
  }

  it('programs the union of the instances, lists each one apart, reports each change of the union and keeps nothing once all withdraw', () => {
    fc.assert(
      fc.property(fc.array(changeArb, { minLength: 1, maxLength: 25 }), (steps) => {
        const recorded: { prefix: string; before: string[]; after: string[] }[] = [];
        const binding = new RouteServerBinding('rs', 'vnet', (_b, changes) => {
          for (const c of changes)
            recorded.push({
              prefix: formatPrefix(c.prefix),
              before: [...(c.before?.nextHops ?? [])],
              after: [...(c.after?.nextHops ?? [])],
            });
        });
        const model = new Map<string, Map<string, string[]>>();
        const expected: typeof recorded = [];
        for (const { instance, batch } of steps) {
          const table = model.get(instance) ?? new Map<string, string[]>();
          model.set(instance, table);
          for (const { prefix, hops } of batch) {
            const before = union(model, prefix);
            if (hops.length === 0) table.delete(prefix);
            else table.set(prefix, hops);
            const after = union(model, prefix);
            if (before.join() !== after.join()) expected.push({ prefix, before, after });
          }
          binding.applyRouteChanges(
            instance,
            batch.map(({ prefix, hops }) => ({
              prefix: p(prefix),
              route: hops.length === 0 ? null : { nextHops: hops },
            })),
          );
          const shown = (routes: readonly { prefix: Prefix; nextHops: readonly string[] }[]) =>
            Object.fromEntries(routes.map((r) => [formatPrefix(r.prefix), [...r.nextHops].sort()]));
          const unionNow = Object.fromEntries(
            prefixes.map((x) => [x, union(model, x)]).filter(([, hops]) => hops!.length > 0),
          );
          expect(shown(binding.injectedRoutes())).toEqual(unionNow);
          for (const [name, own] of model)
            expect(shown(binding.injectedRoutes(name))).toEqual(
              Object.fromEntries([...own].map(([x, hops]) => [x, [...hops].sort()])),
            );
          for (const x of prefixes)
            expect(binding.routes.get(p(x))?.nextHops.toSorted()).toEqual(unionNow[x]);
        }
        expect(recorded.map((r) => ({ ...r, before: r.before.sort(), after: r.after.sort() }))).toEqual(
          expected,
        );
        for (const [name, table] of model)
          binding.applyRouteChanges(
            name,
            [...table.keys()].map((x) => ({ prefix: p(x), route: null })),
          );
        expect(binding.routes.size).toBe(0);
        expect(binding.interned).toEqual({ states: 0, sets: 0 });
      }),
      { numRuns: 300 },
    );
  });
});
