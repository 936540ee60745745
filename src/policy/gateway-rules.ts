/**
 * Rules for the route server's exchange with the VNet's ExpressRoute and VPN
 * gateways (docs/azure-behaviour.md §4.1, §4.2; docs/gateways.md,
 * "Branch-to-branch"), and for the gateways' own speakers toward on-prem.
 *
 * The route server and each gateway instance are linked internally, as in
 * Azure (iBGP, docs/azure-behaviour.md §4.1): RFC 4271 §5.1.2 the AS path
 * is not changed toward an internal peer, §9.2 a route learned from an
 * internal peer is not sent to another internal peer unless the speaker is
 * a route reflector (RFC 4456) — the route server is one ("acts as a route
 * reflector", §4.1), a gateway is not.
 */
import type { AsPathSegment, PathAttributes } from '../bgp/codec/index.js';
import { prependAs } from './as-path.js';
import { withoutLocalAttributes } from './export-rules.js';

/** docs/azure-behaviour.md §4.1: the community the route server puts on what it gives the ExpressRoute gateway. */
export const AZURE_ROUTE_SERVER_COMMUNITY = ((65517 << 16) | 65517) >>> 0;

/**
 * docs/azure-behaviour.md §4.2: routes from the VNet's space and the route
 * server (branch-to-branch on) advertised toward ExpressRoute, at most.
 * Azure does not say what happens above it; we hold the excess back
 * (docs/gateways.md, "The 1,000-route ceiling").
 */
export const EXPRESSROUTE_ROUTE_LIMIT = 1000;

/** The role of a route engine: the route server, or a gateway's speaker. */
export type EngineRole = 'route-server' | 'vpn-gateway' | 'expressroute-gateway';

/** Gateway types as ARM names them (`gatewayType`). */
export type VnetGatewayType = 'ExpressRoute' | 'Vpn';

/** RFC 6996 §5 private ASNs (16-bit 64512-65534, 32-bit 4200000000-4294967294). */
export function isPrivateAsn(asn: number): boolean {
  return (asn >= 64512 && asn <= 65534) || (asn >= 4_200_000_000 && asn <= 4_294_967_294);
}

/**
 * docs/azure-behaviour.md §4.1: through ExpressRoute, private ASNs (NVA
 * prepends included) are removed; on-prem sees AS 12076. Segments left empty
 * are dropped.
 */
export function withoutPrivateAsns(path: readonly AsPathSegment[] | undefined): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  for (const segment of path ?? []) {
    const asns = segment.asns.filter((asn) => !isPrivateAsn(asn));
    if (asns.length > 0) out.push({ type: segment.type, asns });
  }
  return out;
}

function addCommunity(communities: readonly number[] | undefined, community: number): readonly number[] {
  if (communities?.includes(community)) return communities;
  return [...(communities ?? []), community];
}

/**
 * The route server → a gateway instance: the AS path unchanged (RFC 4271
 * §5.1.2, internal peer), the NEXT_HOP kept (the NVA or the other gateway).
 */
export function toGatewayAttributes(attributes: PathAttributes): PathAttributes {
  return withoutLocalAttributes(attributes);
}

/**
 * A gateway instance → the route server: NEXT_HOP is the instance's
 * GatewaySubnet address (what the VMs are programmed with,
 * docs/azure-behaviour.md §1.6); the ExpressRoute gateway passes on the
 * path as Microsoft's edge gave it (12076 first, as the route server sees
 * ExpressRoute routes in Azure), the VPN gateway (AS 65515) as learned.
 */
export function toRouteServerAttributes(
  attributes: PathAttributes,
  role: EngineRole,
  localAsn: number,
  nextHop: number,
): PathAttributes {
  const kept = withoutLocalAttributes(attributes);
  const asPath = role === 'expressroute-gateway' ? prependAs(kept.asPath, localAsn) : kept.asPath;
  return { ...kept, ...(asPath !== undefined ? { asPath } : {}), nextHop };
}

/**
 * A gateway instance → its on-prem peer (eBGP): our AS prepended, NEXT_HOP
 * the instance's own address (the on-prem router reaches nothing else),
 * MED not passed on (RFC 4271 §5.1.4). Through ExpressRoute the private
 * ASNs are removed and, for what came from the route server, 65517:65517 is
 * carried (docs/azure-behaviour.md §4.1: the loop guard of a second
 * ExpressRoute gateway that learns it back).
 */
export function toOnPremAttributes(
  attributes: PathAttributes,
  role: EngineRole,
  localAsn: number,
  nextHop: number,
  fromRouteServer: boolean,
): PathAttributes {
  const kept = withoutLocalAttributes(attributes);
  if (role !== 'expressroute-gateway') return { ...kept, asPath: prependAs(kept.asPath, localAsn), nextHop };
  return {
    ...kept,
    asPath: prependAs(withoutPrivateAsns(kept.asPath), localAsn),
    nextHop,
    ...(fromRouteServer ? { communities: addCommunity(kept.communities, AZURE_ROUTE_SERVER_COMMUNITY) } : {}),
  };
}
