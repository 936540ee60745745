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
import {
  AsPathSegmentType,
  BASE_CONTEXT,
  decodeAttributeBlock,
  encodeAttributes,
} from '../bgp/codec/index.js';
import type { CodecContext, PathAttributes, UpdateMessage } from '../bgp/codec/index.js';
import type { ImportContext, ImportVerdict } from '../policy/index.js';
import { asPathLength, evaluateImport } from '../policy/index.js';
import type { Origin } from './ports.js';
import type { Path } from './peer.js';
import { isPlainBlock, nvaExportBlock } from './export-block.js';

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
 * A cache of values by export class (src/rib/exporter.ts) in the fields of the object it belongs
 * to (attribute sets and paths extend it): one class in two fields (the common case: every peer of
 * an instance is an NVA with 4-octet AS), more in a Map. An attribute set or a path is made per
 * UPDATE when attributes are diverse, so an object or a Map for a first class would be much of
 * what it costs.
 */
export class ExportCache<T> {
  private firstClass: string | undefined;
  private first: T | undefined;
  private more: Map<string, T> | undefined;

  exportOf(exportClass: string): T | undefined {
    if (exportClass === this.firstClass) return this.first;
    return this.more?.get(exportClass);
  }

  keepExport(exportClass: string, value: T): void {
    if (this.firstClass === undefined || this.firstClass === exportClass) {
      this.firstClass = exportClass;
      this.first = value;
    } else (this.more ??= new Map()).set(exportClass, value);
  }
}

/** How the Path Attributes field held in a set's key was received. */
interface ReceivedBlock {
  readonly fourOctetAs: boolean;
  /** 4-octet AS, and in the shape `nvaExportBlock` rewrites (src/rib/export-block.ts `isPlainBlock`) */
  readonly plain: boolean;
}

const RECEIVED_TWO_OCTET: ReceivedBlock = Object.freeze({ fourOctetAs: false, plain: false });
const RECEIVED_FOUR_OCTET: ReceivedBlock = Object.freeze({ fourOctetAs: true, plain: false });
const RECEIVED_PLAIN: ReceivedBlock = Object.freeze({ fourOctetAs: true, plain: true });
const FOUR_OCTET: CodecContext = { ...BASE_CONTEXT, fourOctetAs: true };

export class AttributeSet extends ExportCache<ExportSet> {
  /** references from paths; the set is freed at zero */
  references = 0;
  /**
   * The path of one peer that uses the set (src/rib/peer.ts `pathFor`): a set is mostly one
   * peer's, and that peer finds its path here instead of in a map entry per set.
   */
  soloPath: Path | undefined;
  readonly asPathLength: number;
  /** the leftmost AS of a path that starts with an AS_SEQUENCE (the neighbour AS, RFC 4271 §9.1.2.2 (c)) */
  readonly firstAs: number | undefined;
  readonly origin: number;
  /** RFC 4271 §9.1.2.2 (c): a missing MED is the lowest value */
  readonly med: number;
  /** BGP next hop as text (IPv4 NEXT_HOP, or the MP_REACH next hop), shared by the store's sets */
  readonly nextHop: string;
  /** IPv6 routes: MP_REACH next hop bytes, kept for third-party export */
  readonly ipv6NextHop: Uint8Array | undefined;
  readonly verdict: ImportVerdict;
  /**
   * The decoded attributes: kept from the start when the key cannot give them back, decoded from
   * the key on first read otherwise (with an attribute set per UPDATE, the decoded object graph
   * was half of what a set kept alive, and the engine reads it only for route maps and views).
   */
  private decoded: PathAttributes | undefined;

  constructor(
    readonly key: string,
    attributes: PathAttributes,
    ipv6NextHop: Uint8Array | undefined,
    nextHop: string,
    importContext: ImportContext,
    /** when the key is one tag character then the Path Attributes field as received: how it was received */
    private readonly received: ReceivedBlock | undefined = undefined,
    /** a route map's verdict (src/rib/route-map-in.ts), instead of the import rules' */
    verdict?: ImportVerdict,
  ) {
    super();
    const asPath = attributes.asPath;
    this.asPathLength = asPathLength(asPath);
    const first = asPath?.[0];
    this.firstAs =
      first !== undefined && first.type === AsPathSegmentType.AsSequence ? first.asns[0] : undefined;
    this.origin = attributes.origin ?? 2;
    this.med = attributes.med ?? 0;
    this.ipv6NextHop = ipv6NextHop;
    this.nextHop = nextHop;
    this.verdict = verdict ?? evaluateImport({ asPath, communities: attributes.communities }, importContext);
    if (received === undefined) this.decoded = attributes;
  }

