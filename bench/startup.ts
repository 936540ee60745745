/**
 * How long `routeserver serve` takes to answer on the API and to listen for
 * BGP with a large store: 10,000 route tables (20,000 routes), 1,500 VNets
 * with 15,000 subnets (every third with a route table), and a route server
 * with two BGP connections in a hub VNet.
 *
 *   npm run build && npx tsx bench/startup.ts [--tables 10000] [--vnets 1500] [--subnets-per-vnet 10]
 *
 * The daemon is the compiled one (bin/routeserver.js runs dist/), as installed.
 * Needs root: the daemon runs in a network namespace of its own
 * (`rsbench-startup-<pid>`, removed at the end) whose loopback carries the
 * route server's instance addresses, 172.16.0.4 and .5. The store is filled
 * directly (bench/lib/fill-store.ts); then the daemon starts and a poller in
 * the same namespace measures, from the spawn, when the API first answers
 * (any HTTP status) and when both instances accept TCP on port 179. The
 * API answers only once the whole model is loaded while BGP starts as soon as
 * the route servers, VNets and peerings are: the run fails (exit 1) when BGP
 * did not listen first.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '../src/store/index.js';
import { fillRouteServer, fillRouteTables, fillVirtualNetworks } from './lib/fill-store.js';

const API_PORT = 8443;
const INSTANCES = ['172.16.0.4', '172.16.0.5'];
const TIMEOUT_MS = 600_000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

function apiAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port: API_PORT, path: '/', rejectUnauthorized: false, timeout: 1000 },
      (res) => {
        res.resume();
        resolve(true);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function bgpListens(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port: 179, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Runs inside the namespace: starts the daemon, polls, prints one JSON line. */
async function measureInside(dataDir: string): Promise<void> {
  const started = performance.now();
  const daemon = spawn(
    process.execPath,
    ['bin/routeserver.js', 'serve', '--data-dir', dataDir, '--api-listen', `127.0.0.1:${API_PORT}`],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  let apiMs: number | undefined;
  let bgpMs: number | undefined;
  try {
    while ((apiMs === undefined || bgpMs === undefined) && performance.now() - started < TIMEOUT_MS) {
      if (apiMs === undefined && (await apiAnswers())) apiMs = performance.now() - started;
      if (bgpMs === undefined && (await Promise.all(INSTANCES.map(bgpListens))).every(Boolean))
        bgpMs = performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((resolve) => daemon.once('exit', resolve));
  }
  console.log(JSON.stringify({ apiMs, bgpMs }));
}

async function main(): Promise<void> {
  if (process.argv[2] === '--inside') return measureInside(process.argv[3]!);
  const tables = option('--tables', 10_000);
  const vnets = option('--vnets', 1500);
  const subnetsPerVnet = option('--subnets-per-vnet', 10);
  const dir = mkdtempSync(join(tmpdir(), 'rs-bench-startup-'));
  const namespace = `rsbench-startup-${process.pid}`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'inherit' });
  try {
    const filling = performance.now();
    const store = openSqliteStore({ path: join(dir, 'routeserver.db') });
    await fillRouteTables(store, tables, 2);
    await fillVirtualNetworks(store, vnets, subnetsPerVnet, tables);
    await fillRouteServer(store, 2);
    await store.close();
    const fillSeconds = (performance.now() - filling) / 1000;
    ip('netns', 'add', namespace);
    ip('-n', namespace, 'link', 'set', 'lo', 'up');
    for (const address of INSTANCES) ip('-n', namespace, 'address', 'add', `${address}/32`, 'dev', 'lo');
    const out = execFileSync(
      'ip',
      ['netns', 'exec', namespace, process.execPath, '--import', 'tsx', 'bench/startup.ts', '--inside', dir],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: TIMEOUT_MS + 30_000 },
    );
    const { apiMs, bgpMs } = JSON.parse(out.trim().split('\n').pop()!) as { apiMs?: number; bgpMs?: number };
    const seconds = (ms: number | undefined) =>
      ms === undefined ? `> ${TIMEOUT_MS / 1000}` : (ms / 1000).toFixed(2);
    console.log(
      `store: ${tables} route tables, ${tables * 2} routes, ${vnets} VNets, ${vnets * subnetsPerVnet} subnets ` +
        `(filled in ${fillSeconds.toFixed(1)} s)`,
    );
    console.log(`API answering after ${seconds(apiMs)} s; BGP listening after ${seconds(bgpMs)} s`);
    // The API answers once the whole model is loaded; BGP needs only the
    // route servers, VNets and peerings (src/routeserver/service.ts), so it
    // must listen first. Only the order is checked, never a time.
    if (apiMs !== undefined && (bgpMs === undefined || bgpMs >= apiMs)) {
      console.error('BGP listened only after the whole model was loaded (the API answered first)');
      process.exitCode = 1;
    }
  } finally {
    try {
      ip('netns', 'delete', namespace);
    } catch {
      // not created
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
