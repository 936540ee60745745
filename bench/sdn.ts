/**
 * Virtual network benchmark: 500 subnets, 50,000 NICs, 4,000 BGP prefixes with
 * two ECMP next hops from both route-server instances.
 *
 *   npx tsx bench/sdn.ts
 *
 * Prints figures only (no assertions): time from a BGP change (add, withdraw,
 * ECMP member lost) to every affected route domain updated and its change
 * event published, the time of a next-hop query, and memory.
 */
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Prefix } from '../src/lib/prefix.js';
import { formatIpv4, ipv4Prefix } from '../src/lib/prefix.js';
import type { RouteChange, RouteServerBinding } from '../src/sdn/bgp-input.js';
import type { SdnRouteEvent } from '../src/sdn/events.js';
import { subscribeRouteEvents } from '../src/sdn/events.js';
import { VirtualNetworkModel } from '../src/sdn/model.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const SPOKES = 9;
const HUB_WORKLOAD_SUBNETS = 48;
const SPOKE_SUBNETS = 50;
const NICS = 50_000;
const BGP_PREFIXES = 4_000;
const NVA_HOPS = ['10.0.0.4', '10.0.0.5'];

const v4 = (a: number, b: number, c: number, d: number, length: number): Prefix =>
  ipv4Prefix(((a << 24) | (b << 16) | (c << 8) | d) >>> 0, length);

function buildNetwork(): { model: VirtualNetworkModel; rs: RouteServerBinding; workloadSubnets: string[] } {
  const model = new VirtualNetworkModel({ name: 'bench' });
  const workloadSubnets: string[] = [];
  model.createVirtualNetwork({ id: 'hub', addressSpaces: [v4(10, 0, 0, 0, 16)] });
  model.createSubnet({ vnetId: 'hub', name: 'RouteServerSubnet', addressPrefix: v4(10, 0, 255, 0, 26) });
  model.createSubnet({ vnetId: 'hub', name: 'GatewaySubnet', addressPrefix: v4(10, 0, 254, 0, 27) });
  const rs = model.attachRouteServer({ id: 'rs', vnetId: 'hub' });
  const addSubnets = (vnetId: string, second: number, count: number): void => {
    for (let i = 0; i < count; i++) {
      const tableId = `${vnetId}-rt-${i}`;
      model.createRouteTable({
        id: tableId,
        disableBgpRoutePropagation: i % 10 === 9,
        routes: [
          {
            name: 'onprem',
            addressPrefix: v4(192, 168, i, 0, 24),
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: '10.0.0.100',
          },
          {
            name: 'blackhole',
            addressPrefix: v4(100, 64, i, 0, 24),
            nextHopType: 'None',
            nextHopIpAddress: null,
          },
        ],
      });
      const subnet = model.createSubnet({
        vnetId,
        name: `s${i}`,
        addressPrefix: v4(10, second, i, 0, 24),
        routeTableId: tableId,
      });
      workloadSubnets.push(subnet.id);
    }
  };
  addSubnets('hub', 0, HUB_WORKLOAD_SUBNETS);
  for (let s = 1; s <= SPOKES; s++) {
    const id = `spoke${s}`;
    model.createVirtualNetwork({ id, addressSpaces: [v4(10, s, 0, 0, 16)] });
    addSubnets(id, s, SPOKE_SUBNETS);
    model.createPeering({ id: `hub-${id}`, localVnetId: 'hub', remoteVnetId: id, allowGatewayTransit: true });
    model.createPeering({ id: `${id}-hub`, localVnetId: id, remoteVnetId: 'hub', useRemoteGateways: true });
  }
  for (let n = 0; n < NICS; n++) {
    const subnetIndex = n % workloadSubnets.length;
    const host = 4 + Math.floor(n / workloadSubnets.length);
    const subnetId = workloadSubnets[subnetIndex]!;
    const second = subnetId.startsWith('hub') ? 0 : Number(subnetId.slice(5, subnetId.indexOf('/')));
    const third = Number(subnetId.slice(subnetId.lastIndexOf('/s') + 2));
    model.createNetworkInterface({
      id: `nic${n}`,
      subnetId,
      privateIpAddress: `10.${second}.${third}.${host}`,
    });
  }
  return { model, rs, workloadSubnets };
}

const bgpPrefix = (i: number): Prefix => v4(172, 16 + (i >> 8), i & 255, 0, 24);
const announce = (prefix: Prefix, nextHops: string[]): RouteChange => ({ prefix, route: { nextHops } });
const withdraw = (prefix: Prefix): RouteChange => ({ prefix, route: null });

function memory(label: string): void {
  gc();
  const m = process.memoryUsage();
  const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;
  console.log(`${label}: rss ${mb(m.rss)}, heapUsed ${mb(m.heapUsed)}`);
}

function timeMs(action: () => void): number {
  const start = performance.now();
  action();
  return performance.now() - start;
}

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
  return `mean ${mean.toFixed(2)} ms, median ${sorted[sorted.length >> 1]!.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${sorted[sorted.length - 1]!.toFixed(2)} ms`;
}

/** One round of the three single-prefix changes; each sample is the call that changes the union. */
function changeRound(rs: RouteServerBinding, round: number, samples: Record<string, number[]>): void {
  const fresh = v4(198, 18, round & 255, 0, 24);
  samples.add!.push(timeMs(() => rs.applyRouteChanges('IN_0', [announce(fresh, NVA_HOPS)])));
  rs.applyRouteChanges('IN_1', [announce(fresh, NVA_HOPS)]);
  rs.applyRouteChanges('IN_1', [withdraw(fresh)]);
  samples.withdraw!.push(timeMs(() => rs.applyRouteChanges('IN_0', [withdraw(fresh)])));
  const victim = bgpPrefix(round % BGP_PREFIXES);
  rs.applyRouteChanges('IN_1', [announce(victim, [NVA_HOPS[0]!])]);
  samples.ecmpLost!.push(timeMs(() => rs.applyRouteChanges('IN_0', [announce(victim, [NVA_HOPS[0]!])])));
  rs.applyRouteChanges('IN_0', [announce(victim, NVA_HOPS)]);
  rs.applyRouteChanges('IN_1', [announce(victim, NVA_HOPS)]);
}

