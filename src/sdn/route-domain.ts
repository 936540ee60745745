/**
 * Route domains: the unit effective routes are computed for. A domain is a
 * VNet plus the route table associated with a subnet (or none); every subnet
 * with the same pair, and every NIC in those subnets, shares one table.
 *
 * A domain is three layers, each shared with other domains:
 * - the VNet's system routes (one layer per VNet, rebuilt only when the VNet's
 *   address spaces or connected peerings change);
 * - the user-defined routes of its route table (one layer per route table);
 * - the BGP routes of the hub serving the VNet (its own, or the one it uses
 *   through gateway transit): the route server's, the gateways', or both
 *   (bgp-sources.ts), unless the route table disables gateway route
 *   propagation (one layer per hub VNet).
 * Layers are replaced, never mutated, on topology changes, so an old domain
 * object still describes the old table and can be diffed against the new one.
 * The BGP layers alone change in place, prefix by prefix (bgp-input.ts,
 * gateway-input.ts): one per route server for its lifetime, one for a VNet's
 * gateways while it has any; a hub's is replaced only when a route server
 * or its first or last gateway comes or goes.
 */
import { LpmTrie } from '../lib/lpm-trie.js';
import type { Prefix } from '../lib/prefix.js';
import { formatPrefix, parsePrefix, prefixContains } from '../lib/prefix.js';
import type { PrefixLayer } from './bgp-layer.js';
import type { BgpRoute, UserRouteTable, SystemRoute, UserDefinedRoute } from './types.js';

/**
 * Azure's default routes with next hop None (virtual-networks-udr-overview,
 * "Default"): RFC 1918 and RFC 6598 ranges not used by the VNet are dropped.
 */
const DEFAULT_NONE_ROUTES: readonly Prefix[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
].map((text) => parsePrefix(text));
const IPV4_DEFAULT = parsePrefix('0.0.0.0/0');
const IPV6_DEFAULT = parsePrefix('::/0');

export class SystemLayer {
  /** Every system route, one per prefix. */
  readonly routes = new LpmTrie<SystemRoute>();
  /** The VnetLocal and VNetPeering routes only: Azure prefers these over BGP routes they cover. */
  readonly virtualNetworkSpaces = new LpmTrie<SystemRoute>();
  constructor(readonly signature: string) {}
}

export function systemLayerSignature(ownSpaces: readonly Prefix[], peerSpaces: readonly Prefix[]): string {
  return `${ownSpaces.map(formatPrefix).join(',')}|${peerSpaces.map(formatPrefix).sort().join(',')}`;
}

/**
 * The system routes of a VNet: each address space → VnetLocal, each address
 * space of a connected peer → VNetPeering, 0.0.0.0/0 → Internet (and ::/0
 * when the VNet is dual-stack), and the None routes for private ranges. A
 * None route whose range equals a VNet/peer space becomes that space's route
 * (Azure "changes the next hop type"); one inside a larger space is removed.
 */
export function buildSystemLayer(ownSpaces: readonly Prefix[], peerSpaces: readonly Prefix[]): SystemLayer {
  const layer = new SystemLayer(systemLayerSignature(ownSpaces, peerSpaces));
  const spaces = [...ownSpaces, ...peerSpaces];
  layer.routes.set(IPV4_DEFAULT, { prefix: IPV4_DEFAULT, nextHopType: 'Internet' });
  if (ownSpaces.some((s) => s.family === 6))
    layer.routes.set(IPV6_DEFAULT, { prefix: IPV6_DEFAULT, nextHopType: 'Internet' });
  for (const range of DEFAULT_NONE_ROUTES) {
    if (!spaces.some((s) => prefixContains(s, range)))
      layer.routes.set(range, { prefix: range, nextHopType: 'None' });
  }
  const add = (prefix: Prefix, nextHopType: 'VnetLocal' | 'VNetPeering'): void => {
    const route: SystemRoute = { prefix, nextHopType };
    layer.routes.set(prefix, route);
    layer.virtualNetworkSpaces.set(prefix, route);
  };
  for (const space of ownSpaces) add(space, 'VnetLocal');
  for (const space of peerSpaces) add(space, 'VNetPeering');
  return layer;
}

export function buildUserRouteLayer(table: UserRouteTable): LpmTrie<UserDefinedRoute> {
  const layer = new LpmTrie<UserDefinedRoute>();
  for (const route of table.routes) layer.set(route.addressPrefix, route);
  return layer;
}

export function routeDomainId(vnetId: string, routeTableId: string | null): string {
  return routeTableId === null ? `${vnetId}#system` : `${vnetId}#${routeTableId}`;
}

export interface RouteDomain {
  readonly id: string;
  readonly vnetId: string;
  readonly routeTableId: string | null;
  readonly system: SystemLayer;
  readonly user: LpmTrie<UserDefinedRoute> | null;
  /** The serving hub's programmed BGP routes; null without a hub or with propagation disabled. */
  readonly bgp: PrefixLayer<BgpRoute> | null;
  /** The VNet whose route server and gateways serve this one (itself, or a hub over gateway transit). */
  readonly hubVnetId: string | null;
  /** Id of the route server serving the VNet (even when propagation is disabled). */
  readonly routeServerId: string | null;
  readonly bgpPropagationDisabled: boolean;
}

export function sameLayers(a: RouteDomain, b: RouteDomain): boolean {
  return a.system === b.system && a.user === b.user && a.bgp === b.bgp;
}
