/**
 * What sharing instance state through etcd costs (src/routeserver/shared-runtime.ts,
 * docs/ha.md): two "hosts" in this process, each a WorkerRuntime running one
 * instance (A: IN_0, B: IN_1) wrapped in a SharedRuntime on its own etcd
 * connection and lease, on a single-member etcd on loopback started here.
 * NVAs are BgpSpeakers on loopback addresses peering with both instances.
 *
 * 1. `peers` NVAs (default 8) each announce `routes` prefixes (default 4,000)
 *    to both instances: the time from the first UPDATE sent until host A's
 *    own instance injects every route, until host B has every route of A's
 *    instance (through etcd), and until the learned routes of every peer are
 *    published; the keys and bytes the live state holds in etcd, and what was
 *    written meanwhile (etcd's own counters: puts, bytes received from
 *    clients); the time host B takes to answer IN_0's
 *    advertised routes to one peer (asked of host A through etcd).
 * 2. One announcement to IN_0 only, repeated `--samples` times (default
 *    200): the time until host B's model receives it from host A, p50/p99.
 * 3. With `--full N` (e.g. 1000000): one NVA announces N routes to IN_0, a
 *    second announces none; the same times and bytes as 1, and IN_0's
 *    advertised routes to the second (the N routes) asked through host B.
 *
 *   npx tsx bench/ha-live-state.ts [--peers 8] [--routes 4000] [--samples 200] [--full 1000000]
 *
 * Prints the figures. No thresholds.
 */
import { UpdateBuilder } from '../src/bgp/codec/index.js';
import { BgpSpeaker } from '../src/bgp/session/index.js';
import { formatPrefix, ipv4KeyOf, parseIpv4 } from '../src/lib/prefix.js';
import { SharedRuntime } from '../src/routeserver/index.js';
import { WorkerRuntime, type InjectedRoutes, type RouteServerRuntimeSpec } from '../src/runtime/index.js';
import { startEtcd } from '../src/store/etcd-server.test-support.js';
import { openEtcdLiveState } from '../src/store/index.js';
import { Etcd3 } from 'etcd3';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

const PEERS = option('--peers', 8);
const ROUTES = option('--routes', 4000);
const SAMPLES = option('--samples', 200);
const FULL = option('--full', 0);
const RS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualHubs/bench';
const block = 100 + Math.floor(Math.random() * 150);
const ip = (host: number) => `127.${block}.7.${host}`;
const now = () => performance.now();

/** What one host's model receives per instance: prefix → present. */
class Injected {
  readonly byInstance = new Map<string, Set<string>>();
  private readonly waiters = new Set<() => void>();
  add(routes: InjectedRoutes): void {
    let set = this.byInstance.get(routes.instance);
    if (set === undefined) this.byInstance.set(routes.instance, (set = new Set()));
    for (const { prefix, route } of routes.changes)
      if (route === null) set.delete(formatPrefix(prefix));
      else set.add(formatPrefix(prefix));
    for (const waiter of [...this.waiters]) waiter();
  }
  count(instance: string): number {
    return this.byInstance.get(instance)?.size ?? 0;
  }
  has(instance: string, prefix: string): boolean {
    return this.byInstance.get(instance)?.has(prefix) ?? false;
  }
  /** Resolves with the time once `done` holds. */
  when(done: () => boolean): Promise<number> {
    return new Promise((resolve) => {
      const check = () => {
        if (!done()) return;
        this.waiters.delete(check);
        resolve(now());
      };
      this.waiters.add(check);
      check();
    });
  }
}

function spec(peers: number, limit: number): RouteServerRuntimeSpec {
  return {
    routeServerId: RS,
    asn: 65515,
    instances: [
      { instance: 'IN_0', address: ip(4) },
      { instance: 'IN_1', address: ip(5) },
    ],
    addressSpaces: ['10.0.0.0/16'],
    peers: Array.from({ length: peers }, (_, i) => ({
      connectionId: `${RS}/bgpConnections/nva${i}`,
      peerIp: ip(10 + i),
      peerAsn: 65010 + i,
    })),
    settings: {
      allowBranchToBranchTraffic: false,
      hubRoutingPreference: 'ExpressRoute',
      maxRoutesPerPeer: limit,
    },
  };
}

async function host(endpoint: string, prefix: string, instance: string) {
  const local = new WorkerRuntime({ port: 0, instances: [instance] });
  const live = await openEtcdLiveState({ endpoints: [endpoint], prefix });
  const runtime = await SharedRuntime.open(local, live);
  const injected = new Injected();
  runtime.onInjectedRoutes((routes) => injected.add(routes));
  return {
    local,
    runtime,
    injected,
    close: async () => {
      await runtime.close();
      await live.close();
    },
  };
}

