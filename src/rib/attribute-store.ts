/**
 * Interned path attribute sets.
 *
 * An UPDATE's attributes are interned by their bytes as received (the codec
 * guarantees equal bytes decode to equal attributes under the same session
 * context), so a million prefixes sharing a few thousand attribute sets cost
 * a few thousand objects. Everything the import rules, the decision process
 * and the VNet output need from the attributes is derived once per set.
 *
 * Lifetime: each `Path` (one per peer and attribute set) holds one
 * reference; the set leaves the store when its last path goes. Export
 * attribute blocks hang off the set, so they go with it.
 *
 * RFCs: 4271 §5 (attributes), 4760 §3 (MP_REACH next hop; RFC 2545 §3: the
 * first 16 octets are the global IPv6 next hop).
 */
import { formatIpv4, formatIpv6 } from '../lib/prefix.js';
import { encodeAttributes } from '../bgp/codec/index.js';
import type { CodecContext, PathAttributes, UpdateMessage } from '../bgp/codec/index.js';
import type { ImportContext, ImportVerdict } from '../policy/index.js';
import { asPathLength, evaluateImport } from '../policy/index.js';
import type { Origin } from './ports.js';

const ORIGIN_NAMES: readonly Origin[] = ['igp', 'egp', 'incomplete'];

/**
 * An encoded attribute block ready to send, shared by every prefix advertised with it. The
 * attributes themselves are not kept: with an attribute set per UPDATE they would be an object
 * graph per set; a reader decodes the block (src/rib/views.ts).
 */
export interface ExportSet {
  readonly block: Buffer;
  /** IPv6 only: the MP_REACH next hop */
  readonly ipv6NextHop?: Uint8Array;
}

/** True when two export sets send the same bytes (the same object, or equal blocks and next hops). */
export function sameExportSet(a: ExportSet, b: ExportSet): boolean {
  if (a === b) return true;
  if (!a.block.equals(b.block)) return false;
  if (a.ipv6NextHop === b.ipv6NextHop) return true;
  return (
    a.ipv6NextHop !== undefined &&
    b.ipv6NextHop !== undefined &&
    Buffer.from(a.ipv6NextHop).equals(b.ipv6NextHop)
  );
}

/**
 * A cache of values by export class (src/rib/exporter.ts) kept on the object it belongs to: one
 * class in two fields (the common case: every peer of an instance is an NVA with 4-octet AS), more
 * in a Map. An attribute set or a path is made per UPDATE when attributes are diverse, so the Map
 * a first class would need is most of what it costs.
 */
export class ExportCache<T> {
  private firstClass: string | undefined;
  private first: T | undefined;
  private more: Map<string, T> | undefined;

  get(exportClass: string): T | undefined {
    if (exportClass === this.firstClass) return this.first;
    return this.more?.get(exportClass);
  }

  set(exportClass: string, value: T): void {
    if (this.firstClass === undefined || this.firstClass === exportClass) {
      this.firstClass = exportClass;
      this.first = value;
    } else (this.more ??= new Map()).set(exportClass, value);
  }
}

export class AttributeSet {
  /** references from paths; the set is freed at zero */
  references = 0;
  readonly asPathLength: number;
  readonly origin: number;
  /** RFC 4271 §9.1.2.2 (c): a missing MED is the lowest value */
  readonly med: number;
  /** BGP next hop as text (IPv4 NEXT_HOP, or the MP_REACH next hop) */
  readonly nextHop: string;
  /** IPv6 routes: MP_REACH next hop bytes, kept for third-party export */
  readonly ipv6NextHop: Uint8Array | undefined;
  readonly verdict: ImportVerdict;
  /** export blocks, by export class (target kind, source kind, 2/4-octet AS; src/rib/exporter.ts) */
  readonly exports = new ExportCache<ExportSet>();

  constructor(
    readonly key: string,
    readonly attributes: PathAttributes,
    ipv6NextHop: Uint8Array | undefined,
    importContext: ImportContext,
    /** the key is one tag character, then the Path Attributes field as received with 4-octet AS numbers */
    private readonly keyHoldsFourOctetBlock = false,
    /** a route map's verdict (src/rib/route-map-in.ts), instead of the import rules' */
    verdict?: ImportVerdict,
  ) {
    this.asPathLength = asPathLength(attributes.asPath);
    this.origin = attributes.origin ?? 2;
    this.med = attributes.med ?? 0;
    this.ipv6NextHop = ipv6NextHop;
    this.nextHop = ipv6NextHop
      ? formatIpv6(ipv6NextHop.subarray(0, 16))
      : attributes.nextHop !== undefined
        ? formatIpv4(attributes.nextHop)
        : '0.0.0.0';
    this.verdict =
      verdict ??
      evaluateImport({ asPath: attributes.asPath, communities: attributes.communities }, importContext);
  }

