/**
 * Dry run of a route map on a peer's current routes (docs/route-maps.md):
 * what the map would drop, change and summarise, computed with the same
 * matcher the engine applies (src/policy/route-map-evaluate.ts), without
 * changing anything. Routes are read in slices, yielding to the event loop
 * between them, so a full table never blocks the sessions.
 *
 * Inbound: the peer's Adj-RIB-In, pre-policy (what the map would see).
 * Outbound: what the peer is advertised now from the Loc-RIB (not the VNet's
 * own address spaces, which a map never changes).
 */
import type { PathAttributes } from '../bgp/codec/index.js';
import type { PrefixKey } from '../lib/prefix.js';
import { formatPrefix, prefixFromKey, prefixKey } from '../lib/prefix.js';
import type { CompiledRouteMap } from '../policy/index.js';
import {
  formatAsPath,
  formatCommunity,
  matchRouteMap,
  planRouteMap,
  summaryPrefixFor,
} from '../policy/index.js';
import { PrefixMap } from '../lib/prefix-map.js';

export type RouteMapDirection = 'inbound' | 'outbound';

/** A route's attributes as the dry run shows them. */
export interface RouteMapRouteAttributes {
  readonly asPath: string;
  readonly communities: readonly string[];
}

export interface RouteMapRouteChange {
  readonly network: string;
  readonly result: 'Dropped' | 'Modified' | 'Summarized';
  /** rules that matched, in order */
  readonly rules: readonly string[];
  readonly before: RouteMapRouteAttributes;
  /** Modified: the attributes after the map */
  readonly after?: RouteMapRouteAttributes;
  /** Summarized: the summary prefix the route goes into */
  readonly summary?: string;
}

export interface RouteMapEvaluation {
  readonly direction: RouteMapDirection;
  readonly evaluated: number;
  readonly unchanged: number;
  readonly dropped: number;
  readonly modified: number;
  readonly summarized: number;
  /** the summaries the map would advertise in place of their contributors */
  readonly summaries: readonly { readonly network: string; readonly contributors: number }[];
  /** the changed routes, at most `limit`, in table order */
  readonly routes: readonly RouteMapRouteChange[];
  /** more routes changed than `routes` lists */
  readonly truncated: boolean;
}

function shown(attributes: PathAttributes): RouteMapRouteAttributes {
  return {
    asPath: formatAsPath(attributes.asPath),
    communities: (attributes.communities ?? []).map(formatCommunity),
  };
}

interface Tally {
  unchanged: number;
  dropped: number;
  modified: number;
  summarized: number;
}

function evaluateOne(
  map: CompiledRouteMap,
  key: PrefixKey,
  attributes: PathAttributes,
  tally: Tally,
  summaries: PrefixMap<number>,
): RouteMapRouteChange | undefined {
  const plan = planRouteMap(map, matchRouteMap(map, key, attributes), attributes);
  const network = formatPrefix(prefixFromKey(key));
  const base = { network, rules: plan.rules, before: shown(attributes) };
  if (plan.dropped) {
    tally.dropped++;
    return { ...base, result: 'Dropped' };
  }
  if (plan.summary !== undefined) {
    // a summary rule matches only the routes it covers (src/policy/route-map-evaluate.ts)
    const into = summaryPrefixFor(plan.summary, key)!;
    tally.summarized++;
    const summaryKey = prefixKey(into);
    summaries.set(summaryKey, (summaries.get(summaryKey) ?? 0) + 1);
    return { ...base, result: 'Summarized', summary: formatPrefix(into) };
  }
  if (plan.attributes === undefined) {
    tally.unchanged++;
    return undefined;
  }
  tally.modified++;
  return { ...base, result: 'Modified', after: shown(plan.attributes) };
}

/** Runs `map` over `routes` in slices of `sliceSize`, calling `pause` between slices. */
export async function dryRunRouteMap(
  map: CompiledRouteMap,
  direction: RouteMapDirection,
  routes: Iterator<[PrefixKey, PathAttributes]>,
  options: { readonly limit: number; readonly sliceSize: number; readonly pause: () => Promise<void> },
): Promise<RouteMapEvaluation> {
  const tally: Tally = { unchanged: 0, dropped: 0, modified: 0, summarized: 0 };
  const summaries = new PrefixMap<number>();
  const changes: RouteMapRouteChange[] = [];
  let evaluated = 0;
  let truncated = false;
  for (;;) {
    for (let i = 0; i < options.sliceSize; i++) {
      const next = routes.next();
      if (next.done) {
        const list = [...summaries.entries()].map(([key, contributors]) => ({
          network: formatPrefix(prefixFromKey(key)),
          contributors,
        }));
        return { direction, evaluated, ...tally, summaries: list, routes: changes, truncated };
      }
      evaluated++;
      const change = evaluateOne(map, next.value[0], next.value[1], tally, summaries);
      if (change === undefined) continue;
      if (changes.length < options.limit) changes.push(change);
      else truncated = true;
    }
    await options.pause();
  }
}
