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
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createApiServer, registerNetworkResources } from '../../../src/api/index.js';
import { RouteServerService } from '../../../src/routeserver/index.js';
import { WorkerRuntime } from '../../../src/runtime/index.js';
import { openSqliteStore } from '../../../src/store/index.js';

const [dir] = process.argv.slice(2);
if (!dir) throw new Error('usage: api-host.ts DIR');

const store = openSqliteStore({ path: path.join(dir, 'state.db') });
const runtime = new WorkerRuntime();
const service = await RouteServerService.open({
  store,
  runtime,
  onEffectError: (error) => console.error('live effect failed', error),
});
const server = await createApiServer({ dataDir: dir, listen: { host: 'localhost', port: 0 } });
registerNetworkResources(server, service);
const socket = path.join(dir, 'api.sock');
await server.app.listen({ path: socket });
writeFileSync(path.join(dir, 'api-ready'), socket);
console.log(`API on ${socket}`);

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
