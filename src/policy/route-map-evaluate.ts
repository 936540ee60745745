/**
 * Running a compiled route map (src/policy/route-map.ts) on one route.
 *
 * Two steps, so the route engine pays per route only for the matching:
 * `matchRouteMap(map, key, attributes)` walks the rules in order and answers
 * the rules that matched as a bit mask (0: none, the route passes as it is);
 * it allocates only when a `Continue` rule changes communities or the AS path
 * that a later rule reads. `planRouteMap(map, mask, attributes)` turns a mask
 * into what happens to the route — dropped, summarised, or its new
 * attributes — and is the same for every route with those attributes and
 * mask, so callers cache it per interned attribute set.
 */
import { AsPathSegmentType, OriginValue } from '../bgp/codec/index.js';
import type { AsPathSegment, PathAttributes } from '../bgp/codec/index.js';
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import { parsePrefix, prefixContains, prefixEquals } from '../lib/prefix.js';
import { prependAs } from './as-path.js';
import type {
  CompiledAction,
  CompiledCriterion,
  CompiledPrefix,
  CompiledRouteMap,
  CompiledRule,
} from './route-map.js';
import { PROTECTED_COMMUNITIES } from './route-map.js';

/** What a route map does to a route. */
export interface RouteMapPlan {
  /** a Drop rule matched */
  readonly dropped: boolean;
  /** names of the rules that matched, in order */
  readonly rules: readonly string[];
  /** the attributes after the actions; undefined when no action changed them */
  readonly attributes: PathAttributes | undefined;
  /** a matched rule summarises: the prefixes to summarise into */
  readonly summary: readonly CompiledPrefix[] | undefined;
}

export const UNCHANGED: RouteMapPlan = Object.freeze({
  dropped: false,
  rules: Object.freeze([]),
  attributes: undefined,
  summary: undefined,
});

/** The parts of a route the criteria read, as the rules so far left them. */
interface Facts {
  communities?: readonly number[] | undefined;
  asPath?: readonly AsPathSegment[] | undefined;
}

function ipv4Matches(prefixes: readonly CompiledPrefix[], key: number, exact: boolean): boolean {
  const address = Math.floor(key / 64);
  const length = key - address * 64;
  for (const { prefix, mask } of prefixes) {
    if (prefix.family !== 4) continue;
    if (
      exact
        ? length === prefix.length && address === prefix.address
        : length >= prefix.length && (address & mask) >>> 0 === prefix.address
    )
      return true;
  }
  return false;
}

function prefixMatches(prefixes: readonly CompiledPrefix[], key: PrefixKey, exact: boolean): boolean {
  if (typeof key === 'number') return ipv4Matches(prefixes, key, exact);
  const route = parsePrefix(key);
  return prefixes.some(({ prefix }) => (exact ? prefixEquals(prefix, route) : prefixContains(prefix, route)));
}

function communitiesMatch(
  listed: readonly number[],
  route: readonly number[] | undefined,
  all: boolean,
): boolean {
  if (route === undefined || route.length === 0) return false;
  return all ? listed.every((c) => route.includes(c)) : listed.some((c) => route.includes(c));
}

function asPathHasAny(path: readonly AsPathSegment[] | undefined, asns: readonly number[]): boolean {
  for (const segment of path ?? []) for (const asn of segment.asns) if (asns.includes(asn)) return true;
  return false;
}

/** The AS path is exactly `asns`, in order (segments read as one list of ASNs). */
function asPathIs(path: readonly AsPathSegment[] | undefined, asns: readonly number[]): boolean {
  let i = 0;
  for (const segment of path ?? [])
    for (const asn of segment.asns) if (i >= asns.length || asns[i++] !== asn) return false;
  return i === asns.length;
}

function criterionMatches(criterion: CompiledCriterion, key: PrefixKey, facts: Facts): boolean {
  const { prefixes, communities, asns, exact } = criterion;
  let matched = true;
  if (prefixes !== undefined) matched = prefixMatches(prefixes, key, exact);
  if (matched && communities !== undefined) matched = communitiesMatch(communities, facts.communities, exact);
  if (matched && asns !== undefined)
    matched = exact ? asPathIs(facts.asPath, asns) : asPathHasAny(facts.asPath, asns);
  return criterion.negate ? !matched : matched;
}

function withCommunities(
  current: readonly number[] | undefined,
  action: CompiledAction,
): readonly number[] | undefined {
  const route = current ?? [];
  switch (action.kind) {
    case 'add-communities':
      return [...route, ...action.communities.filter((c) => !route.includes(c))];
    case 'replace-communities': {
      // docs/azure-behaviour.md §5: Azure's own communities stay
      const kept = route.filter((c) => PROTECTED_COMMUNITIES.has(c) && !action.communities.includes(c));
      return [...action.communities, ...kept];
    }
    case 'remove-communities':
      return route.filter((c) => !action.communities.includes(c));
    default:
      return current;
  }
}

