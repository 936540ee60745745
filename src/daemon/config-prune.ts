/**
 * Removals for the configuration file. The data directory remembers which
 * resources the last applied file declared (`<data-dir>/config-state.json`);
 * a resource an earlier file declared and the current one does not is
 * deleted through the domain service, children before parents (NICs, BGP
 * connections, route maps, ipConfigurations, route servers, VNet peerings, subnets,
 * VNets, routes, route tables). Resources made through the API or CLI were
 * never declared, so they are never deleted. A deletion the service refuses
 * (e.g. a subnet still used by a NIC made through the API) is logged and
 * retried on the next start; so is a route map a BGP connection still names.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { parseResourceId } from '../api/arm-id.js';
import type { DeleteResult, RouteServerService, WriteOptions } from '../routeserver/index.js';

export const CONFIG_STATE_FILE = 'config-state.json';

type Deleter = (service: RouteServerService, id: string, options?: WriteOptions) => Promise<DeleteResult>;

/** Resource types by the last segment of their id, in deletion order. */
const DELETION_ORDER: readonly (readonly [type: string, remove: Deleter])[] = [
  ['networkinterfaces', (s, id) => s.resources.networkInterfaces.delete(id)],
  ['bgpconnections', (s, id) => s.resources.bgpConnections.delete(id)],
  ['routemaps', (s, id) => s.resources.routeMaps.delete(id)],
  ['ipconfigurations', (s, id) => s.resources.ipConfigurations.delete(id)],
  ['virtualhubs', (s, id) => s.resources.virtualHubs.delete(id)],
  ['connections', (s, id) => s.resources.connections.delete(id)],
  ['virtualnetworkgateways', (s, id) => s.resources.virtualNetworkGateways.delete(id)],
  ['localnetworkgateways', (s, id) => s.resources.localNetworkGateways.delete(id)],
  ['peerings', (s, id) => s.resources.circuitPeerings.delete(id)],
  ['expressroutecircuits', (s, id) => s.resources.expressRouteCircuits.delete(id)],
  ['virtualnetworkpeerings', (s, id) => s.resources.virtualNetworkPeerings.delete(id)],
  ['subnets', (s, id) => s.resources.subnets.delete(id)],
  ['virtualnetworks', (s, id) => s.resources.virtualNetworks.delete(id)],
  ['routes', (s, id) => s.resources.routes.delete(id)],
  ['routetables', (s, id) => s.resources.routeTables.delete(id)],
];

function rank(id: string): number {
  const types = parseResourceId(id)?.types ?? [];
  const last = (types[types.length - 1] ?? '').toLowerCase();
  const index = DELETION_ORDER.findIndex(([type]) => type === last);
  return index < 0 ? DELETION_ORDER.length : index;
}

export function readDeclared(dataDir: string): string[] {
  const path = join(dataDir, CONFIG_STATE_FILE);
  if (!existsSync(path)) return [];
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as { declared?: unknown };
    return Array.isArray(state.declared)
      ? state.declared.filter((id): id is string => typeof id === 'string')
      : [];
  } catch {
    return [];
  }
}

export function writeDeclared(dataDir: string, declared: readonly string[]): void {
  const path = join(dataDir, CONFIG_STATE_FILE);
  writeFileSync(`${path}.new`, `${JSON.stringify({ declared }, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.new`, path);
}

interface PruneReport {
  readonly deleted: readonly string[];
  /** refused deletions, kept for the next start */
  readonly kept: readonly string[];
}

/** Deletes what `previous` declared and `current` does not; returns what was deleted and what was refused. */
export async function pruneUndeclared(
  service: RouteServerService,
  previous: readonly string[],
  current: readonly string[],
  logger: Logger,
): Promise<PruneReport> {
  const keep = new Set(current.map((id) => id.toLowerCase()));
  const gone = previous.filter((id) => !keep.has(id.toLowerCase())).sort((a, b) => rank(a) - rank(b));
  const deleted: string[] = [];
  const kept: string[] = [];
  for (const id of gone) {
    const remove = DELETION_ORDER[rank(id)]?.[1];
    if (remove === undefined) continue;
    try {
      const result = await remove(service, id);
      await result.applied.catch(() => undefined);
      if (result.existed) deleted.push(id);
    } catch (err) {
      kept.push(id);
      logger.warn(
        { id, err: err instanceof Error ? err.message : String(err) },
        'configuration: could not delete a resource the file no longer declares; retrying on the next start',
      );
    }
  }
  return { deleted, kept };
}
