/**
 * The decision process: an ordered list of named steps, each tagged with the
 * rule it applies. Every step takes the paths still in the running and keeps
 * the preferred ones (RFC 4271 §9.1.2.2 is written the same way: "remove from
 * consideration"). Because each step filters a set by a property of the
 * paths, the result does not depend on the order the paths arrived in.
 *
 * Hub routing preference (docs/azure-behaviour.md §4.3) comes first: the
 * longest prefix has already won (each prefix is decided on its own), then
 * `ExpressRoute` keeps the ExpressRoute gateway's paths, `VpnGateway` the
 * VPN gateway's and the NVAs', `ASPath` all; the shortest AS path follows.
 * Paths of different sources with equal AS paths (Azure does not say,
 * "BGP path attributes" [U]): our choice is one source, in the order
 * ExpressRoute, VPN, NVA (`VpnGateway`: VPN, NVA, ExpressRoute) — a gateway
 * route and an NVA route are never ECMP together.
 *
 * Two results come out of one run:
 * - the ECMP set for the VNet: every path that survives the source steps
 *   and the shortest AS path (docs/azure-behaviour.md §3.4: equal AS-path
 *   length → one copy per next hop, a longer path is only a standby);
 * - the single best path advertised to peers: the survivor of every step,
 *   with the name of the step that decided it (our tie-breaks for §3.4, undocumented by Azure).
 *
 * RFC says / we do:
 * - §9.1.2.1 LOCAL_PREF: every route is from an external peer and none is
 *   set by policy, so there is no LOCAL_PREF step.
 * - §9.1.2.2 (c) MED: compared only among paths from the same neighbouring
 *   AS, as the RFC says (no "always-compare-med").
 * - §9.1.2.2 (d) eBGP over iBGP: a gateway's speaker prefers its on-prem
 *   peer's path to the route server's (the internal link) on a tie.
 *   (e) IGP cost: every peer is in one virtual network; no such step.
 * - §9.1.2.2 (f) lowest BGP Identifier, (g) lowest peer address: as written.
 * - last, the older session wins (only a peer that re-connected while its
 *   previous session's routes are still being withdrawn can reach it).
 */

/** The values of `hubRoutingPreference` (docs/azure-behaviour.md §4.3). */
export type RoutingPreference = 'ExpressRoute' | 'VpnGateway' | 'ASPath';

/** The source of a path as hub routing preference sees it. */
export type HubSource = 'ExpressRoute' | 'Vpn' | 'nva';

/** What the decision process reads from a path. */
export interface DecisionPath {
  readonly hubSource: HubSource;
  /** learned over an internal link (the route server, in a gateway's speaker) */
  readonly internal: boolean;
  readonly asPathLength: number;
  /** 0 IGP < 1 EGP < 2 INCOMPLETE */
  readonly origin: number;
  readonly med: number;
  readonly neighbourAs: number;
  /** the peer's BGP Identifier (unsigned 32-bit) */
  readonly routerId: number;
  /** the peer's address in a form that sorts like the address (see `addressOrder`) */
  readonly peerAddressOrder: string;
  /** increases with every session the engine sees */
  readonly sessionSequence: number;
}

export interface DecisionStep {
  readonly name: string;
  readonly rule: string;
  select<P extends DecisionPath>(paths: readonly P[], preference?: RoutingPreference): readonly P[];
}

/** Keeps the paths whose `value` is the smallest. */
function keepLowest<P extends DecisionPath>(
  paths: readonly P[],
  value: (path: P) => number | string,
): readonly P[] {
  let best = value(paths[0]!);
  for (let i = 1; i < paths.length; i++) {
    const v = value(paths[i]!);
    if (v < best) best = v;
  }
  const kept = paths.filter((path) => value(path) === best);
  return kept.length === paths.length ? paths : kept;
}

/** Keeps the paths of the first source in `order` that has any. */
function keepFirstSource<P extends DecisionPath>(
  paths: readonly P[],
  order: readonly HubSource[],
): readonly P[] {
  for (const source of order) {
    const kept = paths.filter((p) => p.hubSource === source);
    if (kept.length === paths.length) return paths;
    if (kept.length > 0) return kept;
  }
  return paths;
}

export const hubRoutingPreference: DecisionStep = {
  name: 'hub-routing-preference',
  rule:
    "docs/azure-behaviour.md §4.3 step 2: ExpressRoute → the ExpressRoute gateway's paths; " +
    "VpnGateway → the VPN gateway's and the NVAs'; ASPath → all",
  select: (paths, preference = 'ExpressRoute') => {
    if (preference === 'ASPath') return paths;
    if (preference === 'ExpressRoute') return keepFirstSource(paths, ['ExpressRoute']);
    const kept = paths.filter((p) => p.hubSource !== 'ExpressRoute');
    return kept.length === 0 || kept.length === paths.length ? paths : kept;
  },
};

