import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../errors.js';
import { routingConfigurationProperty } from './peering-route-maps.js';
import {
  evaluationRows,
  hasOneRule,
  oneRule,
  readRules,
  ruleRows,
  withoutRules,
  withRule,
} from './route-map-rules.js';

const HUB = '/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Network/virtualHubs/rs1';

describe('--rules', () => {
  it('reads a list from inline JSON, in the API shape', () => {
    expect(readRules('[{"name":"r","actions":[{"type":"Drop"}]}]')).toEqual([
      { name: 'r', matchCriteria: [], actions: [{ type: 'Drop', parameters: [] }] },
    ]);
  });

  it('reads a YAML file given as @path, with `rules` at the top and ASNs as numbers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-rules-'));
    const file = join(dir, 'rules.yaml');
    writeFileSync(
      file,
      ['rules:', '  - name: p', '    actions: [{ type: Add, parameters: [{ asPath: [65001] }] }]'].join('\n'),
    );
    expect(readRules(`@${file}`)[0]?.['actions']).toEqual([
      { type: 'Add', parameters: [{ asPath: ['65001'] }] },
    ]);
    rmSync(dir, { recursive: true });
  });

  it('reads the rules of a resource as GET answers it (properties.rules)', () => {
    expect(readRules('{"properties": {"rules": [{"name": "a"}]}}').map((r) => r['name'])).toEqual(['a']);
  });

  it('refuses a missing file, text that is not JSON or YAML, and a value without rules', () => {
    expect(() => readRules('@/nonexistent/rules.json')).toThrow(
      /--rules @\/nonexistent\/rules\.json: ENOENT/,
    );
    expect(() => readRules('[unclosed')).toThrow(/not JSON or YAML/);
    expect(() => readRules('{"name": "r"}')).toThrow(CliError);
  });
});

describe('one rule from flags', () => {
  it('is a Contains criterion unless --match-condition says otherwise, and one action', () => {
    expect(
      oneRule({ ruleName: 'tag', community: ['65001:1'], action: 'Add', actionAsPath: ['65001', '65001'] }),
    ).toEqual({
      name: 'tag',
      matchCriteria: [{ matchCondition: 'Contains', community: ['65001:1'] }],
      actions: [{ type: 'Add', parameters: [{ asPath: ['65001', '65001'] }] }],
    });
    expect(
      oneRule({
        ruleName: 'x',
        matchCondition: 'NotEquals',
        routePrefix: ['10.0.0.0/8'],
        nextStep: 'Terminate',
      }),
    ).toEqual({
      name: 'x',
      matchCriteria: [{ matchCondition: 'NotEquals', routePrefix: ['10.0.0.0/8'] }],
      actions: [],
      nextStepIfMatched: 'Terminate',
    });
  });

  it('reads an action list flag without values as an empty list (Replace removes all)', () => {
    expect(oneRule({ ruleName: 'clear', action: 'Replace', actionCommunity: true })['actions']).toEqual([
      { type: 'Replace', parameters: [{ community: [] }] },
    ]);
    expect(oneRule({ ruleName: 'd', action: 'Drop' })['actions']).toEqual([{ type: 'Drop', parameters: [] }]);
  });

  it('needs --rule-name, and --action for an action list', () => {
    expect(hasOneRule({})).toBe(false);
    expect(hasOneRule({ community: ['1:1'] })).toBe(true);
    expect(() => oneRule({ community: ['1:1'] })).toThrow(/needs --rule-name/);
    expect(() => oneRule({ ruleName: 'r', actionAsPath: ['1'] })).toThrow(/--action-as-path needs --action/);
  });

  it('takes the place of the rule of its name, or comes last; --remove-rule removes by name', () => {
    const rules = [{ name: 'a' }, { name: 'b' }];
    expect(withRule(rules, { name: 'a', actions: [] })).toEqual([{ name: 'a', actions: [] }, { name: 'b' }]);
    expect(withRule(rules, { name: 'c' }).map((r) => r['name'])).toEqual(['a', 'b', 'c']);
    expect(withoutRules(rules, ['a'])).toEqual([{ name: 'b' }]);
    expect(() => withoutRules(rules, ['z'])).toThrow("the route map has no rule 'z'");
  });
});

