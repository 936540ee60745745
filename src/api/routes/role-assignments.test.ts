/**
 * Role assignments through the API over a real store: what `az role
 * assignment create/list/delete` send, the errors they expect for bad input
 * (with nothing stored), assignments that take effect on the next request,
 * the Graph reads that resolve a principal, and the audit line of each write.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashClientSecret } from '../identity.js';
import { apiHarness, NET, SUB, type ApiHarness } from './test-harness.test-support.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const OWNER_SP = 'aaaaaaaa-0000-0000-0000-000000000001';
const OTHER_SP = 'aaaaaaaa-0000-0000-0000-000000000002';
const UNKNOWN = 'aaaaaaaa-0000-0000-0000-00000000ffff';
const SECRET = 'a client secret of some length';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const NETWORK_CONTRIBUTOR = '4d97b98b-1d4f-4787-a291-c67834d212e7';
const SCOPE = `/subscriptions/${SUB}`;
const AUTH = `${SCOPE}/providers/Microsoft.Authorization`;
const NAME = '0f77cc65-f84c-44cb-b781-f24ca4d46263';
const V = 'api-version=2022-04-01';

let secretHash: string;
beforeAll(() => {
  secretHash = hashClientSecret(SECRET);
});

const harnesses: ApiHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function server(audit: string[] = []): Promise<ApiHarness> {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      audit.push(chunk.toString('utf8'));
      done();
    },
  });
  const h = await apiHarness(
    {},
    {
      publicUrl: 'https://rs.example:8443',
      identity: {
        tenantId: TENANT,
        principals: [
          {
            clientId: OWNER_SP,
            secretHash,
            displayName: 'automation',
            roleAssignments: [{ role: 'Owner', scope: SCOPE }],
          },
          { clientId: OTHER_SP, secretHash, displayName: 'viewer' },
        ],
      },
      subscriptions: [{ subscriptionId: SUB, displayName: 'lab' }],
      auditLogger: pino({ level: 'info' }, sink),
    },
  );
  harnesses.push(h);
  return h;
}

async function tokenOf(h: ApiHarness, clientId: string): Promise<string> {
  const res = await h.server.app.inject({
    method: 'POST',
    url: `/${TENANT}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: SECRET,
      scope: 'https://rs.example:8443/.default',
    }).toString(),
  });
  return res.json<{ access_token: string }>().access_token;
}

const assignment = (principalId: string, role = READER, extra: Record<string, unknown> = {}) => ({
  properties: {
    roleDefinitionId: `${AUTH}/roleDefinitions/${role}`,
    principalId,
    principalType: 'ServicePrincipal',
    ...extra,
  },
});

async function storedAssignments(h: ApiHarness): Promise<number> {
  return (await h.store.list({ type: 'Microsoft.Authorization/roleAssignments' })).records.length;
}

describe('role definitions', () => {
  it('lists the built-in roles, finds one by name and by id', async () => {
    const h = await server();
    const all = await h.request('GET', `${AUTH}/roleDefinitions?api-version=2022-05-01-preview`);
    expect(all.body.value.map((r: { properties: { roleName: string } }) => r.properties.roleName)).toEqual([
      'Owner',
      'Network Contributor',
      'Reader',
    ]);
    const byName = await h.request(
      'GET',
      `${AUTH}/roleDefinitions?api-version=2022-05-01-preview&$filter=${encodeURIComponent("roleName eq 'Reader'")}`,
    );
    expect(byName.body.value).toEqual([
      expect.objectContaining({
        id: `${AUTH}/roleDefinitions/${READER}`,
        name: READER,
        type: 'Microsoft.Authorization/roleDefinitions',
        properties: expect.objectContaining({
          roleName: 'Reader',
          type: 'BuiltInRole',
          permissions: [{ actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] }],
        }),
      }),
    ]);
    const one = await h.request(
      'GET',
      `${SCOPE}/resourceGroups/rg1/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR}?${V}`,
    );
    expect(one.body.properties.roleName).toBe('Network Contributor');
    const missing = await h.request(
      'GET',
      `${AUTH}/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c?${V}`,
    );
    expect(missing.statusCode).toBe(404);
    expect(missing.body.error.code).toBe('RoleDefinitionDoesNotExist');
  });
});

describe('role assignments', () => {
  it('creates, reads, lists and deletes an assignment in the store', async () => {
    const h = await server();
    const created = await h.request('PUT', `${AUTH}/roleAssignments/${NAME}?${V}`, assignment(OTHER_SP));
    expect(created.statusCode).toBe(201);
    expect(created.body).toEqual({
      id: `${AUTH}/roleAssignments/${NAME}`,
      name: NAME,
      type: 'Microsoft.Authorization/roleAssignments',
      properties: expect.objectContaining({
        roleDefinitionId: `${AUTH}/roleDefinitions/${READER}`,
        principalId: OTHER_SP,
        principalType: 'ServicePrincipal',
        scope: SCOPE,
        createdBy: '',
      }),
    });
    expect((await h.request('GET', `${AUTH}/roleAssignments/${NAME}?${V}`)).body).toEqual(created.body);
    const atScope = await h.request('GET', `${AUTH}/roleAssignments?${V}&$filter=atScope()`);
    expect(
      atScope.body.value.map((a: { properties: { principalId: string } }) => a.properties.principalId),
    ).toEqual([OWNER_SP, OTHER_SP]);
    const filter = encodeURIComponent(`principalId eq '${OTHER_SP}'`);
    const mine = await h.request('GET', `${AUTH}/roleAssignments?${V}&$filter=${filter}`);
    expect(mine.body.value).toEqual([created.body]);
    const deleted = await h.request('DELETE', `${AUTH}/roleAssignments/${NAME}?${V}`);
    expect(deleted.statusCode).toBe(200);
    expect((await h.request('DELETE', `${AUTH}/roleAssignments/${NAME}?${V}`)).statusCode).toBe(204);
    expect((await h.request('GET', `${AUTH}/roleAssignments/${NAME}?${V}`)).body.error.code).toBe(
      'RoleAssignmentNotFound',
    );
    expect(await storedAssignments(h)).toBe(0);
  });

  it("lists a resource group's assignments with those of its subscription, not those of another group", async () => {
    const h = await server();
    const rg1 = `${SCOPE}/resourceGroups/rg1/providers/Microsoft.Authorization/roleAssignments`;
    const rg2 = `${SCOPE}/resourceGroups/rg2/providers/Microsoft.Authorization/roleAssignments`;
    await h.request('PUT', `${rg1}/${NAME}?${V}`, assignment(OTHER_SP, NETWORK_CONTRIBUTOR));
    await h.request('PUT', `${rg2}/6a1f3c1e-2b6d-4e7f-8a9b-0c1d2e3f4a5b?${V}`, assignment(OTHER_SP));
    const listed = await h.request('GET', `${rg1}?${V}`);
    expect(listed.body.value.map((a: { properties: { scope: string } }) => a.properties.scope)).toEqual([
      SCOPE,
      `${SCOPE}/resourceGroups/rg1`,
    ]);
    const subscription = await h.request('GET', `${AUTH}/roleAssignments?${V}`);
    expect(subscription.body.value).toHaveLength(3);
  });

  it('takes effect on the next request of the principal, and ends with its deletion', async () => {
    const h = await server();
    const token = await tokenOf(h, OTHER_SP);
    const list = () =>
      h.server.app.inject({
        method: 'GET',
        url: `${NET}/virtualNetworks?api-version=2024-05-01`,
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await list()).statusCode).toBe(403);
    await h.request('PUT', `${AUTH}/roleAssignments/${NAME}?${V}`, assignment(OTHER_SP));
    expect((await list()).statusCode).toBe(200);
    await h.request('DELETE', `${AUTH}/roleAssignments/${NAME}?${V}`);
    expect((await list()).statusCode).toBe(403);
  });

  it('lets a principal that is Owner assign roles, and records who did', async () => {
    const h = await server();
    const res = await h.server.app.inject({
      method: 'PUT',
      url: `${AUTH}/roleAssignments/${NAME}?${V}`,
      headers: { authorization: `Bearer ${await tokenOf(h, OWNER_SP)}` },
      payload: assignment(OTHER_SP),
    });
    expect(res.statusCode).toBe(201);
    expect(res.json<{ properties: { createdBy: string } }>().properties.createdBy).toBe(OWNER_SP);
  });

  it("lists the configuration's assignments and refuses to delete them", async () => {
    const h = await server();
    const listed = await h.request('GET', `${AUTH}/roleAssignments?${V}`);
    expect(listed.body.value).toEqual([
      expect.objectContaining({
        properties: expect.objectContaining({
          principalId: OWNER_SP,
          roleDefinitionId: `${AUTH}/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635`,
          description: 'declared in the configuration file',
        }),
      }),
    ]);
    const name = listed.body.value[0].name as string;
    expect(name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const refused = await h.request('DELETE', `${AUTH}/roleAssignments/${name}?${V}`);
    expect(refused.statusCode).toBe(409);
    expect((await h.request('GET', `${AUTH}/roleAssignments/${name}?${V}`)).statusCode).toBe(200);
  });

  it.each([
    ['a principal the directory does not hold', NAME, assignment(UNKNOWN), 400, 'PrincipalNotFound'],
    [
      'a role that does not exist',
      NAME,
      assignment(OTHER_SP, 'b24988ac-6180-42a0-ab88-20f7382dd24c'),
      400,
      'RoleDefinitionDoesNotExist',
    ],
    ['a name that is not a GUID', 'not-a-guid', assignment(OTHER_SP), 400, 'InvalidRoleAssignmentId'],
    ['a principal id that is not a GUID', NAME, assignment('someone'), 400, 'InvalidPrincipalId'],
    [
      'another principal type',
      NAME,
      assignment(OTHER_SP, READER, { principalType: 'User' }),
      400,
      'UnmatchedPrincipalType',
    ],
    ['no properties', NAME, {}, 400, 'InvalidRequestContent'],
    [
      'a condition',
      NAME,
      assignment(OTHER_SP, READER, { condition: "@Resource[x] StringEquals 'y'" }),
      400,
      'InvalidRoleAssignmentRequest',
    ],
  ])(
    'refuses %s with the error the clients expect, storing nothing',
    async (_what, name, body, status, code) => {
      const h = await server();
      const res = await h.request('PUT', `${AUTH}/roleAssignments/${name}?${V}`, body);
      expect(res.statusCode).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(await storedAssignments(h)).toBe(0);
    },
  );

  it('names the unknown principal and the directory, as ARM does', async () => {
    const h = await server();
    const res = await h.request('PUT', `${AUTH}/roleAssignments/${NAME}?${V}`, assignment(UNKNOWN));
    expect(res.body.error.message).toMatch(
      new RegExp(`^Principal ${UNKNOWN.replace(/-/g, '')} does not exist in the directory ${TENANT}\\.`),
    );
  });

  it('refuses the same role for the same principal at the same scope twice (az create is idempotent on it)', async () => {
    const h = await server();
    await h.request('PUT', `${AUTH}/roleAssignments/${NAME}?${V}`, assignment(OTHER_SP));
    const again = await h.request(
      'PUT',
      `${AUTH}/roleAssignments/6a1f3c1e-2b6d-4e7f-8a9b-0c1d2e3f4a5b?${V}`,
      assignment(OTHER_SP),
    );
    expect(again.statusCode).toBe(409);
    expect(again.body.error.code).toBe('RoleAssignmentExists');
    const changed = await h.request(
      'PUT',
      `${AUTH}/roleAssignments/${NAME}?${V}`,
      assignment(OTHER_SP, NETWORK_CONTRIBUTOR),
    );
    expect(changed.statusCode).toBe(409);
    expect(changed.body.error.code).toBe('RoleAssignmentUpdateNotPermitted');
    expect(await storedAssignments(h)).toBe(1);
  });

  it('answers 404 for a subscription the server does not serve', async () => {
    const h = await server();
    const res = await h.request(
      'GET',
      `/subscriptions/99999999-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleAssignments?${V}`,
    );
    expect(res.statusCode).toBe(404);
    expect(res.body.error.code).toBe('SubscriptionNotFound');
  });
});

describe('the directory reads of az role assignment', () => {
  it('finds a service principal by its client id, and objects by their ids', async () => {
    const h = await server();
    const filter = encodeURIComponent(`servicePrincipalNames/any(c:c eq '${OTHER_SP}')`);
    const found = await h.request('GET', `/v1.0/servicePrincipals?$filter=${filter}`);
    expect(found.body.value).toEqual([
      expect.objectContaining({
        '@odata.type': '#microsoft.graph.servicePrincipal',
        id: OTHER_SP,
        appId: OTHER_SP,
        displayName: 'viewer',
      }),
    ]);
    const none = await h.request(
      'GET',
      `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`servicePrincipalNames/any(c:c eq '${UNKNOWN}')`)}`,
    );
    expect(none.body.value).toEqual([]);
    const byIds = await h.request('POST', '/v1.0/directoryObjects/getByIds', { ids: [OWNER_SP, UNKNOWN] });
    expect(byIds.body.value.map((o: { id: string }) => o.id)).toEqual([OWNER_SP]);
  });
});

describe('the audit log', () => {
  it('has one line per write, refused ones too: who, method and id, status; none for reads and read-only actions', async () => {
    const lines: string[] = [];
    const h = await server(lines);
    await h.request('PUT', `${AUTH}/roleAssignments/${NAME}?${V}`, assignment(OTHER_SP));
    await h.request('GET', `${AUTH}/roleAssignments?${V}`);
    await h.request('POST', `${NET}/networkInterfaces/n1/effectiveRouteTable?api-version=2024-05-01`);
    await h.request('POST', '/v1.0/directoryObjects/getByIds', { ids: [] });
    await h.server.app.inject({
      method: 'PUT',
      url: `${NET}/virtualNetworks/v1?api-version=2024-05-01`,
      headers: { authorization: `Bearer ${await tokenOf(h, OTHER_SP)}` },
      payload: { location: 'local', properties: { addressSpace: { addressPrefixes: ['10.0.0.0/16'] } } },
    });
    await h.server.app.inject({ method: 'DELETE', url: `${NET}/virtualNetworks/v1?api-version=2024-05-01` });
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toEqual([
      expect.objectContaining({
        audit: true,
        who: 'local owner',
        method: 'PUT',
        id: `${AUTH}/roleAssignments/${NAME}`,
        status: 201,
      }),
      expect.objectContaining({
        who: OTHER_SP,
        clientId: OTHER_SP,
        displayName: 'viewer',
        method: 'PUT',
        id: `${NET}/virtualNetworks/v1`,
        status: 403, // a Reader
      }),
      expect.objectContaining({ who: 'unauthenticated', method: 'DELETE', status: 401 }),
    ]);
  });
});
