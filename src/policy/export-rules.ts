/**
 * Export rules: what the route server advertises to each NVA, and with which
 * attributes (docs/azure-behaviour.md §3.3, §3.6).
 *
 * - The VNet's and peered VNets' address spaces: AS path `65515`, ORIGIN IGP,
 *   NEXT_HOP = the advertising instance's address (§3.3).
 * - Routes learned from other NVAs: 65515 prepended (RFC 4271 §5.1.2), the
 *   original NEXT_HOP kept (third-party next hop, RFC 4271 §5.1.3: every NVA
 *   sits in the same virtual network, so the originating NVA — or the load
 *   balancer it names — is directly reachable; our choice for §3.3, undocumented by Azure),
 *   communities and unknown transitive attributes passed through (§2.2).
 * - Never back to the peer the route came from; never a route marked
 *   NO_ADVERTISE / NO_EXPORT; gateway routes only with branch-to-branch on.
 * - Between the route server and the gateways (docs/azure-behaviour.md §4.1,
 *   src/policy/gateway-rules.ts): NVA routes reach the gateways, and one
 *   gateway's routes the other, only with branch-to-branch on; a gateway is
 *   never sent its own routes back; a gateway does not pass what it learned
 *   from the route server back to the route server (RFC 4271 §9.2); the VPN
 *   gateway never advertises 0.0.0.0/0 to on-prem.
 */
import { AsPathSegmentType, AttributeCode, OriginValue } from '../bgp/codec/index.js';
import type { PathAttributes } from '../bgp/codec/index.js';
import { prependAs } from './as-path.js';
import type { EngineRole } from './gateway-rules.js';

/**
 * Where a route came from: the VNet's address space, an NVA (or, in a
 * gateway's speaker, an on-prem router), a gateway instance (in the route
 * server), the route server (in a gateway's speaker).
 */
export type RouteSourceKind = 'vnet' | 'nva' | 'gateway' | 'route-server';

export interface ExportCandidate {
  readonly source: RouteSourceKind;
  /** the peer the route was learned from (undefined for VNet address spaces) */
  readonly sourcePeer: string | undefined;
  /** the import verdict: false for NO_ADVERTISE / NO_EXPORT routes */
  readonly advertise: boolean;
  /** the gateway a `gateway` route came from (its instances are one source) */
  readonly gateway?: string;
}

export interface ExportTarget {
  readonly peer: string;
  /** `nva` (default): an NVA, or an on-prem router of a gateway's speaker */
  readonly kind?: Exclude<RouteSourceKind, 'vnet'>;
  /** the gateway a `gateway` target is an instance of */
  readonly gateway?: string;
}

export interface ExportContext {
  /** allowBranchToBranchTraffic of the route server (docs/azure-behaviour.md §4) */
  readonly branchToBranch: boolean;
  /** default `route-server` */
  readonly role?: EngineRole;
}

export interface ExportRule {
  readonly name: string;
  readonly rule: string;
  rejects(candidate: ExportCandidate, target: ExportTarget, context: ExportContext): boolean;
}

export const notToSourcePeer: ExportRule = {
  name: 'not-to-source-peer',
  rule: 'docs/azure-behaviour.md §3.6: a route is never advertised back to the peer it came from',
  rejects: (candidate, target) => candidate.sourcePeer !== undefined && candidate.sourcePeer === target.peer,
};

export const advertiseForbiddenByCommunity: ExportRule = {
  name: 'community-forbids-advertisement',
  rule: 'RFC 1997, docs/azure-behaviour.md §2.2: NO_ADVERTISE (and NO_EXPORT, our choice) routes go to no peer',
  rejects: (candidate) => !candidate.advertise,
};

export const gatewayRoutesNeedBranchToBranch: ExportRule = {
  name: 'gateway-route-without-branch-to-branch',
  rule:
    'docs/azure-behaviour.md §3.6/§4.1: routes from ExpressRoute/VPN gateways reach NVAs, ' +
    'and the other gateway, only with branch-to-branch on',
  rejects: (candidate, _target, context) => candidate.source === 'gateway' && !context.branchToBranch,
};

export const nvaRoutesToGatewaysNeedBranchToBranch: ExportRule = {
  name: 'nva-route-to-gateway-without-branch-to-branch',
  rule: 'docs/azure-behaviour.md §4.1: NVA routes reach the ExpressRoute/VPN gateways only with branch-to-branch on',
  rejects: (candidate, target, context) =>
    target.kind === 'gateway' && candidate.source === 'nva' && !context.branchToBranch,
};

export const notBackToSourceGateway: ExportRule = {
  name: 'not-back-to-source-gateway',
  rule: 'docs/azure-behaviour.md §4.1: a gateway is not sent back its own routes (through either of its instances)',
  rejects: (candidate, target) =>
    target.kind === 'gateway' && candidate.gateway !== undefined && candidate.gateway === target.gateway,
};

