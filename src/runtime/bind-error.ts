/**
 * Turns a failure to bind a route server instance's BGP listener into an
 * error that names the address and says what to do.
 */
import { BgpRuntimeError, RUNTIME_ERROR_CODES } from './errors.js';

interface SystemError {
  readonly code?: unknown;
  readonly address?: unknown;
  readonly port?: unknown;
  readonly message?: unknown;
}

function remedy(code: string, address: string, port: number): string {
  switch (code) {
    case 'EADDRNOTAVAIL':
      return (
        `${address} is not an address of this host: add it (ip address add ${address}/32 dev lo), ` +
        `or run routeserver where the RouteServerSubnet's .4 and .5 addresses exist`
      );
    case 'EACCES':
      return (
        `port ${port} needs root or CAP_NET_BIND_SERVICE ` +
        `(setcap cap_net_bind_service=+ep "$(command -v node)"), or start with --bgp-port 1179 and have the peers use it`
      );
    case 'EADDRINUSE':
      return `another process listens on ${address}:${port} (ss -ltnp 'sport = :${port}'): stop it, or start with --bgp-port`;
    default:
      return 'check the address and port';
  }
}

/** A BgpRuntimeError explaining a bind failure, or undefined when `error` is not one. */
export function explainBindError(
  error: unknown,
  routeServerId: string,
  port: number,
): BgpRuntimeError | undefined {
  const system = (typeof error === 'object' && error !== null ? error : {}) as SystemError;
  const code = typeof system.code === 'string' ? system.code : '';
  if (!['EADDRNOTAVAIL', 'EACCES', 'EADDRINUSE', 'EPERM'].includes(code)) return undefined;
  const address = typeof system.address === 'string' ? system.address : '(unknown address)';
  const boundPort = typeof system.port === 'number' ? system.port : port;
  return new BgpRuntimeError(
    RUNTIME_ERROR_CODES.BGP_BIND,
    `route server ${routeServerId}: an instance cannot listen for BGP on ${address}:${boundPort} (${code}); ` +
      remedy(code === 'EPERM' ? 'EACCES' : code, address, boundPort),
    { cause: error },
  );
}
