/**
 * The BGP session with one configured peer: runs the FSM's actions on real
 * sockets and timers, resolves connection collisions, and turns received
 * messages into FSM events and session events.
 *
 * RFCs: 4271 §6.8 (collisions), §8 (FSM); 2918 and 7313 (route refresh);
 * 4486 and 9003 (Cease subcodes, shutdown communication); 4724 §2 (End-of-RIB).
 */
import net from 'node:net';
import type { Socket } from 'node:net';
import {
  CeaseSubcode,
  ceaseNotification,
  endOfRibFamily,
  ErrorCode,
  familyKey,
  MessageType,
  notificationFor,
  OpenErrorSubcode,
} from '../codec/index.js';
import type { BgpMessage, BgpWireError, NotificationMessage } from '../codec/index.js';
import { collisionLoser, encodeEventLine, step } from '../fsm/index.js';
import type { FsmAction, FsmConfig, FsmEvent, FsmStateName, Negotiated } from '../fsm/index.js';
import { Attempt } from './attempt.js';
import type { TimerStats } from './attempt.js';
import { SessionConnection } from './connection.js';
import { SessionError } from './errors.js';
import type { RefusalCode } from './errors.js';
import type { SessionEvent, SpeakerListener } from './events.js';
import type { Clock } from '../../lib/clock.js';
import type { TcpMd5 } from './tcp-md5.js';

/** Sets IP options on a socket (TTL for eBGP multihop); see docs/bgp-session.md. */
export interface SocketOptions {
  applyTtl(socket: Socket, ttl: number): void;
}

/** What a session needs from its speaker. */
export interface SessionHost {
  readonly localAddress: string;
  readonly clock: Clock;
  readonly random: () => number;
  readonly timerStats: TimerStats;
  readonly listener: SpeakerListener | undefined;
  readonly highWaterMark: number;
  readonly socketOptions: SocketOptions | undefined;
  /** signs sessions with TCP-MD5 (tcp-md5.ts); undefined where the addon cannot load */
  readonly tcpMd5: TcpMd5 | undefined;
  /** receives the session's FSM events as JSON lines (record and replay) */
  readonly recorder: ((peer: string, line: string) => void) | undefined;
  publish(event: SessionEvent): void;
}

export interface PeerTransport {
  /** the peer's address */
  readonly address: string;
  /** TCP port we dial (179 unless testing) */
  readonly port: number;
  /** IP TTL for the session's packets (eBGP multihop), when a SocketOptions can set it */
  readonly ttl: number | undefined;
  /** the RFC 2385 key: outbound connections are signed from their SYN on (docs/tcp-md5.md) */
  readonly md5Key?: Buffer | undefined;
}

const LIVE: ReadonlySet<FsmStateName> = new Set(['OpenSent', 'OpenConfirm', 'Established']);

export class PeerSession {
  private primary: Attempt;
  private secondary: Attempt | undefined;
  private published: FsmStateName = 'Idle';
  private stopped = true;
  private disposed = false;

  constructor(
    private readonly host: SessionHost,
    private transport: PeerTransport,
    private config: FsmConfig,
  ) {
    this.primary = this.newAttempt(config);
  }

  get address(): string {
    return this.transport.address;
  }

  /** The session's state: the state of its primary connection. */
  get state(): FsmStateName {
    return this.primary.state.name;
  }

  /** What OPEN negotiation gave, while OpenConfirm or Established. */
  get negotiated(): Negotiated | undefined {
    return this.primary.state.negotiated;
  }

  get fsmConfig(): FsmConfig {
    return this.config;
  }

  /** The TCP ports of the primary connection, while it has one (BMP Peer Up, RFC 7854 §4.10). */
  get ports(): { readonly local: number; readonly remote: number } | undefined {
    const socket = this.primary.connection?.socket;
    return socket === undefined
      ? undefined
      : { local: socket.localPort ?? 0, remote: socket.remotePort ?? 0 };
  }

  /** Bytes queued for the peer. */
  get queuedBytes(): number {
    return this.primary.connection?.queuedBytes ?? 0;
  }

