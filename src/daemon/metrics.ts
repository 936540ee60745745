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
 * With the same labels, per-peer message counters: UPDATEs, prefixes
 * announced, prefixes withdrawn. Values are read at scrape time from the BGP
 * runtime's `peerStatistics` and `health` (nothing is cached); the instance
 * threads' event-loop delay and heap, labelled by route server and instance;
 * prom-client's default process metrics (the main thread's event-loop lag,
 * resident memory, heap); `routeserver_bgp_connections_refused_total{reason}`
 * (countRefusedConnections) and `routeserver_bgp_notifications_total`
 * (countNotifications); the TCP-MD5 counters (tcp-md5-metrics.ts);
 * `routeserver_routes_withheld_toward_expressroute`
 * per ExpressRoute gateway instance and on-prem peer: the routes held back
 * above the 1,000-route ceiling (docs/azure-behaviour.md §4.2,
 * docs/gateways.md). The gateways' sessions are series too, `routeserver`
 * the gateway's id. Served at `/metrics` on the API listener, behind the
 * same bearer token (docs/serve.md, "Metrics").
 */
import diagnostics from 'node:diagnostics_channel';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { REFUSAL_CODES, SESSION_CHANNEL } from '../bgp/session/index.js';
import type { RefusalCode, SessionEvent } from '../bgp/session/index.js';
import type { InstanceId } from '../rib/ports.js';
import type { BgpRuntime } from '../runtime/index.js';
import { describeNotification } from './session-log.js';
import { countTcpMd5 } from './tcp-md5-metrics.js';

export const METRICS_PATH = '/metrics';
const WITHHELD_METRIC = 'routeserver_routes_withheld_toward_expressroute';
const LABELS = ['routeserver', 'routeserviceinstance', 'bgppeerip', 'bgppeertype'] as const;
const PEER_TYPE_NVA = 'Nva';

function instanceLabel(instance: InstanceId): string {
  return `RouteServiceRole_${instance}`;
}

/** The per-peer message counters' names. */
const PEER_COUNTERS = {
  updates: 'routeserver_bgp_updates_received_total',
  announced: 'routeserver_bgp_prefixes_announced_total',
  withdrawn: 'routeserver_bgp_prefixes_withdrawn_total',
} as const;

type Label = (typeof LABELS)[number];

/** The per-peer series: Azure's three gauges, then the message counters. */
interface PeerSeries {
  readonly status: Gauge<Label>;
  readonly learned: Gauge<Label>;
  readonly advertised: Gauge<Label>;
  readonly withheld: Gauge<Label>;
  readonly updates: Counter<Label>;
  readonly announced: Counter<Label>;
  readonly withdrawn: Counter<Label>;
}

/** The instance threads' own series. */
interface InstanceSeries {
  readonly delayMax: Gauge<InstanceLabel>;
  readonly delayP99: Gauge<InstanceLabel>;
  readonly heap: Gauge<InstanceLabel>;
  readonly reclaims: Counter<InstanceLabel>;
  readonly reclaimSeconds: Counter<InstanceLabel>;
}
type InstanceLabel = 'routeserver' | 'routeserviceinstance';

/** BMP export per instance and collector (docs/bmp.md), read with the instances' health. */
interface BmpSeries {
  readonly up: Gauge<BmpLabel>;
  readonly messages: Counter<BmpLabel>;
  readonly bytes: Counter<BmpLabel>;
  readonly dropped: Counter<BmpLabel>;
  readonly sessions: Counter<BmpLabel>;
  readonly resyncs: Counter<BmpLabel>;
  readonly buffered: Gauge<BmpLabel>;
}
type BmpLabel = InstanceLabel | 'collector';

async function collectPeers(runtime: BgpRuntime, series: PeerSeries): Promise<void> {
  // read everything first, then swap the values in without an await in between
  const rows = await runtime.peerStatistics();
  for (const metric of Object.values(series) as (Gauge<Label> | Counter<Label>)[]) metric.reset();
  for (const row of rows) {
    const labels = {
      routeserver: row.routeServerId,
      routeserviceinstance: instanceLabel(row.instance),
      bgppeerip: row.peerIp,
      bgppeertype: PEER_TYPE_NVA,
    };
    series.status.set(labels, row.state === 'Established' ? 1 : 0);
    series.learned.set(labels, row.learned);
    series.advertised.set(labels, row.advertised);
    if (row.withheld !== undefined && row.withheld > 0) series.withheld.set(labels, row.withheld);
    // counted by the instance since it started; a restarted instance starts again from 0,
    // which Prometheus reads as a counter reset
    series.updates.inc(labels, row.updatesReceived);
    series.announced.inc(labels, row.prefixesAnnounced);
    series.withdrawn.inc(labels, row.prefixesWithdrawn);
  }
}

