import { describe, expect, it } from 'vitest';
import { AsPathSegmentType } from '../bgp/codec/index.js';
import type { CompiledRouteMap, RouteMapRuleDefinition } from '../policy/index.js';
import { compileRouteMap, formatCommunity, parseCommunity } from '../policy/index.js';
import { parsePrefix, prefixKey } from '../lib/prefix.js';
import type { TestOutput } from './fixtures.test-support.js';
import { announce, harness, NVA1, NVA2, NVA3, up, updateOf, withdrawalOf } from './fixtures.test-support.js';

function routeMap(name: string, ...rules: RouteMapRuleDefinition[]): CompiledRouteMap {
  const result = compileRouteMap({ name, rules });
  if (!result.ok) throw new Error(result.problem.message);
  return result.map;
}

const dropPrefix = (prefix: string) =>
  routeMap('deny', {
    name: 'deny',
    matchCriteria: [{ matchCondition: 'Contains', routePrefix: [prefix] }],
    actions: [{ type: 'Drop', parameters: [] }],
  });
const prepend = (name: string, ...asns: string[]) =>
  routeMap(name, {
    name: 'prepend',
    matchCriteria: [],
    actions: [{ type: 'Add', parameters: [{ asPath: asns }] }],
  });
const summarise = (into: string) =>
  routeMap('sum', {
    name: 'sum',
    matchCriteria: [{ matchCondition: 'Contains', routePrefix: [into] }],
    actions: [{ type: 'Replace', parameters: [{ routePrefix: [into] }] }],
  });

function asns(output: TestOutput, prefix: string): number[] | undefined {
  return output.table.get(prefix)?.attributes.asPath?.flatMap((segment) => [...segment.asns]);
}

