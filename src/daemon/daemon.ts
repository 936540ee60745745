/**
 * The composition root of `routeserver serve`: SQLite store, the domain
 * service (with the BGP runtime when BGP is enabled), the declarative
 * configuration, the ARM API with every resource route, `/metrics`, logs.
 *
 * Start-up order: validate the configuration file (fail before touching the
 * store), make the data directory private (data-dir.ts), open the store, open the service (which starts stored route
 * servers), apply the configuration, then listen on the API. `stop()` runs
 * the reverse: the API stops accepting requests, the service finishes its
 * writes, the runtime closes every session with a Cease, the store closes.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { CodedError } from '../lib/errors.js';
import {
  createApiServer,
  parsePublicUrl,
  registerDashboardData,
  registerRouteWatch,
  type ApiServer,
  type ApiServerOptions,
  type ConnectionLimits,
} from '../api/index.js';
import { registerNetworkResources } from '../api/routes/index.js';
import { openEtcdLiveState, type LiveStateStore, type ResourceStore } from '../store/index.js';
import { RouteServerService, SharedRuntime, type RouteServerLimits } from '../routeserver/index.js';
import { WorkerRuntime, type BgpRuntime } from '../runtime/index.js';
import { applyConfig, type ApplyReport } from './config-apply.js';
import { dashboardSources } from './dashboard-sources.js';
import { loadConfigFile } from './config-load.js';
import { pruneUndeclared, readDeclared, writeDeclared } from './config-prune.js';
import type { ConfigFile } from './config-schema.js';
import { secureDataDirectory } from './data-dir.js';
import { API_URL_FILE, LOCAL_SUBSCRIPTION_ID, LOCAL_TENANT_ID } from './defaults.js';
import { startMetricsListener } from './metrics-listener.js';
import { METRICS_PATH, serveMetrics } from './metrics.js';
import { logBmpEvents } from './bmp-log.js';
import { logRuntimeEvents } from './runtime-log.js';
import { logSessionEvents } from './session-log.js';
import { etcdOptions, openChosenStore } from './store-choice.js';
import type { StoreChoice } from './store-url.js';

export interface DaemonOptions {
  readonly dataDir: string;
  readonly apiListen: { readonly host: string; readonly port: number };
  /** the URL clients reach the API at (links are built from it); default: the configuration file's `api.publicUrl`, else from the listen address */
  readonly publicUrl?: string;
  readonly configFile?: string;
  readonly logger: Logger;
  /**
   * BGP listeners: port (default 179), or disabled (route servers configured
   * but not running here); `instances`: run only these instances of every
   * route server (a deployment across hosts on etcd; default: all)
   */
  readonly bgp?: {
    readonly enabled?: boolean;
    readonly port?: number;
    readonly instances?: readonly string[];
    /** false: learned routes are advertised to the peers but not programmed into the VNet (default true) */
    readonly vnetProgramming?: boolean;
  };
  /** serve the ARM API (default true); false: a BGP-only process */
  readonly api?: boolean;
  /** also serve `/metrics` over plain HTTP without a token here (metrics-listener.ts), e.g. in a process without the API */
  readonly metricsListen?: { readonly host: string; readonly port: number };
  /** seconds a dead process's live state (sessions, routes) outlives it in etcd (default 6) */
  readonly liveTtlSeconds?: number;
  /** `Retry-After` seconds on long-running operations (default 1) */
  readonly retryAfterSeconds?: number;
  /** API timeouts and connection caps (src/api/connection-limits.ts); unset ones keep their defaults */
  readonly apiConnectionLimits?: Partial<ConnectionLimits>;
  /** per route server: BGP peerings (Azure: 8) and routes one peer may advertise (Azure: 4,000) */
  readonly limits?: Partial<RouteServerLimits>;
  /** BMP collectors (docs/bmp.md), besides the configuration file's `bmp` */
  readonly bmp?: readonly { readonly host: string; readonly port: number }[];
  /** the SQLite file in the data directory (default), or etcd (store-choice.ts) */
  readonly store?: StoreChoice;
}

