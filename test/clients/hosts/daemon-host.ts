/**
 * routeserver's daemon (store, domain service, BGP instances, HTTPS API with
 * the identity endpoints) inside a lab namespace, for the client tests that
 * drive real NVAs: `node --import tsx daemon-host.ts DIR CONFIG`. The API
 * listens on the namespace's own loopback; the clients run in the same
 * namespace (`ip netns exec`). DIR/ready holds `{"url", "certPath"}` once
 * it serves. SIGTERM stops the daemon (BGP sessions close with a Cease).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { startDaemon } from '../../../src/daemon/daemon.js';

const [dir, configFile] = process.argv.slice(2);
if (!dir || !configFile) throw new Error('usage: daemon-host.ts DIR CONFIG');

const daemon = await startDaemon({
  dataDir: path.join(dir, 'data'),
  configFile,
  apiListen: { host: '127.0.0.1', port: 0 },
  logger: pino({ level: 'info' }),
});
writeFileSync(path.join(dir, 'ready'), JSON.stringify({ url: daemon.apiUrl, certPath: daemon.certPath }));

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void daemon.stop().then(() => process.exit(0));
});
