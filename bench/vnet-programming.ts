/**
 * VNet programming benchmark (no assertions; prints figures): the route
 * engines of both route-server instances (IN_0, IN_1) publishing a full table
 * into a real VirtualNetworkModel through the route server's binding.
 *
 *   npx tsx bench/vnet-programming.ts                   every scenario and mode, each in its own process
 *   npx tsx bench/vnet-programming.ts <scenario> <mode>
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/vnet-programming.ts full-1m vnet
 *
 * Scenarios: `full-1m` (1 peer x 1,000,000 IPv4 /24s, 15 per attribute set:
 * ~66,700 sets, next hops alternating between two addresses per set) and
 * `azure-8x4000` (8 peers x 4,000, one next hop per peer).
 * Modes:
 * - `engines`: both engines, the sink only counts changes (VNet programming off);
 * - `vnet`: both engines, the sink is the model's route-server binding (on);
 * - `sdn`: the engines' batches are captured first, then replayed into the
 *   model alone: the cost of the sdn side by itself (CPU over the replay,
 *   heap held by the model after it).
 * Every UPDATE is decoded once per instance, as each instance's session would.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { BASE_CONTEXT, decode } from '../src/bgp/codec/index.js';
import { encodePeerTable } from './lib/table.js';
import type { CodecContext, UpdateMessage } from '../src/bgp/codec/index.js';
import type { Prefix } from '../src/lib/prefix.js';
import { ipv4Prefix } from '../src/lib/prefix.js';
import { RouteEngine } from '../src/rib/index.js';
import type {
  InjectedRouteBatch,
  InjectedRouteSink,
  PeerOutput,
  VirtualNetworkView,
} from '../src/rib/index.js';
import { VirtualNetworkModel } from '../src/sdn/index.js';
import type { RouteServerBinding } from '../src/sdn/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const CONTEXT: CodecContext = { ...BASE_CONTEXT, fourOctetAs: true };
const INSTANCES = ['IN_0', 'IN_1'] as const;

interface Scenario {
  readonly peers: number;
  readonly prefixesPerPeer: number;
  readonly perSet: number;
  /** distinct next hops per peer, alternating by attribute set */
  readonly hopsPerPeer: number;
}

const SCENARIOS: Record<string, Scenario> = {
  'full-1m': { peers: 1, prefixesPerPeer: 1_000_000, perSet: 15, hopsPerPeer: 2 },
  'azure-8x4000': { peers: 8, prefixesPerPeer: 4000, perSet: 15, hopsPerPeer: 1 },
};
const MODES = ['engines', 'vnet', 'sdn'] as const;
type Mode = (typeof MODES)[number];

const v4 = (a: number, b: number, c: number, d: number, length: number): Prefix =>
  ipv4Prefix(((a << 24) | (b << 16) | (c << 8) | d) >>> 0, length);

function encodeTable(peer: number, scenario: Scenario): Buffer[] {
  return encodePeerTable(
    {
      peer,
      prefixesPerPeer: scenario.prefixesPerPeer,
      perSet: scenario.perSet,
      nextHop: (set) => 0x0a000204 + peer * 2 + (set % scenario.hopsPerPeer),
    },
    CONTEXT,
  );
}

const nullOutput: PeerOutput = {
  send: () => true,
  onDrain: (callback) => setImmediate(callback),
};

/** A hub VNet with the route server, two workload subnets (one per domain kind) and a spoke using it. */
function buildModel(): { model: VirtualNetworkModel; binding: RouteServerBinding } {
  const model = new VirtualNetworkModel({ name: 'vnet-programming' });
  model.createVirtualNetwork({ id: 'hub', addressSpaces: [v4(10, 0, 0, 0, 16)] });
  model.createSubnet({ vnetId: 'hub', name: 'RouteServerSubnet', addressPrefix: v4(10, 0, 255, 0, 26) });
  const binding = model.attachRouteServer({ id: 'rs', vnetId: 'hub' });
  model.createRouteTable({ id: 'rt', routes: [] });
  model.createSubnet({ vnetId: 'hub', name: 'a', addressPrefix: v4(10, 0, 1, 0, 24) });
  model.createSubnet({ vnetId: 'hub', name: 'b', addressPrefix: v4(10, 0, 3, 0, 24), routeTableId: 'rt' });
  model.createVirtualNetwork({ id: 'spoke', addressSpaces: [v4(10, 1, 0, 0, 16)] });
  model.createSubnet({ vnetId: 'spoke', name: 'w', addressPrefix: v4(10, 1, 0, 0, 24) });
  model.createPeering({ id: 'hs', localVnetId: 'hub', remoteVnetId: 'spoke', allowGatewayTransit: true });
  model.createPeering({ id: 'sh', localVnetId: 'spoke', remoteVnetId: 'hub', useRemoteGateways: true });
  model.createNetworkInterface({ id: 'nic-a', subnetId: 'hub/subnets/a', privateIpAddress: '10.0.1.4' });
  model.createNetworkInterface({ id: 'nic-w', subnetId: 'spoke/subnets/w', privateIpAddress: '10.1.0.4' });
  return { model, binding };
}

