/**
 * The dashboard's read endpoints (docs/dashboard.md), behind the bearer token
 * like every data path, and read-only (GET), so a Reader may call them:
 *
 * - `GET /dashboard/api/overview`: the topology (VNets, their subnets, NICs and
 *   peerings, gateways, route servers) with every session per instance
 *   (state, since when, flaps, last NOTIFICATION, route counts) and, per
 *   route server, whether the caller may write there.
 * - `GET /dashboard/api/routes?connection=<id>&direction=learned|advertised[&networks=<p>,…]`:
 *   a peer's routes per instance (only those networks' rows when named), each learned one with the reason it is or is
 *   not the route the instance injects into the VNet.
 *   Learned ones end with up to `REJECTED_LIMIT` routes per instance that the
 *   import rules dropped (65515 or AS 0 in the AS path, …), with the rule.
 * - `GET /dashboard/api/route-details?connection=<id>&networks=<p>,<p>`: the
 *   communities and large communities of a peer's routes for those networks
 *   (the rows in view), and the import rules that fired; read from the
 *   instances on demand, so nothing per route change carries them.
 * - `GET /dashboard/api/history`: route counts per session over time and the
 *   last session state changes (dashboard-history.ts).
 * - `GET /dashboard/api/events`: server-sent events (HTML Living Standard,
 *   "Server-sent events"): `changed` with the sessions whose state or routes
 *   changed, coalesced, so the app reloads only what it shows.
 *
 * A NIC's effective routes come from the route watch (route-watch.ts).
 *
 * Each answer holds only what the caller's roles let it read
 * (authorization.ts, `Authorizer.readable`): a Reader of one resource group
 * sees that group's VNets, NICs, gateways and route servers, their sessions'
 * history and changes, and gets ARM's 403 for another group's peer's routes.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { formatPrefix, parsePrefix, prefixContains } from '../lib/prefix.js';
import type {
  ArmResource,
  ListWithin,
  ResourceDescriptor,
  RouteServerService,
} from '../routeserver/index.js';
import { callerOf } from './auth.js';
import type { Caller } from './identity.js';
import { DASHBOARD_API_PREFIX, writableScopes } from './dashboard.js';
import {
  DEFAULT_HISTORY,
  SessionHistory,
  sessionKey,
  type DashboardSessionEvent,
  type HistoryOptions,
  type SessionCounters,
} from './dashboard-history.js';
import { ArmError } from './errors.js';
import type { ApiServer } from './server.js';

/** What the dashboard reads from the BGP runtime, in plain data (wired in src/daemon/dashboard-sources.ts). */
export interface DashboardSources {
  /** every session of every running route server, with its counters */
  sessions(): Promise<readonly SessionCounters[]>;
  /** follows session events; returns the unsubscribe */
  onSessionEvent(listener: (event: DashboardSessionEvent) => void): () => void;
  /** follows the routes the instances inject into the VNets; returns the unsubscribe */
  onInjectedRoutes(listener: (routeServerId: string) => void): () => void;
  /**
   * Per instance: a peer's routes for `networks` with communities and the
   * import rules' verdict, and its first `rejectedLimit` rejected routes
   * (absent where the runtime cannot read them)
   */
  learnedRouteDetails?(
    routeServerId: string,
    connectionId: string,
    networks: readonly string[],
    rejectedLimit: number,
  ): Promise<readonly InstanceRouteDetails[]>;
}

/** A learned route's details as the runtime reads them (plain data). */
interface RouteDetail {
  readonly instance: string;
  readonly network: string;
  readonly nextHop: string;
  readonly asPath: string;
  readonly origin: string;
  readonly communities: readonly string[];
  readonly largeCommunities: readonly string[];
  readonly accepted: boolean;
  /** import rule names (src/policy/import-rules.ts) and why a route is not used */
  readonly reasons: readonly string[];
}

/** One instance's answer. */
export interface InstanceRouteDetails {
  readonly instance: string;
  readonly routes: readonly RouteDetail[];
  readonly rejected: readonly RouteDetail[];
  readonly rejectedTotal: number;
}

/** Rejected routes listed per instance and peer (the first ones of its Adj-RIB-In). */
const REJECTED_LIMIT = 100;

