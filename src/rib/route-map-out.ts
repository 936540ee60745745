/**
 * An outbound route map (docs/route-maps.md), owned by one update group:
 * peers share an Adj-RIB-Out only when they have the same outbound map
 * (the map's fingerprint is part of the group key, src/rib/update-groups.ts), so
 * the map runs once per group and prefix, after best-path selection
 * (docs/azure-behaviour.md §5: outbound maps don't influence it) and before
 * packing. The VNet's own address spaces are never changed (§5).
 *
 * The map reads the route as the route server learned it (before 65515 is
 * prepended); the changed attributes are then exported as any other route
 * (src/rib/exporter.ts), so a prepend reads `65515 <prepended> <path>` on
 * the wire. Results are cached per (attribute set, matched rules), so routes
 * that share attributes share one encoded block and one UPDATE.
 *
 * Summaries: a route summarised into S is not advertised; while one of its
 * contributors is, the group advertises S itself with the summary's
 * attributes (Community and AS path stripped, then exported: AS path
 * `65515`), in place of any route the Loc-RIB has for S.
 */
import type { PathAttributes } from '../bgp/codec/index.js';
import type { PrefixKey } from '../lib/prefix.js';
import { prefixKey } from '../lib/prefix.js';
import type { CompiledPrefix, CompiledRouteMap } from '../policy/index.js';
import { matchRouteMap, planRouteMap, summaryAttributes, summaryPrefixFor } from '../policy/index.js';
import { PrefixMap } from '../lib/prefix-map.js';
import type { AttributeSet } from './attribute-store.js';
import type { RouteExport } from './exporter.js';
import type { Path } from './peer.js';

/** Encodes changed attributes of `best` for the group (the exporter's, src/rib/exporter.ts). */
type EncodeChanged = (best: Path, attributes: PathAttributes) => RouteExport;

interface Outcome {
  /** what to send; undefined: dropped (or summarised); `base`: as without the map */
  readonly exported: RouteExport | undefined | 'base';
  readonly summary: readonly CompiledPrefix[] | undefined;
}

const BASE: Outcome = { exported: 'base', summary: undefined };

interface Summary {
  contributors: number;
  readonly exported: RouteExport;
}

export class OutboundRouteMap {
  private readonly masks = new WeakMap<AttributeSet, number>();
  /** by path (one per peer and attribute set: the export names the peer) */
  private readonly outcomes = new WeakMap<Path, Map<number, Outcome>>();
  private readonly contributes = new PrefixMap<PrefixKey>();
  private readonly summaries = new PrefixMap<Summary>();

  constructor(
    readonly map: CompiledRouteMap,
    private readonly encode: EncodeChanged,
    /** marks a summary prefix for export again */
    private readonly markDirty: (key: PrefixKey) => void,
  ) {}

  /** What the group sends for `key`: `base` (the export without a map) after the map. */
  exportOf(key: PrefixKey, base: RouteExport | undefined, best: Path | undefined): RouteExport | undefined {
    let result = base;
    let into: PrefixKey | undefined;
    if (base !== undefined && best !== undefined) {
      const outcome = this.outcome(key, best);
      result = outcome.exported === 'base' ? base : outcome.exported;
      // a summary rule matches only the routes it covers (src/policy/route-map-evaluate.ts)
      if (outcome.summary) into = prefixKey(summaryPrefixFor(outcome.summary, key)!);
    }
    const was = this.contributes.get(key);
    if (was !== into) {
      if (was !== undefined) this.leave(key, was);
      if (into !== undefined) this.join(key, into, best!);
    }
    return this.summaries.get(key)?.exported ?? result;
  }

  /** Every prefix that contributes to a summary (the dry run shows them). */
  summaryOf(key: PrefixKey): PrefixKey | undefined {
    return this.contributes.get(key);
  }

  private join(key: PrefixKey, into: PrefixKey, best: Path): void {
    this.contributes.set(key, into);
    const summary = this.summaries.get(into);
    if (summary) {
      summary.contributors++;
      return;
    }
    const attributes = summaryAttributes(best.attributes.attributes);
    const exported = this.encode(best, attributes);
    this.summaries.set(into, { contributors: 1, exported: { set: exported.set, source: undefined } });
    this.markDirty(into);
  }

  private leave(key: PrefixKey, into: PrefixKey): void {
    this.contributes.delete(key);
    const summary = this.summaries.get(into)!;
    if (--summary.contributors > 0) return;
    this.summaries.delete(into);
    this.markDirty(into);
  }

  private outcome(key: PrefixKey, best: Path): Outcome {
    const set = best.attributes;
    const map = this.map;
    let mask: number | undefined = map.readsPrefix ? undefined : this.masks.get(set);
    if (mask === undefined) {
      mask = matchRouteMap(map, key, set.attributes);
      if (!map.readsPrefix) this.masks.set(set, mask);
    }
    if (mask === 0) return BASE;
    let byPath = this.outcomes.get(best);
    if (!byPath) this.outcomes.set(best, (byPath = new Map<number, Outcome>()));
    let outcome = byPath.get(mask);
    if (!outcome) {
      const plan = planRouteMap(map, mask, set.attributes);
      if (plan.dropped) outcome = { exported: undefined, summary: undefined };
      else if (plan.summary) outcome = { exported: undefined, summary: plan.summary };
      else if (plan.attributes === undefined) outcome = BASE;
      else
        outcome = {
          exported: this.encode(best, plan.attributes),
          summary: undefined,
        };
      byPath.set(mask, outcome);
    }
    return outcome;
  }
}