  /** ManualStart (RFC 4271 §8.1.2 event 1). */
  start(): void {
    if (this.disposed)
      throw new SessionError('BGPRS_ERR_SESSION_STOPPED', `peer ${this.address} was removed`);
    this.stopped = false;
    this.dispatch(this.primary, { type: 'ManualStart' });
  }

  /** ManualStop with a Cease NOTIFICATION (default Administrative Shutdown, RFC 8203 communication). */
  stop(subcode: number = CeaseSubcode.AdministrativeShutdown, communication?: string): void {
    this.stopped = true;
    const notification = ceaseNotification(subcode, communication);
    if (this.secondary) this.dispatch(this.secondary, { type: 'ManualStop_with_Cease', notification });
    this.dispatch(this.primary, { type: 'ManualStop_with_Cease', notification });
  }

  /** A hard reset: Cease (default Administrative Reset), then automatic restart. */
  reset(subcode: number = CeaseSubcode.AdministrativeReset, communication?: string): void {
    this.resetWith(ceaseNotification(subcode, communication));
  }

  /**
   * A hard reset with a NOTIFICATION built by the caller, e.g. RFC 4486 §4
   * Cease / Maximum Number of Prefixes Reached carrying AFI, SAFI and the
   * limit; then automatic restart.
   */
  resetWith(notification: NotificationMessage): void {
    this.dispatch(this.primary, { type: 'AutomaticStop_with_Cease', notification });
  }

  /**
   * Queues messages (or pre-encoded bytes) to the peer. Returns false once
   * the write queue reached its high-water mark: wait for the `drain` event.
   */
  write(messages: readonly (BgpMessage | Uint8Array)[]): boolean {
    const connection = this.primary.connection;
    if (this.primary.state.name !== 'Established' || !connection) {
      throw new SessionError(
        'BGPRS_ERR_SESSION_NOT_ESTABLISHED',
        `session with ${this.address} is ${this.state}`,
      );
    }
    return connection.write(messages);
  }

  /**
   * Stops reading the peer's messages while the consumer of its UPDATEs has
   * a backlog. Our KEEPALIVEs keep going out and the HoldTimer does not
   * expire meanwhile (the peer's KEEPALIVEs are waiting in our socket).
   */
  pauseReading(): void {
    const attempt = this.primary;
    if (!attempt.connection) return;
    attempt.holdSuspended = true;
    attempt.connection.pauseReading();
  }

  resumeReading(): void {
    const attempt = this.primary;
    attempt.holdSuspended = false;
    attempt.connection?.resumeReading();
  }

  /**
   * Asks the peer to re-send its routes (RFC 2918). A peer without the
   * capability gets a hard reset instead (Cease / Administrative Reset), as
   * Azure Route Server does.
   */
  requestRouteRefresh(afi: number, safi: number): 'sent' | 'reset' {
    const negotiated = this.negotiated;
    if (this.state !== 'Established' || !negotiated) {
      throw new SessionError(
        'BGPRS_ERR_SESSION_NOT_ESTABLISHED',
        `session with ${this.address} is ${this.state}`,
      );
    }
    if (negotiated.peerRouteRefresh) {
      this.write([{ type: 'route-refresh', afi, safi, subtype: 0 }]);
      return 'sent';
    }
    this.reset(CeaseSubcode.AdministrativeReset, 'route refresh not supported by peer: hard reset');
    return 'reset';
  }

  /** New configuration; a live session is reset with Cease / Other Configuration Change. */
  reconfigure(transport: PeerTransport, config: FsmConfig): void {
    this.transport = transport;
    this.config = config;
    this.setConfig(this.primary, config);
    if (this.primary.state.name !== 'Idle') {
      this.reset(CeaseSubcode.OtherConfigurationChange, 'configuration changed');
    }
  }

  /** Peer removed: Cease / Peer De-configured, then nothing more. */
  dispose(subcode: number = CeaseSubcode.PeerDeconfigured, communication?: string): void {
    if (this.disposed) return;
    this.stop(subcode, communication);
    this.disposed = true;
    this.primary.stopAllTimers();
    this.secondary?.stopAllTimers();
  }

