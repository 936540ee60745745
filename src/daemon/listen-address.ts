/** `HOST:PORT` command-line values: `127.0.0.1:8443`, `[::1]:8443`, `0.0.0.0:8443`, `:8443`. */
import { isIP } from 'node:net';
import { DAEMON_ERROR_CODES, DaemonError } from './errors.js';

interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export function parseListenAddress(text: string, option: string, defaultHost: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2] ?? '';
  const port = Number(match?.[3]);
  const hostOk = host === '' || isIP(host) !== 0 || /^[A-Za-z0-9.-]+$/.test(host);
  if (match === null || !hostOk || !Number.isInteger(port) || port > 65535) {
    throw new DaemonError(
      DAEMON_ERROR_CODES.BAD_OPTION,
      `${option} '${text}' is not HOST:PORT (e.g. 127.0.0.1:8443, [::1]:8443, 0.0.0.0:8443)`,
    );
  }
  return { host: host === '' ? defaultHost : host, port };
}
