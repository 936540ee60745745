/**
 * What the data-plane agent costs (docs/agent.md):
 *
 * 1. one agent programs a 4,000-route table (Azure's per-peer limit) into one
 *    namespace: time from its start to the last route in the kernel, its RSS,
 *    and one changed route reaching the kernel;
 * 2. fan-out: one prefix change reaching N namespaces, with one agent for all
 *    (`--config`) and with one agent per namespace: p50/p99/max from the API
 *    write to each kernel (the agents' log times), and the server's cost per
 *    watcher: its heap after a full collection, and the CPU time of this
 *    process from the write to the last kernel, per watcher and change.
 *
 *   npx tsx bench/agent.ts [--routes 4000] [--namespaces 200] [--per-namespace 200] [--changes 5]
 *
 * Needs root and iproute2; run it under the interop lock. The server runs in
 * this process on 127.0.0.1 (port 0), without BGP: the rows are user routes
 * (VirtualAppliance), which the agent programs exactly like BGP rows (`via`).
 * The namespaces get a random `rsb…` prefix; they and the agents (by PID) are
 * removed at the end, when the bench fails and on SIGINT/SIGTERM. Prints
 * figures; no thresholds.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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
setFlagsFromString('--expose-gc');
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
  made.namespaces.add(name);
  tell(`add ns ${name}`);
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

/**
 * What the bench made: namespaces, agent processes (by PID) and its scratch
 * directory. Removed at the end, when the bench fails, and on SIGINT/SIGTERM;
 * and by a janitor process should the bench itself be killed (tsx answers a
 * signal its child does not exit on at once with SIGKILL).
 */
const made = { namespaces: new Set<string>(), agents: new Set<ChildProcess>(), dir: '' };

/**
 * The janitor: a detached process (its own process group, so Ctrl-C does not
 * reach it) told over its stdin what the bench made and what it removed.
 * When that pipe closes (the bench ended, however), it kills the agents still
 * listed, by PID, deletes the namespaces still listed and the directory.
 */
const JANITOR = `
  const { execFileSync } = require('node:child_process');
  const { rmSync } = require('node:fs');
  const listed = { ns: new Set(), pid: new Set(), dir: new Set() };
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => (text += chunk));
  process.stdin.on('end', () => {
    for (const line of text.split('\\n')) {
      const [op, kind, value] = line.split(' ');
      if (value === undefined || !(kind in listed)) continue;
      if (op === 'add') listed[kind].add(value);
      else listed[kind].delete(value);
    }
    for (const pid of listed.pid) try { process.kill(Number(pid), 'SIGKILL'); } catch {}
    for (const ns of listed.ns) try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); } catch {}
    for (const dir of listed.dir) rmSync(dir, { recursive: true, force: true });
  });`;
const janitor = spawn(process.execPath, ['-e', JANITOR], {
  detached: true,
  stdio: ['pipe', 'ignore', 'inherit'],
});
janitor.unref();
(janitor.stdin as unknown as { unref(): void }).unref();
janitor.stdin.on('error', () => undefined);
const tell = (line: string) => {
  if (!janitor.stdin.writableEnded) janitor.stdin.write(`${line}\n`);
};

function removeMade(): void {
  for (const agent of made.agents)
    if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
  made.agents.clear();
  for (const namespace of made.namespaces) {
    try {
      ip('netns', 'del', namespace);
    } catch {
      // already gone
    }
    tell(`del ns ${namespace}`);
  }
  made.namespaces.clear();
  if (made.dir !== '') rmSync(made.dir, { recursive: true, force: true });
}

// `on`, not `once`: a second signal (npx and tsx relay them too) must not end the clean-up half-way
let cleaningUp = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (cleaningUp) return;
    cleaningUp = true;
    console.error(`${signal}: removing the bench's agents and namespaces`);
    removeMade();
    process.exit(130);
  });
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
  made.agents.add(child);
  tell(`add pid ${child.pid}`);
  child.once('exit', () => tell(`del pid ${child.pid}`));
  return child;
}

