/**
 * From a NIC's effective route rows to the kernel routes the agent wants, and
 * from what the kernel holds to the operations that close the gap. Pure: no
 * I/O; kernel.ts reads and writes the kernel.
 *
 * | effective row (Active) | kernel route |
 * | --- | --- |
 * | VirtualNetworkGateway (BGP) | `via` the NVA; several rows of one prefix (ECMP) → one multipath route |
 * | VirtualAppliance (user route) | `via` its address (several: multipath) |
 * | None | `blackhole` |
 * | VnetLocal, VNetPeering | on-link through the VM's interface (`dev`, scope link) |
 * | Internet | nothing: the host's own default route carries it |
 *
 * Invalid rows are ignored (they lost to another row of the same prefix).
 * Each prefix has one Active kind in a table (docs/azure-behaviour.md §3.5),
 * so one kernel route per prefix.
 */

/** The row fields the agent reads (the rows of `POST …/effectiveRouteTable` and of its watch). */
export interface EffectiveRow {
  readonly state: string;
  readonly addressPrefix: readonly string[];
  readonly nextHopType: string;
  readonly nextHopIpAddress: readonly string[];
}

/** A route in the main table, as the agent installs it or reads it back. */
export interface KernelRoute {
  /** canonical `a.b.c.d/len` */
  readonly prefix: string;
  readonly type: 'unicast' | 'blackhole';
  /** next hop addresses, ascending; empty for on-link and blackhole routes */
  readonly gateways: readonly string[];
  /** the interface; undefined for blackhole routes */
  readonly dev: string | undefined;
}

type KernelOperation =
  | { readonly op: 'replace'; readonly route: KernelRoute }
  | { readonly op: 'delete'; readonly route: KernelRoute };

interface RoutePlan {
  readonly operations: readonly KernelOperation[];
  /** prefixes the agent wants but another owner's route holds (left alone) */
  readonly conflicts: readonly string[];
}

const VIA_TYPES = new Set(['VirtualNetworkGateway', 'VirtualAppliance']);
const ON_LINK_TYPES = new Set(['VnetLocal', 'VNetPeering']);

function compareAddresses(a: string, b: string): number {
  const value = (text: string) => text.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
  return value(a) - value(b);
}

/** The kernel route for one prefix's Active rows; undefined when the agent leaves the prefix alone. */
function routeFor(prefix: string, rows: readonly EffectiveRow[], dev: string): KernelRoute | undefined {
  const active = rows.filter((row) => row.state === 'Active');
  const kind = active[0]?.nextHopType;
  if (kind === undefined || prefix.includes(':')) return undefined;
  if (kind === 'None') return { prefix, type: 'blackhole', gateways: [], dev: undefined };
  if (ON_LINK_TYPES.has(kind)) return { prefix, type: 'unicast', gateways: [], dev };
  if (!VIA_TYPES.has(kind)) return undefined;
  const gateways = new Set(
    active.filter((row) => row.nextHopType === kind).flatMap((row) => row.nextHopIpAddress),
  );
  if (gateways.size === 0) return undefined;
  return { prefix, type: 'unicast', gateways: [...gateways].sort(compareAddresses), dev };
}

/** Every kernel route a table asks for, by prefix. */
export function desiredRoutes(rows: readonly EffectiveRow[], dev: string): Map<string, KernelRoute> {
  const byPrefix = new Map<string, EffectiveRow[]>();
  for (const row of rows) {
    for (const prefix of row.addressPrefix) {
      const list = byPrefix.get(prefix);
      if (list === undefined) byPrefix.set(prefix, [row]);
      else list.push(row);
    }
  }
  const routes = new Map<string, KernelRoute>();
  for (const [prefix, prefixRows] of byPrefix) {
    const route = routeFor(prefix, prefixRows, dev);
    if (route !== undefined) routes.set(prefix, route);
  }
  return routes;
}

