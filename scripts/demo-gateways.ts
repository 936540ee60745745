/**
 * `routeserver demo --with-gateways`: the hub of examples/gateways-scenario.yaml
 * with real daemons on every side (docs/demo.md, docs/gateways.md):
 *
 *   rs      the server: route server 10.1.0.4/.5, VPN gateway 10.1.255.4/.5,
 *           ExpressRoute gateway 10.1.255.6/.7, Microsoft's edge 192.168.255.2/.6
 *   site    VPN site (FRR, AS 65010) 192.168.10.1: 192.168.10.0/24, and
 *           10.250.0.0/16 with AS path 65010 65010 65010
 *   edge    ExpressRoute edge (BIRD, AS 65020) 192.168.255.1: 192.168.20.0/24, 10.250.0.0/16
 *   sdwan   SD-WAN NVA (FRR, AS 65001) 10.1.1.4: 10.250.0.0/16
 *   fw      firewall NVA (BIRD, AS 65002) 10.1.1.5: 0.0.0.0/0
 *
 * The lab's bridge stands for the IPsec tunnel and the circuit. The demo
 * prints what each on-prem router and each NVA learned (read from the
 * daemon itself) with branch-to-branch off, turns it on through the API and
 * prints them again, shows the hub routing preference's winner for
 * 10.250.0.0/16 in vm1's effective routes for each setting, turns
 * branch-to-branch off again and shows that no session was reset.
 */
import type { Lab, LabNode, LearnedRoute } from '../test/lab/index.js';
import { BirdDaemon, FrrDaemon, type BgpDaemon } from '../test/lab/index.js';
import { run } from '../test/lab/process.js';
import {
  cli,
  cliOutput,
  heading,
  printSessions,
  routeLine,
  sortedRoutes,
  startServer,
  stopServer,
  type DemoServer,
} from './demo-support.js';

const ROUTE_SERVER = ['10.1.0.4', '10.1.0.5'];
const VPN_GATEWAY = ['10.1.255.4', '10.1.255.5'];
const EXPRESSROUTE_GATEWAY = ['10.1.255.6', '10.1.255.7'];
const MICROSOFT_EDGE = ['192.168.255.2', '192.168.255.6'];
const SITE = { address: '192.168.10.1', asn: 65010, prefix: '192.168.10.0/24' };
const EDGE = { address: '192.168.255.1', asn: 65020, prefix: '192.168.20.0/24' };
const CONTESTED = { prefix: '10.250.0.0/16', host: '10.250.1.1' };
const SETTLE_MS = 2000;

interface Router {
  readonly name: string;
  readonly daemon: BgpDaemon;
}

/** Every router's learned routes, by name. */
async function views(routers: readonly Router[]): Promise<Map<string, LearnedRoute[]>> {
  const all = new Map<string, LearnedRoute[]>();
  for (const router of routers) all.set(router.name, await sortedRoutes(router.daemon));
  return all;
}

/**
 * Waits until `done` holds and what `read` returns has not changed for
 * SETTLE_MS (BGP converges; nothing here knows when it is over).
 */
