/**
 * IP addresses and prefixes, IPv4 and IPv6.
 *
 * IPv4 addresses are unsigned 32-bit numbers; IPv6 addresses are 16-byte
 * Uint8Arrays. A prefix is always normalised: host bits beyond its length are
 * zero. `prefixKey` gives a compact Map key: a number for IPv4
 * (address * 64 + length, exact in a double) and a string for IPv6, so a
 * million IPv4 prefixes never allocate a string each.
 */

export interface Ipv4Prefix {
  readonly family: 4;
  /** network address as an unsigned 32-bit integer */
  readonly address: number;
  readonly length: number;
}

export interface Ipv6Prefix {
  readonly family: 6;
  /** network address, 16 bytes, host bits zero */
  readonly address: Uint8Array;
  readonly length: number;
}

export type Prefix = Ipv4Prefix | Ipv6Prefix;
export type PrefixKey = number | string;

export class PrefixParseError extends Error {
  override readonly name = 'PrefixParseError';
  readonly code = 'BGPRS_ERR_BAD_PREFIX';
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses dotted-quad IPv4; returns undefined when malformed (no leading zeros beyond "0"). */
export function parseIpv4(text: string): number | undefined {
  const m = IPV4_RE.exec(text);
  if (!m) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(address: number): string {
  return `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}`;
}

/** Parses an IPv6 address (RFC 4291 §2.2 text forms, including embedded IPv4). */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  let head = text;
  const out = new Uint8Array(16);
  let tailV4: number | undefined;
  const lastColon = head.lastIndexOf(':');
  if (head.includes('.')) {
    tailV4 = parseIpv4(head.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = head.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const groups = s.split(':');
    const values: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      values.push(parseInt(g, 16));
    }
    return values;
  };
  const left = parseGroups(halves[0]!);
  const right = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!left || !right) return undefined;
  const total = left.length + right.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const groups = [...left, ...new Array<number>(8 - total).fill(0), ...right];
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 255;
  });
  if (tailV4 !== undefined) {
    out[12] = tailV4 >>> 24;
    out[13] = (tailV4 >>> 16) & 255;
    out[14] = (tailV4 >>> 8) & 255;
    out[15] = tailV4 & 255;
  }
  return out;
}

/** RFC 5952 canonical text form. */
export function formatIpv6(address: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((address[i]! << 8) | address[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':');
}

export function ipv4Mask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

export function ipv4Prefix(address: number, length: number): Ipv4Prefix {
  return { family: 4, address: (address & ipv4Mask(length)) >>> 0, length };
}

export function ipv6Prefix(address: Uint8Array, length: number): Ipv6Prefix {
  const masked = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.min(8, Math.max(0, length - i * 8));
    masked[i] = address[i]! & ((0xff00 >> bits) & 0xff);
  }
  return { family: 6, address: masked, length };
}

/**
 * Parses "a.b.c.d/n" or "x::/n". With `strict`, host bits must be zero
 * (as ARM demands of address prefixes); otherwise they are cleared.
 */
export function parsePrefix(text: string, options: { strict?: boolean } = {}): Prefix {
  const slash = text.indexOf('/');
  if (slash < 0) throw new PrefixParseError(`'${text}' is not a prefix: expected address/length`);
  const addrText = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) throw new PrefixParseError(`'${text}' has an invalid prefix length`);
  const length = Number(lenText);
  const v4 = parseIpv4(addrText);
  if (v4 !== undefined) {
    if (length > 32) throw new PrefixParseError(`'${text}': IPv4 prefix length must be 0..32`);
    const p = ipv4Prefix(v4, length);
    if (options.strict && p.address !== v4) {
      throw new PrefixParseError(`'${text}' has host bits set; did you mean ${formatPrefix(p)}?`);
    }
    return p;
  }
  const v6 = parseIpv6(addrText);
  if (v6 !== undefined) {
    if (length > 128) throw new PrefixParseError(`'${text}': IPv6 prefix length must be 0..128`);
    const p = ipv6Prefix(v6, length);
    if (options.strict && !p.address.every((b, i) => b === v6[i])) {
      throw new PrefixParseError(`'${text}' has host bits set; did you mean ${formatPrefix(p)}?`);
    }
    return p;
  }
  throw new PrefixParseError(`'${text}' is not a valid IPv4 or IPv6 prefix`);
}

export function formatPrefix(prefix: Prefix): string {
  return prefix.family === 4
    ? `${formatIpv4(prefix.address)}/${prefix.length}`
    : `${formatIpv6(prefix.address)}/${prefix.length}`;
}

/** A compact, collision-free Map key for a prefix. */
export function prefixKey(prefix: Prefix): PrefixKey {
  if (prefix.family === 4) return prefix.address * 64 + prefix.length;
  return formatPrefix(prefix);
}

export function ipv4KeyOf(address: number, length: number): number {
  return address * 64 + length;
}

/** Inverse of prefixKey. */
export function prefixFromKey(key: PrefixKey): Prefix {
  if (typeof key === 'number') {
    const address = Math.floor(key / 64);
    return { family: 4, address, length: key - address * 64 };
  }
  return parsePrefix(key);
}

export function prefixEquals(a: Prefix, b: Prefix): boolean {
  if (a.family !== b.family || a.length !== b.length) return false;
  if (a.family === 4) return a.address === (b as Ipv4Prefix).address;
  const bb = (b as Ipv6Prefix).address;
  for (let i = 0; i < 16; i++) if (a.address[i] !== bb[i]) return false;
  return true;
}

/** True when `outer` contains `inner` (equal counts as contained). */
export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  if (outer.family !== inner.family || outer.length > inner.length) return false;
  if (outer.family === 4) {
    return ((inner as Ipv4Prefix).address & ipv4Mask(outer.length)) >>> 0 === outer.address;
  }
  return prefixEquals(outer, ipv6Prefix((inner as Ipv6Prefix).address, outer.length));
}

export function prefixesOverlap(a: Prefix, b: Prefix): boolean {
  return prefixContains(a, b) || prefixContains(b, a);
}

/** Bit `index` (0 = most significant) of a prefix's address. */
export function prefixBit(prefix: Prefix, index: number): number {
  if (prefix.family === 4) return (prefix.address >>> (31 - index)) & 1;
  return (prefix.address[index >> 3]! >> (7 - (index & 7))) & 1;
}

/** Orders prefixes by family, address, then length (for stable output). */
export function comparePrefixes(a: Prefix, b: Prefix): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.family === 4) {
    const d = a.address - (b as Ipv4Prefix).address;
    return d !== 0 ? d : a.length - b.length;
  }
  const bb = (b as Ipv6Prefix).address;
  for (let i = 0; i < 16; i++) {
    const d = a.address[i]! - bb[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
