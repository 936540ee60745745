/**
 * Roles with the real clients (docs/identity.md, "Roles"): an Owner assigns
 * Reader with `az role assignment create`; the Reader lists and gets and is
 * refused every write with 403 AuthorizationFailed; a Network Contributor of
 * one resource group (from the configuration file) changes networks there
 * and cannot touch another group; expired, foreign-signed and malformed
 * tokens are refused with 401; bad logins and an assignment to an unknown
 * principal end in the errors the clients print, with nothing stored.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT,
  SECRET,
  SUBSCRIPTION,
  TENANT,
  startClientLab,
  type ClientLab,
  type LabPrincipal,
} from './azure-clients.test-support.js';

const SUB_SCOPE = `/subscriptions/${SUBSCRIPTION}`;
const READER: LabPrincipal = {
  clientId: '5b1d0c2e-6a7f-4b80-9c1d-2e3f4a5b6c7d',
  secret: 'reader-secret-for-the-lab-0123456789',
  displayName: 'dashboards',
};
const CONTRIBUTOR: LabPrincipal = {
  clientId: '6c2e1d3f-7b80-4c91-8d2e-3f4a5b6c7d8e',
  secret: 'contributor-secret-for-the-lab-0123456789',
  displayName: 'team a',
  roles: [{ role: 'Network Contributor', scope: `${SUB_SCOPE}/resourceGroups/rg-a` }],
};
const UNKNOWN = '7d3f2e40-8c91-4da2-9e3f-4a5b6c7d8e9f';

let lab: ClientLab;
let owner: (...args: string[]) => Promise<string>;

async function loginAs(principal: Pick<LabPrincipal, 'clientId' | 'secret'>, name: string) {
  const az = lab.azIn(name);
  await az('cloud', 'register', '-n', 'Routeserver', '--endpoint-resource-manager', `${lab.url}/`);
  await az('cloud', 'set', '-n', 'Routeserver');
  await az('config', 'set', 'core.instance_discovery=false');
  await az(
    'login',
    '--service-principal',
    '-u',
    principal.clientId,
    '-p',
    principal.secret,
    '--tenant',
    TENANT,
  );
  return az;
}

/** The error text of a command that must fail. */
async function failure(run: Promise<string>): Promise<string> {
  try {
    await run;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the command succeeded');
}

beforeAll(async () => {
  lab = await startClientLab({
    principals: [READER, CONTRIBUTOR],
    configuration: [
      'virtualNetworks:',
      '  - { name: vnet-a, resourceGroup: rg-a, addressPrefixes: [10.1.0.0/16] }',
      '  - { name: vnet-b, resourceGroup: rg-b, addressPrefixes: [10.2.0.0/16] }',
    ],
  });
  owner = await loginAs({ clientId: CLIENT, secret: SECRET }, 'owner');
});

afterAll(async () => {
  await lab?.close();
});

const names = (json: string) => (JSON.parse(json) as { name: string }[]).map((v) => v.name).sort();

describe('az role assignment', () => {
  it('an Owner assigns Reader to a principal by its client id, and lists every assignment with its role', async () => {
    const created = JSON.parse(
      await owner(
        'role',
        'assignment',
        'create',
        '--assignee',
        READER.clientId,
        '--role',
        'Reader',
        '--scope',
        SUB_SCOPE,
      ),
    ) as { principalId: string; principalType: string; roleDefinitionId: string; scope: string };
    expect(created).toMatchObject({
      principalId: READER.clientId,
      principalType: 'ServicePrincipal',
      roleDefinitionId: `${SUB_SCOPE}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`,
      scope: SUB_SCOPE,
    });
    const listed = JSON.parse(await owner('role', 'assignment', 'list', '--all')) as {
      principalId: string;
      principalName: string;
      roleDefinitionName: string;
      scope: string;
    }[];
    expect(listed.map((a) => [a.principalId, a.roleDefinitionName, a.scope]).sort()).toEqual(
      [
        [CLIENT, 'Owner', SUB_SCOPE],
        [READER.clientId, 'Reader', SUB_SCOPE],
        [CONTRIBUTOR.clientId, 'Network Contributor', `${SUB_SCOPE}/resourceGroups/rg-a`],
      ].sort(),
    );
  });

  it('an assignment to an unknown principal is refused as az expects, and nothing is stored', async () => {
    expect(
      await failure(
        owner(
          'role',
          'assignment',
          'create',
          '--assignee',
          UNKNOWN,
          '--role',
          'Reader',
          '--scope',
          SUB_SCOPE,
        ),
      ),
    ).toMatch(/Cannot find user or service principal in graph database for '7d3f2e40-/);
    const byObjectId = await failure(
      owner(
        'role',
        'assignment',
        'create',
        '--assignee-object-id',
        UNKNOWN,
        '--assignee-principal-type',
        'ServicePrincipal',
        '--role',
        'Reader',
        '--scope',
        SUB_SCOPE,
      ),
    );
    expect(byObjectId).toMatch(
      /\(PrincipalNotFound\) Principal 7d3f2e408c914da29e3f4a5b6c7d8e9f does not exist in the directory/,
    );
    expect(
      await failure(
        owner(
          'role',
          'assignment',
          'create',
          '--assignee',
          READER.clientId,
          '--role',
          'Contributor',
          '--scope',
          SUB_SCOPE,
        ),
      ),
    ).toMatch(/Role 'Contributor' doesn't exist/);
    const listed = JSON.parse(await owner('role', 'assignment', 'list', '--all')) as {
      principalId: string;
    }[];
    expect(listed.map((a) => a.principalId)).not.toContain(UNKNOWN);
    expect(listed).toHaveLength(3);
  });
});

describe('a Reader', () => {
  let reader: (...args: string[]) => Promise<string>;
  beforeAll(async () => {
    reader = await loginAs(READER, 'reader');
  });

  it('lists and gets', async () => {
    expect(names(await reader('network', 'vnet', 'list'))).toEqual(['vnet-a', 'vnet-b']);
    const vnet = JSON.parse(await reader('network', 'vnet', 'show', '-g', 'rg-b', '-n', 'vnet-b')) as {
      name: string;
    };
    expect(vnet.name).toBe('vnet-b');
    expect(JSON.parse(await reader('role', 'assignment', 'list', '--all'))).toHaveLength(3);
  });

  it.each([
    [
      'create a virtual network',
      [
        'network',
        'vnet',
        'create',
        '-g',
        'rg-a',
        '-n',
        'vnet-c',
        '-l',
        'local',
        '--address-prefixes',
        '10.3.0.0/16',
      ],
      'Microsoft.Network/virtualNetworks/write',
    ],
    [
      'update one',
      ['network', 'vnet', 'update', '-g', 'rg-a', '-n', 'vnet-a', '--set', 'tags.owner=reader'],
      'Microsoft.Network/virtualNetworks/write',
    ],
    [
      'add a subnet',
      [
        'network',
        'vnet',
        'subnet',
        'create',
        '-g',
        'rg-a',
        '--vnet-name',
        'vnet-a',
        '-n',
        's1',
        '--address-prefixes',
        '10.1.0.0/24',
      ],
      'Microsoft.Network/virtualNetworks/subnets/write',
    ],
    [
      'delete one',
      ['network', 'vnet', 'delete', '-g', 'rg-b', '-n', 'vnet-b'],
      'Microsoft.Network/virtualNetworks/delete',
    ],
    [
      'create a route table',
      ['network', 'route-table', 'create', '-g', 'rg-a', '-n', 'rt1', '-l', 'local'],
      'Microsoft.Network/routeTables/write',
    ],
    [
      'assign itself a role',
      [
        'role',
        'assignment',
        'create',
        '--assignee',
        READER.clientId,
        '--role',
        'Owner',
        '--scope',
        SUB_SCOPE,
      ],
      'Microsoft.Authorization/roleAssignments/write',
    ],
  ])('is refused: %s, with 403 AuthorizationFailed naming the action', async (_what, args, action) => {
    const message = await failure(reader(...args));
    expect(message).toMatch(/\(AuthorizationFailed\)/);
    expect(message).toContain(
      `The client '${READER.clientId}' with object id '${READER.clientId}' does not have authorization to perform action '${action}'`,
    );
  });

  it('changed nothing with its refused writes', async () => {
    expect(names(await owner('network', 'vnet', 'list'))).toEqual(['vnet-a', 'vnet-b']);
    const vnet = JSON.parse(await owner('network', 'vnet', 'show', '-g', 'rg-a', '-n', 'vnet-a')) as {
      subnets: unknown[];
      tags?: Record<string, string>;
    };
    expect(vnet.subnets).toEqual([]);
    expect(vnet.tags ?? {}).toEqual({});
  });
});

describe('a Network Contributor of one resource group', () => {
  let contributor: (...args: string[]) => Promise<string>;
  beforeAll(async () => {
    contributor = await loginAs(CONTRIBUTOR, 'contributor');
  });

  it('changes the networks of its group', async () => {
    const subnet = JSON.parse(
      await contributor(
        'network',
        'vnet',
        'subnet',
        'create',
        '-g',
        'rg-a',
        '--vnet-name',
        'vnet-a',
        '-n',
        's1',
        '--address-prefixes',
        '10.1.0.0/24',
      ),
    ) as { name: string; provisioningState: string };
    expect(subnet).toMatchObject({ name: 's1', provisioningState: 'Succeeded' });
    expect(names(await contributor('network', 'vnet', 'list', '-g', 'rg-a'))).toEqual(['vnet-a']);
  });

  it('sees only its group in the subscription-wide lists', async () => {
    expect(names(await contributor('network', 'vnet', 'list'))).toEqual(['vnet-a']);
    expect(names(await contributor('group', 'list'))).toEqual(['rg-a']);
  });

  it('cannot touch another group, nor read it', async () => {
    const write = await failure(
      contributor(
        'network',
        'vnet',
        'subnet',
        'create',
        '-g',
        'rg-b',
        '--vnet-name',
        'vnet-b',
        '-n',
        's1',
        '--address-prefixes',
        '10.2.0.0/24',
      ),
    );
    expect(write).toMatch(/\(AuthorizationFailed\)/);
    const read = await failure(contributor('network', 'vnet', 'show', '-g', 'rg-b', '-n', 'vnet-b'));
    expect(read).toContain(
      `does not have authorization to perform action 'Microsoft.Network/virtualNetworks/read' over scope '${SUB_SCOPE}/resourceGroups/rg-b/providers/Microsoft.Network/virtualNetworks/vnet-b'`,
    );
  });

  it('cannot assign roles, even in its own group', async () => {
    const message = await failure(
      contributor(
        'role',
        'assignment',
        'create',
        '--assignee',
        READER.clientId,
        '--role',
        'Owner',
        '--scope',
        `${SUB_SCOPE}/resourceGroups/rg-a`,
      ),
    );
    expect(message).toContain("'Microsoft.Authorization/roleAssignments/write'");
  });
});

/** A token as the server signs them, with these claims changed, under `key`. */
function forgedToken(key: Buffer, change: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = b64({ alg: 'HS256', typ: 'JWT' });
  const payload = b64({
    iss: `${lab.url}/${TENANT}/v2.0`,
    aud: `${lab.url}/`,
    sub: CLIENT,
    appid: CLIENT,
    tid: TENANT,
    iat: now,
    nbf: now,
    exp: now + 3600,
    jti: randomUUID(),
    ...change,
  });
  const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** What the Python SDK raises when it lists virtual networks with `token`. */
async function pythonWithToken(
  token: string,
): Promise<{ type: string; status: number; code: string; message: string }> {
  const program = `
import json
from azure.core.credentials import AccessToken
from azure.mgmt.network import NetworkManagementClient
class Static:
    def get_token(self, *scopes, **kwargs):
        return AccessToken(${JSON.stringify(token)}, 4102444800)
url = ${JSON.stringify(lab.url)}
network = NetworkManagementClient(Static(), ${JSON.stringify(SUBSCRIPTION)}, base_url=url, credential_scopes=[url + "/.default"])
try:
    list(network.virtual_networks.list_all())
    print(json.dumps({"type": "none"}))
except Exception as e:
    print(json.dumps({"type": type(e).__name__, "status": e.status_code, "code": e.error.code, "message": e.error.message}))
`;
  return JSON.parse(await lab.python(program)) as {
    type: string;
    status: number;
    code: string;
    message: string;
  };
}

describe('tokens the server did not issue as they are', () => {
  const signingKey = () =>
    Buffer.from(
      readFileSync(join(dirname(lab.daemon.tokenPath!), 'token-signing-key'), 'utf8').trim(),
      'base64url',
    );

  it('an expired token gets 401 with the Python SDK', async () => {
    const expired = forgedToken(signingKey(), { iat: 1_700_000_000, nbf: 1_700_000_000, exp: 1_700_003_600 });
    expect(await pythonWithToken(expired)).toEqual({
      type: 'ClientAuthenticationError',
      status: 401,
      code: 'InvalidAuthenticationToken',
      message: 'The access token has expired.',
    });
  });

  it('a token signed with another key gets 401', async () => {
    expect(await pythonWithToken(forgedToken(randomBytes(32), {}))).toMatchObject({
      status: 401,
      code: 'InvalidAuthenticationToken',
      message: 'The access token has an invalid signature.',
    });
  });

  it('a malformed JWT gets 401', async () => {
    expect(await pythonWithToken('eyJhbGciOiJIUzI1NiJ9.not-json.x')).toMatchObject({
      status: 401,
      code: 'InvalidAuthenticationToken',
    });
  });

  it('the same token signed with the server key is accepted (the forgery is faithful)', async () => {
    expect(await pythonWithToken(forgedToken(signingKey(), {}))).toEqual({ type: 'none' });
  });
});

describe('bad logins', () => {
  it('a wrong client secret: ClientSecretCredential fails with AADSTS7000215', async () => {
    expect(await pythonLogin(TENANT, 'not-the-secret')).toMatch(/ClientAuthenticationError.*AADSTS7000215/s);
  });

  it('an unknown tenant: az login and ClientSecretCredential fail with AADSTS90002', async () => {
    const other = '99999999-8888-7777-6666-555555555555';
    expect(await pythonLogin(other, SECRET)).toMatch(/ClientAuthenticationError.*AADSTS90002/s);
    const az = lab.azIn('tenant');
    await az('cloud', 'register', '-n', 'Routeserver', '--endpoint-resource-manager', `${lab.url}/`);
    await az('cloud', 'set', '-n', 'Routeserver');
    await az('config', 'set', 'core.instance_discovery=false');
    expect(
      await failure(az('login', '--service-principal', '-u', CLIENT, '-p', SECRET, '--tenant', other)),
    ).toMatch(/AADSTS90002/);
  });
});

async function pythonLogin(tenant: string, secret: string): Promise<string> {
  const program = `
from azure.identity import ClientSecretCredential
url = ${JSON.stringify(lab.url)}
credential = ClientSecretCredential(${JSON.stringify(tenant)}, ${JSON.stringify(CLIENT)}, ${JSON.stringify(secret)},
    authority=url, disable_instance_discovery=True)
try:
    credential.get_token(url + "/.default")
    print("token")
except Exception as e:
    print(type(e).__name__, str(e))
`;
  return lab.python(program);
}
