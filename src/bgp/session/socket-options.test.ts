import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { kernelSocketOptions, socketTtl } from './socket-options.js';

// The kernel's own view, read without socket-options.ts: getsockopt through the
// sockopt addon with the Linux constants (include/uapi/linux/in.h, in6.h).
const sockopt = createRequire(import.meta.url)('sockopt') as {
  getsockopt(socket: net.Socket, level: number, option: number): number;
};
const kernelTtl = (socket: net.Socket) => sockopt.getsockopt(socket, 0 /* IPPROTO_IP */, 2 /* IP_TTL */);
const kernelHopLimit = (socket: net.Socket) =>
  sockopt.getsockopt(socket, 41 /* IPPROTO_IPV6 */, 16 /* IPV6_UNICAST_HOPS */);

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

function listen(host: string): Promise<{ port: number; accepted: Promise<net.Socket> }> {
  return new Promise((resolve) => {
    let accept: (s: net.Socket) => void = () => {};
    const accepted = new Promise<net.Socket>((r) => (accept = r));
    const server = net.createServer((s) => accept(s));
    server.listen(0, host, () => {
      closers.push(() => server.close());
      resolve({ port: (server.address() as AddressInfo).port, accepted });
    });
  });
}

/** A connected pair on `host`: the client socket and the accepted one. */
async function connectedPair(host: string): Promise<{ client: net.Socket; accepted: net.Socket }> {
  const { port, accepted } = await listen(host);
  const client = net.connect({ host, port });
  closers.push(() => client.destroy());
  await new Promise((r) => client.once('connect', r));
  const socket = await accepted;
  closers.push(() => socket.destroy());
  return { client, accepted: socket };
}

describe('IP TTL on BGP sockets', () => {
  const options = kernelSocketOptions();
  const kernelDefault = Number(readFileSync('/proc/sys/net/ipv4/ip_default_ttl', 'utf8'));

  it('changes the IPv4 TTL the kernel uses for the socket', async () => {
    expect(options, 'the sockopt addon did not load').toBeDefined();
    const { client } = await connectedPair('127.0.0.1');
    expect(kernelTtl(client)).toBe(kernelDefault);
    options!.applyTtl(client, 7);
    expect(kernelTtl(client)).toBe(7);
    expect(socketTtl(client)).toBe(7);
  });

  it('changes the IPv6 hop limit, not the IPv4 TTL, on an IPv6 socket', async () => {
    const { client } = await connectedPair('::1');
    const before = kernelHopLimit(client);
    options!.applyTtl(client, before === 9 ? 10 : 9);
    expect(kernelHopLimit(client)).toBe(before === 9 ? 10 : 9);
    expect(socketTtl(client)).toBe(kernelHopLimit(client));
  });

  it('sets the TTL of an outbound socket once it connects, when asked before connect', async () => {
    const { port, accepted } = await listen('127.0.0.1');
    const socket = net.connect({ host: '127.0.0.1', port });
    closers.push(() => socket.destroy());
    options!.applyTtl(socket, 255);
    await new Promise((r) => socket.once('connect', r));
    await new Promise((r) => setImmediate(r));
    expect(kernelTtl(socket)).toBe(255);
    (await accepted).destroy();
  });

  it('sets the TTL of an accepted socket at once', async () => {
    const { accepted } = await connectedPair('127.0.0.1');
    expect(kernelTtl(accepted)).toBe(kernelDefault);
    options!.applyTtl(accepted, 2);
    expect(kernelTtl(accepted)).toBe(2);
  });
});
