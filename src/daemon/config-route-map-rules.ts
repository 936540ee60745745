/**
 * Route map rules as a file spells them (the configuration file's
 * `routeMaps[].rules`, `routeserver route-map create --rules @file`) turned
 * into the API's shape (docs/route-maps.md), member for member:
 *
 * - a YAML number in a `community` or `asPath` list (`asPath: [65001]`)
 *   becomes its decimal text (`"65001"`), as ARM spells ASNs;
 * - `matchCriteria`, `actions` and `parameters` left out become `[]`, as the
 *   API reads a rule without them (src/routeserver/route-maps.ts).
 *
 * Nothing is checked here: whatever else the file holds passes unchanged, so
 * that the API's validator (src/policy/route-map.ts) judges it and names the
 * member at fault.
 */

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const TEXT_LISTS = ['community', 'asPath'] as const;

function lists(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const field of TEXT_LISTS) {
    const list = out[field];
    if (Array.isArray(list))
      out[field] = (list as unknown[]).map((item) => (typeof item === 'number' ? String(item) : item));
  }
  return out;
}

function action(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const parameters = value['parameters'] ?? [];
  return { ...value, parameters: Array.isArray(parameters) ? parameters.map(lists) : parameters };
}

function rule(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const criteria = value['matchCriteria'] ?? [];
  const actions = value['actions'] ?? [];
  return {
    ...value,
    matchCriteria: Array.isArray(criteria) ? criteria.map(lists) : criteria,
    actions: Array.isArray(actions) ? actions.map(action) : actions,
  };
}

/** The API's spelling of a file's rules; a value that is not a list passes unchanged. */
export function armRouteMapRules(rules: unknown): unknown {
  return Array.isArray(rules) ? rules.map(rule) : rules;
}