export const notBetweenInternalPeers: ExportRule = {
  name: 'not-between-internal-peers',
  rule: 'RFC 4271 §9.2: a gateway does not send what it learned from the route server back to the route server',
  rejects: (candidate, target) => candidate.source === 'route-server' && target.kind === 'route-server',
};

export const EXPORT_RULES: readonly ExportRule[] = [
  notToSourcePeer,
  advertiseForbiddenByCommunity,
  gatewayRoutesNeedBranchToBranch,
  nvaRoutesToGatewaysNeedBranchToBranch,
  notBackToSourceGateway,
  notBetweenInternalPeers,
];

/**
 * docs/azure-behaviour.md §4.1: the VPN gateway receives a default route
 * from the route server but does not advertise 0.0.0.0/0 to its on-prem
 * peers (a per-prefix rule, applied beside the shared ones).
 */
export function withholdsDefaultRoute(
  context: ExportContext,
  target: ExportTarget,
  isDefault: boolean,
): boolean {
  return isDefault && context.role === 'vpn-gateway' && (target.kind ?? 'nva') === 'nva';
}

/**
 * The rules that do not depend on the receiving peer. Peers that share an
 * export policy (an update group, src/rib/update-group.ts) get the result
 * computed once; `notToSourcePeer`, the only rule that reads the target, is
 * applied per peer when the group's UPDATEs are sent.
 */
export const SHARED_EXPORT_RULES: readonly ExportRule[] = EXPORT_RULES.filter(
  (rule) => rule !== notToSourcePeer,
);

export interface ExportVerdict {
  readonly advertise: boolean;
  /** the rule that refused the route */
  readonly reason?: string;
}

const ADVERTISE: ExportVerdict = Object.freeze({ advertise: true });

export function evaluateExport(
  candidate: ExportCandidate,
  target: ExportTarget,
  context: ExportContext,
  rules: readonly ExportRule[] = EXPORT_RULES,
): ExportVerdict {
  for (const rule of rules) {
    if (rule.rejects(candidate, target, context)) return { advertise: false, reason: rule.name };
  }
  return ADVERTISE;
}

/**
 * The attributes sent to an NVA for a route learned from another peer.
 * RFC 4271 §5.1.2 prepend our AS; §5.1.4 a MED received from a neighbouring
 * AS is not propagated to other neighbouring ASes; §5.1.5 LOCAL_PREF is not
 * sent to external peers; ORIGINATOR_ID and CLUSTER_LIST (RFC 4456) are
 * iBGP-only and dropped. NEXT_HOP, ORIGIN, ATOMIC_AGGREGATE, AGGREGATOR,
 * communities (standard, extended, large) and unknown optional transitive
 * attributes pass through. MP_REACH/MP_UNREACH are rebuilt per UPDATE.
 */
export function exportAttributes(attributes: PathAttributes, localAsn: number): PathAttributes {
  return { ...withoutLocalAttributes(attributes), asPath: prependAs(attributes.asPath, localAsn) };
}

/**
 * The type codes of the attributes `withoutLocalAttributes` removes, besides MP_REACH/MP_UNREACH:
 * for a rewrite of the received bytes (src/rib/export-block.ts).
 */
export const LOCAL_ATTRIBUTE_CODES: readonly number[] = [
  AttributeCode.MultiExitDisc,
  AttributeCode.LocalPref,
  AttributeCode.OriginatorId,
  AttributeCode.ClusterList,
];

/**
 * The attributes without what the sender sets for each peer: MED, LOCAL_PREF,
 * ORIGINATOR_ID and CLUSTER_LIST, MP_REACH/MP_UNREACH (rebuilt per UPDATE)
 * and the received order of attributes.
 */
export function withoutLocalAttributes(attributes: PathAttributes): PathAttributes {
  const {
    med: _med,
    localPref: _localPref,
    originatorId: _originatorId,
    clusterList: _clusterList,
    mpReach: _mpReach,
    mpUnreach: _mpUnreach,
    wireOrder: _wireOrder,
    ...kept
  } = attributes;
  return kept;
}

/** The attributes of an address space the instance originates (docs/azure-behaviour.md §3.3, §3.6). */
export function vnetRouteAttributes(localAsn: number, nextHop: number | undefined): PathAttributes {
  return {
    origin: OriginValue.Igp,
    asPath: [{ type: AsPathSegmentType.AsSequence, asns: [localAsn] }],
    ...(nextHop !== undefined ? { nextHop } : {}),
  };
}

/**
 * `evaluateExport` for every peer of an update group at once: the shared
 * rules only, with the group's target (its kind and gateway; no peer named).
 */
export function evaluateSharedExport(
  candidate: ExportCandidate,
  context: ExportContext,
  target: ExportTarget = { peer: '' },
): ExportVerdict {
  return evaluateExport(candidate, target, context, SHARED_EXPORT_RULES);
}
