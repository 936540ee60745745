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
  // read everything first, then swap the values in without an await in between
  const rows: {
    labels: Record<(typeof LABELS)[number], string>;
    up: number;
    learned: number;
    advertised: number;
  }[] = [];
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
        rows.push({
          labels,
          up: session.state === 'Established' ? 1 : 0,
          learned: learnedCounts.get(session.instance) ?? 0,
          advertised: advertisedCounts.get(session.instance) ?? 0,
        });
      }
    }
  }
  for (const gauge of [status, learned, advertised]) gauge.reset();
  for (const row of rows) {
    status.set(row.labels, row.up);
    learned.set(row.labels, row.learned);
    advertised.set(row.labels, row.advertised);
  }
}

/** A registry with the three Azure metrics (read from `runtime` when given) and process metrics. */
export function createMetrics(runtime: ObservedRuntime | undefined): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  type PeerGauge = Gauge<(typeof LABELS)[number]>;
  const gauges: PeerGauge[] = [];
  // prom-client reads the metrics of a scrape concurrently: the three gauges share one refresh
  let pending: Promise<void> | undefined;
  const refresh = () => {
    if (runtime === undefined) return Promise.resolve();
    pending ??= collectPeers(runtime, gauges[0]!, gauges[1]!, gauges[2]!).finally(
      () => (pending = undefined),
    );
    return pending;
  };
  const gauge = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: LABELS, registers: [registry], collect: refresh });
  gauges.push(gauge('BgpPeerStatus', 'BGP session state per instance and peer: 1 = Established, 0 = not'));
  gauges.push(
    gauge('CountOfRoutesLearnedFromPeer', 'routes the instance learned from the peer (Adj-RIB-In)'),
  );
  gauges.push(
    gauge('CountOfRoutesAdvertisedToPeer', 'routes the instance advertises to the peer (Adj-RIB-Out)'),
  );
  return registry;
}
