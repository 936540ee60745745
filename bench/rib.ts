/**
 * Route engine benchmark (no assertions; prints figures).
 *
 *   npx tsx bench/rib.ts            all scenarios, each in its own process (own peak RSS)
 *   npx tsx bench/rib.ts <name>     one scenario: full-15, full-3 (333,334 attribute sets, as scenario
 *                                   b2 of `npm run bench`), full-1000, azure-8x4000, peers-100x10000,
 *                                   full-1000-vnet, full-15-map-in / full-15-map-out (full-15 with a
 *                                   route map on the NVA / the monitor, docs/route-maps.md)
 *
 * One or more peers announce pre-encoded UPDATEs; each is decoded with the
 * codec (as the session would) and handed to the engine, yielding to the
 * event loop every few UPDATEs as socket reads would. A monitoring peer's
 * PeerOutput only collects bytes. Reported: time until the last prefix is in
 * the Loc-RIB, time until it has been encoded into UPDATEs for the monitor,
 * CPU seconds, peak RSS, the worst event-loop delay, attribute sets interned.
 *
 * `full-1000-vnet` injects into the virtual network model's route-server
 * binding (src/sdn/bgp-input.ts) instead of a counting sink, then withdraws
 * the whole table and announces it again (as scenario b of `npm run bench`
 * does): time and CPU per phase, peak RSS after the load and at the end, and
 * their ratio (the gate of issue 15: at most 1.1).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BASE_CONTEXT, decode } from '../src/bgp/codec/index.js';
import { encodePeerTable, splitMessages } from './lib/table.js';
import type { CodecContext, UpdateMessage } from '../src/bgp/codec/index.js';
import { parsePrefix } from '../src/lib/prefix.js';
import type { Prefix } from '../src/lib/prefix.js';
import { RouteEngine } from '../src/rib/index.js';
import { compileRouteMap } from '../src/policy/index.js';
import type { CompiledRouteMap } from '../src/policy/index.js';
import type {
  InjectedRouteBatch,
  InjectedRouteSink,
  PeerOutput,
  VirtualNetworkView,
} from '../src/rib/index.js';
import { VirtualNetworkModel } from '../src/sdn/index.js';
import { UpdateBuilder } from '../src/bgp/codec/index.js';
import { ipv4KeyOf } from '../src/lib/prefix.js';

const CONTEXT: CodecContext = { ...BASE_CONTEXT, fourOctetAs: true };

interface Scenario {
  readonly peers: number;
  readonly prefixesPerPeer: number;
  /** prefixes sharing one attribute set (and one UPDATE) */
  readonly perSet: number;
  /** inject into the VNet model, then withdraw all and re-announce */
  readonly vnet?: boolean;
  /** a route map (docs/route-maps.md) on the NVA (inbound) or the monitor (outbound) */
  readonly routeMap?: 'inbound' | 'outbound';
}

/**
 * The route map of the `-map-` scenarios: every route is matched by prefix
 * (so the rules run per route, not once per attribute set) and changed.
 */
function benchRouteMap(): CompiledRouteMap {
  const result = compileRouteMap({
    name: 'bench',
    rules: [
      {
        name: 'tag',
        matchCriteria: [{ matchCondition: 'Contains', routePrefix: ['16.0.0.0/4'] }],
        actions: [{ type: 'Add', parameters: [{ community: ['65001:100'] }] }],
      },
      {
        name: 'prepend',
        matchCriteria: [{ matchCondition: 'NotContains', routePrefix: ['192.168.0.0/16'] }],
        actions: [{ type: 'Add', parameters: [{ asPath: ['65001'] }] }],
      },
    ],
  });
  if (!result.ok) throw new Error(result.problem.message);
  return result.map;
}

const SCENARIOS: Record<string, Scenario> = {
  'full-15': { peers: 1, prefixesPerPeer: 1_000_000, perSet: 15 },
  'full-3': { peers: 1, prefixesPerPeer: 1_000_000, perSet: 3 },
  'full-1000': { peers: 1, prefixesPerPeer: 1_000_000, perSet: 1000 },
  'azure-8x4000': { peers: 8, prefixesPerPeer: 4000, perSet: 15 },
  'peers-100x10000': { peers: 100, prefixesPerPeer: 10_000, perSet: 1000 },
  'full-1000-vnet': { peers: 1, prefixesPerPeer: 1_000_000, perSet: 1000, vnet: true },
  'full-15-map-in': { peers: 1, prefixesPerPeer: 1_000_000, perSet: 15, routeMap: 'inbound' },
  'full-15-map-out': { peers: 1, prefixesPerPeer: 1_000_000, perSet: 15, routeMap: 'outbound' },
};

