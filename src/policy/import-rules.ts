/**
 * Import rules: what happens to a route an NVA sends, with Azure Route
 * Server semantics (docs/azure-behaviour.md §2.2, §2.3, §3.2). Each rule is a named step
 * tagged with the rule it applies; `evaluateImport` runs them in order and
 * returns every rule that fired, so a dropped or restricted route always
 * says why.
 *
 * Rules that depend only on the path attributes are evaluated once per
 * interned attribute set. The prefix rule (address space → not injected)
 * and the per-peer route limit are separate functions below because they
 * depend on the prefix and on the peer's table.
 */
import { Afi, CeaseSubcode, ErrorCode, Safi, WellKnownCommunity } from '../bgp/codec/index.js';
import type { AsPathSegment, NotificationMessage } from '../bgp/codec/index.js';
import { asPathContains } from './as-path.js';
import { AZURE_ROUTE_SERVER_COMMUNITY } from './gateway-rules.js';

/** Azure Route Server's AS number (docs/azure-behaviour.md §1.4). */
export const AZURE_ROUTE_SERVER_ASN = 65515;
/** Routes held per peer before the session is closed (docs/azure-behaviour.md §2.2, §8: 4,000; older Azure 1,000). */
export const DEFAULT_ROUTE_LIMIT = 4000;

/** What a rule needs to know about a route: its path attributes only. */
export interface ImportFacts {
  readonly asPath: readonly AsPathSegment[] | undefined;
  readonly communities: readonly number[] | undefined;
}

export interface ImportContext {
  /** our AS (65515) */
  readonly localAsn: number;
  /**
   * An ExpressRoute gateway's speaker next to a route server: routes from
   * on-prem carrying 65517:65517 are dropped (docs/azure-behaviour.md §4.1)
   */
  readonly expressRouteLoopGuard?: boolean;
}

/**
 * The effect of a rule that fired:
 * - `drop`: not used at all (kept pre-policy in Adj-RIB-In, shown as rejected);
 * - `inject-only`: used for the VNet, never advertised to any BGP peer.
 */
export type ImportEffect = 'drop' | 'inject-only';

export interface ImportRule {
  readonly name: string;
  /** the rule applied, for docs and logs */
  readonly rule: string;
  applies(facts: ImportFacts, context: ImportContext): boolean;
  readonly effect: ImportEffect;
}

export interface ImportVerdict {
  /** false: the route takes no part in the decision process */
  readonly accepted: boolean;
  /** false: the route may be injected into the VNet but is advertised to no peer */
  readonly advertise: boolean;
  /** names of the rules that fired, in order; empty when the route is kept untouched */
  readonly reasons: readonly string[];
}

function hasCommunity(facts: ImportFacts, community: number): boolean {
  return facts.communities?.includes(community) ?? false;
}

export const asPathContainsLocalAs: ImportRule = {
  name: 'as-path-contains-local-as',
  rule: 'docs/azure-behaviour.md §2.2/§3.2: a route whose AS path contains 65515 is dropped (loop prevention)',
  applies: (facts, context) => asPathContains(facts.asPath, context.localAsn),
  effect: 'drop',
};

export const asPathContainsZero: ImportRule = {
  name: 'as-path-contains-zero',
  rule: 'docs/azure-behaviour.md §2.2/§3.2: a route with AS 0 in its AS path is dropped (also RFC 7607 §2)',
  applies: (facts) => asPathContains(facts.asPath, 0),
  effect: 'drop',
};

export const noAdvertise: ImportRule = {
  name: 'no-advertise',
  rule: 'RFC 1997, docs/azure-behaviour.md §2.2: NO_ADVERTISE is injected into the VNet but advertised to no peer',
  applies: (facts) => hasCommunity(facts, WellKnownCommunity.NoAdvertise),
  effect: 'inject-only',
};

export const noExport: ImportRule = {
  name: 'no-export',
  rule:
    'RFC 1997: NO_EXPORT must not leave the AS; every peer of the route server is eBGP, ' +
    'so it is injected and advertised to no peer (our choice for docs/azure-behaviour.md §2.2, undocumented by Azure)',
  applies: (facts) => hasCommunity(facts, WellKnownCommunity.NoExport),
  effect: 'inject-only',
};

