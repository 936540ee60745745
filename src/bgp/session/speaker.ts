/**
 * `BgpSpeaker`: the BGP speaker of one route-server instance. It listens on
 * the instance's own address (port 179 by default), refuses connections from
 * addresses that are not configured peers at the door, dials configured
 * peers itself (unless passive), and owns one `PeerSession` per peer.
 *
 * Peer policy at the door: an unknown source address is closed at once
 * (before any byte is read) and reported as a `connection-refused` event;
 * it costs nothing beyond the accepted socket. Logging and counting those
 * events (rate-limited: a flood of them is normal under a scan) is up to
 * the subscriber (src/daemon/session-log.ts, src/daemon/metrics.ts).
 */
import net from 'node:net';
import type { Server, Socket } from 'node:net';
import { parseIpv4 } from '../../lib/prefix.js';
import { systemClock } from '../../lib/clock.js';
import type { Clock } from '../../lib/clock.js';
import { CeaseSubcode } from '../codec/index.js';
import type { AfiSafi } from '../codec/index.js';
import { forbiddenPeerAsnReason, fsmConfig } from '../fsm/index.js';
import type { AddPathSetting, FsmConfig, GracefulRestartConfig } from '../fsm/index.js';
import { TimerStats } from './attempt.js';
import { DEFAULT_HIGH_WATER_MARK, normaliseAddress } from './connection.js';
import { SessionError } from './errors.js';
import type { RefusalCode } from './errors.js';
import { publish } from './events.js';
import type { SessionEvent, SpeakerListener } from './events.js';
import { PeerSession } from './peer-session.js';
import { kernelSocketOptions } from './socket-options.js';
import { md5KeyProblem, tcpMd5Availability } from './tcp-md5.js';
import type { TcpMd5Availability } from './tcp-md5.js';
import type { PeerTransport, SessionHost, SocketOptions } from './peer-session.js';

export const AZURE_ROUTE_SERVER_ASN = 65515;
export const BGP_PORT = 179;
/** TTL for eBGP multihop peers when a SocketOptions can set it (the default). */
export const DEFAULT_MULTIHOP_TTL = 255;

export interface SpeakerOptions {
  /** the instance's address; the listener binds it and outbound sessions are sourced from it */
  localAddress: string;
  /** listening port; 179 by default, 0 for an ephemeral one (tests) */
  port?: number;
  /** do not listen at all (outbound only) */
  listen?: boolean;
  localAs?: number;
  /** BGP Identifier in dotted-quad form; the local address by default (IPv4) */
  routerId?: string;
  listener?: SpeakerListener;
  clock?: Clock;
  /** for timer jitter; Math.random by default */
  random?: () => number;
  /** per-peer write queue high-water mark in bytes (1 MiB by default) */
  highWaterMarkBytes?: number;
  /** sets IP TTL on sockets; by default through the kernel (socket-options.ts) */
  socketOptions?: SocketOptions;
  /** receives every FSM event as a JSON line (record and replay) */
  recorder?: (peer: string, line: string) => void;
  /**
   * Accept peer ASNs Azure Route Server refuses (65515, 23456, …): only for
   * test clients that play an NVA peering with a route server.
   */
  allowReservedPeerAsns?: boolean;
  /** TCP-MD5 through the kernel by default (tcp-md5.ts); tests give an unavailable one */
  tcpMd5?: TcpMd5Availability;
}

export interface PeerOptions {
  address: string;
  asn: number;
  /** the peer's TCP port (179 unless testing) */
  port?: number;
  /** only accept the peer's connection, never dial (RFC 4271 §8.1.1 PassiveTcpEstablishment) */
  passive?: boolean;
  holdTimeSeconds?: number;
  keepaliveSeconds?: number;
  connectRetryTimeSeconds?: number;
  delayOpenTimeSeconds?: number;
  idleHoldTimeSeconds?: number;
  /** eBGP multihop TTL (default 255), set on the session socket */
  multihopTtl?: number;
  families?: AfiSafi[];
  addPath?: AddPathSetting[];
  /** start the session at once (default true) */
  enabled?: boolean;
  /** RFC 4724 graceful restart (docs/graceful-restart.md); absent: no capability */
  gracefulRestart?: GracefulRestartConfig;
  /**
   * RFC 2385 TCP-MD5 key (1-80 bytes of UTF-8): the session's segments are
   * signed and the kernel drops the peer's unsigned or wrongly signed ones
   * (docs/tcp-md5.md)
   */
  md5Key?: string;
}

