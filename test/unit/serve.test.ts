import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runCli, startServer, type RunningServer } from './serve-harness.js';

const SEED = fileURLToPath(new URL('../../examples/seed-scenario.yaml', import.meta.url));

function get(url: string, ca: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) {
    await server.stop();
    server.remove();
  }
});

describe('routeserver serve', () => {
  it('starts with the embedded defaults in ./data and says where the token and certificate are', async () => {
    const server = await startServer();
    servers.push(server);
    const token = join(server.dataDir, 'api-token');
    const cert = join(server.dataDir, 'tls', 'cert.pem');
    expect(statSync(token).mode & 0o777).toBe(0o600);
    expect(existsSync(cert)).toBe(true);
    expect(server.output()).toContain(`token in ${token}`);
    expect(server.output()).toContain(`certificate in ${cert}`);
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves Azure-named metrics on /metrics behind the bearer token', async () => {
    const server = servers[0]!;
    const ca = readFileSync(join(server.dataDir, 'tls', 'cert.pem'), 'utf8');
    const token = readFileSync(join(server.dataDir, 'api-token'), 'utf8').trim();
    expect((await get(`${server.url}/metrics`, ca)).status).toBe(401);
    const metrics = await get(`${server.url}/metrics`, ca, token);
    expect(metrics.status).toBe(200);
    for (const name of ['BgpPeerStatus', 'CountOfRoutesAdvertisedToPeer', 'CountOfRoutesLearnedFromPeer'])
      expect(metrics.body).toContain(`# TYPE ${name} gauge`);
  });

  it('stops cleanly on SIGTERM: exit 0, store closed, api-url removed', async () => {
    const server = servers[0]!;
    expect(await server.stop()).toBe(0);
    expect(server.output()).toMatch(/"msg":"stopped"/);
    expect(existsSync(join(server.dataDir, 'routeserver.db'))).toBe(true);
    expect(existsSync(join(server.dataDir, 'routeserver.db-wal'))).toBe(false); // closed: WAL checkpointed
    expect(existsSync(join(server.dataDir, 'api-url'))).toBe(false);
  });

  it('applies a configuration file at start-up, and an unchanged file again changes nothing', async () => {
    const first = await startServer(['--config', SEED]);
    servers.push(first);
    expect(first.output()).toMatch(/"written":12,"unchanged":0,"deleted":0,"msg":"configuration applied"/);
    // 10.1.0.4 is not on this host: the start-up says so and what to do, and keeps serving the API
    expect(first.output()).toMatch(
      /"code":"BGPRS_ERR_RS_INSTANCE_START_FAILED".*cannot listen for BGP on 10\.1\.0\.4:179 \(EADDRNOTAVAIL\); .*ip address add 10\.1\.0\.4\/32 dev lo/,
    );
    const shown = await runCli(['show', '-g', 'demo', '-n', 'rs1', '--data-dir', first.dataDir]);
    const etag = (JSON.parse(shown.stdout) as { etag: string }).etag;
    expect(await first.stop()).toBe(0);
    const second = await startServer(['--config', SEED], first.dir);
    servers.push(second);
    expect(second.output()).toMatch(/"written":0,"unchanged":12,"deleted":0,"msg":"configuration unchanged"/);
    const again = await runCli(['show', '-g', 'demo', '-n', 'rs1', '--data-dir', second.dataDir]);
    expect((JSON.parse(again.stdout) as { etag: string }).etag).toBe(etag);
  });

  it('applies the difference when the configuration file changed', async () => {
    const previous = servers[servers.length - 1]!;
    expect(await previous.stop()).toBe(0);
    const changed = join(previous.dir, 'changed.yaml');
    writeFileSync(changed, readFileSync(SEED, 'utf8').replace('peerAsn: 65002', 'peerAsn: 65010'));
    const server = await startServer(['--config', changed], previous.dir);
    servers.push(server);
    expect(server.output()).toMatch(/"written":1,"unchanged":11,"deleted":0/);
    const peering = await runCli([
      'peering',
      'show',
      '-g',
      'demo',
      '--routeserver',
      'rs1',
      '-n',
      'firewall',
      '--data-dir',
      server.dataDir,
    ]);
    expect(JSON.parse(peering.stdout)).toMatchObject({ peerAsn: 65010, peerIp: '10.1.1.5' });
  });

  it('deletes what the previous file declared and the new one does not', async () => {
    const previous = servers[servers.length - 1]!;
    expect(await previous.stop()).toBe(0);
    const smaller = join(previous.dir, 'smaller.yaml');
    writeFileSync(smaller, readFileSync(SEED, 'utf8').replace(/ {6}- name: sdwan\n.*\n.*\n/, ''));
    const server = await startServer(['--config', smaller], previous.dir);
    servers.push(server);
    expect(server.output()).toMatch(/"written":1,"unchanged":10,"deleted":1,"msg":"configuration applied"/);
    const peering = await runCli([
      'peering',
      'show',
      '-g',
      'demo',
      '--routeserver',
      'rs1',
      '-n',
      'sdwan',
      '--data-dir',
      server.dataDir,
    ]);
    expect(peering.stderr).toMatch(/^ERROR: \(ResourceNotFound\)/);
  });

  it('refuses to start on an invalid configuration file, naming its lines', async () => {
    const dir = servers[servers.length - 1]!.dir;
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'resourceGroup: demo\nrouteServers:\n  - name: rs1\n    virtualNetwork: vnet1\n    peerings:\n      - {name: a, peerIp: 10.1.1.4, peerAsn: "x"}\n',
    );
    const result = await runCli(
      ['serve', '--config', bad, '--api-listen', '127.0.0.1:0', '--log-format', 'json'],
      { cwd: dir },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('bad.yaml:6:46: /routeServers/0/peerings/0/peerAsn: must be integer');
  });

  it('fails a later write whose instances cannot bind, with the explanation in the ARM error', async () => {
    const server = servers[servers.length - 1]!;
    const cli = (...args: string[]) => runCli([...args, '--data-dir', server.dataDir]);
    await cli('vnet', 'create', '-g', 'x', '-n', 'v2', '--address-prefixes', '10.9.0.0/16');
    await cli(
      'vnet',
      'subnet',
      'create',
      '-g',
      'x',
      '--vnet-name',
      'v2',
      '-n',
      'RouteServerSubnet',
      '--address-prefixes',
      '10.9.0.0/26',
    );
    const result = await cli(
      'create',
      '-g',
      'x',
      '-n',
      'rs2',
      '--vnet-name',
      'v2',
      '--hosted-subnet',
      'RouteServerSubnet',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^ERROR: \(RouteServerInstanceStartFailed\) .*cannot listen for BGP on 10\.9\.0\.4:179/,
    );
  });

  it('names the fix when the API address is taken', async () => {
    const running = servers.find((server) => server.process.exitCode === null)!;
    const port = new URL(running.url).port;
    const result = await runCli(
      ['serve', '--no-bgp', '--api-listen', `127.0.0.1:${port}`, '--log-format', 'json'],
      {
        cwd: running.dir,
      },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/cannot start: .*EADDRINUSE.*choose another with --api-listen HOST:PORT/);
  });

  it('applies --max-peers to every route server, and refuses a bad value', async () => {
    const server = await startServer(['--no-bgp', '--max-peers', '1']);
    servers.push(server);
    const cli = (...args: string[]) => runCli([...args, '--data-dir', server.dataDir]);
    await cli('vnet', 'create', '-g', 'lim', '-n', 'v', '--address-prefixes', '10.7.0.0/16');
    await cli(
      'vnet',
      'subnet',
      'create',
      '-g',
      'lim',
      '--vnet-name',
      'v',
      '-n',
      'RouteServerSubnet',
      '--address-prefixes',
      '10.7.0.0/26',
    );
    await cli('create', '-g', 'lim', '-n', 'rs', '--vnet-name', 'v', '--hosted-subnet', 'RouteServerSubnet');
    const peering = (name: string, ip: string, asn: string) =>
      cli(
        'peering',
        'create',
        '-g',
        'lim',
        '--routeserver',
        'rs',
        '-n',
        name,
        '--peer-ip',
        ip,
        '--peer-asn',
        asn,
      );
    expect((await peering('a', '10.7.1.4', '65001')).code).toBe(0);
    const second = await peering('b', '10.7.1.5', '65002');
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^ERROR: \(BgpConnectionLimitExceeded\)/);
    const bad = await runCli(['serve', '--no-bgp', '--max-peers', '0', '--log-format', 'json'], {
      cwd: server.dir,
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("--max-peers '0' is not a positive whole number");
  });

  it('--no-vnet-programming reaches the BGP runtime and says so at start-up', async () => {
    const server = await startServer(['--no-vnet-programming']);
    servers.push(server);
    expect(server.output()).toMatch(/"level":40,.*"msg":"VNet programming off: /);
    expect(await server.stop()).toBe(0);
  });

  it('stops cleanly on a SIGTERM that arrives while it starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-serve-'));
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--api-listen', '127.0.0.1:0', '--log-format', 'json', '--no-vnet-programming'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const onOutput = (chunk: Buffer) => {
      const first = !output.includes('VNet programming off');
      output += chunk.toString();
      // logged while the BGP runtime is created, before the store, the API and the routes are up
      if (first && output.includes('VNet programming off')) child.kill('SIGTERM');
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    expect(output).toContain('signal while starting: stopping once started');
    expect(output).toMatch(/"msg":"stopped"/);
  });

  it('refuses a malformed --api-listen', async () => {
    const dir = servers[0]!.dir;
    const result = await runCli(['serve', '--api-listen', 'localhost', '--log-format', 'json'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("--api-listen 'localhost' is not HOST:PORT");
  });

  it('refuses --instances without a shared store, and an unknown instance', async () => {
    const dir = servers[0]!.dir;
    const alone = await runCli(
      ['serve', '--instances', 'IN_0', '--api-listen', '127.0.0.1:0', '--log-format', 'json'],
      {
        cwd: dir,
      },
    );
    expect(alone.code).toBe(1);
    expect(alone.stdout).toContain('--instances needs a store shared by the processes: --store etcd://');
    const unknown = await runCli(['serve', '--instances', 'IN_2', '--log-format', 'json'], { cwd: dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain("--instances 'IN_2': name IN_0, IN_1 or both");
  });
});