describe('inbound route maps', () => {
  it('drops matched routes before the decision process and keeps them pre-policy with the rule as reason', async () => {
    const h = harness();
    h.engine.setPeerRouteMaps(NVA1, { inbound: dropPrefix('10.50.0.0/16') });
    up(h, NVA1, 65001);
    await announce(h, NVA1, 65001, ['10.50.1.0/24', '10.60.0.0/16']);
    expect(h.sink.route('10.50.1.0/24')).toBeUndefined();
    expect(h.sink.route('10.60.0.0/16')?.nextHops).toEqual([NVA1]);
    const rejected = h.engine
      .learnedRoutes(NVA1, { includeRejected: true })
      .find((r) => r.network === '10.50.1.0/24');
    expect(rejected).toMatchObject({ accepted: false, reasons: ['route-map:deny:deny'] });
    expect(h.engine.peerCounters(NVA1)).toMatchObject({ received: 2, accepted: 1 });
  });

  it('changes attributes before the import rules: a prepend decides the best path', async () => {
    const h = harness();
    h.engine.setPeerRouteMaps(NVA1, { inbound: prepend('standby', '65001', '65001') });
    const watcher = up(h, NVA3, 65003);
    up(h, NVA1, 65001);
    up(h, NVA2, 65002);
    await announce(h, NVA1, 65001, ['10.70.0.0/16']);
    await announce(h, NVA2, 65002, ['10.70.0.0/16']);
    expect(h.sink.route('10.70.0.0/16')?.nextHops).toEqual([NVA2]);
    expect(h.engine.learnedRoutes(NVA1)[0]?.asPath).toBe('65001-65001-65001');
    expect(asns(watcher, '10.70.0.0/16')).toEqual([65515, 65002]);
  });

  it('Replace community changes what the other peers are sent', async () => {
    const h = harness();
    const tag = routeMap('tag', {
      name: 'tag',
      matchCriteria: [],
      actions: [{ type: 'Replace', parameters: [{ community: ['65001:7'] }] }],
    });
    h.engine.setPeerRouteMaps(NVA1, { inbound: tag });
    const watcher = up(h, NVA2, 65002);
    up(h, NVA1, 65001);
    await announce(h, NVA1, 65001, ['10.71.0.0/16'], { communities: [parseCommunity('65001:1')!] });
    expect(watcher.table.get('10.71.0.0/16')?.attributes.communities?.map(formatCommunity)).toEqual([
      '65001:7',
    ]);
  });

  it('summarises contributors into one route that lives while any contributor does', async () => {
    const h = harness();
    h.engine.setPeerRouteMaps(NVA1, { inbound: summarise('10.80.0.0/16') });
    const watcher = up(h, NVA2, 65002);
    up(h, NVA1, 65001);
    await announce(h, NVA1, 65001, ['10.80.1.0/24', '10.80.2.0/24', '10.90.0.0/16']);
    expect([...h.sink.table.keys()].length).toBe(2);
    expect(h.sink.route('10.80.0.0/16')?.nextHops).toEqual([NVA1]);
    expect(h.sink.route('10.80.1.0/24')).toBeUndefined();
    expect(asns(watcher, '10.80.0.0/16')).toEqual([65515]);
    expect(watcher.table.get('10.80.0.0/16')?.attributes.atomicAggregate).toBe(true);
    h.engine.receiveUpdate(NVA1, withdrawalOf(['10.80.1.0/24']));
    await h.engine.whenIdle();
    expect(h.sink.route('10.80.0.0/16')).toBeDefined();
    h.engine.receiveUpdate(NVA1, withdrawalOf(['10.80.2.0/24']));
    await h.engine.whenIdle();
    expect(h.sink.route('10.80.0.0/16')).toBeUndefined();
    expect(watcher.table.has('10.80.0.0/16')).toBe(false);
  });

  it('a map change re-evaluates the table live; removing the map restores every route', async () => {
    const h = harness();
    const output = up(h, NVA1, 65001);
    await announce(h, NVA1, 65001, ['10.50.1.0/24', '10.50.2.0/24', '10.60.0.0/16']);
    expect(h.sink.table.size).toBe(3);
    h.engine.setPeerRouteMaps(NVA1, { inbound: dropPrefix('10.50.0.0/16') });
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(1);
    h.engine.setPeerRouteMaps(NVA1, { inbound: summarise('10.50.0.0/16') });
    await h.engine.whenIdle();
    expect([...h.engine.learnedRoutes(NVA1)].map((r) => r.network).sort()).toEqual([
      '10.50.0.0/16',
      '10.60.0.0/16',
    ]);
    h.engine.setPeerRouteMaps(NVA1, {});
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(3);
    expect(h.engine.learnedRoutes(NVA1)).toHaveLength(3);
    // no session reset: nothing but UPDATEs and End-of-RIB went to the peer
    expect(output.messages.every((m) => m.type === 'update')).toBe(true);
  });

  it('a peer without maps is untouched by another peer having them', async () => {
    const h = harness();
    h.engine.setPeerRouteMaps(NVA1, { inbound: dropPrefix('0.0.0.0/0') });
    up(h, NVA1, 65001);
    up(h, NVA2, 65002);
    await announce(h, NVA1, 65001, ['10.1.0.0/16']);
    await announce(h, NVA2, 65002, ['10.2.0.0/16']);
    expect([...h.sink.table.keys()].length).toBe(1);
    expect(h.sink.route('10.2.0.0/16')?.nextHops).toEqual([NVA2]);
  });
});