export interface Daemon {
  /** undefined in a process without the API */
  readonly apiUrl: string | undefined;
  readonly tokenPath: string | undefined;
  /** the `--metrics-listen` URL; undefined without it */
  readonly metricsUrl: string | undefined;
  readonly certPath: string | undefined;
  /** where the state lives: the SQLite file, or the etcd endpoints and key prefix */
  readonly storeLocation: string;
  readonly config: ApplyReport | undefined;
  readonly service: RouteServerService;
  stop(): Promise<void>;
}

interface Parts {
  /** diagnostics-channel subscribers (session log, refused-connection counter) */
  unsubscribe: (() => void)[];
  store?: ResourceStore;
  runtime?: BgpRuntime;
  live?: LiveStateStore;
  service?: RouteServerService;
  api?: ApiServer;
  apiUrlPath?: string;
  metrics?: ReturnType<typeof serveMetrics>['registry'];
  metricsListener?: { close(): Promise<void> };
}

/** One registry for the API's `/metrics` and the `--metrics-listen` listener. */
function metricsOf(parts: Parts): NonNullable<Parts['metrics']> {
  if (parts.metrics !== undefined) return parts.metrics;
  const { registry, unsubscribe } = serveMetrics(parts.runtime);
  parts.unsubscribe.push(unsubscribe);
  return (parts.metrics = registry);
}

async function stopParts(parts: Parts, logger: Logger): Promise<void> {
  const step = async (what: string, run: () => Promise<void> | void) => {
    try {
      await run();
    } catch (err) {
      logger.error({ err }, `stopping: ${what} failed`);
    }
  };
  if (parts.metricsListener) await step('metrics listener', () => parts.metricsListener!.close());
  if (parts.api) await step('API', () => parts.api!.close());
  if (parts.apiUrlPath) await step('api-url file', () => rmSync(parts.apiUrlPath!, { force: true }));
  if (parts.service) await step('domain service', () => parts.service!.close());
  if (parts.runtime) await step('BGP instances', () => parts.runtime!.close());
  if (parts.live) await step('live state', () => parts.live!.close());
  if (parts.store) await step('store', () => parts.store!.close());
  for (const unsubscribe of parts.unsubscribe) unsubscribe();
}

/** Applies the file, deletes what an earlier file declared and this one does not, remembers what it declares. */
async function applyStartupConfig(
  service: RouteServerService,
  config: ConfigFile | undefined,
  where: { readonly file: string | undefined; readonly dataDir: string },
  logger: Logger,
): Promise<ApplyReport | undefined> {
  if (config === undefined) return undefined;
  const report = await applyConfig(service, config);
  const pruned = await pruneUndeclared(service, readDeclared(where.dataDir), report.declared, logger);
  writeDeclared(where.dataDir, [...report.declared, ...pruned.kept]);
  const changed = report.written.length + pruned.deleted.length;
  logger.info(
    {
      file: where.file,
      written: report.written.length,
      unchanged: report.unchanged,
      deleted: pruned.deleted.length,
    },
    changed === 0 ? 'configuration unchanged' : 'configuration applied',
  );
  for (const id of report.written) logger.debug({ id }, 'configuration wrote');
  for (const id of pruned.deleted)
    logger.info({ id }, 'configuration deleted a resource the file no longer declares');
  return report;
}