/** /32s (or /24s) from 20.0.0.0 on, `offset` apart per peer. */
function prefixesOf(index: number, count: number, length: number): number[] {
  const keys: number[] = [];
  const base = (20 << 24) >>> 0;
  const step = length === 32 ? 1 : 256;
  for (let i = 0; i < count; i++) keys.push(ipv4KeyOf((base + (index * count + i) * step) >>> 0, length));
  return keys;
}

/** etcd's counters of what its clients wrote (its /metrics on the client URL). */
async function etcdCounters(endpoint: string): Promise<{ puts: number; bytes: number }> {
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  const sum = (name: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(name + ' ') || line.startsWith(name + '{'))
      .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return {
    puts: sum('etcd_mvcc_put_total'),
    bytes: sum('etcd_network_client_grpc_received_bytes_total'),
  };
}

/** Keys and bytes of the live state, read a few keys at a time (gRPC answers stay below 4 MiB). */
async function liveBytes(
  client: Etcd3,
  prefix: string,
): Promise<{ keys: number; bytes: number; learnedKeys: number }> {
  let keys = 0;
  let bytes = 0;
  let learnedKeys = 0;
  const end = Buffer.from(`${prefix}live0`); // '0' follows '/'
  for (let from = Buffer.from(`${prefix}live/`); ;) {
    const page = await client.kv.range({ key: from, range_end: end, limit: 2 });
    for (const kv of page.kvs) {
      keys++;
      bytes += kv.key.length + kv.value.length;
      if (kv.key.toString().startsWith(`${prefix}live/l/`)) learnedKeys++;
    }
    if (!page.more || page.kvs.length === 0) return { keys, bytes, learnedKeys };
    from = Buffer.concat([page.kvs[page.kvs.length - 1]!.key, Buffer.from([0])]);
  }
}

/**
 * `peers` NVAs, of which the first `announcing` announce `routes` each (to
 * both instances with `toBoth`); the advertised routes are asked for toward
 * the last NVA.
 */
async function scenario(
  endpoint: string,
  peers: number,
  announcing: number,
  routes: number,
  toBoth: boolean,
) {
  const prefix = `/bench-ha-${peers}x${routes}-${Date.now()}/`;
  const a = await host(endpoint, prefix, 'IN_0');
  const b = await host(endpoint, prefix, 'IN_1');
  // Azure's limit is 4,000 per peer; the single announcements of part 2 come on top of a full table
  const runtimeSpec = spec(peers, Math.max(routes, 4000) + SAMPLES);
  await a.runtime.startRouteServer(runtimeSpec);
  await b.runtime.startRouteServer(runtimeSpec);
  const [in0] = a.local.instanceThreads(RS);
  const [in1] = b.local.instanceThreads(RS);
  const nvas: BgpSpeaker[] = [];
  for (let i = 0; i < peers; i++) {
    const nva = await BgpSpeaker.start({
      localAddress: ip(10 + i),
      listen: false,
      localAs: 65010 + i,
      allowReservedPeerAsns: true,
    });
    nva.addPeer({ address: ip(4), asn: 65515, port: in0!.port!, holdTimeSeconds: 90 });
    if (toBoth) nva.addPeer({ address: ip(5), asn: 65515, port: in1!.port!, holdTimeSeconds: 90 });
    nvas.push(nva);
  }
  const targets = toBoth ? [ip(4), ip(5)] : [ip(4)];
  while (!nvas.every((nva) => targets.every((t) => nva.peer(t)?.state === 'Established')))
    await new Promise((r) => setTimeout(r, 20));
  const total = announcing * routes;
  const length = routes > 60_000 ? 24 : 32;
  const before = await etcdCounters(endpoint);
  const started = now();
  for (const [i, nva] of nvas.slice(0, announcing).entries()) {
    for (const target of targets) {
      const session = nva.peer(target)!;
      const keys = prefixesOf(i, routes, length);
      for (let at = 0; at < keys.length; at += 50_000) {
        const builder = new UpdateBuilder(session.negotiated!.context);
        builder.announce(
          { origin: 0, asPath: [{ type: 2, asns: [65010 + i] }], nextHop: parseIpv4(ip(10 + i))! },
          keys.slice(at, at + 50_000),
        );
        session.write([builder.take()]);
      }
    }
  }
  const localDone = a.injected.when(() => a.injected.count('IN_0') >= total);
  const remoteDone = b.injected.when(() => b.injected.count('IN_0') >= total);
  const [localAt, remoteAt] = await Promise.all([localDone, remoteDone]);
  const client = new Etcd3({ hosts: [endpoint] });
  // learned routes are published once the tables stopped arriving (shared-runtime.ts): wait until
  // every peer's are in etcd for each instance, and nothing changed for 1.5 s
  let published = now();
  for (let last = -1, quiet = 0; quiet < 3;) {
    const { bytes, learnedKeys } = await liveBytes(client, prefix);
    if (bytes === last && learnedKeys >= announcing * targets.length) quiet++;
    else {
      quiet = 0;
      published = now();
    }
    last = bytes;
    await new Promise((r) => setTimeout(r, 500));
  }
  const stored = await liveBytes(client, prefix);
  client.close();
  const after = await etcdCounters(endpoint);
  const written = {
    puts: after.puts - before.puts,
    bytes: after.bytes - before.bytes,
    seconds: (published - started) / 1000,
  };
  const lastPeer = runtimeSpec.peers[peers - 1]!.connectionId;
  return {
    a,
    b,
    nvas,
    started,
    localAt,
    remoteAt,
    published,
    stored,
    written,
    total,
    lastPeer,
  };
}

