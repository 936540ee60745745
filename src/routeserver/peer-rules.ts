/**
 * Rules for BGP connections (docs/azure-behaviour.md §2.2, §2.4, §8).
 */
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
export function checkPeerAsn(asn: number): void {
  if (!Number.isInteger(asn) || asn < 1 || asn > 4294967295) {
    throw new RouteServerError(
      E.FORBIDDEN_PEER_ASN,
      `peer ASN ${asn} is not in 1-4294967295`,
      'properties.peerAsn',
    );
  }
  if (isForbiddenPeerAsn(asn)) {
    throw new RouteServerError(
      E.FORBIDDEN_PEER_ASN,
      `peer ASN ${asn} is reserved (Azure: 8074, 8075, 12076, 65515, 65517-65520; IANA: 23456, 64496-64511, 65535-65551)`,
      'properties.peerAsn',
    );
  }
}

/** The canonical dotted quad of an IPv4 peer address (§2.2: IPv4 unicast only). */
export function checkPeerIp(text: string): string {
  const canonical = canonicalIpv4(text);
  if (canonical === undefined) {
    throw new RouteServerError(
      E.INVALID_PEER_IP,
      `peer IP '${text}' is not an IPv4 address`,
      'properties.peerIp',
    );
  }
  return canonical;
}