/** The import rules (src/policy/import-rules.ts) as the routes page says them. */
const RULE_TEXT: Readonly<Record<string, string>> = {
  'as-path-contains-local-as': '65515 in the AS path (loop prevention, docs/azure-behaviour.md §2.2)',
  'as-path-contains-zero': 'AS 0 in the AS path (RFC 7607)',
  'azure-route-server-community': '65517:65517 from on-premises (docs/azure-behaviour.md §4.1)',
  'no-advertise': 'NO_ADVERTISE: injected, advertised to no peer',
  'no-export': 'NO_EXPORT: injected, advertised to no peer',
  'no-export-subconfed': 'NO_EXPORT_SUBCONFED: injected, advertised to no peer',
};

/** The import rules that fired for a route, as text; other reasons (the decision's) are left to the row. */
function importRuleTexts(reasons: readonly string[]): string[] {
  return reasons.flatMap((reason) => {
    const text = RULE_TEXT[reason];
    return text === undefined ? [] : [text];
  });
}

/** ARM names instances `RouteServiceRole_IN_0`; the runtime `IN_0`. */
const armInstance = (instance: string): string =>
  instance.startsWith('RouteServiceRole_') ? instance : `RouteServiceRole_${instance}`;

interface DashboardDataOptions {
  readonly history: HistoryOptions;
  /** changes are pushed at most this often (they are coalesced in between) */
  readonly coalesceMs: number;
  readonly heartbeatMs: number;
  /** an events client that leaves more than this unread is disconnected (it reconnects) */
  readonly maxBufferedBytes: number;
}

const DEFAULT_DASHBOARD_DATA: DashboardDataOptions = {
  history: DEFAULT_HISTORY,
  coalesceMs: 200,
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
};

type AnyDescriptor = ResourceDescriptor<unknown, unknown, unknown>;

