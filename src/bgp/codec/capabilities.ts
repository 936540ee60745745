/**
 * BGP capabilities as a registry: one descriptor per capability code.
 *
 * RFCs: 5492 §4 (encoding; unknown capabilities are kept and ignored),
 * 4760 §8 (multiprotocol), 2918 §2 (route refresh), 7313 §3 (enhanced route
 * refresh), 6793 §3 (4-octet AS), 4724 §3 (graceful restart, with the
 * RFC 8538 N bit kept in `flags`), 7911 §4 (ADD-PATH), 8654 §3 (extended
 * message), 9234 §4.1 (BGP role), draft-walton-bgp-hostname-capability (FQDN,
 * as FRR sends it).
 */
import type { ByteWriter } from '../../lib/bytes.js';
import { readU16, readU32 } from '../../lib/bytes.js';
import { BgpEncodeError, BgpWireError } from './errors.js';
import { CapabilityCode, ErrorCode, OpenErrorSubcode } from './iana.js';
import type { Capability } from './types.js';

export interface CapabilityDescriptor<K extends Capability['kind'] = Capability['kind']> {
  readonly code: number;
  readonly kind: K;
  readonly name: string;
  /** decodes the value bytes [start, end) of `bytes`; throws BgpWireError */
  decode(bytes: Uint8Array, start: number, end: number): Extract<Capability, { kind: K }>;
  /** writes the value bytes (no code, no length) */
  encode(capability: Extract<Capability, { kind: K }>, writer: ByteWriter): void;
}

function malformed(name: string, length: number): BgpWireError {
  return new BgpWireError({
    code: 'BGPRS_ERR_MALFORMED_CAPABILITY',
    message: `${name} capability with invalid length ${length}`,
    notificationCode: ErrorCode.OpenMessage,
    notificationSubcode: OpenErrorSubcode.Unspecific,
  });
}

function expectLength(name: string, start: number, end: number, ok: (length: number) => boolean): void {
  if (!ok(end - start)) throw malformed(name, end - start);
}

function flag<K extends Capability['kind']>(code: number, kind: K, name: string): CapabilityDescriptor<K> {
  return {
    code,
    kind,
    name,
    decode(_bytes, start, end) {
      expectLength(name, start, end, (n) => n === 0);
      return { kind } as Extract<Capability, { kind: K }>;
    },
    encode() {},
  };
}

const multiprotocol: CapabilityDescriptor<'multiprotocol'> = {
  code: CapabilityCode.Multiprotocol,
  kind: 'multiprotocol',
  name: 'multiprotocol',
  decode(bytes, start, end) {
    expectLength('multiprotocol', start, end, (n) => n === 4);
    return { kind: 'multiprotocol', afi: readU16(bytes, start), safi: bytes[start + 3]! };
  },
  encode(capability, writer) {
    writer.u16(capability.afi);
    writer.u8(0);
    writer.u8(capability.safi);
  },
};

const fourOctetAs: CapabilityDescriptor<'four-octet-as'> = {
  code: CapabilityCode.FourOctetAs,
  kind: 'four-octet-as',
  name: '4-octet AS',
  decode(bytes, start, end) {
    expectLength('4-octet AS', start, end, (n) => n === 4);
    return { kind: 'four-octet-as', asn: readU32(bytes, start) };
  },
  encode(capability, writer) {
    writer.u32(capability.asn);
  },
};

const gracefulRestart: CapabilityDescriptor<'graceful-restart'> = {
  code: CapabilityCode.GracefulRestart,
  kind: 'graceful-restart',
  name: 'graceful restart',
  decode(bytes, start, end) {
    expectLength('graceful restart', start, end, (n) => n >= 2 && (n - 2) % 4 === 0);
    const head = readU16(bytes, start);
    const families = [];
    for (let o = start + 2; o < end; o += 4) {
      families.push({ afi: readU16(bytes, o), safi: bytes[o + 2]!, flags: bytes[o + 3]! });
    }
    return { kind: 'graceful-restart', flags: head >>> 12, restartTime: head & 0x0fff, families };
  },
  encode(capability, writer) {
    writer.u16(((capability.flags & 0xf) << 12) | (capability.restartTime & 0x0fff));
    for (const f of capability.families) {
      writer.u16(f.afi);
      writer.u8(f.safi);
      writer.u8(f.flags);
    }
  },
};