describe('route map tables', () => {
  it('shows one row per rule with its criteria and actions in words', () => {
    expect(
      ruleRows([
        {
          name: 'r1',
          matchCriteria: [{ matchCondition: 'Contains', routePrefix: ['10.0.0.0/8', '10.1.0.0/16'] }],
          actions: [{ type: 'Add', parameters: [{ asPath: ['65001'] }] }],
        },
        {
          name: 'r2',
          matchCriteria: [],
          actions: [{ type: 'Drop', parameters: [] }],
          nextStepIfMatched: 'Terminate',
        },
      ]),
    ).toEqual([
      {
        rule: 'r1',
        match: 'Contains routePrefix 10.0.0.0/8 10.1.0.0/16',
        actions: 'Add asPath 65001',
        nextStep: 'Continue',
      },
      { rule: 'r2', match: '', actions: 'Drop', nextStep: 'Terminate' },
    ]);
  });

  it('shows one row per changed route of a dry run, instance first', () => {
    const rows = evaluationRows({
      RouteServiceRole_IN_0: {
        direction: 'Inbound',
        routes: [
          {
            network: '10.60.0.0/16',
            result: 'Dropped',
            rules: ['deny'],
            before: { asPath: '65001', communities: [] },
          },
          {
            network: '10.70.0.0/16',
            result: 'Modified',
            rules: ['tag'],
            before: { asPath: '65001', communities: [] },
            after: { asPath: '65001', communities: ['65001:9'] },
          },
        ],
      },
      RouteServiceRole_IN_1: {
        routes: [
          {
            network: '10.50.1.0/24',
            result: 'Summarized',
            rules: ['sum'],
            before: { asPath: '65001' },
            summary: '10.50.0.0/16',
          },
        ],
      },
    });
    expect(
      rows.map((r) => [r['instance'], r['network'], r['result'], r['asPathAfter'], r['summary']]),
    ).toEqual([
      ['RouteServiceRole_IN_0', '10.60.0.0/16', 'Dropped', undefined, undefined],
      ['RouteServiceRole_IN_0', '10.70.0.0/16', 'Modified', '65001', undefined],
      ['RouteServiceRole_IN_1', '10.50.1.0/24', 'Summarized', undefined, '10.50.0.0/16'],
    ]);
    expect(rows[1]?.['communitiesAfter']).toEqual(['65001:9']);
    expect(evaluationRows({})).toEqual([]);
  });
});

describe('peering --inbound-route-map / --outbound-route-map', () => {
  const current = {
    routingConfiguration: {
      inboundRouteMap: { id: `${HUB}/routeMaps/in` },
      outboundRouteMap: { id: `${HUB}/routeMaps/out` },
    },
  };

  it('names a map of the same route server by name, or takes an id', () => {
    expect(
      routingConfigurationProperty({ inboundRouteMap: 'in', outboundRouteMap: '/x/routeMaps/o' }, {}, HUB),
    ).toEqual({
      routingConfiguration: {
        inboundRouteMap: { id: `${HUB}/routeMaps/in` },
        outboundRouteMap: { id: '/x/routeMaps/o' },
      },
    });
    expect(routingConfigurationProperty({}, {}, HUB)).toEqual({});
  });

  it('keeps the maps a peering has unless an option changes them; --no-… removes one', () => {
    expect(routingConfigurationProperty({}, current, HUB)).toEqual(current);
    expect(
      routingConfigurationProperty({ inboundRouteMap: false, outboundRouteMap: 'o2' }, current, HUB),
    ).toEqual({
      routingConfiguration: { outboundRouteMap: { id: `${HUB}/routeMaps/o2` } },
    });
    expect(
      routingConfigurationProperty({ inboundRouteMap: false, outboundRouteMap: false }, current, HUB),
    ).toEqual({});
  });
});
