/**
 * The API's TLS policy: TLS 1.3 (preferred: a client offering both gets it)
 * and TLS 1.2 with AEAD cipher suites and forward secrecy only, following the
 * "modern"/"intermediate" profiles of Mozilla's "Server Side TLS" guidelines
 * and RFC 9325 §4.2: ECDHE key exchange with AES-GCM or ChaCha20-Poly1305.
 * Node's default list also offers CBC suites with SHA-1 MACs and AES-CCM8
 * (64-bit tags) on TLS 1.2; neither is accepted here.
 */
import type { SecureContextOptions, TlsOptions } from 'node:tls';

/** TLS 1.3 suites (all AEAD), in preference order. */
const TLS13_CIPHER_SUITES = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
];

/** TLS 1.2 suites (OpenSSL names): ECDHE with AES-GCM or ChaCha20-Poly1305, for ECDSA and RSA keys. */
const TLS12_CIPHER_SUITES = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
];

/** The TLS options of the API server for a certificate and its key (PEM). */
export function apiTlsOptions(credentials: {
  readonly cert: string;
  readonly key: string;
}): TlsOptions & SecureContextOptions {
  return {
    cert: credentials.cert,
    key: credentials.key,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    ciphers: [...TLS13_CIPHER_SUITES, ...TLS12_CIPHER_SUITES].join(':'),
    honorCipherOrder: true,
  };
}
