/**
 * What the dashboard reads from the BGP runtime (src/api/dashboard-data.ts),
 * wired here because the API does not import the runtime or the session
 * module (docs/architecture.md): the sessions' counters, their events from
 * `node:diagnostics_channel` (`routeserver:bgp:session`, republished on the
 * main thread by the instance threads), and the injected-route changes.
 */
import diagnostics from 'node:diagnostics_channel';
import type { DashboardSessionEvent, DashboardSources } from '../api/index.js';
import { SESSION_CHANNEL, type SessionEvent } from '../bgp/session/index.js';
import type { BgpRuntime } from '../runtime/index.js';
import { describeNotification } from './session-log.js';

function dashboardEvent(event: SessionEvent): DashboardSessionEvent | undefined {
  switch (event.type) {
    case 'state':
      return {
        type: 'state',
        localAddress: event.localAddress,
        peer: event.peer,
        from: event.from,
        to: event.to,
      };
    case 'update':
      return { type: 'update', localAddress: event.localAddress, peer: event.peer };
    case 'notification-sent':
    case 'notification-received':
      return {
        type: 'notification',
        direction: event.type === 'notification-sent' ? 'sent' : 'received',
        localAddress: event.localAddress,
        peer: event.peer,
        name: describeNotification(event.notification.code, event.notification.subcode),
      };
    default:
      return undefined;
  }
}

export function dashboardSources(runtime: BgpRuntime | undefined): DashboardSources {
  return {
    sessions: async () => (runtime === undefined ? [] : runtime.peerStatistics()),
    onSessionEvent(listener) {
      const onMessage = (message: unknown) => {
        const event = dashboardEvent(message as SessionEvent);
        if (event !== undefined) listener(event);
      };
      diagnostics.subscribe(SESSION_CHANNEL, onMessage);
      return () => diagnostics.unsubscribe(SESSION_CHANNEL, onMessage);
    },
    onInjectedRoutes(listener) {
      return runtime === undefined
        ? () => undefined
        : runtime.onInjectedRoutes((routes) => listener(routes.routeServerId));
    },
    ...(runtime?.learnedRouteDetails === undefined
      ? {}
      : {
          learnedRouteDetails: (routeServerId, connectionId, networks, rejectedLimit) =>
            runtime.learnedRouteDetails!(routeServerId, connectionId, networks, rejectedLimit),
        }),
  };
}
