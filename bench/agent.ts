/**
 * What the data-plane agent costs (docs/agent.md):
 *
 * 1. one agent programs a 4,000-route table (Azure's per-peer limit) into one
 *    namespace: time from its start to the last route in the kernel, its RSS,
 *    and one changed route reaching the kernel;
 * 2. fan-out: one prefix change reaching N namespaces, with one agent for all
 *    (`--config`) and with one agent per namespace: p50/p99/max from the API
 *    write to each kernel, and the server's memory per watcher.
 *
 *   npx tsx bench/agent.ts [--routes 4000] [--namespaces 200] [--per-namespace 40]
 *
 * Needs root and iproute2; run it under the interop lock. The server runs in
 * this process on 127.0.0.1 (port 0), without BGP: the rows are user routes
 * (VirtualAppliance), which the agent programs exactly like BGP rows (`via`).
 * The namespaces get a random `rsb…` prefix and are deleted at the end; the
 * agents are stopped by PID. Prints figures; no thresholds.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApiServer, registerNetworkResources, registerRouteWatch } from '../src/api/index.js';
import { RouteServerService } from '../src/routeserver/index.js';
import { openSqliteStore } from '../src/store/index.js';

const SUB = '00000000-0000-0000-0000-00000000be0c';
const NET = `/subscriptions/${SUB}/resourceGroups/bench/providers/Microsoft.Network`;
const V = 'api-version=2024-05-01';
const PREFIX = `rsb${randomBytes(2).toString('hex')}`;
const BIN = resolve('bin/routeserver.js');

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? fallback : Number(process.argv[index + 1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function routes(count: number, nextHop: string) {
  return Array.from({ length: count }, (_, i) => ({
    name: `r${i}`,
    properties: {
      addressPrefix: `10.${100 + (i >> 8)}.${i & 255}.0/24`,
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: nextHop,
    },
  }));
}

async function startServer(dir: string) {
  const store = openSqliteStore({ path: join(dir, 'state.db') });
  const service = await RouteServerService.open({ store, routeWatch: { maxWatchers: 5000 } });
  const server = await createApiServer({
    dataDir: dir,
    listen: { host: '127.0.0.1', port: 0 },
    connectionLimits: { maxConnectionsPerClient: 5000, maxConnections: 5000 },
  });
  registerNetworkResources(server, service);
  registerRouteWatch(server.app, service);
  const { url } = await server.listen();
  const put = async (path: string, body: unknown) => {
    const res = await server.app.inject({
      method: 'PUT',
      url: `${NET}/${path}?${V}`,
      headers: { authorization: `Bearer ${server.credentials.token}` },
      payload: body as object,
    });
    if (res.statusCode >= 300) throw new Error(`PUT ${path}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  };
  const stop = async () => {
    await server.close();
    await service.close();
    await store.close();
  };
  return { url, token: server.credentials.token, certPath: server.credentials.certPath!, put, stop };
}

type Server = Awaited<ReturnType<typeof startServer>>;

/** A namespace with eth0 (one end of a veth pair kept inside it) at `address`/16. */
function addNamespace(name: string, address: string): void {
  ip('netns', 'add', name);
  ip('-n', name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0');
  ip('-n', name, 'link', 'set', 'eth0', 'up');
  ip('-n', name, 'link', 'set', 'peer0', 'up');
  ip('-n', name, 'addr', 'add', `${address}/16`, 'dev', 'eth0');
}

function ownRouteCount(namespace: string): number {
  const routes = JSON.parse(
    ip('-n', namespace, '-N', '-4', '-json', 'route', 'show', 'proto', '247'),
  ) as unknown[];
  return routes.length;
}

function rssKb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m);
  return line === null ? 0 : Number(line[1]);
}

/** `routeserver agent` as its own process, stderr to `log`. */
function spawnAgent(server: Server, args: readonly string[], log: string): ChildProcess {
  const out = openSync(log, 'a');
  const child = spawn(
    process.execPath,
    [BIN, '--endpoint', server.url, '--token', server.token, '--ca-cert', server.certPath, 'agent', ...args],
    { stdio: ['ignore', out, out] },
  );
  closeSync(out);
  return child;
}