/** Withdrawals of every prefix of `encodeTable(peer, scenario)`, 1,000 per UPDATE. */
function encodeWithdrawals(peer: number, scenario: Scenario): Buffer[] {
  const builder = new UpdateBuilder(CONTEXT);
  const base = (16 + peer * 8) * 2 ** 24;
  const messages: Buffer[] = [];
  for (let first = 0; first < scenario.prefixesPerPeer; first += 1000) {
    const keys: number[] = [];
    for (let i = first; i < Math.min(first + 1000, scenario.prefixesPerPeer); i++)
      keys.push(ipv4KeyOf(base + i * 256, 24));
    builder.withdraw(keys);
    messages.push(...splitMessages(builder.take()));
  }
  return messages;
}

/** The VNet model of the bench's routeserver DUT: 10.0.0.0/16 with a workload subnet; its binding. */
function vnetBinding(): VirtualNetworkView & InjectedRouteSink {
  const model = new VirtualNetworkModel({ name: 'bench' });
  model.createVirtualNetwork({ id: 'vnet', addressSpaces: [parsePrefix('10.0.0.0/16')] });
  model.createSubnet({
    vnetId: 'vnet',
    name: 'RouteServerSubnet',
    addressPrefix: parsePrefix('10.0.0.0/26'),
  });
  const workload = model.createSubnet({
    vnetId: 'vnet',
    name: 'w',
    addressPrefix: parsePrefix('10.0.16.0/20'),
  });
  for (let i = 0; i < 100; i++)
    model.createNetworkInterface({
      id: `vm${i}`,
      subnetId: workload.id,
      privateIpAddress: `10.0.16.${4 + i}`,
    });
  return model.attachRouteServer({ id: 'rs', vnetId: 'vnet' });
}

/** Feeds every peer's UPDATEs round-robin, decoding each, yielding every 16 as socket reads would. */
async function feed(engine: RouteEngine, tables: readonly Buffer[][]): Promise<void> {
  const cursors = tables.map(() => 0);
  for (let fed = 0, remaining = true; remaining;) {
    remaining = false;
    for (let p = 0; p < tables.length; p++) {
      const message = tables[p]![cursors[p]!];
      if (!message) continue;
      remaining = true;
      cursors[p]!++;
      engine.receiveUpdate(`nva${p}`, decode(message, CONTEXT) as UpdateMessage);
      if (++fed % 16 === 0) await new Promise((r) => setImmediate(r));
    }
  }
  await engine.whenIdle();
}

const cpuSeconds = (used: NodeJS.CpuUsage): string => `${((used.user + used.system) / 1e6).toFixed(2)} s`;
const peakMb = (): number => process.resourceUsage().maxRSS / 1024;
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;
/** RSS and what V8 holds now (no collection forced): heap committed, heap used, typed-array buffers. */
function memoryNow(): string {
  const m = process.memoryUsage();
  return `RSS ${mb(m.rss)}, heap ${mb(m.heapTotal)} committed / ${mb(m.heapUsed)} used, array buffers ${mb(m.arrayBuffers)}`;
}

/** Withdraws the whole table, then announces it again; prints each phase. */
async function withdrawAndReannounce(
  engine: RouteEngine,
  name: string,
  scenario: Scenario,
  tables: Buffer[][],
): Promise<void> {
  const afterLoad = peakMb();
  console.log(`  after the load: ${memoryNow()}`);
  for (const [phase, stream] of [
    ['withdraw all', tables.map((_, i) => encodeWithdrawals(i, scenario))],
    ['re-announce', tables],
  ] as const) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    await feed(engine, stream);
    console.log(
      `  ${phase}: ${((performance.now() - start) / 1000).toFixed(3)} s, CPU ${cpuSeconds(process.cpuUsage(cpu))}, Loc-RIB ${engine.locRibSize}; ${memoryNow()}, peak RSS ${peakMb().toFixed(0)} MB`,
    );
  }
  const end = peakMb();
  console.log(
    `  ${name}: peak RSS after the load ${afterLoad.toFixed(0)} MB, at the end ${end.toFixed(0)} MB: ratio ${(end / afterLoad).toFixed(2)}`,
  );
}

function encodeTable(peer: number, scenario: Scenario): Buffer[] {
  return encodePeerTable(
    {
      peer,
      prefixesPerPeer: scenario.prefixesPerPeer,
      perSet: scenario.perSet,
      nextHop: () => 0x0a000204 + peer,
      // up to 30 peers a /8 each; more peers share 16.0.0.0/4 (at most 2^20 /24s)
      ...(scenario.peers > 30 ? { base: 16 * 2 ** 24 + peer * scenario.prefixesPerPeer * 256 } : {}),
    },
    CONTEXT,
  );
}

const network: VirtualNetworkView = {
  advertisedAddressSpaces: (): readonly Prefix[] => [parsePrefix('10.0.0.0/16')],
  isInjectable: (p) => !(p.family === 4 && p.length >= 16 && p.address >>> 16 === 0x0a00),
  onAddressSpacesChanged: () => () => {},
};

