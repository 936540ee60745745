import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config-load.js';
import { ConfigError } from './errors.js';

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, 'test.yaml');
  } catch (error) {
    if (error instanceof ConfigError)
      return error.problems.map((p) => `${p.line}:${p.column} ${p.path} ${p.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration file', () => {
  it('accepts the shipped seed scenario', () => {
    const text = readFileSync(new URL('../../examples/seed-scenario.yaml', import.meta.url), 'utf8');
    const config = parseConfig(text, 'seed-scenario.yaml');
    expect(config.virtualNetworks?.[0]?.addressPrefixes).toEqual(['10.1.0.0/16']);
    expect(config.routeServers?.[0]?.peerings?.map((p) => p.peerAsn)).toEqual([65001, 65002]);
  });

  it('accepts BMP collectors and refuses a port out of range (docs/bmp.md)', () => {
    const config = parseConfig(
      ['resourceGroup: demo', 'bmp:', '  - address: 192.0.2.50', '    port: 1790'].join('\n'),
      'bmp.yaml',
    );
    expect(config.bmp).toEqual([{ address: '192.0.2.50', port: 1790 }]);
    expect(
      problemsOf(['resourceGroup: demo', 'bmp:', '  - address: 192.0.2.50', '    port: 0'].join('\n')),
    ).toEqual(['4:11 /bmp/0/port must be >= 1']);
  });

  it('reports a value of the wrong type at its line and column', () => {
    const text = [
      'resourceGroup: demo',
      'routeServers:',
      '  - name: rs1',
      '    virtualNetwork: v',
      '    peerings:',
      '      - name: a',
      '        peerIp: 10.0.0.1',
      '        peerAsn: sixty',
    ].join('\n');
    expect(problemsOf(text)).toEqual(['8:18 /routeServers/0/peerings/0/peerAsn must be integer']);
  });

  it('reports an unknown property at its key', () => {
    const text = [
      'resourceGroup: demo',
      'virtualNetworks:',
      '  - name: v',
      '    addressPrefixes: [10.0.0.0/16]',
      '    adressSpace: 1',
    ].join('\n');
    expect(problemsOf(text)).toEqual(["5:5 /virtualNetworks/0/adressSpace unknown property 'adressSpace'"]);
  });

  it('reports a missing required field at the object that lacks it', () => {
    const text = ['resourceGroup: demo', 'networkInterfaces:', '  - name: n1', '    virtualNetwork: v'].join(
      '\n',
    );
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^3:5 \/networkInterfaces\/0 .*subnet/);
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf('resourceGroup: demo\nvirtualNetworks:\n  - name: [unclosed\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^[34]:/);
  });

  it('refuses a file without a resource group', () => {
    expect(problemsOf('virtualNetworks: []\n')[0]).toMatch(/^1:1 {2}.*resourceGroup/);
  });

  it('names the file and each line in the error message', () => {
    expect(() => parseConfig('resourceGroup: 5\n', 'x.yaml')).toThrow(
      /x\.yaml:1:16: \/resourceGroup: must be string/,
    );
  });
});

describe('route maps in the configuration file', () => {
  const file = (rules: string[]) =>
    [
      'resourceGroup: demo',
      'routeServers:',
      '  - name: rs1',
      '    virtualNetwork: v',
      '    routeMaps:',
      '      - name: m1',
      '        rules:',
      ...rules,
    ].join('\n');

  it('accepts the shipped example, ASNs written as YAML numbers read as text', () => {
    const text = readFileSync(new URL('../../examples/route-maps.yaml', import.meta.url), 'utf8');
    const rs = parseConfig(text, 'route-maps.yaml').routeServers![0]!;
    expect(rs.routeMaps?.map((m) => m.name)).toEqual(['from-sdwan', 'to-firewall']);
    expect(rs.peerings?.map((p) => [p.inboundRouteMap, p.outboundRouteMap])).toEqual([
      ['from-sdwan', undefined],
      [undefined, 'to-firewall'],
    ]);
  });

  it("refuses a bad action with the API's message and code, at the member's line and path", () => {
    const problems = problemsOf(
      file([
        '          - name: r1',
        '            actions:',
        '              - type: Add',
        '                parameters:',
        '                  - asPath: [65001, 65515]',
      ]),
    );
    expect(problems).toEqual([
      '12:37 /routeServers/0/routeMaps/0/rules/0/actions/0/parameters/0/asPath/1 ' +
        'AS 65515 is reserved and cannot be added [BGPRS_ERR_RS_INVALID_ROUTE_MAP_ACTION]',
    ]);
  });

  it('refuses a bad criterion and a bad rule with their own codes, one problem per map', () => {
    const criterion = problemsOf(
      file([
        '          - name: r1',
        '            matchCriteria:',
        '              - { matchCondition: Within, routePrefix: [10.0.0.0/8] }',
      ]),
    );
    expect(criterion).toEqual([
      "10:35 /routeServers/0/routeMaps/0/rules/0/matchCriteria/0/matchCondition matchCondition must be Equals, Contains, NotEquals or NotContains, not 'Within' [BGPRS_ERR_RS_INVALID_ROUTE_MAP_CRITERION]",
    ]);
    const rule = problemsOf(file(['          - { name: r1 }', '          - { name: r1 }']));
    expect(rule).toEqual([
      "9:21 /routeServers/0/routeMaps/0/rules/1/name rule name 'r1' is used twice [BGPRS_ERR_RS_INVALID_ROUTE_MAP_RULE]",
    ]);
  });

  it('refuses a malformed prefix and a map declared twice', () => {
    const text = [
      ...file([
        '          - name: r1',
        '            matchCriteria: [{ matchCondition: Equals, routePrefix: [10.0.0.1/8] }]',
      ]).split('\n'),
      '      - name: M1',
    ].join('\n');
    const problems = problemsOf(text);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toBe(
      "9:69 /routeServers/0/routeMaps/0/rules/0/matchCriteria/0/routePrefix/0 '10.0.0.1/8' has host bits set; did you mean 10.0.0.0/8? [BGPRS_ERR_RS_INVALID_ROUTE_MAP_CRITERION]",
    );
    expect(problems[1]).toBe("10:15 /routeServers/0/routeMaps/1/name route map 'M1' is declared twice");
  });

  it('refuses an unknown member of a rule at its key, as the API refuses it', () => {
    expect(problemsOf(file(['          - name: r1', '            action: []']))).toEqual([
      "9:13 /routeServers/0/routeMaps/0/rules/0/action unknown property 'action'",
    ]);
  });
});
