/**
 * Read-only views of a peer's routes for the API's learned/advertised routes
 * (docs/azure-behaviour.md §7.3: `PeerRoute` = localAddress, network, nextHop,
 * sourcePeer, origin, asPath, weight). These are domain records; the API
 * translates them to its JSON shapes.
 *
 * - Learned: origin `EBgp`, weight 32768, asPath hyphen-joined, as Azure
 *   shows them; plus what the engine did with the route (accepted, injected,
 *   the reasons, whether it is the best path or in the ECMP set).
 * - Advertised: origin `Igp` and no sourcePeer for the VNet's address spaces
 *   (as observed, §7.3); `EBgp` and the source peer for reflected routes;
 *   weight 0; AS path and next hop as sent.
 */
import { formatIpv4, formatIpv6, formatPrefix, prefixFromKey } from '../lib/prefix.js';
import type { PrefixKey } from '../lib/prefix.js';
import type { CodecContext, LargeCommunity, PathAttributes } from '../bgp/codec/index.js';
import { decodeAttributeBlock } from '../bgp/codec/index.js';
import type { ExportSet } from './attribute-store.js';
import { formatAsPath, WITHIN_ADDRESS_SPACE } from '../policy/index.js';
import type { RouteExport } from './exporter.js';
import type { LocRibEntry } from './loc-rib.js';
import { bestOf, ecmpOf, reasonOf } from './loc-rib.js';
import type { Path, PeerId } from './peer.js';

export interface PeerRouteView {
  readonly localAddress: string;
  readonly network: string;
  readonly nextHop: string;
  readonly sourcePeer?: string;
  readonly origin: 'EBgp' | 'Igp';
  readonly asPath: string;
  readonly weight: number;
}

export interface LearnedRoute extends PeerRouteView {
  /** taken into the decision process (import rules passed) */
  readonly accepted: boolean;
  /** programmed into the VNet through this path (in the ECMP set, prefix injectable) */
  readonly injected: boolean;
  /** chosen as the single best path advertised to the other peers */
  readonly best: boolean;
  /** why the route was dropped, restricted or not used: import rule names, address-space rule, decision step */
  readonly reasons: readonly string[];
}

/** A learned route with what the views above leave out: its communities (for the dashboard, a page at a time). */
export interface LearnedRouteDetail extends LearnedRoute {
  /** RFC 1997 communities, as received */
  readonly communities: readonly number[];
  /** RFC 8092 large communities, as received */
  readonly largeCommunities: readonly LargeCommunity[];
}

export type AdvertisedRoute = PeerRouteView;

/*
 * The views read the engine's tables through the narrow, read-only shapes
 * below (a `PeerState`, an `AdjRibOut` and the engine's Loc-RIB and VNet
 * injection have them); nothing here can change a table.
 */

/** What the views need of the engine. */
interface RouteViewSource {
  readonly localAddress: string;
  readonly locRib: { get(key: PrefixKey): LocRibEntry | undefined };
  isWithheld(key: PrefixKey): boolean;
}

/** A table of a peer's routes, read only. */
interface RouteTable<V> extends Iterable<[PrefixKey, V]> {
  readonly size: number;
  get(key: PrefixKey): V | undefined;
}

/** What the learned views read of a peer's session: its Adj-RIB-In (pre-policy) and its inbound route map. */
interface LearnedRouteSource {
  readonly adjRibIn: RouteTable<Path>;
  /** routes of the Adj-RIB-In the import rules accepted */
  readonly accepted: number;
  readonly inbound:
    | {
        effective(key: PrefixKey, raw: Path | undefined): Path | undefined;
        summaries(): Iterable<[PrefixKey, Path]>;
        summary(key: PrefixKey): Path | undefined;
      }
    | undefined;
}

/** What the advertised view reads of a peer's Adj-RIB-Out: its group's table, less what the peer sent. */
interface AdvertisedRouteSource {
  readonly peer: PeerId;
  readonly group: {
    readonly policy: { readonly context: CodecContext };
    readonly sent: RouteTable<RouteExport>;
  };
}

function learnedRoute(source: RouteViewSource, key: PrefixKey, path: Path): LearnedRoute {
  const attributes = path.attributes;
  const reasons = [...attributes.verdict.reasons];
  let injected = false;
  let best = false;
  const entry = path.accepted ? source.locRib.get(key) : undefined;
  if (entry) {
    const inEcmp = ecmpOf(entry).includes(path);
    best = bestOf(entry) === path;
    if (source.isWithheld(key)) reasons.push(WITHIN_ADDRESS_SPACE);
    else injected = inEcmp;
    if (!inEcmp) reasons.push('longer-as-path');
    else if (!best) reasons.push(`not-best:${reasonOf(entry)}`);
  }
  return {
    localAddress: source.localAddress,
    network: formatPrefix(prefixFromKey(key)),
    nextHop: attributes.nextHop,
    sourcePeer: path.peer.info.address,
    origin: 'EBgp',
    asPath: formatAsPath(attributes.attributes.asPath),
    weight: 32768,
    accepted: path.accepted,
    injected,
    best,
    reasons,
  };
}

