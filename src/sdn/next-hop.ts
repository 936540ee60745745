/**
 * Next-hop query, like Network Watcher's "next hop": for a destination, the
 * route that wins in a domain's effective table, its next hop(s) and why.
 *
 * Three longest-prefix lookups (user, BGP, system layer) instead of a scan:
 * - the longest match wins; on equal length User > BGP > system (docs/azure-behaviour.md §3.5);
 * - BGP is ignored when the destination lies in a VNet or peering address
 *   space: a BGP route covering such a destination is either inside that
 *   space (Invalid, rule 3) or shorter than it (loses on length), so the
 *   lookup result equals a scan over the Active rows (tested as a property).
 */
import type { TrieEntry } from '../lib/lpm-trie.js';
import type { Prefix } from '../lib/prefix.js';
import { formatPrefix } from '../lib/prefix.js';
import { formatAddress } from './addresses.js';
import type { PrefixLayer } from './bgp-layer.js';
import { routesAtPrefix } from './effective-routes.js';
import type { RouteDomain } from './route-domain.js';
import type { EffectiveNextHopType, EffectiveRoute, EffectiveRouteSource } from './types.js';

export type NextHopReasonCode =
  | 'LongestPrefixMatch'
  | 'UserRouteOverridesSamePrefix'
  | 'BgpRouteOverridesSamePrefix'
  | 'VirtualNetworkRoutePreferredOverBgp'
  | 'NoRoute';

export interface NextHopResult {
  readonly destination: string;
  /** None when no route matches (traffic is dropped). */
  readonly nextHopType: EffectiveNextHopType;
  /** All next hops of the winning rows (several for ECMP). */
  readonly nextHopIpAddresses: readonly string[];
  readonly matchedPrefix: Prefix | null;
  readonly source: EffectiveRouteSource | null;
  /** The Active rows for the winning prefix. */
  readonly routes: readonly EffectiveRoute[];
  /** The route table of a winning user route; null for system and BGP routes ("System Route"). */
  readonly routeTableId: string | null;
  readonly reason: { readonly code: NextHopReasonCode; readonly description: string };
}

function lookup<V>(trie: PrefixLayer<V>, destination: Prefix): TrieEntry<V> | undefined {
  return destination.family === 4
    ? trie.longestMatchIpv4(destination.address)
    : trie.longestMatch(destination);
}

interface Candidate {
  readonly prefix: Prefix;
  readonly source: EffectiveRouteSource;
}

function pickWinner(candidates: readonly (Candidate | undefined)[]): Candidate | undefined {
  let best: Candidate | undefined;
  // Candidates come in precedence order, so a later one must be strictly longer to win.
  for (const c of candidates) if (c && (!best || c.prefix.length > best.prefix.length)) best = c;
  return best;
}

/** The next hop for a destination host prefix (/32 or /128) in a domain. */
export function resolveNextHop(domain: RouteDomain, destination: Prefix): NextHopResult {
  const user = domain.user ? lookup(domain.user, destination) : undefined;
  const system = lookup(domain.system.routes, destination);
  const bgpRaw = domain.bgp ? lookup(domain.bgp, destination) : undefined;
  const inVirtualNetwork = lookup(domain.system.virtualNetworkSpaces, destination) !== undefined;
  const bgp = inVirtualNetwork ? undefined : bgpRaw;
  const winner = pickWinner([
    user && { prefix: user.prefix, source: 'User' },
    bgp && { prefix: bgp.prefix, source: 'VirtualNetworkGateway' },
    system && { prefix: system.prefix, source: 'Default' },
  ]);
  const text = formatAddress(destination);
  if (!winner) {
    return {
      destination: text,
      nextHopType: 'None',
      nextHopIpAddresses: [],
      matchedPrefix: null,
      source: null,
      routes: [],
      routeTableId: null,
      reason: { code: 'NoRoute', description: `no route matches ${text}; traffic is dropped` },
    };
  }
  const rows = routesAtPrefix(domain, winner.prefix, domain.bgp?.get(winner.prefix)).filter(
    (r) => r.state === 'Active',
  );
  const first = rows[0]!;
  const ignoredBgp =
    bgpRaw && inVirtualNetwork && bgpRaw.prefix.length >= winner.prefix.length ? bgpRaw.prefix : null;
  return {
    destination: text,
    nextHopType: first.nextHopType,
    nextHopIpAddresses: rows.flatMap((r) => r.nextHopIpAddresses),
    matchedPrefix: winner.prefix,
    source: winner.source,
    routes: rows,
    routeTableId: winner.source === 'User' ? domain.routeTableId : null,
    reason: explain(domain, winner, ignoredBgp),
  };
}

function explain(domain: RouteDomain, winner: Candidate, ignoredBgp: Prefix | null): NextHopResult['reason'] {
  const matched = `${formatPrefix(winner.prefix)} (${winner.source})`;
  if (ignoredBgp) {
    return {
      code: 'VirtualNetworkRoutePreferredOverBgp',
      description: `${matched} wins: VNet and peering routes are preferred over the BGP route ${formatPrefix(ignoredBgp)}`,
    };
  }
  const systemHere = domain.system.routes.has(winner.prefix);
  const bgpHere = domain.bgp?.has(winner.prefix) === true;
  if (winner.source === 'User' && (systemHere || bgpHere)) {
    return {
      code: 'UserRouteOverridesSamePrefix',
      description: `${matched} is the longest match; a user-defined route beats BGP and system routes for the same prefix`,
    };
  }
  if (winner.source === 'VirtualNetworkGateway' && systemHere) {
    return {
      code: 'BgpRouteOverridesSamePrefix',
      description: `${matched} is the longest match; a BGP route beats the system route for the same prefix`,
    };
  }
  return { code: 'LongestPrefixMatch', description: `${matched} is the longest matching prefix` };
}
