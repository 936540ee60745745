/**
 * One route-server instance (IN_0 or IN_1) running: a `BgpSpeaker` on the
 * instance's address wired to a `RouteEngine`.
 *
 * - Established → `engine.peerUp` with the negotiated codec context, peer AS
 *   and BGP Identifier; the engine writes through the session (`write`
 *   returning false = backpressure, resumed on the session's `drain` event).
 * - UPDATE → `engine.receiveUpdate`; leaving Established → `engine.peerDown`.
 *   When the engine's backlog for a peer is at its mark, the session stops
 *   reading until the engine calls back (`onReadResumed`): memory stays
 *   bounded under any offered load, and keepalives keep the session up.
 * - Graceful restart (RFC 4724 §4.2, docs/graceful-restart.md): a session
 *   that negotiated it and ends without a NOTIFICATION (TCP closed or reset)
 *   keeps the peer's routes, stale, for the peer's Restart Time; once the
 *   session is back, End-of-RIB per family (or our stale-path time) sweeps
 *   the stale routes it did not announce again.
 * - ROUTE-REFRESH from the peer → `engine.routeRefreshRequested`.
 * - The engine's close requests → the session is reset with the NOTIFICATION
 *   they carry: Cease / Maximum Number of Prefixes Reached (route limit) or
 *   Cease / Out of Resources (a peer that stopped reading, RFC 4486); the session layer
 *   restarts it after its IdleHold back-off, and the peer is accepted again
 *   once it stays under the limit.
 *
 * The peer's configured address is its id in the engine.
 */
import { BfdEndpoint, bfdTimers } from '../bfd/index.js';
import type { BfdEvent, BfdSettings } from '../bfd/index.js';
import { Afi, CeaseSubcode, IPV6_UNICAST, Safi, ceaseNotification, familyKey } from '../bgp/codec/index.js';
import type { NlriList, UpdateMessage } from '../bgp/codec/index.js';
import { BgpSpeaker, SessionError } from '../bgp/session/index.js';
import { BmpExporter } from '../bmp/index.js';
import type { BmpExporterOptions } from '../bmp/index.js';
import type { PeerOptions, SessionEvent, SocketOptions } from '../bgp/session/index.js';
import { FsmReasonCode } from '../bgp/fsm/index.js';
import type { FsmReason, Negotiated, NegotiatedGracefulRestart } from '../bgp/fsm/index.js';
import { InternalLinkReceiver, InternalLinkSender, internalPeerInfo, RouteEngine } from '../rib/index.js';
import { compileRouteMap } from '../policy/index.js';
import type { CompiledRouteMap, EngineRole, RouteMapDefinition } from '../policy/index.js';
import type { RouteMapDirection, RouteMapEvaluation } from '../rib/index.js';
import type {
  AdvertisedRoute,
  RoutingPreference,
  InternalLinkPeer,
  InjectedRouteSink,
  InstanceId,
  LearnedRoute,
  PeerOutput,
  VirtualNetworkView,
} from '../rib/index.js';

interface RouteServerInstanceOptions {
  readonly instance: InstanceId;
  /** the instance's address: listener, source of sessions, BGP Identifier, NEXT_HOP of the VNet routes */
  readonly address: string;
  /** default 65515 */
  readonly asn?: number;
  /** default 179 */
  readonly port?: number;
  readonly network: VirtualNetworkView;
  readonly sink: InjectedRouteSink;
  /** routes per peer (docs/azure-behaviour.md §2.3), default 4,000 */
  readonly routeLimit?: number;
  /** journal bytes a peer may fall behind before Cease / Out of Resources (src/rib/session-close.ts) */
  readonly outputLagLimit?: number;
  readonly branchToBranch?: boolean;
  readonly hubRoutingPreference?: RoutingPreference;
  /** a gateway's speaker (src/policy/gateway-rules.ts); default the route server */
  readonly role?: EngineRole;
  /** a gateway's speaker: its GatewaySubnet address (NEXT_HOP toward the route server) */
  readonly internalNextHop?: string;
  readonly socketOptions?: SocketOptions;
  /** BMP export to collectors (src/bmp, docs/bmp.md) */
  readonly bmp?: InstanceBmpOptions;
  /** BFD destination ports (3784 and 4784 by default; tests on loopback use others) */
  readonly bfdPorts?: { readonly singleHop: number; readonly multihop: number };
}