function measureChanges(rs: RouteServerBinding, label: string, rounds: number): void {
  const samples: Record<string, number[]> = { add: [], withdraw: [], ecmpLost: [] };
  for (let round = 0; round < rounds; round++) changeRound(rs, round, samples);
  console.log(`BGP single-prefix change, ${label}:`);
  console.log(`  add prefix        ${stats(samples.add!)}`);
  console.log(`  withdraw prefix   ${stats(samples.withdraw!)}`);
  console.log(`  ECMP member lost  ${stats(samples.ecmpLost!)}`);
}

function measureNextHop(model: VirtualNetworkModel): void {
  const queries: [string, string][] = [];
  for (let i = 0; i < 200_000; i++) {
    const nic = `nic${(i * 7919) % NICS}`;
    const kind = i % 4;
    const destination =
      kind === 0
        ? formatIpv4(((172 << 24) | ((16 + ((i >> 8) % 15)) << 16) | ((i & 255) << 8) | 9) >>> 0)
        : kind === 1
          ? `10.${i % 10}.${i % 48}.${4 + (i % 100)}`
          : kind === 2
            ? `192.168.${i % 50}.1`
            : `${20 + (i % 100)}.${i & 255}.1.1`;
    queries.push([nic, destination]);
  }
  for (const [nic, destination] of queries.slice(0, 20_000)) model.nextHop(nic, destination);
  let sink = 0;
  const elapsed = timeMs(() => {
    for (const [nic, destination] of queries)
      sink += model.nextHop(nic, destination).nextHopIpAddresses.length;
  });
  console.log(
    `next-hop query: ${((elapsed * 1000) / queries.length).toFixed(2)} µs average over ${queries.length} queries (checksum ${sink})`,
  );
  const tableMs = timeMs(() => {
    for (let i = 0; i < 20; i++) model.effectiveRoutes(`nic${i * 997}`);
  });
  console.log(
    `full effective route table of one NIC (${model.effectiveRoutes('nic0').length} rows): ${(tableMs / 20).toFixed(2)} ms`,
  );
}

/** Topology changes that reach many domains: a new spoke using the route server, a UDR edit, propagation off. */
function measureTopology(model: VirtualNetworkModel): void {
  model.createVirtualNetwork({ id: 'spoke-new', addressSpaces: [v4(10, 200, 0, 0, 16)] });
  model.createSubnet({ vnetId: 'spoke-new', name: 'w', addressPrefix: v4(10, 200, 0, 0, 24) });
  model.createPeering({
    id: 'hub-new',
    localVnetId: 'hub',
    remoteVnetId: 'spoke-new',
    allowGatewayTransit: true,
  });
  const peerMs = timeMs(() =>
    model.createPeering({
      id: 'new-hub',
      localVnetId: 'spoke-new',
      remoteVnetId: 'hub',
      useRemoteGateways: true,
    }),
  );
  console.log(
    `topology: spoke peering completed with useRemoteGateways (hub domains + new spoke): ${peerMs.toFixed(1)} ms`,
  );
  const udrMs = timeMs(() =>
    model.setRoute('hub-rt-0', {
      name: 'default',
      addressPrefix: v4(0, 0, 0, 0, 0),
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.0.0.100',
    }),
  );
  console.log(`topology: user route added to one route table: ${udrMs.toFixed(1)} ms`);
  const propagationMs = timeMs(() =>
    model.updateRouteTable('hub-rt-1', { disableBgpRoutePropagation: true }),
  );
  console.log(
    `topology: propagation disabled on one route table (${BGP_PREFIXES} prefixes leave): ${propagationMs.toFixed(1)} ms`,
  );
}

function main(): void {
  memory('baseline');
  let network!: ReturnType<typeof buildNetwork>;
  const buildMs = timeMs(() => (network = buildNetwork()));
  const { model, rs, workloadSubnets } = network;
  memory('after build');
  console.log(
    `built ${workloadSubnets.length + 2} subnets, ${NICS} NICs, ${model.routeDomains().length} route domains in ${buildMs.toFixed(0)} ms`,
  );
  let events = 0;
  let nicsNotified = 0;
  const unsubscribe = subscribeRouteEvents((event: SdnRouteEvent) => {
    events++;
    if (event.type === 'effective-routes-changed')
      for (const d of event.domains) nicsNotified += d.nicIds.length;
  });
  const full = Array.from({ length: BGP_PREFIXES }, (_, i) => announce(bgpPrefix(i), NVA_HOPS));
  const loadMs = timeMs(() => {
    rs.applyRouteChanges('IN_0', full);
    rs.applyRouteChanges('IN_1', full);
  });
  console.log(
    `initial load of ${BGP_PREFIXES} prefixes x 2 next hops from both instances: ${loadMs.toFixed(0)} ms`,
  );
  memory('after build and BGP load');
  events = 0;
  nicsNotified = 0;
  measureChanges(rs, 'with an event subscriber (per-domain diff + NIC lists)', 200);
  console.log(`  events: ${events}, NIC notifications per event: ${(nicsNotified / events).toFixed(0)}`);
  measureTopology(model);
  unsubscribe();
  measureChanges(rs, 'without subscribers (layer update only)', 200);
  measureNextHop(model);
  memory('final');
  console.log(`peak rss during the run: ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MB`);
}

main();
