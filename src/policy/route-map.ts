/**
 * Route maps (docs/azure-behaviour.md §5): the rules of
 * one `virtualHubs/routeMaps` resource, checked and compiled into a matcher
 * the route engine runs per route of a peering, inbound or outbound.
 *
 * What §5 says and what we do:
 * - Rules are evaluated in order. A rule matches when every match criterion
 *   matches; a rule without criteria matches every route. A matched rule's
 *   actions apply, then `nextStepIfMatched` says whether later rules are
 *   evaluated (`Continue`, against the route as the actions left it) or not
 *   (`Terminate`). No rule matches → the route passes unchanged.
 * - Criteria (`matchCondition`): RoutePrefix `Equals` = the listed prefixes
 *   exactly, `Contains` = a listed prefix or a more specific one of it;
 *   Community `Equals` = the route has every listed community, `Contains` =
 *   any of them; AS path `Equals` = the route's AS path is the list, in order,
 *   `Contains` = any listed ASN is in the path. `NotEquals` / `NotContains`
 *   negate them. A criterion with several lists needs all of them (our choice;
 *   Azure's portal sets one list per criterion).
 * - Actions: `Drop`; `Add` community / AS path (prepended in the given
 *   order); `Replace` community / AS path (an empty list removes all), or
 *   route prefix = summarise into the listed prefix covering the route
 *   (Community and AS path stripped, never a more specific: a summary rule
 *   is passed over for a route none of its prefixes covers); `Remove`
 *   community. A Drop or a summary ends the evaluation of that route.
 * - Restrictions (§5): no prepending of Azure's reserved ASNs, 2-byte ASNs
 *   in actions, Azure's own communities cannot be removed (a Replace keeps
 *   them). The VNet's own address spaces are never changed (src/rib).
 *
 * `compileRouteMap` checks a definition and answers either the compiled map
 * or the first problem with the JSON path of the member at fault.
 */
import type { Prefix } from '../lib/prefix.js';
import { ipv4Mask, parsePrefix, PrefixParseError } from '../lib/prefix.js';

export type RouteMapMatchCondition = 'Equals' | 'Contains' | 'NotEquals' | 'NotContains';
export type RouteMapActionType = 'Add' | 'Replace' | 'Remove' | 'Drop';
export type RouteMapNextStep = 'Continue' | 'Terminate';

/** One list of a criterion or action parameter; absent and empty differ for `Replace`. */
export interface RouteMapLists {
  readonly routePrefix?: readonly string[];
  readonly community?: readonly string[];
  readonly asPath?: readonly string[];
}

export interface RouteMapCriterionDefinition extends RouteMapLists {
  readonly matchCondition: string;
}

export interface RouteMapActionDefinition {
  readonly type: string;
  readonly parameters: readonly RouteMapLists[];
}

export interface RouteMapRuleDefinition {
  readonly name: string;
  readonly matchCriteria: readonly RouteMapCriterionDefinition[];
  readonly actions: readonly RouteMapActionDefinition[];
  /** default `Continue` */
  readonly nextStepIfMatched?: string;
}

export interface RouteMapDefinition {
  readonly name: string;
  readonly rules: readonly RouteMapRuleDefinition[];
}

/** Rules per route map: a matched rule is one bit of a 31-bit mask (our limit; Azure's is undocumented). */
export const MAX_ROUTE_MAP_RULES = 31;

/** docs/azure-behaviour.md §5: ASNs a route map must not prepend. */
export const RESERVED_PREPEND_ASNS: ReadonlySet<number> = new Set([
  8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520,
]);

const community = (asn: number, value: number): number => (asn * 65536 + value) >>> 0;

/** docs/azure-behaviour.md §5: Azure's communities a route map must not remove. */
export const PROTECTED_COMMUNITIES: ReadonlySet<number> = new Set([
  community(65517, 12001),
  community(65517, 12002),
  community(65517, 12003),
  community(65517, 12005),
  community(65517, 12006),
  community(65518, 65518),
  community(65517, 65517),
  community(65517, 12076),
  community(65518, 12076),
  community(65515, 10000),
  community(65515, 20000),
]);

