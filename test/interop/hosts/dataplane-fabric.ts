/**
 * The VNet fabric of the data-plane interop test: the seed scenario with
 * packets. One L2 segment (the lab bridge) carries the VNet 10.0.0.0/16:
 *
 *   rs      10.0.0.4, 10.0.0.5   route server + API (api-host.ts tcp) + the agent
 *   sdwan   10.0.1.4   FRR AS 65001, announces 10.250.0.0/16; eth1 → onprem
 *   sdwan2  10.0.1.6   FRR AS 65003 (started by the ECMP test); eth1 → onprem
 *   fw      10.0.1.5   BIRD AS 65002, announces 0.0.0.0/0; eth1 → internet
 *   vm      10.0.2.4   the VM whose routes the agent programs (no route of its own but the subnet's)
 *
 *   onprem    owns 10.250.0.0/16 (a local route); default back via sdwan
 *   internet  owns 198.51.100.0/24; default back via fw
 *
 * The NVAs forward (ip_forward=1) and route through their own connected
 * interfaces; no daemon writes a kernel FIB. The agent runs inside `rs`
 * (the host that also runs the server) and programs `vm` with `ip -n`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { NetworkManagementClient } from '@azure/arm-network';
import { sdkClient } from '../../../src/api/routes/sdk-lifecycle.test-support.js';
import {
  BirdDaemon,
  FrrDaemon,
  Lab,
  startApiHost as startLabApiHost,
  type LabNode,
  type LabProcess,
} from '../../lab/index.js';
import { runChecked } from '../../lab/process.js';
import { UnixSocketAgent } from './unix-socket-agent.js';

export const SUBSCRIPTION = '00000000-0000-0000-0000-00000000d00d';
export const IN_0 = '10.0.0.4';
export const IN_1 = '10.0.0.5';
export const SDWAN = { address: '10.0.1.4', asn: 65001 };
export const SDWAN2 = { address: '10.0.1.6', asn: 65003 };
export const FIREWALL = { address: '10.0.1.5', asn: 65002 };
export const VM_ADDRESS = '10.0.2.4';
export const ONPREM_PREFIX = '10.250.0.0/16';
export const INTERNET_HOST = '198.51.100.7';
const ROUTE_SERVER_PEERS = [
  { address: IN_0, asn: 65515, multihopTtl: 2 },
  { address: IN_1, asn: 65515, multihopTtl: 2 },
];

export interface Fabric {
  readonly lab: Lab;
  readonly nodes: Record<'rs' | 'sdwan' | 'sdwan2' | 'fw' | 'vm' | 'onprem' | 'internet', LabNode>;
  readonly sdwan: FrrDaemon;
  readonly sdwan2: FrrDaemon;
  readonly firewall: BirdDaemon;
}

async function sysctl(lab: Lab, node: LabNode, setting: string): Promise<void> {
  await runChecked('ip', ['netns', 'exec', node.namespace, 'sysctl', '-q', '-w', setting]);
  void lab;
}

async function addNodes(lab: Lab): Promise<Fabric['nodes']> {
  const rs = await lab.addNode('rs', [`${IN_0}/16`, `${IN_1}/16`]);
  const sdwan = await lab.addNode('sdwan', [`${SDWAN.address}/16`]);
  const sdwan2 = await lab.addNode('sdwan2', [`${SDWAN2.address}/16`]);
  const fw = await lab.addNode('fw', [`${FIREWALL.address}/16`]);
  const vm = await lab.addNode('vm', [`${VM_ADDRESS}/16`]);
  const onprem = await lab.addIsolatedNode('onprem');
  const internet = await lab.addIsolatedNode('internet');
  await lab.link(sdwan, 'eth1', '172.31.1.1/30', onprem, 'eth1', '172.31.1.2/30');
  await lab.link(sdwan2, 'eth1', '172.31.2.1/30', onprem, 'eth2', '172.31.2.2/30');
  await lab.link(fw, 'eth1', '172.31.3.1/30', internet, 'eth1', '172.31.3.2/30');
  for (const nva of [sdwan, sdwan2, fw]) await sysctl(lab, nva, 'net.ipv4.ip_forward=1');
  // probes count on an ICMP port unreachable for every datagram; the kernel's default
  // limit (one per second per peer after a short burst) would swallow answers after a spray
  for (const far of [onprem, internet]) await sysctl(lab, far, 'net.ipv4.icmp_ratelimit=0');
  const ip = (node: LabNode, ...args: string[]) => runChecked('ip', ['-n', node.namespace, ...args]);
  await ip(sdwan, 'route', 'add', ONPREM_PREFIX, 'via', '172.31.1.2');
  await ip(sdwan2, 'route', 'add', ONPREM_PREFIX, 'via', '172.31.2.2');
  await ip(onprem, 'route', 'add', 'local', ONPREM_PREFIX, 'dev', 'lo');
  await ip(onprem, 'route', 'add', 'default', 'via', '172.31.1.1');
  await ip(fw, 'route', 'add', '198.51.100.0/24', 'via', '172.31.3.2');
  await ip(internet, 'route', 'add', 'local', '198.51.100.0/24', 'dev', 'lo');
  await ip(internet, 'route', 'add', 'default', 'via', '172.31.3.1');
  return { rs, sdwan, sdwan2, fw, vm, onprem, internet };
}

export async function createFabric(): Promise<Fabric> {
  const lab = await Lab.create({ name: 'dataplane' });
  try {
    const nodes = await addNodes(lab);
    const nva = (address: string, asn: number, announce: string[]) => ({
      asn,
      localAddress: address,
      holdTimeSeconds: 9,
      peers: ROUTE_SERVER_PEERS,
      announce,
    });
    return {
      lab,
      nodes,
      sdwan: new FrrDaemon(lab, nodes.sdwan, nva(SDWAN.address, SDWAN.asn, [ONPREM_PREFIX])),
      sdwan2: new FrrDaemon(lab, nodes.sdwan2, nva(SDWAN2.address, SDWAN2.asn, [ONPREM_PREFIX])),
      firewall: new BirdDaemon(lab, nodes.fw, nva(FIREWALL.address, FIREWALL.asn, ['0.0.0.0/0'])),
    };
  } catch (error) {
    await lab.destroy();
    throw error;
  }
}

/** The server process in `rs` with its API on 127.0.0.1 there and DIR/api.sock for this process. */
export function startApiHost(lab: Lab, rs: LabNode): Promise<LabProcess> {
  return startLabApiHost(lab, rs, { tcp: true });
}

