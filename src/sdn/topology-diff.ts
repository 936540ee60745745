/**
 * What changed in a route domain's effective table after a topology change
 * (address spaces, peerings, route tables, propagation, route servers).
 *
 * Only prefixes that can have changed are compared: those whose entry
 * differs in one of the three layers, plus the BGP prefixes under a VNet or
 * peering route that appeared or vanished (their Invalid state depends on
 * it). The old domain object still references the old layers, so before and
 * after are both at hand.
 */
import type { LpmTrie } from '../lib/lpm-trie.js';
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import { comparePrefixes, prefixKey } from '../lib/prefix.js';
import { routesAtPrefix, sameRows } from './effective-routes.js';
import type { PrefixRoutesChange } from './events.js';
import type { RouteDomain } from './route-domain.js';
import type { SystemRoute } from './types.js';

type Candidates = Map<PrefixKey, Prefix>;

function collectDelta<V>(
  a: LpmTrie<V> | null,
  b: LpmTrie<V> | null,
  same: (x: V, y: V) => boolean,
  out: Candidates,
): Prefix[] {
  const changed: Prefix[] = [];
  if (a === b) return changed;
  const add = (prefix: Prefix): void => {
    out.set(prefixKey(prefix), prefix);
    changed.push(prefix);
  };
  if (a) {
    for (const entry of a.entries()) {
      const other = b?.get(entry.prefix);
      if (other === undefined || !same(entry.value, other)) add(entry.prefix);
    }
  }
  if (b) for (const entry of b.entries()) if (!a?.has(entry.prefix)) add(entry.prefix);
  return changed;
}

const sameSystem = (x: SystemRoute, y: SystemRoute): boolean => x.nextHopType === y.nextHopType;
const sameIdentity = <V>(x: V, y: V): boolean => x === y;

function candidatePrefixes(before: RouteDomain, after: RouteDomain): Candidates {
  const out: Candidates = new Map();
  const systemChanged = collectDelta(before.system.routes, after.system.routes, sameSystem, out);
  collectDelta(before.user, after.user, sameIdentity, out);
  collectDelta(before.bgp, after.bgp, sameIdentity, out);
  for (const prefix of systemChanged) {
    const wasSpace = before.system.virtualNetworkSpaces.has(prefix);
    const isSpace = after.system.virtualNetworkSpaces.has(prefix);
    if (!wasSpace && !isSpace) continue;
    for (const layer of [before.bgp, after.bgp]) {
      if (layer) for (const entry of layer.coveredBy(prefix)) out.set(prefixKey(entry.prefix), entry.prefix);
    }
  }
  return out;
}

/** Per-prefix row changes between two versions of one domain, in prefix order. */
export function diffDomains(before: RouteDomain, after: RouteDomain): PrefixRoutesChange[] {
  const changes: PrefixRoutesChange[] = [];
  const prefixes = [...candidatePrefixes(before, after).values()].sort(comparePrefixes);
  for (const prefix of prefixes) {
    const rowsBefore = routesAtPrefix(before, prefix, before.bgp?.get(prefix));
    const rowsAfter = routesAtPrefix(after, prefix, after.bgp?.get(prefix));
    if (!sameRows(rowsBefore, rowsAfter)) changes.push({ prefix, before: rowsBefore, after: rowsAfter });
  }
  return changes;
}
