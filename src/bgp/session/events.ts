/**
 * Typed session events, published on `node:diagnostics_channel`
 * (`routeserver:bgp:session`) and handed to the speaker's listener.
 *
 * A `state` event leaving Established means every route learned from that
 * peer on the session is gone (RFC 4271 §8.2.2 "deletes all routes").
 */
import diagnostics from 'node:diagnostics_channel';
import type { NotificationMessage, UpdateMessage } from '../codec/index.js';
import type { FsmReason, FsmStateName, Negotiated } from '../fsm/index.js';
import type { RefusalCode } from './errors.js';

export const SESSION_CHANNEL = 'routeserver:bgp:session';

interface PeerEventBase {
  /** the speaker's (instance's) local address */
  readonly localAddress: string;
  /** the peer's configured address */
  readonly peer: string;
}

export type SessionEvent =
  | (PeerEventBase & {
      readonly type: 'state';
      readonly from: FsmStateName;
      readonly to: FsmStateName;
      readonly reason: FsmReason | undefined;
      /** present when `to` is Established */
      readonly negotiated?: Negotiated;
    })
  /** an UPDATE, decoded once; `update.attributeBytes` is a view: copy it to keep it */
  | (PeerEventBase & { readonly type: 'update'; readonly update: UpdateMessage })
  | (PeerEventBase & { readonly type: 'end-of-rib'; readonly afi: number; readonly safi: number })
  | (PeerEventBase & { readonly type: 'notification-sent'; readonly notification: NotificationMessage })
  | (PeerEventBase & { readonly type: 'notification-received'; readonly notification: NotificationMessage })
  /** a ROUTE-REFRESH from the peer; subtype 0 asks for our Adj-RIB-Out, 1/2 frame the peer's own refresh (RFC 7313) */
  | (PeerEventBase & {
      readonly type: 'route-refresh';
      readonly afi: number;
      readonly safi: number;
      readonly subtype: number;
    })
  /** the peer's write queue fell below its high-water mark: `write` may be called again */
  | (PeerEventBase & { readonly type: 'drain' })
  /**
   * the peer's TCP-MD5 key could not be installed (docs/tcp-md5.md): its
   * session stays Idle until the peer is configured again
   */
  | (PeerEventBase & { readonly type: 'tcp-md5-failed'; readonly message: string })
  | {
      readonly type: 'connection-refused';
      readonly localAddress: string;
      /** absent with `BGPRS_ERR_SESSION_REFUSED_RESET_BEFORE_ACCEPT`: the kernel no longer has it */
      readonly remoteAddress?: string;
      readonly remotePort?: number;
      readonly code: RefusalCode;
    };

export type SessionEventType = SessionEvent['type'];

/** What the owner of a speaker (the route engine wiring) implements. */
export interface SpeakerListener {
  /** every session event, in order */
  onEvent?(event: SessionEvent): void;
  /**
   * The peer asked for our Adj-RIB-Out again (RFC 2918 ROUTE-REFRESH): write
   * it to the peer's session (with BoRR/EoRR around it when
   * `session.negotiated.enhancedRouteRefresh`, RFC 7313 §4).
   */
  onRouteRefreshRequest?(peer: string, afi: number, safi: number): void;
}

const channel = diagnostics.channel(SESSION_CHANNEL);

/** Publishes on the diagnostics channel, then to the listener; a throwing listener never breaks a session. */
export function publish(listener: SpeakerListener | undefined, event: SessionEvent): void {
  if (channel.hasSubscribers) channel.publish(event);
  try {
    listener?.onEvent?.(event);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
