/**
 * Prometheus metrics with Azure Route Server's metric names (Azure reference
 * §9): `BgpPeerStatus` (1 = Established, 0 = not), `CountOfRoutesAdvertisedToPeer`,
 * `CountOfRoutesLearnedFromPeer`, one series per route server instance and
 * peer, labelled as Azure's dimensions — `routeserviceinstance`
 * (`RouteServiceRole_IN_0` / `_IN_1`, as in the API's route maps), `bgppeerip`,
 * `bgppeertype` (`Nva`: every bgpConnection is an NVA peer) — plus
 * `routeserver`, the route server's resource id (Azure scopes a metric to its
 * resource; one Prometheus target serves them all).
 *
 * Values are read at scrape time from the BGP runtime (nothing is cached),
 * plus prom-client's default process metrics. Served at `/metrics` on the
 * API listener, behind the same bearer token (docs/operations.md).
 */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { InstanceId } from '../rib/ports.js';
import type { ObservedRuntime } from './observed-runtime.js';

export const METRICS_PATH = '/metrics';
const LABELS = ['routeserver', 'routeserviceinstance', 'bgppeerip', 'bgppeertype'] as const;
export const PEER_TYPE_NVA = 'Nva';

export function instanceLabel(instance: InstanceId): string {
  return `RouteServiceRole_${instance}`;
}

function countByInstance(routes: readonly { instance: InstanceId }[]): Map<InstanceId, number> {
  const counts = new Map<InstanceId, number>();
  for (const route of routes) counts.set(route.instance, (counts.get(route.instance) ?? 0) + 1);
  return counts;
}

async function collectPeers(
  runtime: ObservedRuntime,
  status: Gauge<(typeof LABELS)[number]>,
  learned: Gauge<(typeof LABELS)[number]>,
  advertised: Gauge<(typeof LABELS)[number]>,
): Promise<void> {
  status.reset();
  learned.reset();
  advertised.reset();
  for (const routeServer of runtime.running.values()) {
    for (const peer of routeServer.peers.values()) {
      const id = routeServer.routeServerId;
      const [learnedRoutes, advertisedRoutes] = await Promise.all([
        runtime.learnedRoutes(id, peer.connectionId),
        runtime.advertisedRoutes(id, peer.connectionId),
      ]);
      const learnedCounts = countByInstance(learnedRoutes);
      const advertisedCounts = countByInstance(advertisedRoutes);
      for (const session of runtime.sessionStates(id, peer.connectionId)) {
        const labels = {
          routeserver: id,
          routeserviceinstance: instanceLabel(session.instance),
          bgppeerip: peer.peerIp,
          bgppeertype: PEER_TYPE_NVA,
        };
        status.set(labels, session.state === 'Established' ? 1 : 0);
        learned.set(labels, learnedCounts.get(session.instance) ?? 0);
        advertised.set(labels, advertisedCounts.get(session.instance) ?? 0);
      }
    }
  }
}

/** A registry with the three Azure metrics (read from `runtime` when given) and process metrics. */
export function createMetrics(runtime: ObservedRuntime | undefined): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  type PeerGauge = Gauge<(typeof LABELS)[number]>;
  const gauges: { learned?: PeerGauge; advertised?: PeerGauge } = {};
  // registered first, so its collect refreshes all three before any is read
  const status: PeerGauge = new Gauge({
    name: 'BgpPeerStatus',
    help: 'BGP session state per instance and peer: 1 = Established, 0 = not',
    labelNames: LABELS,
    registers: [registry],
    async collect() {
      if (runtime !== undefined && gauges.learned && gauges.advertised)
        await collectPeers(runtime, status, gauges.learned, gauges.advertised);
    },
  });
  gauges.advertised = new Gauge({
    name: 'CountOfRoutesAdvertisedToPeer',
    help: 'routes the instance advertises to the peer (Adj-RIB-Out)',
    labelNames: LABELS,
    registers: [registry],
  });
  gauges.learned = new Gauge({
    name: 'CountOfRoutesLearnedFromPeer',
    help: 'routes the instance learned from the peer (Adj-RIB-In)',
    labelNames: LABELS,
    registers: [registry],
  });
  return registry;
}