describe('outbound route maps', () => {
  it('applies to its peer only: peers with different maps get different bytes', async () => {
    const h = harness({ spaces: ['10.0.0.0/16'] });
    h.engine.setPeerRouteMaps(NVA2, { outbound: prepend('out', '65100') });
    up(h, NVA1, 65001);
    const mapped = up(h, NVA2, 65002);
    const plain = up(h, NVA3, 65003);
    await announce(h, NVA1, 65001, ['10.70.0.0/16']);
    expect(asns(mapped, '10.70.0.0/16')).toEqual([65515, 65100, 65001]);
    expect(asns(plain, '10.70.0.0/16')).toEqual([65515, 65001]);
    // the VNet's own address space is never changed by a map
    expect(asns(mapped, '10.0.0.0/16')).toEqual([65515]);
  });

  it('drops and summarises toward the peer', async () => {
    const h = harness();
    const both = routeMap(
      'out',
      {
        name: 'deny',
        matchCriteria: [{ matchCondition: 'Equals', routePrefix: ['10.60.0.0/16'] }],
        actions: [{ type: 'Drop', parameters: [] }],
      },
      {
        name: 'sum',
        matchCriteria: [{ matchCondition: 'Contains', asPath: ['65001'] }],
        actions: [{ type: 'Replace', parameters: [{ routePrefix: ['10.80.0.0/16'] }] }],
      },
    );
    h.engine.setPeerRouteMaps(NVA2, { outbound: both });
    up(h, NVA1, 65001);
    const mapped = up(h, NVA2, 65002);
    await announce(h, NVA1, 65001, ['10.80.1.0/24', '10.80.2.0/24', '10.60.0.0/16', '10.90.0.0/16']);
    expect([...mapped.table.keys()].sort()).toEqual(['10.80.0.0/16', '10.90.0.0/16']);
    expect(asns(mapped, '10.80.0.0/16')).toEqual([65515]);
    h.engine.receiveUpdate(NVA1, withdrawalOf(['10.80.1.0/24', '10.80.2.0/24']));
    await h.engine.whenIdle();
    expect([...mapped.table.keys()]).toEqual(['10.90.0.0/16']);
  });

  it('a map change moves the peer live: differences announced, stale routes withdrawn, no second End-of-RIB', async () => {
    const h = harness();
    up(h, NVA1, 65001);
    const peer = up(h, NVA2, 65002);
    const other = up(h, NVA3, 65003);
    await announce(h, NVA1, 65001, ['10.50.1.0/24', '10.60.0.0/16']);
    expect(peer.endOfRibCount).toBe(1);
    h.engine.setPeerRouteMaps(NVA2, { outbound: dropPrefix('10.50.0.0/16') });
    await h.engine.whenIdle();
    expect([...peer.table.keys()]).toEqual(['10.60.0.0/16']);
    expect([...other.table.keys()].sort()).toEqual(['10.50.1.0/24', '10.60.0.0/16']);
    h.engine.setPeerRouteMaps(NVA2, { outbound: prepend('p', '65100') });
    await h.engine.whenIdle();
    expect(asns(peer, '10.50.1.0/24')).toEqual([65515, 65100, 65001]);
    h.engine.setPeerRouteMaps(NVA2, {});
    await h.engine.whenIdle();
    expect(asns(peer, '10.50.1.0/24')).toEqual([65515, 65001]);
    expect(peer.endOfRibCount).toBe(1);
    expect(
      h.engine
        .advertisedRoutes(NVA2)
        .map((r) => r.network)
        .sort(),
    ).toEqual(['10.50.1.0/24', '10.60.0.0/16']);
  });
});

describe('route map dry run', () => {
  it('reports what a map would change and matches what applying it does', async () => {
    const h = harness();
    up(h, NVA1, 65001);
    await announce(h, NVA1, 65001, ['10.50.1.0/24', '10.50.2.0/24', '10.60.0.0/16', '10.70.0.0/16']);
    const map = routeMap(
      'rm',
      {
        name: 'deny',
        matchCriteria: [{ matchCondition: 'Equals', routePrefix: ['10.60.0.0/16'] }],
        actions: [{ type: 'Drop', parameters: [] }],
        nextStepIfMatched: 'Terminate',
      },
      {
        name: 'sum',
        matchCriteria: [{ matchCondition: 'Contains', routePrefix: ['10.50.0.0/16'] }],
        actions: [{ type: 'Replace', parameters: [{ routePrefix: ['10.50.0.0/16'] }] }],
      },
      {
        name: 'tag',
        matchCriteria: [],
        actions: [{ type: 'Add', parameters: [{ community: ['65001:9'] }] }],
      },
    );
    const dry = await h.engine.evaluateRouteMap(NVA1, map, 'inbound');
    expect(dry).toMatchObject({ evaluated: 4, dropped: 1, summarized: 2, modified: 1, unchanged: 0 });
    expect(dry?.summaries).toEqual([{ network: '10.50.0.0/16', contributors: 2 }]);
    expect(dry?.routes.find((r) => r.network === '10.70.0.0/16')).toMatchObject({
      result: 'Modified',
      rules: ['tag'],
      after: { communities: ['65001:9'] },
    });
    expect(h.sink.table.size).toBe(4);
    h.engine.setPeerRouteMaps(NVA1, { inbound: map });
    await h.engine.whenIdle();
    expect([...h.engine.learnedRoutes(NVA1)].map((r) => r.network).sort()).toEqual([
      '10.50.0.0/16',
      '10.70.0.0/16',
    ]);
  });

  it('outbound: evaluates what the peer is advertised', async () => {
    const h = harness();
    up(h, NVA1, 65001);
    up(h, NVA2, 65002);
    await announce(h, NVA1, 65001, ['10.50.1.0/24']);
    const dry = await h.engine.evaluateRouteMap(NVA2, prepend('p', '65100'), 'outbound');
    expect(dry?.routes).toEqual([
      {
        network: '10.50.1.0/24',
        result: 'Modified',
        rules: ['prepend'],
        before: { asPath: '65001', communities: [] },
        after: { asPath: '65100-65001', communities: [] },
      },
    ]);
    expect((await h.engine.evaluateRouteMap(NVA1, prepend('p', '65100'), 'outbound'))?.evaluated).toBe(0);
  });
});

