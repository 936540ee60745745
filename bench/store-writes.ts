/**
 * Writes through the ARM API on each store backend: the embedded SQLite file
 * and a single-member etcd on loopback (Debian's etcd-server, its own data
 * directory, started and stopped here). Each row is N route-table PUTs
 * through the API (fastify inject: routing, schema, the domain service, the
 * store's commit), sent one after another (an operator's script) or with 16
 * in flight (several clients; the service still commits one write at a time).
 *
 *   npx tsx bench/store-writes.ts [--writes 2000]
 *
 * Prints writes/s and per-request latency (p50, p99, max). No thresholds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApiServer } from '../src/api/index.js';
import { registerNetworkResources } from '../src/api/routes/index.js';
import { RouteServerService } from '../src/routeserver/index.js';
import { startEtcd } from '../src/store/etcd-server.test-support.js';
import { openEtcdStore, openSqliteStore, type ResourceStore } from '../src/store/index.js';
import { NET } from './lib/fill-store.js';
import { printTable } from './lib/text-table.js';

const API_VERSION = 'api-version=2024-05-01';
const IN_FLIGHT = 16;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

interface Row {
  backend: string;
  shape: string;
  writes: number;
  seconds: number;
  latencies: number[];
}

async function measure(backend: string, store: ResourceStore, writes: number): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rs-bench-writes-'));
  const service = await RouteServerService.open({ store });
  const server = await createApiServer({ dataDir: dir, listen: { host: '127.0.0.1', port: 0 } });
  registerNetworkResources(server, service);
  await server.app.ready();
  const authorization = `Bearer ${server.credentials.token}`;
  const put = async (name: string): Promise<number> => {
    const started = performance.now();
    const res = await server.app.inject({
      method: 'PUT',
      url: `${NET}/routeTables/${name}?${API_VERSION}`,
      headers: { authorization },
      payload: { location: 'local', tags: { bench: name } },
    });
    if (res.statusCode >= 300) throw new Error(`PUT ${name}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return performance.now() - started;
  };
  try {
    for (let i = 0; i < 20; i++) await put(`warm${i}`); // schema compilation, connections
    const rows: Row[] = [];
    const sequential: number[] = [];
    let started = performance.now();
    for (let i = 0; i < writes; i++) sequential.push(await put(`seq${i}`));
    rows.push({
      backend,
      shape: 'one at a time',
      writes,
      seconds: (performance.now() - started) / 1000,
      latencies: sequential,
    });
    const parallel: number[] = [];
    let next = 0;
    started = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < writes) parallel.push(await put(`par${next++}`));
      }),
    );
    rows.push({
      backend,
      shape: `${IN_FLIGHT} in flight`,
      writes,
      seconds: (performance.now() - started) / 1000,
      latencies: parallel,
    });
    return rows;
  } finally {
    await server.close();
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const writes = option('--writes', 2000);
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'rs-bench-writes-db-'));
  const sqlite = openSqliteStore({ path: join(dir, 'state.db') });
  try {
    rows.push(...(await measure('SQLite', sqlite, writes)));
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const etcd = await startEtcd();
  try {
    const store = await openEtcdStore({ endpoints: [etcd.endpoint] });
    try {
      rows.push(...(await measure('etcd (1 member, loopback)', store, writes)));
    } finally {
      await store.close();
    }
  } finally {
    await etcd.stop();
  }
  printTable(
    ['store', 'requests', 'writes', 'writes/s', 'p50 ms', 'p99 ms', 'max ms'],
    rows.map((row) => {
      const sorted = [...row.latencies].sort((a, b) => a - b);
      return [
        row.backend,
        row.shape,
        String(row.writes),
        (row.writes / row.seconds).toFixed(0),
        percentile(sorted, 50).toFixed(1),
        percentile(sorted, 99).toFixed(1),
        sorted[sorted.length - 1]!.toFixed(1),
      ];
    }),
  );
}

await main();
