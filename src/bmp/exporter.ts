/**
 * BMP export of one monitored router (a route-server or gateway instance) to
 * its configured collectors: a `BmpMonitor` and a `BmpConnection` per
 * collector, fed by the instance's session events and by its route engine's
 * Adj-RIB-In observer (src/rib/ports.ts). Read-only: nothing here acts on a
 * session or on the engine.
 *
 * Peer Down reasons (RFC 7854 §4.9) from the session events:
 * - a NOTIFICATION sent while Established → 1, with the PDU; received → 3;
 * - the transport closed or failed without one → 4;
 * - otherwise 2 with the RFC 4271 §8.1 event that stopped the session.
 */
import { BASE_CONTEXT, encode } from '../bgp/codec/index.js';
import type { NotificationMessage } from '../bgp/codec/index.js';
import { buildOpen, FsmReasonCode } from '../bgp/fsm/index.js';
import type { FsmReason } from '../bgp/fsm/index.js';
import type { PeerSession, SessionEvent } from '../bgp/session/index.js';
import type { AdjRibInObserver, AdjRibInRoute } from '../rib/index.js';
import type { PrefixKey } from '../lib/prefix.js';
import { BmpConnection } from './connection.js';
import type { BmpCollectorSpec, BmpCollectorStatistics, BmpConnectionOptions } from './connection.js';
import { BmpPeerDownReason, FsmEventNumber } from './iana.js';
import type { PeerDownCause } from './messages.js';
import { BmpMonitor } from './monitor.js';
import type { MonitoredTables } from './monitor.js';

export interface BmpExporterOptions {
  readonly collectors: readonly BmpCollectorSpec[];
  /** Initiation sysName (RFC 7854 §4.4) */
  readonly sysName: string;
  /** Initiation sysDescr */
  readonly sysDescr: string;
  /** the instance's address (events name the router by it) */
  readonly routerAddress: string;
  readonly tables: MonitoredTables & { observeAdjRibIn(observer: AdjRibInObserver): () => void };
  /** the instance's session with a peer (its OPEN and ports at Established) */
  readonly session: (peer: string) => PeerSession | undefined;
  /** Statistics Reports every so often; default 60,000 ms, 0 = none */
  readonly statisticsIntervalMs?: number;
  readonly connection?: BmpConnectionOptions;
}

/** The FSM reasons that end a session without a NOTIFICATION, as RFC 7854 reports them. */
function causeWithoutNotification(reason: FsmReason | undefined): PeerDownCause {
  switch (reason?.code) {
    case FsmReasonCode.ManualStop:
      return { reason: BmpPeerDownReason.LocalNoNotification, fsmEvent: FsmEventNumber.ManualStop };
    case FsmReasonCode.AutomaticStop:
      return { reason: BmpPeerDownReason.LocalNoNotification, fsmEvent: FsmEventNumber.AutomaticStop };
    case FsmReasonCode.HoldTimerExpired:
      return { reason: BmpPeerDownReason.LocalNoNotification, fsmEvent: FsmEventNumber.HoldTimerExpires };
    case FsmReasonCode.CollisionDump:
      return { reason: BmpPeerDownReason.LocalNoNotification, fsmEvent: FsmEventNumber.OpenCollisionDump };
    default:
      return { reason: BmpPeerDownReason.RemoteNoNotification };
  }
}

export class BmpExporter implements AdjRibInObserver {
  private readonly monitors: BmpMonitor[];
  private readonly connections: BmpConnection[];
  /** the last NOTIFICATION of each Established session, and who sent it */
  private readonly notifications = new Map<string, { local: boolean; notification: NotificationMessage }>();
  private readonly unobserve: () => void;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: BmpExporterOptions) {
    this.monitors = options.collectors.map(
      () => new BmpMonitor({ tables: options.tables, sysName: options.sysName, sysDescr: options.sysDescr }),
    );
    this.connections = options.collectors.map(
      (collector, i) =>
        new BmpConnection(collector, this.monitors[i]!, options.routerAddress, options.connection),
    );
    this.unobserve = options.tables.observeAdjRibIn(this);
    const interval = options.statisticsIntervalMs ?? 60_000;
    if (interval > 0) {
      this.timer = setInterval(() => {
        for (const monitor of this.monitors) monitor.reportStatistics();
      }, interval);
      this.timer.unref();
    }
    for (const connection of this.connections) connection.start();
  }

  adjRibInChanged(
    peer: string,
    key: PrefixKey,
    route: AdjRibInRoute | undefined,
    previous: AdjRibInRoute | undefined,
  ): void {
    for (const monitor of this.monitors) monitor.adjRibInChanged(peer, key, route, previous);
  }

  /** Every session event of the instance, in order. */
  sessionEvent(event: SessionEvent): void {
    switch (event.type) {
      case 'notification-sent':
      case 'notification-received':
        this.notifications.set(event.peer, {
          local: event.type === 'notification-sent',
          notification: event.notification,
        });
        return;
      case 'state': {
        const last = this.notifications.get(event.peer);
        this.notifications.delete(event.peer);
        if (event.to === 'Established' && event.negotiated !== undefined) this.sessionUp(event);
        else if (event.from === 'Established') {
          const cause: PeerDownCause =
            last === undefined
              ? causeWithoutNotification(event.reason)
              : {
                  reason: last.local
                    ? BmpPeerDownReason.LocalNotification
                    : BmpPeerDownReason.RemoteNotification,
                  notification: encode(last.notification, BASE_CONTEXT),
                };
          for (const monitor of this.monitors) monitor.sessionDown(event.peer, cause);
        }
        return;
      }
      default:
        return;
    }
  }

  statistics(): BmpCollectorStatistics[] {
    return this.connections.map((connection) => connection.statistics());
  }

  /** Termination to every collector, then closed. Call after the sessions closed (their Peer Downs go first). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.unobserve();
    await Promise.all(this.connections.map((connection) => connection.close()));
  }

  private sessionUp(event: SessionEvent & { type: 'state' }): void {
    const negotiated = event.negotiated!;
    const session = this.options.session(event.peer);
    const ports = session?.ports;
    if (session === undefined || ports === undefined) return;
    const up = {
      peer: event.peer,
      address: event.peer,
      asn: negotiated.peerAs,
      bgpId: negotiated.peerIdentifier,
      localAddress: event.localAddress,
      localPort: ports.local,
      remotePort: ports.remote,
      sentOpen: encode(buildOpen(session.fsmConfig), BASE_CONTEXT),
      receivedOpen: encode(negotiated.peerOpen, BASE_CONTEXT),
      upAtMs: Date.now(),
    };
    for (const monitor of this.monitors) monitor.sessionUp(up);
  }
}
