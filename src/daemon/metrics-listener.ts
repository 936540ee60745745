/**
 * `--metrics-listen HOST:PORT`: `/metrics` on a listener of its own, plain
 * HTTP without a token, for processes without the API (`--no-api`: BGP only,
 * one instance per host) or a scraper that cannot present the API's token.
 * It serves `GET /metrics` and nothing else; bind it to loopback or a
 * management network (docs/serve.md, "Metrics").
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { METRICS_PATH } from './metrics.js';

interface MetricsListener {
  /** e.g. `http://127.0.0.1:9464/metrics` */
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsListener(
  registry: Registry,
  listen: { readonly host: string; readonly port: number },
): Promise<MetricsListener> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== METRICS_PATH || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(path === METRICS_PATH ? 405 : 404, { 'content-type': 'text/plain' });
      response.end(
        path === METRICS_PATH ? 'method not allowed\n' : 'not found: only /metrics is served here\n',
      );
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`metrics failed: ${String(error)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}${METRICS_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
