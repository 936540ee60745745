/**
 * The API's TLS certificate and bearer token.
 *
 * When none is configured, the first start generates a self-signed certificate
 * (ECDSA P-256, `openssl req -x509`) into `<dataDir>/tls/{cert,key}.pem` with
 * subjectAltName localhost, 127.0.0.1, ::1 and the listen host, and a random
 * 256-bit token into `<dataDir>/api-token`. Secrets are written with mode 0600
 * in a 0700 directory; later starts reuse them.
 */

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiSetupError } from './errors.js';

const execFileAsync = promisify(execFile);

/** A PEM string, or a path to a PEM file. */
export interface TlsOption {
  readonly cert: string;
  readonly key: string;
}

export interface ApiCredentials {
  readonly cert: string;
  readonly key: string;
  readonly token: string;
  /** where the generated or reused files are (undefined when passed in directly) */
  readonly certPath?: string;
  readonly tokenPath?: string;
  readonly generatedCertificate: boolean;
  readonly generatedToken: boolean;
}

interface CredentialOptions {
  readonly dataDir: string;
  readonly listenHost: string;
  readonly tls?: TlsOption;
  readonly token?: string;
}

const MIN_TOKEN_LENGTH = 32;

function pemOrFile(value: string, what: string): string {
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (cause) {
    throw new ApiSetupError('BGPRS_ERR_API_TLS_SETUP', `cannot read TLS ${what} ${value}`, { cause });
  }
}

/** subjectAltName entries: loopback names plus the listen host (or this host's name for a wildcard). */
export function subjectAltNames(listenHost: string): string[] {
  const names = new Set(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  const wildcard = listenHost === '0.0.0.0' || listenHost === '::' || listenHost === '';
  const host = wildcard ? hostname() : listenHost.replace(/^\[|\]$/g, '');
  if (host.length > 0) names.add(isIP(host) === 0 ? `DNS:${host}` : `IP:${host}`);
  return [...names];
}

async function generateCertificate(tlsDir: string, listenHost: string): Promise<void> {
  const staging = join(tlsDir, `.new-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { mode: 0o700 });
  const keyPath = join(staging, 'key.pem');
  const certPath = join(staging, 'cert.pem');
  const args = [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '825', '-subj', '/CN=routeserver',
    '-addext', `subjectAltName=${subjectAltNames(listenHost).join(',')}`,
    '-addext', 'extendedKeyUsage=serverAuth',
  ]; // prettier-ignore
  try {
    await execFileAsync('openssl', args, { timeout: 30_000 });
    chmodSync(keyPath, 0o600);
    renameSync(keyPath, join(tlsDir, 'key.pem'));
    renameSync(certPath, join(tlsDir, 'cert.pem'));
  } catch (cause) {
    throw new ApiSetupError(
      'BGPRS_ERR_API_TLS_SETUP',
      `could not generate a certificate with openssl in ${tlsDir}`,
      {
        cause,
      },
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The key the server signs the tokens it issues with (identity.ts): 256
 * random bits in `<dataDir>/token-signing-key`, mode 0600, made on first use.
 * Deleting the file (and restarting) revokes every token issued so far.
 */
export function tokenSigningKey(dataDir: string): Buffer {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return Buffer.from(readOrCreateToken(join(dataDir, 'token-signing-key')).token, 'base64url');
}

function readOrCreateToken(tokenPath: string): { token: string; generated: boolean } {
  if (existsSync(tokenPath)) {
    if ((statSync(tokenPath).mode & 0o077) !== 0) chmodSync(tokenPath, 0o600);
    const token = readFileSync(tokenPath, 'utf8').trim();
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new ApiSetupError(
        'BGPRS_ERR_API_TOKEN_FILE',
        `${tokenPath} holds a token shorter than ${MIN_TOKEN_LENGTH} characters; delete it to generate a new one`,
      );
    }
    return { token, generated: false };
  }
  const token = randomBytes(32).toString('base64url');
  try {
    writeFileSync(tokenPath, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (cause) {
    throw new ApiSetupError('BGPRS_ERR_API_TOKEN_FILE', `cannot write ${tokenPath}`, { cause });
  }
  return { token, generated: true };
}

export async function ensureApiCredentials(options: CredentialOptions): Promise<ApiCredentials> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  let tokenPart: { token: string; generated: boolean; path?: string };
  if (options.token !== undefined) {
    if (options.token.length < MIN_TOKEN_LENGTH) {
      throw new ApiSetupError(
        'BGPRS_ERR_API_CONFIG',
        `the API token must be at least ${MIN_TOKEN_LENGTH} characters`,
      );
    }
    tokenPart = { token: options.token, generated: false };
  } else {
    const path = join(options.dataDir, 'api-token');
    tokenPart = { ...readOrCreateToken(path), path };
  }
  const tokenFields = {
    token: tokenPart.token,
    generatedToken: tokenPart.generated,
    ...(tokenPart.path === undefined ? {} : { tokenPath: tokenPart.path }),
  };
  if (options.tls !== undefined) {
    const cert = pemOrFile(options.tls.cert, 'certificate');
    const key = pemOrFile(options.tls.key, 'key');
    return { cert, key, generatedCertificate: false, ...tokenFields };
  }
  const tlsDir = join(options.dataDir, 'tls');
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const certPath = join(tlsDir, 'cert.pem');
  const keyPath = join(tlsDir, 'key.pem');
  const reuse = existsSync(certPath) && existsSync(keyPath);
  if (!reuse) await generateCertificate(tlsDir, options.listenHost);
  else if ((statSync(keyPath).mode & 0o077) !== 0) chmodSync(keyPath, 0o600);
  return {
    cert: readFileSync(certPath, 'utf8'),
    key: readFileSync(keyPath, 'utf8'),
    certPath,
    generatedCertificate: !reuse,
    ...tokenFields,
  };
}
