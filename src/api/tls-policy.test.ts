import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer, type ApiServer } from './server.js';

let dir: string;
let server: ApiServer;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rs-tls-'));
  server = await createApiServer({ dataDir: dir, listen: { host: '127.0.0.1', port: 0 } });
  port = (await server.listen()).port;
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves with the negotiated protocol and cipher, or rejects with the handshake error. */
function handshake(options: ConnectionOptions): Promise<{ protocol: string | null; cipher: string }> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect(
      { host: '127.0.0.1', port, rejectUnauthorized: false, ...options },
      () => {
        const result = { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
        socket.destroy();
        resolve(result);
      },
    );
    socket.once('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('handshake timed out')));
  });
}

describe('API TLS policy', () => {
  it('negotiates TLS 1.3 with a client that offers it', async () => {
    expect(await handshake({})).toMatchObject({ protocol: 'TLSv1.3' });
  });

  it.each([
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
  ])('accepts the AEAD suite %s on TLS 1.2', async (cipher) => {
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: cipher })).toEqual({
      protocol: 'TLSv1.2',
      cipher,
    });
  });

  it.each([
    'ECDHE-ECDSA-AES128-SHA', // CBC with an SHA-1 MAC
    'ECDHE-ECDSA-AES256-SHA384', // CBC
    'ECDHE-ECDSA-AES128-CCM8', // 64-bit tag
    'ECDHE-ECDSA-AES128-CCM',
  ])('refuses a TLS 1.2 client that offers only %s', async (cipher) => {
    await expect(handshake({ maxVersion: 'TLSv1.2', ciphers: cipher })).rejects.toThrow(
      /handshake failure|no shared cipher|alert/i,
    );
  });

  it('refuses TLS 1.1', async () => {
    await expect(
      handshake({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
    ).rejects.toThrow();
  });
});
