/**
 * What one client can hold of the API server: time limits on every phase of
 * a connection and caps on how many connections exist, so that slow or idle
 * clients cannot pin sockets, file descriptors and memory without end.
 *
 * | phase | limit |
 * | --- | --- |
 * | TLS handshake | `handshakeTimeoutMs` (tls.Server `handshakeTimeout`) |
 * | request headers | `headersTimeoutMs` (http.Server `headersTimeout`) |
 * | whole request, headers and body | `requestTimeoutMs` (`requestTimeout`; answered 408) |
 * | no byte either way while a request is handled | `idleTimeoutMs` (`server.setTimeout`) |
 * | idle kept-alive connection between requests | `keepAliveTimeoutMs` |
 *
 * Node checks the header and request deadlines every
 * `connectionsCheckingInterval`; it is set to a quarter of the shorter one
 * (between 100 ms and 1 s), so a deadline is enforced within 25 % of itself.
 * A connection beyond `maxConnections` in all or `maxConnectionsPerClient`
 * from one client address is closed as it is accepted, before TLS.
 *
 * An answer sent before the request body arrived in full (a 401 to a client
 * still uploading, a 413) carries `Connection: close`, and the server closes
 * the connection once the answer is written instead of reading the rest of
 * the body: a client cannot keep a connection by declaring a large body and
 * sending it slowly.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { FastifyInstance } from 'fastify';

export interface ConnectionLimits {
  readonly handshakeTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerClient: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  // a 4 MiB body (the body limit) at 1 Mbit/s takes 34 s
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
  maxConnectionsPerClient: 64,
};

/** How often Node looks for expired header and request deadlines. */
function checkingIntervalMs(limits: ConnectionLimits): number {
  const shorter = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return Math.min(1000, Math.max(100, Math.floor(shorter / 4)));
}

/** Closes a connection at accept when its client address already holds `max` connections. */
function capConnectionsPerClient(server: Server, max: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? '';
    const count = open.get(client) ?? 0;
    if (count >= max) {
      socket.destroy();
      return;
    }
    open.set(client, count + 1);
    socket.once('close', () => {
      const left = (open.get(client) ?? 1) - 1;
      if (left === 0) open.delete(client);
      else open.set(client, left);
    });
  });
}

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** A fastify `serverFactory`: the HTTPS server with `tls` and every limit of `limits`. */
export function limitedHttpsServerFactory(
  tls: TlsOptions & SecureContextOptions,
  limits: ConnectionLimits,
): (handler: RequestHandler) => Server {
  return (handler) => {
    const server = createServer(
      {
        ...tls,
        handshakeTimeout: limits.handshakeTimeoutMs,
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        connectionsCheckingInterval: checkingIntervalMs(limits),
      },
      handler,
    );
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    server.setTimeout(limits.idleTimeoutMs);
    server.maxConnections = limits.maxConnections;
    capConnectionsPerClient(server, limits.maxConnectionsPerClient);
    return server;
  };
}

/** Answers sent while the request body is still arriving close the connection (see the file comment). */
export function closeWhenBodyUnread(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.raw.complete) reply.header('connection', 'close');
    return payload;
  });
}

/** Checks configured limits: positive whole numbers, headers no longer than the whole request. */
export function checkConnectionLimits(limits: ConnectionLimits): string | undefined {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1)
      return `${name} must be a positive whole number, got ${value}`;
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    return 'the header timeout cannot be longer than the request timeout';
  return undefined;
}
