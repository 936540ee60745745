/**
 * The generic resource routes, driven end to end through a route table
 * definition declared here (test fixture) on the real SQLite store, with
 * long-running completions the test settles itself.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from 'typebox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStoreError, openSqliteStore, type SqliteResourceStore } from '../store/index.js';
import { toArmResource } from '../routeserver/index.js';
import { storeWriteOptions } from './conditional.js';
import { ArmError, preconditionFailed } from './errors.js';
import type { ArmResourceDefinition, ResourceRequest } from './resource-routes.js';
import { createApiServer, type ApiServer } from './server.js';

const SUB = '00000000-0000-0000-0000-0000000000aa';
const BASE = `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/routeTables`;
const V = 'api-version=2025-05-01';
const TYPE = 'Microsoft.Network/routeTables';

interface Deferred {
  promise: Promise<unknown>;
  resolve: (value?: unknown) => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: (value?: unknown) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<unknown>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

let dir: string;
let store: SqliteResourceStore;
let server: ApiServer;
let auth: Record<string, string>;
let pending: Deferred | undefined;

function present(record: { id: string; name: string; etag: string; body: unknown }) {
  const body = record.body as { disableBgpRoutePropagation: boolean; location: string };
  return toArmResource(
    record.id,
    record.name,
    TYPE,
    record.etag,
    {
      disableBgpRoutePropagation: body.disableBgpRoutePropagation,
      provisioningState: 'Succeeded',
    },
    { location: body.location },
  );
}

/** The handler answers its store's refused conditions as 412, as the domain service's edge does. */
async function conditional<T>(write: Promise<T>): Promise<T> {
  return write.catch((error: unknown) => {
    if (isStoreError(error) && error.code !== 'BGPRS_ERR_STORE_INVALID_ID') {
      throw preconditionFailed(`the write's condition failed (${error.code})`);
    }
    throw error;
  });
}

const definition: ArmResourceDefinition<{
  location?: string;
  properties?: { disableBgpRoutePropagation?: boolean };
}> = {
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
  async get(request: ResourceRequest) {
    const record = await store.get(request.idText);
    return record === undefined ? undefined : present(record);
  },
  async list(request) {
    const page = await store.list({
      type: TYPE,
      subscriptionId: request.subscriptionId,
      ...(request.resourceGroupName === undefined ? {} : { resourceGroupName: request.resourceGroupName }),
      limit: 2,
      ...(request.cursor === undefined ? {} : { cursor: request.cursor }),
    });
    return {
      value: page.records.map(present),
      ...(page.nextCursor === undefined ? {} : { cursor: page.nextCursor }),
    };
  },
  async put(request, body) {
    const before = await store.get(request.idText);
    const record = await conditional(
      store.put(
        {
          id: request.idText,
          type: TYPE,
          name: request.id.names[0]!,
          body: {
            location: body.location ?? 'local',
            disableBgpRoutePropagation: body.properties?.disableBgpRoutePropagation ?? false,
          },
        },
        storeWriteOptions(request.preconditions),
      ),
    );
    return {
      resource: present(record),
      created: before === undefined,
      ...(pending ? { completion: pending.promise } : {}),
    };
  },
  async delete(request) {
    const deleted = await conditional(store.delete(request.idText, storeWriteOptions(request.preconditions)));
    return { existed: deleted !== undefined, ...(pending ? { completion: pending.promise } : {}) };
  },
  actions: {
    effectiveRoutes: async () => {
      await pending?.promise;
      return { value: [{ addressPrefix: ['10.0.0.0/16'], nextHopType: 'VnetLocal' }] };
    },
  },
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rs-api-res-'));
  store = openSqliteStore({ path: join(dir, 'state.db') });
  server = await createApiServer({ dataDir: dir, listen: { host: '127.0.0.1', port: 0 } });
  server.registerResource(definition);
  auth = { authorization: `Bearer ${server.credentials.token}` };
  pending = undefined;
});