/** Every resource of a type within a scope or parent, as ARM JSON (all pages). */
function listAll(descriptor: AnyDescriptor, within: ListWithin): ArmResource[] {
  const all: ArmResource[] = [];
  let cursor: string | undefined;
  do {
    const page = descriptor.list(within, cursor);
    for (const view of page.value) all.push(descriptor.present(view));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return all;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function idOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? text((value as { id?: unknown }).id) : undefined;
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}

/** `/…/virtualNetworks/{vnet}/subnets/{subnet}` → the VNet's id, lower case for comparisons. */
function vnetOfSubnet(subnetId: string): string {
  return subnetId.replace(/\/subnets\/[^/]+$/i, '').toLowerCase();
}

interface SessionView {
  readonly instance: string;
  readonly localAddress: string;
  readonly state: string;
  readonly since?: number;
  readonly flaps: number;
  readonly lastNotification?: { readonly at: number; readonly direction: string; readonly name: string };
  readonly learned: number;
  readonly advertised: number;
  readonly updatesReceived: number;
  readonly prefixesAnnounced: number;
  readonly prefixesWithdrawn: number;
}

function sessionViews(
  counters: readonly SessionCounters[],
  history: SessionHistory,
  connectionId: string,
): SessionView[] {
  return counters
    .filter((session) => session.connectionId.toLowerCase() === connectionId.toLowerCase())
    .map((session) => {
      const record = history.session(session.localAddress, session.peerIp);
      return {
        instance: session.instance,
        localAddress: session.localAddress,
        state: session.state,
        ...(record?.since === undefined ? {} : { since: record.since }),
        flaps: record?.flaps ?? 0,
        ...(record?.lastNotification === undefined ? {} : { lastNotification: record.lastNotification }),
        learned: session.learned,
        advertised: session.advertised,
        updatesReceived: session.updatesReceived,
        prefixesAnnounced: session.prefixesAnnounced,
        prefixesWithdrawn: session.prefixesWithdrawn,
      };
    })
    .sort((a, b) => a.instance.localeCompare(b.instance));
}

function vnetView(vnet: ArmResource, nics: readonly ArmResource[]) {
  const properties = vnet.properties;
  const subnets = records(properties.subnets).map((subnet) => {
    const subnetId = text(subnet.id) ?? '';
    const subnetProperties = (subnet.properties ?? {}) as Record<string, unknown>;
    return {
      id: subnetId,
      name: text(subnet.name) ?? '',
      addressPrefix: text(subnetProperties.addressPrefix) ?? '',
      nics: nics
        .filter((nic) => nicSubnet(nic)?.toLowerCase() === subnetId.toLowerCase())
        .map((nic) => ({ id: nic.id, name: nic.name, privateIpAddress: nicAddress(nic) })),
    };
  });
  const addressSpace = (properties.addressSpace ?? {}) as { addressPrefixes?: unknown };
  return {
    id: vnet.id,
    name: vnet.name,
    addressPrefixes: Array.isArray(addressSpace.addressPrefixes)
      ? (addressSpace.addressPrefixes as string[])
      : [],
    subnets,
    peerings: records(properties.virtualNetworkPeerings).map((peering) => {
      const peeringProperties = (peering.properties ?? {}) as Record<string, unknown>;
      return {
        name: text(peering.name) ?? '',
        remoteVirtualNetworkId: idOf(peeringProperties.remoteVirtualNetwork) ?? '',
        peeringState: text(peeringProperties.peeringState) ?? '',
      };
    }),
  };
}

function nicIpConfiguration(nic: ArmResource): Record<string, unknown> {
  const first = records(nic.properties.ipConfigurations)[0];
  return (first?.properties ?? {}) as Record<string, unknown>;
}

function nicSubnet(nic: ArmResource): string | undefined {
  return idOf(nicIpConfiguration(nic).subnet);
}

function nicAddress(nic: ArmResource): string {
  return text(nicIpConfiguration(nic).privateIPAddress) ?? '';
}

function gatewayView(gateway: ArmResource) {
  const subnetId = records(gateway.properties.ipConfigurations)
    .map((configuration) => idOf((configuration.properties as Record<string, unknown> | undefined)?.subnet))
    .find((id) => id !== undefined);
  return {
    id: gateway.id,
    name: gateway.name,
    gatewayType: text(gateway.properties.gatewayType) ?? '',
    virtualNetworkId: subnetId === undefined ? '' : vnetOfSubnet(subnetId),
  };
}

class DashboardData {
  readonly history: SessionHistory;
  private readonly unsubscribe: (() => void)[] = [];
  private sampler: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(changed: ReadonlySet<string>) => void>();
  private pending = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly service: RouteServerService,
    private readonly sources: DashboardSources,
    private readonly options: DashboardDataOptions = DEFAULT_DASHBOARD_DATA,
  ) {
    this.history = new SessionHistory(options.history);
    this.unsubscribe.push(
      sources.onSessionEvent((event) => {
        this.history.record(event, Date.now());
        this.changed(sessionKey(event.localAddress, event.peer));
      }),
      sources.onInjectedRoutes((routeServerId) => this.changed(`routes|${routeServerId.toLowerCase()}`)),
    );
  }

  /** Starts sampling the route counts (the first sample at once). */
  start(onError: (error: unknown) => void): void {
    const sample = () =>
      this.sources.sessions().then((sessions) => this.history.sample(sessions, Date.now()), onError);
    void sample(); // errors go to onError
    this.sampler = setInterval(() => void sample(), this.options.history.sampleMs);
    this.sampler.unref();
  }

  close(): void {
    clearInterval(this.sampler);
    clearTimeout(this.flushTimer);
    for (const stop of this.unsubscribe.splice(0)) stop();
    this.listeners.clear();
  }

  /** Calls `listener` with what changed, at most once per `coalesceMs`; returns the unsubscribe. */
  follow(listener: (changed: ReadonlySet<string>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(key: string): void {
    if (this.listeners.size === 0) return;
    this.pending.add(key);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      const changed = this.pending;
      this.pending = new Set();
      for (const listener of this.listeners) listener(changed);
    }, this.options.coalesceMs);
  }

  /**
   * The topology with every session, of what `mayRead` lets the caller see;
   * `writable`: the route servers the caller may change.
   */
  async overview(
    subscriptionIds: readonly string[],
    mayRead: (id: string) => boolean,
    writable: (ids: string[]) => Promise<string[]>,
  ) {
    const resources = this.service.resources as unknown as Record<string, AnyDescriptor>;
    const counters = await this.sources.sessions();
    const of = (type: string, within: ListWithin) =>
      listAll(resources[type]!, within).filter((resource) => mayRead(resource.id));
    const vnets = [];
    const gateways = [];
    const routeServers = [];
    for (const subscriptionId of subscriptionIds) {
      const nics = of('networkInterfaces', { subscriptionId });
      vnets.push(...of('virtualNetworks', { subscriptionId }).map((vnet) => vnetView(vnet, nics)));
      gateways.push(...of('virtualNetworkGateways', { subscriptionId }).map(gatewayView));
      for (const hub of of('virtualHubs', { subscriptionId })) {
        const configuration = of('ipConfigurations', { parentId: hub.id })[0];
        const subnetId = idOf(configuration?.properties.subnet);
        routeServers.push({
          id: hub.id,
          name: hub.name,
          virtualNetworkId: subnetId === undefined ? '' : vnetOfSubnet(subnetId),
          instanceAddresses: Array.isArray(hub.properties.virtualRouterIps)
            ? (hub.properties.virtualRouterIps as string[])
            : [],
          maxRoutesPerPeer: this.service.limits.maxRoutesPerPeer,
          peers: of('bgpConnections', { parentId: hub.id }).map((connection) => ({
            id: connection.id,
            name: connection.name,
            peerIp: text(connection.properties.peerIp) ?? '',
            peerAsn: Number(connection.properties.peerAsn),
            connectionState: text(connection.properties.connectionState) ?? '',
            sessions: sessionViews(counters, this.history, connection.id),
          })),
        });
      }
    }
    const mayWrite = new Set(
      (await writable(routeServers.map((hub) => hub.id))).map((id) => id.toLowerCase()),
    );
    return {
      generatedAt: Date.now(),
      virtualNetworks: vnets,
      gateways,
      routeServers: routeServers.map((hub) => ({ ...hub, mayWrite: mayWrite.has(hub.id.toLowerCase()) })),
    };
  }

  /** The history of the sessions of the route servers `mayRead` lets the caller see. */
  async historyFor(mayRead: (id: string) => boolean) {
    const snapshot = this.history.snapshot();
    const visible = await this.visibleSessions(mayRead);
    if (visible === undefined) return snapshot;
    return {
      ...snapshot,
      learned: Object.fromEntries(Object.entries(snapshot.learned).filter(([key]) => visible.has(key))),
      stateChanges: snapshot.stateChanges.filter((change) =>
        visible.has(sessionKey(change.localAddress, change.peer)),
      ),
    };
  }

  /** The keys of the sessions whose route server the caller may read; undefined: all of them (the owner). */
  async visibleSessions(mayRead: (id: string) => boolean): Promise<Set<string> | undefined> {
    if (mayRead === everything) return undefined;
    const sessions = await this.sources.sessions();
    return new Set(
      sessions
        .filter((session) => mayRead(session.routeServerId))
        .map((session) => sessionKey(session.localAddress, session.peerIp)),
    );
  }

  /**
   * A peer's routes per instance; learned ones with why the instance injects
   * them or not; with `networks`, only the rows of those networks.
   */
  async routes(connectionId: string, direction: 'learned' | 'advertised', networks?: ReadonlySet<string>) {
    const resources = this.service.resources;
    const connection = resources.bgpConnections.get(connectionId);
    if (connection === undefined) throw new ArmError(404, 'NotFound', `No BGP connection '${connectionId}'.`);
    const hubId = connectionId.replace(/\/bgpConnections\/[^/]+$/i, '');
    const action =
      resources.bgpConnections.actions[direction === 'learned' ? 'learnedRoutes' : 'advertisedRoutes']!;
    const perInstance = (await action(connectionId)) as Record<string, Record<string, unknown>[]>;
    const binding = this.service.model.routeServer(hubId.toLowerCase());
    const spaces = binding?.advertisedAddressSpaces() ?? [];
    const rows = [];
    for (const [instance, routes] of Object.entries(perInstance)) {
      const injected = new Map(
        // the ARM answer names instances as Azure does (`RouteServiceRole_IN_0`); the model by id (`IN_0`)
        (binding?.injectedRoutes(instance.replace(/^RouteServiceRole_/, '')) ?? []).map((route) => [
          formatPrefix(route.prefix),
          route.nextHops,
        ]),
      );
      for (const route of routes) {
        const network = text(route.network) ?? '';
        const nextHop = text(route.nextHop) ?? '';
        rows.push({
          instance,
          network,
          nextHop,
          asPath: text(route.asPath) ?? '',
          origin: text(route.origin) ?? '',
          sourcePeer: text(route.sourcePeer) ?? null,
          reason:
            direction === 'learned'
              ? learnedReason(network, nextHop, injected.get(network), spaces.map(formatPrefix))
              : advertisedReason(route),
        });
      }
    }
    let rejectedTotal = 0;
    if (direction === 'learned' && this.sources.learnedRouteDetails !== undefined) {
      const details = await this.sources.learnedRouteDetails(hubId, connectionId, [], REJECTED_LIMIT);
      for (const answer of details) {
        rejectedTotal += answer.rejectedTotal;
        for (const route of answer.rejected)
          rows.push({
            instance: armInstance(answer.instance),
            network: route.network,
            nextHop: route.nextHop,
            asPath: route.asPath,
            origin: route.origin === 'ebgp' ? 'EBgp' : route.origin,
            sourcePeer: connection.peerIp,
            reason: {
              best: false,
              text: `dropped on import: ${importRuleTexts(route.reasons).join('; ') || route.reasons.join(', ')}`,
            },
          });
      }
    }
    const routes = networks === undefined ? rows : rows.filter((row) => networks.has(row.network));
    return { connectionId, direction, routes, rejectedTotal };
  }

  /** The communities and import rules of a peer's routes for `networks`, per instance. */
  async routeDetails(connectionId: string, networks: readonly string[]) {
    const hubId = connectionId.replace(/\/bgpConnections\/[^/]+$/i, '');
    const answers =
      (await this.sources.learnedRouteDetails?.(
        hubId,
        connectionId,
        networks.slice(0, MAX_DETAIL_NETWORKS),
        0,
      )) ?? [];
    return {
      connectionId,
      routes: answers.flatMap((answer) =>
        answer.routes.map((route) => ({
          instance: armInstance(answer.instance),
          network: route.network,
          nextHop: route.nextHop,
          communities: route.communities,
          largeCommunities: route.largeCommunities,
          rules: importRuleTexts(route.reasons),
        })),
      ),
    };
  }
}

