/**
 * Domain service benchmark on the real SQLite store (fsync on every commit):
 * a hub VNet with 20 subnets and a route server, then N NICs (Dynamic
 * addresses) written one by one through the facade, the effective route table
 * of one NIC, and a re-open of the store (load into the model).
 *
 *   npx tsx bench/routeserver-service.ts [NICS=5000]
 *
 * Prints figures only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RouteServerService } from '../src/routeserver/index.js';
import { openSqliteStore } from '../src/store/index.js';

const NICS = Number(process.argv[2] ?? 5000);
const NET =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network';
const SUBNETS = 20;

const dir = mkdtempSync(join(tmpdir(), 'rs-bench-svc-'));
const path = join(dir, 'state.db');
try {
  let store = openSqliteStore({ path });
  let service = await RouteServerService.open({ store });
  const vnet = `${NET}/virtualNetworks/hub`;
  await service.resources.virtualNetworks.put(vnet, {
    addressPrefixes: ['10.0.0.0/8'],
    subnets: [
      { name: 'RouteServerSubnet', addressPrefix: '10.255.0.0/26' },
      ...Array.from({ length: SUBNETS }, (_, i) => ({ name: `s${i}`, addressPrefix: `10.${i}.0.0/16` })),
    ],
  });
  await service.resources.virtualHubs.put(`${NET}/virtualHubs/rs`, {});
  await service.resources.ipConfigurations.put(`${NET}/virtualHubs/rs/ipConfigurations/ipconfig1`, {
    subnetId: `${vnet}/subnets/RouteServerSubnet`,
  });
  const writes: number[] = [];
  const started = performance.now();
  for (let i = 0; i < NICS; i++) {
    const t = performance.now();
    await service.resources.networkInterfaces.put(`${NET}/networkInterfaces/vm${i}`, {
      subnetId: `${vnet}/subnets/s${i % SUBNETS}`,
    });
    writes.push(performance.now() - t);
  }
  const total = performance.now() - started;
  writes.sort((a, b) => a - b);
  const pct = (p: number) => writes[Math.min(writes.length - 1, Math.floor(writes.length * p))]!.toFixed(2);
  console.log(
    `NIC writes: ${NICS} in ${(total / 1000).toFixed(2)} s (${(NICS / (total / 1000)).toFixed(0)}/s); p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`,
  );
  let t = performance.now();
  const list = await service.resources.networkInterfaces.actions.effectiveRouteTable!(
    `${NET}/networkInterfaces/vm0`,
  );
  const rows = (list as { value: unknown[] }).value;
  console.log(
    `effective route table of one NIC: ${rows.length} rows in ${(performance.now() - t).toFixed(2)} ms`,
  );
  t = performance.now();
  const vnetView = service.resources.virtualNetworks.get(vnet)!;
  console.log(
    `GET of the VNet (${vnetView.subnets.length} subnets, ${NICS} ipConfigurations): ${(performance.now() - t).toFixed(2)} ms`,
  );
  await service.close();
  await store.close();
  t = performance.now();
  store = openSqliteStore({ path });
  service = await RouteServerService.open({ store });
  console.log(
    `re-open (load ${NICS + SUBNETS + 4} records into the model): ${(performance.now() - t).toFixed(0)} ms`,
  );
  console.log(`heap used: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
  await service.close();
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
