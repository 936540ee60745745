/**
 * Address helpers for the virtual network: host addresses as host prefixes
 * (/32, /128), canonical text, ordering, and Azure's reserved addresses of a
 * subnet.
 */
import type { Prefix } from '../lib/prefix.js';
import { formatPrefix, ipv4Prefix, ipv6Prefix, parseIpv4, parseIpv6 } from '../lib/prefix.js';

/** Parses an IPv4 or IPv6 address into a host prefix; undefined when malformed. */
export function parseAddress(text: string): Prefix | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return ipv4Prefix(v4, 32);
  const v6 = parseIpv6(text);
  if (v6 !== undefined) return ipv6Prefix(v6, 128);
  return undefined;
}

/** Canonical text of a host prefix (dotted quad, RFC 5952). */
export function formatAddress(host: Prefix): string {
  const text = formatPrefix(host);
  return text.slice(0, text.indexOf('/'));
}

/** Orders address text by family then numeric value (unparseable text last, by string). */
export function compareAddressText(a: string, b: string): number {
  const pa = parseAddress(a);
  const pb = parseAddress(b);
  if (!pa || !pb) return pa ? -1 : pb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  if (pa.family !== pb.family) return pa.family - pb.family;
  if (pa.family === 4 && pb.family === 4) return pa.address - pb.address;
  const ba = pa.address as Uint8Array;
  const bb = pb.address as Uint8Array;
  for (let i = 0; i < 16; i++) if (ba[i] !== bb[i]) return ba[i]! - bb[i]!;
  return 0;
}

/**
 * Azure reserves five addresses in every IPv4 subnet: the network address,
 * .1 (default gateway), .2 and .3 (Azure DNS), and the broadcast address. For
 * IPv6 subnets we reserve the first four host values (there is no broadcast).
 * `host` must lie inside `subnet`.
 */
export function isReservedInSubnet(subnet: Prefix, host: Prefix): boolean {
  if (subnet.family === 4 && host.family === 4) {
    const offset = host.address - subnet.address;
    const size = 2 ** (32 - subnet.length);
    return offset < 4 || offset === size - 1;
  }
  // host lies inside subnet, so host XOR network is the offset within the subnet
  const hostBytes = host.address as Uint8Array;
  const networkBytes = subnet.address as Uint8Array;
  for (let i = 0; i < 15; i++) if (hostBytes[i] !== networkBytes[i]) return false;
  return (hostBytes[15]! ^ networkBytes[15]!) < 4;
}
