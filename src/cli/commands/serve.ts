/**
 * `routeserver serve`: runs the server (src/daemon) in this process until
 * SIGTERM or SIGINT, then stops it cleanly (Cease to every peer, store
 * closed) and exits 0. A second signal while stopping exits at once (1).
 */
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { ConnectionLimits } from '../../api/connection-limits.js';
import type { Daemon } from '../../daemon/daemon.js';
import { DEFAULT_API_HOST, DEFAULT_API_PORT, DEFAULT_DATA_DIR } from '../../daemon/defaults.js';
import { parseListenAddress } from '../../daemon/listen-address.js';
import { parseStoreUrl, type StoreChoice } from '../../daemon/store-url.js';
import type { Logger } from 'pino';
import { examples, globalsOf } from '../context.js';

export function registerServeCommand(program: CommandUnknownOpts): void {
  program
    .command('serve')
    .description('run the route server: store (SQLite or etcd), ARM API, BGP instances, metrics')
    .option(
      '--config <file>',
      'YAML configuration applied at start-up (idempotent; see examples/seed-scenario.yaml)',
    )
    .option(
      '--api-listen <host:port>',
      `API listen address (default: ${DEFAULT_API_HOST}:${DEFAULT_API_PORT})`,
    )
    .option(
      '--public-url <url>',
      'URL clients reach the API at, the base of the links it returns (default: from --api-listen; a wildcard address uses this host name)',
    )
    .option(
      '--store <url>',
      'where the state lives: sqlite (the data directory, default) or etcd://HOST:PORT[,HOST:PORT...] (etcds:// for TLS)',
    )
    .option('--etcd-prefix <prefix>', 'key prefix of this deployment in etcd (default: /routeserver/)')
    .option('--etcd-cacert <file>', "CA certificate (PEM) that signed the etcd members' certificates")
    .option('--etcd-cert <file>', 'client certificate (PEM) for etcd')
    .option('--etcd-key <file>', 'client key (PEM) for etcd')
    .option('--etcd-user <name>', 'etcd user; the password is read from ROUTESERVER_ETCD_PASSWORD')
    .option('--bgp-port <port>', 'TCP port of every instance BGP listener (default: 179)')
    .option('--no-bgp', 'run the API and store only; route servers are configured but run no BGP')
    .option(
      '--bmp <host:port>',
      'export BMP (RFC 7854) to this collector; repeat for more (docs/bmp.md)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--instances <list>',
      'run only these instances of every route server, e.g. IN_0 (another host runs IN_1; needs --store etcd://…)',
    )
    .option(
      '--no-vnet-programming',
      'learn and advertise routes but program none into the VNets (for benchmarks: the BGP work alone)',
    )
    .option('--no-api', 'run no API: a BGP-only process (its instances publish what they know to etcd)')
    .option(
      '--metrics-listen <host:port>',
      'also serve /metrics over plain HTTP without a token here (e.g. with --no-api); bind loopback or a management network',
    )
    .option(
      '--live-ttl <seconds>',
      "seconds a stopped process's sessions and routes stay visible to the others on etcd (default: 6)",
    )
    .option('--max-peers <n>', 'BGP peerings per route server (default: 8, as Azure Route Server)')
    .option(
      '--max-routes-per-peer <n>',
      'routes one peer may advertise before its session is closed (default: 4000, as Azure Route Server)',
    )
    .option('--api-headers-timeout <seconds>', 'time a client has to send request headers (default: 10)')
    .option(
      '--api-request-timeout <seconds>',
      'time a client has to send a whole request, headers and body (default: 60)',
    )
    .option(
      '--api-keep-alive-timeout <seconds>',
      'idle time before a kept-alive connection is closed (default: 5)',
    )
    .option('--api-max-connections <n>', 'open API connections in all (default: 1024)')
    .option(
      '--api-max-connections-per-client <n>',
      'open API connections from one client address (default: 64)',
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['trace', 'debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'log format (default: pretty on a terminal, json otherwise)',
      ).choices(['json', 'pretty']),
    )
    .addHelpText(
      'after',
      examples(
        'routeserver serve',
        'routeserver serve --config examples/seed-scenario.yaml',
        'routeserver serve --data-dir /var/lib/routeserver --api-listen 0.0.0.0:8443',
        'routeserver serve --api-listen 0.0.0.0:8443 --public-url https://rs.example.net:8443',
        'routeserver serve --bgp-port 1179        # without root: peers connect to port 1179',
        'routeserver serve --max-routes-per-peer 1000   # the older Azure limit',
        'routeserver serve --store etcd://10.0.0.11:2379,10.0.0.12:2379,10.0.0.13:2379',
        'routeserver serve --store etcd://10.0.0.11:2379 --instances IN_0   # host A (IN_1 on host B): docs/ha.md',
      ),
    )
    .action(async (options, command) => {
      const globals = globalsOf(command.optsWithGlobals());
      // loaded here so that the client verbs start without the server's modules
      const { startDaemon } = await import('../../daemon/daemon.js');
      const { createLogger } = await import('../../daemon/logging.js');
      const logger = createLogger({
        level: options.logLevel,
        ...(options.logFormat === undefined ? {} : { format: options.logFormat }),
      });
      // From here on a signal stops the server cleanly, also one that arrives while it starts.
      const signals = handleSignals(logger);
      let daemon: Daemon;
      try {
        daemon = await startDaemon({
          dataDir: globals.dataDir ?? DEFAULT_DATA_DIR,
          apiListen: parseListenAddress(
            options.apiListen ?? `${DEFAULT_API_HOST}:${DEFAULT_API_PORT}`,
            '--api-listen',
            DEFAULT_API_HOST,
          ),
          ...(options.config === undefined ? {} : { configFile: options.config }),
          ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
          limits: {
            ...(options.maxPeers === undefined
              ? {}
              : { maxPeersPerRouteServer: parseCount(options.maxPeers, '--max-peers') }),
            ...(options.maxRoutesPerPeer === undefined
              ? {}
              : { maxRoutesPerPeer: parseCount(options.maxRoutesPerPeer, '--max-routes-per-peer') }),
          },
          apiConnectionLimits: apiConnectionLimits(options),
          store: storeChoice(options),
          bgp: {
            enabled: options.bgp,
            ...(options.bgpPort === undefined ? {} : { port: parsePort(options.bgpPort) }),
            ...(options.instances === undefined ? {} : { instances: parseInstances(options.instances) }),
            ...(options.vnetProgramming ? {} : { vnetProgramming: false }),
          },
          ...(options.bmp === undefined
            ? {}
            : { bmp: options.bmp.map((text) => parseListenAddress(text, '--bmp', '127.0.0.1')) }),
          api: options.api,
          ...(options.metricsListen === undefined
            ? {}
            : { metricsListen: parseListenAddress(options.metricsListen, '--metrics-listen', '127.0.0.1') }),
          ...(options.liveTtl === undefined
            ? {}
            : { liveTtlSeconds: parseCount(options.liveTtl, '--live-ttl') }),
          logger,
        });
      } catch (err) {
        logger.fatal(
          {
            err:
              err instanceof Error ? { message: err.message, code: (err as { code?: unknown }).code } : err,
          },
          `cannot start: ${startFailure(err)}`,
        );
        signals.release();
        process.exitCode = 1;
        return;
      }
      if (daemon.metricsUrl !== undefined) logger.info({ metricsUrl: daemon.metricsUrl }, 'serving /metrics');
      if (daemon.apiUrl === undefined)
        logger.info({ store: daemon.storeLocation }, 'running BGP without the API (--no-api)');
      else
        logger.info(
          {
            apiUrl: daemon.apiUrl,
            token: daemon.tokenPath,
            certificate: daemon.certPath,
            store: daemon.storeLocation,
          },
          `serving the API on ${daemon.apiUrl}; token in ${daemon.tokenPath ?? '(given)'}, certificate in ${daemon.certPath ?? '(given)'}`,
        );
      await signals.stop(daemon);
    });
}

