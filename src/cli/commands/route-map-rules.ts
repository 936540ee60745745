/**
 * The rules of `routeserver route-map create|update` (docs/route-maps.md):
 * a whole list from `--rules` (JSON or YAML, inline or `@file`, in the
 * API's shape or the configuration file's), and one rule from flags. The
 * values are not checked here: the API's validator judges them and its 400
 * names the member at fault.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { armRouteMapRules } from '../../daemon/config-route-map-rules.js';
import { isRecord } from '../context.js';
import { CLI_ERROR_CODES, CliError } from '../errors.js';

/** A rule as the API takes it; members are whatever the user wrote. */
export type Rule = Record<string, unknown>;

function bad(message: string): CliError {
  return new CliError(CLI_ERROR_CODES.BAD_ARGUMENT, message);
}

/**
 * `--rules`: `@path` reads a file, anything else is the text itself; JSON or
 * YAML, either the list of rules or an object holding it (`rules`, or
 * `properties.rules` as a GET answers it).
 */
export function readRules(value: string): Rule[] {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (error) {
      throw bad(`--rules ${value}: ${(error as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw bad(`--rules: not JSON or YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const properties = isRecord(parsed) && isRecord(parsed['properties']) ? parsed['properties'] : parsed;
  const rules = isRecord(properties) ? properties['rules'] : properties;
  if (!Array.isArray(rules)) throw bad('--rules: give a list of rules, or an object with `rules`');
  return armRouteMapRules(rules) as Rule[];
}

export interface OneRuleOptions {
  ruleName?: string;
  matchCondition?: string;
  routePrefix?: string[];
  community?: string[];
  asPath?: string[];
  action?: string;
  /** a list, or true when the flag is given without values (an empty list: Replace removes all) */
  actionRoutePrefix?: string[] | true;
  actionCommunity?: string[] | true;
  actionAsPath?: string[] | true;
  nextStep?: string;
}

const MATCH_FLAGS = ['routePrefix', 'community', 'asPath'] as const;
const ACTION_FLAGS = [
  ['actionRoutePrefix', 'routePrefix'],
  ['actionCommunity', 'community'],
  ['actionAsPath', 'asPath'],
] as const;

/** Whether any one-rule flag is given. */
export function hasOneRule(options: OneRuleOptions): boolean {
  return (
    options.ruleName !== undefined ||
    options.matchCondition !== undefined ||
    options.action !== undefined ||
    options.nextStep !== undefined ||
    MATCH_FLAGS.some((flag) => options[flag] !== undefined) ||
    ACTION_FLAGS.some(([flag]) => options[flag] !== undefined)
  );
}

function criterion(options: OneRuleOptions): Rule[] {
  const lists: Rule = {};
  for (const flag of MATCH_FLAGS) if (options[flag] !== undefined) lists[flag] = options[flag];
  if (options.matchCondition === undefined && Object.keys(lists).length === 0) return [];
  return [{ matchCondition: options.matchCondition ?? 'Contains', ...lists }];
}

function action(options: OneRuleOptions): Rule[] {
  const given = ACTION_FLAGS.filter(([flag]) => options[flag] !== undefined);
  if (options.action === undefined) {
    if (given.length > 0) throw bad(`--${kebab(given[0]![0])} needs --action (Add, Replace or Remove)`);
    return [];
  }
  const parameters = given.map(([flag, list]) => {
    const values = options[flag];
    return { [list]: values === true ? [] : values };
  });
  return [{ type: options.action, parameters }];
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The rule the flags describe: one criterion (`Contains` unless `--match-condition`), one action. */
export function oneRule(options: OneRuleOptions): Rule {
  if (options.ruleName === undefined) throw bad('a rule given with flags needs --rule-name');
  return {
    name: options.ruleName,
    matchCriteria: criterion(options),
    actions: action(options),
    ...(options.nextStep === undefined ? {} : { nextStepIfMatched: options.nextStep }),
  };
}

/** `rules` with `rule` in the place of the rule of its name, or at the end. */
export function withRule(rules: readonly Rule[], rule: Rule): Rule[] {
  const index = rules.findIndex((r) => r['name'] === rule['name']);
  return index < 0 ? [...rules, rule] : rules.map((r, i) => (i === index ? rule : r));
}

/** `rules` without the rules named; a name no rule has is an error. */
export function withoutRules(rules: readonly Rule[], names: readonly string[]): Rule[] {
  for (const name of names)
    if (!rules.some((r) => r['name'] === name)) throw bad(`the route map has no rule '${name}'`);
  return rules.filter((r) => !names.includes(String(r['name'])));
}

// ---- table output ----------------------------------------------------------

function listsText(value: Record<string, unknown>): string {
  return MATCH_FLAGS.filter((field) => Array.isArray(value[field]))
    .map((field) => `${field} ${(value[field] as unknown[]).map(String).join(' ')}`.trimEnd())
    .join(' ');
}

const entries = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value) ? value.filter(isRecord) : [];

/** One table row per rule: `Rule Match Actions NextStep`. */
export function ruleRows(rules: unknown): Record<string, unknown>[] {
  return entries(rules).map((rule) => ({
    rule: rule['name'],
    match: entries(rule['matchCriteria'])
      .map((c) => `${String(c['matchCondition'])} ${listsText(c)}`.trimEnd())
      .join('; '),
    actions: entries(rule['actions'])
      .map((a) => [String(a['type']), ...entries(a['parameters']).map(listsText)].join(' ').trimEnd())
      .join('; '),
    nextStep: rule['nextStepIfMatched'] ?? 'Continue',
  }));
}

/** One table row per changed route of a dry run, instance first (docs/route-maps.md, "Dry run"). */
export function evaluationRows(result: unknown): Record<string, unknown>[] {
  if (!isRecord(result)) return [];
  const rows: Record<string, unknown>[] = [];
  for (const [instance, evaluation] of Object.entries(result)) {
    if (!isRecord(evaluation)) continue;
    for (const route of entries(evaluation['routes'])) {
      const before = isRecord(route['before']) ? route['before'] : {};
      const after = isRecord(route['after']) ? route['after'] : {};
      rows.push({
        instance,
        network: route['network'],
        result: route['result'],
        rules: route['rules'],
        asPathBefore: before['asPath'],
        asPathAfter: after['asPath'],
        communitiesBefore: before['communities'],
        communitiesAfter: after['communities'],
        summary: route['summary'],
      });
    }
  }
  return rows;
}
