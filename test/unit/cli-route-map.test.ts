import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCalls, startServer, type RunningServer } from './serve-harness.js';

let server: RunningServer;
beforeAll(async () => {
  // API verbs only: no BGP listeners (the instance addresses are not on this host)
  server = await startServer(['--no-bgp']);
  for (const args of [
    ['vnet', 'create', '-g', 'rg1', '-n', 'vnet1', '--address-prefixes', '10.1.0.0/16'],
    [
      'vnet',
      'subnet',
      'create',
      '-g',
      'rg1',
      '--vnet-name',
      'vnet1',
      '-n',
      'RouteServerSubnet',
      '--address-prefixes',
      '10.1.0.0/26',
    ],
    ['create', '-g', 'rg1', '-n', 'rs1', '--vnet-name', 'vnet1', '--hosted-subnet', 'RouteServerSubnet'],
    [
      'peering',
      'create',
      '-g',
      'rg1',
      '--routeserver',
      'rs1',
      '-n',
      'sdwan',
      '--peer-ip',
      '10.1.1.4',
      '--peer-asn',
      '65001',
    ],
  ]) {
    const result = await cli(...args);
    if (result.code !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`);
  }
}, 120_000);
afterAll(async () => {
  await server.stop();
  server.remove();
});

const { cli, succeed, json, table } = cliCalls(() => server);

const RS = ['-g', 'rg1', '--routeserver', 'rs1'];
const HUB =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.Network/virtualHubs/rs1';

describe('routeserver route-map against a running server', () => {
  it('create --rules @file.yaml stores the rules in the API shape', async () => {
    const file = join(server.dir, 'from-sdwan.yaml');
    writeFileSync(
      file,
      [
        '- name: no-lab',
        '  matchCriteria: [{ matchCondition: Contains, routePrefix: [10.99.0.0/16] }]',
        '  actions: [{ type: Drop }]',
        '  nextStepIfMatched: Terminate',
        '- name: standby',
        "  matchCriteria: [{ matchCondition: Contains, community: ['65001:200'] }]",
        '  actions: [{ type: Add, parameters: [{ asPath: [65001, 65001] }] }]',
      ].join('\n'),
    );
    const map = await json('route-map', 'create', ...RS, '-n', 'from-sdwan', '--rules', `@${file}`);
    expect(map).toMatchObject({ name: 'from-sdwan', resourceGroup: 'rg1', provisioningState: 'Succeeded' });
    expect((map['rules'] as Record<string, unknown>[])[1]).toEqual({
      name: 'standby',
      matchCriteria: [{ matchCondition: 'Contains', community: ['65001:200'] }],
      actions: [{ type: 'Add', parameters: [{ asPath: ['65001', '65001'] }] }],
    });
  });

  it('create with one rule from flags, and show -o table lists the rules in words', async () => {
    await json(
      'route-map',
      'create',
      ...RS,
      '-n',
      'to-fw',
      '--rule-name',
      'tag',
      '--action',
      'Add',
      '--action-community',
      '65001:9',
    );
    const rows = await table('route-map', 'show', ...RS, '-n', 'from-sdwan');
    expect(rows[0]).toMatch(/^Rule\s+Match\s+Actions\s+NextStep$/);
    expect(rows[2]).toMatch(/^no-lab\s+Contains routePrefix 10\.99\.0\.0\/16\s+Drop\s+Terminate$/);
    expect(rows[3]).toMatch(/^standby\s+Contains community 65001:200\s+Add asPath 65001 65001\s+Continue$/);
    expect((await table('route-map', 'show', ...RS, '-n', 'to-fw'))[2]).toMatch(
      /^tag\s+Add community 65001:9\s+Continue$/,
    );
  });

  it("prints the API's refusal of a bad rule, naming the member, and stores nothing", async () => {
    const refused = await cli(
      'route-map',
      'create',
      ...RS,
      '-n',
      'bad',
      '--rule-name',
      'p',
      '--action',
      'Add',
      '--action-as-path',
      '65515',
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^ERROR: \(InvalidRouteMapAction\) AS 65515 is reserved and cannot be added\n/,
    );
    expect(refused.stderr).toContain('Target: properties.rules[0].actions[0].parameters[0].asPath[0]');
    expect((await cli('route-map', 'show', ...RS, '-n', 'bad')).stderr).toMatch(
      /^ERROR: \(ResourceNotFound\)/,
    );
  });

  it('update adds or replaces a rule by name, removes one, or replaces them all', async () => {
    const update = ['route-map', 'update', ...RS, '-n', 'to-fw'];
    const names = (map: Record<string, unknown>) => (map['rules'] as { name: string }[]).map((r) => r.name);
    expect(
      names(
        await json(...update, '--rule-name', 'deny', '--route-prefix', '10.66.0.0/16', '--action', 'Drop'),
      ),
    ).toEqual(['tag', 'deny']);
    const replaced = await json(
      ...update,
      '--rule-name',
      'tag',
      '--action',
      'Add',
      '--action-community',
      '65001:10',
    );
    expect((replaced['rules'] as Record<string, unknown>[])[0]?.['actions']).toEqual([
      { type: 'Add', parameters: [{ community: ['65001:10'] }] },
    ]);
    expect(names(await json(...update, '--remove-rule', 'deny'))).toEqual(['tag']);
    expect(names(await json(...update, '--rules', '[{"name": "only"}]'))).toEqual(['only']);
    const nothing = await cli(...update);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/^ERROR: nothing to change/);
  });

  it('peering create and update set, keep and remove the inbound and outbound maps', async () => {
    const update = ['peering', 'update', ...RS, '-n', 'sdwan'];
    expect(await json(...update, '--inbound-route-map', 'from-sdwan')).toMatchObject({
      routingConfiguration: { inboundRouteMap: { id: `${HUB}/routeMaps/from-sdwan` } },
    });
    // another option keeps the maps
    expect((await json(...update, '--bfd'))['routingConfiguration']).toEqual({
      inboundRouteMap: { id: `${HUB}/routeMaps/from-sdwan`, resourceGroup: 'rg1' },
    });
    const created = await json(
      'peering',
      'create',
      ...RS,
      '-n',
      'fw',
      '--peer-ip',
      '10.1.1.5',
      '--peer-asn',
      '65002',
      '--outbound-route-map',
      'to-fw',
    );
    expect(created['routingConfiguration']).toMatchObject({
      outboundRouteMap: { id: `${HUB}/routeMaps/to-fw` },
    });
    const rows = await table('route-map', 'list', ...RS);
    expect(rows[0]).toMatch(
      /^Name\s+Rules\s+InboundConnections\s+OutboundConnections\s+ProvisioningState\s+ResourceGroup$/,
    );
    expect(rows.slice(2)).toEqual([
      expect.stringMatching(/^from-sdwan\s+2\s+sdwan\s+Succeeded\s+rg1$/),
      expect.stringMatching(/^to-fw\s+1\s+fw\s+Succeeded\s+rg1$/),
    ]);
    const missing = await cli(
      'peering',
      'create',
      ...RS,
      '-n',
      'x',
      '--peer-ip',
      '10.1.1.6',
      '--peer-asn',
      '65003',
      '--inbound-route-map',
      'nope',
    );
    expect(missing.stderr).toMatch(/^ERROR: \(InvalidResourceReference\) /);
    expect(missing.stderr).toContain('Target: properties.routingConfiguration.inboundRouteMap.id');
  });

  it('evaluate asks the API for the dry run on a peering; an unknown peering is refused', async () => {
    // no BGP runtime here: no instance has a session with the peer, so none answers
    expect(await json('route-map', 'evaluate', ...RS, '-n', 'from-sdwan', '--peering', 'sdwan')).toEqual({});
    const rows = await table(
      'route-map',
      'evaluate',
      ...RS,
      '-n',
      'to-fw',
      '--peering',
      'fw',
      '--direction',
      'outbound',
    );
    expect(rows[0]).toMatch(
      /^Instance\s+Network\s+Result\s+Rules\s+AsPathBefore\s+AsPathAfter\s+CommunitiesBefore\s+CommunitiesAfter\s+Summary$/,
    );
    const refused = await cli('route-map', 'evaluate', ...RS, '-n', 'from-sdwan', '--peering', 'nobody');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^ERROR: \(InvalidResourceReference\) BGP connection .*nobody/);
  });

  it('delete is refused while a peering uses the map, and works once none does', async () => {
    const refused = await cli('route-map', 'delete', ...RS, '-n', 'from-sdwan');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^ERROR: \(\w+\) route map 'from-sdwan' is used by BGP connection 'sdwan'/,
    );
    expect(
      await json('peering', 'update', ...RS, '-n', 'sdwan', '--no-inbound-route-map'),
    ).not.toHaveProperty('routingConfiguration');
    expect((await cli('route-map', 'delete', ...RS, '-n', 'from-sdwan', '--yes')).code).toBe(0);
    expect(JSON.parse(await succeed('route-map', 'list', ...RS))).toHaveLength(1);
  });
});
