import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_SERVER_ERROR_CODES as E } from '../routeserver/index.js';
import { startEtcd, type EtcdServer } from '../store/etcd-server.test-support.js';
import { startDaemon } from './daemon.js';
import { parseStoreUrl } from './store-url.js';

const TABLE =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt';

describe('--store', () => {
  it('reads sqlite and etcd URLs, with TLS for etcds://', () => {
    expect(parseStoreUrl('sqlite')).toEqual({ kind: 'sqlite' });
    expect(parseStoreUrl('etcd://10.0.0.11:2379,etcd-2.example:2379')).toEqual({
      kind: 'etcd',
      endpoints: ['http://10.0.0.11:2379', 'http://etcd-2.example:2379'],
    });
    expect(parseStoreUrl('etcds://[fd00::1]:2379/')).toEqual({
      kind: 'etcd',
      endpoints: ['https://[fd00::1]:2379'],
    });
  });

  it('refuses anything else, naming the forms it accepts', () => {
    for (const text of [
      'postgres://x:1',
      'etcd://',
      'etcd://host',
      'etcd://h:1/path',
      'etcd://a b:1',
      'SQLITE',
    ])
      expect(() => parseStoreUrl(text)).toThrow(/use sqlite \(the default\) or etcd:\/\/HOST:PORT/);
  });
});

describe('serve on etcd', () => {
  let etcd: EtcdServer;
  let root: string;

  beforeAll(async () => {
    etcd = await startEtcd();
    root = mkdtempSync(join(tmpdir(), 'rs-serve-etcd-'));
  });

  afterAll(async () => {
    await etcd.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const start = (dataDir: string) =>
    startDaemon({
      dataDir: join(root, dataDir),
      apiListen: { host: '127.0.0.1', port: 0 },
      bgp: { enabled: false },
      logger: pino({ level: 'silent' }),
      store: { kind: 'etcd', endpoints: [etcd.endpoint], prefix: '/serve-test/' },
    });

  it('keeps its resources in etcd: another process on the same etcd finds them', async () => {
    const first = await start('a');
    expect(first.storeLocation).toBe(`etcd ${etcd.endpoint} prefix /serve-test/`);
    await first.service.resources.routeTables.put(TABLE, { location: 'local' });
    await first.stop();
    const second = await start('b');
    try {
      expect(second.service.resources.routeTables.get(TABLE)?.name).toBe('rt');
    } finally {
      await second.stop();
    }
  });

  it('refuses a write with a retryable error while etcd is down, and accepts it once etcd is back', async () => {
    const daemon = await start('c');
    try {
      await etcd.halt(true);
      try {
        await expect(
          daemon.service.resources.routeTables.put(`${TABLE}2`, { location: 'local' }),
        ).rejects.toMatchObject({ code: E.STORE_UNAVAILABLE });
        expect(daemon.service.resources.routeTables.get(`${TABLE}2`)).toBeUndefined();
      } finally {
        await etcd.resume();
      }
      await daemon.service.resources.routeTables.put(`${TABLE}2`, { location: 'local' });
      expect(daemon.service.resources.routeTables.get(`${TABLE}2`)?.name).toBe('rt2');
    } finally {
      await daemon.stop();
    }
  });

  it('answers 503 ServiceUnavailable through the API while etcd is down, for a new group too', async () => {
    const daemon = await start('d');
    try {
      const token = readFileSync(daemon.tokenPath!, 'utf8').trim();
      const ca = readFileSync(join(root, 'd', 'tls', 'cert.pem'), 'utf8');
      const put = (path: string, apiVersion: string) =>
        request(`${daemon.apiUrl!}${path}?api-version=${apiVersion}`, ca, token, { location: 'local' });
      const group = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-new';
      await etcd.halt(true);
      try {
        // a network PUT into a group that does not exist yet creates the group first
        for (const [path, version] of [
          [`${group}/providers/Microsoft.Network/routeTables/rt3`, '2024-05-01'],
          [group, '2024-11-01'],
        ] as const) {
          const answer = await put(path, version);
          expect(answer.status, answer.body).toBe(503);
          expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'ServiceUnavailable' } });
        }
      } finally {
        await etcd.resume();
      }
      expect((await put(group, '2024-11-01')).status).toBe(201);
    } finally {
      await daemon.stop();
    }
  });
});

/** One HTTPS request with a JSON body and the bearer token. */
function request(
  url: string,
  ca: string,
  token: string,
  body: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: 'PUT',
        ca,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
