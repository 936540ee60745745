/**
 * Rules for BGP connections (docs/azure-behaviour.md §2.2, §2.4, §8).
 */
import { parseIpv4 } from '../lib/prefix.js';
import { canonicalIpv4 } from './addresses.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';

/** ASNs Azure refuses on an NVA (§2.4): Azure public, Azure private, IANA reserved. */
export const FORBIDDEN_PEER_ASN_RANGES: readonly (readonly [first: number, last: number])[] = [
  [8074, 8075],
  [12076, 12076],
  [65515, 65515],
  [65517, 65520],
  [23456, 23456],
  [64496, 64511],
  [65535, 65551],
];

export function isForbiddenPeerAsn(asn: number): boolean {
  return FORBIDDEN_PEER_ASN_RANGES.some(([first, last]) => asn >= first && asn <= last);
}

/**
 * A peer ASN must be 1-4294967295 (the ARM field's range; 0 is reserved by
 * RFC 7607) and not one of the forbidden ASNs. Azure documents 16-bit ASNs
 * only; the API does not enforce that, and neither do we (our speakers
 * negotiate RFC 6793 four-octet ASNs).
 */
export function checkPeerAsn(asn: number, target = 'properties.peerAsn'): void {
  if (!Number.isInteger(asn) || asn < 1 || asn > 4294967295) {
    throw new RouteServerError(E.FORBIDDEN_PEER_ASN, `peer ASN ${asn} is not in 1-4294967295`, target);
  }
  if (isForbiddenPeerAsn(asn)) {
    throw new RouteServerError(
      E.FORBIDDEN_PEER_ASN,
      `peer ASN ${asn} is reserved (Azure: 8074, 8075, 12076, 65515, 65517-65520; IANA: 23456, 64496-64511, 65535-65551)`,
      target,
    );
  }
}

/**
 * Why an IPv4 address cannot be a BGP peer or a route's next hop, undefined
 * when it can: it must be a unicast address a host in a VNet can have
 * (RFC 6890 special-purpose ranges; link-local is not routed in a VNet).
 */
export function unusableUnicastReason(address: number): string | undefined {
  const first = address >>> 24;
  if (address === 0) return 'the unspecified address';
  if (first === 0) return 'in 0.0.0.0/8, "this network" (RFC 791)';
  if (first === 127) return 'a loopback address (127.0.0.0/8)';
  if (first >= 224 && first <= 239) return 'a multicast address (224.0.0.0/4)';
  if (address >>> 0 === 0xffffffff) return 'the limited broadcast address';
  if (first >= 240) return 'in the reserved range 240.0.0.0/4';
  if (address >>> 16 === 0xa9fe) return 'a link-local address (169.254.0.0/16), which a VNet does not route';
  return undefined;
}

/**
 * The canonical dotted quad of an IPv4 peer address (§2.2: IPv4 unicast
 * only): a unicast address that can be a peer, and not one of the route
 * server's own instance addresses (`own`).
 */
export function checkPeerIp(text: string, own: readonly string[] = [], target = 'properties.peerIp'): string {
  const refuse = (why: string): never => {
    throw new RouteServerError(E.INVALID_PEER_IP, `peer IP '${text}' ${why}`, target);
  };
  const canonical = canonicalIpv4(text);
  if (canonical === undefined) return refuse('is not an IPv4 address');
  const reason = unusableUnicastReason(parseIpv4(canonical)!);
  if (reason !== undefined) refuse(`is ${reason}; a BGP peer needs a unicast address`);
  if (own.includes(canonical)) refuse("is an address of the route server's own instances");
  return canonical;
}
