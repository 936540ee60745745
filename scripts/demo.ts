/**
 * `routeserver demo`: Azure Route Server's overview diagram, live, in network
 * namespaces (needs root). Run through `routeserver demo` (which runs this
 * file compiled, dist/demo/scripts/demo.js), or directly:
 * `npx tsx scripts/demo.ts [--once]`.
 *
 *   VNet 10.1.0.0/16 (examples/seed-scenario.yaml)
 *     RouteServerSubnet  route server rs1: IN_0 10.1.0.4, IN_1 10.1.0.5 (ASN 65515)
 *     nva subnet         SD-WAN NVA (FRR, ASN 65001) 10.1.1.4 announces 10.250.0.0/16
 *                        firewall NVA (BIRD, ASN 65002) 10.1.1.5 announces 0.0.0.0/0
 *     workload subnet    vm1-nic 10.1.2.4, vm2-nic 10.1.2.5
 *
 * The server (`routeserver serve --config examples/seed-scenario.yaml`) runs
 * in the namespace that holds both instance addresses; every query is the
 * CLI, run in that namespace against the server's API. The demo prints the
 * NVAs' sessions, the routes the route server learned, the routes each NVA
 * receives and a VM's effective route table, then stays up until Ctrl-C
 * (or exits at once with --once) and tears everything down.
 *
 * It lives outside src/ because it drives the interop lab (test/lab), which
 * src/ must not import (docs/architecture.md); scripts/build.sh compiles it
 * with the lab to dist/demo/, and src/cli/commands/demo.ts starts it.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BirdDaemon,
  FrrDaemon,
  Lab,
  type BgpDaemon,
  type LabNode,
  type LabProcess,
} from '../test/lab/index.js';

/** The package root: the nearest directory above this file (scripts/, or dist/demo/scripts/) with bin/routeserver.js. */
function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, 'bin', 'routeserver.js'))) return dir;
  throw new Error(`no bin/routeserver.js above ${fileURLToPath(import.meta.url)}`);
}

const ROOT = packageRoot();
const BIN = join(ROOT, 'bin', 'routeserver.js');
const SEED = join(ROOT, 'examples', 'seed-scenario.yaml');
const INSTANCES = ['10.1.0.4', '10.1.0.5'];
const API = '127.0.0.1:8443';
const once = process.argv.includes('--once');

const heading = (text: string) => console.log(`\n== ${text}`);

async function cli(lab: Lab, node: LabNode, dataDir: string, args: readonly string[]): Promise<string> {
  const shown = `routeserver ${args.join(' ')}`;
  const result = await lab.exec(node, process.execPath, [BIN, ...args, '--data-dir', dataDir], {
    timeoutMs: 60_000,
  });
  if (result.code !== 0) throw new Error(`${shown} failed (${result.code}):\n${result.stderr}`);
  console.log(`$ ${shown}\n${result.stdout.trimEnd()}`);
  return result.stdout;
}

async function waitForApi(lab: Lab, node: LabNode, dataDir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const result = await lab.exec(node, process.execPath, [BIN, 'list', '--data-dir', dataDir]);
    if (result.code === 0) return;
    if (Date.now() > deadline) throw new Error(`the API did not come up:\n${result.stderr}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function nva(
  kind: 'frr' | 'bird',
  lab: Lab,
  node: LabNode,
  asn: number,
  address: string,
  prefix: string,
): BgpDaemon {
  const options = {
    asn,
    localAddress: address,
    peers: INSTANCES.map((instance) => ({ address: instance, asn: 65515, multihopTtl: 2 })),
    holdTimeSeconds: 9,
    announce: [prefix],
  };
  return kind === 'frr' ? new FrrDaemon(lab, node, options) : new BirdDaemon(lab, node, options);
}

/** The Azure-named series of /metrics, read in the server's namespace with the token and certificate. */
async function printMetrics(lab: Lab, node: LabNode, dataDir: string): Promise<void> {
  const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
  const result = await lab.exec(node, 'curl', [
    '-sS', '--cacert', join(dataDir, 'tls', 'cert.pem'), '-H', `Authorization: Bearer ${token}`, `https://${API}/metrics`,
  ]); // prettier-ignore
  if (result.code !== 0) throw new Error(`GET /metrics failed: ${result.stderr}`);
  const azure = /^(BgpPeerStatus|CountOfRoutes\w+)\{/;
  for (const line of result.stdout
    .split('\n')
    .filter((l) => azure.test(l))
    .sort())
    console.log(`  ${line.replace(/routeserver="[^"]*",/, '')}`);
}

