/**
 * Over real HTTPS on loopback with the generated certificate, and through the
 * official @azure/arm-network SDK: TLS, bearer auth and ARM error bodies work
 * with the real client.
 */

import { request } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkManagementClient } from '@azure/arm-network';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type ResourceRecord, type SqliteResourceStore } from '../store/index.js';
import { toArmResource } from '../routeserver/index.js';
import { storeWriteOptions } from './conditional.js';
import { createApiServer, type ApiServer } from './server.js';

const SUB = '00000000-0000-0000-0000-0000000000cc';
let dir: string;
let server: ApiServer;
let url: string;
let port: number;
let store: SqliteResourceStore;

const later = () => new Promise((resolve) => setTimeout(resolve, 50));

/** Test fixture: route tables on the real store, finishing their writes asynchronously. */
function registerRouteTables(): void {
  const present = (record: ResourceRecord) =>
    toArmResource(
      record.id,
      record.name,
      'Microsoft.Network/routeTables',
      record.etag,
      {
        ...(record.body as object),
        provisioningState: 'Succeeded',
      },
      { location: 'local' },
    );
  server.registerResource<{ properties?: { disableBgpRoutePropagation?: boolean } }>({
    types: ['routeTables'],
    tracked: true,
    requestProperties: Type.Object(
      { disableBgpRoutePropagation: Type.Optional(Type.Boolean()) },
      { additionalProperties: false },
    ),
    responseProperties: Type.Object({
      disableBgpRoutePropagation: Type.Boolean(),
      provisioningState: Type.String(),
    }),
    async get(request) {
      const record = await store.get(request.idText);
      return record === undefined ? undefined : present(record);
    },
    async put(request, body) {
      const before = await store.get(request.idText);
      const record = await store.put(
        {
          id: request.idText,
          type: 'Microsoft.Network/routeTables',
          name: request.id.names[0]!,
          body: { disableBgpRoutePropagation: body.properties?.disableBgpRoutePropagation ?? false },
        },
        storeWriteOptions(request.preconditions),
      );
      return { resource: present(record), created: before === undefined, completion: later() };
    },
    async delete(request) {
      const deleted = await store.delete(request.idText);
      return { existed: deleted !== undefined, completion: later() };
    },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rs-api-https-'));
  store = openSqliteStore({ path: join(dir, 'state.db') });
  server = await createApiServer({ dataDir: dir, listen: { host: '127.0.0.1', port: 0 } });
  registerRouteTables();
  ({ url, port } = await server.listen());
});

afterAll(async () => {
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function client(token: string): NetworkManagementClient {
  const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600e3 }) };
  return new NetworkManagementClient(credential, SUB, {
    endpoint: url,
    credentialScopes: [`${url}/.default`],
    tlsOptions: { ca: server.credentials.cert },
    retryOptions: { maxRetries: 0 },
  });
}

function get(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: 'localhost', port, path, headers, ca: server.credentials.cert }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('API over HTTPS', () => {
  it('serves TLS with a certificate valid for localhost and 127.0.0.1', async () => {
    const res = await get('/providers/Microsoft.Network/operations?api-version=2026-01-01', {
      authorization: `Bearer ${server.credentials.token}`,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).value.length).toBeGreaterThan(0);
  });

  it('answers 401 with an ARM body over the wire', async () => {
    const res = await get('/providers/Microsoft.Network/operations?api-version=2026-01-01', {});
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.code).toBe('AuthenticationFailed');
  });

  it('refuses plain HTTP on the same port', async () => {
    const plain = await fetch(`http://127.0.0.1:${port}/providers/Microsoft.Network/operations`).then(
      (res) => res.status,
      () => 'refused',
    );
    expect(plain === 'refused' || (typeof plain === 'number' && plain >= 400)).toBe(true);
  });
});

describe('official @azure/arm-network SDK against the API', () => {
  it('lists the provider operations', async () => {
    const names: string[] = [];
    for await (const operation of client(server.credentials.token).operations.list())
      names.push(operation.name ?? '');
    expect(names).toContain('Microsoft.Network/operations/read');
  });

  it('gets a RestError with InvalidResourceType for a resource type not served yet', async () => {
    const error = await client(server.credentials.token)
      .applicationGateways.get('rg1', 'gw1')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RestError', statusCode: 404, code: 'InvalidResourceType' });
  });

  it('gets a RestError with InvalidAuthenticationToken for a wrong token', async () => {
    const error = await client('x'.repeat(43))
      .virtualHubs.get('rg1', 'rs1')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RestError', statusCode: 401, code: 'InvalidAuthenticationToken' });
  });

  it('creates and deletes through the SDK pollers (Azure-AsyncOperation, Location)', async () => {
    const sdk = client(server.credentials.token);
    const created = await sdk.routeTables.beginCreateOrUpdateAndWait(
      'rg1',
      'rt1',
      { location: 'local', disableBgpRoutePropagation: true },
      { updateIntervalInMs: 50 },
    );
    expect(created).toMatchObject({
      name: 'rt1',
      disableBgpRoutePropagation: true,
      provisioningState: 'Succeeded',
    });
    expect(created.etag).toMatch(/^W\/"/);
    await sdk.routeTables.beginDeleteAndWait('rg1', 'rt1', { updateIntervalInMs: 50 });
    const error = await sdk.routeTables.get('rg1', 'rt1').catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });
});
