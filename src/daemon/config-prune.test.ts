import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RouteServerService } from '../routeserver/index.js';
import { openSqliteStore } from '../store/index.js';
import { applyConfig } from './config-apply.js';
import { parseConfig } from './config-load.js';
import { pruneUndeclared } from './config-prune.js';

const seed = readFileSync(new URL('../../examples/seed-scenario.yaml', import.meta.url), 'utf8');
const withMaps = readFileSync(new URL('../../examples/route-maps.yaml', import.meta.url), 'utf8');
const SUB =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo/providers/Microsoft.Network';
const silent = pino({ level: 'silent' });

async function applied(text: string) {
  const store = openSqliteStore({ path: ':memory:' });
  const service = await RouteServerService.open({ store });
  const first = await applyConfig(service, parseConfig(text, 'seed'));
  return {
    service,
    declared: first.declared,
    close: async () => (await service.close(), await store.close()),
  };
}

describe('removals from the configuration file', () => {
  it('deletes what the previous file declared and the current one does not', async () => {
    const { service, declared, close } = await applied(seed);
    const next = seed
      .replace(/ {6}- name: firewall\n.*\n.*\n/, '')
      .replace(/ {2}- name: vm2-nic[\s\S]*$/, '');
    const report = await applyConfig(service, parseConfig(next, 'seed'));
    const pruned = await pruneUndeclared(service, declared, report.declared, silent);
    expect(pruned.deleted).toEqual([
      `${SUB}/networkInterfaces/vm2-nic`,
      `${SUB}/virtualHubs/rs1/bgpConnections/firewall`,
    ]);
    expect(service.resources.bgpConnections.get(`${SUB}/virtualHubs/rs1/bgpConnections/sdwan`)).toBeDefined();
    await close();
  });

  it('removes a whole route server children first', async () => {
    const { service, declared, close } = await applied(seed);
    const next = seed.replace(/routeServers:[\s\S]*?networkInterfaces:/, 'networkInterfaces:');
    const report = await applyConfig(service, parseConfig(next, 'seed'));
    const pruned = await pruneUndeclared(service, declared, report.declared, silent);
    expect(pruned.kept).toEqual([]);
    expect(pruned.deleted).toEqual([
      `${SUB}/virtualHubs/rs1/bgpConnections/sdwan`,
      `${SUB}/virtualHubs/rs1/bgpConnections/firewall`,
      `${SUB}/virtualHubs/rs1/ipConfigurations/ipconfig1`,
      `${SUB}/virtualHubs/rs1`,
    ]);
    expect(service.resources.virtualHubs.get(`${SUB}/virtualHubs/rs1`)).toBeUndefined();
    await close();
  });

  it('never deletes what the file did not declare, and keeps a refused deletion for the next start', async () => {
    const { service, declared, close } = await applied(seed);
    // made through the API: a NIC in the workload subnet
    await service.resources.networkInterfaces.put(`${SUB}/networkInterfaces/by-hand`, {
      subnetId: `${SUB}/virtualNetworks/vnet1/subnets/workload`,
    });
    const next = seed.replace(/ {6}- name: workload\n.*\n/, '').replace(/ {2}- name: vm1-nic[\s\S]*$/, '');
    const report = await applyConfig(service, parseConfig(next, 'seed'));
    const pruned = await pruneUndeclared(service, declared, report.declared, silent);
    expect(pruned.kept).toEqual([`${SUB}/virtualNetworks/vnet1/subnets/workload`]);
    expect(service.resources.networkInterfaces.get(`${SUB}/networkInterfaces/by-hand`)).toBeDefined();
    expect(service.resources.subnets.get(`${SUB}/virtualNetworks/vnet1/subnets/workload`)).toBeDefined();
    await close();
  });

  it('deletes a route map the file no longer declares once no peering names it', async () => {
    const { service, declared, close } = await applied(withMaps);
    const rs = `${SUB}/virtualHubs/rs1`;
    const next = withMaps
      .replace(/ {6}- name: to-firewall\n(.*\n){4}/, '')
      .replace('        outboundRouteMap: to-firewall\n', '');
    const report = await applyConfig(service, parseConfig(next, 'route-maps'));
    expect(report.written).toEqual([`${rs}/bgpConnections/firewall`]);
    const pruned = await pruneUndeclared(service, declared, report.declared, silent);
    expect(pruned).toEqual({ deleted: [`${rs}/routeMaps/to-firewall`], kept: [] });
    expect(service.resources.routeMaps.get(`${rs}/routeMaps/to-firewall`)).toBeUndefined();
    await close();
  });

  it('keeps a route map a peering still names, as the API refuses its deletion, and deletes it once unnamed', async () => {
    const { service, declared, close } = await applied(withMaps);
    const rs = `${SUB}/virtualHubs/rs1`;
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    const withoutMap = withMaps.replace(/ {6}- name: to-firewall\n(.*\n){4}/, '');
    const report = await applyConfig(service, parseConfig(withoutMap, 'route-maps'));
    expect(report.written).toEqual([]);
    const pruned = await pruneUndeclared(service, declared, report.declared, logger);
    expect(pruned).toEqual({ deleted: [], kept: [`${rs}/routeMaps/to-firewall`] });
    expect(warnings.join('')).toContain("route map 'to-firewall' is used by BGP connection 'firewall'");
    expect(service.resources.routeMaps.get(`${rs}/routeMaps/to-firewall`)).toBeDefined();
    // the next start: the peering no longer names it, the kept id is deleted
    const unnamed = withoutMap.replace('        outboundRouteMap: to-firewall\n', '');
    const last = await applyConfig(service, parseConfig(unnamed, 'route-maps'));
    const retried = await pruneUndeclared(
      service,
      [...report.declared, ...pruned.kept],
      last.declared,
      silent,
    );
    expect(retried.deleted).toEqual([`${rs}/routeMaps/to-firewall`]);
    await close();
  });

  it('removes a route server with its route maps, peerings first', async () => {
    const { service, declared, close } = await applied(withMaps);
    const rs = `${SUB}/virtualHubs/rs1`;
    const next = withMaps.replace(/routeServers:[\s\S]*$/, '');
    const report = await applyConfig(service, parseConfig(next, 'route-maps'));
    const pruned = await pruneUndeclared(service, declared, report.declared, silent);
    expect(pruned.kept).toEqual([]);
    expect(pruned.deleted).toEqual([
      `${rs}/bgpConnections/sdwan`,
      `${rs}/bgpConnections/firewall`,
      `${rs}/routeMaps/from-sdwan`,
      `${rs}/routeMaps/to-firewall`,
      `${rs}/ipConfigurations/ipconfig1`,
      rs,
    ]);
    await close();
  });
});
