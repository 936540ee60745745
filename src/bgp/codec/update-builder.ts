/**
 * Packs many prefixes sharing one attribute set into as few UPDATEs as the
 * maximum message length allows, writing straight into one growing buffer.
 *
 * RFCs: 4271 §4.3 and §9.2 (one attribute set per UPDATE, many NLRI),
 * 4760 §3-§4 (IPv6 in MP_REACH/MP_UNREACH), 4724 §2 (End-of-RIB),
 * 7911 §3 (path identifiers), 8654 (extended message length).
 */
import { ByteWriter } from '../../lib/bytes.js';
import type { Ipv6Prefix } from '../../lib/prefix.js';
import { encodeAttributes } from './attributes/index.js';
import { BgpEncodeError } from './errors.js';
import {
  AttributeCode,
  AttributeFlag,
  IPV4_UNICAST,
  IPV6_UNICAST,
  MessageType,
  Afi,
  Safi,
  familyKey,
} from './iana.js';
import { maxMessageLength } from './header.js';
import type { CodecContext, PathAttributes } from './types.js';

const UPDATE_FIXED = 23; // header + withdrawn length + total path attribute length
const MP_HEADER = 4; // flags, code, 2-octet length

function tooLong(what: string): BgpEncodeError {
  return new BgpEncodeError('BGPRS_ERR_ENCODE_MESSAGE_TOO_LONG', `${what} does not fit in one UPDATE`);
}

export class UpdateBuilder {
  private readonly writer: ByteWriter;
  private readonly maxLength: number;
  private count = 0;

  constructor(
    private readonly context: CodecContext,
    initialSize = 64 * 1024,
  ) {
    this.writer = new ByteWriter(initialSize);
    this.maxLength = maxMessageLength(context.extendedMessage);
  }

  /** UPDATEs written since the last `take`. */
  get messageCount(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.writer.offset;
  }

  /** Returns every UPDATE written so far, concatenated, and starts afresh. */
  take(): Buffer {
    const out = this.writer.toBuffer();
    this.writer.reset();
    this.count = 0;
    return out;
  }

  /** Writes the header and empty length fields; returns the message start. */
  private begin(): number {
    const w = this.writer;
    w.ensure(this.maxLength);
    const start = w.offset;
    const b = w.raw();
    b.fill(0xff, start, start + 16);
    b[start + 18] = MessageType.Update;
    b[start + 19] = 0;
    b[start + 20] = 0;
    w.offset = start + 21;
    return start;
  }

  private end(start: number): void {
    const w = this.writer;
    w.patchU16(start + 16, w.offset - start);
    this.count++;
  }

  private block(attributes: PathAttributes | Uint8Array): Uint8Array {
    return attributes instanceof Uint8Array ? attributes : encodeAttributes(attributes, this.context);
  }

  /** Announces IPv4 unicast prefix keys (`ipv4KeyOf`) with one attribute set. */
  announce(
    attributes: PathAttributes | Uint8Array,
    keys: readonly number[],
    pathIds?: readonly number[],
  ): void {
    const block = this.block(attributes);
    const addPath = this.context.addPathSend.has(IPV4_UNICAST);
    if (UPDATE_FIXED + block.length + (addPath ? 4 : 0) + 5 > this.maxLength)
      throw tooLong('attribute block');
    let i = 0;
    while (i < keys.length) {
      const start = this.begin();
      const w = this.writer;
      w.u16(block.length);
      w.bytes(block);
      i = this.writeIpv4(keys, pathIds, addPath, i, start + this.maxLength);
      this.end(start);
    }
  }

  /** Withdraws IPv4 unicast prefix keys in the Withdrawn Routes field. */
  withdraw(keys: readonly number[], pathIds?: readonly number[]): void {
    const addPath = this.context.addPathSend.has(IPV4_UNICAST);
    let i = 0;
    while (i < keys.length) {
      const start = this.begin();
      const w = this.writer;
      w.offset = start + 19;
      const withdrawnAt = w.reserveU16();
      i = this.writeIpv4(keys, pathIds, addPath, i, start + this.maxLength - 2);
      w.patchU16(withdrawnAt, w.offset - withdrawnAt - 2);
      w.u16(0);
      this.end(start);
    }
  }