async function collectInstances(runtime: BgpRuntime, series: InstanceSeries, bmp: BmpSeries): Promise<void> {
  const rows = await runtime.health();
  for (const metric of Object.values(series) as (Gauge<InstanceLabel> | Counter<InstanceLabel>)[])
    metric.reset();
  for (const metric of Object.values(bmp) as (Gauge<BmpLabel> | Counter<BmpLabel>)[]) metric.reset();
  for (const row of rows) {
    const labels = { routeserver: row.routeServerId, routeserviceinstance: instanceLabel(row.instance) };
    series.delayMax.set(labels, row.eventLoopDelayMaxMs / 1000);
    series.delayP99.set(labels, row.eventLoopDelayP99Ms / 1000);
    series.heap.set(labels, row.heapUsedBytes);
    if (row.reclaims !== undefined) {
      series.reclaims.inc(labels, row.reclaims.collections);
      series.reclaimSeconds.inc(labels, row.reclaims.milliseconds / 1000);
    }
    for (const collector of row.bmp ?? []) {
      const bmpLabels = { ...labels, collector: collector.collector };
      bmp.up.set(bmpLabels, collector.connected ? 1 : 0);
      bmp.messages.inc(bmpLabels, collector.messagesSent);
      bmp.bytes.inc(bmpLabels, collector.bytesSent);
      bmp.dropped.inc(bmpLabels, collector.messagesDropped);
      bmp.sessions.inc(bmpLabels, collector.sessions);
      bmp.resyncs.inc(bmpLabels, collector.resyncs);
      bmp.buffered.set(bmpLabels, collector.bufferedBytes);
    }
  }
}

/** One refresh at a time: prom-client reads the metrics of a scrape concurrently. */
function shared(read: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => (pending ??= read().finally(() => (pending = undefined)));
}

/**
 * A registry with the Azure metrics and the per-peer message counters (read
 * from `runtime` at scrape time when given), the instance threads' event-loop
 * delay and heap, and prom-client's process metrics.
 */
