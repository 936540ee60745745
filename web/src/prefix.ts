/**
 * IP prefixes in the browser, for the route search and the effective-route
 * lookup: parse, and "does this prefix cover that address or prefix"
 * (longest match picks the covering prefix with the most bits).
 */

export interface ParsedPrefix {
  readonly family: 4 | 6;
  /** the address as 32 (IPv4) or 128 (IPv6) bits */
  readonly bits: bigint;
  readonly length: number;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  let value = 0n;
  for (const group of [...head, ...new Array<string>(missing).fill('0'), ...tail]) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

/** `10.1.0.0/16`, `2001:db8::/32`, or a bare address (a host prefix); undefined when malformed. */
export function parsePrefix(text: string): ParsedPrefix | undefined {
  const [address = '', lengthText] = text.trim().split('/');
  const family = address.includes(':') ? 6 : 4;
  const bits = family === 4 ? parseIpv4(address) : parseIpv6(address);
  const max = family === 4 ? 32 : 128;
  const length = lengthText === undefined ? max : Number(lengthText);
  if (bits === undefined || !Number.isInteger(length) || length < 0 || length > max) return undefined;
  return { family, bits, length };
}

/** Whether `outer` covers `inner` (same family, shorter or equal length, same leading bits). */
export function covers(outer: ParsedPrefix, inner: ParsedPrefix): boolean {
  if (outer.family !== inner.family || outer.length > inner.length) return false;
  const max = outer.family === 4 ? 32n : 128n;
  const shift = max - BigInt(outer.length);
  return outer.bits >> shift === inner.bits >> shift;
}

/** The index of the longest prefix among `prefixes` that covers `target`; -1 when none does. */
export function longestMatch(prefixes: readonly (ParsedPrefix | undefined)[], target: ParsedPrefix): number {
  let best = -1;
  let bestLength = -1;
  prefixes.forEach((prefix, index) => {
    if (prefix !== undefined && prefix.length > bestLength && covers(prefix, target)) {
      best = index;
      bestLength = prefix.length;
    }
  });
  return best;
}
