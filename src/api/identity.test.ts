/**
 * The server as its own authority: discovery documents, the client
 * credentials token endpoint, and tokens verified on every request
 * (signature, audience, expiry); the OAuth errors the clients expect for a
 * wrong secret, an unknown client or tenant, a wrong scope.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashClientSecret } from './identity.js';
import { apiHarness, NET, SUB, type ApiHarness } from './routes/test-harness.test-support.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SECRET = 'a client secret of some length';
const URL_BASE = 'https://rs.example:8443';

let secretHash: string;
beforeAll(() => {
  secretHash = hashClientSecret(SECRET);
});

const harnesses: ApiHarness[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function server(): Promise<ApiHarness> {
  const h = await apiHarness(
    {},
    {
      publicUrl: URL_BASE,
      identity: {
        tenantId: TENANT,
        principals: [
          {
            clientId: CLIENT,
            secretHash,
            roleAssignments: [{ role: 'Reader', scope: `/subscriptions/${SUB}` }],
          },
        ],
      },
      subscriptions: [{ subscriptionId: SUB, displayName: 'lab' }],
    },
  );
  harnesses.push(h);
  return h;
}

function tokenRequest(h: ApiHarness, form: Record<string, string>, tenant = TENANT) {
  return h.server.app.inject({
    method: 'POST',
    url: `/${tenant}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(form).toString(),
  });
}

const login = {
  grant_type: 'client_credentials',
  client_id: CLIENT,
  client_secret: SECRET,
  scope: `${URL_BASE}/.default`,
  client_info: '1',
};

const get = (h: ApiHarness, url: string, token: string) =>
  h.server.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

describe('discovery', () => {
  it('serves the cloud metadata and the OpenID configuration without a token', async () => {
    const h = await server();
    const metadata = await h.server.app.inject({ url: '/metadata/endpoints?api-version=2022-09-01' });
    expect(metadata.statusCode).toBe(200);
    expect(metadata.json()).toMatchObject({
      authentication: { loginEndpoint: URL_BASE, audiences: [`${URL_BASE}/`] },
      resourceManager: `${URL_BASE}/`,
      // the Graph reads of az role assignment come to the server with the same token (routes/graph.ts)
      microsoftGraphResourceId: `${URL_BASE}/`,
    });
    const openid = await h.server.app.inject({ url: `/${TENANT}/v2.0/.well-known/openid-configuration` });
    expect(openid.json()).toMatchObject({ token_endpoint: `${URL_BASE}/${TENANT}/oauth2/v2.0/token` });
  });
});

describe('token endpoint', () => {
  it('issues a token that the API accepts, and lists the subscriptions with it', async () => {
    const h = await server();
    const res = await tokenRequest(h, login);
    expect(res.statusCode).toBe(200);
    const body = res.json<{ token_type: string; expires_in: number; access_token: string }>();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const subscriptions = await get(h, '/subscriptions?api-version=2022-12-01', body.access_token);
    expect(subscriptions.statusCode).toBe(200);
    expect(subscriptions.json()).toEqual({
      value: [expect.objectContaining({ subscriptionId: SUB, state: 'Enabled', tenantId: TENANT })],
    });
    const vnets = await get(h, `${NET}/virtualNetworks?api-version=2024-05-01`, body.access_token);
    expect(vnets.statusCode).toBe(200);
    expect((await get(h, `/subscriptions/${SUB}?api-version=2022-12-01`, body.access_token)).statusCode).toBe(
      200,
    );
    const missing = await get(
      h,
      '/subscriptions/99999999-0000-0000-0000-000000000000?api-version=2022-12-01',
      body.access_token,
    );
    expect(missing.json()).toMatchObject({ error: { code: 'SubscriptionNotFound' } });
  });

  it('accepts the scope with a doubled slash, as clients send for an audience ending in /', async () => {
    const h = await server();
    const res = await tokenRequest(h, { ...login, scope: `${URL_BASE}//.default` });
    expect(res.statusCode).toBe(200);
  });

  const refusals: [string, Record<string, string>, string | undefined, number, string, RegExp][] = [
    [
      'a wrong secret',
      { ...login, client_secret: 'wrong' },
      undefined,
      401,
      'invalid_client',
      /AADSTS7000215/,
    ],
    [
      'an unknown client',
      { ...login, client_id: 'bbbbbbbb-0000-0000-0000-000000000000' },
      undefined,
      400,
      'unauthorized_client',
      /AADSTS700016/,
    ],
    [
      'an unknown tenant',
      login,
      '99999999-0000-0000-0000-000000000000',
      400,
      'invalid_request',
      /AADSTS90002/,
    ],
    [
      'another audience',
      { ...login, scope: 'https://management.azure.com/.default' },
      undefined,
      400,
      'invalid_scope',
      /AADSTS500011/,
    ],
    [
      'another grant',
      { ...login, grant_type: 'password' },
      undefined,
      400,
      'unsupported_grant_type',
      /AADSTS70003/,
    ],
  ];
  for (const [what, form, tenant, status, error, description] of refusals) {
    it(`refuses ${what} with the OAuth error`, async () => {
      const h = await server();
      const res = await tokenRequest(h, form, tenant);
      expect(res.statusCode).toBe(status);
      expect(res.json()).toMatchObject({ error, error_description: expect.stringMatching(description) });
      expect(res.json()).not.toHaveProperty('access_token');
    });
  }
});

describe('tokens on requests', () => {
  async function tokenOf(h: ApiHarness): Promise<string> {
    return (await tokenRequest(h, login)).json<{ access_token: string }>().access_token;
  }

  it('refuses a token signed by another server (another key), a malformed one and a tampered one', async () => {
    const [a, b] = [await server(), await server()];
    const foreign = await tokenOf(b);
    const url = `${NET}/virtualNetworks?api-version=2024-05-01`;
    const answer = async (token: string) =>
      (await get(a, url, token)).json<{ error: { code: string; message: string } }>().error;
    expect(await answer(foreign)).toMatchObject({
      code: 'InvalidAuthenticationToken',
      message: /invalid signature/,
    });
    expect(await answer('not.a.jwt')).toMatchObject({ code: 'InvalidAuthenticationToken' });
    const own = await tokenOf(a);
    const [header, payload, signature] = own.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
    expect(await answer(`${header}.${forged}.${signature}`)).toMatchObject({ message: /invalid signature/ });
  });

  it('refuses a token once it has expired', async () => {
    const h = await server();
    const token = await tokenOf(h);
    const url = `${NET}/virtualNetworks?api-version=2024-05-01`;
    expect((await get(h, url, token)).statusCode).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 3601_000);
    const expired = await get(h, url, token);
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toMatchObject({
      error: { code: 'InvalidAuthenticationToken', message: /expired/ },
    });
  });

  it('keeps the static token working beside the issued ones', async () => {
    const h = await server();
    expect((await h.request('GET', 'virtualNetworks')).statusCode).toBe(200);
  });
});
