/**
 * What the peers of one update group should be sent for one prefix
 * (docs/azure-behaviour.md §3.3, §3.6, §4.1; the rules are in
 * src/policy/export-rules.ts and src/policy/gateway-rules.ts): the
 * instance's own route for an advertised address space (not on internal
 * links: each gateway advertises the VNet's space itself), or the Loc-RIB
 * best path when the shared export rules allow it, with the attributes of
 * the group's target (an NVA or on-prem router, a gateway instance, the
 * route server). The result names the peer the route came from, so the
 * group can keep it from that peer (`notToSourcePeer`) when it sends.
 *
 * Encoded attribute blocks are cached: per source attribute set (on the set
 * itself, so they are freed with it) and per path, by export class (target
 * kind, source kind, 2/4-octet AS encoding), and for the address spaces per
 * family and 2/4-octet-AS encoding.
 */
import { BASE_CONTEXT, encodeAttributes } from '../bgp/codec/index.js';
import type { CodecContext } from '../bgp/codec/index.js';
import type { PrefixKey } from '../lib/prefix.js';
import type { PathAttributes } from '../bgp/codec/index.js';
import type { ExportContext, ExportTarget } from '../policy/index.js';
import {
  evaluateSharedExport,
  exportAttributes,
  toGatewayAttributes,
  toOnPremAttributes,
  toRouteServerAttributes,
  vnetRouteAttributes,
  withholdsDefaultRoute,
} from '../policy/index.js';
import type { AttributeSet, ExportSet } from './attribute-store.js';
import type { LocRibEntry } from './loc-rib.js';
import { bestOf } from './loc-rib.js';
import type { Path, PeerId } from './peer.js';

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
  /** who the group's peers are (kind, and the gateway of a gateway's instances); default an NVA */
  readonly target?: ExportTarget;
}

const NVA_TARGET: ExportTarget = Object.freeze({ peer: '' });

/** 0.0.0.0/0 and ::/0 as prefix keys (src/lib/prefix.ts `prefixKey`). */
const isDefaultRoute = (key: PrefixKey): boolean => key === 0 || key === '::/0';

export class Exporter {
  private readonly vnetExports = new Map<string, RouteExport>();

  constructor(
    private readonly localAsn: number,
    /** the instance's IPv4 address: NEXT_HOP of its address-space routes */
    private readonly localV4: number,
    /** the instance's IPv6 address, when IPv6 spaces are advertised */
    private readonly localV6: Uint8Array | undefined,
    private context: ExportContext,
    /** a gateway's speaker: the NEXT_HOP of what it gives the route server (its GatewaySubnet address) */
    private readonly internalNextHop: number = localV4,
  ) {}

  setContext(context: ExportContext): void {
    this.context = context;
  }

  /** The instance's own route for an advertised address space (AS path 65515, ORIGIN IGP, NEXT_HOP = instance). */
  addressSpace(group: GroupPolicy, key: PrefixKey): RouteExport | undefined {
    if ((group.target?.kind ?? 'nva') !== 'nva') return undefined;
    const ipv6 = typeof key === 'string';
    if (ipv6 && (!group.ipv6Unicast || !this.localV6 || this.throughGateway(group))) return undefined;
    const fourOctet = group.context.fourOctetAs;
    const id = `${ipv6 ? 6 : 4}${fourOctet ? 'F' : 'T'}`;
    let exported = this.vnetExports.get(id);
    if (!exported) {
      const attributes = vnetRouteAttributes(this.localAsn, ipv6 ? undefined : this.localV4);
      const block = encodeAttributes(attributes, { ...BASE_CONTEXT, fourOctetAs: fourOctet });
      const set: ExportSet = {
        block,
        ...(ipv6 ? { ipv6NextHop: this.localV6! } : {}),
      };
      exported = { set, source: undefined };
      this.vnetExports.set(id, exported);
    }
    return exported;
  }

