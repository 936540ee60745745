/**
 * What both scenarios of `routeserver demo` (scripts/demo.ts) share: where
 * the package is, the server started with a configuration file in the
 * namespace that holds its addresses, the CLI run in that namespace, the
 * daemons' views printed one route a line, and the server's stop.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BgpDaemon, Lab, LabNode, LabProcess, LearnedRoute } from '../test/lab/index.js';

/** The package root: the nearest directory above this file (scripts/, or dist/demo/scripts/) with bin/routeserver.js. */
function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, 'bin', 'routeserver.js'))) return dir;
  throw new Error(`no bin/routeserver.js above ${fileURLToPath(import.meta.url)}`);
}

export const ROOT = packageRoot();
const BIN = join(ROOT, 'bin', 'routeserver.js');
export const API = '127.0.0.1:8443';
export const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

export const heading = (text: string) => console.log(`\n== ${text}`);

/** The server of a scenario: its namespace, data directory and log. */
export interface DemoServer {
  readonly node: LabNode;
  readonly dataDir: string;
  readonly logFile: string;
  readonly process: LabProcess;
}

/** Runs `routeserver ARGS` in the server's namespace; what it printed. */
export async function cliOutput(lab: Lab, server: DemoServer, args: readonly string[]): Promise<string> {
  const result = await lab.exec(server.node, process.execPath, [BIN, ...args, '--data-dir', server.dataDir], {
    timeoutMs: 60_000,
  });
  if (result.code !== 0)
    throw new Error(`routeserver ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
  return result.stdout;
}

/** Runs `routeserver ARGS` in the server's namespace, prints the command and what it printed. */
export async function cli(lab: Lab, server: DemoServer, args: readonly string[]): Promise<string> {
  const stdout = await cliOutput(lab, server, args);
  console.log(`$ routeserver ${args.join(' ')}\n${stdout.trimEnd()}`);
  return stdout;
}

/** Starts `routeserver serve --config FILE` in `node`; resolves once its API answers. */
export async function startServer(lab: Lab, node: LabNode, configFile: string): Promise<DemoServer> {
  const dataDir = join(lab.dir, 'routeserver-data');
  mkdirSync(dataDir, { recursive: true });
  heading(`starting routeserver serve --config examples/${configFile}`);
  const logFile = join(lab.dir, 'routeserver.log');
  const config = join(ROOT, 'examples', configFile);
  const serve = lab.spawn(
    node,
    process.execPath,
    [BIN, 'serve', '--config', config, '--data-dir', dataDir, '--api-listen', API, '--log-format', 'json'],
    { logFile },
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    const result = await lab.exec(node, process.execPath, [BIN, 'list', '--data-dir', dataDir]);
    if (result.code === 0) break;
    if (!serve.running) throw new Error(`routeserver serve exited:\n${serve.logTail()}`);
    if (Date.now() > deadline) throw new Error(`the API did not come up:\n${result.stderr}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`  log: ${logFile}`);
  return { node, dataDir, logFile, process: serve };
}

/** A daemon's learned routes, sorted by prefix and peer. */
export async function sortedRoutes(daemon: BgpDaemon): Promise<LearnedRoute[]> {
  return (await daemon.routes()).sort(
    (a, b) => a.prefix.localeCompare(b.prefix) || a.peer.localeCompare(b.peer),
  );
}

/** One learned route as the demo prints it (test/interop/demo.test.ts reads these lines). */
export function routeLine(route: LearnedRoute): string {
  const communities = route.communities?.length ? `   communities ${route.communities.join(' ')}` : '';
  return (
    `  ${route.prefix.padEnd(16)} from ${route.peer.padEnd(13)} next hop ${route.nextHop.padEnd(13)} ` +
    `AS path ${route.asPath.join(' ')}${communities}`
  );
}

export async function printSessions(daemon: BgpDaemon): Promise<void> {
  for (const session of await daemon.sessions()) console.log(`  ${session.peer.padEnd(13)} ${session.state}`);
}

/** SIGTERM to the server, then what its log says about the sessions it closed. */
export async function stopServer(server: DemoServer): Promise<void> {
  heading('stopping the server (SIGTERM): a Cease to every peer from both instances');
  await server.process.stop();
  for (const line of readFileSync(server.logFile, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { msg?: string; peer?: string; instanceAddress?: string };
    if (record.msg?.startsWith('NOTIFICATION sent') || record.msg === 'stopped')
      console.log(`  ${record.msg}${record.peer ? `  ${record.instanceAddress} -> ${record.peer}` : ''}`);
  }
}

/**
 * With --step: says what comes next and waits for a line on stdin (Enter in
 * a terminal; a test reads the daemons meanwhile). Without it: nothing.
 */
export function stepper(enabled: boolean): (next: string) => Promise<void> {
  if (!enabled) return () => Promise.resolve();
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  return async (next) => {
    console.log(`\n>> press Enter to ${next}`);
    const line = await lines.next();
    if (line.done === true) throw new Error('stdin closed while waiting for Enter');
  };
}