async function stopAgent(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

async function waitUntil(
  what: string,
  probe: () => boolean,
  timeoutMs = 300_000,
  intervalMs = 20,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!probe()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

const nicId = (name: string) => `${NET}/networkInterfaces/${name}`;

async function network(server: Server, routeCount: number): Promise<void> {
  await server.put('routeTables/big', {
    location: 'local',
    properties: { routes: routes(routeCount, '10.0.2.9') },
  });
  await server.put('routeTables/fan', { location: 'local', properties: { routes: [] } });
  const subnet = (name: string, prefix: string, table: string) => ({
    name,
    properties: { addressPrefix: prefix, routeTable: { id: `${NET}/routeTables/${table}` } },
  });
  await server.put('virtualNetworks/vnet', {
    location: 'local',
    properties: {
      addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
      subnets: [subnet('big', '10.0.2.0/24', 'big'), subnet('fan', '10.0.4.0/22', 'fan')],
    },
  });
}

async function nic(server: Server, name: string, subnet: string, address: string): Promise<void> {
  await server.put(`networkInterfaces/${name}`, {
    location: 'local',
    properties: {
      ipConfigurations: [
        {
          name: 'ipconfig1',
          properties: {
            subnet: { id: `${NET}/virtualNetworks/vnet/subnets/${subnet}` },
            privateIPAddress: address,
            privateIPAllocationMethod: 'Static',
          },
        },
      ],
    },
  });
}

/** Part 1: a 4,000-route table into one namespace. */
async function bigTable(server: Server, dir: string, routeCount: number): Promise<void> {
  const namespace = `${PREFIX}-big`;
  addNamespace(namespace, '10.0.2.4');
  await nic(server, 'big', 'big', '10.0.2.4');
  const started = performance.now();
  const agent = spawnAgent(server, ['--nic', nicId('big'), '--netns', namespace], join(dir, 'big.log'));
  await waitUntil('the table in the kernel', () => ownRouteCount(namespace) >= routeCount, 300_000, 50);
  const programmedMs = performance.now() - started;
  await sleep(500);
  const rss = rssKb(agent.pid!);
  const changed = performance.now();
  await server.put('routeTables/big/routes/r0', {
    properties: {
      addressPrefix: '10.100.0.0/24',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.0.2.10',
    },
  });
  await waitUntil(
    'the changed route',
    () => ip('-n', namespace, 'route', 'show', '10.100.0.0/24').includes('10.0.2.10'),
    60_000,
    5,
  );
  const changeMs = performance.now() - changed;
  await stopAgent(agent);
  console.log(
    `${routeCount}-route table into one namespace: ${(programmedMs / 1000).toFixed(2)} s from the agent's start ` +
      `(process start included) to the last route; agent RSS ${(rss / 1024).toFixed(0)} MB; ` +
      `one changed route in the kernel ${changeMs.toFixed(0)} ms after the PUT began (load average ${loadAverage()})`,
  );
}

/** Namespace → time (ms since the epoch) of its first `routes set` log line at or after `since`. */
function programmedAt(logs: readonly string[], since: number): Map<string, number> {
  const seen = new Map<string, number>();
  for (const log of logs) {
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      const match = /^(\S+) agent: (\S+)\/eth0: \d+ routes set/.exec(line);
      if (match === null) continue;
      const at = Date.parse(match[1]!);
      if (at >= since && !seen.has(match[2]!)) seen.set(match[2]!, at);
    }
  }
  return seen;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

let changesMade = 0;

/** Five changes of one prefix; the delay from each write to each namespace's kernel. */
async function measureChanges(server: Server, namespaces: readonly string[], logs: readonly string[]) {
  const delays: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let change = 0; change < 5; change++) {
    const since = Date.now();
    const properties =
      changesMade++ % 2 === 0
        ? { addressPrefix: '10.200.0.0/16', nextHopType: 'None' }
        : { addressPrefix: '10.200.0.0/16', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.4.250' };
    await server.put('routeTables/fan/routes/change', { properties });
    let seen = new Map<string, number>();
    await waitUntil(
      'every namespace programmed',
      () => {
        seen = programmedAt(logs, since);
        return namespaces.every((namespace) => seen.has(namespace));
      },
      120_000,
      100,
    );
    for (const namespace of namespaces) delays.push(seen.get(namespace)! - since);
    await sleep(300);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = delays.sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1)!,
    serverCpuMsPerWatcherChange: (cpu.user + cpu.system) / 1000 / 5 / namespaces.length,
  };
}

async function fanOutShape(
  server: Server,
  dir: string,
  shape: 'one agent' | 'agent per namespace',
  namespaces: readonly string[],
): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const agents: ChildProcess[] = [];
  const logs: string[] = [];
  const targets = namespaces.map((namespace, i) => ({ nic: nicId(`fan${i}`), netns: namespace }));
  const started = performance.now();
  if (shape === 'one agent') {
    const config = join(dir, 'fan.yaml');
    writeFileSync(config, targets.map((t) => `- nic: ${t.nic}\n  netns: ${t.netns}\n`).join(''));
    logs.push(join(dir, 'fan-one.log'));
    agents.push(spawnAgent(server, ['--config', config], logs[0]!));
  } else {
    for (const [i, target] of targets.entries()) {
      logs.push(join(dir, `fan-${i}.log`));
      agents.push(spawnAgent(server, ['--nic', target.nic, '--netns', target.netns], logs[i]!));
    }
  }
  await waitUntil(
    'every agent programming',
    () =>
      logs.reduce(
        (count, log) => count + (readFileSync(log, 'utf8').match(/programming/g)?.length ?? 0),
        0,
      ) === agents.length,
    600_000,
    200,
  );
  const startMs = performance.now() - started;
  await sleep(1000);
  const perWatcherKb = (process.memoryUsage().rss - rssBefore) / 1024 / namespaces.length;
  const agentsRssMb = agents.reduce((sum, agent) => sum + rssKb(agent.pid!), 0) / 1024;
  const figures = await measureChanges(server, namespaces, logs);
  await Promise.all(agents.map(stopAgent));
  console.log(
    `${shape}, ${namespaces.length} namespaces: a prefix change in every kernel p50 ${figures.p50} ms, ` +
      `p99 ${figures.p99} ms, max ${figures.max} ms (5 changes); all programming ${(startMs / 1000).toFixed(1)} s ` +
      `after start; agents' RSS ${agentsRssMb.toFixed(0)} MB; server +${perWatcherKb.toFixed(0)} kB RSS and ` +
      `${figures.serverCpuMsPerWatcherChange.toFixed(2)} ms CPU per watcher and change (load average ${loadAverage()})`,
  );
}

async function main(): Promise<void> {
  const routeCount = option('routes', 4000);
  const fanOut = option('namespaces', 200);
  const perNamespace = option('per-namespace', 40);
  const dir = mkdtempSync(join(tmpdir(), 'rs-bench-agent-'));
  const created: string[] = [];
  const server = await startServer(dir);
  try {
    await network(server, routeCount);
    created.push(`${PREFIX}-big`);
    await bigTable(server, dir, routeCount);
    const namespaces = Array.from({ length: fanOut }, (_, i) => `${PREFIX}-f${i}`);
    for (const [i, namespace] of namespaces.entries()) {
      const address = `10.0.${4 + (i >> 8)}.${(i & 255) + 4}`;
      created.push(namespace);
      addNamespace(namespace, address);
      await nic(server, `fan${i}`, 'fan', address);
    }
    await fanOutShape(server, dir, 'one agent', namespaces);
    await fanOutShape(server, dir, 'agent per namespace', namespaces.slice(0, perNamespace));
  } finally {
    for (const namespace of created) {
      try {
        ip('netns', 'del', namespace);
      } catch {
        // already gone
      }
    }
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