  get originName(): Origin {
    return ORIGIN_NAMES[this.origin] ?? 'incomplete';
  }

  /**
   * The Path Attributes field as received, where that is also its encoding
   * with 4-octet AS numbers (IPv4 routes without MP_REACH_NLRI from a session
   * that negotiated 4-octet AS): a copy read back from the key, which holds
   * those bytes. Undefined for other sets.
   */
  receivedFourOctetBlock(): Buffer | undefined {
    return this.keyHoldsFourOctetBlock ? Buffer.from(this.key.slice(1), 'latin1') : undefined;
  }
}

function bytesKey(tag: string, bytes: Uint8Array): string {
  return tag + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** The attribute block without MP_REACH/MP_UNREACH, whose NLRI differ per UPDATE. */
function withoutMultiprotocol(attributes: PathAttributes): PathAttributes {
  const { mpReach: _reach, mpUnreach: _unreach, ...rest } = attributes;
  return rest;
}

export class AttributeStore {
  private readonly sets = new Map<string, AttributeSet>();

  constructor(private readonly importContext: ImportContext) {}

  get size(): number {
    return this.sets.size;
  }

  /**
   * The set for the IPv4 routes of `update` (family 4) or its IPv6 MP_REACH
   * routes (family 6), interned. The caller takes a reference with `retain`.
   */
  intern(update: UpdateMessage, context: CodecContext, family: 4 | 6): AttributeSet {
    const attributes = update.attributes;
    const tag = context.fourOctetAs ? 'F' : 'T';
    const multiprotocol = attributes.mpReach !== undefined || attributes.mpUnreach !== undefined;
    let key: string;
    let ipv6NextHop: Uint8Array | undefined;
    if (family === 6 || multiprotocol || update.attributeBytes.length === 0) {
      const base = withoutMultiprotocol(attributes);
      const mpNextHop = attributes.mpReach?.nextHop;
      if (family === 6 && mpNextHop) ipv6NextHop = Uint8Array.from(mpNextHop);
      const v4FromMp = family === 4 && attributes.mpReach?.afi === 1 ? mpNextHop : undefined;
      const nextHopPart = family === 6 ? mpNextHop : v4FromMp;
      key = bytesKey(
        `${tag}${family}${nextHopPart ? Buffer.from(nextHopPart).toString('hex') : ''}|`,
        encodeAttributes(base, context),
      );
      if (v4FromMp && v4FromMp.length === 4) {
        const nextHop =
          ((v4FromMp[0]! << 24) | (v4FromMp[1]! << 16) | (v4FromMp[2]! << 8) | v4FromMp[3]!) >>> 0;
        return this.lookup(key, { ...base, nextHop }, undefined);
      }
      return this.lookup(key, base, ipv6NextHop);
    }
    key = bytesKey(tag, update.attributeBytes);
    return this.lookup(key, attributes, undefined, context.fourOctetAs);
  }

  private lookup(
    key: string,
    attributes: PathAttributes,
    ipv6NextHop: Uint8Array | undefined,
    keyHoldsFourOctetBlock = false,
  ): AttributeSet {
    let set = this.sets.get(key);
    if (!set) {
      set = new AttributeSet(key, attributes, ipv6NextHop, this.importContext, keyHoldsFourOctetBlock);
      this.sets.set(key, set);
    }
    return set;
  }

  /**
   * A set derived from `base` by a route map (src/rib/route-map-in.ts):
   * `tag` names the change, `verdict` replaces the import rules' (a drop).
   * The caller takes a reference with `retain`.
   */
  derive(base: AttributeSet, tag: string, attributes: PathAttributes, verdict?: ImportVerdict): AttributeSet {
    const key = `${base.key}\u0000${tag}`;
    let set = this.sets.get(key);
    if (!set) {
      set = new AttributeSet(key, attributes, base.ipv6NextHop, this.importContext, false, verdict);
      this.sets.set(key, set);
    }
    return set;
  }

  retain(set: AttributeSet): void {
    set.references++;
  }

  release(set: AttributeSet): void {
    if (--set.references === 0 && this.sets.get(set.key) === set) this.sets.delete(set.key);
  }
}
