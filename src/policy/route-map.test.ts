import { describe, expect, it } from 'vitest';
import { AsPathSegmentType } from '../bgp/codec/index.js';
import type { PathAttributes } from '../bgp/codec/index.js';
import { formatPrefix, parsePrefix, prefixKey } from '../lib/prefix.js';
import type {
  RouteMapActionDefinition,
  RouteMapDefinition,
  RouteMapLists,
  RouteMapRuleDefinition,
} from './route-map.js';
import { compileRouteMap, formatCommunity, parseCommunity } from './route-map.js';
import { matchRouteMap, planRouteMap, summaryAttributes, summaryPrefixFor } from './route-map-evaluate.js';

const c = (text: string): number => parseCommunity(text)!;
const key = (text: string) => prefixKey(parsePrefix(text));
const seq = (...asns: number[]) => [{ type: AsPathSegmentType.AsSequence, asns }];
const route: PathAttributes = {
  origin: 0,
  asPath: seq(65001, 65010),
  nextHop: 0x0a000204,
  communities: [c('65001:100'), c('65001:200')],
};

function compile(...rules: RouteMapRuleDefinition[]) {
  const result = compileRouteMap({ name: 'rm', rules });
  if (!result.ok) throw new Error(result.problem.message);
  return result.map;
}

function run(rules: RouteMapRuleDefinition[], prefix: string, attributes: PathAttributes = route) {
  const map = compile(...rules);
  return planRouteMap(map, matchRouteMap(map, key(prefix), attributes), attributes);
}

const drop: RouteMapActionDefinition[] = [{ type: 'Drop', parameters: [] }];
const rule = (
  name: string,
  matchCriteria: RouteMapRuleDefinition['matchCriteria'],
  actions = drop,
  next = 'Continue',
) => ({
  name,
  matchCriteria,
  actions,
  nextStepIfMatched: next,
});

describe('route map prefix criteria', () => {
  const equals = [rule('r', [{ matchCondition: 'Equals', routePrefix: ['10.1.0.0/16'] }])];
  const contains = [rule('r', [{ matchCondition: 'Contains', routePrefix: ['10.1.0.0/16'] }])];
  it('Equals matches the listed prefix exactly', () => {
    expect(run(equals, '10.1.0.0/16').dropped).toBe(true);
    expect(run(equals, '10.1.1.0/24').dropped).toBe(false);
  });
  it('Contains matches the listed prefix and every more specific one, not a supernet', () => {
    expect(run(contains, '10.1.0.0/16').dropped).toBe(true);
    expect(run(contains, '10.1.200.0/24').dropped).toBe(true);
    expect(run(contains, '10.0.0.0/8').dropped).toBe(false);
    expect(run(contains, '10.2.0.0/24').dropped).toBe(false);
  });
  it('NotEquals and NotContains negate', () => {
    const notEquals = [rule('r', [{ matchCondition: 'NotEquals', routePrefix: ['10.1.0.0/16'] }])];
    const notContains = [rule('r', [{ matchCondition: 'NotContains', routePrefix: ['10.1.0.0/16'] }])];
    expect(run(notEquals, '10.1.0.0/16').dropped).toBe(false);
    expect(run(notEquals, '10.1.1.0/24').dropped).toBe(true);
    expect(run(notContains, '10.1.1.0/24').dropped).toBe(false);
    expect(run(notContains, '192.168.0.0/24').dropped).toBe(true);
  });
  it('matches IPv6 prefixes', () => {
    const v6 = [rule('r', [{ matchCondition: 'Contains', routePrefix: ['2001:db8::/32'] }])];
    expect(run(v6, '2001:db8:1::/48').dropped).toBe(true);
    expect(run(v6, '2001:db9::/48').dropped).toBe(false);
  });
});