/** The start-up failure in words, with the fix for a busy API port. */
function startFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if ((err as { code?: unknown } | null)?.code === 'EADDRINUSE')
    return `${message}: another process uses the API address; stop it or choose another with --api-listen HOST:PORT`;
  return message;
}

interface StoreOptions {
  store?: string;
  etcdPrefix?: string;
  etcdCacert?: string;
  etcdCert?: string;
  etcdKey?: string;
  etcdUser?: string;
}

/** `--store` and the etcd options; the etcd ones without `--store etcd://…` are an error, not ignored. */
function storeChoice(options: StoreOptions): StoreChoice {
  const choice = parseStoreUrl(options.store ?? 'sqlite');
  const etcdOnly = (['etcdPrefix', 'etcdCacert', 'etcdCert', 'etcdKey', 'etcdUser'] as const).filter(
    (key) => options[key] !== undefined,
  );
  if (choice.kind === 'sqlite') {
    if (etcdOnly.length > 0) throw new Error('--etcd-* options need --store etcd://HOST:PORT[,...]');
    return choice;
  }
  if ((options.etcdCert === undefined) !== (options.etcdKey === undefined))
    throw new Error('--etcd-cert and --etcd-key go together');
  if (options.etcdCert !== undefined && options.etcdCacert === undefined)
    throw new Error('a client certificate needs --etcd-cacert (and an etcds:// store)');
  if (options.etcdCacert !== undefined && !choice.endpoints.every((url) => url.startsWith('https://')))
    throw new Error('--etcd-cacert needs an etcds:// store (TLS)');
  const password = process.env.ROUTESERVER_ETCD_PASSWORD;
  if (options.etcdUser !== undefined && password === undefined)
    throw new Error('--etcd-user needs the password in the ROUTESERVER_ETCD_PASSWORD environment variable');
  return {
    ...choice,
    ...(options.etcdPrefix === undefined ? {} : { prefix: options.etcdPrefix }),
    ...(options.etcdUser === undefined ? {} : { auth: { username: options.etcdUser, password: password! } }),
    ...(options.etcdCacert === undefined
      ? {}
      : {
          tls: {
            caCertFile: options.etcdCacert,
            ...(options.etcdCert === undefined
              ? {}
              : { certFile: options.etcdCert, keyFile: options.etcdKey! }),
          },
        }),
  };
}