  /**
   * Closes the connections without a NOTIFICATION and ends the session, as
   * a speaker that restarts does (RFC 4724 §4): a peer that negotiated
   * graceful restart keeps our routes for our Restart Time.
   */
  abandon(): void {
    if (this.disposed) return;
    this.stopped = true;
    this.disposed = true;
    for (const attempt of [this.primary, this.secondary]) {
      if (attempt === undefined) continue;
      attempt.stopAllTimers();
      this.abortDial(attempt);
      attempt.connection?.detach();
      attempt.connection?.closeAfterFlush();
      attempt.connection = undefined;
    }
  }

  /**
   * An inbound connection from this peer's address. Returns the refusal
   * code when it is not taken (the caller closes the socket).
   */
  accept(socket: Socket): RefusalCode | undefined {
    if (this.stopped || this.disposed) return 'BGPRS_ERR_SESSION_REFUSED_PEER_STOPPED';
    const p = this.primary;
    if (p.state.name === 'Idle') {
      if (!this.config.allowAutomaticStart) return 'BGPRS_ERR_SESSION_REFUSED_PEER_STOPPED';
      this.dispatch(p, { type: 'AutomaticStart_with_PassiveTcpEstablishment' });
    }
    if ((p.state.name === 'Connect' || p.state.name === 'Active') && !p.connection) {
      this.abortDial(p);
      this.attach(p, socket, 'inbound');
      this.dispatch(p, { type: 'TcpConnectionConfirmed' });
      return undefined;
    }
    if (this.secondary) return 'BGPRS_ERR_SESSION_REFUSED_TOO_MANY_CONNECTIONS';
    const second = this.newAttempt({ ...this.config, passive: true, allowAutomaticStart: false });
    this.secondary = second;
    this.attach(second, socket, 'inbound');
    this.dispatch(second, { type: 'AutomaticStart_with_PassiveTcpEstablishment' });
    this.dispatch(second, { type: 'TcpConnectionConfirmed' });
    return undefined;
  }

  // ------------------------------------------------------------ FSM driving

  private newAttempt(config: FsmConfig): Attempt {
    const attempt = new Attempt(config, this.host.clock, this.host.random, this.host.timerStats, (a, e) =>
      this.dispatch(a, e),
    );
    this.host.recorder?.(this.address, encodeEventLine({ config, attempt: attempt.id }));
    return attempt;
  }

  /** Changes an FSM's configuration and records the change for replay. */
  private setConfig(attempt: Attempt, config: FsmConfig): void {
    attempt.state = { ...attempt.state, config };
    this.host.recorder?.(this.address, encodeEventLine({ config, attempt: attempt.id }));
  }

  private dispatch(attempt: Attempt, event: FsmEvent): void {
    if (attempt !== this.primary && attempt !== this.secondary) return;
    if (event.type === 'BGPOpen' && this.resolveCollision(attempt, event.open.bgpIdentifier)) return;
    const now = this.host.clock.now();
    const { state, actions } = step(attempt.state, event, now);
    attempt.state = state;
    this.host.recorder?.(this.address, encodeEventLine({ t: now, event, actions, attempt: attempt.id }));
    for (const action of actions) this.run(attempt, action);
    this.settle(attempt);
  }

  /** RFC 4271 §6.8; returns true when `attempt` itself was dropped. */
  private resolveCollision(attempt: Attempt, remoteIdentifier: number): boolean {
    const other = attempt === this.primary ? this.secondary : this.primary;
    if (!other || !other.connection || !LIVE.has(other.state.name)) return false;
    const loser = collisionLoser(
      { direction: attempt.direction, state: attempt.state.name },
      { direction: other.direction, state: other.state.name },
      this.config.localIdentifier,
      remoteIdentifier,
    );
    if (loser === 'a') this.dispatch(attempt, { type: 'OpenCollisionDump' });
    if (loser === 'b') this.dispatch(other, { type: 'OpenCollisionDump' });
    return loser === 'a';
  }

