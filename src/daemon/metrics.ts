/**
 * Prometheus metrics with Azure Route Server's metric names (docs/azure-behaviour.md
 * §9): `BgpPeerStatus` (1 = Established, 0 = not), `CountOfRoutesAdvertisedToPeer`,
 * `CountOfRoutesLearnedFromPeer`, one series per route server instance and
 * peer, labelled as Azure's dimensions — `routeserviceinstance`
 * (`RouteServiceRole_IN_0` / `_IN_1`, as in the API's route maps), `bgppeerip`,
 * `bgppeertype` (`Nva`: every bgpConnection is an NVA peer) — plus
 * `routeserver`, the route server's resource id (Azure scopes a metric to its
 * resource; one Prometheus target serves them all).
 *
 * Values are read at scrape time from the BGP runtime's `peerStatistics`
 * (nothing is cached),
 * plus prom-client's default process metrics, plus
 * `routeserver_bgp_connections_refused_total{reason}` (countRefusedConnections),
 * plus `routeserver_routes_withheld_toward_expressroute` per ExpressRoute
 * gateway instance and on-prem peer: the routes held back above the
 * 1,000-route ceiling (docs/azure-behaviour.md §4.2, docs/gateways.md). The
 * gateways' sessions are series too, `routeserver` the gateway's id.
 * Served at `/metrics` on the API listener, behind the same bearer token
 * (docs/serve.md, "Metrics").
 */
import diagnostics from 'node:diagnostics_channel';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { REFUSAL_CODES, SESSION_CHANNEL } from '../bgp/session/index.js';
import type { RefusalCode, SessionEvent } from '../bgp/session/index.js';
import type { InstanceId } from '../rib/ports.js';
import type { BgpRuntime } from '../runtime/index.js';

export const METRICS_PATH = '/metrics';
const WITHHELD_METRIC = 'routeserver_routes_withheld_toward_expressroute';
const LABELS = ['routeserver', 'routeserviceinstance', 'bgppeerip', 'bgppeertype'] as const;
const PEER_TYPE_NVA = 'Nva';

function instanceLabel(instance: InstanceId): string {
  return `RouteServiceRole_${instance}`;
}

async function collectPeers(
  runtime: BgpRuntime,
  status: Gauge<(typeof LABELS)[number]>,
  learned: Gauge<(typeof LABELS)[number]>,
  advertised: Gauge<(typeof LABELS)[number]>,
  withheld: Gauge<(typeof LABELS)[number]>,
): Promise<void> {
  // read everything first, then swap the values in without an await in between
  const rows = await runtime.peerStatistics();
  for (const gauge of [status, learned, advertised, withheld]) gauge.reset();
  for (const row of rows) {
    const labels = {
      routeserver: row.routeServerId,
      routeserviceinstance: instanceLabel(row.instance),
      bgppeerip: row.peerIp,
      bgppeertype: PEER_TYPE_NVA,
    };
    status.set(labels, row.state === 'Established' ? 1 : 0);
    learned.set(labels, row.learned);
    advertised.set(labels, row.advertised);
    if (row.withheld !== undefined && row.withheld > 0) withheld.set(labels, row.withheld);
  }
}

/** A registry with the three Azure metrics (read from `runtime` when given) and process metrics. */
export function createMetrics(runtime: BgpRuntime | undefined): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  type PeerGauge = Gauge<(typeof LABELS)[number]>;
  const gauges: PeerGauge[] = [];
  // prom-client reads the metrics of a scrape concurrently: the three gauges share one refresh
  let pending: Promise<void> | undefined;
  const refresh = () => {
    if (runtime === undefined) return Promise.resolve();
    pending ??= collectPeers(runtime, gauges[0]!, gauges[1]!, gauges[2]!, gauges[3]!).finally(
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
  gauges.push(
    gauge(
      WITHHELD_METRIC,
      'routes an ExpressRoute gateway instance holds back from its on-prem peer above the 1,000-route ceiling',
    ),
  );
  return registry;
}

export const REFUSED_CONNECTIONS_METRIC = 'routeserver_bgp_connections_refused_total';

/** The `reason` label of a refusal: BGPRS_ERR_SESSION_REFUSED_UNKNOWN_PEER → unknown_peer. */
function refusalReason(code: RefusalCode): string {
  return code.replace('BGPRS_ERR_SESSION_REFUSED_', '').toLowerCase();
}

/**
 * Counts every `connection-refused` session event (all of them: the log
 * holds most of a flood back, the counter does not) into
 * `routeserver_bgp_connections_refused_total{reason}`. Labelled by reason
 * only: a label per source address would let a scan create series without
 * bound. Every reason starts at 0. Returns the unsubscribe function.
 */
export function countRefusedConnections(registry: Registry): () => void {
  const counter = new Counter({
    name: REFUSED_CONNECTIONS_METRIC,
    help: 'BGP connections closed at the door (not a configured peer, peer stopped, a third connection, reset before accept)',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const code of REFUSAL_CODES) counter.inc({ reason: refusalReason(code) }, 0);
  const onMessage = (message: unknown) => {
    const event = message as SessionEvent;
    if (event.type === 'connection-refused') counter.inc({ reason: refusalReason(event.code) });
  };
  diagnostics.subscribe(SESSION_CHANNEL, onMessage);
  return () => diagnostics.unsubscribe(SESSION_CHANNEL, onMessage);
}