interface ApiLimitOptions {
  apiHeadersTimeout?: string;
  apiRequestTimeout?: string;
  apiKeepAliveTimeout?: string;
  apiMaxConnections?: string;
  apiMaxConnectionsPerClient?: string;
}

/** The API limits given on the command line (seconds become milliseconds); the rest keep their defaults. */
function apiConnectionLimits(options: ApiLimitOptions): Partial<ConnectionLimits> {
  const limits: { -readonly [K in keyof ConnectionLimits]?: number } = {};
  const seconds = (text: string | undefined, option: string) =>
    text === undefined ? undefined : Math.round(parseSeconds(text, option) * 1000);
  const headers = seconds(options.apiHeadersTimeout, '--api-headers-timeout');
  const request = seconds(options.apiRequestTimeout, '--api-request-timeout');
  const keepAlive = seconds(options.apiKeepAliveTimeout, '--api-keep-alive-timeout');
  if (headers !== undefined) limits.headersTimeoutMs = headers;
  if (request !== undefined) limits.requestTimeoutMs = request;
  if (keepAlive !== undefined) limits.keepAliveTimeoutMs = keepAlive;
  if (options.apiMaxConnections !== undefined)
    limits.maxConnections = parseCount(options.apiMaxConnections, '--api-max-connections');
  if (options.apiMaxConnectionsPerClient !== undefined)
    limits.maxConnectionsPerClient = parseCount(
      options.apiMaxConnectionsPerClient,
      '--api-max-connections-per-client',
    );
  return limits;
}

function parseSeconds(text: string, option: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value < 0.001)
    throw new Error(`${option} '${text}' is not a number of seconds`);
  return value;
}

/** `IN_0`, `IN_1` or both, comma-separated. */
function parseInstances(text: string): string[] {
  const instances = text.split(',').map((part) => part.trim().toUpperCase());
  const known = ['IN_0', 'IN_1'];
  const unknown = instances.filter((instance) => !known.includes(instance));
  if (instances.length === 0 || unknown.length > 0)
    throw new Error(`--instances '${text}': name IN_0, IN_1 or both (IN_0,IN_1)`);
  return [...new Set(instances)];
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`--bgp-port '${text}' is not a TCP port`);
  return port;
}

function parseCount(text: string, option: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || !Number.isSafeInteger(value))
    throw new Error(`${option} '${text}' is not a positive whole number`);
  return value;
}

/**
 * SIGTERM and SIGINT, handled from before the daemon starts: without a
 * handler, Node ends the process at once (no Cease to the peers, the store
 * not closed). A signal during start-up is acted on once the daemon is up;
 * a second signal exits at once (1).
 */
function handleSignals(logger: Logger) {
  let received: NodeJS.Signals | undefined;
  let onFirst: ((signal: NodeJS.Signals) => void) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received !== undefined) {
      logger.warn({ signal }, 'second signal while stopping: exiting now');
      process.exit(1);
    }
    received = signal;
    if (onFirst === undefined) logger.info({ signal }, 'signal while starting: stopping once started');
    else onFirst(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const release = () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
  return {
    release,
    /** Resolves once a signal (received already, or to come) has stopped the daemon. */
    stop(daemon: Daemon): Promise<void> {
      return new Promise((resolve) => {
        onFirst = (signal) => {
          logger.info({ signal }, 'stopping');
          void daemon.stop().then(() => {
            logger.info('stopped');
            release();
            resolve();
          });
        };
        if (received !== undefined) onFirst(received);
      });
    },
  };
}