afterEach(async () => {
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function put(name: string, body: unknown, headers: Record<string, string> = {}) {
  return server.app.inject({
    method: 'PUT',
    url: `${BASE}/${name}?${V}`,
    payload: body as object,
    headers: { ...auth, ...headers },
  });
}

function pathOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

describe('resource PUT and GET', () => {
  it('creates with 201 and an ETag, then updates with 200 and a new ETag', async () => {
    const created = await put('rt1', { location: 'local', properties: { disableBgpRoutePropagation: true } });
    expect(created.statusCode).toBe(201);
    expect(created.headers.etag).toMatch(/^W\/".+"$/);
    expect(created.json()).toMatchObject({
      id: `${BASE}/rt1`,
      name: 'rt1',
      type: TYPE,
      etag: created.headers.etag,
    });
    const updated = await put('rt1', { location: 'local', properties: {} });
    expect(updated.statusCode).toBe(200);
    expect(updated.headers.etag).not.toBe(created.headers.etag);
    const got = await server.app.inject({ url: `${BASE}/RT1?${V}`, headers: auth });
    expect(got.json().properties).toEqual({
      disableBgpRoutePropagation: false,
      provisioningState: 'Succeeded',
    });
  });

  it('answers 404 ResourceNotFound for a missing resource', async () => {
    const res = await server.app.inject({ url: `${BASE}/absent?${V}`, headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('ResourceNotFound');
  });

  it('answers 400 InvalidRequestContent for a body that is not JSON', async () => {
    const res = await server.app.inject({
      method: 'PUT',
      url: `${BASE}/rt1?${V}`,
      payload: '{"location":',
      headers: { ...auth, 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('InvalidRequestContent');
  });

  it('answers 400 InvalidRequestFormat naming an unknown property, and writes nothing', async () => {
    const res = await put('rt1', {
      location: 'local',
      properties: { disableBgpRoutePropagation: true, color: 'red' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'InvalidRequestFormat', target: 'properties.color' });
    expect(res.json().error.details[0]).toMatchObject({ code: 'InvalidJson', target: 'properties.color' });
    expect(await store.get(`${BASE}/rt1`)).toBeUndefined();
  });

  it('answers 400 InvalidRequestFormat for a wrongly typed property', async () => {
    const res = await put('rt1', { properties: { disableBgpRoutePropagation: 'yes' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].target).toBe('properties.disableBgpRoutePropagation');
  });

  it('answers 415 for a body that is not JSON by content type', async () => {
    const res = await server.app.inject({
      method: 'PUT',
      url: `${BASE}/rt1?${V}`,
      payload: 'hello',
      headers: { ...auth, 'content-type': 'text/plain' },
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UnsupportedMediaType');
  });

  it('answers 400 InvalidResourceName for names ARM refuses', async () => {
    for (const name of ['-lead', 'trail.', 'a'.repeat(81), 'sp%20ace']) {
      const res = await put(name, { location: 'local' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('InvalidResourceName');
    }
  });

  it('answers 400 InvalidSubscriptionId for a subscription that is not a GUID', async () => {
    const res = await server.app.inject({
      url: `/subscriptions/not-a-guid/resourceGroups/rg1/providers/Microsoft.Network/routeTables/rt1?${V}`,
      headers: auth,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('InvalidSubscriptionId');
  });
});

describe('resource ETags', () => {
  it('answers 412 for a PUT with a stale If-Match and keeps the resource', async () => {
    const first = await put('rt1', { properties: { disableBgpRoutePropagation: true } });
    await put('rt1', { properties: { disableBgpRoutePropagation: false } });
    const stale = await put('rt1', { properties: {} }, { 'if-match': first.headers.etag as string });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().error.code).toBe('PreconditionFailed');
  });

  it('updates with the current If-Match', async () => {
    const first = await put('rt1', { properties: {} });
    const next = await put(
      'rt1',
      { properties: { disableBgpRoutePropagation: true } },
      { 'if-match': first.headers.etag as string },
    );
    expect(next.statusCode).toBe(200);
  });

  it('answers 412 for If-None-Match: * on an existing resource and for If-Match on a missing one', async () => {
    await put('rt1', {});
    expect((await put('rt1', {}, { 'if-none-match': '*' })).statusCode).toBe(412);
    expect((await put('rt2', {}, { 'if-match': 'W/"nope"' })).statusCode).toBe(412);
  });

  it('answers 304 to a GET whose If-None-Match names the current etag', async () => {
    const created = await put('rt1', {});
    const res = await server.app.inject({
      url: `${BASE}/rt1?${V}`,
      headers: { ...auth, 'if-none-match': created.headers.etag as string },
    });
    expect(res.statusCode).toBe(304);
  });

  it('answers 412 for a DELETE with a stale If-Match', async () => {
    const first = await put('rt1', {});
    await put('rt1', { properties: { disableBgpRoutePropagation: true } });
    const res = await server.app.inject({
      method: 'DELETE',
      url: `${BASE}/rt1?${V}`,
      headers: { ...auth, 'if-match': first.headers.etag as string },
    });
    expect(res.statusCode).toBe(412);
    expect(await store.get(`${BASE}/rt1`)).toBeDefined();
  });
});

describe('resource lists', () => {
  it('pages with nextLink until every resource was listed once', async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e']) await put(name, {});
    const names: string[] = [];
    let url: string | undefined = `${BASE}?${V}`;
    while (url !== undefined) {
      const res = await server.app.inject({ url, headers: auth });
      expect(res.statusCode).toBe(200);
      const body: { value: Array<{ name: string }>; nextLink?: string } = res.json();
      names.push(...body.value.map((r) => r.name));
      url = body.nextLink === undefined ? undefined : pathOf(body.nextLink);
    }
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('lists by subscription across resource groups', async () => {
    await put('a', {});
    const res = await server.app.inject({
      url: `/subscriptions/${SUB}/providers/Microsoft.Network/routeTables?${V}`,
      headers: auth,
    });
    expect(res.json().value.map((r: { name: string }) => r.name)).toEqual(['a']);
  });
});

describe('long-running operations', () => {
  it('answers a PUT with Azure-AsyncOperation whose status goes from InProgress to Succeeded', async () => {
    pending = deferred();
    const res = await put('rt1', { location: 'local' });
    expect(res.statusCode).toBe(201);
    const statusUrl = res.headers['azure-asyncoperation'] as string;
    expect(statusUrl).toMatch(
      /^https:\/\/.+\/locations\/local\/operations\/[0-9a-f-]{36}\?api-version=2025-05-01$/,
    );
    expect(res.headers['retry-after']).toBe('1');
    const running = await server.app.inject({ url: pathOf(statusUrl), headers: auth });
    expect(running.json()).toMatchObject({ status: 'InProgress' });
    pending.resolve();
    await pending.promise;
    const done = await server.app.inject({ url: pathOf(statusUrl), headers: auth });
    expect(done.json()).toMatchObject({ status: 'Succeeded' });
    expect(done.json().endTime).toBeDefined();
  });

  it('reports Failed with the ARM error when the work fails', async () => {
    pending = deferred();
    const res = await put('rt1', {});
    pending.reject(new ArmError(400, 'InvalidPeerAsn', 'nope'));
    await pending.promise.catch(() => undefined);
    const status = await server.app.inject({
      url: pathOf(res.headers['azure-asyncoperation'] as string),
      headers: auth,
    });
    expect(status.json()).toMatchObject({
      status: 'Failed',
      error: { code: 'InvalidPeerAsn', message: 'nope' },
    });
  });

  it('answers a POST action with 202 + Location, 202 while running, then 200 with the result', async () => {
    await put('rt1', {});
    pending = deferred();
    const accepted = await server.app.inject({
      method: 'POST',
      url: `${BASE}/rt1/effectiveRoutes?${V}`,
      headers: auth,
    });
    expect(accepted.statusCode).toBe(202);
    const location = pathOf(accepted.headers.location as string);
    expect(location).toContain('/operationResults/');
    expect((await server.app.inject({ url: location, headers: auth })).statusCode).toBe(202);
    pending.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    const done = await server.app.inject({ url: location, headers: auth });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toEqual({ value: [{ addressPrefix: ['10.0.0.0/16'], nextHopType: 'VnetLocal' }] });
  });

  it('answers a DELETE with 202 + Location, then 204 when done; a missing resource gets 204 at once', async () => {
    await put('rt1', {});
    pending = deferred();
    const accepted = await server.app.inject({ method: 'DELETE', url: `${BASE}/rt1?${V}`, headers: auth });
    expect(accepted.statusCode).toBe(202);
    const location = pathOf(accepted.headers.location as string);
    expect((await server.app.inject({ url: location, headers: auth })).statusCode).toBe(202);
    pending.resolve();
    await pending.promise;
    expect((await server.app.inject({ url: location, headers: auth })).statusCode).toBe(204);
    pending = undefined;
    const missing = await server.app.inject({ method: 'DELETE', url: `${BASE}/rt1?${V}`, headers: auth });
    expect(missing.statusCode).toBe(204);
  });

  it('does not show an operation to another subscription', async () => {
    pending = deferred();
    const res = await put('rt1', {});
    const other = pathOf(res.headers['azure-asyncoperation'] as string).replace(
      SUB,
      '00000000-0000-0000-0000-0000000000bb',
    );
    expect((await server.app.inject({ url: other, headers: auth })).statusCode).toBe(404);
  });
});
