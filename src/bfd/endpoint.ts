/**
 * The BFD sessions of one local address (one route-server instance) over
 * UDP: single-hop (RFC 5881) on port 3784, multihop (RFC 5883) on port 4784.
 *
 * - Receiving: one socket per port, bound to the local address, opened with
 *   the first session that needs it. A packet is matched to its session by
 *   Your Discriminator; when that is zero, by the source address and the
 *   port it came to (RFC 5880 §6.8.6; RFC 5881 §3, RFC 5883 §3). A packet
 *   whose source is not the session's peer is discarded.
 * - Sending: each session has its own socket bound to the local address and
 *   a source port from 49152–65535, the same for the session's life
 *   (RFC 5881 §4, RFC 5883 §3), with TTL / hop limit 255 (RFC 5881 §5; for
 *   multihop RFC 5883 §2 leaves it to configuration; 255 passes every check).
 *
 * RFC says / we do: RFC 5881 §5 requires a single-hop receiver to discard
 * packets whose TTL is not 255 (GTSM, RFC 5082), and RFC 5883 §2 has a
 * multihop receiver check a configured minimum TTL. node:dgram does not
 * deliver the received TTL (no IP_RECVTTL ancillary data), so neither check
 * is made: a packet is accepted from the peer's address at any TTL. The
 * discriminators (random 32-bit values) and the source-address match are
 * what stands between a spoofed packet and the session.
 */
import dgram from 'node:dgram';
import diagnostics from 'node:diagnostics_channel';
import { systemClock } from '../lib/clock.js';
import type { Clock } from '../lib/clock.js';
import { decodeControlPacket, encodeControlPacket } from './packet.js';
import type { BfdStateName, DiscardReason } from './packet.js';
import { BfdSession } from './session.js';
import type { BfdStateChange, BfdTimers } from './session.js';

export const SINGLE_HOP_PORT = 3784;
export const MULTIHOP_PORT = 4784;
/** RFC 5881 §4: the source port range */
const SOURCE_PORT_RANGE = [49152, 65535] as const;
const BFD_TTL = 255;
export const BFD_CHANNEL = 'routeserver:bfd:session';

export interface BfdPeerConfig {
  readonly peerAddress: string;
  /** RFC 5883 on port 4784; RFC 5881 on port 3784 otherwise */
  readonly multihop: boolean;
  readonly timers: BfdTimers;
}

export interface BfdEvent extends BfdStateChange {
  readonly localAddress: string;
  readonly peer: string;
  readonly multihop: boolean;
}

interface BfdEndpointOptions {
  readonly localAddress: string;
  readonly onStateChange: (event: BfdEvent) => void;
  readonly clock?: Clock;
  readonly random?: () => number;
  /** destination ports; the RFC ports by default (tests on loopback use others) */
  readonly ports?: { readonly singleHop: number; readonly multihop: number };
}

interface Entry {
  readonly config: BfdPeerConfig;
  readonly session: BfdSession;
  readonly socket: SourceSocket;
  readonly sourcePort: number;
}

/**
 * A session's sending socket. `close` waits for the datagrams already handed
 * to it (the AdminDown sent on removal) instead of dropping them.
 */
class SourceSocket {
  private inFlight = 0;
  private closing = false;

  constructor(private readonly socket: dgram.Socket) {}

  send(bytes: Buffer, port: number, address: string): void {
    if (this.closing) return;
    this.inFlight++;
    this.socket.send(bytes, port, address, () => {
      this.inFlight--;
      if (this.closing && this.inFlight === 0) this.socket.close();
    });
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.inFlight === 0) this.socket.close();
  }
}

const channel = diagnostics.channel(BFD_CHANNEL);
const keyOf = (address: string, multihop: boolean) => `${multihop ? 'm' : 's'}|${address.toLowerCase()}`;
const socketType = (address: string): dgram.SocketType => (address.includes(':') ? 'udp6' : 'udp4');

export class BfdEndpoint {
  private readonly byPeer = new Map<string, Entry>();
  private readonly byDiscriminator = new Map<number, Entry>();
  private readonly receivers = new Map<number, Promise<dgram.Socket>>();
  private readonly discards = new Map<DiscardReason | 'no-session' | 'wrong-source', number>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private closed = false;
  /** configure and remove run one after another, so a session is never bound twice */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: BfdEndpointOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  get localAddress(): string {
    return this.options.localAddress;
  }

  /** Received packets discarded, by reason (RFC 5880 §6.8.6). */
  discarded(): ReadonlyMap<string, number> {
    return this.discards;
  }

  state(peerAddress: string): BfdStateName | undefined {
    return this.find(peerAddress)?.session.state;
  }

  sourcePort(peerAddress: string): number | undefined {
    return this.find(peerAddress)?.sourcePort;
  }

  /**
   * Starts a session with the peer, or applies new settings to the running
   * one: new timers go through a Poll Sequence; a change between single-hop
   * and multihop starts a new session.
   */
  configure(config: BfdPeerConfig): Promise<void> {
    return this.enqueue(() => this.apply(config));
  }

