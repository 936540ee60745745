/**
 * Role-based access control: which action and scope a request is, how
 * Azure's action patterns match, and which callers the built-in roles let
 * through at which scopes.
 */
import { describe, expect, it } from 'vitest';
import {
  actionMatches,
  Authorizer,
  findRole,
  requestAction,
  scopeCovers,
  type Assignment,
} from './authorization.js';
import { ArmError } from './errors.js';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000';
const RG1 = `${SUB}/resourceGroups/rg1`;
const NET1 = `${RG1}/providers/Microsoft.Network`;
const NET2 = `${SUB}/resourceGroups/rg2/providers/Microsoft.Network`;
const READER = 'aaaaaaaa-0000-0000-0000-000000000001';
const CONTRIBUTOR = 'aaaaaaaa-0000-0000-0000-000000000002';
const OWNER = 'aaaaaaaa-0000-0000-0000-000000000003';
const NOBODY = 'aaaaaaaa-0000-0000-0000-000000000004';

const role = (name: string) => findRole(name)!.name;
const assignments: Assignment[] = [
  { principalId: READER, roleDefinitionName: role('Reader'), scope: SUB },
  { principalId: CONTRIBUTOR, roleDefinitionName: role('Network Contributor'), scope: RG1 },
  { principalId: OWNER.toUpperCase(), roleDefinitionName: role('Owner'), scope: RG1.toLowerCase() },
];
const authorizer = new Authorizer(async () => assignments);
const principal = (clientId: string) => ({ kind: 'principal', clientId }) as const;

async function refusal(clientId: string, method: string, url: string): Promise<ArmError | undefined> {
  try {
    await authorizer.authorize(principal(clientId), method, url);
    return undefined;
  } catch (error) {
    if (error instanceof ArmError) return error;
    throw error;
  }
}

describe('the built-in roles', () => {
  it('carry Azure role definition ids and are found by name or id, in any case', () => {
    expect(findRole('Owner')!.name).toBe('8e3af657-a8ff-443c-a75c-2fe8c4bcb635');
    expect(findRole('network contributor')!.name).toBe('4d97b98b-1d4f-4787-a291-c67834d212e7');
    expect(findRole('ACDD72A7-3385-48EF-BD42-F606FBA81AE7')!.roleName).toBe('Reader');
    expect(findRole('Contributor')).toBeUndefined();
  });
});

describe('action patterns', () => {
  it.each([
    ['*', 'Microsoft.Network/virtualHubs/write', true],
    ['*/read', 'Microsoft.Network/virtualHubs/read', true],
    ['*/read', 'Microsoft.Network/virtualHubs/write', false],
    ['*/read', 'Microsoft.Network/virtualHubs/read/action', false],
    ['Microsoft.Network/*', 'microsoft.network/virtualHubs/bgpConnections/delete', true],
    ['Microsoft.Network/*', 'Microsoft.Resources/subscriptions/resourceGroups/write', false],
    ['Microsoft.Authorization/*/read', 'Microsoft.Authorization/roleAssignments/read', true],
    ['Microsoft.Authorization/*/read', 'Microsoft.Authorization/roleAssignments/write', false],
    [
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      true,
    ],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'ab', false],
  ])('%s matches %s: %s', (pattern, action, expected) => {
    expect(actionMatches(pattern, action)).toBe(expected);
  });

  it('a scope covers itself and what lies below it, segment by segment, in any case', () => {
    expect(scopeCovers(RG1, `${NET1}/virtualHubs/rs1`)).toBe(true);
    expect(scopeCovers(RG1.toUpperCase(), RG1)).toBe(true);
    expect(scopeCovers(RG1, `${SUB}/resourceGroups/rg10`)).toBe(false);
    expect(scopeCovers(RG1, SUB)).toBe(false);
  });
});

