/**
 * `routeserver demo`: Azure Route Server's overview diagram, live, in network
 * namespaces (needs root). Run through `routeserver demo` (which runs this
 * file compiled, dist/demo/scripts/demo.js), or directly:
 * `npx tsx scripts/demo.ts [--once] [--with-gateways [--step]]`. With
 * --with-gateways it runs the gateways scenario instead (scripts/demo-gateways.ts).
 *
 *   VNet 10.1.0.0/16 (examples/seed-scenario.yaml)
 *     RouteServerSubnet  route server rs1: IN_0 10.1.0.4, IN_1 10.1.0.5 (ASN 65515)
 *     nva subnet         SD-WAN NVA (FRR, ASN 65001) 10.1.1.4 announces 10.250.0.0/16
 *                        firewall NVA (BIRD, ASN 65002) 10.1.1.5 announces 0.0.0.0/0
 *     workload subnet    vm1-nic 10.1.2.4, vm2-nic 10.1.2.5
 *
 *     vm1                VM namespace 10.1.2.4, its routes programmed by `routeserver agent`
 *   on-prem   behind the SD-WAN NVA (eth1), owns 10.250.0.0/16
 *   internet  behind the firewall NVA (eth1), owns 198.51.100.0/24
 *
 * The server (`routeserver serve --config examples/seed-scenario.yaml`) runs
 * in the namespace that holds both instance addresses; every query is the
 * CLI, run in that namespace against the server's API. The demo prints the
 * NVAs' sessions, the routes the route server learned, the routes each NVA
 * receives and a VM's effective route table; then `routeserver agent`
 * programs vm1's kernel and packets from vm1 follow the routes: to on-prem
 * through the SD-WAN NVA, to the internet through the firewall (the NVAs'
 * forwarding counters, and ping and traceroute when they are installed).
 * It stays up until Ctrl-C (or exits at once with --once) and tears
 * everything down.
 *
 * It lives outside src/ because it drives the interop lab (test/lab), which
 * src/ must not import (docs/architecture.md); scripts/build.sh compiles it
 * with the lab to dist/demo/, and src/cli/commands/demo.ts starts it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BirdDaemon, FrrDaemon, Lab, type BgpDaemon, type LabNode } from '../test/lab/index.js';
import { runChecked } from '../test/lab/process.js';
import { gatewaysScenario } from './demo-gateways.js';
import {
  API,
  cli,
  heading,
  printSessions,
  ROOT,
  routeLine,
  sortedRoutes,
  startServer,
  stepper,
  stopServer,
  SUBSCRIPTION,
  type DemoServer,
} from './demo-support.js';

const INSTANCES = ['10.1.0.4', '10.1.0.5'];
const once = process.argv.includes('--once');
const withGateways = process.argv.includes('--with-gateways');
const ONPREM = { prefix: '10.250.0.0/16', host: '10.250.1.1' };
const INTERNET = { prefix: '198.51.100.0/24', host: '198.51.100.7' };

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

/**
 * The Azure-named series of /metrics and the prefixes each NVA announced,
 * read in the server's namespace with the token and certificate.
 */