  /** After a step: drop a finished second connection, promote a survivor, publish the state. */
  private settle(attempt: Attempt): void {
    this.clearRestartState();
    if (attempt === this.secondary && attempt.state.name === 'Idle') {
      attempt.stopAllTimers();
      this.secondary = undefined;
    }
    if (attempt === this.primary && this.secondary && attempt.state.name === 'Idle') {
      attempt.stopAllTimers();
      this.primary = this.secondary;
      this.secondary = undefined;
      this.setConfig(this.primary, this.config);
    }
    this.publishState();
  }

  /**
   * RFC 4724 §3: the Restart State bit goes in the OPENs until a session
   * after our restart is Established; later OPENs are not after a restart.
   */
  private clearRestartState(): void {
    const gr = this.config.gracefulRestart;
    if (gr?.restarting !== true || this.primary.state.name !== 'Established') return;
    this.config = { ...this.config, gracefulRestart: { ...gr, restarting: false } };
    this.setConfig(this.primary, this.config);
  }

  private publishState(): void {
    const s = this.primary.state;
    if (s.name === this.published) return;
    const from = this.published;
    this.published = s.name;
    this.host.publish({
      type: 'state',
      localAddress: this.host.localAddress,
      peer: this.address,
      from,
      to: s.name,
      reason: s.reason,
      ...(s.name === 'Established' && s.negotiated ? { negotiated: s.negotiated } : {}),
    });
  }

  private run(attempt: Attempt, action: FsmAction): void {
    switch (action.type) {
      case 'Connect':
        return this.dial(attempt);
      case 'Disconnect':
        this.abortDial(attempt);
        attempt.connection?.detach();
        attempt.connection?.closeAfterFlush();
        attempt.connection = undefined;
        return;
      case 'SendOpen':
        attempt.connection?.write([action.open]);
        return;
      case 'SendKeepalive':
        attempt.connection?.write([{ type: 'keepalive' }]);
        return;
      case 'SendNotification':
        return this.sendNotification(attempt, action.notification);
      case 'StartTimer':
        return attempt.startTimer(action.timer, action.seconds);
      case 'StopTimer':
        return attempt.stopTimer(action.timer);
      case 'SetCodecContext':
        attempt.connection?.setContext(action.context);
        return;
      case 'DeleteRoutes':
        // Announced by the state event leaving Established.
        return;
    }
  }

  private sendNotification(attempt: Attempt, notification: NotificationMessage): void {
    if (!attempt.connection) return;
    attempt.connection.write([notification]);
    this.host.publish({
      type: 'notification-sent',
      localAddress: this.host.localAddress,
      peer: this.address,
      notification,
    });
  }

  // ------------------------------------------------------------ sockets

  private dial(attempt: Attempt): void {
    this.abortDial(attempt);
    const socket = this.openSocket();
    if (socket === undefined) {
      setImmediate(() => this.dispatch(attempt, { type: 'TcpConnectionFails' }));
      return;
    }
    attempt.dialing = socket;
    if (this.transport.ttl !== undefined) this.host.socketOptions?.applyTtl(socket, this.transport.ttl);
    const failed = () => {
      if (attempt.dialing !== socket) return;
      attempt.dialing = undefined;
      socket.destroy();
      this.dispatch(attempt, { type: 'TcpConnectionFails' });
    };
    socket.once('error', failed);
    socket.once('close', failed);
    socket.once('connect', () => {
      if (attempt.dialing !== socket) return;
      attempt.dialing = undefined;
      socket.removeListener('error', failed);
      socket.removeListener('close', failed);
      this.attach(attempt, socket, 'outbound');
      this.dispatch(attempt, { type: 'Tcp_CR_Acked' });
    });
  }

  /** A connecting socket; signed (and already bound) when the peer has a TCP-MD5 key. */
  private openSocket(): Socket | undefined {
    const { address, port, md5Key } = this.transport;
    const localAddress = this.host.localAddress;
    if (md5Key === undefined) return net.connect({ host: address, port, localAddress });
    try {
      const socket = this.host.tcpMd5?.signedSocket(localAddress, address, md5Key);
      return socket?.connect({ host: address, port });
    } catch {
      return undefined; // the speaker reported the key's failure when it installed it
    }
  }

