/**
 * Internal links (docs/gateways.md, "Branch-to-branch"): the route server's
 * engine and a gateway speaker's engine exchange routes as over an iBGP
 * session (docs/azure-behaviour.md §4.1: the route server and the gateways
 * are always peered internally), with the same UPDATEs, update groups and
 * End-of-RIB, carried as bytes by their owner instead of TCP: one end's
 * `PeerOutput` gives the bytes to the owner, the owner gives them to
 * `InternalLinkReceiver.receive` at the other end. No OPEN or KEEPALIVE:
 * the link is up while its owner says so (`RouteEngine.peerUp`/`peerDown`).
 *
 * Both ends encode with 4-octet AS numbers (RFC 6793) and IPv4 unicast only.
 */
import { BASE_CONTEXT, decode, MessageFramer } from '../bgp/codec/index.js';
import type { CodecContext } from '../bgp/codec/index.js';
import { parseIpv4 } from '../lib/prefix.js';
import type { VnetGatewayType } from '../policy/index.js';
import { RIB_ERROR_CODES, RibError } from './errors.js';
import type { RouteEngine } from './engine.js';
import type { PeerId, PeerInfo } from './peer.js';

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

/** The receiving end: frames the bytes the other end sent and queues its UPDATEs in the engine. */
export class InternalLinkReceiver {
  private readonly framer = new MessageFramer();

  constructor(
    private readonly engine: RouteEngine,
    private readonly peer: PeerId,
  ) {}

  receive(chunks: readonly Uint8Array[]): void {
    for (const chunk of chunks) {
      const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (const message of this.framer.push(bytes)) {
        const decoded = decode(message, INTERNAL_LINK_CONTEXT);
        // the engine never drops input; its backlog for the link is bounded by the other end's table
        if (decoded.type === 'update') this.engine.receiveUpdate(this.peer, decoded);
      }
    }
  }
}