export interface CompiledPrefix {
  readonly prefix: Prefix;
  /** IPv4: the network mask of its length */
  readonly mask: number;
}

export interface CompiledCriterion {
  readonly negate: boolean;
  /** Equals (exact / all / in order) rather than Contains (within / any / any) */
  readonly exact: boolean;
  readonly prefixes: readonly CompiledPrefix[] | undefined;
  readonly communities: readonly number[] | undefined;
  readonly asns: readonly number[] | undefined;
}

export type CompiledAction =
  | { readonly kind: 'drop' }
  | { readonly kind: 'add-communities'; readonly communities: readonly number[] }
  | { readonly kind: 'replace-communities'; readonly communities: readonly number[] }
  | { readonly kind: 'remove-communities'; readonly communities: readonly number[] }
  | { readonly kind: 'prepend'; readonly asns: readonly number[] }
  | { readonly kind: 'replace-as-path'; readonly asns: readonly number[] }
  | { readonly kind: 'summarize'; readonly prefixes: readonly CompiledPrefix[] };

export interface CompiledRule {
  readonly name: string;
  readonly criteria: readonly CompiledCriterion[];
  readonly actions: readonly CompiledAction[];
  readonly terminate: boolean;
  /** the rule ends the evaluation of a route it matches (Drop or summary) */
  readonly final: boolean;
}

export interface CompiledRouteMap {
  readonly name: string;
  readonly rules: readonly CompiledRule[];
  /** some criterion or summary reads the prefix: results cannot be cached per attribute set alone */
  readonly readsPrefix: boolean;
  /** identity of the definition: equal definitions, equal fingerprints */
  readonly fingerprint: string;
}

export type RouteMapProblemKind = 'rule' | 'criterion' | 'action';

/** Why a definition does not compile: which part, and the JSON path (below `properties`) of the member at fault. */
export interface RouteMapProblem {
  readonly kind: RouteMapProblemKind;
  readonly message: string;
  readonly path: string;
}

export type RouteMapCompilation =
  | { readonly ok: true; readonly map: CompiledRouteMap }
  | { readonly ok: false; readonly problem: RouteMapProblem };

class Refusal extends Error {
  constructor(readonly problem: RouteMapProblem) {
    super(problem.message);
  }
}

function refuse(kind: RouteMapProblemKind, path: string, message: string): never {
  throw new Refusal({ kind, path, message });
}

const CONDITIONS: ReadonlySet<string> = new Set(['Equals', 'Contains', 'NotEquals', 'NotContains']);

function compilePrefixes(
  kind: RouteMapProblemKind,
  path: string,
  texts: readonly string[],
): CompiledPrefix[] {
  return texts.map((text, i) => {
    try {
      const prefix = parsePrefix(String(text), { strict: true });
      return { prefix, mask: prefix.family === 4 ? ipv4Mask(prefix.length) : 0 };
    } catch (error) {
      if (error instanceof PrefixParseError) refuse(kind, `${path}[${i}]`, error.message);
      throw error;
    }
  });
}

/** `65001:100` (two 16-bit halves) or a decimal 32-bit number. */
export function parseCommunity(text: string): number | undefined {
  const pair = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  if (pair) {
    const high = Number(pair[1]);
    const low = Number(pair[2]);
    return high <= 65535 && low <= 65535 ? community(high, low) : undefined;
  }
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= 0xffffffff ? value : undefined;
}

export function formatCommunity(value: number): string {
  return `${Math.floor(value / 65536)}:${value % 65536}`;
}

function compileCommunities(kind: RouteMapProblemKind, path: string, texts: readonly string[]): number[] {
  return texts.map((text, i) => {
    const value = parseCommunity(String(text));
    if (value === undefined)
      refuse(kind, `${path}[${i}]`, `'${text}' is not a community (ASN:value, each 0-65535)`);
    return value;
  });
}

