/**
 * policy: pure route rules with Azure Route Server semantics (reference
 * §2-§3): the import rules, the per-peer route limit, the export rules and
 * the attributes of exported routes, and route maps (docs/azure-behaviour.md
 * §5, src/policy/route-map.ts). No I/O and no state; `src/rib` applies them.
 */
export * from './as-path.js';
export * from './import-rules.js';
export * from './export-rules.js';
export * from './gateway-rules.js';
export * from './route-map.js';
export * from './route-map-evaluate.js';