export class BgpSpeaker {
  readonly localAddress: string;
  readonly localAs: number;
  readonly routerId: number;
  readonly timerStats = new TimerStats();
  private readonly sessions = new Map<string, PeerSession>();
  private readonly host: SessionHost;
  private server: Server | undefined;
  private boundPort = 0;
  private stopped = false;
  private readonly tcpMd5: TcpMd5Availability;
  /** peer address → the TCP-MD5 key installed on the listening socket */
  private readonly listenerKeys = new Map<string, string>();

  private constructor(private readonly options: SpeakerOptions) {
    this.localAddress = options.localAddress;
    this.localAs = options.localAs ?? AZURE_ROUTE_SERVER_ASN;
    const id = parseIpv4(options.routerId ?? options.localAddress);
    if (id === undefined || id === 0) {
      throw new SessionError('BGPRS_ERR_SESSION_BAD_CONFIG', 'routerId must be a non-zero IPv4 address');
    }
    this.routerId = id;
    const listener = options.listener;
    this.tcpMd5 = options.tcpMd5 ?? tcpMd5Availability();
    this.host = {
      localAddress: options.localAddress,
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
      timerStats: this.timerStats,
      listener,
      highWaterMark: options.highWaterMarkBytes ?? DEFAULT_HIGH_WATER_MARK,
      socketOptions: options.socketOptions ?? kernelSocketOptions(),
      tcpMd5: this.tcpMd5.available ? this.tcpMd5.tcpMd5 : undefined,
      recorder: options.recorder,
      publish: (event: SessionEvent) => publish(listener, event),
    };
  }

  /** Creates a speaker and binds its listener (unless `listen: false`). */
  static async start(options: SpeakerOptions): Promise<BgpSpeaker> {
    const speaker = new BgpSpeaker(options);
    if (options.listen !== false) await speaker.listen(options.port ?? BGP_PORT);
    return speaker;
  }

  /** The port the listener is bound to (0 when not listening). */
  get port(): number {
    return this.boundPort;
  }

