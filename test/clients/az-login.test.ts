/**
 * The real `az` CLI and Python SDK log in to routeserver as to Azure: a
 * custom cloud whose metadata, OpenID discovery and token endpoint the
 * server serves, a service principal declared in its configuration, then
 * ARM calls with the issued token (docs/identity.md). A wrong secret is
 * refused with the error the clients print.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT,
  SECRET,
  SUBSCRIPTION,
  TENANT,
  startClientLab,
  type ClientLab,
} from './azure-clients.test-support.js';

let lab: ClientLab;

beforeAll(async () => {
  lab = await startClientLab();
});

afterAll(async () => {
  await lab?.close();
});

describe('az CLI', () => {
  it('registers the server as a cloud and logs in with a service principal', async () => {
    await lab.az('cloud', 'register', '-n', 'Routeserver', '--endpoint-resource-manager', `${lab.url}/`);
    await lab.az('cloud', 'set', '-n', 'Routeserver');
    await lab.az('config', 'set', 'core.instance_discovery=false');
    const login = JSON.parse(
      await lab.az('login', '--service-principal', '-u', CLIENT, '-p', SECRET, '--tenant', TENANT),
    ) as { id: string; tenantId: string; state: string; user: { name: string; type: string } }[];
    expect(login).toEqual([
      expect.objectContaining({
        id: SUBSCRIPTION,
        tenantId: TENANT,
        state: 'Enabled',
        user: { name: CLIENT, type: 'servicePrincipal' },
      }),
    ]);
    const account = JSON.parse(await lab.az('account', 'show')) as { id: string };
    expect(account.id).toBe(SUBSCRIPTION);
  });

  it('calls the network API with the token it got', async () => {
    const list = JSON.parse(await lab.az('network', 'vnet', 'list', '-g', 'rg-lab')) as unknown[];
    expect(list).toEqual([]);
  });

  it('refuses a wrong client secret with the AADSTS error', async () => {
    // a configuration directory of its own: MSAL would answer from its token cache otherwise
    const fresh = lab.azIn('fresh');
    await fresh('cloud', 'register', '-n', 'Routeserver', '--endpoint-resource-manager', `${lab.url}/`);
    await fresh('cloud', 'set', '-n', 'Routeserver');
    await fresh('config', 'set', 'core.instance_discovery=false');
    await expect(
      fresh('login', '--service-principal', '-u', CLIENT, '-p', 'not-the-secret', '--tenant', TENANT),
    ).rejects.toThrow(/AADSTS7000215/);
  });
});

describe('Python SDK', () => {
  it('gets a token with ClientSecretCredential and creates, lists and deletes a VNet', async () => {
    const program = `
import json
from azure.identity import ClientSecretCredential
from azure.mgmt.network import NetworkManagementClient, models
from azure.mgmt.resource.subscriptions import SubscriptionClient
url = ${JSON.stringify(lab.url)}
credential = ClientSecretCredential(${JSON.stringify(TENANT)}, ${JSON.stringify(CLIENT)}, ${JSON.stringify(SECRET)},
    authority=url, disable_instance_discovery=True)
scopes = [url + "/.default"]
subscriptions = [s.subscription_id for s in SubscriptionClient(credential, base_url=url, credential_scopes=scopes).subscriptions.list()]
network = NetworkManagementClient(credential, ${JSON.stringify(SUBSCRIPTION)}, base_url=url, credential_scopes=scopes)
vnet = network.virtual_networks.begin_create_or_update("rg-lab", "vnet-py", models.VirtualNetwork(
    location="local", address_space=models.AddressSpace(address_prefixes=["10.20.0.0/16"]),
    subnets=[models.Subnet(name="RouteServerSubnet", address_prefix="10.20.0.0/26")])).result()
listed = [v.name for v in network.virtual_networks.list("rg-lab")]
network.virtual_networks.begin_delete("rg-lab", "vnet-py").result()
after = [v.name for v in network.virtual_networks.list("rg-lab")]
print(json.dumps({"subscriptions": subscriptions, "created": vnet.provisioning_state,
    "subnets": [s.name for s in vnet.subnets], "listed": listed, "after": after}))
`;
    const out = JSON.parse(await lab.python(program)) as Record<string, unknown>;
    expect(out).toEqual({
      subscriptions: [SUBSCRIPTION],
      created: 'Succeeded',
      subnets: ['RouteServerSubnet'],
      listed: ['vnet-py'],
      after: [],
    });
  });
});