describe('route maps and AS_SET', () => {
  it('Contains matches an ASN inside an AS_SET', async () => {
    const h = harness();
    h.engine.setPeerRouteMaps(NVA1, {
      inbound: routeMap('m', {
        name: 'd',
        matchCriteria: [{ matchCondition: 'Contains', asPath: ['7'] }],
        actions: [{ type: 'Drop', parameters: [] }],
      }),
    });
    up(h, NVA1, 65001);
    const attributes = {
      origin: 0,
      asPath: [
        { type: AsPathSegmentType.AsSequence, asns: [65001] },
        { type: AsPathSegmentType.AsSet, asns: [7, 8] },
      ],
      nextHop: 0x0a000204,
    };
    h.engine.receiveUpdate(NVA1, updateOf(attributes, ['10.1.0.0/16']));
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(0);
  });
});

describe('route details after the inbound map', () => {
  const keyOf = (text: string) => prefixKey(parsePrefix(text));

  it("lists a dropped route as rejected with its rule, and shows the map's communities and its summaries", async () => {
    const h = harness();
    const map = routeMap(
      'in',
      {
        name: 'deny',
        matchCriteria: [{ matchCondition: 'Equals', routePrefix: ['10.50.1.0/24'] }],
        actions: [{ type: 'Drop', parameters: [] }],
        nextStepIfMatched: 'Terminate',
      },
      {
        name: 'tag',
        matchCriteria: [{ matchCondition: 'Equals', routePrefix: ['10.60.0.0/16'] }],
        actions: [{ type: 'Replace', parameters: [{ community: ['65001:7'] }] }],
        nextStepIfMatched: 'Terminate',
      },
      {
        name: 'sum',
        matchCriteria: [{ matchCondition: 'Contains', routePrefix: ['10.80.0.0/16'] }],
        actions: [{ type: 'Replace', parameters: [{ routePrefix: ['10.80.0.0/16'] }] }],
      },
    );
    h.engine.setPeerRouteMaps(NVA1, { inbound: map });
    up(h, NVA1, 65001);
    await announce(h, NVA1, 65001, ['10.50.1.0/24', '10.60.0.0/16', '10.80.1.0/24'], {
      communities: [parseCommunity('65001:1')!],
    });
    const details = h.engine.learnedRouteDetails(
      NVA1,
      [keyOf('10.60.0.0/16'), keyOf('10.80.0.0/16'), keyOf('10.50.1.0/24')],
      10,
    );
    expect(details.routes.map((r) => [r.network, r.accepted, r.communities.map(formatCommunity)])).toEqual([
      ['10.60.0.0/16', true, ['65001:7']],
      ['10.80.0.0/16', true, []],
      ['10.50.1.0/24', false, ['65001:1']],
    ]);
    // the summary's contributor is not used either: it is listed with the dropped route
    expect(details.rejectedTotal).toBe(2);
    expect(details.rejected.map((r) => [r.network, r.reasons[0]?.split(':').slice(0, 2).join(':')])).toEqual(
      expect.arrayContaining([
        ['10.50.1.0/24', 'route-map:in'],
        ['10.80.1.0/24', expect.any(String)],
      ]),
    );
    expect(details.rejected.find((r) => r.network === '10.50.1.0/24')?.reasons).toEqual([
      'route-map:in:deny',
    ]);
    expect(h.engine.learnedRouteDetails(NVA1, [], 1).rejected).toHaveLength(1);
    expect(h.engine.peerCounters(NVA1)).toMatchObject({ received: 3 });
  });
});
