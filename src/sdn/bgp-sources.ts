/**
 * The BGP routes a hub VNet programs when it has a route server and
 * gateways: per prefix the route server's routes, else its gateways' (the
 * two layers stay as their sources fill them; this view holds nothing per
 * prefix).
 *
 * With a route server the gateways' routes reach it over the internal links
 * (src/rib/internal-link.ts) and its decision, hub routing preference
 * included (docs/azure-behaviour.md §4.3), is what the VMs get: where the
 * route server has a route for a prefix, that route alone is programmed, so
 * no prefix has rows from both. The gateways' own layer fills what the route
 * server does not have (yet): when a route server is placed next to
 * gateways, their routes stay programmed until the links brought them to the
 * route server, and when it is removed they are programmed again at once
 * (docs/gateways.md, "Gateway routes in the VNet").
 */
import type { TrieEntry } from '../lib/lpm-trie.js';
import type { Prefix } from '../lib/prefix.js';
import type { PrefixLayer } from './bgp-layer.js';
import type { BgpRoute } from './types.js';

export class LayeredBgpRoutes implements PrefixLayer<BgpRoute> {
  constructor(
    /** the route server's programmed routes */
    readonly primary: PrefixLayer<BgpRoute>,
    /** the VNet's gateways' programmed routes */
    readonly fallback: PrefixLayer<BgpRoute>,
  ) {}

  get(prefix: Prefix): BgpRoute | undefined {
    return this.primary.get(prefix) ?? this.fallback.get(prefix);
  }

  has(prefix: Prefix): boolean {
    return this.primary.has(prefix) || this.fallback.has(prefix);
  }

  *entries(): Generator<TrieEntry<BgpRoute>> {
    yield* this.primary.entries();
    for (const entry of this.fallback.entries()) if (!this.primary.has(entry.prefix)) yield entry;
  }

  longestMatch(prefix: Prefix): TrieEntry<BgpRoute> | undefined {
    return this.longer(this.primary.longestMatch(prefix), this.fallback.longestMatch(prefix));
  }

  longestMatchIpv4(address: number): TrieEntry<BgpRoute> | undefined {
    return this.longer(this.primary.longestMatchIpv4(address), this.fallback.longestMatchIpv4(address));
  }

  *coveredBy(prefix: Prefix): Generator<TrieEntry<BgpRoute>> {
    yield* this.primary.coveredBy(prefix);
    for (const entry of this.fallback.coveredBy(prefix)) if (!this.primary.has(entry.prefix)) yield entry;
  }

  /** The more specific match; the primary's at equal length (it then holds the prefix). */
  private longer(
    primary: TrieEntry<BgpRoute> | undefined,
    fallback: TrieEntry<BgpRoute> | undefined,
  ): TrieEntry<BgpRoute> | undefined {
    if (primary === undefined) return fallback;
    if (fallback === undefined || fallback.prefix.length <= primary.prefix.length) return primary;
    return fallback;
  }
}