describe('the action of a request', () => {
  it.each([
    ['GET', `${NET1}/virtualHubs/rs1?api-version=2024-05-01`, 'Microsoft.Network/virtualHubs/read'],
    ['GET', `${NET1}/virtualHubs`, 'Microsoft.Network/virtualHubs/read'],
    ['GET', `${SUB}/providers/Microsoft.Network/virtualNetworks`, 'Microsoft.Network/virtualNetworks/read'],
    [
      'PUT',
      `${NET1}/virtualHubs/rs1/bgpConnections/p1`,
      'Microsoft.Network/virtualHubs/bgpConnections/write',
    ],
    ['PATCH', `${NET1}/virtualHubs/rs1`, 'Microsoft.Network/virtualHubs/write'],
    ['DELETE', `${NET1}/virtualNetworks/v1/subnets/s1`, 'Microsoft.Network/virtualNetworks/subnets/delete'],
    ['PUT', `${SUB}/resourcegroups/rg1`, 'Microsoft.Resources/subscriptions/resourceGroups/write'],
    ['GET', `${SUB}/resourcegroups`, 'Microsoft.Resources/subscriptions/resourceGroups/read'],
    ['DELETE', `${SUB}/resourceGroups/rg1`, 'Microsoft.Resources/subscriptions/resourceGroups/delete'],
    ['POST', `${SUB}/providers/Microsoft.Network/register`, 'Microsoft.Network/register/action'],
    [
      'PUT',
      `${RG1}/providers/Microsoft.Authorization/roleAssignments/0f77cc65-f84c-44cb-b781-f24ca4d46263`,
      'Microsoft.Authorization/roleAssignments/write',
    ],
    [
      'GET',
      `${SUB}/providers/Microsoft.Authorization/roleDefinitions`,
      'Microsoft.Authorization/roleDefinitions/read',
    ],
  ])('%s %s is %s over the id it names', (method, url, action) => {
    expect(requestAction(method, url)).toEqual({ action, scope: url.split('?')[0] });
  });

  it("a POST action that changes nothing keeps Azure's action string and is allowed by a read of the resource too", () => {
    expect(requestAction('POST', `${NET1}/virtualHubs/rs1/bgpConnections/p1/learnedRoutes`)).toEqual({
      action: 'Microsoft.Network/virtualHubs/bgpConnections/learnedRoutes/action',
      readAction: 'Microsoft.Network/virtualHubs/bgpConnections/read',
      scope: `${NET1}/virtualHubs/rs1/bgpConnections/p1/learnedRoutes`,
    });
    expect(requestAction('POST', `${NET1}/networkInterfaces/n1/effectiveRouteTable`)?.readAction).toBe(
      'Microsoft.Network/networkInterfaces/read',
    );
    for (const view of ['effectiveRoutes', 'inboundRoutes', 'outboundRoutes'])
      expect(requestAction('POST', `${NET1}/virtualHubs/rs1/${view}`)).toEqual({
        action: `Microsoft.Network/virtualHubs/${view}/action`,
        readAction: 'Microsoft.Network/virtualHubs/read',
        scope: `${NET1}/virtualHubs/rs1/${view}`,
      });
  });

  it('a POST action that changes something has no read that allows it', () => {
    expect(requestAction('POST', `${NET1}/virtualHubs/rs1/reset`)).toEqual({
      action: 'Microsoft.Network/virtualHubs/reset/action',
      scope: `${NET1}/virtualHubs/rs1/reset`,
    });
  });

  it.each([
    '/subscriptions?api-version=2022-12-01',
    `${SUB}?api-version=2022-12-01`,
    `${SUB}/providers/Microsoft.Network`,
    `${SUB}/providers/Microsoft.Network/locations/local/operations/0f77cc65-f84c-44cb-b781-f24ca4d46263`,
    `${SUB}/providers/Microsoft.Network/locations/local/operationResults/0f77cc65-f84c-44cb-b781-f24ca4d46263`,
    '/providers/Microsoft.Network/operations?api-version=2024-05-01',
    '/openapi.json',
    "/v1.0/servicePrincipals?$filter=servicePrincipalNames/any(c:c eq 'x')",
  ])('GET %s is open to every authenticated caller', (url) => {
    expect(requestAction('GET', url)).toBeUndefined();
  });

  it('the directory lookup by ids is a read, though a POST', () => {
    expect(requestAction('POST', '/v1.0/directoryObjects/getByIds')).toBeUndefined();
  });

  it.each([
    ['PUT', `${SUB}`],
    ['DELETE', '/openapi.json'],
    ['POST', '/v1.0/servicePrincipals'],
  ])('%s %s, a shape it does not know, needs everything at the root', (method, url) => {
    expect(requestAction(method, url)).toEqual({ action: '*', scope: '/' });
  });
});