export function learnedRouteViews(
  source: RouteViewSource,
  peer: LearnedRouteSource,
  includeRejected: boolean,
): LearnedRoute[] {
  const out: LearnedRoute[] = [];
  const inbound = peer.inbound;
  for (const [key, raw] of peer.adjRibIn) {
    // after the inbound route map, if any (src/rib/route-map-in.ts)
    const path = inbound?.effective(key, raw) ?? raw;
    if (!includeRejected && !path.accepted) continue;
    out.push(learnedRoute(source, key, path));
  }
  if (inbound) for (const [key, path] of inbound.summaries()) out.push(learnedRoute(source, key, path));
  return out;
}

function learnedRouteDetail(source: RouteViewSource, key: PrefixKey, path: Path): LearnedRouteDetail {
  const attributes = path.attributes.attributes;
  return {
    ...learnedRoute(source, key, path),
    communities: attributes.communities ?? [],
    largeCommunities: attributes.largeCommunities ?? [],
  };
}

/**
 * The peer's routes for `keys` (those it sent, rejected ones too, and its
 * inbound summaries), and the first `rejectedLimit` routes it sent that were
 * not accepted (a walk that stops there, and none when the peer's routes were
 * all accepted). Both read each route after the peer's inbound route map, as
 * `learnedRouteViews` does: a route the map dropped is listed as rejected with
 * its rule, and communities are the ones the map left.
 */
export function learnedRouteDetails(
  source: RouteViewSource,
  peer: LearnedRouteSource,
  keys: readonly PrefixKey[],
  rejectedLimit: number,
): { routes: LearnedRouteDetail[]; rejected: LearnedRouteDetail[]; rejectedTotal: number } {
  const inbound = peer.inbound;
  const routes: LearnedRouteDetail[] = [];
  for (const key of keys) {
    const raw = peer.adjRibIn.get(key);
    const path = inbound?.effective(key, raw) ?? raw ?? inbound?.summary(key);
    if (path !== undefined) routes.push(learnedRouteDetail(source, key, path));
  }
  const rejected: LearnedRouteDetail[] = [];
  // `accepted` counts the routes accepted after the inbound map, the peer's
  // accepted summaries included, which are not in its Adj-RIB-In (adj-rib-in.ts)
  let summaries = 0;
  if (inbound) for (const [, summary] of inbound.summaries()) if (summary.accepted) summaries++;
  const rejectedTotal = peer.adjRibIn.size - (peer.accepted - summaries);
  if (rejectedTotal > 0 && rejectedLimit > 0)
    for (const [key, raw] of peer.adjRibIn) {
      const path = inbound?.effective(key, raw) ?? raw;
      if (path.accepted) continue;
      rejected.push(learnedRouteDetail(source, key, path));
      if (rejected.length >= rejectedLimit) break;
    }
  return { routes, rejected, rejectedTotal };
}

export function advertisedRouteViews(source: RouteViewSource, out: AdvertisedRouteSource): AdvertisedRoute[] {
  const routes: AdvertisedRoute[] = [];
  // export sets keep their bytes only: each is decoded once per call
  const decoded = new Map<ExportSet, PathAttributes>();
  const context = out.group.policy.context;
  for (const [key, route] of out.group.sent) {
    if (route.source === out.peer) continue;
    const exported = route.set;
    // the address spaces' routes are the instance's own: no source peer
    const vnet = route.source === undefined;
    let attributes = decoded.get(exported);
    if (attributes === undefined) {
      attributes = decodeAttributeBlock(exported.block, 0, exported.block.length, context).attributes;
      decoded.set(exported, attributes);
    }
    const nextHop = exported.ipv6NextHop
      ? formatIpv6(exported.ipv6NextHop.subarray(0, 16))
      : formatIpv4(attributes.nextHop ?? 0);
    const entry = vnet ? undefined : source.locRib.get(key);
    routes.push({
      localAddress: source.localAddress,
      network: formatPrefix(prefixFromKey(key)),
      nextHop,
      ...(entry ? { sourcePeer: bestOf(entry).peer.info.address } : {}),
      origin: vnet ? 'Igp' : 'EBgp',
      asPath: formatAsPath(attributes.asPath),
      weight: 0,
    });
  }
  return routes;
}