function sameRoute(a: KernelRoute, b: KernelRoute): boolean {
  return (
    a.prefix === b.prefix &&
    a.type === b.type &&
    a.dev === b.dev &&
    a.gateways.length === b.gateways.length &&
    a.gateways.every((gateway, i) => gateway === b.gateways[i])
  );
}

/**
 * The operations that turn `installed` (the agent's own routes) into
 * `desired`, leaving alone every prefix that `foreign` (routes of other
 * owners in the same table) already holds.
 */
export function planRoutes(
  desired: ReadonlyMap<string, KernelRoute>,
  installed: ReadonlyMap<string, KernelRoute>,
  foreign: ReadonlySet<string>,
): RoutePlan {
  const operations: KernelOperation[] = [];
  const conflicts: string[] = [];
  for (const [prefix, route] of installed) {
    if (!desired.has(prefix)) operations.push({ op: 'delete', route });
  }
  for (const [prefix, route] of desired) {
    const current = installed.get(prefix);
    if (current === undefined && foreign.has(prefix)) conflicts.push(prefix);
    else if (current === undefined || !sameRoute(current, route)) operations.push({ op: 'replace', route });
  }
  return { operations, conflicts };
}

/** One `ip -batch` line for an operation, marked with the agent's route protocol. */
export function batchLine(operation: KernelOperation, protocol: number): string {
  const { route } = operation;
  if (operation.op === 'delete') return `route del ${route.prefix} proto ${protocol}`;
  if (route.type === 'blackhole') return `route replace blackhole ${route.prefix} proto ${protocol}`;
  if (route.gateways.length === 0) {
    return `route replace ${route.prefix} dev ${route.dev} scope link proto ${protocol}`;
  }
  if (route.gateways.length === 1) {
    return `route replace ${route.prefix} via ${route.gateways[0]} dev ${route.dev} proto ${protocol}`;
  }
  const hops = route.gateways.map((gateway) => `nexthop via ${gateway} dev ${route.dev}`).join(' ');
  return `route replace ${route.prefix} proto ${protocol} ${hops}`;
}

/** A route of `ip -json route show` output (the fields the agent reads). */
export interface JsonRoute {
  readonly dst?: string;
  readonly type?: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly protocol?: string;
  readonly nexthops?: readonly { readonly gateway?: string; readonly dev?: string }[];
}

/** `ip -N` prints route types as numbers: RTN_BLACKHOLE is 6 (linux/rtnetlink.h). */
function isBlackhole(type: string | undefined): boolean {
  return type === 'blackhole' || type === '6';
}

function canonicalDestination(dst: string): string {
  if (dst === 'default') return '0.0.0.0/0';
  return dst.includes('/') ? dst : `${dst}/32`;
}

/** `ip -N -json route show` output → the agent's routes (protocol `protocol`) and the prefixes of others. */
export function readRoutes(
  json: readonly JsonRoute[],
  protocol: number,
): { own: Map<string, KernelRoute>; foreign: Set<string> } {
  const own = new Map<string, KernelRoute>();
  const foreign = new Set<string>();
  for (const entry of json) {
    if (entry.dst === undefined || entry.dst.includes(':')) continue;
    const prefix = canonicalDestination(entry.dst);
    if (entry.protocol !== String(protocol)) {
      foreign.add(prefix);
      continue;
    }
    const hops = entry.nexthops ?? (entry.gateway === undefined ? [] : [entry]);
    const gateways = hops.flatMap((hop) => (hop.gateway === undefined ? [] : [hop.gateway]));
    const dev = entry.dev ?? entry.nexthops?.[0]?.dev;
    own.set(prefix, {
      prefix,
      type: isBlackhole(entry.type) ? 'blackhole' : 'unicast',
      gateways: gateways.sort(compareAddresses),
      dev: isBlackhole(entry.type) ? undefined : dev,
    });
  }
  return { own, foreign };
}