/** Service principals and subscriptions for the API, from the configuration file. */
function identityOf(config: ConfigFile | undefined): Pick<ApiServerOptions, 'identity' | 'subscriptions'> {
  const subscriptionIds = new Set([LOCAL_SUBSCRIPTION_ID, config?.subscription ?? LOCAL_SUBSCRIPTION_ID]);
  const subscriptions = [...subscriptionIds].map((subscriptionId) => ({
    subscriptionId,
    displayName: subscriptionId === LOCAL_SUBSCRIPTION_ID ? 'routeserver' : `routeserver ${subscriptionId}`,
  }));
  const identity = config?.identity;
  if (identity === undefined) return { subscriptions };
  return {
    subscriptions,
    identity: {
      tenantId: identity.tenantId ?? LOCAL_TENANT_ID,
      principals: identity.servicePrincipals.map((p) => ({
        clientId: p.clientId,
        secretHash: p.secretHash,
        ...(p.displayName === undefined ? {} : { displayName: p.displayName }),
        roleAssignments: (p.roleAssignments ?? []).map((assignment) => ({
          role: assignment.role,
          scope: assignment.scope ?? `/subscriptions/${config?.subscription ?? LOCAL_SUBSCRIPTION_ID}`,
        })),
      })),
    },
  };
}

/**
 * The BGP runtime: on SQLite, this process runs every instance (or none
 * with BGP disabled); on etcd, the instances it is told to run, sharing
 * what they know with the processes that run the others (shared-runtime.ts).
 */
async function createRuntime(
  options: DaemonOptions,
  store: StoreChoice,
  logger: Logger,
  config: ConfigFile | undefined,
): Promise<{ runtime: BgpRuntime | undefined; live?: LiveStateStore }> {
  const instances = options.bgp?.enabled === false ? [] : options.bgp?.instances;
  if (store.kind === 'sqlite') {
    if (instances !== undefined && options.bgp?.enabled !== false)
      throw new Error('--instances needs a store shared by the processes: --store etcd://HOST:PORT[,...]');
    if (options.bgp?.enabled === false) return { runtime: undefined };
  }
  const collectors = [
    ...(config?.bmp ?? []),
    ...(options.bmp ?? []).map(({ host, port }) => ({ address: host, port })),
  ];
  const local = new WorkerRuntime({
    ...(options.bgp?.port === undefined ? {} : { port: options.bgp.port }),
    ...(instances === undefined ? {} : { instances }),
    ...(options.bgp?.vnetProgramming === false ? { programVnet: false } : {}),
    ...(collectors.length === 0 ? {} : { bmp: { collectors } }),
    warmUp: true,
  });
  if (options.bgp?.vnetProgramming === false)
    logger.warn(
      "VNet programming off: this process's instances advertise what they learn but program no route into the VNets",
    );
  if (store.kind === 'sqlite') return { runtime: local };
  const live = await openEtcdLiveState({
    ...etcdOptions(store),
    ...(options.liveTtlSeconds === undefined ? {} : { ttlSeconds: options.liveTtlSeconds }),
    onError: (err: unknown) => logger.warn({ err }, 'live state: a write to etcd failed; it is sent again'),
  });
  const runtime = await SharedRuntime.open(local, live, {
    onError: (err: unknown) => logger.warn({ err }, 'live state: publishing failed'),
  });
  return { runtime, live };
}

/** A live effect failed: a coded error (e.g. an address that cannot be bound) is logged with its code and remedy. */
function logEffectError(logger: Logger, err: unknown): void {
  if (err instanceof CodedError) logger.error({ code: err.code }, err.message);
  else logger.error({ err }, 'a committed change could not be applied to the BGP instances');
}

