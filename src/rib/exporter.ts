/**
 * What the peers of one update group should be sent for one prefix
 * (docs/azure-behaviour.md §3.3, §3.6; the rules are in
 * src/policy/export-rules.ts): the instance's own route for an advertised
 * address space, or the Loc-RIB best path when the shared export rules allow
 * it. The result names the peer the route came from, so the group can keep it
 * from that peer (`notToSourcePeer`) when it sends.
 *
 * Encoded attribute blocks are cached: per source attribute set (on the set
 * itself, so they are freed with it), the group export per path, and for
 * the address spaces per family and 2/4-octet-AS encoding.
 */
import { BASE_CONTEXT, encodeAttributes } from '../bgp/codec/index.js';
import type { CodecContext } from '../bgp/codec/index.js';
import type { PrefixKey } from '../lib/prefix.js';
import type { ExportContext } from '../policy/index.js';
import { evaluateSharedExport, exportAttributes, vnetRouteAttributes } from '../policy/index.js';
import type { AttributeSet, ExportSet } from './attribute-store.js';
import type { LocRibEntry } from './loc-rib.js';
import { bestOf } from './loc-rib.js';
import type { PeerId } from './peer.js';

/** What an update group sends for a prefix: the attribute block, and the peer not to send it to. */
export interface RouteExport {
  readonly set: ExportSet;
  /** the peer the route was learned from (undefined for the address spaces) */
  readonly source: PeerId | undefined;
}

/** What the export of a prefix depends on for the peers of one group. */
export interface GroupPolicy {
  readonly context: CodecContext;
  readonly ipv6Unicast: boolean;
}

export class Exporter {
  private readonly vnetExports = new Map<string, RouteExport>();

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
  addressSpace(group: GroupPolicy, key: PrefixKey): RouteExport | undefined {
    const ipv6 = typeof key === 'string';
    if (ipv6 && (!group.ipv6Unicast || !this.localV6)) return undefined;
    const fourOctet = group.context.fourOctetAs;
    const id = `${ipv6 ? 6 : 4}${fourOctet ? 'F' : 'T'}`;
    let exported = this.vnetExports.get(id);
    if (!exported) {
      const attributes = vnetRouteAttributes(this.localAsn, ipv6 ? undefined : this.localV4);
      const block = encodeAttributes(attributes, { ...BASE_CONTEXT, fourOctetAs: fourOctet });
      const set: ExportSet = {
        key: `vnet${id}|` + block.toString('latin1'),
        block,
        attributes,
        ...(ipv6 ? { ipv6NextHop: this.localV6! } : {}),
      };
      exported = { set, source: undefined };
      this.vnetExports.set(id, exported);
    }
    return exported;
  }

  /** The Loc-RIB best path for the group, or undefined when a shared export rule refuses it. */
  bestPath(group: GroupPolicy, key: PrefixKey, entry: LocRibEntry): RouteExport | undefined {
    if (typeof key === 'string' && !group.ipv6Unicast) return undefined;
    const best = bestOf(entry);
    if (!evaluateSharedExport(best.exportCandidate, this.context).advertise) return undefined;
    const slot = group.context.fourOctetAs ? 1 : 0;
    return (best.exports[slot] ??= {
      set: this.encoded(best.attributes, group.context),
      source: best.peer.id,
    });
  }

  private encoded(set: AttributeSet, context: CodecContext): ExportSet {
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
