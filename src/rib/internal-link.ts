/**
 * Internal links (docs/gateways.md, "Branch-to-branch"): the route server's
 * engine and a gateway speaker's engine exchange routes as over an iBGP
 * session (docs/azure-behaviour.md §4.1: the route server and the gateways
 * are always peered internally), with the same UPDATEs, update groups and
 * End-of-RIB, carried as bytes by their owner instead of TCP: one end's
 * `InternalLinkSender` (the engine's `PeerOutput` for the link) gives the
 * bytes to the owner, the owner gives them to `InternalLinkReceiver.receive`
 * at the other end. No OPEN or KEEPALIVE: the link is up while its owner says
 * so (`RouteEngine.peerUp`/`peerDown`).
 *
 * Flow control, as TCP's window and a session's read pause do it for a
 * session (docs/gateways.md, "Flow control on the links"):
 * - the receiver hands UPDATEs to its engine until the engine's backlog for
 *   the link is at its mark (`receiveUpdate` false), keeps the rest, and
 *   goes on when the engine has worked the backlog down (`onReadResumed`);
 *   it acknowledges the bytes its engine has taken, and the owner carries
 *   the acknowledgement back;
 * - the sender counts the bytes sent and not yet acknowledged; from
 *   `windowBytes` on its `send` answers false, so the engine stops writing
 *   to the link (the UPDATEs wait in its update group's journal) until the
 *   acknowledgements bring the count to half the window (`onDrain`).
 * What a slow engine costs the other end is therefore bounded: the window,
 * the receiving engine's input mark, and the journal behind the link, which
 * the sending engine bounds by `outputLagLimit` (src/rib/session-close.ts):
 * past it the engine asks for the link to be closed, and its owner resets
 * the link (both ends down, then up: each sends its whole table again).
 *
 * Generations: each time its owner brings a link up (again) it gives both
 * ends a new generation number; the sender tags what it transmits and the
 * receiver what it acknowledges with its generation, and each end drops what
 * carries another: bytes or an acknowledgement of an earlier incarnation of
 * the link, still on their way when it was reset, would otherwise reach the
 * new one (stale UPDATEs in the fresh Adj-RIB-In, a window counted wrong).
 *
 * Both ends encode with 4-octet AS numbers (RFC 6793) and IPv4 unicast only.
 */
import { BASE_CONTEXT, decode, MessageFramer } from '../bgp/codec/index.js';
import type { CodecContext, UpdateMessage } from '../bgp/codec/index.js';
import { parseIpv4 } from '../lib/prefix.js';
import type { VnetGatewayType } from '../policy/index.js';
import { RIB_ERROR_CODES, RibError } from './errors.js';
import type { RouteEngine } from './engine.js';
import type { PeerId, PeerInfo } from './peer.js';
import type { PeerOutput } from './ports.js';

/** The encoding both ends of an internal link use. */
const INTERNAL_LINK_CONTEXT: CodecContext = { ...BASE_CONTEXT, fourOctetAs: true };

/** The other end of the link as an engine sees it. */
export interface InternalLinkPeer {
  readonly address: string;
  readonly asn: number;
  readonly kind: 'gateway' | 'route-server';
  readonly gateway?: { readonly id: string; readonly type: VnetGatewayType };
}

/** The engine's view of the other end: its address is also its BGP Identifier. */
export function internalPeerInfo(peer: InternalLinkPeer): PeerInfo {
  const routerId = parseIpv4(peer.address);
  if (routerId === undefined)
    throw new RibError(RIB_ERROR_CODES.INVALID_PEER, `internal link address ${peer.address} is not IPv4`);
  return {
    address: peer.address,
    asn: peer.asn,
    routerId: routerId >>> 0,
    capabilities: { context: INTERNAL_LINK_CONTEXT, ipv6Unicast: false },
    kind: peer.kind,
    ...(peer.gateway !== undefined ? { gateway: peer.gateway } : {}),
  };
}

/** Bytes a link's sender may have sent and not had acknowledged: 1 MiB (some 10,000 IPv4 prefixes of distinct attribute sets). */
const INTERNAL_LINK_WINDOW_BYTES = 1024 * 1024;