function engines(scenario: Scenario, network: VirtualNetworkView, sink: InjectedRouteSink): RouteEngine[] {
  return INSTANCES.map((instance, n) => {
    const engine = new RouteEngine({
      instance,
      localAddress: `10.0.255.${4 + n}`,
      network,
      sink,
      routeLimit: Math.max(4000, scenario.prefixesPerPeer),
    });
    for (let p = 0; p < scenario.peers; p++) {
      engine.peerUp(
        `nva${p}`,
        {
          address: `10.0.2.${10 + p}`,
          asn: 65001 + p,
          routerId: 0x0a00020a + p,
          capabilities: { context: CONTEXT },
        },
        nullOutput,
      );
    }
    return engine;
  });
}

/** Feeds every peer's UPDATEs to both engines round-robin, yielding every 16 as socket reads would. */
async function feed(tables: Buffer[][], list: RouteEngine[]): Promise<void> {
  const cursors = tables.map(() => 0);
  for (let fed = 0, remaining = true; remaining;) {
    remaining = false;
    for (let p = 0; p < tables.length; p++) {
      const message = tables[p]![cursors[p]!];
      if (!message) continue;
      remaining = true;
      cursors[p]!++;
      for (const engine of list) engine.receiveUpdate(`nva${p}`, decode(message, CONTEXT) as UpdateMessage);
      if (++fed % 16 === 0) await new Promise((r) => setImmediate(r));
    }
  }
  await Promise.all(list.map((e) => e.whenIdle()));
}

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MB`;
const seconds = (cpu: NodeJS.CpuUsage): string => `${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`;

function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

async function run(name: string, scenario: Scenario, mode: Mode): Promise<void> {
  const tables = Array.from({ length: scenario.peers }, (_, i) => encodeTable(i, scenario));
  const { model, binding } = buildModel();
  let changes = 0;
  let calls = 0;
  const captured: [string, InjectedRouteBatch][] = [];
  const sink: InjectedRouteSink =
    mode === 'vnet'
      ? binding
      : {
          applyInjectedRoutes: (instance, batch) => {
            changes += batch.size;
            calls++;
            if (mode === 'sdn') captured.push([instance, batch]);
          },
        };
  const list = engines(scenario, binding, sink);
  const heapBefore = heapUsed();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await feed(tables, list);
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const lines = [`${name} / ${mode}: ${scenario.peers} peer(s) x ${scenario.prefixesPerPeer} prefixes`];
  lines.push(
    `  engines${mode === 'vnet' ? ' + VNet' : ''}: CPU ${seconds(used)}, wall ${(wall / 1000).toFixed(2)} s, attribute sets ${list[0]!.attributeSetCount}`,
  );
  if (mode === 'sdn') {
    const heapCaptured = heapUsed();
    const sdnCpu = process.cpuUsage();
    const sdnStart = performance.now();
    for (const [instance, batch] of captured) binding.applyInjectedRoutes(instance, batch);
    const sdnWall = performance.now() - sdnStart;
    const sdnUsed = process.cpuUsage(sdnCpu);
    captured.length = 0;
    lines.push(
      `  captured ${changes} changes in ${calls} batches; replay into the model alone: CPU ${seconds(sdnUsed)}, wall ${(sdnWall / 1000).toFixed(2)} s`,
      `  heap held: engines + captured batches ${mb(heapCaptured - heapBefore)}, engines + model after the replay ${mb(heapUsed() - heapBefore)}`,
    );
  } else {
    lines.push(
      `  heap held after the load: ${mb(heapUsed() - heapBefore)} (engines${mode === 'vnet' ? ' + VNet' : ''})`,
    );
  }
  const nic = model.nextHop('nic-w', '16.0.0.9');
  lines.push(
    `  programmed prefixes: ${binding.routes.size}; next hop from the spoke to 16.0.0.9: ${nic.nextHopType} ${nic.nextHopIpAddresses.join(',')}`,
    `  rss now ${mb(process.memoryUsage().rss)}, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
  console.log(lines.join('\n'));
}

const [chosen, chosenMode] = process.argv.slice(2);
if (chosen) {
  const scenario = SCENARIOS[chosen];
  if (!scenario) throw new Error(`unknown scenario ${chosen}; one of ${Object.keys(SCENARIOS).join(', ')}`);
  const mode = (chosenMode ?? 'vnet') as Mode;
  if (!MODES.includes(mode)) throw new Error(`unknown mode ${mode}; one of ${MODES.join(', ')}`);
  await run(chosen, scenario, mode);
} else {
  const self = fileURLToPath(import.meta.url);
  for (const name of Object.keys(SCENARIOS))
    for (const mode of MODES)
      execFileSync(process.execPath, [...process.execArgv, self, name, mode], { stdio: 'inherit' });
}
