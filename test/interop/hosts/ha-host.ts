/**
 * One host of a two-host deployment, in a lab namespace, for the
 * high-availability interop test: `node --import tsx ha-host.ts DIR INSTANCE
 * ENDPOINTS`. It runs `routeserver serve`'s composition root (src/daemon)
 * as `serve --store etcd://ENDPOINTS --instances INSTANCE --live-ttl 3`
 * would, with its data directory DIR (token, certificate) and the API on the
 * namespace's own loopback; DIR/api.sock forwards each connection to it byte
 * for byte (TLS passes through), since the test process in the root
 * namespace has no route into the lab. DIR/api-ready appears once it serves.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { startDaemon } from '../../../src/daemon/daemon.js';
import { createLogger } from '../../../src/daemon/logging.js';

const [dir, instance, endpoints] = process.argv.slice(2);
if (!dir || !instance || !endpoints) throw new Error('usage: ha-host.ts DIR INSTANCE ENDPOINTS');

const daemon = await startDaemon({
  dataDir: dir,
  apiListen: { host: '127.0.0.1', port: 0 },
  logger: createLogger({ format: 'json', level: 'info' }),
  store: { kind: 'etcd', endpoints: endpoints.split(',').map((host) => `http://${host}`) },
  bgp: { instances: [instance] },
  liveTtlSeconds: 3,
});
const port = Number(new URL(daemon.apiUrl!).port);
const socket = path.join(dir, 'api.sock');
const forward = createServer((client) => {
  const upstream = connect(port, '127.0.0.1');
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
rmSync(socket, { force: true }); // left behind by a process that was killed
await new Promise<void>((resolve) => forward.listen(socket, resolve));
writeFileSync(path.join(dir, 'api-ready'), socket);

process.on('SIGTERM', () => {
  forward.close();
  void daemon.stop().then(() => process.exit(0));
});