/** Why an instance injects a learned route into the VNet, or why not. */
export function learnedReason(
  network: string,
  nextHop: string,
  injectedNextHops: readonly string[] | undefined,
  addressSpaces: readonly string[],
): { readonly best: boolean; readonly text: string } {
  if (injectedNextHops?.includes(nextHop) === true) {
    const others = injectedNextHops.length - 1;
    return {
      best: true,
      text:
        others > 0
          ? `best: injected, ECMP with ${others} other next hop${others > 1 ? 's' : ''}`
          : 'best: injected',
    };
  }
  if (injectedNextHops !== undefined)
    return { best: false, text: `not best: the instance injects next hop ${injectedNextHops.join(', ')}` };
  const prefix = parsePrefix(network);
  const space = addressSpaces.find((candidate) => prefixContains(parsePrefix(candidate), prefix));
  if (space !== undefined)
    return {
      best: false,
      text: `not injected: within the VNet address space ${space} (docs/azure-behaviour.md §3.2)`,
    };
  return { best: false, text: 'not injected' };
}

function advertisedReason(route: Record<string, unknown>): { readonly best: boolean; readonly text: string } {
  const source = text(route.sourcePeer);
  return {
    best: true,
    text: source === undefined ? 'the VNet address space' : `best path, learned from ${source}`,
  };
}

