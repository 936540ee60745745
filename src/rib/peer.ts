/**
 * A BGP peer as the route engine sees one session of it: its Adj-RIB-In
 * (every route it sent, before policy), and its paths — one immutable `Path`
 * per attribute set it uses, shared by all the prefixes it announced with
 * that set, so a route is a map entry `prefix → Path`, not an object.
 */
import type { CodecContext } from '../bgp/codec/index.js';
import { parseIpv4, parseIpv6 } from '../lib/prefix.js';
import type { ExportCandidate, ExportTarget, RouteSourceKind } from '../policy/index.js';
import type { AttributeSet, AttributeStore } from './attribute-store.js';
import { ExportCache } from './attribute-store.js';
import type { DecisionPath, HubSource } from './decision.js';
import type { VnetGatewayType } from '../policy/index.js';
import type { AdjRibOut } from './adj-rib-out.js';
import type { InboundRouteMap } from './route-map-in.js';
import type { RouteExport } from './exporter.js';
import { PrefixMap } from '../lib/prefix-map.js';

export type PeerId = string;

/** What the session negotiated that matters to the route engine. */
export interface PeerCapabilities {
  /** the encode/decode context of the session (4-octet AS, extended messages, ADD-PATH) */
  readonly context: CodecContext;
  /** RFC 4760: IPv6 unicast was negotiated (IPv4 unicast is assumed) */
  readonly ipv6Unicast?: boolean;
  /** RFC 2918: the peer can be sent ROUTE-REFRESH */
  readonly routeRefresh?: boolean;
}

export interface PeerInfo {
  /** the peer's session address (the `sourcePeer` of its routes) */
  readonly address: string;
  readonly asn: number;
  /** BGP Identifier from its OPEN, unsigned 32-bit */
  readonly routerId: number;
  readonly capabilities: PeerCapabilities;
  /**
   * `nva` (default; in a gateway's speaker, an on-prem router), `gateway` (in
   * the route server: an instance of an ExpressRoute/VPN gateway,
   * docs/azure-behaviour.md §4), `route-server` (in a gateway's speaker: an
   * instance of the route server). `gateway` and `route-server` peers are
   * internal links (src/policy/gateway-rules.ts).
   */
  readonly kind?: Exclude<RouteSourceKind, 'vnet'>;
  /** `gateway` peers: the gateway (one source for its two instances) and its type */
  readonly gateway?: { readonly id: string; readonly type: VnetGatewayType };
}

/** The source a peer's paths have for hub routing preference (docs/azure-behaviour.md §4.3). */
function hubSourceOf(info: PeerInfo): HubSource {
  if (info.kind !== 'gateway' || info.gateway === undefined) return 'nva';
  return info.gateway.type === 'ExpressRoute' ? 'ExpressRoute' : 'Vpn';
}

/** A string that sorts like the address: IPv4 before IPv6, numerically within a family. */
export function addressOrder(address: string): string {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return '4' + v4.toString(16).padStart(8, '0');
  const v6 = parseIpv6(address);
  if (v6 !== undefined) return '6' + Buffer.from(v6).toString('hex');
  return '9' + address;
}

/** A path also keeps what update groups send for it, by the group's export class (src/rib/exporter.ts). */
export class Path extends ExportCache<RouteExport> implements DecisionPath {
  /** prefixes of the peer's Adj-RIB-In that use this path */
  prefixes = 0;
  readonly asPathLength: number;
  readonly origin: number;
  readonly med: number;
  readonly neighbourAs: number;
  readonly routerId: number;
  readonly peerAddressOrder: string;
  readonly sessionSequence: number;
  readonly hubSource: HubSource;
  readonly internal: boolean;
  /** what the export rules read, built once */
  readonly exportCandidate: ExportCandidate;
  /** the next hops injected when this path is alone in its ECMP set: the peer's array for its next hop */
  readonly nextHops: readonly string[];

