import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RouteServerService } from '../routeserver/index.js';
import { apiHarness, NET, V, type ApiHarness } from './routes/test-harness.test-support.js';
import { registerNetworkResources } from './routes/index.js';
import { createApiServer, type ApiServer } from './server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Another API process on the same store: its own service, server, token. */
async function secondApi(
  first: ApiHarness,
): Promise<{ server: ApiServer; get(url: string): Promise<{ statusCode: number; body: string }> }> {
  const dir = mkdtempSync(join(tmpdir(), 'rs-api-lro-'));
  const service = await RouteServerService.open({ store: first.store });
  const server = await createApiServer({ dataDir: dir, listen: { host: '127.0.0.1', port: 0 } });
  registerNetworkResources(server, service);
  cleanups.push(async () => {
    await server.close();
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const authorization = `Bearer ${server.credentials.token}`;
  return {
    server,
    async get(url) {
      const parsed = new URL(url);
      const res = await server.app.inject({
        method: 'GET',
        url: `${parsed.pathname}${parsed.search}`,
        headers: { authorization },
      });
      return { statusCode: res.statusCode, body: res.body };
    },
  };
}

describe('long-running operation status in the store', () => {
  it("answers a finished operation's status URLs on another API process (or after a restart)", async () => {
    const first = await apiHarness();
    cleanups.push(() => first.close());
    const put = await first.request('PUT', 'routeTables/rt1', { location: 'local' });
    expect(put.statusCode).toBe(201);
    const status = put.headers['azure-asyncoperation'] as string;
    await expect
      .poll(
        async () =>
          (await first.request('GET', new URL(status).pathname + new URL(status).search)).body
            ?.status as unknown,
      )
      .toBe('Succeeded');
    const deleted = await first.request('DELETE', 'routeTables/rt1');
    const location = deleted.headers.location as string;
    await expect
      .poll(
        async () =>
          (await first.request('GET', new URL(location).pathname + new URL(location).search)).statusCode,
      )
      .toBe(204);
    const other = await secondApi(first);
    // saved within 100 ms of finishing (operation-records.ts)
    await expect.poll(async () => (await other.get(location)).statusCode).toBe(204);
    const answered = await other.get(status);
    expect(answered.statusCode).toBe(200);
    expect(JSON.parse(answered.body)).toMatchObject({
      status: 'Succeeded',
      name: new URL(status).pathname.split('/').pop(),
    });
  });

  it('answers 404 for an operation no process saved, and for another subscription', async () => {
    const first = await apiHarness();
    cleanups.push(() => first.close());
    const put = await first.request('PUT', 'routeTables/rt1', { location: 'local' });
    const status = new URL(put.headers['azure-asyncoperation'] as string);
    await expect
      .poll(async () => (await first.request('GET', status.pathname + status.search)).body?.status as unknown)
      .toBe('Succeeded');
    const other = await secondApi(first);
    const unknown = `https://x${NET.replace(/\/resourceGroups\/.*$/, '')}/providers/Microsoft.Network/locations/local/operations/00000000-0000-4000-8000-000000000000?${V}`;
    expect((await other.get(unknown)).statusCode).toBe(404);
    const elsewhere = `https://x${status.pathname.replace(/subscriptions\/[^/]+/, 'subscriptions/00000000-0000-0000-0000-0000000000ff')}${status.search}`;
    expect((await other.get(elsewhere)).statusCode).toBe(404);
  });
});
