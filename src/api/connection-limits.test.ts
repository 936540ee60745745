import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionLimits } from './connection-limits.js';
import { createApiServer, type ApiServer } from './server.js';

let dir: string | undefined;
let server: ApiServer | undefined;
const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.close();
  server = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function start(limits: Partial<ConnectionLimits>): Promise<number> {
  dir = mkdtempSync(join(tmpdir(), 'rs-limits-'));
  server = await createApiServer({
    dataDir: dir,
    listen: { host: '127.0.0.1', port: 0 },
    connectionLimits: limits,
  });
  return (await server.listen()).port;
}

/** A TLS connection, resolved once the handshake completed; records what it receives and when it closes. */
function open(port: number, localAddress = '127.0.0.1') {
  const received: Buffer[] = [];
  const started = Date.now();
  // net.connect's localAddress reaches the socket; tls.ConnectionOptions does not declare it
  const options: ConnectionOptions & { localAddress: string } = {
    host: '127.0.0.1',
    port,
    localAddress,
    rejectUnauthorized: false,
  };
  const socket: TLSSocket = connectTls(options);
  sockets.push(socket);
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
  const ready = new Promise<boolean>((resolve) => {
    socket.once('secureConnect', () => resolve(true));
    socket.once('close', () => resolve(false));
  });
  return { socket, ready, closed, text: () => Buffer.concat(received).toString('latin1') };
}

/** Waits (up to 3 s) until the server holds `count` connections. */
async function serverConnections(count: number): Promise<void> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const now = await new Promise<number>((resolve, reject) =>
      server!.app.server.getConnections((error, n) => (error ? reject(error) : resolve(n))),
    );
    if (now === count) return;
    if (Date.now() > deadline) throw new Error(`the server holds ${now} connections, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Writes one byte every `everyMs` until the socket closes. */
function trickle(socket: Socket, everyMs: number): void {
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write('x');
  }, everyMs);
  timers.push(timer);
}

const bodyHeaders = (length: number) =>
  'PUT /providers/Microsoft.Network/operations?api-version=2024-05-01 HTTP/1.1\r\n' +
  `Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n`;
const BIG_BODY_HEADERS = bodyHeaders(100_000_000);

describe('API connection limits', () => {
  it('answers 401 to a client still sending a large body and closes the connection at once', async () => {
    const port = await start({ requestTimeoutMs: 60_000 });
    const client = open(port);
    expect(await client.ready).toBe(true);
    client.socket.write(`${BIG_BODY_HEADERS}\r\nx`);
    trickle(client.socket, 100);
    const closedAfter = await client.closed;
    expect(client.text()).toMatch(/^HTTP\/1\.1 401 /);
    expect(client.text()).toMatch(/\r\nconnection: close\r\n/i);
    expect(closedAfter).toBeLessThan(5_000);
  });

  it('ends a request whose body arrives slower than the request timeout, even with the token', async () => {
    const port = await start({ requestTimeoutMs: 800, headersTimeoutMs: 400 });
    const client = open(port);
    expect(await client.ready).toBe(true);
    const token = server!.credentials.token;
    client.socket.write(`${bodyHeaders(1_000_000)}Authorization: Bearer ${token}\r\n\r\nx`);
    trickle(client.socket, 100);
    const closedAfter = await client.closed;
    expect(client.text()).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfter).toBeLessThan(5_000);
  });

  it('answers 413 to a declared body over the limit and closes the connection without reading it', async () => {
    const port = await start({});
    const client = open(port);
    expect(await client.ready).toBe(true);
    const token = server!.credentials.token;
    client.socket.write(`${BIG_BODY_HEADERS}Authorization: Bearer ${token}\r\n\r\nx`);
    trickle(client.socket, 100);
    const closedAfter = await client.closed;
    expect(client.text()).toMatch(/^HTTP\/1\.1 413 /);
    expect(closedAfter).toBeLessThan(5_000);
  });

  it('ends a connection whose request headers do not complete in time', async () => {
    const port = await start({ headersTimeoutMs: 400, requestTimeoutMs: 2_000 });
    const client = open(port);
    expect(await client.ready).toBe(true);
    client.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    trickle(client.socket, 100);
    expect(await client.closed).toBeLessThan(5_000);
  });

  it('closes an idle kept-alive connection after the keep-alive timeout', async () => {
    const port = await start({ keepAliveTimeoutMs: 300 });
    const client = open(port);
    expect(await client.ready).toBe(true);
    // a path that needs the token (`/` is the dashboard's page, served without one)
    client.socket.write('GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const closedAfter = await client.closed;
    expect(client.text()).toMatch(/^HTTP\/1\.1 401 /);
    expect(client.text()).not.toMatch(/\r\nconnection: close\r\n/i); // kept alive, then timed out
    expect(closedAfter).toBeLessThan(3_000);
  });

  it('closes a TCP connection that never starts the TLS handshake', async () => {
    const port = await start({ handshakeTimeoutMs: 300 });
    const socket = connectTcp({ host: '127.0.0.1', port });
    sockets.push(socket);
    const started = Date.now();
    await new Promise((resolve) => socket.once('close', resolve));
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('refuses connections beyond the cap per client address and beyond the overall cap', async () => {
    const port = await start({ maxConnectionsPerClient: 2, maxConnections: 4 });
    const first = [open(port), open(port)];
    expect(await Promise.all(first.map((c) => c.ready))).toEqual([true, true]);
    expect(await open(port).ready).toBe(false); // a third from 127.0.0.1
    await serverConnections(2);
    expect(await open(port, '127.0.0.2').ready).toBe(true);
    expect(await open(port, '127.0.0.3').ready).toBe(true);
    expect(await open(port, '127.0.0.4').ready).toBe(false); // over the overall cap of 4
    await serverConnections(4);
    first[0]!.socket.destroy();
    await serverConnections(3);
    expect(await open(port).ready).toBe(true); // a slot of 127.0.0.1 is free again
  });
});
