/**
 * NLRI encoding: prefixes as (length, address octets), with the ADD-PATH
 * path identifier in front when negotiated.
 *
 * RFCs: 4271 §4.3 (NLRI and Withdrawn Routes fields), 4760 §5 (NLRI in
 * MP_REACH/MP_UNREACH), 7911 §3 (path identifier), 7606 §5.3 (a syntax error
 * in NLRI cannot be treated as withdraw).
 *
 * IPv4 prefixes never become objects: they are decoded into `prefixKey`
 * numbers (address * 64 + length, see src/lib/prefix.ts) in a plain array.
 */
import { readU32, type ByteWriter } from '../../lib/bytes.js';
import type { Ipv6Prefix } from '../../lib/prefix.js';

const IPV4_MASKS: readonly number[] = Array.from({ length: 33 }, (_, n) =>
  n === 0 ? 0 : (0xffffffff << (32 - n)) | 0,
);

/**
 * RFC 7911 §3: with ADD-PATH each prefix follows its 4-octet path identifier.
 * Appends it to `pathIds` when given and returns the offset of the prefix's
 * length octet; -1 when the field ends before a prefix follows.
 */
function readPathId(b: Uint8Array, o: number, end: number, pathIds: number[] | undefined): number {
  if (!pathIds) return o;
  if (o + 4 >= end) return -1;
  pathIds.push(readU32(b, o));
  return o + 4;
}

/**
 * Appends the IPv4 prefixes in [start, end) to `keys` (and path ids to
 * `pathIds` when given). Returns false on a syntax error (length > 32 or a
 * prefix overrunning the field); what was appended before stays.
 */
export function decodeIpv4Prefixes(
  b: Uint8Array,
  start: number,
  end: number,
  keys: number[],
  pathIds: number[] | undefined,
): boolean {
  let o = start;
  while (o < end) {
    o = readPathId(b, o, end, pathIds);
    if (o < 0) return false;
    const length = b[o]!;
    if (length > 32) return false;
    const octets = (length + 7) >>> 3;
    const next = o + 1 + octets;
    if (next > end) return false;
    let a = 0;
    if (octets === 4) a = (b[o + 1]! << 24) | (b[o + 2]! << 16) | (b[o + 3]! << 8) | b[o + 4]!;
    else if (octets === 3) a = (b[o + 1]! << 24) | (b[o + 2]! << 16) | (b[o + 3]! << 8);
    else if (octets === 2) a = (b[o + 1]! << 24) | (b[o + 2]! << 16);
    else if (octets === 1) a = b[o + 1]! << 24;
    // RFC 4271 §4.3: trailing bits are irrelevant; keys are normalised.
    keys.push(((a & IPV4_MASKS[length]!) >>> 0) * 64 + length);
    o = next;
  }
  return true;
}

/** Appends the IPv6 prefixes in [start, end); false on a syntax error. */
export function decodeIpv6Prefixes(
  b: Uint8Array,
  start: number,
  end: number,
  prefixes: Ipv6Prefix[],
  pathIds: number[] | undefined,
): boolean {
  let o = start;
  while (o < end) {
    o = readPathId(b, o, end, pathIds);
    if (o < 0) return false;
    const length = b[o]!;
    if (length > 128) return false;
    const octets = (length + 7) >>> 3;
    if (o + 1 + octets > end) return false;
    const address = new Uint8Array(16);
    address.set(b.subarray(o + 1, o + 1 + octets));
    if ((length & 7) !== 0) address[octets - 1]! &= (0xff00 >> (length & 7)) & 0xff;
    prefixes.push({ family: 6, address, length });
    o += 1 + octets;
  }
  return true;
}

/** Writes one IPv4 prefix key (and its path id when given) at the writer's position. */
export function writeIpv4Key(writer: ByteWriter, key: number, pathId: number | undefined): void {
  if (pathId !== undefined) writer.u32(pathId);
  const length = key % 64;
  const address = (key - length) / 64;
  const octets = (length + 7) >>> 3;
  writer.ensure(1 + octets);
  const b = writer.raw();
  let o = writer.offset;
  b[o++] = length;
  for (let i = 0; i < octets; i++) b[o++] = (address >>> (24 - 8 * i)) & 255;
  writer.offset = o;
}

export function writeIpv6Prefix(writer: ByteWriter, prefix: Ipv6Prefix, pathId: number | undefined): void {
  if (pathId !== undefined) writer.u32(pathId);
  writer.u8(prefix.length);
  writer.bytes(prefix.address.subarray(0, (prefix.length + 7) >>> 3));
}
