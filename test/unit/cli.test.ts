import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { buildProgram } from '../../src/cli/program.js';
import { cliCalls, runCli, startServer, type RunningServer } from './serve-harness.js';

let server: RunningServer;
beforeAll(async () => {
  // API verbs only: no BGP listeners (the instance addresses are not on this host)
  server = await startServer(['--no-bgp']);
}, 90_000);
afterAll(async () => {
  await server.stop();
  server.remove();
});

const { cli, succeed, json, table } = cliCalls(() => server);

const G = ['-g', 'rg1'];

/** `vnet subnet create` in vnet1 */
const createSubnet = (name: string, prefix: string, ...more: string[]) =>
  json(
    'vnet',
    'subnet',
    'create',
    ...G,
    '--vnet-name',
    'vnet1',
    '-n',
    name,
    '--address-prefixes',
    prefix,
    ...more,
  );

/** the arguments of `peering create` on rs1 */
const peeringCreate = (name: string, peerIp: string, peerAsn: string) => [
  'peering',
  'create',
  ...G,
  '--routeserver',
  'rs1',
  '-n',
  name,
  '--peer-ip',
  peerIp,
  '--peer-asn',
  peerAsn,
];

describe('routeserver CLI against a running server', () => {
  it('vnet create prints az\'s {"newVNet": …} with properties flattened', async () => {
    const out = await json('vnet', 'create', ...G, '-n', 'vnet1', '--address-prefixes', '10.1.0.0/16');
    expect(out['newVNet']).toMatchObject({
      name: 'vnet1',
      resourceGroup: 'rg1',
      addressSpace: { addressPrefixes: ['10.1.0.0/16'] },
    });
  });

  it('vnet subnet create and list, as a table', async () => {
    await createSubnet('RouteServerSubnet', '10.1.0.0/26');
    await json('route-table', 'create', ...G, '-n', 'rt1');
    await createSubnet('nva', '10.1.1.0/24');
    await createSubnet('work', '10.1.2.0/24', '--route-table', 'rt1');
    const rows = await table('vnet', 'subnet', 'list', ...G, '--vnet-name', 'vnet1');
    expect(rows[0]).toMatch(/^AddressPrefix\s+Name\s+ProvisioningState\s+ResourceGroup$/);
    expect(rows.slice(2).map((r) => r.split(/\s+/)[1])).toEqual(['nva', 'RouteServerSubnet', 'work']); // ARM lists in id order, case-insensitively
  });

  it('create places the route server in RouteServerSubnet (--vnet-name/--hosted-subnet) with two instance addresses', async () => {
    const out = await json(
      'create',
      ...G,
      '-n',
      'rs1',
      '--vnet-name',
      'vnet1',
      '--hosted-subnet',
      'RouteServerSubnet',
    );
    expect(out).toMatchObject({
      kind: 'RouteServer',
      virtualRouterAsn: 65515,
      virtualRouterIps: ['10.1.0.4', '10.1.0.5'],
      routingState: 'Provisioned',
      allowBranchToBranchTraffic: false,
    });
  });

  it('show, list (by group and subscription) and update --allow-b2b-traffic / --hub-routing-preference', async () => {
    expect((await json('show', ...G, '-n', 'rs1'))['name']).toBe('rs1');
    const rows = await table('list');
    expect(rows[0]).toContain('HubRoutingPreference');
    expect(rows[2]).toMatch(/^false\s+ExpressRoute\s+RouteServer\s+local\s+rs1\s/);
    const updated = await json(
      'update',
      ...G,
      '-n',
      'rs1',
      '--allow-b2b-traffic',
      'true',
      '--hub-routing-preference',
      'ASPath',
    );
    expect(updated).toMatchObject({
      allowBranchToBranchTraffic: true,
      hubRoutingPreference: 'ASPath',
      virtualRouterIps: ['10.1.0.4', '10.1.0.5'],
    });
    const inGroup = JSON.parse((await cli('list', ...G)).stdout) as unknown[];
    expect(inGroup).toHaveLength(1);
  });

  it('peering create, show, list (table) and update', async () => {
    const created = await json(...peeringCreate('sdwan', '10.1.1.4', '65001'));
    expect(created).toMatchObject({
      name: 'sdwan',
      peerIp: '10.1.1.4',
      peerAsn: 65001,
      resourceGroup: 'rg1',
    });
    await json(...peeringCreate('fw', '10.1.1.5', '65002'));
    expect((await json('peering', 'show', ...G, '--routeserver', 'rs1', '-n', 'fw'))['peerAsn']).toBe(65002);
    const rows = await table('peering', 'list', ...G, '--routeserver', 'rs1');
    expect(rows[0]).toMatch(
      /^Name\s+PeerAsn\s+PeerIp\s+ConnectionState\s+ProvisioningState\s+ResourceGroup$/,
    );
    expect(rows.slice(2).map((r) => r.split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'fw 65002 10.1.1.5',
      'sdwan 65001 10.1.1.4',
    ]);
    expect(
      (await json('peering', 'update', ...G, '--routeserver', 'rs1', '-n', 'fw', '--peer-asn', '65003'))[
        'peerAsn'
      ],
    ).toBe(65003);
  });

  it('peering create and update with --bfd set, change and turn off the bfd extension property', async () => {
    const created = await json(...peeringCreate('bfd1', '10.1.1.9', '65009'), '--bfd', '--bfd-min-rx', '100');
    expect(created['bfd']).toEqual({ enabled: true, minRx: 100, minTx: 300, multiplier: 3, multihop: true });
    const update = ['peering', 'update', ...G, '--routeserver', 'rs1', '-n', 'bfd1'];
    const changed = await json(...update, '--bfd-multiplier', '5', '--bfd-multihop', 'false');
    expect(changed['bfd']).toMatchObject({ enabled: true, minRx: 100, multiplier: 5, multihop: false });
    expect((await json(...update, '--no-bfd'))['bfd']).toMatchObject({ enabled: false, multiplier: 5 });
    const refused = await cli(...update, '--bfd-multiplier', '1');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/multiplier must be an integer from 2 to 255/);
    await succeed('peering', 'delete', ...G, '--routeserver', 'rs1', '-n', 'bfd1', '--yes');
  });

  it('peering create and update with --graceful-restart set, change and turn off the extension property', async () => {
    const created = await json(
      ...peeringCreate('gr1', '10.1.1.10', '65010'),
      '--graceful-restart',
      '--restart-time',
      '90',
    );
    expect(created['gracefulRestart']).toEqual({ enabled: true, restartTime: 90, stalePathTime: 360 });
    const update = ['peering', 'update', ...G, '--routeserver', 'rs1', '-n', 'gr1'];
    expect((await json(...update, '--stale-path-time', '60'))['gracefulRestart']).toEqual({
      enabled: true,
      restartTime: 90,
      stalePathTime: 60,
    });
    expect((await json(...update, '--bfd'))['gracefulRestart']).toMatchObject({ enabled: true });
    expect((await json(...update, '--no-graceful-restart'))['gracefulRestart']).toMatchObject({
      enabled: false,
    });
    const refused = await cli(...update, '--restart-time', '4096');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/restartTime must be an integer number of seconds from 1 to 4095/);
    await succeed('peering', 'delete', ...G, '--routeserver', 'rs1', '-n', 'gr1', '--yes');
  });

  it('peering create and update set, keep and remove a TCP-MD5 key that show and list never print', async () => {
    const key = 'cli-secret-9';
    const created = await json(...peeringCreate('md5a', '10.1.1.10', '65010'), '--md5-key', key);
    expect(created['md5KeyConfigured']).toBe(true);
    const show = ['peering', 'show', ...G, '--routeserver', 'rs1', '-n', 'md5a'];
    for (const output of [
      await succeed(...show, '-o', 'json'),
      await succeed(...show, '-o', 'table'),
      await succeed('peering', 'list', ...G, '--routeserver', 'rs1', '-o', 'json'),
    ])
      expect(output).not.toContain(key);
    const update = ['peering', 'update', ...G, '--routeserver', 'rs1', '-n', 'md5a'];
    expect(await json(...update, '--peer-asn', '65011')).toMatchObject({ md5KeyConfigured: true });
    expect(await json(...update, '--no-md5-key')).not.toHaveProperty('md5KeyConfigured');
    const dir = mkdtempSync(join(tmpdir(), 'cli-md5-'));
    writeFileSync(join(dir, 'key'), 'from-a-file\n');
    expect(await json(...update, '--md5-key-file', join(dir, 'key'))).toMatchObject({
      md5KeyConfigured: true,
    });
    rmSync(dir, { recursive: true });
    const refused = await cli(...update, '--md5-key', 'x'.repeat(81));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/81 bytes; at most 80/);
    await succeed('peering', 'delete', ...G, '--routeserver', 'rs1', '-n', 'md5a', '--yes');
  });

  it('list-learned-routes and list-advertised-routes answer per instance', async () => {
    const learned = await json('peering', 'list-learned-routes', ...G, '--routeserver', 'rs1', '-n', 'sdwan');
    expect(Object.keys(learned).sort()).toEqual(['RouteServiceRole_IN_0', 'RouteServiceRole_IN_1']);
    const advertised = await json(
      'peering',
      'list-advertised-routes',
      ...G,
      '--routeserver',
      'rs1',
      '-n',
      'sdwan',
    );
    expect(Object.keys(advertised).sort()).toEqual(['RouteServiceRole_IN_0', 'RouteServiceRole_IN_1']);
    const rows = await table('peering', 'list-learned-routes', ...G, '--routeserver', 'rs1', '-n', 'sdwan');
    expect(rows[0]).toMatch(
      /^Instance\s+Network\s+NextHop\s+SourcePeer\s+AsPath\s+Origin\s+Weight\s+LocalAddress$/,
    );
  });

  it('route-table route create adds a user route', async () => {
    const route = await json(
      'route-table',
      'route',
      'create',
      ...G,
      '--route-table-name',
      'rt1',
      '-n',
      'default',
      '--address-prefix',
      '0.0.0.0/0',
      '--next-hop-type',
      'virtualappliance',
      '--next-hop-ip-address',
      '10.1.1.5',
    );
    expect(route).toMatchObject({
      addressPrefix: '0.0.0.0/0',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.1.1.5',
    });
  });

  it('nic create prints {"NewNIC": …}; nic show reads it back', async () => {
    const created = await json(
      'nic',
      'create',
      ...G,
      '-n',
      'vm1',
      '--vnet-name',
      'vnet1',
      '--subnet',
      'work',
      '--private-ip-address',
      '10.1.2.4',
    );
    expect(created['NewNIC']).toMatchObject({ name: 'vm1', resourceGroup: 'rg1' });
    const shown = await json('nic', 'show', ...G, '-n', 'vm1');
    const ipConfigurations = shown['ipConfigurations'] as Record<string, unknown>[];
    expect(ipConfigurations[0]).toMatchObject({
      privateIPAddress: '10.1.2.4',
      privateIPAllocationMethod: 'Static',
    });
  });

  it("nic show-effective-route-table prints az's table: the user route wins 0.0.0.0/0", async () => {
    const rows = await table('nic', 'show-effective-route-table', ...G, '-n', 'vm1');
    expect(rows[0]).toMatch(/^Source\s+State\s+Address Prefix\s+Next Hop Type\s+Next Hop IP$/);
    expect(rows).toContainEqual(
      expect.stringMatching(/^User\s+Active\s+0\.0\.0\.0\/0\s+VirtualAppliance\s+10\.1\.1\.5$/),
    );
    expect(rows).toContainEqual(expect.stringMatching(/^Default\s+Invalid\s+0\.0\.0\.0\/0\s+Internet$/));
    expect(rows).toContainEqual(expect.stringMatching(/^Default\s+Active\s+10\.1\.0\.0\/16\s+VnetLocal$/));
  });

  it('nic next-hop names the winning route and its route table', async () => {
    const out = await json('nic', 'next-hop', ...G, '-n', 'vm1', '--dest', '8.8.8.8');
    expect(out).toMatchObject({
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.1.1.5',
      source: 'User',
    });
    expect(String(out['routeTableId'])).toMatch(/\/routeTables\/rt1$/);
    expect(await json('nic', 'next-hop', ...G, '-n', 'vm1', '--dest', '10.1.1.9')).toMatchObject({
      nextHopType: 'VnetLocal',
      routeTableId: 'System Route',
    });
  });

  it('vnet peering create, show, list and delete', async () => {
    await json('vnet', 'create', ...G, '-n', 'spoke', '--address-prefixes', '10.2.0.0/16');
    const peering = await json(
      'vnet',
      'peering',
      'create',
      ...G,
      '-n',
      'spoke-to-hub',
      '--vnet-name',
      'spoke',
      '--remote-vnet',
      'vnet1',
      '--use-remote-gateways',
      'false',
    );
    expect(peering).toMatchObject({
      peeringState: 'Initiated',
      useRemoteGateways: false,
      allowVirtualNetworkAccess: true,
    });
    expect((await json('vnet', 'show', ...G, '-n', 'spoke'))['virtualNetworkPeerings']).toHaveLength(1);
    expect(await table('vnet', 'list')).toHaveLength(4);
    const deleted = await cli('vnet', 'delete', ...G, '-n', 'spoke');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe('');
  });

  it("prints the server's ARM error code and message and exits 1", async () => {
    const refused = await cli(...peeringCreate('bad', '10.1.1.6', '65515'));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^ERROR: \(InvalidPeerAsn\) .*65515/);
    expect(refused.stderr).toContain('Target: properties.peerAsn');
    const missing = await cli('show', ...G, '-n', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ERROR: \(ResourceNotFound\)/);
  });

  it('reports a wrong token, a missing token and an unreachable server', async () => {
    const wrong = await cli('list', '--token', 'x'.repeat(43));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^ERROR: \(InvalidAuthenticationToken\)/);
    const none = await runCli(['list', '--data-dir', `${server.dir}/nothing-here`]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^ERROR: no API token/);
    const away = await cli('list', '--endpoint', 'https://127.0.0.1:1');
    expect(away.code).toBe(1);
    expect(away.stderr).toMatch(/^ERROR: cannot reach the routeserver API at https:\/\/127\.0\.0\.1:1/);
  });

  it('refuses a malformed argument before calling the server', async () => {
    const result = await cli(...peeringCreate('x', 'ten', '1'));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("ERROR: --peer-ip 'ten' is not an IP address\n");
  });

  it('peering delete, then delete removes the route server (ipConfiguration first)', async () => {
    expect((await cli('peering', 'delete', ...G, '--routeserver', 'rs1', '-n', 'fw')).code).toBe(0);
    expect(JSON.parse((await cli('peering', 'list', ...G, '--routeserver', 'rs1')).stdout)).toHaveLength(1);
    expect((await cli('delete', ...G, '-n', 'rs1', '--yes')).code).toBe(0);
    expect((await cli('show', ...G, '-n', 'rs1')).stderr).toMatch(/ResourceNotFound/);
    expect((await cli('delete', ...G, '-n', 'rs1')).code).toBe(0); // nothing to delete is not an error, as in az
  });

  it('vnet-gateway, local-gateway and vpn-connection create, show, refuse and delete as az does', async () => {
    await createSubnet('GatewaySubnet', '10.1.255.0/27');
    const created = await json('vnet-gateway', 'create', ...G, '-n', 'vpngw', '--vnet', 'vnet1');
    expect(created['vnetGateway']).toMatchObject({
      gatewayType: 'Vpn',
      activeActive: true,
      bgpSettings: { asn: 65515, bgpPeeringAddress: '10.1.255.4,10.1.255.5' },
    });
    const refused = await cli('vnet-gateway', 'create', ...G, '-n', 'vpngw2', '--vnet', 'vnet1');
    expect(refused.stderr).toMatch(/^ERROR: \(VirtualNetworkGatewayAlreadyExists\)/);
    const site = await json(
      'local-gateway',
      'create',
      ...G,
      '-n',
      'branch',
      '--local-address-prefixes',
      '192.168.10.0/24',
      '--asn',
      '65010',
      '--bgp-peering-address',
      '192.168.10.1',
    );
    expect(site).toMatchObject({ bgpSettings: { asn: 65010, bgpPeeringAddress: '192.168.10.1' } });
    const missing = await cli(
      'vpn-connection',
      'create',
      ...G,
      '-n',
      'nowhere',
      '--vnet-gateway1',
      'vpngw',
      '--local-gateway2',
      'absent',
    );
    expect(missing.stderr).toMatch(/^ERROR: \(InvalidResourceReference\)/);
    const link = await json(
      'vpn-connection',
      'create',
      ...G,
      '-n',
      'to-branch',
      '--vnet-gateway1',
      'vpngw',
      '--local-gateway2',
      'branch',
      '--enable-bgp',
      '--shared-key',
      'kept-out',
    );
    expect(link['resource']).toMatchObject({ connectionType: 'IPsec', enableBgp: true });
    expect(JSON.parse(await succeed('vpn-connection', 'list', ...G))).toHaveLength(1);
    expect((await cli('local-gateway', 'delete', ...G, '-n', 'branch')).stderr).toMatch(
      /InUseLocalNetworkGatewayCannotBeDeleted/,
    );
    for (const [group, name] of [
      ['vpn-connection', 'to-branch'],
      ['local-gateway', 'branch'],
      ['vnet-gateway', 'vpngw'],
    ] as const)
      expect((await cli(group, 'delete', ...G, '-n', name)).code).toBe(0);
    expect(JSON.parse(await succeed('vnet-gateway', 'list', ...G))).toEqual([]);
  });

  it('accepts the az spelling `routeserver routeserver …` too', async () => {
    const result = await cli('routeserver', 'list', '-o', 'table');
    expect(result.code).toBe(0);
  });
});

describe('routeserver --help', () => {
  function leafCommands(command: CommandUnknownOpts, path: string[] = []): [string[], CommandUnknownOpts][] {
    const children = command.commands as CommandUnknownOpts[];
    if (children.length === 0) return [[path, command]];
    return [
      [path, command] as [string[], CommandUnknownOpts],
      ...children.flatMap((c) => leafCommands(c, [...path, c.name()])),
    ];
  }

  it('shows examples on every command', () => {
    const missing: string[] = [];
    for (const [path, command] of leafCommands(buildProgram())) {
      if (['version', 'help'].includes(path[path.length - 1] ?? '')) continue;
      let text = '';
      command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
      command.outputHelp();
      if (!text.includes('Examples:\n  $ routeserver') && !text.includes('Examples:\n  $ npm start'))
        missing.push(path.join(' '));
    }
    expect(missing).toEqual([]);
  });
});