describe('route map community criteria', () => {
  it('Equals needs every listed community', () => {
    const rules = [rule('r', [{ matchCondition: 'Equals', community: ['65001:100', '65001:300'] }])];
    expect(run(rules, '10.9.0.0/16').dropped).toBe(false);
    expect(
      run(rules, '10.9.0.0/16', { ...route, communities: [c('65001:100'), c('65001:300')] }).dropped,
    ).toBe(true);
  });
  it('Contains needs any listed community', () => {
    const rules = [rule('r', [{ matchCondition: 'Contains', community: ['65001:300', '65001:200'] }])];
    expect(run(rules, '10.9.0.0/16').dropped).toBe(true);
    expect(run(rules, '10.9.0.0/16', { ...route, communities: undefined }).dropped).toBe(false);
  });
});

describe('route map AS path criteria', () => {
  it('Equals needs the AS path to be the list, in order', () => {
    expect(
      run([rule('r', [{ matchCondition: 'Equals', asPath: ['65001', '65010'] }])], '10.9.0.0/16').dropped,
    ).toBe(true);
    expect(
      run([rule('r', [{ matchCondition: 'Equals', asPath: ['65010', '65001'] }])], '10.9.0.0/16').dropped,
    ).toBe(false);
    expect(run([rule('r', [{ matchCondition: 'Equals', asPath: ['65001'] }])], '10.9.0.0/16').dropped).toBe(
      false,
    );
  });
  it('Contains needs any listed ASN in the path', () => {
    expect(
      run([rule('r', [{ matchCondition: 'Contains', asPath: ['7', '65010'] }])], '10.9.0.0/16').dropped,
    ).toBe(true);
    expect(run([rule('r', [{ matchCondition: 'Contains', asPath: ['7'] }])], '10.9.0.0/16').dropped).toBe(
      false,
    );
  });
  it('a rule matches only when every criterion matches; no criteria match every route', () => {
    const both = [
      rule('r', [
        { matchCondition: 'Contains', asPath: ['65010'] },
        { matchCondition: 'Equals', routePrefix: ['10.9.0.0/16'] },
      ]),
    ];
    expect(run(both, '10.9.0.0/16').dropped).toBe(true);
    expect(run(both, '10.8.0.0/16').dropped).toBe(false);
    expect(run([rule('all', [])], '172.16.0.0/12').dropped).toBe(true);
  });
});