function withAsPath(
  current: readonly AsPathSegment[] | undefined,
  action: CompiledAction,
): readonly AsPathSegment[] | undefined {
  if (action.kind === 'prepend') {
    let path: readonly AsPathSegment[] = current ?? [];
    for (let i = action.asns.length - 1; i >= 0; i--) path = prependAs(path, action.asns[i]!);
    return path;
  }
  if (action.kind === 'replace-as-path')
    return action.asns.length === 0 ? [] : [{ type: AsPathSegmentType.AsSequence, asns: [...action.asns] }];
  return current;
}

function applyToFacts(facts: Facts, actions: readonly CompiledAction[]): void {
  for (const action of actions) {
    facts.communities = withCommunities(facts.communities, action);
    facts.asPath = withAsPath(facts.asPath, action);
  }
}

/**
 * A summary rule applies only to the routes one of its prefixes covers (a
 * summary never makes a more specific route): for any other route the rule
 * is passed over, so the changes of earlier rules stand and later rules run.
 */
function summaryCovers(rule: CompiledRule, key: PrefixKey): boolean {
  for (const action of rule.actions)
    if (action.kind === 'summarize') return summaryPrefixFor(action.prefixes, key) !== undefined;
  return true;
}

/**
 * The rules that match the route (bit i = rule i), stopping at a Terminate,
 * Drop or summary. A summary rule whose prefixes do not cover the route does
 * not match it (`summaryCovers`).
 */
export function matchRouteMap(map: CompiledRouteMap, key: PrefixKey, attributes: PathAttributes): number {
  let mask = 0;
  let facts: Facts | undefined;
  const rules = map.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const current = facts ?? attributes;
    let matched = true;
    for (const criterion of rule.criteria) {
      if (!criterionMatches(criterion, key, current)) {
        matched = false;
        break;
      }
    }
    if (!matched || (rule.final && !summaryCovers(rule, key))) continue;
    mask |= 1 << i;
    if (rule.terminate || rule.final) break;
    if (rule.actions.length > 0) {
      facts ??= { communities: attributes.communities, asPath: attributes.asPath };
      applyToFacts(facts, rule.actions);
    }
  }
  return mask;
}

/** What the matched rules of `mask` do to a route with `attributes`. */
export function planRouteMap(map: CompiledRouteMap, mask: number, attributes: PathAttributes): RouteMapPlan {
  if (mask === 0) return UNCHANGED;
  const rules: string[] = [];
  const facts: Facts = { communities: attributes.communities, asPath: attributes.asPath };
  let changed = false;
  for (let i = 0; i < map.rules.length; i++) {
    if ((mask & (1 << i)) === 0) continue;
    const rule = map.rules[i]!;
    rules.push(rule.name);
    for (const action of rule.actions) {
      if (action.kind === 'drop') return { dropped: true, rules, attributes: undefined, summary: undefined };
      if (action.kind === 'summarize')
        return { dropped: false, rules, attributes: undefined, summary: action.prefixes };
    }
    if (rule.actions.length > 0) {
      applyToFacts(facts, rule.actions);
      changed = true;
    }
  }
  if (!changed) return { dropped: false, rules, attributes: undefined, summary: undefined };
  const { communities, asPath } = facts;
  const { communities: _old, ...rest } = attributes;
  const next: PathAttributes = {
    ...rest,
    asPath: asPath ?? [],
    ...(communities !== undefined && communities.length > 0 ? { communities } : {}),
  };
  return { dropped: false, rules, attributes: next, summary: undefined };
}

/** The most specific listed prefix that covers the route; undefined when none does (no summary is made). */
export function summaryPrefixFor(prefixes: readonly CompiledPrefix[], key: PrefixKey): Prefix | undefined {
  let best: Prefix | undefined;
  const route = typeof key === 'number' ? undefined : parsePrefix(key);
  for (const { prefix, mask } of prefixes) {
    const covers =
      typeof key === 'number'
        ? ipv4Matches([{ prefix, mask }], key, false)
        : prefix.family === 6 && prefixContains(prefix, route!);
    if (covers && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best;
}

/**
 * docs/azure-behaviour.md §5: a summary strips Community and AS path. The
 * summary keeps the first contributing route's NEXT_HOP, is ORIGIN IGP and
 * carries ATOMIC_AGGREGATE (RFC 4271 §9.2.2.2: path information was lost).
 */
export function summaryAttributes(contributor: PathAttributes): PathAttributes {
  return {
    origin: OriginValue.Igp,
    asPath: [],
    ...(contributor.nextHop !== undefined ? { nextHop: contributor.nextHop } : {}),
    atomicAggregate: true,
  };
}
