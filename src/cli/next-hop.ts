/**
 * `nic next-hop`: the route a NIC's traffic to one destination takes, shaped
 * like Network Watcher's next-hop result (`nextHopType`, `nextHopIpAddress`,
 * `routeTableId`).
 *
 * Computed from the NIC's effective route table: the longest Active prefix
 * containing the destination wins, and every Active row at that prefix
 * contributes its next hops (ECMP). This equals the server's next-hop lookup
 * (src/sdn/next-hop.ts, property-tested against a scan over the Active rows):
 * routes that lose to a user route of the same prefix, or to a VNet space,
 * are already Invalid in the table.
 */
import { parsePrefix, prefixContains, type Prefix } from '../lib/prefix.js';
import { CLI_ERROR_CODES, CliError } from './errors.js';
import { isRecord } from './context.js';

interface NextHop {
  readonly destination: string;
  readonly nextHopType: string;
  /** the first next hop, as Network Watcher reports one; null for none */
  readonly nextHopIpAddress: string | null;
  /** every next hop of the winning prefix (several under ECMP) */
  readonly nextHopIpAddresses: readonly string[];
  /** the winning prefix; null when no route matches */
  readonly addressPrefix: string | null;
  /** Default, User or VirtualNetworkGateway; null when no route matches */
  readonly source: string | null;
  /** the subnet's route table for a user route, "System Route" otherwise (as Network Watcher) */
  readonly routeTableId: string;
}

interface Row {
  readonly prefix: Prefix;
  readonly text: string;
  readonly source: string;
  readonly nextHopType: string;
  readonly nextHops: readonly string[];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function activeRows(table: unknown): Row[] {
  const value = isRecord(table) ? table['value'] : undefined;
  if (!Array.isArray(value))
    throw new CliError(CLI_ERROR_CODES.BAD_RESPONSE, 'an effective route table without value');
  const rows: Row[] = [];
  for (const route of value) {
    if (!isRecord(route) || route['state'] !== 'Active') continue;
    for (const text of strings(route['addressPrefix'])) {
      rows.push({
        prefix: parsePrefix(text),
        text,
        source: String(route['source']),
        nextHopType: String(route['nextHopType']),
        nextHops: strings(route['nextHopIpAddress']),
      });
    }
  }
  return rows;
}

export function parseDestination(text: string): Prefix {
  try {
    const prefix = parsePrefix(text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`);
    if (prefix.length !== (prefix.family === 4 ? 32 : 128)) throw new Error('not a host');
    return prefix;
  } catch {
    throw new CliError(CLI_ERROR_CODES.BAD_ARGUMENT, `--dest '${text}' is not an IP address`);
  }
}

/** The next hop toward `destination` in an effective route table (`{value: [...]}` as the API returns it). */
export function nextHopFromTable(
  table: unknown,
  destination: Prefix,
  destinationText: string,
  routeTableId: string | null,
): NextHop {
  const matching = activeRows(table).filter((row) => prefixContains(row.prefix, destination));
  const longest = Math.max(-1, ...matching.map((row) => row.prefix.length));
  const winners = matching.filter((row) => row.prefix.length === longest);
  const first = winners[0];
  if (first === undefined) {
    return {
      destination: destinationText,
      nextHopType: 'None',
      nextHopIpAddress: null,
      nextHopIpAddresses: [],
      addressPrefix: null,
      source: null,
      routeTableId: 'System Route',
    };
  }
  const nextHops = [...new Set(winners.flatMap((row) => row.nextHops))];
  return {
    destination: destinationText,
    nextHopType: first.nextHopType,
    nextHopIpAddress: nextHops[0] ?? null,
    nextHopIpAddresses: nextHops,
    addressPrefix: first.text,
    source: first.source,
    routeTableId: first.source === 'User' && routeTableId !== null ? routeTableId : 'System Route',
  };
}