/** How an internal link's end reaches the other end, through the link's owner. */
export interface InternalLinkTransport {
  /** the generation tags: src/rib/internal-link.ts */
  readonly send: (messages: Buffer[], generation: number) => void;
  readonly acknowledge: (bytes: number, generation: number) => void;
  readonly reset: () => void;
}

/** The BMP exporter's options that the instance does not fill in itself. */
export type InstanceBmpOptions = Omit<BmpExporterOptions, 'routerAddress' | 'tables' | 'session'>;

/** A peer of the instance: the session's options, and how long stale routes wait for End-of-RIB. */
export interface InstancePeerOptions extends PeerOptions {
  /** graceful restart: stale routes left this long after the session is back are swept (default 360 s) */
  readonly stalePathTimeSeconds?: number;
}

/** FRR's and BIRD's default stale-path time (docs/graceful-restart.md). */
const DEFAULT_STALE_PATH_TIME_SECONDS = 360;

/** The families stale routes are kept and swept by: IPv4 and IPv6 unicast. */
const UNICAST_FAMILIES = [
  { afi: Afi.Ipv4, family: 4 },
  { afi: Afi.Ipv6, family: 6 },
] as const;

/** What one peer sent since the instance started (metrics: counters, never reset while it runs). */
export interface PeerMessageCounts {
  /** UPDATE messages */
  updates: number;
  /** prefixes announced (NLRI and MP_REACH_NLRI), duplicates included */
  announced: number;
  /** prefixes withdrawn (Withdrawn Routes and MP_UNREACH_NLRI) */
  withdrawn: number;
}

function nlriCount(list: NlriList | undefined): number {
  return list === undefined ? 0 : list.keys.length + list.prefixes.length;
}

export class RouteServerInstance {
  readonly engine: RouteEngine;
  private speakerRef: BgpSpeaker | undefined;
  /** BMP export, when collectors are configured */
  bmp: BmpExporter | undefined;
  private readonly drainCallbacks = new Map<string, (() => void)[]>();
  /** internal links (src/rib/internal-link.ts), by link id: both sides of this end */
  private readonly links = new Map<
    string,
    { sender: InternalLinkSender; receiver: InternalLinkReceiver; reset: () => void }
  >();
  private readonly counts = new Map<string, PeerMessageCounts>();
  /** graceful restart negotiated on each Established session, by peer */
  private readonly gracefulRestart = new Map<string, NegotiatedGracefulRestart>();
  /** per-peer stale-path time (graceful restart) */
  private readonly stalePathTimes = new Map<string, number>();
  /** BFD sessions on the instance's address, opened with the first peer that has BFD */
  private bfdEndpoint: BfdEndpoint | undefined;

  private constructor(readonly options: RouteServerInstanceOptions) {
    this.engine = new RouteEngine({
      instance: options.instance,
      localAddress: options.address,
      ...(options.asn !== undefined ? { localAsn: options.asn } : {}),
      ...(options.routeLimit !== undefined ? { routeLimit: options.routeLimit } : {}),
      ...(options.outputLagLimit !== undefined ? { outputLagLimit: options.outputLagLimit } : {}),
      ...(options.branchToBranch !== undefined ? { branchToBranch: options.branchToBranch } : {}),
      ...(options.hubRoutingPreference !== undefined
        ? { hubRoutingPreference: options.hubRoutingPreference }
        : {}),
      ...(options.role !== undefined ? { role: options.role } : {}),
      ...(options.internalNextHop !== undefined ? { internalNextHop: options.internalNextHop } : {}),
      network: options.network,
      sink: options.sink,
    });
    this.engine.onSessionCloseRequested((request) => {
      // an internal link fell too far behind: its owner resets it at both ends
      const link = this.links.get(request.peer);
      if (link !== undefined) link.reset();
      else this.speakerRef?.peer(request.peer)?.resetWith(request.notification);
    });
    this.engine.onReadResumed((peer) => this.speakerRef?.peer(peer)?.resumeReading());
  }

