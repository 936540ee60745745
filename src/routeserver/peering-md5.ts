/**
 * A peering's TCP-MD5 key (RFC 2385, docs/tcp-md5.md), an extension
 * property: Azure's bgpConnections have none. The key is write-only: a PUT
 * without `md5Key` keeps the stored key (so a read-modify-write from a GET,
 * which never shows it, does not lose it) and `md5Key: ""` removes it.
 */
import { createHash } from 'node:crypto';
import { md5KeyProblem, tcpMd5Availability } from '../bgp/session/index.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';

const TARGET = 'properties.md5Key';

/** The key to store: checked (1-80 bytes), kept, or removed; nothing is stored on a refusal. */
export function peeringMd5Key(stored: string | undefined, input: unknown): string | undefined {
  if (input === undefined) return stored;
  if (typeof input !== 'string')
    throw new RouteServerError(E.INVALID_VALUE, 'md5Key must be a string', TARGET);
  if (input === '') return undefined;
  const problem = md5KeyProblem(input);
  if (problem !== undefined) throw new RouteServerError(E.INVALID_VALUE, problem, TARGET);
  const support = tcpMd5Availability();
  if (!support.available)
    throw new RouteServerError(
      E.INVALID_VALUE,
      `TCP-MD5 is not available on this host: ${support.reason}`,
      TARGET,
    );
  return input;
}

/** SHA-256 of a key, hex (the config file compares keys without reading them back). */
export function md5KeyDigest(key: string | undefined): string | undefined {
  return key === undefined ? undefined : createHash('sha256').update(key, 'utf8').digest('hex');
}