export interface ApiAccessFiles {
  readonly url: string;
  readonly token: string;
  readonly certPath: string;
}

export function apiAccess(rs: LabNode): ApiAccessFiles {
  return {
    url: readFileSync(path.join(rs.dir, 'api-url'), 'utf8').trim(),
    token: readFileSync(path.join(rs.dir, 'api-token'), 'utf8').trim(),
    certPath: path.join(rs.dir, 'tls', 'cert.pem'),
  };
}

/** The SDK in this process, through DIR/api.sock. */
export function fabricSdk(rs: LabNode): NetworkManagementClient {
  const { token, certPath } = apiAccess(rs);
  const ca = readFileSync(certPath, 'utf8');
  const sdk = sdkClient('https://localhost', SUBSCRIPTION, token, ca);
  const agent = new UnixSocketAgent(path.join(rs.dir, 'api.sock'), ca);
  sdk.pipeline.addPolicy({
    name: 'unix-socket',
    sendRequest: (request, next) => next(Object.assign(request, { agent })),
  });
  return sdk;
}

/** `routeserver agent …` (the compiled command) in `rs`, with the API's URL, token and certificate. */
export function agentArgs(rs: LabNode, args: readonly string[]): string[] {
  const { url, token, certPath } = apiAccess(rs);
  return [
    path.resolve('bin/routeserver.js'),
    '--endpoint',
    url,
    '--token',
    token,
    '--ca-cert',
    certPath,
    'agent',
    ...args,
  ];
}

export interface KernelRoute {
  readonly dst: string;
  readonly type?: string;
  readonly gateway?: string;
  readonly protocol?: string;
  readonly nexthops?: { gateway?: string }[];
}

/** The main table of a node, `ip -N -json` (protocols and types as numbers). */
export async function kernelRoutes(node: LabNode): Promise<KernelRoute[]> {
  const text = await runChecked('ip', [
    '-n',
    node.namespace,
    '-N',
    '-4',
    '-json',
    'route',
    'show',
    'table',
    'main',
  ]);
  return JSON.parse(text) as KernelRoute[];
}

/** Next hops of a kernel route: one for `via`, several for multipath. */
export function gatewaysOf(route: KernelRoute | undefined): string[] {
  if (route === undefined) return [];
  return (route.nexthops ?? [route])
    .flatMap((hop) => (hop.gateway === undefined ? [] : [hop.gateway]))
    .sort();
}

/** Packets sent on an interface of a node so far. */
export async function txPackets(node: LabNode, dev: string): Promise<number> {
  const text = await runChecked('ip', ['-n', node.namespace, '-s', '-json', 'link', 'show', 'dev', dev]);
  const [link] = JSON.parse(text) as { stats64?: { tx?: { packets?: number } } }[];
  return link?.stats64?.tx?.packets ?? 0;
}

/**
 * Sends `count` UDP datagrams from a node to port 9 of `destination`, 20 ms
 * apart; resolves true when an ICMP port unreachable came back (the
 * destination's kernel answered: the path works both ways). The lab image
 * has no ping; this needs only node.
 */
export async function probe(lab: Lab, node: LabNode, destination: string, count = 5): Promise<boolean> {
  const script = `
    const socket = require('node:dgram').createSocket('udp4');
    let answered = false;
    socket.on('error', (e) => { if (e.code === 'ECONNREFUSED') answered = true; });
    socket.connect(9, process.argv[1], () => {
      let sent = 0;
      const timer = setInterval(() => {
        if (sent++ < Number(process.argv[2])) socket.send('probe', () => undefined);
        else { clearInterval(timer); setTimeout(() => { socket.close(); process.exit(answered ? 0 : 1); }, 300); }
      }, 20);
    });`;
  const result = await lab.exec(node, process.execPath, ['-e', script, destination, String(count)], {
    timeoutMs: 30_000,
  });
  return result.code === 0;
}

/** One UDP datagram from a node to port 9 of each destination (flows for ECMP hashing). */
export async function sendFlows(lab: Lab, node: LabNode, destinations: readonly string[]): Promise<void> {
  const script = `
    const socket = require('node:dgram').createSocket('udp4');
    const targets = process.argv.slice(1);
    let left = targets.length;
    for (const target of targets) socket.send('flow', 9, target, () => { if (--left === 0) socket.close(); });`;
  await lab.exec(node, process.execPath, ['-e', script, ...destinations], { timeoutMs: 30_000 });
}