const addPath: CapabilityDescriptor<'add-path'> = {
  code: CapabilityCode.AddPath,
  kind: 'add-path',
  name: 'ADD-PATH',
  decode(bytes, start, end) {
    expectLength('ADD-PATH', start, end, (n) => n > 0 && n % 4 === 0);
    const families = [];
    for (let o = start; o < end; o += 4) {
      families.push({ afi: readU16(bytes, o), safi: bytes[o + 2]!, sendReceive: bytes[o + 3]! });
    }
    return { kind: 'add-path', families };
  },
  encode(capability, writer) {
    for (const f of capability.families) {
      writer.u16(f.afi);
      writer.u8(f.safi);
      writer.u8(f.sendReceive);
    }
  },
};

const role: CapabilityDescriptor<'role'> = {
  code: CapabilityCode.Role,
  kind: 'role',
  name: 'BGP role',
  decode(bytes, start, end) {
    expectLength('BGP role', start, end, (n) => n === 1);
    return { kind: 'role', role: bytes[start]! };
  },
  encode(capability, writer) {
    writer.u8(capability.role);
  },
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeText(bytes: Uint8Array, start: number, end: number): string | undefined {
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch {
    return undefined;
  }
}

const fqdn: CapabilityDescriptor<'fqdn'> = {
  code: CapabilityCode.Fqdn,
  kind: 'fqdn',
  name: 'FQDN',
  decode(bytes, start, end) {
    const hostLength = end > start ? bytes[start]! : -1;
    const domainAt = start + 1 + hostLength;
    const domainLength = hostLength >= 0 && domainAt < end ? bytes[domainAt]! : -1;
    expectLength('FQDN', start, end, (n) => domainLength >= 0 && n === 2 + hostLength + domainLength);
    const hostname = decodeText(bytes, start + 1, domainAt);
    const domainName = decodeText(bytes, domainAt + 1, end);
    if (hostname === undefined || domainName === undefined) throw malformed('FQDN', end - start);
    return { kind: 'fqdn', hostname, domainName };
  },
  encode(capability, writer) {
    for (const text of [capability.hostname, capability.domainName]) {
      const bytes = Buffer.from(text, 'utf8');
      if (bytes.length > 255) {
        throw new BgpEncodeError('BGPRS_ERR_ENCODE_INVALID_VALUE', 'FQDN names are limited to 255 octets');
      }
      writer.u8(bytes.length);
      writer.bytes(bytes);
    }
  },
};

const descriptors: readonly CapabilityDescriptor[] = [
  multiprotocol,
  flag(CapabilityCode.RouteRefresh, 'route-refresh', 'route refresh'),
  flag(CapabilityCode.EnhancedRouteRefresh, 'enhanced-route-refresh', 'enhanced route refresh'),
  fourOctetAs,
  gracefulRestart,
  addPath,
  flag(CapabilityCode.ExtendedMessage, 'extended-message', 'extended message'),
  role,
  fqdn,
] as readonly CapabilityDescriptor[];

/** The registry: capability code → descriptor. */
export const capabilityRegistry: ReadonlyMap<number, CapabilityDescriptor> = new Map(
  descriptors.map((d) => [d.code, d]),
);
const byKind = new Map(descriptors.map((d) => [d.kind, d]));

/** Decodes one capability value; unknown codes are kept opaque (RFC 5492 §3). */
export function decodeCapability(code: number, bytes: Uint8Array, start: number, end: number): Capability {
  const descriptor = capabilityRegistry.get(code);
  if (descriptor) return descriptor.decode(bytes, start, end);
  return { kind: 'unknown', code, value: Uint8Array.from(bytes.subarray(start, end)) };
}

/** Writes one capability as code, length, value (RFC 5492 §4). */
export function encodeCapability(capability: Capability, writer: ByteWriter): void {
  if (capability.kind === 'unknown') {
    if (capability.value.length > 255) {
      throw new BgpEncodeError('BGPRS_ERR_ENCODE_INVALID_VALUE', `capability ${capability.code} too long`);
    }
    writer.u8(capability.code);
    writer.u8(capability.value.length);
    writer.bytes(capability.value);
  } else {
    const descriptor = byKind.get(capability.kind)!;
    writer.u8(descriptor.code);
    const lengthAt = writer.reserveU8();
    descriptor.encode(capability, writer);
    const length = writer.offset - lengthAt - 1;
    if (length > 255) {
      throw new BgpEncodeError('BGPRS_ERR_ENCODE_INVALID_VALUE', `${descriptor.name} capability too long`);
    }
    writer.patchU8(lengthAt, length);
  }
}