async function settle<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 90_000;
  let last = '';
  let since = Date.now();
  for (;;) {
    const value = await read();
    const text = JSON.stringify(value);
    if (text !== last) [last, since] = [text, Date.now()];
    else if (done(value) && Date.now() - since >= SETTLE_MS) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not settled after 90 s:\n${text}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function printViews(all: Map<string, LearnedRoute[]>): void {
  for (const [name, routes] of all) {
    console.log(`-- ${name}`);
    for (const route of routes) console.log(routeLine(route));
    if (routes.length === 0) console.log('  (nothing)');
  }
}

const prefixesOf = (all: Map<string, LearnedRoute[]>, name: string) =>
  new Set((all.get(name) ?? []).map((r) => r.prefix));

/** How often FRR's sessions were established, per peer (vtysh `show bgp neighbors json`). */
async function establishedCounts(daemon: FrrDaemon): Promise<string> {
  const result = await run('vtysh', ['--vty_socket', daemon.vtyDir, '-c', 'show bgp neighbors json']);
  if (result.code !== 0) throw new Error(`vtysh: ${result.stderr}`);
  const neighbors = JSON.parse(result.stdout) as Record<string, { connectionsEstablished?: number }>;
  return Object.entries(neighbors)
    .map(([peer, n]) => `${peer} ${n.connectionsEstablished ?? 0}`)
    .join(', ');
}

async function buildNodes(lab: Lab): Promise<Record<'rs' | 'site' | 'edge' | 'sdwan' | 'fw', LabNode>> {
  const rs = await lab.addNode('rs', [
    ...[...ROUTE_SERVER, ...VPN_GATEWAY, ...EXPRESSROUTE_GATEWAY].map((a) => `${a}/16`),
    ...MICROSOFT_EDGE.map((a) => `${a}/30`),
  ]);
  // the tunnel: the VPN gateway and the VPN site reach each other over the bridge
  await lab.exec(rs, 'ip', ['route', 'add', '192.168.10.0/24', 'dev', 'eth0']);
  const site = await lab.addNode('site', [`${SITE.address}/24`]);
  await lab.exec(site, 'ip', ['route', 'add', '10.1.0.0/16', 'dev', 'eth0']);
  const edge = await lab.addNode('edge', [`${EDGE.address}/30`]);
  const sdwan = await lab.addNode('sdwan', ['10.1.1.4/16']);
  const fw = await lab.addNode('fw', ['10.1.1.5/16']);
  return { rs, site, edge, sdwan, fw };
}

function daemons(lab: Lab, nodes: Awaited<ReturnType<typeof buildNodes>>) {
  const toRouteServer = ROUTE_SERVER.map((address) => ({ address, asn: 65515, multihopTtl: 2 }));
  return {
    site: new FrrDaemon(lab, nodes.site, {
      asn: SITE.asn,
      localAddress: SITE.address,
      holdTimeSeconds: 30,
      peers: VPN_GATEWAY.map((address) => ({ address, asn: 65515, multihopTtl: 2 })),
      announce: [SITE.prefix, { prefix: CONTESTED.prefix, asPathPrepend: 2 }],
    }),
    edge: new BirdDaemon(lab, nodes.edge, {
      asn: EDGE.asn,
      localAddress: EDGE.address,
      holdTimeSeconds: 30,
      peers: [{ address: MICROSOFT_EDGE[0]!, asn: 12076 }],
      announce: [EDGE.prefix, CONTESTED.prefix],
    }),
    sdwan: new FrrDaemon(lab, nodes.sdwan, {
      asn: 65001,
      localAddress: '10.1.1.4',
      holdTimeSeconds: 30,
      peers: toRouteServer,
      announce: [CONTESTED.prefix],
    }),
    firewall: new BirdDaemon(lab, nodes.fw, {
      asn: 65002,
      localAddress: '10.1.1.5',
      holdTimeSeconds: 30,
      peers: toRouteServer,
      announce: ['0.0.0.0/0'],
    }),
  };
}

/** vm1's effective routes for one prefix, as `routeserver nic show-effective-route-table` rows (quiet). */
async function vmRows(lab: Lab, server: DemoServer, prefix: string): Promise<string[]> {
  const table = await cliOutput(lab, server, [
    ...['nic', 'show-effective-route-table', '-g', 'demo', '-n', 'vm1-nic', '-o', 'table'],
  ]);
  return table.split('\n').filter((line) => line.includes(` ${prefix} `));
}

/** The gateways scenario; returns its teardown. `step` waits for Enter before each change (--step). */
export async function gatewaysScenario(
  lab: Lab,
  step: (next: string) => Promise<void>,
): Promise<() => Promise<void>> {
  const nodes = await buildNodes(lab);
  const server = await startServer(lab, nodes.rs, 'gateways-scenario.yaml');
  const { site, edge, sdwan, firewall } = daemons(lab, nodes);
  const routers: Router[] = [
    { name: 'VPN site (FRR, AS 65010)', daemon: site },
    { name: 'ExpressRoute edge (BIRD, AS 65020)', daemon: edge },
    { name: 'SD-WAN NVA (FRR, AS 65001)', daemon: sdwan },
    { name: 'firewall NVA (BIRD, AS 65002)', daemon: firewall },
  ];
  await Promise.all(routers.map((r) => r.daemon.start()));
  await Promise.all([
    ...VPN_GATEWAY.map((a) => site.waitEstablished(a, 90_000)),
    edge.waitEstablished(MICROSOFT_EDGE[0]!, 90_000),
    ...[sdwan, firewall].flatMap((nva) => ROUTE_SERVER.map((a) => nva.waitEstablished(a, 90_000))),
  ]);
  heading('BGP sessions, as each router reports them');
  for (const router of routers) {
    console.log(`-- ${router.name}`);
    await printSessions(router.daemon);
  }
  await cli(lab, server, ['vpn-connection', 'list', '-g', 'demo', '-o', 'table']);

  const onPrem = [SITE.prefix, EDGE.prefix];
  const [siteName, edgeName, sdwanName, firewallName] = routers.map((r) => r.name) as [
    string,
    string,
    string,
    string,
  ];
  const off = await settle(
    'branch-to-branch off',
    () => views(routers),
    (all) =>
      [siteName, edgeName, sdwanName, firewallName].every((name) => prefixesOf(all, name).has('10.1.0.0/16')),
  );
  heading('branch-to-branch off: what each router learned (read from the daemon)');
  printViews(off);
  heading("branch-to-branch off: vm1's effective routes (every gateway's and NVA's routes)");
  await cli(lab, server, ['nic', 'show-effective-route-table', '-g', 'demo', '-n', 'vm1-nic', '-o', 'table']);

  const sessionsBefore = `${await establishedCounts(site)}; ${await establishedCounts(sdwan)}`;
  await step('turn branch-to-branch on');
  heading('turning branch-to-branch on through the API');
  await cli(lab, server, ['update', '-g', 'demo', '-n', 'rs1', '--allow-b2b-traffic', 'true', '-o', 'table']);
  const on = await settle(
    'branch-to-branch on',
    () => views(routers),
    (all) =>
      onPrem.every((p) => prefixesOf(all, sdwanName).has(p) && prefixesOf(all, firewallName).has(p)) &&
      prefixesOf(all, siteName).has(EDGE.prefix) &&
      prefixesOf(all, edgeName).has(SITE.prefix),
  );
  heading('branch-to-branch on: what each router learned (read from the daemon)');
  printViews(on);

  for (const preference of ['ExpressRoute', 'VpnGateway', 'ASPath']) {
    await step(`set the hub routing preference to ${preference}`);
    heading(`hub routing preference ${preference}: the winner for ${CONTESTED.prefix}`);
    await cli(lab, server, [
      ...['update', '-g', 'demo', '-n', 'rs1'],
      ...['--hub-routing-preference', preference, '-o', 'table'],
    ]);
    const rows = await settle(
      `hub routing preference ${preference}`,
      async () => ({
        vm: await vmRows(lab, server, CONTESTED.prefix),
        nva: (await sortedRoutes(sdwan)).filter((r) => r.prefix === CONTESTED.prefix),
      }),
      (value) => value.vm.length > 0,
    );
    console.log(`-- vm1's effective routes for ${CONTESTED.prefix}`);
    for (const row of rows.vm) console.log(row);
    console.log(`-- what the SD-WAN NVA is sent for ${CONTESTED.prefix} (read from FRR)`);
    for (const route of rows.nva) console.log(routeLine(route));
    if (rows.nva.length === 0) console.log('  (nothing: its own route is the best)');
  }

  await step('turn branch-to-branch off again');
  heading('turning branch-to-branch off again through the API');
  await cli(lab, server, [
    'update',
    '-g',
    'demo',
    '-n',
    'rs1',
    '--allow-b2b-traffic',
    'false',
    '-o',
    'table',
  ]);
  const offAgain = await settle(
    'branch-to-branch off again',
    () => views(routers),
    (all) =>
      onPrem.every((p) => !prefixesOf(all, sdwanName).has(p) && !prefixesOf(all, firewallName).has(p)) &&
      !prefixesOf(all, siteName).has(EDGE.prefix) &&
      !prefixesOf(all, edgeName).has(SITE.prefix),
  );
  heading('branch-to-branch off again: what each router learned (read from the daemon)');
  printViews(offAgain);
  heading('sessions never reset: times each FRR session was established (before; now)');
  console.log(`  ${sessionsBefore}`);
  console.log(`  ${await establishedCounts(site)}; ${await establishedCounts(sdwan)}`);
  return () => stopServer(server);
}