  /** The attributes as received (decoded again from the key and kept, on the first read of a received block). */
  get attributes(): PathAttributes {
    return (this.decoded ??= this.decodeKey());
  }

  private decodeKey(): PathAttributes {
    const bytes = Buffer.from(this.key, 'latin1');
    const context = this.received!.fourOctetAs ? FOUR_OCTET : BASE_CONTEXT;
    return decodeAttributeBlock(bytes, 1, bytes.length, context).attributes;
  }

  /**
   * The Path Attributes field to send to an NVA (4-octet AS), rewritten from the received one
   * (src/rib/export-block.ts), or undefined when this set has to be encoded from its attributes.
   */
  nvaExportBlock(localAsn: number): Buffer | undefined {
    return this.received?.plain === true ? nvaExportBlock(this.key, 1, localAsn) : undefined;
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
    return this.received?.fourOctetAs === true ? Buffer.from(this.key.slice(1), 'latin1') : undefined;
  }
}

/** One flat string (a concatenation would be a rope of two or three heap objects per set): the tag, then the bytes. */
function bytesKey(tag: string, bytes: Uint8Array): string {
  const buffer = Buffer.allocUnsafe(tag.length + bytes.byteLength);
  buffer.write(tag, 0, 'latin1');
  buffer.set(bytes, tag.length);
  return buffer.toString('latin1');
}

/** The attribute block without MP_REACH/MP_UNREACH, whose NLRI differ per UPDATE. */
function withoutMultiprotocol(attributes: PathAttributes): PathAttributes {
  const { mpReach: _reach, mpUnreach: _unreach, ...rest } = attributes;
  return rest;
}

export class AttributeStore {
  private readonly sets = new Map<string, AttributeSet>();
  /** next hops as text, shared by the sets that name them (many sets, few next hops) */
  private readonly nextHops = new Map<number, string>();

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
    if (family === 6 || multiprotocol || update.attributeBytes.length === 0) {
      const base = withoutMultiprotocol(attributes);
      const mpNextHop = attributes.mpReach?.nextHop;
      const ipv6NextHop = family === 6 && mpNextHop ? Uint8Array.from(mpNextHop) : undefined;
      const v4FromMp = family === 4 && attributes.mpReach?.afi === 1 ? mpNextHop : undefined;
      const nextHopPart = family === 6 ? mpNextHop : v4FromMp;
      const key = bytesKey(
        `${tag}${family}${nextHopPart ? Buffer.from(nextHopPart).toString('hex') : ''}|`,
        encodeAttributes(base, context),
      );
      let set = this.sets.get(key);
      if (set) return set;
      if (v4FromMp && v4FromMp.length === 4) {
        const nextHop =
          ((v4FromMp[0]! << 24) | (v4FromMp[1]! << 16) | (v4FromMp[2]! << 8) | v4FromMp[3]!) >>> 0;
        set = new AttributeSet(
          key,
          { ...base, nextHop },
          undefined,
          this.ipv4Text(nextHop),
          this.importContext,
        );
      } else {
        const text = ipv6NextHop ? formatIpv6(ipv6NextHop.subarray(0, 16)) : this.ipv4Text(base.nextHop);
        set = new AttributeSet(key, base, ipv6NextHop, text, this.importContext);
      }
      this.sets.set(key, set);
      return set;
    }
    const key = bytesKey(tag, update.attributeBytes);
    let set = this.sets.get(key);
    if (!set) {
      const bytes = update.attributeBytes;
      const received = !context.fourOctetAs
        ? RECEIVED_TWO_OCTET
        : isPlainBlock(bytes, 0, bytes.length, attributes)
          ? RECEIVED_PLAIN
          : RECEIVED_FOUR_OCTET;
      const nextHop = this.ipv4Text(attributes.nextHop);
      set = new AttributeSet(key, attributes, undefined, nextHop, this.importContext, received);
      this.sets.set(key, set);
    }
    return set;
  }

  private ipv4Text(nextHop: number | undefined): string {
    if (nextHop === undefined) return '0.0.0.0';
    let text = this.nextHops.get(nextHop);
    if (text === undefined) {
      if (this.nextHops.size >= 4096) this.nextHops.clear();
      this.nextHops.set(nextHop, (text = formatIpv4(nextHop)));
    }
    return text;
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
      const nextHop = base.ipv6NextHop ? base.nextHop : this.ipv4Text(attributes.nextHop);
      set = new AttributeSet(
        key,
        attributes,
        base.ipv6NextHop,
        nextHop,
        this.importContext,
        undefined,
        verdict,
      );
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