  /** Starts the speaker on the instance's address; resolves once it listens. */
  static async start(options: RouteServerInstanceOptions): Promise<RouteServerInstance> {
    const instance = new RouteServerInstance(options);
    instance.speakerRef = await BgpSpeaker.start({
      localAddress: options.address,
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.asn !== undefined ? { localAs: options.asn } : {}),
      ...(options.socketOptions ? { socketOptions: options.socketOptions } : {}),
      listener: {
        onEvent: (event) => instance.onSessionEvent(event),
        onRouteRefreshRequest: (peer) => instance.engine.routeRefreshRequested(peer),
      },
    });
    if (options.bmp !== undefined)
      instance.bmp = new BmpExporter({
        ...options.bmp,
        routerAddress: options.address,
        tables: instance.engine,
        session: (peer) => instance.speakerRef?.peer(peer),
      });
    return instance;
  }

  get speaker(): BgpSpeaker {
    if (!this.speakerRef) throw new Error('instance not started');
    return this.speakerRef;
  }

  addPeer(peer: InstancePeerOptions): void {
    const { stalePathTimeSeconds, ...options } = peer;
    this.setStalePathTime(peer.address, stalePathTimeSeconds);
    this.speaker.addPeer(options);
  }

  /** New session options (a live session is reset); see `BgpSpeaker.updatePeer`. */
  updatePeer(peer: InstancePeerOptions): void {
    const { stalePathTimeSeconds, ...options } = peer;
    this.setStalePathTime(peer.address, stalePathTimeSeconds);
    this.speaker.updatePeer(options);
  }

  private setStalePathTime(address: string, seconds: number | undefined): void {
    if (seconds === undefined) this.stalePathTimes.delete(address);
    else this.stalePathTimes.set(address, seconds);
  }

  /**
   * The peer's route maps (docs/route-maps.md), applied live: no session
   * reset (src/rib/route-map-in.ts, src/rib/route-map-out.ts).
   */
  setRouteMaps(
    address: string,
    maps: { inbound?: RouteMapDefinition; outbound?: RouteMapDefinition } = {},
  ): void {
    const inbound = maps.inbound && compiled(maps.inbound);
    const outbound = maps.outbound && compiled(maps.outbound);
    this.engine.setPeerRouteMaps(address, {
      ...(inbound ? { inbound } : {}),
      ...(outbound ? { outbound } : {}),
    });
  }

  /** Dry run of a route map on the peer's routes; undefined when its session is not up. */
  evaluateRouteMap(
    address: string,
    map: RouteMapDefinition,
    direction: RouteMapDirection,
  ): Promise<RouteMapEvaluation | undefined> {
    return this.engine.evaluateRouteMap(address, compiled(map), direction);
  }

  removePeer(address: string, communication?: string): void {
    this.engine.setPeerRouteMaps(address, {});
    this.stalePathTimes.delete(address);
    this.gracefulRestart.delete(address);
    void this.bfdEndpoint?.remove(address);
    this.speaker.removePeer(address, communication);
    this.engine.peerDown(address);
  }

  /**
   * Starts, changes or (with `undefined`) ends BFD with a peer. Ending it
   * sends AdminDown, which the peer must not take for a failure (RFC 5882 §3.2).
   */
  async configureBfd(address: string, settings: BfdSettings | undefined): Promise<void> {
    if (settings === undefined) return this.bfdEndpoint?.remove(address);
    this.bfdEndpoint ??= new BfdEndpoint({
      localAddress: this.options.address,
      onStateChange: (event) => this.onBfdStateChange(event),
      ...(this.options.bfdPorts !== undefined ? { ports: this.options.bfdPorts } : {}),
    });
    await this.bfdEndpoint.configure({
      peerAddress: address,
      multihop: settings.multihop,
      timers: bfdTimers(settings),
    });
  }

  /** The BFD session's state with a peer; undefined without BFD. */
  bfdState(address: string): string | undefined {
    return this.bfdEndpoint?.state(address);
  }

  /**
   * A BFD session that leaves Up for Down tears the BGP session at once
   * (RFC 5882 §4.3) with Cease / BFD Down (RFC 9384): leaving Established
   * withdraws the peer's routes (engine.peerDown) in the same turn. The
   * session layer restarts the session after its IdleHold back-off; whether
   * BGP waits for BFD to come back is up to the peer (as FRR's and BIRD's
   * default). A Down signalled by the peer's AdminDown is not a failure
   * (RFC 5882 §3.2) and leaves BGP alone.
   */
  private onBfdStateChange(event: BfdEvent): void {
    if (event.from !== 'Up' || event.to !== 'Down' || event.remoteState === 'AdminDown') return;
    this.speakerRef?.peer(event.peer)?.resetWith(ceaseNotification(CeaseSubcode.BfdDown));
  }

  /** Route-server settings that change live: the per-peer route limit, branch-to-branch, hub routing preference. */
  updateSettings(settings: {
    routeLimit?: number;
    branchToBranch?: boolean;
    hubRoutingPreference?: RoutingPreference;
  }): void {
    if (settings.routeLimit !== undefined) this.engine.setRouteLimit(settings.routeLimit);
    if (settings.branchToBranch !== undefined) this.engine.setBranchToBranch(settings.branchToBranch);
    if (settings.hubRoutingPreference !== undefined)
      this.engine.setHubRoutingPreference(settings.hubRoutingPreference);
  }

  /**
   * Brings an internal link up (again: the other end re-sends its table):
   * what the engine sends the link goes to `transport.send`, the bytes its
   * engine took from the other end are acknowledged through
   * `transport.acknowledge`, and `transport.reset` asks the owner to reset
   * the link when the other end fell too far behind (src/rib/internal-link.ts).
   */
  linkUp(linkId: string, peer: InternalLinkPeer, transport: InternalLinkTransport, generation: number): void {
    this.links.get(linkId)?.receiver.close();
    const sender = new InternalLinkSender(transport.send, undefined, generation);
    this.engine.peerUp(linkId, internalPeerInfo(peer), sender);
    const receiver = new InternalLinkReceiver(this.engine, linkId, transport.acknowledge, generation);
    this.links.set(linkId, { sender, receiver, reset: transport.reset });
  }

  linkDown(linkId: string): void {
    this.links.get(linkId)?.receiver.close();
    this.links.delete(linkId);
    this.engine.peerDown(linkId);
  }

  /** UPDATEs from the other end of a link that is up here; ignored otherwise, or when of another generation. */
  linkReceive(linkId: string, messages: readonly Uint8Array[], generation: number): void {
    this.links.get(linkId)?.receiver.receive(messages, generation);
  }

  /** The other end's engine took `bytes` of what this end sent on the link (in `generation`). */
  linkAcknowledged(linkId: string, bytes: number, generation: number): void {
    this.links.get(linkId)?.sender.acknowledge(bytes, generation);
  }

  /**
   * Asks every Established peer for its routes again (docs/azure-behaviour.md §2.2:
   * on a new VNet peering); a peer without route refresh gets a hard reset
   * (the session layer's `requestRouteRefresh`). Our own re-advertisement
   * follows the address-space change by itself.
   */
  refreshPeers(): void {
    for (const session of this.speaker.peers()) {
      if (session.state === 'Established') session.requestRouteRefresh(Afi.Ipv4, Safi.Unicast);
    }
  }

  /** What `peer` sent since this instance started (zeros before its first UPDATE). */
  messageCounts(peer: string): Readonly<PeerMessageCounts> {
    return this.counts.get(peer) ?? { updates: 0, announced: 0, withdrawn: 0 };
  }

  learnedRoutes(peer: string): LearnedRoute[] {
    return this.engine.learnedRoutes(peer);
  }

  advertisedRoutes(peer: string): AdvertisedRoute[] {
    return this.engine.advertisedRoutes(peer);
  }

  /**
   * Closes every session (Cease / Administrative Shutdown) and stops
   * listening. `restarting` (the daemon stops, and starts again): sessions
   * that negotiated graceful restart close without a NOTIFICATION, so their
   * peers keep our routes while we are away (RFC 4724 §4).
   */
  async stop(communication?: string, options: { restarting?: boolean } = {}): Promise<void> {
    await this.bfdEndpoint?.close();
    await this.speakerRef?.stop(communication, options);
    await this.bmp?.close();
    this.engine.dispose();
  }

  private onSessionEvent(event: SessionEvent): void {
    this.routeEvent(event);
    this.bmp?.sessionEvent(event);
  }

  private routeEvent(event: SessionEvent): void {
    switch (event.type) {
      case 'state':
        if (event.to === 'Established' && event.negotiated) this.peerUp(event.peer, event.negotiated);
        else if (event.from === 'Established') this.peerDown(event.peer, event.reason);
        return;
      case 'end-of-rib': {
        // RFC 4724 §4.2: the peer's End-of-RIB ends the family's stale routes it did not send again
        const family = UNICAST_FAMILIES.find((f) => f.afi === event.afi);
        if (family !== undefined && event.safi === Safi.Unicast)
          this.engine.sweepStale(event.peer, family.family);
        return;
      }
      case 'update':
        this.count(event.peer, event.update);
        if (!this.engine.receiveUpdate(event.peer, event.update))
          this.speakerRef?.peer(event.peer)?.pauseReading();
        return;
      case 'drain': {
        const callbacks = this.drainCallbacks.get(event.peer) ?? [];
        this.drainCallbacks.delete(event.peer);
        for (const callback of callbacks) callback();
        return;
      }
      default:
        return;
    }
  }

  private count(peer: string, update: UpdateMessage): void {
    let counts = this.counts.get(peer);
    if (counts === undefined) this.counts.set(peer, (counts = { updates: 0, announced: 0, withdrawn: 0 }));
    counts.updates++;
    counts.announced += update.nlri.length + nlriCount(update.attributes.mpReach?.nlri);
    counts.withdrawn += update.withdrawn.length + nlriCount(update.attributes.mpUnreach?.withdrawn);
  }

  /**
   * RFC 4724 §4.2: the routes stay, stale, for the peer's Restart Time when
   * the session negotiated graceful restart and ended without a NOTIFICATION
   * (sent or received: then the reason is another one). Families the peer's
   * capability did not list go at once. We do not implement RFC 8538 (a
   * NOTIFICATION always ends graceful restart), and we do not advertise its N bit.
   */
  private peerDown(peer: string, reason: FsmReason | undefined): void {
    const gr = this.gracefulRestart.get(peer);
    this.gracefulRestart.delete(peer);
    if (gr === undefined || reason?.code !== FsmReasonCode.TcpFailed || gr.peerRestartTimeSeconds === 0) {
      this.engine.peerDown(peer);
      return;
    }
    this.engine.peerDown(peer, { keepStaleSeconds: gr.peerRestartTimeSeconds });
    for (const { afi, family } of UNICAST_FAMILIES)
      if (!gr.families.some((f) => f.afi === afi && f.safi === Safi.Unicast))
        this.engine.sweepStale(peer, family);
  }

  /**
   * RFC 4724 §4.2, the session is back: stale routes of a family the new
   * OPEN does not list with the Forwarding State bit go at once; the others
   * wait for the peer's End-of-RIB, at most our stale-path time.
   */
  private keepOrSweepStale(peer: string, gr: NegotiatedGracefulRestart | undefined): void {
    if (this.engine.staleRouteCount(peer) === 0) return;
    for (const { afi, family } of UNICAST_FAMILIES) {
      const kept = gr?.families.some(
        (f) => f.afi === afi && f.safi === Safi.Unicast && f.forwardingPreserved,
      );
      if (kept !== true) this.engine.sweepStale(peer, family);
    }
    this.engine.keepStale(peer, this.stalePathTimes.get(peer) ?? DEFAULT_STALE_PATH_TIME_SECONDS);
  }

  private peerUp(peer: string, negotiated: Negotiated): void {
    if (negotiated.gracefulRestart !== undefined) this.gracefulRestart.set(peer, negotiated.gracefulRestart);
    else this.gracefulRestart.delete(peer);
    this.keepOrSweepStale(peer, negotiated.gracefulRestart);
    const ipv6Unicast = negotiated.families.some((f) => familyKey(f.afi, f.safi) === IPV6_UNICAST);
    this.engine.peerUp(
      peer,
      {
        address: peer,
        asn: negotiated.peerAs,
        routerId: negotiated.peerIdentifier,
        capabilities: { context: negotiated.context, ipv6Unicast, routeRefresh: negotiated.peerRouteRefresh },
      },
      this.outputFor(peer),
    );
  }

  private outputFor(peer: string): PeerOutput {
    return {
      send: (messages) => {
        const session = this.speakerRef?.peer(peer);
        if (!session) return true;
        try {
          return session.write(messages);
        } catch (error) {
          // The session left Established; the engine hears peerDown next.
          if (error instanceof SessionError) return true;
          throw error;
        }
      },
      onDrain: (callback) => {
        const callbacks = this.drainCallbacks.get(peer);
        if (callbacks) callbacks.push(callback);
        else this.drainCallbacks.set(peer, [callback]);
      },
    };
  }
}

/** A definition the domain service checked (src/routeserver/route-maps.ts): compiling it cannot fail. */
function compiled(definition: RouteMapDefinition): CompiledRouteMap {
  const result = compileRouteMap(definition);
  if (!result.ok) throw new Error(`route map ${definition.name}: ${result.problem.message}`);
  return result.map;
}