/** The sending end: the engine's output toward the link, with a window of unacknowledged bytes. */
export class InternalLinkSender implements PeerOutput {
  private unacknowledged = 0;
  private drainCallbacks: (() => void)[] = [];

  constructor(
    /** hands the messages to the owner, tagged with this end's generation */
    private readonly transmit: (messages: Buffer[], generation: number) => void,
    readonly windowBytes: number = INTERNAL_LINK_WINDOW_BYTES,
    /** this incarnation of the link (its owner's number) */
    readonly generation = 0,
  ) {
    if (!(windowBytes >= 1))
      throw new RibError(RIB_ERROR_CODES.INVALID_OPTION, 'an internal link window must be positive');
  }

  /** Bytes sent that the other end's engine has not taken yet. */
  get bytesInFlight(): number {
    return this.unacknowledged;
  }

  /** Transmits the messages; false from the window on (they are transmitted all the same). */
  send(messages: Buffer[]): boolean {
    for (const message of messages) this.unacknowledged += message.length;
    this.transmit(messages, this.generation);
    return this.unacknowledged < this.windowBytes;
  }

  onDrain(callback: () => void): void {
    this.drainCallbacks.push(callback);
  }

  /**
   * The other end's engine took `bytes` of what generation `generation`
   * sent; at half the window the engine may write again. An acknowledgement
   * of another generation is dropped.
   */
  acknowledge(bytes: number, generation: number): void {
    if (generation !== this.generation) return;
    this.unacknowledged = Math.max(0, this.unacknowledged - bytes);
    if (this.unacknowledged > this.windowBytes >> 1 || this.drainCallbacks.length === 0) return;
    const callbacks = this.drainCallbacks;
    this.drainCallbacks = [];
    for (const callback of callbacks) callback();
  }
}

interface Received {
  readonly update: UpdateMessage | undefined;
  readonly bytes: number;
}

/**
 * The receiving end: frames the bytes the other end sent and queues its
 * UPDATEs in the engine while the engine takes them; acknowledges what it
 * took through `acknowledge`.
 */
export class InternalLinkReceiver {
  private readonly framer = new MessageFramer();
  /** messages received and not yet taken by the engine, oldest first */
  private readonly held: (Received | undefined)[] = [];
  private head = 0;
  private paused = false;
  private readonly stopListening: () => void;

  constructor(
    private readonly engine: RouteEngine,
    private readonly peer: PeerId,
    /** tells the owner what the engine took, tagged with this end's generation */
    private readonly acknowledge: (bytes: number, generation: number) => void = () => undefined,
    /** this incarnation of the link (its owner's number) */
    readonly generation = 0,
  ) {
    this.stopListening = engine.onReadResumed((resumed) => {
      if (resumed !== peer || !this.paused) return;
      this.paused = false;
      this.deliver();
    });
  }

  /** Messages received and not yet taken by the engine. */
  get heldMessages(): number {
    return this.held.length - this.head;
  }

  /** Takes what the other end sent in generation `generation`; drops what an earlier incarnation sent. */
  receive(chunks: readonly Uint8Array[], generation: number): void {
    if (generation !== this.generation) return;
    for (const chunk of chunks) {
      const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (const message of this.framer.push(bytes)) {
        const decoded = decode(message, INTERNAL_LINK_CONTEXT);
        this.held.push({ update: decoded.type === 'update' ? decoded : undefined, bytes: message.length });
      }
    }
    this.deliver();
  }

  /** The link went down: stop following the engine. */
  close(): void {
    this.stopListening();
    this.held.length = 0;
    this.head = 0;
  }

  /** Hands held UPDATEs to the engine until its backlog for the link is at its mark. */
  private deliver(): void {
    let taken = 0;
    while (!this.paused && this.head < this.held.length) {
      const { update, bytes } = this.held[this.head]!;
      this.held[this.head++] = undefined;
      taken += bytes;
      if (update !== undefined && !this.engine.receiveUpdate(this.peer, update)) this.paused = true;
    }
    if (this.head === this.held.length) {
      this.held.length = 0;
      this.head = 0;
    }
    if (taken > 0) this.acknowledge(taken, this.generation);
  }
}