export const noExportSubconfed: ImportRule = {
  name: 'no-export-subconfed',
  rule: 'RFC 1997: NO_EXPORT_SUBCONFED; without confederations every peer is external, as NO_EXPORT',
  applies: (facts) => hasCommunity(facts, WellKnownCommunity.NoExportSubconfed),
  effect: 'inject-only',
};

export const azureRouteServerCommunity: ImportRule = {
  name: 'azure-route-server-community',
  rule:
    'docs/azure-behaviour.md §4.1: the ExpressRoute gateway drops routes from on-prem carrying 65517:65517 ' +
    '(what a route server gave an ExpressRoute gateway, coming back: the loop guard)',
  applies: (facts, context) =>
    context.expressRouteLoopGuard === true && hasCommunity(facts, AZURE_ROUTE_SERVER_COMMUNITY),
  effect: 'drop',
};

/** The attribute rules, in the order they are evaluated. */
export const IMPORT_RULES: readonly ImportRule[] = [
  asPathContainsLocalAs,
  asPathContainsZero,
  azureRouteServerCommunity,
  noAdvertise,
  noExport,
  noExportSubconfed,
];

const KEPT: ImportVerdict = Object.freeze({ accepted: true, advertise: true, reasons: Object.freeze([]) });

/** Runs every rule; a drop stops evaluation (the later rules cannot matter). */
export function evaluateImport(
  facts: ImportFacts,
  context: ImportContext,
  rules: readonly ImportRule[] = IMPORT_RULES,
): ImportVerdict {
  let reasons: string[] | undefined;
  let advertise = true;
  for (const rule of rules) {
    if (!rule.applies(facts, context)) continue;
    (reasons ??= []).push(rule.name);
    if (rule.effect === 'drop') return { accepted: false, advertise: false, reasons };
    advertise = false;
  }
  return reasons ? { accepted: true, advertise, reasons } : KEPT;
}

/** Reason recorded for a prefix equal to or more specific than an advertised address space. */
export const WITHIN_ADDRESS_SPACE = 'within-advertised-address-space';

/**
 * docs/azure-behaviour.md §3.2: a prefix equal to or more specific than an address space of
 * the VNet or a peered VNet is learned and shown but not injected; supernets
 * and 0.0.0.0/0 are injected. `isInjectable` is the virtual network's answer.
 * Our choice where Azure is undocumented: such a route is still advertised to the other
 * peers (reflection is a BGP matter; the rule is about programming VMs).
 */
export function injectionReason(injectable: boolean): string | undefined {
  return injectable ? undefined : WITHIN_ADDRESS_SPACE;
}

/**
 * docs/azure-behaviour.md §2.3: routes held from the peer plus routes in the incoming
 * UPDATE above the limit closes the session, even when the UPDATE only
 * re-announces routes already held. Our choice where Azure is undocumented: "routes
 * in the UPDATE" counts announced prefixes (NLRI and MP_REACH_NLRI), not
 * withdrawals, and "held" counts every route in the peer's Adj-RIB-In,
 * accepted or dropped by the rules above.
 */
export function exceedsRouteLimit(held: number, announced: number, limit: number): boolean {
  return held + announced > limit;
}

/**
 * RFC 4486 §4: Cease / Maximum Number of Prefixes Reached, data = AFI (2
 * octets), SAFI (1 octet), the prefix upper bound (4 octets).
 */
export function routeLimitNotification(
  limit: number,
  afi: number = Afi.Ipv4,
  safi: number = Safi.Unicast,
): NotificationMessage {
  const data = new Uint8Array(7);
  data[0] = afi >>> 8;
  data[1] = afi & 255;
  data[2] = safi;
  data[3] = limit >>> 24;
  data[4] = (limit >>> 16) & 255;
  data[5] = (limit >>> 8) & 255;
  data[6] = limit & 255;
  return { type: 'notification', code: ErrorCode.Cease, subcode: CeaseSubcode.MaximumPrefixesReached, data };
}