async function stopAgent(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  made.agents.delete(child);
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

/** Azure's ceiling of routes in one route table (src/routeserver/count-limits.ts). */
const ROUTES_PER_TABLE = 400;

/**
 * The rows of the big table: up to 400 user routes (VirtualAppliance, `via`),
 * the rest from the VNet's address space (VnetLocal, on-link): one more prefix
 * each, 172.16.0.0/24 upwards. Both are rows the agent programs into the kernel.
 */
function spacePrefixes(routeCount: number): string[] {
  const count = Math.max(0, routeCount - ROUTES_PER_TABLE);
  return Array.from({ length: count }, (_, i) => `172.${16 + (i >> 8)}.${i & 255}.0/24`);
}

async function network(server: Server, routeCount: number): Promise<void> {
  await server.put('routeTables/big', {
    location: 'local',
    properties: { routes: routes(Math.min(routeCount, ROUTES_PER_TABLE), '10.0.2.9') },
  });
  await server.put('routeTables/fan', { location: 'local', properties: { routes: [] } });
  const subnet = (name: string, prefix: string, table: string) => ({
    name,
    properties: { addressPrefix: prefix, routeTable: { id: `${NET}/routeTables/${table}` } },
  });
  await server.put('virtualNetworks/vnet', {
    location: 'local',
    properties: {
      addressSpace: { addressPrefixes: ['10.0.0.0/16', ...spacePrefixes(routeCount)] },
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
  await waitUntil(
    'the table in the kernel',
    () => {
      if (agent.exitCode !== null)
        throw new Error(`the agent exited:\n${readFileSync(join(dir, 'big.log'), 'utf8')}`);
      return ownRouteCount(namespace) >= routeCount;
    },
    300_000,
    50,
  );
  const programmedMs = performance.now() - started;
  await sleep(500);
  const rss = rssKb(agent.pid!);
  // the change's time in the kernel is the agent's log line after its batch (as in the fan-out),
  // so that polling `ip` here does not compete with the agent for the two cores
  const log = new ProgrammedLog([join(dir, 'big.log')]);
  const changedAt = Date.now();
  const changed = performance.now();
  await server.put('routeTables/big/routes/r0', {
    properties: {
      addressPrefix: '10.100.0.0/24',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.0.2.10',
    },
  });
  const putMs = performance.now() - changed;
  await waitUntil('the changed route', () => log.since(changedAt).has(namespace), 60_000, 20);
  const changeMs = log.since(changedAt).get(namespace)! - changedAt;
  if (!ip('-n', namespace, 'route', 'show', '10.100.0.0/24').includes('10.0.2.10'))
    throw new Error('the agent logged a batch, but the changed route is not in the kernel');
  await stopAgent(agent);
  console.log(
    `${routeCount}-route table (${Math.min(routeCount, ROUTES_PER_TABLE)} user routes, the rest address space) ` +
      `into one namespace: ${(programmedMs / 1000).toFixed(2)} s from the agent's start ` +
      `(process start included) to the last route; agent RSS ${(rss / 1024).toFixed(0)} MB; ` +
      `one changed route in the kernel ${changeMs.toFixed(0)} ms after the PUT began ` +
      `(the PUT itself ${putMs.toFixed(0)} ms; load average ${loadAverage()})`,
  );
}

/**
 * Follows the agents' logs: the time (ms since the epoch, the agent's clock)
 * of each namespace's `routes set` lines. Reads only what was appended since
 * the last look, so that following 200 logs costs the server's process little.
 */
class ProgrammedLog {
  private readonly offsets = new Map<string, number>();
  private readonly programmed = new Map<string, number[]>();
  private readonly starts = new Map<string, number>();

  constructor(private readonly logs: readonly string[]) {}

  private read(): void {
    for (const log of this.logs) {
      const offset = this.offsets.get(log) ?? 0;
      if (!existsSync(log)) continue;
      const fd = openSync(log, 'r');
      const size = fstatSync(fd).size;
      if (size <= offset) {
        closeSync(fd);
        continue;
      }
      const buffer = Buffer.alloc(size - offset);
      readSync(fd, buffer, 0, buffer.length, offset);
      closeSync(fd);
      const text = buffer.toString('utf8');
      const complete = text.lastIndexOf('\n') + 1;
      this.offsets.set(log, offset + Buffer.byteLength(text.slice(0, complete)));
      for (const line of text.slice(0, complete).split('\n')) {
        const set = /^(\S+) agent: (\S+)\/eth0: \d+ routes set/.exec(line);
        if (set !== null) {
          const times = this.programmed.get(set[2]!) ?? [];
          times.push(Date.parse(set[1]!));
          this.programmed.set(set[2]!, times);
        } else if (/^\S+ agent: programming \d+ target/.test(line)) {
          this.starts.set(log, Date.parse(line.split(' ')[0]!));
        }
      }
    }
  }

  /** How many agents log that they are programming. */
  agentsProgramming(): number {
    this.read();
    return this.starts.size;
  }

  /** Namespace → the first time at or after `since` it was programmed. */
  since(since: number): Map<string, number> {
    this.read();
    const seen = new Map<string, number>();
    for (const [namespace, times] of this.programmed) {
      const at = times.find((time) => time >= since);
      if (at !== undefined) seen.set(namespace, at);
    }
    return seen;
  }
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** The server's heap after a full collection (the bench's own objects are the same before and after). */
const gc = runInNewContext('gc') as () => void;
function heapAfterGc(): number {
  gc();
  gc();
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.external + memory.arrayBuffers;
}

let changesMade = 0;

/** Agents of the agent-per-namespace shape starting at once. */
const STARTING = 10;

/**
 * `changes` changes of one prefix, one at a time; the delay from each write
 * to each namespace's kernel, and the CPU time this process (the server,
 * and the bench reading logs) spent from each write to the last kernel.
 */
async function measureChanges(
  server: Server,
  namespaces: readonly string[],
  log: ProgrammedLog,
  changes: number,
) {
  const delays: number[] = [];
  let cpuMs = 0;
  for (let change = 0; change < changes; change++) {
    const since = Date.now();
    const cpuBefore = process.cpuUsage();
    const properties =
      changesMade++ % 2 === 0
        ? { addressPrefix: '10.200.0.0/16', nextHopType: 'None' }
        : { addressPrefix: '10.200.0.0/16', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.4.250' };
    await server.put('routeTables/fan/routes/change', { properties });
    let seen = new Map<string, number>();
    await waitUntil(
      'every namespace programmed',
      () => {
        seen = log.since(since);
        return namespaces.every((namespace) => seen.has(namespace));
      },
      120_000,
      50,
    );
    const cpu = process.cpuUsage(cpuBefore);
    cpuMs += (cpu.user + cpu.system) / 1000;
    for (const namespace of namespaces) delays.push(seen.get(namespace)! - since);
    await sleep(500);
  }
  const sorted = delays.sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1)!,
    serverCpuMsPerWatcherChange: cpuMs / changes / namespaces.length,
  };
}

async function fanOutShape(
  server: Server,
  dir: string,
  shape: 'one agent' | 'agent per namespace',
  namespaces: readonly string[],
  changes: number,
): Promise<void> {
  const heapBefore = heapAfterGc();
  const agents: ChildProcess[] = [];
  const logs =
    shape === 'one agent' ? [join(dir, 'fan-one.log')] : namespaces.map((_, i) => join(dir, `fan-${i}.log`));
  const log = new ProgrammedLog(logs);
  const checkAgents = () => {
    const exited = agents.findIndex((agent) => agent.exitCode !== null || agent.signalCode !== null);
    if (exited >= 0) {
      const tail = readFileSync(logs[exited]!, 'utf8').slice(-2000);
      throw new Error(`an agent exited before programming:\n${tail}`);
    }
  };
  const targets = namespaces.map((namespace, i) => ({ nic: nicId(`fan${i}`), netns: namespace }));
  const started = performance.now();
  if (shape === 'one agent') {
    const config = join(dir, 'fan.yaml');
    writeFileSync(config, targets.map((t) => `- nic: ${t.nic}\n  netns: ${t.netns}\n`).join(''));
    agents.push(spawnAgent(server, ['--config', config], logs[0]!));
  } else {
    // as on a host whose VMs start over time: at most STARTING agents starting at once (200 Node
    // processes started together on two cores miss the API's handshake and request deadlines)
    for (const [i, target] of targets.entries()) {
      await waitUntil(
        'agents starting',
        () => {
          checkAgents();
          return agents.length - log.agentsProgramming() < STARTING;
        },
        600_000,
        50,
      );
      agents.push(spawnAgent(server, ['--nic', target.nic, '--netns', target.netns], logs[i]!));
    }
  }
  await waitUntil(
    'every agent programming',
    () => {
      checkAgents();
      return log.agentsProgramming() === agents.length;
    },
    600_000,
    200,
  );
  const startMs = performance.now() - started;
  await sleep(1000);
  const perWatcherKb = (heapAfterGc() - heapBefore) / 1024 / namespaces.length;
  const agentsRssMb = agents.reduce((sum, agent) => sum + rssKb(agent.pid!), 0) / 1024;
  const figures = await measureChanges(server, namespaces, log, changes);
  await Promise.all(agents.map(stopAgent));
  console.log(
    `${shape}, ${namespaces.length} namespaces: a prefix change in every kernel p50 ${figures.p50} ms, ` +
      `p99 ${figures.p99} ms, max ${figures.max} ms (${changes} changes); all programming ` +
      `${(startMs / 1000).toFixed(1)} s after start; agents' RSS ${agentsRssMb.toFixed(0)} MB; server ` +
      `${perWatcherKb.toFixed(1)} kB heap and ${figures.serverCpuMsPerWatcherChange.toFixed(2)} ms CPU ` +
      `per watcher and change (load average ${loadAverage()})`,
  );
}

async function main(): Promise<void> {
  const routeCount = option('routes', 4000);
  const fanOut = option('namespaces', 200);
  const perNamespace = option('per-namespace', 200);
  const changes = option('changes', 5);
  made.dir = mkdtempSync(join(tmpdir(), 'rs-bench-agent-'));
  tell(`add dir ${made.dir}`);
  const server = await startServer(made.dir);
  try {
    await network(server, routeCount);
    if (routeCount > 0) await bigTable(server, made.dir, routeCount);
    const namespaces = Array.from({ length: Math.max(fanOut, perNamespace) }, (_, i) => `${PREFIX}-f${i}`);
    for (const [i, namespace] of namespaces.entries()) {
      const address = `10.0.${4 + (i >> 8)}.${(i & 255) + 4}`;
      addNamespace(namespace, address);
      await nic(server, `fan${i}`, 'fan', address);
    }
    if (fanOut > 0) await fanOutShape(server, made.dir, 'one agent', namespaces.slice(0, fanOut), changes);
    if (perNamespace > 0)
      await fanOutShape(server, made.dir, 'agent per namespace', namespaces.slice(0, perNamespace), changes);
  } finally {
    removeMade();
    await server.stop();
    janitor.stdin.end();
  }
}

await main();
