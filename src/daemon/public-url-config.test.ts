/**
 * `api.publicUrl` of the configuration file: the daemon builds the links it
 * returns (Azure-AsyncOperation, Location, nextLink) from it, whatever the
 * client's Host says; a URL that is not one stops the start with the file's
 * value named, before the store is touched.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon } from './daemon.js';

const NET =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network';

function configFile(dir: string, publicUrl: string): string {
  const file = join(dir, 'routeserver.yaml');
  writeFileSync(file, ['api:', `  publicUrl: '${publicUrl}'`, 'resourceGroup: rg', ''].join('\n'));
  return file;
}

describe('api.publicUrl in the configuration file', () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'rs-public-url-'));
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const start = (dataDir: string, publicUrl: string) =>
    startDaemon({
      dataDir: join(root, dataDir),
      configFile: configFile(root, publicUrl),
      apiListen: { host: '127.0.0.1', port: 0 },
      bgp: { enabled: false },
      logger: pino({ level: 'silent' }),
    });

  it('builds the links of the answers from it, not from the Host header', async () => {
    const daemon = await start('a', 'https://rs.example:9443/');
    try {
      const token = readFileSync(daemon.tokenPath!, 'utf8').trim();
      const ca = readFileSync(daemon.certPath!, 'utf8');
      const url = new URL(`${NET}/routeTables/rt?api-version=2024-05-01`, daemon.apiUrl);
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = request(
          url,
          {
            method: 'PUT',
            ca,
            // the certificate names localhost; the Host header below is the forged one
            servername: 'localhost',
            headers: {
              authorization: `Bearer ${token}`,
              host: 'attacker.example',
              'content-type': 'application/json',
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode, ...res.headers }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ location: 'local' }));
      });
      expect(headers.status).toBe(201);
      expect(String(headers['azure-asyncoperation'])).toMatch(/^https:\/\/rs\.example:9443\/subscriptions\//);
    } finally {
      await daemon.stop();
    }
  });

  it('refuses a value that is not an absolute http(s) URL before opening the store', async () => {
    await expect(start('b', 'rs.example:9443')).rejects.toThrow(/public URL 'rs.example:9443'/);
    expect(existsSync(join(root, 'b', 'routeserver.db'))).toBe(false);
  });
});
