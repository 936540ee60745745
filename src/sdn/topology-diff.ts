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
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import { comparePrefixes, prefixKey } from '../lib/prefix.js';
import type { PrefixLayer } from './bgp-layer.js';
import { routesAtPrefix, sameRows } from './effective-routes.js';
import type { PrefixRoutesChange } from './events.js';
import type { RouteDomain } from './route-domain.js';
import type { BgpRoute, SystemRoute } from './types.js';

type Candidates = Map<PrefixKey, Prefix>;

/**
 * Layer deltas already computed during one topology change: many domains
 * share the same pair of old/new layers (e.g. every domain served by a route
 * server whose BGP layer was replaced), so each pair is walked once.
 */
export class LayerDeltaCache {
  private readonly deltas = new Map<object, Map<object | null, Prefix[]>>();

  delta<V>(
    a: PrefixLayer<V> | null,
    b: PrefixLayer<V> | null,
    same: (x: V, y: V) => boolean,
  ): readonly Prefix[] {
    if (a === b) return [];
    const key = a ?? this;
    let row = this.deltas.get(key);
    if (!row) this.deltas.set(key, (row = new Map<object | null, Prefix[]>()));
    let result = row.get(b);
    if (!result) row.set(b, (result = layerDelta(a, b, same)));
    return result;
  }
}

function layerDelta<V>(
  a: PrefixLayer<V> | null,
  b: PrefixLayer<V> | null,
  same: (x: V, y: V) => boolean,
): Prefix[] {
  const changed: Prefix[] = [];
  if (a) {
    for (const entry of a.entries()) {
      const other = b?.get(entry.prefix);
      if (other === undefined || !same(entry.value, other)) changed.push(entry.prefix);
    }
  }
  if (b) for (const entry of b.entries()) if (!a?.has(entry.prefix)) changed.push(entry.prefix);
  return changed;
}

const sameSystem = (x: SystemRoute, y: SystemRoute): boolean => x.nextHopType === y.nextHopType;
const sameIdentity = <V>(x: V, y: V): boolean => x === y;
/** BGP routes are made on demand (bgp-layer.ts): the same next hops are the same route. */
const sameNextHops = (x: BgpRoute, y: BgpRoute): boolean =>
  x.nextHops.length === y.nextHops.length && x.nextHops.every((hop, i) => hop === y.nextHops[i]);

function candidatePrefixes(before: RouteDomain, after: RouteDomain, cache: LayerDeltaCache): Candidates {
  const out: Candidates = new Map();
  const add = (prefixes: readonly Prefix[]): void => {
    for (const prefix of prefixes) out.set(prefixKey(prefix), prefix);
  };
  const systemChanged = cache.delta(before.system.routes, after.system.routes, sameSystem);
  add(systemChanged);
  add(cache.delta(before.user, after.user, sameIdentity));
  add(cache.delta(before.bgp, after.bgp, sameNextHops));
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
export function diffDomains(
  before: RouteDomain,
  after: RouteDomain,
  cache = new LayerDeltaCache(),
): PrefixRoutesChange[] {
  const changes: PrefixRoutesChange[] = [];
  const prefixes = [...candidatePrefixes(before, after, cache).values()].sort(comparePrefixes);
  for (const prefix of prefixes) {
    const rowsBefore = routesAtPrefix(before, prefix, before.bgp?.get(prefix));
    const rowsAfter = routesAtPrefix(after, prefix, after.bgp?.get(prefix));
    if (!sameRows(rowsBefore, rowsAfter)) changes.push({ prefix, before: rowsBefore, after: rowsAfter });
  }
  return changes;
}
