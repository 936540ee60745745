/**
 * Samples a NIC's effective routes every 100 ms, inside the lab namespace of
 * a `routeserver serve` whose API listens on its loopback:
 * `node --import tsx route-poller.ts DATA_DIR API_URL NIC_ID OUT_FILE`.
 *
 * It follows the NIC's effective-route watch (GET …/effectiveRouteTable?watch=1,
 * docs/api.md) and appends to OUT_FILE one JSON line per sample,
 * `{"t": epoch ms, "prefixes": [...]}` (the prefixes with an Active route),
 * or `{"t", "connected": false}` while the API does not answer (the server
 * restarts); it reconnects by itself. SIGTERM ends it.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';

const [dataDir, apiUrl, nicId, outFile] = process.argv.slice(2);
if (!dataDir || !apiUrl || !nicId || !outFile)
  throw new Error('usage: route-poller.ts DATA_DIR API_URL NIC_ID OUT_FILE');

const routes = new Map<string, boolean>();
let connected = false;

type Row = { addressPrefix: string[]; state: string };

function event(text: string): void {
  const lines = text.split('\n');
  const kind = lines.find((l) => l.startsWith('event: '))?.slice(7);
  const data = lines
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6))
    .join('\n');
  if (kind === 'snapshot') {
    routes.clear();
    for (const row of (JSON.parse(data) as { value: Row[] }).value)
      if (row.state === 'Active') routes.set(row.addressPrefix[0]!, true);
  } else if (kind === 'change') {
    const changes = (JSON.parse(data) as { changes: { addressPrefix: string; routes: Row[] }[] }).changes;
    for (const change of changes) {
      if (change.routes.some((r) => r.state === 'Active')) routes.set(change.addressPrefix, true);
      else routes.delete(change.addressPrefix);
    }
  }
}

function connect(): void {
  let token: string;
  try {
    token = readFileSync(path.join(dataDir!, 'api-token'), 'utf8').trim();
  } catch {
    setTimeout(connect, 200);
    return;
  }
  let done = false;
  const retry = (why: string) => {
    if (done) return;
    console.log(`${new Date().toISOString()} watch ended (${why}); reconnecting`);
    done = true;
    connected = false;
    setTimeout(connect, 200);
  };
  const req = request(
    `${apiUrl}${nicId}/effectiveRouteTable?api-version=2023-04-01&watch=1`,
    {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      // the API's own self-signed certificate, on the namespace's loopback (docs/security.md)
      rejectUnauthorized: false,
    },
    (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return retry(`HTTP ${res.statusCode}`);
      }
      connected = true;
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          event(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      });
      res.on('close', () => retry('closed'));
    },
  );
  req.on('error', (error) => retry(error.message));
  req.end();
}

connect();
setInterval(() => {
  const sample = connected
    ? { t: Date.now(), prefixes: [...routes.keys()] }
    : { t: Date.now(), connected: false };
  appendFileSync(outFile, JSON.stringify(sample) + '\n');
}, 100);
process.on('SIGTERM', () => process.exit(0));