function compileAsns(
  kind: RouteMapProblemKind,
  path: string,
  texts: readonly string[],
  max: number,
): number[] {
  return texts.map((text, i) => {
    const value = /^\d{1,10}$/.test(String(text)) ? Number(text) : NaN;
    if (!(value >= 0 && value <= max))
      refuse(kind, `${path}[${i}]`, `'${text}' is not an AS number from 0 to ${max}`);
    return value;
  });
}

/** `Array.isArray` without widening the element type to any. */
const isArray = (value: unknown): value is readonly unknown[] => Array.isArray(value);

function isList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function checkLists(kind: RouteMapProblemKind, path: string, lists: RouteMapLists): void {
  for (const field of ['routePrefix', 'community', 'asPath'] as const) {
    const value = lists[field];
    if (value !== undefined && !isList(value))
      refuse(kind, `${path}.${field}`, `${field} must be a list of strings`);
  }
}

function compileCriterion(criterion: RouteMapCriterionDefinition, path: string): CompiledCriterion {
  const condition = criterion.matchCondition;
  if (!CONDITIONS.has(condition))
    refuse(
      'criterion',
      `${path}.matchCondition`,
      `matchCondition must be Equals, Contains, NotEquals or NotContains, not '${String(condition)}'`,
    );
  checkLists('criterion', path, criterion);
  const has = (list: readonly string[] | undefined) => list !== undefined && list.length > 0;
  if (!has(criterion.routePrefix) && !has(criterion.community) && !has(criterion.asPath))
    refuse('criterion', path, 'a match criterion needs a routePrefix, community or asPath list');
  return {
    negate: condition.startsWith('Not'),
    exact: condition.endsWith('Equals'),
    prefixes: has(criterion.routePrefix)
      ? compilePrefixes('criterion', `${path}.routePrefix`, criterion.routePrefix!)
      : undefined,
    communities: has(criterion.community)
      ? compileCommunities('criterion', `${path}.community`, criterion.community!)
      : undefined,
    asns: has(criterion.asPath)
      ? compileAsns('criterion', `${path}.asPath`, criterion.asPath!, 0xffffffff)
      : undefined,
  };
}

/** The one list an action parameter sets (empty lists count for Replace, which then removes all). */
function parameterList(
  action: RouteMapActionDefinition,
  path: string,
): [keyof RouteMapLists, readonly string[]] {
  if (!isArray(action.parameters) || action.parameters.length !== 1)
    refuse('action', `${path}.parameters`, `a ${action.type} action takes exactly one parameter`);
  const parameter = action.parameters[0]!;
  checkLists('action', `${path}.parameters[0]`, parameter);
  const set = (['routePrefix', 'community', 'asPath'] as const).filter((f) => parameter[f] !== undefined);
  const nonEmpty = set.filter((f) => parameter[f]!.length > 0);
  const chosen = nonEmpty.length > 0 ? nonEmpty : set;
  if (chosen.length !== 1)
    refuse(
      'action',
      `${path}.parameters[0]`,
      `a ${action.type} action sets exactly one of routePrefix, community and asPath`,
    );
  return [chosen[0]!, parameter[chosen[0]!]!];
}

