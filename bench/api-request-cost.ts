/**
 * What one API request costs as the request, and the store, grow: each row
 * is one PUT through the ARM API (fastify inject: routing, schema, the
 * domain service, the virtual network model, a SQLite commit), timed from
 * request to answer.
 *
 *   npx tsx bench/api-request-cost.ts [--quick] [--only vnet-prefixes,inline-subnets,...]
 *
 * Cases:
 * - vnet-prefixes: a VNet with N address prefixes (/28s of 10.0.0.0/8), up
 *   to the 10,000 allowed, and a 45,000-prefix one that is refused;
 * - inline-subnets: a VNet (10.0.0.0/8) with N /24 subnets inline, up to
 *   the 3,000 allowed, and a 5,000-subnet one that is refused;
 * - inline-subnets+tables: the same with 10,000 route tables stored;
 * - empty-table-next-to-big-vnet: an empty route table while a VNet with
 *   10,000 address prefixes exists.
 * Limits: docs/limits.md. Prints a table; no thresholds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApiServer } from '../src/api/index.js';
import { registerNetworkResources } from '../src/api/routes/index.js';
import { RouteServerService } from '../src/routeserver/index.js';
import { openSqliteStore, type SqliteResourceStore } from '../src/store/index.js';
import { NET, fillRouteTables } from './lib/fill-store.js';
import { printTable } from './lib/text-table.js';

const API_VERSION = 'api-version=2024-05-01';

interface Harness {
  /** one PUT; throws unless it is answered with `expected` (2xx by default) */
  put(path: string, body: unknown, expected?: number): Promise<{ status: number; ms: number }>;
  close(): Promise<void>;
}

async function harness(fill?: (store: SqliteResourceStore) => Promise<void>): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'rs-bench-api-'));
  const store = openSqliteStore({ path: join(dir, 'state.db') });
  if (fill) await fill(store);
  const service = await RouteServerService.open({ store });
  const server = await createApiServer({ dataDir: dir, listen: { host: '127.0.0.1', port: 0 } });
  registerNetworkResources(server, service);
  const authorization = `Bearer ${server.credentials.token}`;
  await server.app.ready();
  const h: Harness = {
    async put(path, body, expected) {
      const started = performance.now();
      const res = await server.app.inject({
        method: 'PUT',
        url: `${NET}/${path}?${API_VERSION}`,
        headers: { authorization },
        payload: body as object,
      });
      const ms = performance.now() - started;
      const ok = expected === undefined ? res.statusCode < 300 : res.statusCode === expected;
      if (!ok) throw new Error(`PUT ${path}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      return { status: res.statusCode, ms };
    },
    async close() {
      await server.close();
      await service.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // the first requests of each kind compile schemas and code paths; not part of the figures
  for (let i = 0; i < 3; i++) {
    await h.put(`virtualNetworks/warm${i}`, {
      location: 'local',
      properties: {
        addressSpace: { addressPrefixes: [`10.255.${i}.0/24`] },
        subnets: [{ name: 'a', properties: { addressPrefix: `10.255.${i}.0/28` } }],
      },
    });
    await h.put(`routeTables/warm${i}`, { location: 'local' });
  }
  return h;
}

/** N distinct /28 prefixes of 10.0.0.0/8. */
function addressPrefixes(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const base = i * 16;
    return `10.${(base >> 16) & 255}.${(base >> 8) & 255}.${base & 255}/28`;
  });
}

function vnetBody(prefixes: readonly string[], subnets: number): unknown {
  return {
    location: 'local',
    properties: {
      addressSpace: { addressPrefixes: prefixes },
      subnets: Array.from({ length: subnets }, (_, i) => ({
        name: `s${i}`,
        properties: { addressPrefix: `10.${i >> 8}.${i & 255}.0/24` },
      })),
    },
  };
}

type Row = { case: string; size: number; ms: number };

/** Refused with 400 QuotaExceeded over the limit (docs/limits.md); `refused` marks those rows. */
const OVER_LIMIT = { prefixes: 45_000, subnets: 5_000 };

async function vnetPrefixes(sizes: readonly number[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const size of [...sizes, OVER_LIMIT.prefixes]) {
    const h = await harness();
    const refused = size === OVER_LIMIT.prefixes;
    const { ms } = await h.put(
      'virtualNetworks/big',
      vnetBody(addressPrefixes(size), 0),
      refused ? 400 : undefined,
    );
    rows.push({ case: refused ? 'vnet-prefixes (refused: over the limit)' : 'vnet-prefixes', size, ms });
    await h.close();
  }
  return rows;
}

async function inlineSubnets(sizes: readonly number[], storedTables: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const size of [...sizes, OVER_LIMIT.subnets]) {
    const h = await harness(
      storedTables === 0 ? undefined : (store) => fillRouteTables(store, storedTables, 2),
    );
    const refused = size === OVER_LIMIT.subnets;
    const { ms } = await h.put(
      'virtualNetworks/wide',
      vnetBody(['10.0.0.0/8'], size),
      refused ? 400 : undefined,
    );
    const name = storedTables === 0 ? 'inline-subnets' : `inline-subnets+${storedTables} tables`;
    rows.push({ case: refused ? `${name} (refused: over the limit)` : name, size, ms });
    await h.close();
  }
  return rows;
}

async function emptyTableNextToBigVnet(prefixes: number): Promise<Row[]> {
  const h = await harness();
  await h.put('virtualNetworks/big', vnetBody(addressPrefixes(prefixes), 0));
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) samples.push((await h.put(`routeTables/empty${i}`, { location: 'local' })).ms);
  await h.close();
  samples.sort((a, b) => a - b);
  return [
    {
      case: `empty route table (VNet with ${prefixes} prefixes stored), median of 5`,
      size: 1,
      ms: samples[2]!,
    },
  ];
}

const quick = process.argv.includes('--quick');
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex < 0 ? undefined : new Set(process.argv[onlyIndex + 1]!.split(','));
const run = (name: string) => only === undefined || only.has(name);

const rows: Row[] = [];
if (run('vnet-prefixes'))
  rows.push(...(await vnetPrefixes(quick ? [2_500, 10_000] : [2_500, 5_000, 10_000])));
if (run('inline-subnets'))
  rows.push(...(await inlineSubnets(quick ? [500, 3000] : [500, 1000, 2000, 3000], 0)));
if (run('inline-subnets+tables'))
  rows.push(...(await inlineSubnets(quick ? [500, 3000] : [500, 1000, 2000, 3000], 10_000)));
if (run('empty-table-next-to-big-vnet')) rows.push(...(await emptyTableNextToBigVnet(10_000)));

printTable(
  ['case', 'size', 'ms', 'µs per item'],
  rows.map((r) => [
    r.case,
    r.size.toLocaleString('en'),
    r.ms.toFixed(1),
    ((r.ms * 1000) / r.size).toFixed(1),
  ]),
);