async function printMetrics(lab: Lab, server: DemoServer): Promise<void> {
  const token = readFileSync(join(server.dataDir, 'api-token'), 'utf8').trim();
  const result = await lab.exec(server.node, 'curl', [
    '-sS', '--cacert', join(server.dataDir, 'tls', 'cert.pem'), '-H', `Authorization: Bearer ${token}`, `https://${API}/metrics`,
  ]); // prettier-ignore
  if (result.code !== 0) throw new Error(`GET /metrics failed: ${result.stderr}`);
  const azure = /^(BgpPeerStatus|CountOfRoutes\w+|routeserver_bgp_prefixes_announced_total)\{/;
  for (const line of result.stdout
    .split('\n')
    .filter((l) => azure.test(l))
    .sort())
    console.log(`  ${line.replace(/routeserver="[^"]*",/, '')}`);
}

async function printNvaView(name: string, daemon: BgpDaemon): Promise<void> {
  heading(`${name}: BGP sessions`);
  await printSessions(daemon);
  heading(`${name}: routes received from the route server`);
  for (const route of await sortedRoutes(daemon)) console.log(routeLine(route));
}

/** The seed scenario (examples/seed-scenario.yaml); returns its teardown. */
async function seedScenario(lab: Lab): Promise<() => Promise<void>> {
  const rsNode = await lab.addNode(
    'rs',
    INSTANCES.map((a) => `${a}/16`),
  );
  const sdwanNode = await lab.addNode('sdwan', ['10.1.1.4/16']);
  const fwNode = await lab.addNode('fw', ['10.1.1.5/16']);
  const server = await startServer(lab, rsNode, 'seed-scenario.yaml');

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
  await cli(lab, server, ['peering', 'list', '-g', 'demo', '--routeserver', 'rs1', '-o', 'table']);
  heading('route server: routes learned');
  for (const peering of ['sdwan', 'firewall'])
    await cli(lab, server, [
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
  await printMetrics(lab, server);
  heading("a VM's effective route table");
  await cli(lab, server, ['nic', 'show-effective-route-table', '-g', 'demo', '-n', 'vm1-nic', '-o', 'table']);
  await cli(lab, server, [
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
  await dataPath(lab, { rs: rsNode, sdwan: sdwanNode, fw: fwNode }, server.dataDir);
  return () => stopServer(server);
}

/** Whether a program is on the PATH (ping and traceroute are optional). */
function installed(program: string): boolean {
  return (process.env['PATH'] ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, program)));
}

/** Runs `ip -n NAMESPACE …`, failing loudly. */
async function ipIn(node: LabNode, ...args: string[]): Promise<string> {
  return runChecked('ip', ['-n', node.namespace, ...args]);
}

/** Packets an interface of a node has sent so far. */
async function txPackets(node: LabNode, dev: string): Promise<number> {
  const [link] = JSON.parse(await ipIn(node, '-s', '-json', 'link', 'show', 'dev', dev)) as {
    stats64?: { tx?: { packets?: number } };
  }[];
  return link?.stats64?.tx?.packets ?? 0;
}

/**
 * Five UDP datagrams from a node to port 9 of `destination`, 20 ms apart:
 * true when an ICMP port unreachable came back (the destination's kernel
 * answered, so the path works both ways). Needs only node, not ping.
 */
async function probe(lab: Lab, node: LabNode, destination: string): Promise<boolean> {
  const script = `
    const socket = require('node:dgram').createSocket('udp4');
    let answered = false;
    socket.on('error', (e) => { if (e.code === 'ECONNREFUSED') answered = true; });
    socket.connect(9, process.argv[1], () => {
      let sent = 0;
      const timer = setInterval(() => {
        if (sent++ < 5) socket.send('probe', () => undefined);
        else { clearInterval(timer); setTimeout(() => { socket.close(); process.exit(answered ? 0 : 1); }, 300); }
      }, 20);
    });`;
  const result = await lab.exec(node, process.execPath, ['-e', script, destination], { timeoutMs: 30_000 });
  return result.code === 0;
}

interface DataPathNodes {
  readonly rs: LabNode;
  readonly sdwan: LabNode;
  readonly fw: LabNode;
}

/** vm1, on-prem and internet namespaces; the NVAs forward between the VNet and their far side. */
async function buildFabric(lab: Lab, nodes: DataPathNodes): Promise<{ vm: LabNode }> {
  const vm = await lab.addNode('vm1', ['10.1.2.4/16']);
  const onprem = await lab.addIsolatedNode('onprem');
  const internet = await lab.addIsolatedNode('internet');
  await lab.link(nodes.sdwan, 'eth1', '172.31.1.1/30', onprem, 'eth1', '172.31.1.2/30');
  await lab.link(nodes.fw, 'eth1', '172.31.3.1/30', internet, 'eth1', '172.31.3.2/30');
  for (const [node, setting] of [
    [nodes.sdwan, 'net.ipv4.ip_forward=1'],
    [nodes.fw, 'net.ipv4.ip_forward=1'],
    // the probes count on an ICMP answer for every datagram
    [onprem, 'net.ipv4.icmp_ratelimit=0'],
    [internet, 'net.ipv4.icmp_ratelimit=0'],
  ] as const)
    await runChecked('ip', ['netns', 'exec', node.namespace, 'sysctl', '-q', '-w', setting]);
  await ipIn(nodes.sdwan, 'route', 'add', ONPREM.prefix, 'via', '172.31.1.2');
  await ipIn(onprem, 'route', 'add', 'local', ONPREM.prefix, 'dev', 'lo');
  await ipIn(onprem, 'route', 'add', 'default', 'via', '172.31.1.1');
  await ipIn(nodes.fw, 'route', 'add', INTERNET.prefix, 'via', '172.31.3.2');
  await ipIn(internet, 'route', 'add', 'local', INTERNET.prefix, 'dev', 'lo');
  await ipIn(internet, 'route', 'add', 'default', 'via', '172.31.3.1');
  return { vm };
}

/**
 * `routeserver agent` programs vm1's kernel from vm1-nic's effective routes;
 * then packets from vm1 to on-prem and to the internet, with the NVAs'
 * forwarding counters (and ping and traceroute when installed).
 */
async function dataPath(lab: Lab, nodes: DataPathNodes, dataDir: string): Promise<void> {
  const { vm } = await buildFabric(lab, nodes);
  const nic = `/subscriptions/${SUBSCRIPTION}/resourceGroups/demo/providers/Microsoft.Network/networkInterfaces/vm1-nic`;
  heading(`routeserver agent --nic …/vm1-nic --netns vm1: programs vm1's kernel (route protocol 247)`);
  const logFile = join(lab.dir, 'agent.log');
  const agent = lab.spawn(
    nodes.rs,
    process.execPath,
    [
      join(ROOT, 'bin', 'routeserver.js'),
      'agent',
      '--data-dir',
      dataDir,
      '--nic',
      nic,
      '--netns',
      vm.namespace,
      '--dev',
      'eth0',
    ],
    { logFile },
  );
  console.log(`  log: ${logFile}`);
  const deadline = Date.now() + 60_000;
  let table: string;
  for (;;) {
    if (!agent.running) throw new Error(`routeserver agent exited:\n${agent.logTail()}`);
    table = await ipIn(vm, 'route', 'show', 'table', 'main');
    if (
      /^10\.250\.0\.0\/16 via 10\.1\.1\.4 .*proto 247/m.test(table) &&
      /^default via 10\.1\.1\.5 .*proto 247/m.test(table)
    )
      break;
    if (Date.now() > deadline)
      throw new Error(`vm1's routes were not programmed:\n${table}\n${agent.logTail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log('$ ip route            (in vm1)');
  for (const line of table.trimEnd().split('\n')) console.log(`  ${line}`);

  const counters = async () => ({
    sdwan: await txPackets(nodes.sdwan, 'eth1'),
    fw: await txPackets(nodes.fw, 'eth1'),
  });
  for (const target of [
    { name: 'on-prem', host: ONPREM.host, via: 'the SD-WAN NVA (10.1.1.4)' },
    { name: 'internet', host: INTERNET.host, via: 'the firewall NVA (10.1.1.5)' },
  ]) {
    heading(`packets from vm1 to ${target.host} (${target.name}): through ${target.via}`);
    const before = await counters();
    if (installed('ping')) {
      const ping = await lab.exec(vm, 'ping', ['-n', '-c', '3', '-i', '0.2', '-W', '2', target.host]);
      console.log(`$ ping -n -c 3 ${target.host}\n${ping.stdout.trimEnd()}`);
    } else {
      console.log('  (ping is not installed: skipped; 5 UDP datagrams to port 9 instead)');
    }
    const answered = await probe(lab, vm, target.host);
    const after = await counters();
    console.log(
      `  ${target.host} ${answered ? 'answered' : 'did not answer'}; forwarded toward their far side: ` +
        `SD-WAN NVA ${after.sdwan - before.sdwan} packets, firewall NVA ${after.fw - before.fw} packets`,
    );
    if (installed('traceroute')) {
      const trace = await lab.exec(vm, 'traceroute', ['-n', '-q', '1', '-w', '1', '-m', '4', target.host], {
        timeoutMs: 30_000,
      });
      console.log(`$ traceroute -n ${target.host}\n${trace.stdout.trimEnd()}`);
    } else {
      console.log('  (traceroute is not installed: skipped; the counters above show the path)');
    }
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error(
      'routeserver demo needs root: it creates network namespaces, runs FRR and BIRD in them and programs ' +
        'routes; nothing was run. Run it as root: sudo routeserver demo',
    );
    process.exit(1);
  }
  const lab = await Lab.create({ name: 'demo' });
  try {
    const stop = withGateways
      ? await gatewaysScenario(lab, stepper(process.argv.includes('--step')))
      : await seedScenario(lab);
    if (once) return await stop();
    heading('the scenario is up; Ctrl-C tears it down');
    await new Promise<void>(() => {}); // the lab's SIGINT/SIGTERM handler destroys it and exits
  } finally {
    await lab.destroy();
    console.log('\n== torn down: namespaces, daemons and the server are gone');
  }
}

await main();