class CollectingOutput implements PeerOutput {
  bytes = 0;
  chunks: Buffer[] = [];
  send(messages: Buffer[]): boolean {
    for (const m of messages) {
      this.bytes += m.length;
      this.chunks.push(m);
    }
    return true;
  }
  onDrain(callback: () => void): void {
    setImmediate(callback);
  }
}

function countPrefixes(chunks: Buffer[]): number {
  let count = 0;
  for (const chunk of chunks) {
    for (const message of splitMessages(chunk)) {
      const m = decode(message, CONTEXT) as UpdateMessage;
      count += m.nlri.length;
    }
  }
  return count;
}

async function run(name: string, scenario: Scenario): Promise<void> {
  const tables = Array.from({ length: scenario.peers }, (_, i) => encodeTable(i, scenario));
  const total = scenario.peers * scenario.prefixesPerPeer;
  let injected = 0;
  const binding = scenario.vnet ? vnetBinding() : undefined;
  const engine = new RouteEngine({
    instance: 'IN_0',
    localAddress: '10.0.1.4',
    network: binding ?? network,
    routeLimit: Math.max(4000, scenario.prefixesPerPeer),
    sink: {
      applyInjectedRoutes: (instance: string, changes: InjectedRouteBatch) => {
        injected += changes.size;
        binding?.applyInjectedRoutes(instance, changes);
      },
    },
  });
  const monitor = new CollectingOutput();
  const info = (i: number) => ({
    address: `10.0.2.${10 + i}`,
    asn: 65001 + i,
    routerId: 0x0a00020a + i,
    capabilities: { context: CONTEXT },
  });
  if (scenario.routeMap === 'inbound') engine.setPeerRouteMaps('nva0', { inbound: benchRouteMap() });
  if (scenario.routeMap === 'outbound') engine.setPeerRouteMaps('monitor', { outbound: benchRouteMap() });
  engine.peerUp('monitor', { ...info(100), asn: 65100 }, monitor);
  for (let i = 0; i < scenario.peers; i++) engine.peerUp(`nva${i}`, info(i), new CollectingOutput());
  await engine.whenIdle();

  // The session decodes every UPDATE once; measure that part alone for reference.
  const decodeCpu = process.cpuUsage();
  for (const table of tables) for (const message of table) decode(message, CONTEXT);
  const decodeUsed = process.cpuUsage(decodeCpu);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpu = process.cpuUsage();
  const start = performance.now();
  let inLocRib = 0;
  let advertised = 0;
  const poll = (): void => {
    const now = performance.now() - start;
    if (!inLocRib && engine.locRibSize >= total) inLocRib = now;
    if (!advertised && (engine.peerCounters('monitor')?.advertised ?? 0) >= total) advertised = now;
    if (!advertised) setImmediate(poll);
  };
  setImmediate(poll);
  await feed(engine, tables);
  const end = performance.now() - start;
  poll();
  const used = process.cpuUsage(cpu);
  delay.disable();
  const received = countPrefixes(monitor.chunks);
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    [
      `${name}: ${scenario.peers} peer(s) x ${scenario.prefixesPerPeer} prefixes, ${scenario.perSet} per attribute set`,
      `  UPDATEs in: ${tables.reduce((n, t) => n + t.length, 0)}, attribute sets interned: ${engine.attributeSetCount}`,
      `  last prefix in Loc-RIB:       ${(inLocRib / 1000).toFixed(3)} s`,
      `  last prefix encoded (monitor): ${(advertised / 1000).toFixed(3)} s   (idle at ${(end / 1000).toFixed(3)} s)`,
      `  CPU: ${((used.user + used.system) / 1e6).toFixed(2)} s (of which decoding the UPDATEs alone takes ${((decodeUsed.user + decodeUsed.system) / 1e6).toFixed(2)} s)   peak RSS: ${rssMb.toFixed(0)} MB`,
      `  worst event-loop delay: ${(delay.max / 1e6).toFixed(1)} ms   slices: ${engine.counters.slices}`,
      `  monitor got ${received} prefixes in ${engine.counters.updatesSent} UPDATEs (${(monitor.bytes / 1e6).toFixed(1)} MB); injected changes ${injected}`,
    ].join('\n'),
  );
  if (scenario.vnet) await withdrawAndReannounce(engine, name, scenario, tables);
}

const chosen = process.argv[2];
if (chosen) {
  const scenario = SCENARIOS[chosen];
  if (!scenario) throw new Error(`unknown scenario ${chosen}; one of ${Object.keys(SCENARIOS).join(', ')}`);
  await run(chosen, scenario);
  process.exit(0); // a poll still pending when the monitor fell short must not keep the process up
} else {
  const self = fileURLToPath(import.meta.url);
  for (const name of Object.keys(SCENARIOS)) {
    execFileSync(process.execPath, [...process.execArgv, self, name], { stdio: 'inherit' });
  }
}
