/**
 * Typed events of the route engine on node:diagnostics_channel (channel
 * `routeserver:rib`), for logs, metrics and the API. Publishing is skipped
 * when nobody subscribes.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { InstanceId } from './ports.js';

export const RIB_CHANNEL = 'routeserver:rib';
const channel = diagnosticsChannel.channel(RIB_CHANNEL);

interface RouteLimitExceededEvent {
  readonly type: 'route-limit-exceeded';
  readonly instance: InstanceId;
  readonly peer: string;
  readonly held: number;
  readonly announced: number;
  readonly limit: number;
}

/** The peer stopped reading: its session is closed with Cease / Out of Resources (src/rib/session-close.ts). */
interface OutputLagExceededEvent {
  readonly type: 'output-lag-exceeded';
  readonly instance: InstanceId;
  readonly peer: string;
  /** journal bytes written for the peer and not yet read */
  readonly lagBytes: number;
  readonly limit: number;
}

interface EndOfRibSentEvent {
  readonly type: 'end-of-rib-sent';
  readonly instance: InstanceId;
  readonly peer: string;
  readonly routes: number;
}

interface PeerRoutesWithdrawnEvent {
  readonly type: 'peer-routes-withdrawn';
  readonly instance: InstanceId;
  readonly peer: string;
}

/** Graceful restart (RFC 4724 §4.2): the peer's session ended and its routes stay, stale (src/rib/stale-routes.ts). */
interface PeerRoutesStaleEvent {
  readonly type: 'peer-routes-stale';
  readonly instance: InstanceId;
  readonly peer: string;
  readonly routes: number;
}

export type RibEvent =
  | RouteLimitExceededEvent
  | OutputLagExceededEvent
  | EndOfRibSentEvent
  | PeerRoutesWithdrawnEvent
  | PeerRoutesStaleEvent;

export function publishRibEvent(event: RibEvent): void {
  if (channel.hasSubscribers) channel.publish(event);
}