export function createMetrics(runtime: BgpRuntime | undefined): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // read at scrape time, after `peers` and `instances` below exist
  const refreshPeers = shared(() =>
    runtime === undefined ? Promise.resolve() : collectPeers(runtime, peers),
  );
  const refreshInstances = shared(() =>
    runtime === undefined ? Promise.resolve() : collectInstances(runtime, instances, bmp),
  );
  const gauge = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: LABELS, registers: [registry], collect: refreshPeers });
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: LABELS, registers: [registry], collect: refreshPeers });
  const instanceMetric = <T extends typeof Gauge | typeof Counter>(kind: T, name: string, help: string) =>
    new kind({
      name,
      help,
      labelNames: ['routeserver', 'routeserviceinstance'] as const,
      registers: [registry],
      collect: refreshInstances,
    }) as InstanceType<T>;
  const peers: PeerSeries = {
    status: gauge('BgpPeerStatus', 'BGP session state per instance and peer: 1 = Established, 0 = not'),
    learned: gauge('CountOfRoutesLearnedFromPeer', 'routes the instance learned from the peer (Adj-RIB-In)'),
    advertised: gauge(
      'CountOfRoutesAdvertisedToPeer',
      'routes the instance advertises to the peer (Adj-RIB-Out)',
    ),
    withheld: gauge(
      WITHHELD_METRIC,
      'routes an ExpressRoute gateway instance holds back from its on-prem peer above the 1,000-route ceiling',
    ),
    updates: counter(
      PEER_COUNTERS.updates,
      'UPDATE messages received from the peer since the instance started',
    ),
    announced: counter(
      PEER_COUNTERS.announced,
      'prefixes the peer announced since the instance started (NLRI and MP_REACH_NLRI, repeats included)',
    ),
    withdrawn: counter(
      PEER_COUNTERS.withdrawn,
      'prefixes the peer withdrew since the instance started (Withdrawn Routes and MP_UNREACH_NLRI)',
    ),
  };
  const instances: InstanceSeries = {
    delayMax: instanceMetric(
      Gauge,
      'routeserver_instance_event_loop_delay_max_seconds',
      "the longest event-loop delay of the instance's thread since the previous scrape",
    ),
    delayP99: instanceMetric(
      Gauge,
      'routeserver_instance_event_loop_delay_p99_seconds',
      "the 99th percentile of the instance thread's event-loop delay since the previous scrape",
    ),
    heap: instanceMetric(
      Gauge,
      'routeserver_instance_heap_used_bytes',
      "the instance thread's V8 heap in use",
    ),
    reclaims: instanceMetric(
      Counter,
      'routeserver_instance_memory_reclaims_total',
      "full garbage collections the instance's thread ran after its Loc-RIB fell (src/runtime/reclaim.ts)",
    ),
    reclaimSeconds: instanceMetric(
      Counter,
      'routeserver_instance_memory_reclaim_seconds_total',
      'the time those collections took',
    ),
  };
  const bmpMetric = <T extends typeof Gauge | typeof Counter>(kind: T, name: string, help: string) =>
    new kind({
      name,
      help,
      labelNames: ['routeserver', 'routeserviceinstance', 'collector'] as const,
      registers: [registry],
      collect: refreshInstances,
    }) as InstanceType<T>;
  const bmp: BmpSeries = {
    up: bmpMetric(Gauge, 'routeserver_bmp_collector_up', 'BMP collector connected and in sync: 1, else 0'),
    messages: bmpMetric(Counter, 'routeserver_bmp_messages_sent_total', 'BMP messages sent to the collector'),
    bytes: bmpMetric(Counter, 'routeserver_bmp_bytes_sent_total', 'BMP bytes sent to the collector'),
    dropped: bmpMetric(
      Counter,
      'routeserver_bmp_messages_dropped_total',
      'BMP messages dropped because the collector fell behind (a resync follows)',
    ),
    sessions: bmpMetric(
      Counter,
      'routeserver_bmp_sessions_total',
      'connections to the collector, each starting with a full dump',
    ),
    resyncs: bmpMetric(
      Counter,
      'routeserver_bmp_resyncs_total',
      'connections restarted after a drop, to send the tables again',
    ),
    buffered: bmpMetric(
      Gauge,
      'routeserver_bmp_buffered_bytes',
      'bytes written for the collector and not yet taken by it',
    ),
  };
  return registry;
}

const NOTIFICATIONS_METRIC = 'routeserver_bgp_notifications_total';

/**
 * Counts every NOTIFICATION sent and received (the session events the
 * instance threads forward) into `routeserver_bgp_notifications_total`,
 * labelled by peer, direction, code, subcode and their names. Peers are the
 * configured ones only (a connection from anyone else is refused before any
 * NOTIFICATION), so the series stay bounded. Returns the unsubscribe function.
 */
export function countNotifications(registry: Registry): () => void {
  const counter = new Counter({
    name: NOTIFICATIONS_METRIC,
    help: 'BGP NOTIFICATION messages sent to and received from each peer, by error code and subcode',
    labelNames: ['bgppeerip', 'direction', 'code', 'subcode', 'error'],
    registers: [registry],
  });
  const onMessage = (message: unknown) => {
    const event = message as SessionEvent;
    if (event.type !== 'notification-sent' && event.type !== 'notification-received') return;
    const { code, subcode } = event.notification;
    counter.inc({
      bgppeerip: event.peer,
      direction: event.type === 'notification-sent' ? 'sent' : 'received',
      code: String(code),
      subcode: String(subcode),
      error: describeNotification(code, subcode),
    });
  };
  diagnostics.subscribe(SESSION_CHANNEL, onMessage);
  return () => diagnostics.unsubscribe(SESSION_CHANNEL, onMessage);
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

/**
 * Everything `/metrics` serves (docs/serve.md, Metrics): the registry of
 * createMetrics, with the refused connections and NOTIFICATIONs counted from
 * the session events. `unsubscribe` stops the counting.
 */
export function serveMetrics(runtime: BgpRuntime | undefined): {
  registry: Registry;
  unsubscribe: () => void;
} {
  const registry = createMetrics(runtime);
  const stops = [countRefusedConnections(registry), countNotifications(registry), countTcpMd5(registry)];
  return {
    registry,
    unsubscribe: () => {
      for (const stop of stops) stop();
    },
  };
}