  /** Writes keys from `index` while they fit before `limit`; returns the next index. */
  private writeIpv4(
    keys: readonly number[],
    pathIds: readonly number[] | undefined,
    addPath: boolean,
    index: number,
    limit: number,
  ): number {
    if (addPath && (!pathIds || pathIds.length !== keys.length)) {
      throw new BgpEncodeError('BGPRS_ERR_ENCODE_INVALID_VALUE', 'ADD-PATH is on but path ids are missing');
    }
    const w = this.writer;
    const b = w.raw();
    let o = w.offset;
    let i = index;
    for (; i < keys.length; i++) {
      const key = keys[i]!;
      const length = key % 64;
      if (length > 32)
        throw new BgpEncodeError('BGPRS_ERR_ENCODE_INVALID_VALUE', `${key} is not an IPv4 prefix key`);
      const octets = (length + 7) >>> 3;
      if (o + 1 + octets + (addPath ? 4 : 0) > limit) break;
      if (addPath) {
        const id = pathIds![i]!;
        b[o] = id >>> 24;
        b[o + 1] = id >>> 16;
        b[o + 2] = id >>> 8;
        b[o + 3] = id;
        o += 4;
      }
      const address = (key - length) / 64;
      b[o++] = length;
      if (octets > 0) b[o++] = address >>> 24;
      if (octets > 1) b[o++] = address >>> 16;
      if (octets > 2) b[o++] = address >>> 8;
      if (octets > 3) b[o++] = address;
    }
    w.offset = o;
    return i;
  }

  /** Announces IPv6 unicast prefixes in MP_REACH_NLRI (RFC 4760 §3, RFC 2545 §3 next hop). */
  announceIpv6(
    attributes: PathAttributes | Uint8Array,
    nextHop: Uint8Array,
    prefixes: readonly Ipv6Prefix[],
    pathIds?: readonly number[],
  ): void {
    const block = this.block(
      attributes instanceof Uint8Array ? attributes : { ...attributes, mpReach: undefined },
    );
    const mpFixed = MP_HEADER + 5 + nextHop.length;
    this.writeMp(
      block,
      prefixes,
      pathIds,
      mpFixed,
      (w) => {
        w.u8(nextHop.length);
        w.bytes(nextHop);
        w.u8(0);
      },
      AttributeCode.MpReachNlri,
    );
  }

  /** Withdraws IPv6 unicast prefixes in MP_UNREACH_NLRI (RFC 4760 §4). */
  withdrawIpv6(prefixes: readonly Ipv6Prefix[], pathIds?: readonly number[]): void {
    this.writeMp(new Uint8Array(0), prefixes, pathIds, MP_HEADER + 3, () => {}, AttributeCode.MpUnreachNlri);
  }

  private writeMp(
    block: Uint8Array,
    prefixes: readonly Ipv6Prefix[],
    pathIds: readonly number[] | undefined,
    mpFixed: number,
    writeNextHop: (w: ByteWriter) => void,
    code: number,
  ): void {
    const addPath = this.context.addPathSend.has(IPV6_UNICAST);
    if (addPath && (!pathIds || pathIds.length !== prefixes.length)) {
      throw new BgpEncodeError('BGPRS_ERR_ENCODE_INVALID_VALUE', 'ADD-PATH is on but path ids are missing');
    }
    if (UPDATE_FIXED + block.length + mpFixed + 17 + (addPath ? 4 : 0) > this.maxLength)
      throw tooLong('attribute block');
    const w = this.writer;
    let i = 0;
    while (i < prefixes.length) {
      const start = this.begin();
      const attributesAt = w.reserveU16();
      w.bytes(block);
      w.u8(AttributeFlag.Optional | AttributeFlag.ExtendedLength);
      w.u8(code);
      const mpLengthAt = w.reserveU16();
      w.u16(Afi.Ipv6);
      w.u8(Safi.Unicast);
      writeNextHop(w);
      const limit = start + this.maxLength;
      for (; i < prefixes.length; i++) {
        const p = prefixes[i]!;
        const octets = (p.length + 7) >>> 3;
        if (w.offset + 1 + octets + (addPath ? 4 : 0) > limit) break;
        if (addPath) w.u32(pathIds![i]!);
        w.u8(p.length);
        w.bytes(p.address.subarray(0, octets));
      }
      w.patchU16(mpLengthAt, w.offset - mpLengthAt - 2);
      w.patchU16(attributesAt, w.offset - attributesAt - 2);
      this.end(start);
    }
  }

  /** RFC 4724 §2 End-of-RIB: an empty UPDATE for IPv4 unicast, an empty MP_UNREACH otherwise. */
  endOfRib(afi: number, safi: number): void {
    const start = this.begin();
    const w = this.writer;
    if (familyKey(afi, safi) === IPV4_UNICAST) {
      w.u16(0);
    } else {
      w.u16(6);
      w.u8(AttributeFlag.Optional);
      w.u8(AttributeCode.MpUnreachNlri);
      w.u8(3);
      w.u16(afi);
      w.u8(safi);
    }
    this.end(start);
  }
}
