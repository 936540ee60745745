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
