/** Address text helpers of the domain service (canonical forms, subnet allocation). */
import {
  formatIpv4,
  formatIpv6,
  parseIpv4,
  parseIpv6,
  prefixContains,
  ipv4Prefix,
  type Prefix,
} from '../lib/prefix.js';

/** Canonical text of an IPv4 or IPv6 address (dotted quad, RFC 5952), undefined when malformed. */
export function canonicalIp(text: string): string | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return formatIpv4(v4);
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : formatIpv6(v6);
}

/** Canonical dotted quad of an IPv4 address, undefined for anything else. */
export function canonicalIpv4(text: string): string | undefined {
  const v4 = parseIpv4(text);
  return v4 === undefined ? undefined : formatIpv4(v4);
}

/** True when the IPv4 address `text` lies inside `subnet`. */
export function ipv4InPrefix(text: string, subnet: Prefix): boolean {
  const v4 = parseIpv4(text);
  return v4 !== undefined && prefixContains(subnet, ipv4Prefix(v4, 32));
}

/**
 * The first address of an IPv4 subnet Azure would hand out dynamically: from
 * .4 up (.0-.3 and the broadcast address are reserved), skipping `used`.
 */
export function firstFreeIpv4(subnet: Prefix, used: ReadonlySet<string>): string | undefined {
  if (subnet.family !== 4) return undefined;
  const size = 2 ** (32 - subnet.length);
  for (let offset = 4; offset < size - 1; offset++) {
    const text = formatIpv4(subnet.address + offset);
    if (!used.has(text)) return text;
  }
  return undefined;
}
