/**
 * Effective routes of a route domain, in Azure's shape.
 *
 * Selection (docs/azure-behaviour.md §3.5, virtual-networks-udr-overview):
 * 1. longest prefix match first (next-hop.ts);
 * 2. for the same prefix: user-defined route > BGP route > system route; the
 *    routes that lose are listed with state Invalid;
 * 3. system routes for the VNet and VNet peerings win even over more specific
 *    BGP routes: a BGP route equal to or inside a VnetLocal/VNetPeering prefix
 *    is Invalid;
 * 4. a subnet whose route table disables gateway route propagation gets no BGP
 *    routes at all (§1.6); the domain's BGP layer is then absent.
 * BGP routes show one row per ECMP next hop, as Azure lists them (§1.6 (observed)).
 */
import type { Prefix } from '../lib/prefix.js';
import { comparePrefixes, prefixKey } from '../lib/prefix.js';
import type { PrefixKey } from '../lib/prefix.js';
import type { RouteDomain } from './route-domain.js';
import type { BgpRoute, EffectiveRoute, EffectiveRouteSource, InvalidReason } from './types.js';

function row(
  source: EffectiveRouteSource,
  prefix: Prefix,
  nextHopType: EffectiveRoute['nextHopType'],
  nextHopIpAddresses: readonly string[],
  invalidReason: InvalidReason | null,
  name: string | null = null,
): EffectiveRoute {
  return {
    source,
    state: invalidReason === null ? 'Active' : 'Invalid',
    name,
    addressPrefixes: [prefix],
    nextHopType,
    nextHopIpAddresses,
    invalidReason,
  };
}

/**
 * The rows of a domain's effective table for exactly `prefix`, given the BGP
 * route programmed for it (passed in so a change can be evaluated before and
 * after without touching the layer). Order: User, BGP, system.
 */
export function routesAtPrefix(
  domain: RouteDomain,
  prefix: Prefix,
  bgpRoute: BgpRoute | undefined,
): EffectiveRoute[] {
  const out: EffectiveRoute[] = [];
  const user = domain.user?.get(prefix);
  const system = domain.system.routes.get(prefix);
  const bgp = domain.bgp ? bgpRoute : undefined;
  const coveredByVnet =
    bgp !== undefined && domain.system.virtualNetworkSpaces.longestMatch(prefix) !== undefined;
  if (user) {
    const hops = user.nextHopIpAddress === null ? [] : [user.nextHopIpAddress];
    out.push(row('User', prefix, user.nextHopType, hops, null, user.name));
  }
  if (bgp) {
    const reason: InvalidReason | null = user
      ? 'OverriddenByUserRoute'
      : coveredByVnet
        ? 'VirtualNetworkRoutePreferred'
        : null;
    for (const hop of bgp.nextHops)
      out.push(row('VirtualNetworkGateway', prefix, 'VirtualNetworkGateway', [hop], reason));
  }
  if (system) {
    const reason: InvalidReason | null = user
      ? 'OverriddenByUserRoute'
      : bgp && !coveredByVnet
        ? 'OverriddenByBgpRoute'
        : null;
    out.push(row('Default', prefix, system.nextHopType, [], reason));
  }
  return out;
}

/**
 * True when a domain's rows for `prefix` are just the BGP rows: no user or
 * system route for that prefix and no VNet/peering space covering it. Most
 * BGP prefixes are like this in most domains, so a BGP change can share one
 * set of rows among them (`bgpOnlyRows`).
 */
export function isBgpOnlyPrefix(domain: RouteDomain, prefix: Prefix): boolean {
  return (
    domain.user?.has(prefix) !== true &&
    !domain.system.routes.has(prefix) &&
    domain.system.virtualNetworkSpaces.longestMatch(prefix) === undefined
  );
}

/** The rows of a BGP route in a domain where `isBgpOnlyPrefix` holds: one Active row per next hop. */
export function bgpOnlyRows(route: BgpRoute | undefined): EffectiveRoute[] {
  if (!route) return [];
  return route.nextHops.map((hop) =>
    row('VirtualNetworkGateway', route.prefix, 'VirtualNetworkGateway', [hop], null),
  );
}

/** Every prefix that has at least one row in the domain's table. */
function domainPrefixes(domain: RouteDomain): Prefix[] {
  const seen = new Map<PrefixKey, Prefix>();
  const collect = (entries: Iterable<{ prefix: Prefix }>): void => {
    for (const e of entries) seen.set(prefixKey(e.prefix), e.prefix);
  };
  collect(domain.system.routes.entries());
  if (domain.user) collect(domain.user.entries());
  if (domain.bgp) collect(domain.bgp.entries());
  return [...seen.values()].sort(comparePrefixes);
}

/**
 * The full effective table of a domain: by prefix, and for one prefix in
 * precedence order (User, BGP, Default), so the Active rows come first.
 */
export function effectiveRouteTable(domain: RouteDomain): EffectiveRoute[] {
  const rows: EffectiveRoute[] = [];
  for (const prefix of domainPrefixes(domain)) {
    rows.push(...routesAtPrefix(domain, prefix, domain.bgp?.get(prefix)));
  }
  return rows;
}

function sameRow(a: EffectiveRoute, b: EffectiveRoute): boolean {
  return (
    a.source === b.source &&
    a.state === b.state &&
    a.name === b.name &&
    a.nextHopType === b.nextHopType &&
    a.invalidReason === b.invalidReason &&
    a.nextHopIpAddresses.length === b.nextHopIpAddresses.length &&
    a.nextHopIpAddresses.every((hop, i) => hop === b.nextHopIpAddresses[i])
  );
}

/** Rows for one prefix are equal (prefixes are the same by construction). */
export function sameRows(a: readonly EffectiveRoute[], b: readonly EffectiveRoute[]): boolean {
  return a.length === b.length && a.every((r, i) => sameRow(r, b[i]!));
}