const SOURCE_ORDER: Readonly<Record<RoutingPreference, readonly HubSource[]>> = {
  ExpressRoute: ['ExpressRoute', 'Vpn', 'nva'],
  VpnGateway: ['Vpn', 'nva', 'ExpressRoute'],
  ASPath: ['ExpressRoute', 'Vpn', 'nva'],
};

export const oneSourceOnEqualAsPath: DecisionStep = {
  name: 'one-source-on-equal-as-path',
  rule:
    'ours, docs/azure-behaviour.md §4.3 step 3 (undocumented): equal AS paths from different sources → ' +
    'ExpressRoute, then VPN, then NVA (VpnGateway: VPN, NVA, ExpressRoute); ECMP only within one source',
  select: (paths, preference = 'ExpressRoute') => keepFirstSource(paths, SOURCE_ORDER[preference]),
};

export const shortestAsPath: DecisionStep = {
  name: 'shortest-as-path',
  rule: 'RFC 4271 §9.1.2.2 (a); docs/azure-behaviour.md §3.4: the shortest AS paths form the ECMP set',
  select: (paths) => keepLowest(paths, (p) => p.asPathLength),
};

export const lowestOrigin: DecisionStep = {
  name: 'lowest-origin',
  rule: 'RFC 4271 §9.1.2.2 (b): IGP < EGP < INCOMPLETE',
  select: (paths) => keepLowest(paths, (p) => p.origin),
};

export const lowestMedPerNeighbourAs: DecisionStep = {
  name: 'lowest-med-per-neighbour-as',
  rule: 'RFC 4271 §9.1.2.2 (c): MED compared among paths from the same neighbouring AS; missing MED is 0',
  select: (paths) => {
    const lowest = new Map<number, number>();
    for (const p of paths) {
      const current = lowest.get(p.neighbourAs);
      if (current === undefined || p.med < current) lowest.set(p.neighbourAs, p.med);
    }
    const kept = paths.filter((p) => p.med === lowest.get(p.neighbourAs));
    return kept.length === paths.length ? paths : kept;
  },
};

export const externalOverInternal: DecisionStep = {
  name: 'external-over-internal',
  rule: 'RFC 4271 §9.1.2.2 (d): a path from an external peer over one from an internal peer',
  select: (paths) => keepLowest(paths, (p) => (p.internal ? 1 : 0)),
};

export const lowestRouterId: DecisionStep = {
  name: 'lowest-router-id',
  rule: 'RFC 4271 §9.1.2.2 (f): the lowest BGP Identifier',
  select: (paths) => keepLowest(paths, (p) => p.routerId),
};

export const lowestPeerAddress: DecisionStep = {
  name: 'lowest-peer-address',
  rule: 'RFC 4271 §9.1.2.2 (g): the lowest peer address',
  select: (paths) => keepLowest(paths, (p) => p.peerAddressOrder),
};

export const oldestSession: DecisionStep = {
  name: 'oldest-session',
  rule: 'ours: the same peer seen on two sessions (one being torn down): the older one',
  select: (paths) => keepLowest(paths, (p) => p.sessionSequence),
};

export const DECISION_STEPS: readonly DecisionStep[] = [
  hubRoutingPreference,
  shortestAsPath,
  oneSourceOnEqualAsPath,
  lowestOrigin,
  lowestMedPerNeighbourAs,
  externalOverInternal,
  lowestRouterId,
  lowestPeerAddress,
  oldestSession,
];

export interface Decision<P extends DecisionPath> {
  readonly best: P;
  /** paths of the preferred source and the shortest AS-path length (the VNet's ECMP set), best included */
  readonly ecmp: readonly P[];
  /** the step that chose `best` over the last other path, or `only-path` */
  readonly reason: string;
}

export const ONLY_PATH = 'only-path';

/** Runs the steps over a non-empty set of paths (hub routing preference default `ExpressRoute`). */
export function decide<P extends DecisionPath>(
  paths: readonly P[],
  preference: RoutingPreference = 'ExpressRoute',
): Decision<P> {
  if (paths.length === 0) throw new RangeError('decide() needs at least one path');
  if (paths.length === 1) return { best: paths[0]!, ecmp: paths, reason: ONLY_PATH };
  let remaining = paths;
  let ecmp: readonly P[] | undefined;
  let reason = ONLY_PATH;
  for (const step of DECISION_STEPS) {
    const kept = step.select(remaining, preference);
    if (step === oneSourceOnEqualAsPath) ecmp = kept;
    if (kept.length < remaining.length) reason = step.name;
    remaining = kept;
    if (remaining.length === 1) break;
  }
  // one path left before the ECMP step: it is the ECMP set alone
  return { best: remaining[0]!, ecmp: ecmp ?? remaining, reason };
}