describe('subscription-wide lists', () => {
  it('lets a caller whose role is on one group list the subscription, filtered to that group', async () => {
    for (const [url, inGroup, elsewhere] of [
      [
        `${SUB}/providers/Microsoft.Network/virtualHubs`,
        `${NET1}/virtualHubs/rs1`,
        `${NET2}/virtualHubs/rs2`,
      ],
      [`${SUB}/resourcegroups`, RG1, `${SUB}/resourceGroups/rg2`],
    ] as const) {
      const filter = await authorizer.authorize(principal(CONTRIBUTOR), 'GET', url);
      expect([filter?.(inGroup), filter?.(elsewhere)]).toEqual([true, false]);
    }
  });

  it('gives no filter to a caller whose role covers the subscription', async () => {
    expect(
      await authorizer.authorize(principal(READER), 'GET', `${SUB}/providers/Microsoft.Network/virtualHubs`),
    ).toBeUndefined();
  });

  it('still refuses a caller with no role in the subscription, and writes or other lists', async () => {
    expect((await refusal(NOBODY, 'GET', `${SUB}/providers/Microsoft.Network/virtualHubs`))?.statusCode).toBe(
      403,
    );
    expect(
      (await refusal(CONTRIBUTOR, 'GET', `${SUB}/providers/Microsoft.Authorization/roleAssignments`))
        ?.statusCode,
    ).toBe(403);
    expect((await refusal(CONTRIBUTOR, 'PUT', `${NET2}/virtualHubs/rs2`))?.statusCode).toBe(403);
  });
});

