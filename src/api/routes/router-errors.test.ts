/**
 * Errors raised before a route handler runs — the router (a malformed
 * %-escape, an over-long path segment) and the body parser (bad JSON, a
 * content type other than JSON) — answer in ARM's shape, after
 * authentication, with x-ms-request-id, like every other answer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiHarness, NET, V, type ApiHarness } from './test-harness.test-support.js';

let api: ApiHarness;
let token: Record<string, string>;

beforeEach(async () => {
  api = await apiHarness();
  token = { authorization: `Bearer ${api.server.credentials.token}` };
});

afterEach(async () => {
  await api.close();
});

interface Probe {
  readonly method: 'GET' | 'PUT';
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly payload?: string;
}

const PROBES: Readonly<Record<string, Probe>> = {
  'a malformed %-escape in the path': { method: 'GET', url: `${NET}/virtualNetworks/a%zz?${V}` },
  'a 1,000-character name': { method: 'GET', url: `${NET}/virtualNetworks/${'a'.repeat(1000)}?${V}` },
  'a 3,000-character path segment': {
    method: 'GET',
    url: `${NET}/virtualNetworks/${'a'.repeat(3000)}?${V}`,
  },
  'a body that is not JSON': {
    method: 'PUT',
    url: `${NET}/virtualNetworks/vn?${V}`,
    headers: { 'content-type': 'application/json' },
    payload: '{"location": ',
  },
  'a content type other than JSON': {
    method: 'PUT',
    url: `${NET}/virtualNetworks/vn?${V}`,
    headers: { 'content-type': 'application/xml' },
    payload: '<vnet/>',
  },
};

const EXPECTED: Readonly<Record<string, readonly [status: number, code: string]>> = {
  'a malformed %-escape in the path': [400, 'InvalidUri'],
  'a 1,000-character name': [400, 'InvalidResourceName'],
  'a 3,000-character path segment': [400, 'InvalidResourceName'],
  'a body that is not JSON': [400, 'InvalidRequestContent'],
  'a content type other than JSON': [415, 'UnsupportedMediaType'],
};

function send(probe: Probe, auth: Record<string, string>) {
  return api.server.app.inject({
    method: probe.method,
    url: probe.url,
    headers: { ...probe.headers, ...auth },
    ...(probe.payload === undefined ? {} : { payload: probe.payload }),
  });
}

describe('router and parser errors', () => {
  for (const [name, probe] of Object.entries(PROBES)) {
    it(`answers ${name} without a token with ARM's 401 first`, async () => {
      const res = await send(probe, {});
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: { code: 'AuthenticationFailed' } });
      expect(res.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it(`answers ${name} with a token as an ARM error with x-ms-request-id`, async () => {
      const [status, code] = EXPECTED[name]!;
      const res = await send(probe, token);
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const body = res.json();
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error.code).toBe(code);
      expect(typeof body.error.message).toBe('string');
    });
  }
});
