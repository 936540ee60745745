/**
 * The route server with its management API, in a child process inside a lab
 * namespace, for the SDK interop test: `node --import tsx api-host.ts DIR`.
 *
 * SQLite store in DIR/state.db, the domain service with the BGP runtime on
 * real speakers (instances listen on the RouteServerSubnet addresses the lab
 * gave this namespace), and the HTTPS API with every network resource. The
 * API listens on the unix socket DIR/api.sock: the test process stays in the
 * root namespace, which has no route into the lab, but a socket file is
 * reachable from any namespace. Certificate and token are generated into DIR
 * (tls/cert.pem, api-token). DIR/api-ready appears once it serves. SIGTERM
 * closes the API, every BGP session (Cease) and the store, then exits.
 *
 * `api-host.ts DIR tcp`: the API listens on 127.0.0.1 (a port of the
 * namespace's own loopback) for clients inside the namespace, such as the
 * data-plane agent, and writes its URL to DIR/api-url; DIR/api.sock then
 * forwards each connection to that port byte for byte (TLS passes through).
 * A restart listens on the port of DIR/api-url again.
 *
 * SIGUSR2 keeps the main thread busy for a while (see the handler), for the
 * test that BGP does not wait for it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { createApiServer, registerNetworkResources, registerRouteWatch } from '../../../src/api/index.js';
import { METRICS_PATH, serveMetrics } from '../../../src/daemon/metrics.js';
import { RouteServerService } from '../../../src/routeserver/index.js';
import { WorkerRuntime } from '../../../src/runtime/index.js';
import { openSqliteStore } from '../../../src/store/index.js';

const [dir, mode] = process.argv.slice(2);
if (!dir) throw new Error('usage: api-host.ts DIR');

const store = openSqliteStore({ path: path.join(dir, 'state.db') });
const runtime = new WorkerRuntime();
const service = await RouteServerService.open({
  store,
  runtime,
  onEffectError: (error) => console.error('live effect failed', error),
});
/** A restart keeps the port of the previous run, so clients holding the URL reconnect. */
function previousPort(): number {
  const file = path.join(dir!, 'api-url');
  return existsSync(file) ? Number(new URL(readFileSync(file, 'utf8').trim()).port) : 0;
}

const server = await createApiServer({
  dataDir: dir,
  listen: mode === 'tcp' ? { host: '127.0.0.1', port: previousPort() } : { host: 'localhost', port: 0 },
});
registerNetworkResources(server, service);
registerRouteWatch(server.app, service);
// /metrics as `routeserver serve` serves it (src/daemon/daemon.ts)
const metrics = serveMetrics(runtime).registry;
server.app.get(METRICS_PATH, { schema: { hide: true } }, async (_request, reply) => {
  reply.header('content-type', metrics.contentType);
  return metrics.metrics();
});
const socket = path.join(dir, 'api.sock');
if (mode === 'tcp') {
  const bound = await server.listen();
  writeFileSync(path.join(dir, 'api-url'), bound.url);
  const forward = createServer((client) => {
    const upstream = connect(bound.port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => forward.listen(socket, resolve));
  process.on('exit', () => forward.close());
} else {
  await server.app.listen({ path: socket });
}
writeFileSync(path.join(dir, 'api-ready'), socket);
console.log(`API on ${socket}`);

// SIGUSR2 blocks the main thread (store, domain service, API) for
// ROUTESERVER_TEST_BLOCK_MS (default 12 s), as a slow request handler would:
// the BGP instances run in worker threads and must not notice.
process.on('SIGUSR2', () => {
  const until = Date.now() + Number(process.env.ROUTESERVER_TEST_BLOCK_MS ?? 12_000);
  console.log('main thread blocked');
  while (Date.now() < until);
  console.log('main thread unblocked');
});

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    await server.close();
    await service.close();
    await runtime.close();
    await store.close();
    process.exit(0);
  })();
});
