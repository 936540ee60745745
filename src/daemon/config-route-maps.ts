/**
 * The route maps of a configuration file (docs/route-maps.md, docs/serve.md
 * "Configuration file"): `routeServers[].routeMaps[]` and the peerings'
 * `inboundRouteMap` / `outboundRouteMap`.
 *
 * The rules are checked when the file is read, before anything is applied,
 * by the validator the API runs on a PUT (src/policy/route-map.ts): a bad map
 * stops the start with the same message and code as the API's 400, at the
 * line and path of the member at fault, and nothing of the file is stored.
 * Applying writes a map only when its rules differ, before the peerings that
 * name it; removals are config-prune.ts's (a map a BGP connection still
 * names is refused, as the API refuses it, and retried on the next start).
 */
import type { RouteMapRuleDefinition } from '../policy/index.js';
import { compileRouteMap } from '../policy/index.js';
import { ROUTE_MAP_PROBLEM_CODES } from '../routeserver/index.js';
import type { Applier } from './config-apply.js';
import { sameRouteMapRules } from './config-compare.js';
import { armRouteMapRules } from './config-route-map-rules.js';
import type { ConfigFile, RouteMapConfig, RouteServerConfig } from './config-schema.js';

/** A route map problem: the path in the file (as config-load.ts locates it) and the message. */
interface RouteMapFileProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** `rules[1].actions[0].parameters[0].asPath[0]` → `['rules', 1, 'actions', 0, …]` */
function segmentsOf(path: string): (string | number)[] {
  return [...path.matchAll(/([A-Za-z]+)|\[(\d+)\]/g)].map((m) => (m[2] === undefined ? m[1]! : Number(m[2])));
}

const rulesOf = (map: RouteMapConfig): RouteMapRuleDefinition[] =>
  armRouteMapRules(map.rules ?? []) as RouteMapRuleDefinition[];

/** Every map of the file checked as the API checks a PUT; the first problem of each map. */
export function routeMapProblems(config: ConfigFile): RouteMapFileProblem[] {
  const problems: RouteMapFileProblem[] = [];
  for (const [i, rs] of (config.routeServers ?? []).entries()) {
    const seen = new Set<string>();
    for (const [j, map] of (rs.routeMaps ?? []).entries()) {
      const at = ['routeServers', i, 'routeMaps', j];
      if (seen.has(map.name.toLowerCase()))
        problems.push({ path: [...at, 'name'], message: `route map '${map.name}' is declared twice` });
      seen.add(map.name.toLowerCase());
      const result = compileRouteMap({ name: map.name, rules: rulesOf(map) });
      if (result.ok) continue;
      const { kind, message, path } = result.problem;
      problems.push({
        path: [...at, ...segmentsOf(path)],
        message: `${message} [${ROUTE_MAP_PROBLEM_CODES[kind]}]`,
      });
    }
  }
  return problems;
}

/** A peering's map reference as an id: a name is a map of the same route server. */
export function routeMapId(hubId: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.startsWith('/') ? value : `${hubId}/routeMaps/${value}`;
}

/** Writes the route server's maps whose rules differ from the file's. */
export async function applyRouteMaps(
  a: Applier,
  rs: RouteServerConfig,
  hubId: string,
  base: string,
): Promise<void> {
  for (const [j, map] of (rs.routeMaps ?? []).entries()) {
    const id = `${hubId}/routeMaps/${map.name}`;
    const rules = rulesOf(map);
    await a.ensure(
      `${base}.routeMaps[${j}] (${map.name})`,
      id,
      a.service.resources.routeMaps.get(id),
      (m) => sameRouteMapRules(m.rules, rules),
      () => a.service.resources.routeMaps.put(id, { rules }),
    );
  }
}