  /** Sends AdminDown to the peer (RFC 5880 §6.8.16) and drops its session. */
  remove(peerAddress: string): Promise<void> {
    return this.enqueue(async () => this.drop(peerAddress));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    for (const entry of [...this.byPeer.values()]) this.drop(entry.config.peerAddress);
    const receivers = await Promise.allSettled(this.receivers.values());
    this.receivers.clear();
    for (const result of receivers) if (result.status === 'fulfilled') result.value.close();
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async apply(config: BfdPeerConfig): Promise<void> {
    if (this.closed) return;
    const existing = this.find(config.peerAddress);
    if (existing !== undefined && existing.config.multihop === config.multihop) {
      existing.session.setTimers(config.timers);
      this.byPeer.set(keyOf(config.peerAddress, config.multihop), { ...existing, config });
      return;
    }
    if (existing !== undefined) this.drop(config.peerAddress);
    await this.receiver(config.multihop ? this.ports.multihop : this.ports.singleHop);
    const { socket, port } = await this.bindSource();
    if (this.closed) {
      socket.close();
      return;
    }
    const entry = this.createEntry(config, new SourceSocket(socket), port);
    this.byPeer.set(keyOf(config.peerAddress, config.multihop), entry);
    this.byDiscriminator.set(entry.session.localDiscriminator, entry);
    entry.session.start();
  }

  private drop(peerAddress: string): void {
    const entry = this.find(peerAddress);
    if (entry === undefined) return;
    entry.session.shutdown();
    this.byPeer.delete(keyOf(peerAddress, entry.config.multihop));
    this.byDiscriminator.delete(entry.session.localDiscriminator);
    entry.socket.close();
  }

  private get ports(): { singleHop: number; multihop: number } {
    return this.options.ports ?? { singleHop: SINGLE_HOP_PORT, multihop: MULTIHOP_PORT };
  }

  private find(peerAddress: string): Entry | undefined {
    return this.byPeer.get(keyOf(peerAddress, true)) ?? this.byPeer.get(keyOf(peerAddress, false));
  }

  private createEntry(config: BfdPeerConfig, socket: SourceSocket, sourcePort: number): Entry {
    const destination = config.multihop ? this.ports.multihop : this.ports.singleHop;
    const session = new BfdSession({
      clock: this.clock,
      random: this.random,
      localDiscriminator: this.newDiscriminator(),
      timers: config.timers,
      send: (packet) => socket.send(encodeControlPacket(packet), destination, config.peerAddress),
      onStateChange: (change) => this.publish(config, change),
      afterPendingInput: (callback) => setImmediate(callback),
    });
    return { config, session, socket, sourcePort };
  }

  private publish(config: BfdPeerConfig, change: BfdStateChange): void {
    const event: BfdEvent = {
      ...change,
      localAddress: this.localAddress,
      peer: config.peerAddress,
      multihop: config.multihop,
    };
    if (channel.hasSubscribers) channel.publish(event);
    this.options.onStateChange(event);
  }

  /** bfd.LocalDiscr: random, non-zero, unique here (RFC 5880 §6.8.1). */
  private newDiscriminator(): number {
    for (;;) {
      const value = Math.floor(this.random() * 0xffffffff) + 1;
      if (!this.byDiscriminator.has(value)) return value;
    }
  }

  private receiver(port: number): Promise<dgram.Socket> {
    let socket = this.receivers.get(port);
    if (socket === undefined) {
      socket = this.bind(port).then((bound) => {
        bound.on('message', (message, remote) => this.receive(message, remote.address, port));
        return bound;
      });
      socket.catch(() => this.receivers.delete(port));
      this.receivers.set(port, socket);
    }
    return socket;
  }

  private bind(port: number): Promise<dgram.Socket> {
    const socket = dgram.createSocket({ type: socketType(this.localAddress) });
    return new Promise((resolve, reject) => {
      socket.once('error', (error) => {
        socket.close();
        reject(error);
      });
      socket.bind({ address: this.localAddress, port, exclusive: true }, () => {
        socket.removeAllListeners('error');
        // a late socket error (ICMP unreachable on send) must not end the process
        socket.on('error', () => undefined);
        resolve(socket);
      });
    });
  }

  /** A source socket on a free port of 49152–65535, TTL 255; tries random ports, then each in turn. */
  private async bindSource(): Promise<{ socket: dgram.Socket; port: number }> {
    const [low, high] = SOURCE_PORT_RANGE;
    const span = high - low + 1;
    const start = Math.floor(this.random() * span);
    for (let i = 0; i < span; i++) {
      const port = low + ((start + i) % span);
      try {
        const socket = await this.bind(port);
        socket.setTTL(BFD_TTL);
        return { socket, port };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      }
    }
    throw new Error(`no free BFD source port on ${this.localAddress}`);
  }

  private receive(message: Buffer, source: string, port: number): void {
    const decoded = decodeControlPacket(message);
    if (!decoded.ok) return this.discard(decoded.reason);
    const { packet } = decoded;
    const multihop = port === this.ports.multihop;
    const entry =
      packet.yourDiscriminator !== 0
        ? this.byDiscriminator.get(packet.yourDiscriminator)
        : this.byPeer.get(keyOf(source, multihop));
    if (entry === undefined) return this.discard('no-session');
    if (entry.config.multihop !== multihop || !sameAddress(entry.config.peerAddress, source))
      return this.discard('wrong-source');
    entry.session.receive(packet);
  }

  private discard(reason: DiscardReason | 'no-session' | 'wrong-source'): void {
    this.discards.set(reason, (this.discards.get(reason) ?? 0) + 1);
  }
}

function sameAddress(configured: string, source: string): boolean {
  const plain = (address: string) => address.toLowerCase().replace(/^::ffff:/, '');
  return plain(configured) === plain(source);
}