function compileAction(action: RouteMapActionDefinition, path: string): CompiledAction {
  const type = action.type;
  if (type === 'Drop') return { kind: 'drop' };
  if (type !== 'Add' && type !== 'Replace' && type !== 'Remove')
    refuse(
      'action',
      `${path}.type`,
      `action type must be Add, Replace, Remove or Drop, not '${String(type)}'`,
    );
  const [field, list] = parameterList(action, path);
  const at = `${path}.parameters[0].${field}`;
  if (field === 'routePrefix') {
    if (type !== 'Replace')
      refuse('action', at, 'route prefixes can only be replaced (summarised), not added or removed');
    if (list.length === 0) refuse('action', at, 'a summary needs at least one route prefix');
    return { kind: 'summarize', prefixes: compilePrefixes('action', at, list) };
  }
  if (field === 'community') {
    const communities = compileCommunities('action', at, list);
    if (type === 'Add') {
      if (communities.length === 0) refuse('action', at, 'Add needs at least one community');
      return { kind: 'add-communities', communities };
    }
    if (type === 'Replace') return { kind: 'replace-communities', communities };
    if (communities.length === 0) refuse('action', at, 'Remove needs at least one community');
    const index = communities.findIndex((c) => PROTECTED_COMMUNITIES.has(c));
    if (index >= 0) refuse('action', `${at}[${index}]`, `Azure's community ${list[index]} cannot be removed`);
    return { kind: 'remove-communities', communities };
  }
  if (type === 'Remove') refuse('action', at, 'an AS path can be added (prepended) or replaced, not removed');
  const asns = compileAsns('action', at, list, 65535);
  const reserved = asns.findIndex((asn) => RESERVED_PREPEND_ASNS.has(asn) || asn === 0);
  if (reserved >= 0)
    refuse('action', `${at}[${reserved}]`, `AS ${asns[reserved]} is reserved and cannot be added`);
  if (type === 'Add') {
    if (asns.length === 0) refuse('action', at, 'Add needs at least one AS number');
    return { kind: 'prepend', asns };
  }
  return { kind: 'replace-as-path', asns };
}

function compileRule(rule: RouteMapRuleDefinition, path: string): CompiledRule {
  if (typeof rule.name !== 'string' || rule.name.length === 0)
    refuse('rule', `${path}.name`, 'every rule needs a name');
  const step = rule.nextStepIfMatched ?? 'Continue';
  if (step !== 'Continue' && step !== 'Terminate')
    refuse(
      'rule',
      `${path}.nextStepIfMatched`,
      `nextStepIfMatched must be Continue or Terminate, not '${step}'`,
    );
  if (!isArray(rule.matchCriteria)) refuse('rule', `${path}.matchCriteria`, 'matchCriteria must be a list');
  if (!isArray(rule.actions)) refuse('rule', `${path}.actions`, 'actions must be a list');
  const criteria = rule.matchCriteria.map((c, i) => compileCriterion(c, `${path}.matchCriteria[${i}]`));
  const actions = rule.actions.map((a, i) => compileAction(a, `${path}.actions[${i}]`));
  const drop = actions.findIndex((a) => a.kind === 'drop');
  if (drop >= 0 && actions.length > 1)
    refuse('action', `${path}.actions[${drop}]`, 'a Drop action cannot be combined with other actions');
  if (actions.filter((a) => a.kind === 'summarize').length > 1)
    refuse('action', `${path}.actions`, 'a rule summarises into one set of route prefixes');
  return {
    name: rule.name,
    criteria,
    actions,
    terminate: step === 'Terminate',
    final: actions.some((a) => a.kind === 'drop' || a.kind === 'summarize'),
  };
}

/** Checks and compiles a route map definition. */
export function compileRouteMap(definition: RouteMapDefinition): RouteMapCompilation {
  try {
    if (!isArray(definition.rules)) refuse('rule', 'rules', 'rules must be a list');
    if (definition.rules.length > MAX_ROUTE_MAP_RULES)
      refuse('rule', 'rules', `a route map has at most ${MAX_ROUTE_MAP_RULES} rules`);
    const rules = definition.rules.map((rule, i) => compileRule(rule, `rules[${i}]`));
    const seen = new Set<string>();
    rules.forEach((rule, i) => {
      if (seen.has(rule.name)) refuse('rule', `rules[${i}].name`, `rule name '${rule.name}' is used twice`);
      seen.add(rule.name);
    });
    const readsPrefix = rules.some(
      (rule) =>
        rule.criteria.some((c) => c.prefixes !== undefined) ||
        rule.actions.some((a) => a.kind === 'summarize'),
    );
    const fingerprint = JSON.stringify([definition.name, definition.rules]);
    return { ok: true, map: { name: definition.name, rules, readsPrefix, fingerprint } };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, problem: error.problem };
    throw error;
  }
}