/** The URL a local client uses: a wildcard listen address is reached over loopback (the certificate names it). */
export function localUrl(host: string, port: number): string {
  if (host === '0.0.0.0') return `https://127.0.0.1:${port}`;
  if (host === '::') return `https://[::1]:${port}`;
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The ARM API with every resource route, the route watch and /metrics; writes the api-url file. */
async function startApi(
  parts: Parts,
  options: DaemonOptions,
  dataDir: string,
  publicUrl: string | undefined,
  config: ConfigFile | undefined,
): Promise<{ url: string }> {
  const { logger } = options;
  parts.api = await createApiServer({
    dataDir,
    listen: options.apiListen,
    // request lines only at debug; errors always
    logger: logger.child(
      { component: 'api' },
      { level: logger.isLevelEnabled('debug') ? logger.level : 'warn' },
    ),
    ...(publicUrl === undefined ? {} : { publicUrl }),
    ...identityOf(config),
    roleAssignments: parts.service!.roleAssignments,
    auditLogger: logger.child({ component: 'audit' }),
    ...(options.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: options.retryAfterSeconds }),
    ...(options.apiConnectionLimits === undefined ? {} : { connectionLimits: options.apiConnectionLimits }),
  });
  registerNetworkResources(parts.api, parts.service!);
  registerRouteWatch(parts.api.app, parts.service!);
  registerDashboardData(parts.api, parts.service!, dashboardSources(parts.runtime));
  const metrics = metricsOf(parts);
  parts.api.app.get(METRICS_PATH, { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  });
  const bound = await parts.api.listen();
  parts.apiUrlPath = join(dataDir, API_URL_FILE);
  writeFileSync(parts.apiUrlPath, `${localUrl(bound.host, bound.port)}\n`, { mode: 0o600 });
  return { url: localUrl(bound.host, bound.port) };
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { logger } = options;
  const dataDir = resolve(options.dataDir);
  const config = options.configFile === undefined ? undefined : loadConfigFile(options.configFile);
  const publicUrl = options.publicUrl ?? config?.api?.publicUrl;
  // a wrong URL stops the start before the store is opened or the file applied
  if (publicUrl !== undefined) parsePublicUrl(publicUrl);
  const tightened = secureDataDirectory(dataDir);
  if (tightened.length > 0) logger.warn({ paths: tightened }, 'data directory: made private (0700 / 0600)');
  const parts: Parts = { unsubscribe: [] };
  try {
    const storeChoice = options.store ?? { kind: 'sqlite' };
    const opened = await openChosenStore(storeChoice, dataDir);
    parts.store = opened.store;
    parts.unsubscribe.push(logSessionEvents(logger.child({ component: 'bgp' })));
    parts.unsubscribe.push(logRuntimeEvents(logger.child({ component: 'bgp' })));
    parts.unsubscribe.push(logBmpEvents(logger.child({ component: 'bmp' })));
    const created = await createRuntime(options, storeChoice, logger.child({ component: 'bgp' }), config);
    parts.runtime = created.runtime;
    parts.live = created.live;
    parts.service = await RouteServerService.open({
      store: parts.store,
      ...(options.limits ? { limits: options.limits } : {}),
      ...(parts.runtime ? { runtime: parts.runtime } : {}),
      // on etcd other processes write too: their changes reach this process's model and instances
      followOtherProcesses: storeChoice.kind === 'etcd',
      onEffectError: (err) => logEffectError(logger.child({ component: 'bgp' }), err),
    });
    const service = parts.service;
    const apply = async () => {
      await service.otherProcessesApplied(); // what a process that applied before us wrote
      return applyStartupConfig(service, config, { file: options.configFile, dataDir }, logger);
    };
    // on etcd, processes started together apply their files one after another
    const report = await (parts.live === undefined || config === undefined
      ? apply()
      : parts.live.exclusively('configuration', apply));
    const api =
      options.api === false ? undefined : await startApi(parts, options, dataDir, publicUrl, config);
    const metricsListener =
      options.metricsListen === undefined
        ? undefined
        : await startMetricsListener(metricsOf(parts), options.metricsListen);
    parts.metricsListener = metricsListener;
    let stopping: Promise<void> | undefined;
    return {
      apiUrl: api?.url,
      metricsUrl: metricsListener?.url,
      tokenPath: parts.api?.credentials.tokenPath,
      certPath: parts.api?.credentials.certPath,
      storeLocation: opened.location,
      config: report,
      service,
      stop: () => (stopping ??= stopParts(parts, logger)),
    };
  } catch (error) {
    await stopParts(parts, logger);
    throw error;
  }
}
