/**
 * Where the CLI finds the API, its token and the certificate to trust.
 *
 * Each comes from the first of: the command-line option, the environment
 * (`ROUTESERVER_ENDPOINT`, `ROUTESERVER_TOKEN`, `ROUTESERVER_CA_CERT`,
 * `ROUTESERVER_DATA_DIR`), the local data directory that `routeserver serve`
 * writes (`<data-dir>/api-url`, `<data-dir>/api-token`,
 * `<data-dir>/tls/cert.pem`), and the embedded default
 * `https://127.0.0.1:8443`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  API_CERT_FILE,
  API_TOKEN_FILE,
  API_URL_FILE,
  DEFAULT_API_HOST,
  DEFAULT_API_PORT,
  DEFAULT_DATA_DIR,
} from '../daemon/defaults.js';
import { CLI_ERROR_CODES, CliError } from './errors.js';

interface ConnectionOptions {
  readonly endpoint?: string | undefined;
  readonly token?: string | undefined;
  readonly caCert?: string | undefined;
  readonly dataDir?: string | undefined;
}

export interface Connection {
  /** base URL without a trailing slash */
  readonly endpoint: string;
  readonly token: string;
  /** extra CA certificate (PEM) to trust besides the system's; undefined = system CAs only */
  readonly ca: string | undefined;
}

function readTrimmed(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8').trim();
  return text.length === 0 ? undefined : text;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}

export function resolveConnection(
  options: ConnectionOptions,
  env: NodeJS.ProcessEnv = process.env,
): Connection {
  const dataDir = nonEmpty(options.dataDir) ?? nonEmpty(env['ROUTESERVER_DATA_DIR']) ?? DEFAULT_DATA_DIR;
  const endpoint =
    nonEmpty(options.endpoint) ??
    nonEmpty(env['ROUTESERVER_ENDPOINT']) ??
    readTrimmed(join(dataDir, API_URL_FILE)) ??
    `https://${DEFAULT_API_HOST}:${DEFAULT_API_PORT}`;
  if (!/^https:\/\//i.test(endpoint)) {
    throw new CliError(
      CLI_ERROR_CODES.BAD_ARGUMENT,
      `the endpoint must be an https:// URL (the API serves HTTPS only), got '${endpoint}'`,
    );
  }
  const tokenPath = join(dataDir, API_TOKEN_FILE);
  const token = nonEmpty(options.token) ?? nonEmpty(env['ROUTESERVER_TOKEN']) ?? readTrimmed(tokenPath);
  if (token === undefined) {
    throw new CliError(
      CLI_ERROR_CODES.NO_TOKEN,
      `no API token: pass --token, set ROUTESERVER_TOKEN, or run from the directory holding ${tokenPath} ` +
        `(or pass --data-dir); 'routeserver serve' writes it on its first start`,
    );
  }
  const caPath = nonEmpty(options.caCert) ?? nonEmpty(env['ROUTESERVER_CA_CERT']);
  const ca = caPath !== undefined ? readCa(caPath) : readTrimmed(join(dataDir, API_CERT_FILE));
  return { endpoint: endpoint.replace(/\/+$/, ''), token, ca };
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new CliError(CLI_ERROR_CODES.BAD_ARGUMENT, `cannot read the CA certificate ${path}`, { cause });
  }
}