describe('route map actions', () => {
  const action = (type: string, parameter: RouteMapLists): RouteMapActionDefinition[] => [
    { type, parameters: [parameter] },
  ];
  it('Add community appends the listed communities once', () => {
    const plan = run([rule('r', [], action('Add', { community: ['65001:100', '65002:1'] }))], '10.9.0.0/16');
    expect(plan.attributes?.communities?.map(formatCommunity)).toEqual(['65001:100', '65001:200', '65002:1']);
  });
  it('Replace community sets the list; an empty list removes all', () => {
    const set = run([rule('r', [], action('Replace', { community: ['65002:1'] }))], '10.9.0.0/16');
    expect(set.attributes?.communities?.map(formatCommunity)).toEqual(['65002:1']);
    const none = run([rule('r', [], action('Replace', { community: [] }))], '10.9.0.0/16');
    expect(none.attributes).toBeDefined();
    expect(none.attributes?.communities).toBeUndefined();
  });
  it("Replace community keeps Azure's own communities", () => {
    const withAzure = { ...route, communities: [c('65517:12001'), c('65001:1')] };
    const plan = run(
      [rule('r', [], action('Replace', { community: ['65002:1'] }))],
      '10.9.0.0/16',
      withAzure,
    );
    expect(plan.attributes?.communities?.map(formatCommunity)).toEqual(['65002:1', '65517:12001']);
  });
  it('Remove community takes out the listed ones', () => {
    const plan = run([rule('r', [], action('Remove', { community: ['65001:100'] }))], '10.9.0.0/16');
    expect(plan.attributes?.communities?.map(formatCommunity)).toEqual(['65001:200']);
  });
  it('Add AS path prepends in the given order', () => {
    const plan = run([rule('r', [], action('Add', { asPath: ['65100', '65200'] }))], '10.9.0.0/16');
    expect(plan.attributes?.asPath).toEqual(seq(65100, 65200, 65001, 65010));
  });
  it('Replace AS path sets the list; an empty list removes every ASN', () => {
    expect(
      run([rule('r', [], action('Replace', { asPath: ['65300'] }))], '10.9.0.0/16').attributes?.asPath,
    ).toEqual(seq(65300));
    expect(run([rule('r', [], action('Replace', { asPath: [] }))], '10.9.0.0/16').attributes?.asPath).toEqual(
      [],
    );
  });
  it('Drop drops and names the rule', () => {
    expect(run([rule('deny', [])], '10.9.0.0/16')).toMatchObject({ dropped: true, rules: ['deny'] });
  });
  it('Replace route prefix summarises into the most specific covering prefix, stripping community and AS path', () => {
    const map = compile(rule('sum', [], action('Replace', { routePrefix: ['10.0.0.0/8', '10.9.0.0/16'] })));
    const plan = planRouteMap(map, matchRouteMap(map, key('10.9.1.0/24'), route), route);
    expect(plan.summary).toBeDefined();
    expect(formatPrefix(summaryPrefixFor(plan.summary!, key('10.9.1.0/24'))!)).toBe('10.9.0.0/16');
    expect(formatPrefix(summaryPrefixFor(plan.summary!, key('10.200.0.0/16'))!)).toBe('10.0.0.0/8');
    expect(summaryPrefixFor(plan.summary!, key('192.168.0.0/24'))).toBeUndefined();
    expect(summaryAttributes(route)).toEqual({
      origin: 0,
      asPath: [],
      nextHop: route.nextHop,
      atomicAggregate: true,
    });
  });
  it('a route that matches no rule passes unchanged', () => {
    const plan = run([rule('r', [{ matchCondition: 'Equals', routePrefix: ['1.1.1.0/24'] }])], '10.9.0.0/16');
    expect(plan).toMatchObject({ dropped: false, rules: [], attributes: undefined });
  });
});

describe('route map rule order', () => {
  const add = (community: string): RouteMapActionDefinition[] => [
    { type: 'Add', parameters: [{ community: [community] }] },
  ];
  it('Continue evaluates later rules against the route as the earlier rules left it', () => {
    const rules = [
      rule('tag', [], add('65009:1')),
      rule('drop-tagged', [{ matchCondition: 'Contains', community: ['65009:1'] }]),
    ];
    expect(run(rules, '10.9.0.0/16')).toMatchObject({ dropped: true, rules: ['tag', 'drop-tagged'] });
  });
  it('Terminate stops at the first matching rule', () => {
    const rules = [rule('tag', [], add('65009:1'), 'Terminate'), rule('drop', [])];
    const plan = run(rules, '10.9.0.0/16');
    expect(plan).toMatchObject({ dropped: false, rules: ['tag'] });
    expect(plan.attributes?.communities).toContain(c('65009:1'));
  });
  it('rules apply in order: a later Replace wins over an earlier Add', () => {
    const rules = [
      rule('a', [], add('65009:1')),
      rule('b', [], [{ type: 'Replace', parameters: [{ community: ['65009:2'] }] }]),
    ];
    expect(run(rules, '10.9.0.0/16').attributes?.communities).toEqual([c('65009:2')]);
  });
  it('a summary rule passes over a route its prefixes do not cover: earlier changes stand, later rules run', () => {
    const rules = [
      rule('tag', [], add('65009:1')),
      rule(
        'sum',
        [{ matchCondition: 'Contains', community: ['65009:1'] }],
        [{ type: 'Replace', parameters: [{ routePrefix: ['10.50.0.0/16'] }] }],
      ),
      rule('prepend', [], [{ type: 'Add', parameters: [{ asPath: ['65100'] }] }]),
    ];
    const outside = run(rules, '10.60.0.0/16');
    expect(outside).toMatchObject({ dropped: false, rules: ['tag', 'prepend'], summary: undefined });
    expect(outside.attributes?.communities).toContain(c('65009:1'));
    expect(outside.attributes?.asPath).toEqual(seq(65100, 65001, 65010));
    expect(run(rules, '10.50.1.0/24')).toMatchObject({ rules: ['tag', 'sum'], attributes: undefined });
    expect(run(rules, '10.50.1.0/24').summary).toBeDefined();
  });
  it('a rule after a Drop is not evaluated', () => {
    const rules = [rule('drop', []), rule('tag', [], add('65009:1'))];
    expect(run(rules, '10.9.0.0/16').rules).toEqual(['drop']);
  });
});