function report(run: Awaited<ReturnType<typeof scenario>>): void {
  console.log(
    `  host A's IN_0 injects all:           ${(run.localAt - run.started).toFixed(0)} ms after the first UPDATE`,
  );
  console.log(
    `  host B has all of IN_0's (via etcd):  ${(run.remoteAt - run.started).toFixed(0)} ms (${(run.remoteAt - run.localAt).toFixed(0)} ms after host A)`,
  );
  console.log(
    `  learned routes published:             within ${(run.published - run.started).toFixed(0)} ms (polled every 500 ms)`,
  );
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);
  console.log(`  live state in etcd: ${run.stored.keys} keys, ${mib(run.stored.bytes)} MiB (both hosts)`);
  const { puts, bytes, seconds } = run.written;
  console.log(
    `  written until then: ${puts} puts, ${mib(bytes)} MiB from clients; ` +
      `${(puts / seconds).toFixed(0)} puts/s, ${mib(bytes / seconds)} MiB/s over ${seconds.toFixed(1)} s`,
  );
}

/** IN_0's advertised routes to the last peer, asked through host B (of host A, through etcd). */
async function reportAdvertised(run: Awaited<ReturnType<typeof scenario>>): Promise<void> {
  const asked = now();
  try {
    const advertised = await run.b.runtime.advertisedRoutes(RS, run.lastPeer);
    const count = advertised.filter((route) => route.instance === 'IN_0').length;
    console.log(
      `  IN_0's advertised routes to one peer, asked through host B: ${count} routes in ${(now() - asked).toFixed(0)} ms`,
    );
  } catch (error) {
    console.log(
      `  IN_0's advertised routes to one peer: failed after ${(now() - asked).toFixed(0)} ms: ${String(error)}`,
    );
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const etcd = await startEtcd();
try {
  const run = await scenario(etcd.endpoint, PEERS, PEERS, ROUTES, true);
  console.log(`${PEERS} peers x ${ROUTES} routes to each instance (${run.total} per instance):`);
  report(run);
  await reportAdvertised(run);
  const nva = run.nvas[0]!;
  const session = nva.peer(ip(4))!;
  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    // one at a time, 20 ms apart (a burst would be one batch)
    await new Promise((resolve) => setTimeout(resolve, 20));
    const key = ipv4KeyOf(((30 << 24) + i * 256) >>> 0, 24);
    const text = `30.${(i >> 8) & 255}.${i & 255}.0/24`;
    const builder = new UpdateBuilder(session.negotiated!.context);
    builder.announce({ origin: 0, asPath: [{ type: 2, asns: [65010] }], nextHop: parseIpv4(ip(10))! }, [key]);
    const sent = now();
    const seen = run.b.injected.when(() => run.b.injected.has('IN_0', text));
    session.write([builder.take()]);
    latencies.push((await seen) - sent);
  }
  latencies.sort((x, y) => x - y);
  if (SAMPLES > 0)
    console.log(
      `one announcement to IN_0 → host B's model (${SAMPLES} samples): p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies[latencies.length - 1]!.toFixed(1)} ms`,
    );
  for (const speaker of run.nvas) await speaker.stop();
  await run.a.close();
  await run.b.close();
  if (FULL > 0) {
    const full = await scenario(etcd.endpoint, 2, 1, FULL, false);
    console.log(`1 peer x ${FULL} routes to IN_0 (and one peer announcing none):`);
    report(full);
    await reportAdvertised(full);
    for (const speaker of full.nvas) await speaker.stop();
    await full.a.close();
    await full.b.close();
  }
} finally {
  await etcd.stop();
}
