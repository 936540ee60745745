/**
 * What one peer should be sent for one prefix (docs/azure-behaviour.md §3.3, §3.6;
 * the rules are in src/policy/export-rules.ts): the instance's own route for
 * an advertised address space, or the Loc-RIB best path when the export
 * rules allow it. Encoded attribute blocks are cached: per source attribute
 * set (on the set itself, so they are freed with it) and, for the address
 * spaces, per family and 2/4-octet-AS encoding.
 */
import { BASE_CONTEXT, encodeAttributes } from '../bgp/codec/index.js';
import type { PrefixKey } from '../lib/prefix.js';
import type { ExportContext } from '../policy/index.js';
import { evaluateExport, exportAttributes, vnetRouteAttributes } from '../policy/index.js';
import type { AttributeSet, ExportSet } from './attribute-store.js';
import type { LocRibEntry } from './loc-rib.js';
import { bestOf } from './loc-rib.js';
import type { PeerState } from './peer.js';

export class Exporter {
  private readonly vnetExports = new Map<string, ExportSet>();

  constructor(
    private readonly localAsn: number,
    /** the instance's IPv4 address: NEXT_HOP of its address-space routes */
    private readonly localV4: number,
    /** the instance's IPv6 address, when IPv6 spaces are advertised */
    private readonly localV6: Uint8Array | undefined,
    private context: ExportContext,
  ) {}

  setContext(context: ExportContext): void {
    this.context = context;
  }

  /** The instance's own route for an advertised address space (AS path 65515, ORIGIN IGP, NEXT_HOP = instance). */
  addressSpace(peer: PeerState, key: PrefixKey): ExportSet | undefined {
    const ipv6 = typeof key === 'string';
    if (ipv6 && (!peer.info.capabilities.ipv6Unicast || !this.localV6)) return undefined;
    const fourOctet = peer.info.capabilities.context.fourOctetAs;
    const id = `${ipv6 ? 6 : 4}${fourOctet ? 'F' : 'T'}`;
    let exported = this.vnetExports.get(id);
    if (!exported) {
      const attributes = vnetRouteAttributes(this.localAsn, ipv6 ? undefined : this.localV4);
      const block = encodeAttributes(attributes, { ...BASE_CONTEXT, fourOctetAs: fourOctet });
      exported = {
        key: `vnet${id}|` + block.toString('latin1'),
        block,
        attributes,
        ...(ipv6 ? { ipv6NextHop: this.localV6! } : {}),
      };
      this.vnetExports.set(id, exported);
    }
    return exported;
  }

  /** The Loc-RIB best path for `peer`, or undefined when an export rule refuses it. */
  bestPath(peer: PeerState, key: PrefixKey, entry: LocRibEntry): ExportSet | undefined {
    if (typeof key === 'string' && !peer.info.capabilities.ipv6Unicast) return undefined;
    const best = bestOf(entry);
    if (!evaluateExport(best.exportCandidate, peer.exportTarget, this.context).advertise) return undefined;
    return this.encoded(best.attributes, peer);
  }

  private encoded(set: AttributeSet, peer: PeerState): ExportSet {
    const context = peer.info.capabilities.context;
    const slot = context.fourOctetAs ? 1 : 0;
    let exported = set.exports[slot];
    if (!exported) {
      const attributes = exportAttributes(set.attributes, this.localAsn);
      const block = encodeAttributes(attributes, context);
      const hop = set.ipv6NextHop ? Buffer.from(set.ipv6NextHop).toString('hex') : '';
      exported = {
        key: hop + '|' + block.toString('latin1'),
        block,
        attributes,
        ...(set.ipv6NextHop ? { ipv6NextHop: set.ipv6NextHop } : {}),
      };
      set.exports[slot] = exported;
    }
    return exported;
  }
}
