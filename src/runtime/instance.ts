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
import type { Negotiated } from '../bgp/fsm/index.js';
import { InternalLinkReceiver, InternalLinkSender, internalPeerInfo, RouteEngine } from '../rib/index.js';
import type { EngineRole } from '../policy/index.js';
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
  readonly send: (messages: Buffer[]) => void;
  readonly acknowledge: (bytes: number) => void;
  readonly reset: () => void;
}

/** The BMP exporter's options that the instance does not fill in itself. */
export type InstanceBmpOptions = Omit<BmpExporterOptions, 'routerAddress' | 'tables' | 'session'>;

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

  addPeer(peer: PeerOptions): void {
    this.speaker.addPeer(peer);
  }

  removePeer(address: string, communication?: string): void {
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
  linkUp(linkId: string, peer: InternalLinkPeer, transport: InternalLinkTransport): void {
    this.links.get(linkId)?.receiver.close();
    const sender = new InternalLinkSender(transport.send);
    this.engine.peerUp(linkId, internalPeerInfo(peer), sender);
    const receiver = new InternalLinkReceiver(this.engine, linkId, transport.acknowledge);
    this.links.set(linkId, { sender, receiver, reset: transport.reset });
  }

  linkDown(linkId: string): void {
    this.links.get(linkId)?.receiver.close();
    this.links.delete(linkId);
    this.engine.peerDown(linkId);
  }

  /** UPDATEs from the other end of a link that is up here; ignored otherwise. */
  linkReceive(linkId: string, messages: readonly Uint8Array[]): void {
    this.links.get(linkId)?.receiver.receive(messages);
  }

  /** The other end's engine took `bytes` of what this end sent on the link. */
  linkAcknowledged(linkId: string, bytes: number): void {
    this.links.get(linkId)?.sender.acknowledge(bytes);
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

  /** Closes every session (Cease / Administrative Shutdown) and stops listening. */
  async stop(communication?: string): Promise<void> {
    await this.bfdEndpoint?.close();
    await this.speakerRef?.stop(communication);
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
        else if (event.from === 'Established') this.engine.peerDown(event.peer);
        return;
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

  private peerUp(peer: string, negotiated: Negotiated): void {
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