describe('authorizing a request', () => {
  it('lets the local owner do everything', async () => {
    await expect(authorizer.authorize({ kind: 'owner' }, 'PUT', '/anything')).resolves.toBeUndefined();
  });

  it('lets a Reader read and list anywhere in its subscription', async () => {
    expect(await refusal(READER, 'GET', `${NET1}/virtualHubs/rs1`)).toBeUndefined();
    expect(await refusal(READER, 'GET', `${NET2}/virtualNetworks`)).toBeUndefined();
    expect(
      await refusal(READER, 'GET', `${SUB}/providers/Microsoft.Authorization/roleAssignments`),
    ).toBeUndefined();
  });

  it('lets a Reader see learned routes and effective routes', async () => {
    expect(
      await refusal(READER, 'POST', `${NET1}/virtualHubs/rs1/bgpConnections/p1/learnedRoutes`),
    ).toBeUndefined();
    expect(await refusal(READER, 'POST', `${NET1}/networkInterfaces/n1/effectiveRouteTable`)).toBeUndefined();
  });

  it.each([
    ['PUT', `${NET1}/virtualHubs/rs1`, 'Microsoft.Network/virtualHubs/write'],
    ['PATCH', `${NET1}/virtualHubs/rs1`, 'Microsoft.Network/virtualHubs/write'],
    [
      'DELETE',
      `${NET1}/virtualHubs/rs1/bgpConnections/p1`,
      'Microsoft.Network/virtualHubs/bgpConnections/delete',
    ],
    ['POST', `${NET1}/virtualHubs/rs1/reset`, 'Microsoft.Network/virtualHubs/reset/action'],
    ['PUT', `${SUB}/resourcegroups/rg9`, 'Microsoft.Resources/subscriptions/resourceGroups/write'],
  ])('refuses a Reader %s %s with 403 AuthorizationFailed naming %s', async (method, url, action) => {
    const error = await refusal(READER, method, url);
    expect(error?.statusCode).toBe(403);
    expect(error?.toBody()).toEqual({
      error: {
        code: 'AuthorizationFailed',
        message:
          `The client '${READER}' with object id '${READER}' does not have authorization to perform action ` +
          `'${action}' over scope '${url}' or the scope is invalid. If access was recently granted, please ` +
          'refresh your credentials.',
      },
    });
  });

  it('lets a Network Contributor of one resource group change networks there and read the group', async () => {
    expect(await refusal(CONTRIBUTOR, 'PUT', `${NET1}/virtualNetworks/v1`)).toBeUndefined();
    expect(await refusal(CONTRIBUTOR, 'DELETE', `${NET1}/virtualHubs/rs1/bgpConnections/p1`)).toBeUndefined();
    expect(await refusal(CONTRIBUTOR, 'GET', RG1)).toBeUndefined();
  });

  it('refuses a Network Contributor another resource group, the group itself and roles', async () => {
    expect((await refusal(CONTRIBUTOR, 'PUT', `${NET2}/virtualNetworks/v1`))?.statusCode).toBe(403);
    expect((await refusal(CONTRIBUTOR, 'GET', `${NET2}/virtualNetworks/v1`))?.statusCode).toBe(403);
    expect((await refusal(CONTRIBUTOR, 'DELETE', RG1))?.statusCode).toBe(403);
    const assign = `${RG1}/providers/Microsoft.Authorization/roleAssignments/0f77cc65-f84c-44cb-b781-f24ca4d46263`;
    expect((await refusal(CONTRIBUTOR, 'PUT', assign))?.statusCode).toBe(403);
    expect(await refusal(CONTRIBUTOR, 'GET', assign)).toBeUndefined();
  });

  it('tells which resources a caller may read, from one read of the assignments', async () => {
    const mayRead = await authorizer.readable(principal(CONTRIBUTOR));
    expect(mayRead(`${NET1}/virtualHubs/rs1`)).toBe(true);
    expect(mayRead(`${NET1}/virtualHubs/rs1/bgpConnections/p1`)).toBe(true);
    expect(mayRead(`${NET2}/virtualHubs/rs2`)).toBe(false);
    expect((await authorizer.readable(principal(NOBODY)))(`${NET1}/virtualHubs/rs1`)).toBe(false);
    expect((await authorizer.readable({ kind: 'owner' }))(`${NET2}/virtualHubs/rs2`)).toBe(true);
  });

  it('lets an Owner of a resource group assign roles there, whatever the case of ids', async () => {
    const assign = `${RG1}/providers/Microsoft.Authorization/roleAssignments/0f77cc65-f84c-44cb-b781-f24ca4d46263`;
    expect(await refusal(OWNER.toLowerCase(), 'PUT', assign.toUpperCase())).toBeUndefined();
    expect((await refusal(OWNER, 'PUT', `${SUB}/resourceGroups/rg2`))?.statusCode).toBe(403);
  });

  it('refuses a principal without assignments everything but what is open', async () => {
    expect((await refusal(NOBODY, 'GET', `${NET1}/virtualHubs`))?.statusCode).toBe(403);
    expect(await refusal(NOBODY, 'GET', '/subscriptions')).toBeUndefined();
  });

  it('ignores an assignment of a role it does not know', async () => {
    const unknown = new Authorizer(async () => [
      { principalId: NOBODY, roleDefinitionName: 'b24988ac-6180-42a0-ab88-20f7382dd24c', scope: SUB },
    ]);
    await expect(unknown.authorize(principal(NOBODY), 'GET', `${NET1}/virtualHubs`)).rejects.toThrow(
      /AuthorizationFailed|does not have authorization/,
    );
  });
});
