import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { kernelSocketOptions, socketTtl } from './socket-options.js';

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

function listen(): Promise<{ server: net.Server; port: number; accepted: Promise<net.Socket> }> {
  return new Promise((resolve) => {
    let accept: (s: net.Socket) => void = () => {};
    const accepted = new Promise<net.Socket>((r) => (accept = r));
    const server = net.createServer((s) => accept(s));
    server.listen(0, '127.0.0.1', () => {
      closers.push(() => server.close());
      resolve({ server, port: (server.address() as AddressInfo).port, accepted });
    });
  });
}

describe('IP TTL on BGP sockets', () => {
  const options = kernelSocketOptions();

  it('is available on this platform', () => {
    expect(options).toBeDefined();
  });

  it('sets the TTL of an outbound socket once it connects, when asked before connect', async () => {
    const { port, accepted } = await listen();
    const socket = net.connect({ host: '127.0.0.1', port });
    closers.push(() => socket.destroy());
    options!.applyTtl(socket, 255);
    await new Promise((r) => socket.once('connect', r));
    await new Promise((r) => setImmediate(r));
    expect(socketTtl(socket)).toBe(255);
    (await accepted).destroy();
  });

  it('sets the TTL of an accepted socket at once', async () => {
    const { port, accepted } = await listen();
    const client = net.connect({ host: '127.0.0.1', port });
    closers.push(() => client.destroy());
    const socket = await accepted;
    closers.push(() => socket.destroy());
    const kernelDefault = Number(readFileSync('/proc/sys/net/ipv4/ip_default_ttl', 'utf8'));
    expect(socketTtl(socket)).toBe(kernelDefault);
    options!.applyTtl(socket, 2);
    expect(socketTtl(socket)).toBe(2);
  });
});
