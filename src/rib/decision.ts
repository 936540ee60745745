/**
 * The decision process: an ordered list of named steps, each tagged with the
 * rule it applies. Every step takes the paths still in the running and keeps
 * the preferred ones (RFC 4271 §9.1.2.2 is written the same way: "remove from
 * consideration"). Because each step filters a set by a property of the
 * paths, the result does not depend on the order the paths arrived in.
 *
 * Two results come out of one run:
 * - the ECMP set for the VNet: every path that survives step 1 (shortest AS
 *   path; docs/azure-behaviour.md §3.4: equal AS-path length → one copy per next hop, a
 *   longer path is only a standby);
 * - the single best path advertised to peers: the survivor of every step,
 *   with the name of the step that decided it (our tie-breaks for §3.4, undocumented by Azure).
 *
 * RFC says / we do:
 * - §9.1.2.1 LOCAL_PREF: every route is from an external peer and none is
 *   set by policy, so there is no LOCAL_PREF step.
 * - §9.1.2.2 (c) MED: compared only among paths from the same neighbouring
 *   AS, as the RFC says (no "always-compare-med").
 * - §9.1.2.2 (d) eBGP over iBGP and (e) IGP cost: all peers are eBGP
 *   multihop in one virtual network, so these steps cannot separate paths.
 * - §9.1.2.2 (f) lowest BGP Identifier, (g) lowest peer address: as written.
 * - last, the older session wins (only a peer that re-connected while its
 *   previous session's routes are still being withdrawn can reach it).
 */

/** What the decision process reads from a path. */
export interface DecisionPath {
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
  select<P extends DecisionPath>(paths: readonly P[]): readonly P[];
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
  shortestAsPath,
  lowestOrigin,
  lowestMedPerNeighbourAs,
  lowestRouterId,
  lowestPeerAddress,
  oldestSession,
];

export interface Decision<P extends DecisionPath> {
  readonly best: P;
  /** paths of the shortest AS-path length (the VNet's ECMP set), best included */
  readonly ecmp: readonly P[];
  /** the step that chose `best` over the last other path, or `only-path` */
  readonly reason: string;
}

export const ONLY_PATH = 'only-path';

/** Runs the steps over a non-empty set of paths. */
export function decide<P extends DecisionPath>(paths: readonly P[]): Decision<P> {
  if (paths.length === 0) throw new RangeError('decide() needs at least one path');
  if (paths.length === 1) return { best: paths[0]!, ecmp: paths, reason: ONLY_PATH };
  let remaining = paths;
  let ecmp = paths;
  let reason = ONLY_PATH;
  for (const step of DECISION_STEPS) {
    const kept = step.select(remaining);
    if (step === shortestAsPath) ecmp = kept;
    if (kept.length < remaining.length) reason = step.name;
    remaining = kept;
    if (remaining.length === 1) break;
  }
  return { best: remaining[0]!, ecmp, reason };
}
