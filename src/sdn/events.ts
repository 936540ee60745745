/**
 * Typed events of the virtual network, published on node:diagnostics_channel
 * so the API, the dashboard, metrics and a data-plane agent can follow every
 * effective-route change without the model importing them.
 *
 * Channel `routeserver:sdn:effective-routes` carries:
 * - `effective-routes-changed`: rows of one or more route domains changed,
 *   per prefix (before/after), with the subnets and NICs of each domain;
 * - `route-domain-assigned`: subnets or NICs moved to another route domain
 *   (created, deleted, route table associated or removed); their whole table
 *   is the new domain's table.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Prefix } from '../lib/prefix.js';
import type { EffectiveRoute } from './types.js';

export const EFFECTIVE_ROUTES_CHANNEL = 'routeserver:sdn:effective-routes';

const channel = diagnosticsChannel.channel(EFFECTIVE_ROUTES_CHANNEL);

export interface PrefixRoutesChange {
  readonly prefix: Prefix;
  readonly before: readonly EffectiveRoute[];
  readonly after: readonly EffectiveRoute[];
}

export interface DomainRoutesChange {
  readonly domainId: string;
  readonly vnetId: string;
  readonly routeTableId: string | null;
  readonly subnetIds: readonly string[];
  readonly nicIds: readonly string[];
  readonly changes: readonly PrefixRoutesChange[];
}

export interface EffectiveRoutesChangedEvent {
  readonly type: 'effective-routes-changed';
  /** Name of the model that published (several can coexist in one process). */
  readonly network: string;
  readonly sequence: number;
  /** `bgp`: routes injected by a route server changed; `topology`: a resource changed. */
  readonly cause: 'bgp' | 'topology';
  readonly domains: readonly DomainRoutesChange[];
}

export interface RouteDomainAssignedEvent {
  readonly type: 'route-domain-assigned';
  readonly network: string;
  readonly sequence: number;
  readonly subnetIds: readonly string[];
  readonly nicIds: readonly string[];
  /** The domain they now use; null when they were deleted. */
  readonly domainId: string | null;
  readonly previousDomainId: string | null;
}

export type SdnRouteEvent = EffectiveRoutesChangedEvent | RouteDomainAssignedEvent;

/** Building an event can be costly (NIC lists); callers check this first. */
export function hasRouteEventSubscribers(): boolean {
  return channel.hasSubscribers;
}

export function publishRouteEvent(event: SdnRouteEvent): void {
  channel.publish(event);
}

/** Subscribes to route events; returns an unsubscribe function. */
export function subscribeRouteEvents(listener: (event: SdnRouteEvent) => void): () => void {
  const handler = (message: unknown): void => listener(message as SdnRouteEvent);
  diagnosticsChannel.subscribe(EFFECTIVE_ROUTES_CHANNEL, handler);
  return () => {
    diagnosticsChannel.unsubscribe(EFFECTIVE_ROUTES_CHANNEL, handler);
  };
}