/** Networks one route-details request may name (a page of rows) */
const MAX_DETAIL_NETWORKS = 500;

/** The owner's read filter (compared by identity: no filtering to do). */
const everything = (): boolean => true;

/** What the caller of `request` may read, by ARM id. */
async function readFilter(api: ApiServer, request: FastifyRequest): Promise<(id: string) => boolean> {
  const caller: Caller = callerOf(request) ?? { kind: 'owner' };
  return caller.kind === 'owner' ? everything : api.authorizer.readable(caller);
}

function queryText(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** The changed keys the caller may see: its route servers' routes and sessions. */
async function visibleKeys(
  data: DashboardData,
  changed: ReadonlySet<string>,
  mayRead: (id: string) => boolean,
): Promise<string[]> {
  const visible = await data.visibleSessions(mayRead).catch(() => new Set<string>());
  if (visible === undefined) return [...changed];
  return [...changed].filter((key) =>
    key.startsWith('routes|') ? mayRead(key.slice('routes|'.length)) : visible.has(key),
  );
}

/** Opens one events stream on `response`; ends it on overflow or close. */
function openEvents(
  data: DashboardData,
  response: ServerResponse,
  options: DashboardDataOptions,
  requestId: string,
  mayRead: (id: string) => boolean,
) {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-ms-request-id': requestId,
  });
  response.write('retry: 1000\n\n: open\n\n');
  const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), options.heartbeatMs);
  const stop = data.follow((changed) => {
    if (response.writableLength > options.maxBufferedBytes) {
      response.destroy();
      return;
    }
    void visibleKeys(data, changed, mayRead).then((keys) => {
      if (keys.length > 0 && !response.destroyed)
        response.write(`event: changed\ndata: ${JSON.stringify({ keys })}\n\n`);
    });
  });
  const end = () => {
    clearInterval(heartbeat);
    stop();
  };
  response.on('close', end);
  return end;
}