describe('compileRouteMap refusals', () => {
  const refusal = (definition: RouteMapDefinition) => {
    const result = compileRouteMap(definition);
    return result.ok ? undefined : result.problem;
  };
  const one = (r: object): RouteMapDefinition => ({
    name: 'rm',
    rules: [{ ...rule('r', []), ...r }],
  });
  it.each([
    [
      { matchCriteria: [{ matchCondition: 'Like', routePrefix: ['10.0.0.0/8'] }] },
      'criterion',
      'rules[0].matchCriteria[0].matchCondition',
    ],
    [
      { matchCriteria: [{ matchCondition: 'Equals', routePrefix: ['10.0.0.1/8'] }] },
      'criterion',
      'rules[0].matchCriteria[0].routePrefix[0]',
    ],
    [{ matchCriteria: [{ matchCondition: 'Equals' }] }, 'criterion', 'rules[0].matchCriteria[0]'],
    [
      { matchCriteria: [{ matchCondition: 'Equals', community: ['65536:1'] }] },
      'criterion',
      'rules[0].matchCriteria[0].community[0]',
    ],
    [{ actions: [{ type: 'Prepend', parameters: [] }] }, 'action', 'rules[0].actions[0].type'],
    [
      { actions: [{ type: 'Add', parameters: [{ asPath: ['65515'] }] }] },
      'action',
      'rules[0].actions[0].parameters[0].asPath[0]',
    ],
    [
      { actions: [{ type: 'Add', parameters: [{ asPath: ['4200000000'] }] }] },
      'action',
      'rules[0].actions[0].parameters[0].asPath[0]',
    ],
    [
      { actions: [{ type: 'Remove', parameters: [{ community: ['65517:12001'] }] }] },
      'action',
      'rules[0].actions[0].parameters[0].community[0]',
    ],
    [
      { actions: [{ type: 'Add', parameters: [{ routePrefix: ['10.0.0.0/8'] }] }] },
      'action',
      'rules[0].actions[0].parameters[0].routePrefix',
    ],
    [
      { actions: [{ type: 'Add', parameters: [{ community: ['1:1'], asPath: ['1'] }] }] },
      'action',
      'rules[0].actions[0].parameters[0]',
    ],
    [
      {
        actions: [
          { type: 'Drop', parameters: [] },
          { type: 'Add', parameters: [{ community: ['1:1'] }] },
        ],
      },
      'action',
      'rules[0].actions[0]',
    ],
    [{ nextStepIfMatched: 'Unknown' }, 'rule', 'rules[0].nextStepIfMatched'],
    [{ name: '' }, 'rule', 'rules[0].name'],
  ])('refuses %j as a %s problem at %s', (change, kind, path) => {
    expect(refusal(one(change))).toMatchObject({ kind, path });
  });
  it('refuses a rule name used twice', () => {
    expect(refusal({ name: 'rm', rules: [rule('a', []), rule('a', [])] })).toMatchObject({
      kind: 'rule',
      path: 'rules[1].name',
    });
  });
  it('accepts a map without rules, and gives equal definitions equal fingerprints', () => {
    const a = compileRouteMap({ name: 'rm', rules: [] });
    const b = compileRouteMap({ name: 'rm', rules: [] });
    expect(a.ok && b.ok && a.map.fingerprint === b.map.fingerprint).toBe(true);
  });
});