  constructor(
    readonly peer: PeerState,
    readonly attributes: AttributeSet,
  ) {
    super();
    this.asPathLength = attributes.asPathLength;
    this.origin = attributes.origin;
    this.med = attributes.med;
    this.neighbourAs = attributes.firstAs ?? peer.info.asn;
    this.routerId = peer.info.routerId;
    this.peerAddressOrder = peer.addressOrder;
    this.sessionSequence = peer.sequence;
    this.hubSource = hubSourceOf(peer.info);
    const kind = peer.info.kind ?? 'nva';
    this.internal = kind !== 'nva';
    this.exportCandidate = peer.exportCandidate(attributes.verdict.advertise);
    this.nextHops = peer.nextHopsOf(attributes.nextHop);
  }

  /** true when the import rules let this path take part in the decision process */
  get accepted(): boolean {
    return this.attributes.verdict.accepted;
  }
}

type PeerStatus = 'up' | 'closing' | 'down';

export class PeerState {
  /** pre-policy: every route the peer announced and has not withdrawn */
  readonly adjRibIn = new PrefixMap<Path>();
  readonly addressOrder: string;
  readonly exportTarget: ExportTarget;
  status: PeerStatus = 'up';
  /** routes of the Adj-RIB-In accepted by the import rules */
  accepted = 0;
  /** UPDATEs of this session queued in the engine and not yet ingested */
  backlog = 0;
  /** the engine asked the session to stop reading (backlog at the high-water mark) */
  readingPaused = false;
  out: AdjRibOut | undefined;
  /** the inbound route map, while the peer has one (src/rib/route-map-in.ts) */
  inbound: InboundRouteMap | undefined;
  /** the peer's paths whose set holds another peer's path as its `soloPath` */
  private readonly paths = new Map<AttributeSet, Path>();
  /** the peer's paths held by their sets (`AttributeSet.soloPath`) */
  private soloPaths = 0;
  /** one frozen next-hop array per next hop, shared by the peer's paths (the VNet batch interns sets by array) */
  private readonly nextHopArrays = new Map<string, readonly string[]>();
  /** the export candidates of the peer's paths: one per `advertise` value */
  private readonly candidates: [ExportCandidate | undefined, ExportCandidate | undefined] = [
    undefined,
    undefined,
  ];

  constructor(
    readonly id: PeerId,
    readonly info: PeerInfo,
    readonly sequence: number,
    private readonly store: AttributeStore,
  ) {
    this.addressOrder = addressOrder(info.address);
    this.exportTarget = { peer: id };
  }

  /** The shared path for an attribute set (created, and the set retained, on first use). */
  pathFor(set: AttributeSet): Path {
    const solo = set.soloPath;
    if (solo !== undefined && solo.peer === this) return solo;
    let path = this.paths.get(set);
    if (!path) {
      path = new Path(this, set);
      if (solo === undefined) {
        set.soloPath = path;
        this.soloPaths++;
      } else this.paths.set(set, path);
      this.store.retain(set);
    }
    return path;
  }

  /** The shared `[nextHop]` array for a path alone in its ECMP set. */
  nextHopsOf(nextHop: string): readonly string[] {
    let hops = this.nextHopArrays.get(nextHop);
    if (hops === undefined) {
      if (this.nextHopArrays.size >= 1024) this.nextHopArrays.clear();
      this.nextHopArrays.set(nextHop, (hops = Object.freeze([nextHop])));
    }
    return hops;
  }

  /** What the export rules read of a path of this peer (src/policy/export-rules.ts), shared by its paths. */
  exportCandidate(advertise: boolean): ExportCandidate {
    const index = advertise ? 1 : 0;
    return (this.candidates[index] ??= {
      source: this.info.kind ?? 'nva',
      sourcePeer: this.id,
      advertise,
      ...(this.info.gateway !== undefined ? { gateway: this.info.gateway.id } : {}),
    });
  }

  /** Drops a path no prefix uses any more, releasing its attribute set. */
  releaseIfUnused(path: Path): void {
    if (path.prefixes !== 0) return;
    const set = path.attributes;
    if (set.soloPath === path) {
      set.soloPath = undefined;
      this.soloPaths--;
    } else if (this.paths.get(set) === path) this.paths.delete(set);
    else return;
    this.store.release(set);
  }

  get pathCount(): number {
    return this.paths.size + this.soloPaths;
  }
}
