/**
 * IP TTL / hop limit on BGP sockets (eBGP multihop, RFC 4271 §5.1.3 note on
 * multihop; the GTSM idea of RFC 5082 uses the same socket option).
 *
 * node:net has no setsockopt, so this uses the `sockopt` native addon.
 * Limits, stated as "RFC says / we do": a multihop session's packets should
 * leave with the configured TTL; we set it on the connected socket, so the
 * SYN of an outbound connection leaves with the kernel default (64) and
 * every later segment with the configured TTL. Inbound sockets get it as
 * soon as they are accepted.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { SocketOptions } from './peer-session.js';

// Linux values (include/uapi/linux/in.h, in6.h)
const IPPROTO_IP = 0;
const IP_TTL = 2;
const IPPROTO_IPV6 = 41;
const IPV6_UNICAST_HOPS = 16;

interface SockoptModule {
  getsockopt(socket: Socket, level: number, option: number): number;
  setsockopt(socket: Socket, level: number, option: number, value: number): void;
}

function loadSockopt(): SockoptModule | undefined {
  try {
    return createRequire(import.meta.url)('sockopt') as SockoptModule;
  } catch {
    return undefined;
  }
}

function hasDescriptor(socket: Socket): boolean {
  const handle = (socket as unknown as { _handle?: { fd?: number } })._handle;
  return handle?.fd !== undefined && handle.fd >= 0;
}

function levelAndOption(socket: Socket): [number, number] {
  const family = socket.localFamily ?? socket.remoteFamily;
  return family === 'IPv6' ? [IPPROTO_IPV6, IPV6_UNICAST_HOPS] : [IPPROTO_IP, IP_TTL];
}

/** The TTL (hop limit) currently set on a connected socket. */
export function socketTtl(socket: Socket): number | undefined {
  const sockopt = loadSockopt();
  if (!sockopt || !hasDescriptor(socket)) return undefined;
  const [level, option] = levelAndOption(socket);
  return sockopt.getsockopt(socket, level, option);
}

/**
 * Socket options through the kernel, or undefined when the native addon is
 * unavailable on this platform (sessions then use the kernel default TTL).
 */
export function kernelSocketOptions(): SocketOptions | undefined {
  const sockopt = loadSockopt();
  if (!sockopt) return undefined;
  const apply = (socket: Socket, ttl: number) => {
    if (socket.destroyed || !hasDescriptor(socket)) return;
    const [level, option] = levelAndOption(socket);
    sockopt.setsockopt(socket, level, option, ttl);
  };
  return {
    applyTtl(socket: Socket, ttl: number): void {
      if (socket.connecting || !hasDescriptor(socket)) socket.once('connect', () => apply(socket, ttl));
      else apply(socket, ttl);
    },
  };
}
