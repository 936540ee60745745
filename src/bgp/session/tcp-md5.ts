/**
 * TCP-MD5 signatures (RFC 2385) on BGP sockets, through Linux's TCP_MD5SIG
 * socket option. node:net has no setsockopt and the option takes a struct
 * (struct tcp_md5sig, linux/tcp.h), so a small Node-API addon in C does it:
 * native/tcp-md5/tcp_md5.c, compiled by native/tcp-md5/build.sh at install
 * time (docs/tcp-md5.md).
 *
 * - Passive side: the key is set on the listening socket for the peer's
 *   address; the kernel copies it to every connection accepted from that
 *   address, and drops the peer's segments that carry no signature or a
 *   wrong one (RFC 2385 §2.0) before they reach us.
 * - Active side: the SYN must already be signed, so the addon creates the
 *   socket itself (key set, bound to the instance's address) and node:net
 *   connects it.
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import type { Server, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/** RFC 2385 §4.5 and Linux's TCP_MD5SIG_MAXKEYLEN: a key is 1 to 80 bytes. */
export const TCP_MD5_MAX_KEY_BYTES = 80;

/** Where the addon is built (native/tcp-md5/build.sh); src/ and dist/ are both two levels below the package root. */
const ADDON_URL = new URL('../../../native/tcp-md5/build/tcp_md5.node', import.meta.url);
/** Overrides the addon's path (a packager's own build, or a test of the missing-addon path). */
export const TCP_MD5_ADDON_ENV = 'ROUTESERVER_TCP_MD5_ADDON';

interface TcpMd5Addon {
  setKey(fd: number, peerAddress: string, key: Buffer): void;
  openSocket(localAddress: string, peerAddress: string, key: Buffer): number;
}

/** What a speaker needs to sign its sessions (a test may give its own). */
export interface TcpMd5 {
  /** Sets (or with an empty key removes) the key for a peer's address on the listening socket. */
  setListenerKey(server: Server, peerAddress: string, key: Buffer): void;
  /** A socket signed toward the peer and bound to `localAddress`, not yet connected. */
  signedSocket(localAddress: string, peerAddress: string, key: Buffer): Socket;
}

export type TcpMd5Availability =
  | { readonly available: true; readonly tcpMd5: TcpMd5 }
  | { readonly available: false; readonly reason: string };

/** The problem with a key, or undefined: 1 to 80 bytes of UTF-8. */
export function md5KeyProblem(key: string): string | undefined {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes === 0) return 'the TCP-MD5 key must not be empty';
  if (bytes > TCP_MD5_MAX_KEY_BYTES)
    return `the TCP-MD5 key is ${bytes} bytes; at most ${TCP_MD5_MAX_KEY_BYTES} are allowed (RFC 2385, Linux TCP_MD5SIG_MAXKEYLEN)`;
  return undefined;
}

function descriptor(handle: unknown): number {
  const fd = (handle as { fd?: number } | null | undefined)?.fd;
  if (fd === undefined || fd < 0) throw new Error('the socket has no file descriptor (not listening?)');
  return fd;
}

function wrap(addon: TcpMd5Addon): TcpMd5 {
  return {
    setListenerKey(server, peerAddress, key) {
      addon.setKey(descriptor((server as unknown as { _handle?: unknown })._handle), peerAddress, key);
    },
    signedSocket(localAddress, peerAddress, key) {
      const fd = addon.openSocket(localAddress, peerAddress, key);
      // manualStart: node:net must not start reading a socket that is not connected yet
      // (it would read ENOTCONN and destroy it); reading starts once `connect` completes.
      return new net.Socket({ fd, manualStart: true } as net.SocketConstructorOpts);
    },
  };
}

let cached: TcpMd5Availability | undefined;

/** Loads the addon once per thread; says why when it cannot. */
export function tcpMd5Availability(): TcpMd5Availability {
  if (cached !== undefined) return cached;
  const path = process.env[TCP_MD5_ADDON_ENV] ?? ADDON_URL;
  try {
    if (process.platform !== 'linux') throw new Error('TCP_MD5SIG is a Linux socket option');
    const file = typeof path === 'string' ? path : fileURLToPath(path);
    const addon = createRequire(import.meta.url)(file) as TcpMd5Addon;
    cached = { available: true, tcpMd5: wrap(addon) };
  } catch (error) {
    cached = {
      available: false,
      reason: `the TCP-MD5 addon cannot be loaded (${(error as Error).message.split('\n')[0]}); build it with 'sh native/tcp-md5/build.sh' (needs gcc), see docs/tcp-md5.md`,
    };
  }
  return cached;
}