/** Registers the dashboard's endpoints; the data stops with the server. */
export function registerDashboardData(
  api: ApiServer,
  service: RouteServerService,
  sources: DashboardSources,
  options: DashboardDataOptions = DEFAULT_DASHBOARD_DATA,
): DashboardData {
  const { app } = api;
  const data = new DashboardData(service, sources, options);
  data.start((err) => app.log.warn({ err }, 'dashboard: reading the session counters failed'));
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', (done) => {
    data.close();
    for (const stream of streams) stream.end();
    done();
  });
  const hidden = { schema: { hide: true } };
  app.get(`${DASHBOARD_API_PREFIX}/overview`, hidden, async (request) => {
    const caller = callerOf(request) ?? { kind: 'owner' as const };
    const mayRead = await readFilter(api, request);
    return data.overview(api.subscriptionIds, mayRead, (ids) => writableScopes(api.authorizer, caller, ids));
  });
  app.get(`${DASHBOARD_API_PREFIX}/routes`, hidden, async (request) => {
    const connection = queryText(request, 'connection');
    const direction = queryText(request, 'direction') ?? 'learned';
    if (connection === undefined || (direction !== 'learned' && direction !== 'advertised'))
      throw new ArmError(
        400,
        'InvalidParameter',
        'routes needs connection=<id> and direction=learned|advertised.',
      );
    // the read its roles must allow, as for the ARM call (POST …/learnedRoutes is a read of the connection)
    const caller = callerOf(request) ?? { kind: 'owner' as const };
    await api.authorizer.authorize(caller, 'GET', connection);
    const networks = queryText(request, 'networks');
    return data.routes(
      connection,
      direction,
      networks === undefined
        ? undefined
        : new Set(networks.split(',').filter((network) => network.length > 0)),
    );
  });
  app.get(`${DASHBOARD_API_PREFIX}/route-details`, hidden, async (request) => {
    const connection = queryText(request, 'connection');
    const networks = queryText(request, 'networks');
    if (connection === undefined || networks === undefined)
      throw new ArmError(
        400,
        'InvalidParameter',
        'route-details needs connection=<id> and networks=<prefix>,….',
      );
    const caller = callerOf(request) ?? { kind: 'owner' as const };
    await api.authorizer.authorize(caller, 'GET', connection);
    return data.routeDetails(
      connection,
      networks.split(',').filter((network) => network.length > 0),
    );
  });
  app.get(`${DASHBOARD_API_PREFIX}/history`, hidden, async (request) =>
    data.historyFor(await readFilter(api, request)),
  );
  app.get(`${DASHBOARD_API_PREFIX}/events`, hidden, async (request, reply) => {
    const mayRead = await readFilter(api, request);
    reply.hijack();
    streams.add(reply.raw);
    const end = openEvents(data, reply.raw, options, request.id, mayRead);
    reply.raw.on('close', () => {
      end();
      streams.delete(reply.raw);
    });
  });
  return data;
}