describe('compileRouteMap checks of shape and limits', () => {
  const problem = (definition: unknown) => {
    const result = compileRouteMap(definition as RouteMapDefinition);
    return result.ok ? undefined : result.problem;
  };
  const base = { name: 'r', matchCriteria: [], actions: [] };
  it.each([
    [{ name: 'rm', rules: 'all' }, 'rules'],
    [{ name: 'rm', rules: [{ ...base, matchCriteria: 'x' }] }, 'rules[0].matchCriteria'],
    [{ name: 'rm', rules: [{ ...base, actions: 'x' }] }, 'rules[0].actions'],
    [
      { name: 'rm', rules: [{ ...base, matchCriteria: [{ matchCondition: 'Equals', community: [1] }] }] },
      'rules[0].matchCriteria[0].community',
    ],
    [
      { name: 'rm', rules: [{ ...base, actions: [{ type: 'Add', parameters: [] }] }] },
      'rules[0].actions[0].parameters',
    ],
    [
      { name: 'rm', rules: [{ ...base, actions: [{ type: 'Add', parameters: [{ community: [] }] }] }] },
      'rules[0].actions[0].parameters[0].community',
    ],
    [
      { name: 'rm', rules: [{ ...base, actions: [{ type: 'Remove', parameters: [{ community: [] }] }] }] },
      'rules[0].actions[0].parameters[0].community',
    ],
    [
      { name: 'rm', rules: [{ ...base, actions: [{ type: 'Remove', parameters: [{ asPath: ['1'] }] }] }] },
      'rules[0].actions[0].parameters[0].asPath',
    ],
    [
      { name: 'rm', rules: [{ ...base, actions: [{ type: 'Add', parameters: [{ asPath: [] }] }] }] },
      'rules[0].actions[0].parameters[0].asPath',
    ],
    [
      { name: 'rm', rules: [{ ...base, actions: [{ type: 'Replace', parameters: [{ routePrefix: [] }] }] }] },
      'rules[0].actions[0].parameters[0].routePrefix',
    ],
    [
      {
        name: 'rm',
        rules: [
          {
            ...base,
            actions: [
              { type: 'Replace', parameters: [{ routePrefix: ['10.0.0.0/8'] }] },
              { type: 'Replace', parameters: [{ routePrefix: ['11.0.0.0/8'] }] },
            ],
          },
        ],
      },
      'rules[0].actions',
    ],
    [{ name: 'rm', rules: Array.from({ length: 32 }, (_, i) => ({ ...base, name: `r${i}` })) }, 'rules'],
  ])('refuses %j at %s', (definition, path) => {
    expect(problem(definition)?.path).toBe(path);
  });
  it('reads communities as ASN:value or one 32-bit number', () => {
    expect(parseCommunity('65001:100')).toBe(65001 * 65536 + 100);
    expect(parseCommunity('4259905636')).toBe(4259905636);
    expect(parseCommunity('4294967296')).toBeUndefined();
    expect(parseCommunity('no-export')).toBeUndefined();
  });
  it('summarises IPv6 routes into the covering IPv6 prefix only', () => {
    const map = compile(
      rule('s', [], [{ type: 'Replace', parameters: [{ routePrefix: ['2001:db8::/32', '10.0.0.0/8'] }] }]),
    );
    const plan = planRouteMap(map, matchRouteMap(map, key('2001:db8:5::/48'), route), route);
    expect(formatPrefix(summaryPrefixFor(plan.summary!, key('2001:db8:5::/48'))!)).toBe('2001:db8::/32');
    expect(summaryPrefixFor(plan.summary!, key('2001:db9::/48'))).toBeUndefined();
  });
  it('a matched rule without actions changes nothing but is named', () => {
    expect(run([rule('note', [], [])], '10.9.0.0/16')).toMatchObject({
      rules: ['note'],
      attributes: undefined,
      dropped: false,
    });
  });
});