async function printNvaView(name: string, daemon: BgpDaemon): Promise<void> {
  heading(`${name}: BGP sessions`);
  for (const session of await daemon.sessions()) console.log(`  ${session.peer.padEnd(10)} ${session.state}`);
  heading(`${name}: routes received from the route server`);
  const routes = (await daemon.routes()).sort(
    (a, b) => a.prefix.localeCompare(b.prefix) || a.peer.localeCompare(b.peer),
  );
  for (const route of routes)
    console.log(
      `  ${route.prefix.padEnd(16)} from ${route.peer.padEnd(10)} next hop ${route.nextHop.padEnd(10)} AS path ${route.asPath.join(' ')}`,
    );
}

/** SIGTERM to the server, then what its log says about the sessions it closed. */
async function stopServer(server: LabProcess, logFile: string): Promise<void> {
  heading('stopping the server (SIGTERM): a Cease to every peer from both instances');
  await server.stop();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { msg?: string; peer?: string; instanceAddress?: string };
    if (record.msg?.startsWith('NOTIFICATION sent') || record.msg === 'stopped')
      console.log(`  ${record.msg}${record.peer ? `  ${record.instanceAddress} -> ${record.peer}` : ''}`);
  }
}

async function build(lab: Lab): Promise<() => Promise<void>> {
  const rsNode = await lab.addNode(
    'rs',
    INSTANCES.map((a) => `${a}/16`),
  );
  const sdwanNode = await lab.addNode('sdwan', ['10.1.1.4/16']);
  const fwNode = await lab.addNode('fw', ['10.1.1.5/16']);
  const dataDir = join(lab.dir, 'routeserver-data');
  mkdirSync(dataDir, { recursive: true });
  heading('starting routeserver serve --config examples/seed-scenario.yaml');
  const logFile = join(lab.dir, 'routeserver.log');
  const server = lab.spawn(
    rsNode,
    process.execPath,
    [BIN, 'serve', '--config', SEED, '--data-dir', dataDir, '--api-listen', API, '--log-format', 'json'],
    { logFile },
  );
  await waitForApi(lab, rsNode, dataDir);
  console.log(`  log: ${logFile}`);

  const sdwan = nva('frr', lab, sdwanNode, 65001, '10.1.1.4', '10.250.0.0/16');
  const firewall = nva('bird', lab, fwNode, 65002, '10.1.1.5', '0.0.0.0/0');
  await Promise.all([sdwan.start(), firewall.start()]);
  for (const daemon of [sdwan, firewall])
    for (const instance of INSTANCES) await daemon.waitEstablished(instance, 90_000);
  for (const daemon of [sdwan, firewall])
    for (const instance of INSTANCES)
      await daemon.waitRoute('10.1.0.0/16', { peer: instance, timeoutMs: 60_000 });
  await sdwan.waitRoute('0.0.0.0/0', { timeoutMs: 60_000 });
  await firewall.waitRoute('10.250.0.0/16', { timeoutMs: 60_000 });

  await printNvaView('SD-WAN NVA (FRR, AS 65001)', sdwan);
  await printNvaView('firewall NVA (BIRD, AS 65002)', firewall);
  heading('route server: peerings');
  await cli(lab, rsNode, dataDir, ['peering', 'list', '-g', 'demo', '--routeserver', 'rs1', '-o', 'table']);
  heading('route server: routes learned');
  for (const peering of ['sdwan', 'firewall'])
    await cli(lab, rsNode, dataDir, [
      'peering',
      'list-learned-routes',
      '-g',
      'demo',
      '--routeserver',
      'rs1',
      '-n',
      peering,
      '-o',
      'table',
    ]);
  heading('metrics (GET /metrics, routeserver label left out)');
  await printMetrics(lab, rsNode, dataDir);
  heading("a VM's effective route table");
  await cli(lab, rsNode, dataDir, [
    'nic',
    'show-effective-route-table',
    '-g',
    'demo',
    '-n',
    'vm1-nic',
    '-o',
    'table',
  ]);
  await cli(lab, rsNode, dataDir, [
    'nic',
    'next-hop',
    '-g',
    'demo',
    '-n',
    'vm1-nic',
    '--dest',
    '10.250.1.1',
    '-o',
    'table',
  ]);
  return () => stopServer(server, logFile);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error('routeserver demo needs root (it creates network namespaces): sudo routeserver demo');
    process.exit(1);
  }
  const lab = await Lab.create({ name: 'demo' });
  try {
    const stop = await build(lab);
    if (once) return await stop();
    heading('the scenario is up; Ctrl-C tears it down');
    await new Promise<void>(() => {}); // the lab's SIGINT/SIGTERM handler destroys it and exits
  } finally {
    await lab.destroy();
    console.log('\n== torn down: namespaces, daemons and the server are gone');
  }
}

await main();