  /** The Loc-RIB best path for the group, or undefined when a shared export rule refuses it. */
  bestPath(group: GroupPolicy, key: PrefixKey, entry: LocRibEntry): RouteExport | undefined {
    if (typeof key === 'string' && (!group.ipv6Unicast || this.throughGateway(group))) return undefined;
    const best = bestOf(entry);
    const target = group.target ?? NVA_TARGET;
    if (!evaluateSharedExport(best.exportCandidate, this.context, target).advertise) return undefined;
    if (withholdsDefaultRoute(this.context, target, isDefaultRoute(key))) return undefined;
    const exportClass = `${target.kind ?? 'nva'}|${best.exportCandidate.source}|${group.context.fourOctetAs ? 4 : 2}`;
    let exported = best.exportOf(exportClass);
    if (!exported) {
      exported = { set: this.encoded(best, exportClass, target, group.context), source: best.peer.id };
      best.keepExport(exportClass, exported);
    }
    return exported;
  }

  /**
   * Whether a route for the group crosses a gateway: sent to a gateway, or
   * sent by a gateway's speaker (to on-prem or to the route server). A
   * gateway has IPv4 addresses only (GatewaySubnet, docs/gateways.md "IPv6"),
   * so no IPv6 route can have it as next hop: IPv6 routes never cross one,
   * whatever the peers negotiated (the next hop would otherwise be the NVA's
   * or the on-prem router's, which the other side cannot reach).
   */
  private throughGateway(group: GroupPolicy): boolean {
    return (this.context.role ?? 'route-server') !== 'route-server' || group.target?.kind === 'gateway';
  }

  /** The attributes a route gets toward the group's target (src/policy/export-rules.ts, gateway-rules.ts). */
  private attributesFor(
    path: Path,
    target: ExportTarget,
    attributes: PathAttributes = path.attributes.attributes,
  ): PathAttributes {
    const role = this.context.role ?? 'route-server';
    const kind = target.kind ?? 'nva';
    if (role === 'route-server')
      return kind === 'gateway'
        ? toGatewayAttributes(attributes)
        : exportAttributes(attributes, this.localAsn);
    if (kind === 'route-server')
      return toRouteServerAttributes(attributes, role, this.localAsn, this.internalNextHop);
    const fromRouteServer = path.exportCandidate.source === 'route-server';
    return toOnPremAttributes(attributes, role, this.localAsn, this.localV4, fromRouteServer);
  }

  /**
   * The export of `best` for the group with the attributes a route map gave
   * it (src/rib/route-map-out.ts caches the result): exported as any route.
   */
  encodeChanged(group: GroupPolicy, best: Path, attributes: PathAttributes): RouteExport {
    const exported = this.attributesFor(best, group.target ?? NVA_TARGET, attributes);
    const block = encodeAttributes(exported, group.context);
    const ipv6NextHop = best.attributes.ipv6NextHop;
    const set: ExportSet = { block, ...(ipv6NextHop ? { ipv6NextHop } : {}) };
    return { set, source: best.peer.id };
  }

  private encoded(path: Path, exportClass: string, target: ExportTarget, context: CodecContext): ExportSet {
    const set: AttributeSet = path.attributes;
    let exported = set.exportOf(exportClass);
    if (!exported) {
      const block = this.rewritesReceived(target, context) ? set.nvaExportBlock(this.localAsn) : undefined;
      exported = {
        block: block ?? encodeAttributes(this.attributesFor(path, target), context),
        ...(set.ipv6NextHop ? { ipv6NextHop: set.ipv6NextHop } : {}),
      };
      set.keepExport(exportClass, exported);
    }
    return exported;
  }

  /**
   * The route server's export to an NVA over 4-octet AS: the received field rewritten on the
   * wire when its set allows it (src/rib/export-block.ts), the same bytes as `attributesFor`
   * then encoding.
   */
  private rewritesReceived(target: ExportTarget, context: CodecContext): boolean {
    return (
      (this.context.role ?? 'route-server') === 'route-server' &&
      (target.kind ?? 'nva') === 'nva' &&
      context.fourOctetAs
    );
  }
}
