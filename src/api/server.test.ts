import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SUPPORTED_API_VERSIONS } from './api-versions.js';
import { createApiServer, OPENAPI_PATH, type ApiServer } from './server.js';

const SUB = '00000000-0000-0000-0000-000000000001';
let dir: string;
let server: ApiServer;
let auth: Record<string, string>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rs-api-'));
  server = await createApiServer({ dataDir: dir, listen: { host: '127.0.0.1', port: 0 } });
  auth = { authorization: `Bearer ${server.credentials.token}` };
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const operationsUrl = (version?: string) =>
  `/providers/Microsoft.Network/operations${version === undefined ? '' : `?api-version=${version}`}`;

describe('API credentials', () => {
  it('generates a token and a self-signed certificate with private files on first start', () => {
    const token = readFileSync(join(dir, 'api-token'), 'utf8').trim();
    expect(token).toBe(server.credentials.token);
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, 'api-token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'tls', 'key.pem')).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(readFileSync(join(dir, 'tls', 'cert.pem')));
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(server.credentials.generatedCertificate).toBe(true);
  });

  it('reuses the token and certificate on the next start', async () => {
    const again = await createApiServer({ dataDir: dir, listen: { host: '127.0.0.1', port: 0 } });
    expect(again.credentials.token).toBe(server.credentials.token);
    expect(again.credentials.cert).toBe(server.credentials.cert);
    expect(again.credentials.generatedCertificate).toBe(false);
    expect(again.credentials.generatedToken).toBe(false);
    await again.close();
  });

  it('refuses a configured token that is too short', async () => {
    await expect(
      createApiServer({ dataDir: dir, listen: { host: '127.0.0.1', port: 0 }, token: 'short' }),
    ).rejects.toMatchObject({
      code: 'BGPRS_ERR_API_CONFIG',
    });
  });
});

describe('API authentication', () => {
  it('answers 401 AuthenticationFailed without an Authorization header', async () => {
    const res = await server.app.inject({ url: operationsUrl('2024-05-01') });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'AuthenticationFailed' } });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
  });

  it('answers 401 AuthenticationFailed for a header that is not a bearer token', async () => {
    const res = await server.app.inject({
      url: operationsUrl('2024-05-01'),
      headers: { authorization: 'Basic abc' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('AuthenticationFailed');
  });

  it('answers 401 InvalidAuthenticationToken for a wrong token', async () => {
    const wrong = `${server.credentials.token.slice(0, -1)}x`;
    const res = await server.app.inject({
      url: operationsUrl('2024-05-01'),
      headers: { authorization: `Bearer ${wrong}` },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('InvalidAuthenticationToken');
  });

  it('requires the token on paths that do not exist and on the OpenAPI document', async () => {
    expect((await server.app.inject({ url: '/nothing' })).statusCode).toBe(401);
    expect((await server.app.inject({ url: OPENAPI_PATH })).statusCode).toBe(401);
  });
});

describe('API versions', () => {
  it('answers 400 MissingApiVersionParameter without api-version', async () => {
    const res = await server.app.inject({ url: operationsUrl(), headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: { code: 'MissingApiVersionParameter', target: 'api-version' },
    });
  });

  it('answers 400 InvalidApiVersionParameter for a version outside the list', async () => {
    for (const version of ['2021-08-01', '2026-02-01', 'latest', '2023-06-01-preview']) {
      const res = await server.app.inject({ url: operationsUrl(version), headers: auth });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('InvalidApiVersionParameter');
    }
  });

  it('accepts every version from 2022-01-01 to 2026-01-01', async () => {
    expect(SUPPORTED_API_VERSIONS[0]).toBe('2022-01-01');
    expect(SUPPORTED_API_VERSIONS.at(-1)).toBe('2026-01-01');
    for (const version of SUPPORTED_API_VERSIONS) {
      const res = await server.app.inject({ url: operationsUrl(version), headers: auth });
      expect(res.statusCode).toBe(200);
    }
  });

  it('reads the api-version parameter name case-insensitively', async () => {
    const res = await server.app.inject({
      url: '/providers/Microsoft.Network/operations?API-Version=2024-05-01',
      headers: auth,
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('API conventions', () => {
  it('lists the provider operations it serves', async () => {
    const res = await server.app.inject({ url: operationsUrl('2025-05-01'), headers: auth });
    const names = (res.json().value as Array<{ name: string }>).map((o) => o.name);
    expect(names).toContain('Microsoft.Network/locations/operations/read');
    expect(names).toContain('Microsoft.Network/operations/read');
  });

  it('answers 404 InvalidResourceType for a Microsoft.Network type it does not serve', async () => {
    const res = await server.app.inject({
      url: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/applicationGateways/gw?api-version=2024-05-01`,
      headers: auth,
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'InvalidResourceType' });
    expect(res.json().error.message).toContain("'applicationGateways'");
  });

  it('answers 404 NotFound for an unknown long-running operation', async () => {
    const res = await server.app.inject({
      url: `/subscriptions/${SUB}/providers/Microsoft.Network/locations/local/operations/${'0'.repeat(8)}?api-version=2024-05-01`,
      headers: auth,
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NotFound');
  });

  it('sets x-ms-request-id and echoes the correlation id', async () => {
    const res = await server.app.inject({
      url: operationsUrl('2024-05-01'),
      headers: { ...auth, 'x-ms-correlation-request-id': 'abc-123' },
    });
    expect(res.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-ms-correlation-request-id']).toBe('abc-123');
  });

  it('serves an OpenAPI 3.1 document of its routes', async () => {
    const res = await server.app.inject({ url: OPENAPI_PATH, headers: auth });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/providers/Microsoft.Network/operations');
    expect(Object.keys(doc.paths)).toContain(
      '/subscriptions/{subscriptionId}/providers/Microsoft.Network/locations/{location}/operations/{operationId}',
    );
  });
});