  private listen(port: number): Promise<void> {
    const server = net.createServer((socket) => this.onConnection(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.localAddress, port, exclusive: true }, () => {
        server.removeListener('error', reject);
        const address = server.address();
        this.boundPort = typeof address === 'object' && address ? address.port : port;
        resolve();
      });
    });
  }

  /**
   * The source address is read first, once: Node reads it lazily
   * (getpeername) and forgets nothing it has read. A connection reset while
   * it waited in the accept queue has no address left to read: libuv
   * accepts without asking for one and Linux's getpeername answers ENOTCONN
   * for a closed socket. Such a connection is reported as reset before
   * accept, not as an unknown peer.
   */
  private onConnection(socket: Socket): void {
    const remoteAddress = socket.remoteAddress;
    const remotePort = socket.remotePort;
    const remote = remoteAddress === undefined ? undefined : normaliseAddress(remoteAddress);
    const refusal = this.refusalFor(remote, socket);
    if (!refusal) return;
    socket.on('error', () => undefined);
    socket.destroy();
    this.host.publish({
      type: 'connection-refused',
      localAddress: this.localAddress,
      ...(remote === undefined ? {} : { remoteAddress: remote }),
      ...(remotePort === undefined ? {} : { remotePort }),
      code: refusal,
    });
  }

  /** Hands the socket to the peer's session, or says why not. */
  private refusalFor(remote: string | undefined, socket: Socket): RefusalCode | undefined {
    if (this.stopped) return 'BGPRS_ERR_SESSION_REFUSED_PEER_STOPPED';
    if (remote === undefined) return 'BGPRS_ERR_SESSION_REFUSED_RESET_BEFORE_ACCEPT';
    const session = this.sessions.get(remote);
    return session ? session.accept(socket) : 'BGPRS_ERR_SESSION_REFUSED_UNKNOWN_PEER';
  }

  private configFor(peer: PeerOptions): { transport: PeerTransport; config: FsmConfig } {
    const reason = this.options.allowReservedPeerAsns
      ? undefined
      : forbiddenPeerAsnReason(peer.asn, this.localAs);
    if (reason) throw new SessionError('BGPRS_ERR_SESSION_FORBIDDEN_PEER_ASN', reason);
    const keyProblem = peer.md5Key === undefined ? undefined : md5KeyProblem(peer.md5Key);
    if (keyProblem !== undefined) throw new SessionError('BGPRS_ERR_SESSION_BAD_CONFIG', keyProblem);
    const optional = <K extends keyof PeerOptions>(key: K) =>
      peer[key] !== undefined ? { [key]: peer[key] } : {};
    try {
      const config = fsmConfig({
        localAs: this.localAs,
        localIdentifier: this.routerId,
        peerAs: peer.asn,
        passive: peer.passive ?? false,
        ...optional('holdTimeSeconds'),
        ...optional('keepaliveSeconds'),
        ...optional('connectRetryTimeSeconds'),
        ...optional('delayOpenTimeSeconds'),
        ...optional('idleHoldTimeSeconds'),
        ...optional('families'),
        ...optional('addPath'),
        ...optional('gracefulRestart'),
      });
      const transport = {
        address: peer.address,
        port: peer.port ?? BGP_PORT,
        ttl: peer.multihopTtl ?? DEFAULT_MULTIHOP_TTL,
        ...(peer.md5Key === undefined ? {} : { md5Key: Buffer.from(peer.md5Key, 'utf8') }),
      };
      return { transport, config };
    } catch (error) {
      throw new SessionError('BGPRS_ERR_SESSION_BAD_CONFIG', (error as Error).message);
    }
  }

  /** Adds a peer and (unless `enabled: false`) starts its session. */
  addPeer(peer: PeerOptions): PeerSession {
    if (this.stopped) throw new SessionError('BGPRS_ERR_SESSION_STOPPED', 'speaker is stopped');
    if (this.sessions.has(peer.address)) {
      throw new SessionError('BGPRS_ERR_SESSION_DUPLICATE_PEER', `peer ${peer.address} exists`);
    }
    const { transport, config } = this.configFor(peer);
    const session = new PeerSession(this.host, transport, config);
    this.sessions.set(peer.address, session);
    const signed = this.installKey(peer.address, peer.md5Key);
    if (peer.enabled !== false && signed) session.start();
    return session;
  }

  /**
   * Puts the peer's TCP-MD5 key on the listening socket (accepted
   * connections inherit it), or removes a key it no longer has. When the
   * key cannot be installed (no addon, the kernel refuses) the session must
   * not run unsigned: it stays Idle and a `tcp-md5-failed` event says why.
   */
  private installKey(address: string, key: string | undefined): boolean {
    const installed = this.listenerKeys.get(address);
    if (installed === key) return true;
    const server = this.server;
    try {
      if (key !== undefined && !this.tcpMd5.available) throw new Error(this.tcpMd5.reason);
      if (server !== undefined && this.tcpMd5.available) {
        this.tcpMd5.tcpMd5.setListenerKey(server, address, Buffer.from(key ?? '', 'utf8'));
      }
      if (key === undefined) this.listenerKeys.delete(address);
      else this.listenerKeys.set(address, key);
      return true;
    } catch (error) {
      this.host.publish({
        type: 'tcp-md5-failed',
        localAddress: this.localAddress,
        peer: address,
        message: (error as Error).message,
      });
      return false;
    }
  }

  /** Changes a peer's configuration; a live session is reset (Cease / Other Configuration Change). */
  updatePeer(peer: PeerOptions): PeerSession {
    const session = this.requirePeer(peer.address);
    const { transport, config } = this.configFor(peer);
    session.reconfigure(transport, config);
    const signed = this.installKey(peer.address, peer.md5Key);
    if (peer.enabled === false || !signed) session.stop();
    else if (session.state === 'Idle') session.start();
    return session;
  }

  /** Removes a peer: Cease / Peer De-configured (RFC 4486), then forgets it. */
  removePeer(address: string, communication?: string): void {
    const session = this.requirePeer(address);
    session.dispose(CeaseSubcode.PeerDeconfigured, communication);
    this.sessions.delete(address);
    this.installKey(address, undefined);
  }

  peer(address: string): PeerSession | undefined {
    return this.sessions.get(address);
  }

  peers(): PeerSession[] {
    return [...this.sessions.values()];
  }

  private requirePeer(address: string): PeerSession {
    const session = this.sessions.get(address);
    if (!session) throw new SessionError('BGPRS_ERR_SESSION_UNKNOWN_PEER', `no peer ${address}`);
    return session;
  }

  /**
   * Stops the instance: every session gets Cease / Administrative Shutdown
   * (with the RFC 9003 communication), then the listener closes. With
   * `restarting`, a session that negotiated graceful restart is closed
   * without a NOTIFICATION instead, so the peer keeps our routes for our
   * Restart Time while we restart (RFC 4724 §4.2; a NOTIFICATION would end
   * that, RFC 4724 §4).
   */
  async stop(communication?: string, options: { restarting?: boolean } = {}): Promise<void> {
    this.stopped = true;
    for (const session of this.sessions.values()) {
      if (options.restarting === true && session.negotiated?.gracefulRestart !== undefined) session.abandon();
      else session.dispose(CeaseSubcode.AdministrativeShutdown, communication);
    }
    this.sessions.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