  private abortDial(attempt: Attempt): void {
    const socket = attempt.dialing;
    attempt.dialing = undefined;
    socket?.destroy();
  }

  private attach(attempt: Attempt, socket: Socket, direction: 'inbound' | 'outbound'): void {
    if (direction === 'inbound' && this.transport.ttl !== undefined) {
      this.host.socketOptions?.applyTtl(socket, this.transport.ttl);
    }
    attempt.direction = direction;
    attempt.connection = new SessionConnection(
      socket,
      direction,
      {
        onMessage: (m) => this.receive(attempt, m),
        onWireError: (e, header, type) => this.wireError(attempt, e, header, type),
        onClosed: () => {
          attempt.connection = undefined;
          this.dispatch(attempt, { type: 'TcpConnectionFails' });
        },
        onDrain: () => {
          if (attempt === this.primary && attempt.state.name === 'Established') {
            this.host.publish({ type: 'drain', localAddress: this.host.localAddress, peer: this.address });
          }
        },
        onOverflow: () =>
          this.dispatch(attempt, {
            type: 'AutomaticStop_with_Cease',
            notification: ceaseNotification(CeaseSubcode.OutOfResources),
          }),
      },
      this.host.highWaterMark,
    );
  }

  // ------------------------------------------------------------ messages in

  private receive(attempt: Attempt, message: BgpMessage): void {
    switch (message.type) {
      case 'open':
        return this.dispatch(attempt, { type: 'BGPOpen', open: message });
      case 'keepalive':
        return this.dispatch(attempt, { type: 'KeepAliveMsg' });
      case 'notification': {
        this.host.publish({
          type: 'notification-received',
          localAddress: this.host.localAddress,
          peer: this.address,
          notification: message,
        });
        const versionError =
          message.code === ErrorCode.OpenMessage &&
          message.subcode === OpenErrorSubcode.UnsupportedVersionNumber;
        return this.dispatch(attempt, {
          type: versionError ? 'NotifMsgVerErr' : 'NotifMsg',
          notification: message,
        });
      }
      case 'update':
        this.dispatch(attempt, { type: 'UpdateMsg' });
        if (attempt !== this.primary || attempt.state.name !== 'Established') return;
        return this.deliverUpdate(message);
      case 'route-refresh':
        this.dispatch(attempt, { type: 'RouteRefreshMsg' });
        if (attempt !== this.primary || attempt.state.name !== 'Established') return;
        return this.routeRefresh(message.afi, message.safi, message.subtype);
    }
  }

  private deliverUpdate(update: BgpMessage & { type: 'update' }): void {
    const base = { localAddress: this.host.localAddress, peer: this.address };
    const eor = endOfRibFamily(update);
    if (eor) this.host.publish({ type: 'end-of-rib', ...base, afi: eor.afi, safi: eor.safi });
    else this.host.publish({ type: 'update', ...base, update });
  }

  /** RFC 2918 §4: a refresh for a family not negotiated is ignored. RFC 7313 §5: unknown subtypes too. */
  private routeRefresh(afi: number, safi: number, subtype: number): void {
    const families = this.negotiated?.families ?? [];
    if (!families.some((f) => familyKey(f.afi, f.safi) === familyKey(afi, safi)) || subtype > 2) return;
    this.host.publish({
      type: 'route-refresh',
      localAddress: this.host.localAddress,
      peer: this.address,
      afi,
      safi,
      subtype,
    });
    if (subtype === 0) this.host.listener?.onRouteRefreshRequest?.(this.address, afi, safi);
  }

  private wireError(attempt: Attempt, error: BgpWireError, header: boolean, type: number | undefined): void {
    const notification = notificationFor(error);
    if (header) return this.dispatch(attempt, { type: 'BGPHeaderErr', notification });
    if (type === MessageType.Open) return this.dispatch(attempt, { type: 'BGPOpenMsgErr', notification });
    // UPDATE errors that reset the session (RFC 7606 §2), and ROUTE-REFRESH length errors (RFC 7313 §5).
    this.dispatch(attempt, { type: 'UpdateMsgErr', notification });
  }
}
