/**
 * A route server's whole life through the real Python SDK
 * (`ResourceManagementClient`, `NetworkManagementClient` with
 * `ClientSecretCredential` against the server's authority), with FRR and
 * BIRD NVAs in a lab (routeserver-lab.test-support.ts); then every resource
 * type read, changed and written back with the SDK's own models (GET →
 * modify → PUT), and its tags replaced with `update_tags` (PATCH).
 * Run it under the interop lock (CONTRIBUTING.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT, SECRET, SUBSCRIPTION, TENANT } from './azure-clients.test-support.js';
import {
  BIRD,
  FRR,
  IN_0,
  IN_1,
  startNvas,
  startRouteServerLab,
  type RouteServerLab,
} from './routeserver-lab.test-support.js';

type Json = Record<string, unknown> & { [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('Python SDK route server lifecycle with FRR and BIRD', () => {
  let lab: RouteServerLab;

  /** Runs `body` after the clients are set up (`resources`, `network`, `models`, `rg`, `hub`); prints JSON. */
  const python = async (body: string): Promise<Json> => {
    const program = `
import json
from azure.identity import ClientSecretCredential
from azure.mgmt.network import NetworkManagementClient, models
from azure.mgmt.resource import ResourceManagementClient
url = ${JSON.stringify(lab.url)}
credential = ClientSecretCredential(${JSON.stringify(TENANT)}, ${JSON.stringify(CLIENT)}, ${JSON.stringify(SECRET)},
    authority=url, disable_instance_discovery=True)
scopes = [url + "/.default"]
resources = ResourceManagementClient(credential, ${JSON.stringify(SUBSCRIPTION)}, base_url=url, credential_scopes=scopes)
network = NetworkManagementClient(credential, ${JSON.stringify(SUBSCRIPTION)}, base_url=url, credential_scopes=scopes,
    polling_interval=1)
rg = "rg-py"
hub = "rs-py"
net = "/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-py/providers/Microsoft.Network"
${body}
`;
    return JSON.parse(await lab.clients.python(program)) as Json;
  };

  beforeAll(async () => {
    lab = await startRouteServerLab('pysdk');
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('creates the group, VNet, public IP, route server and both peerings', async () => {
    const out = await python(`
group = resources.resource_groups.create_or_update(rg, {"location": "local"})
vnet = network.virtual_networks.begin_create_or_update(rg, "vnet-py", models.VirtualNetwork(
    location="local", address_space=models.AddressSpace(address_prefixes=["10.0.0.0/16"]),
    subnets=[models.Subnet(name="RouteServerSubnet", address_prefix="10.0.0.0/24"),
             models.Subnet(name="nva", address_prefix="10.0.1.0/24")])).result()
pip = network.public_ip_addresses.begin_create_or_update(rg, "rs-pip", models.PublicIPAddress(
    location="local", sku=models.PublicIPAddressSku(name="Standard"),
    public_ip_allocation_method="Static")).result()
created = network.virtual_hubs.begin_create_or_update(rg, hub, models.VirtualHub(location="local", sku="Standard")).result()
config = network.virtual_hub_ip_configuration.begin_create_or_update(rg, hub, "ipconfig1", models.HubIpConfiguration(
    subnet=models.Subnet(id=net + "/virtualNetworks/vnet-py/subnets/RouteServerSubnet"), public_ip_address=models.PublicIPAddress(id=pip.id))).result()
peerings = [network.virtual_hub_bgp_connection.begin_create_or_update(rg, hub, name, models.BgpConnection(
    peer_ip=ip, peer_asn=asn)).result().name
    for name, ip, asn in [("frr", "${FRR.address}", ${FRR.asn}), ("bird", "${BIRD.address}", ${BIRD.asn})]]
routeserver = network.virtual_hubs.get(rg, hub)
print(json.dumps({"group": group.properties.provisioning_state, "vnet": sorted(s.name for s in vnet.subnets),
    "pip": [pip.sku.name, pip.public_ip_allocation_method, pip.ip_address is not None],
    "created": created.provisioning_state, "config": config.provisioning_state, "peerings": peerings,
    "ips": routeserver.virtual_router_ips, "asn": routeserver.virtual_router_asn, "kind": routeserver.kind}))
`);
    expect(out).toEqual({
      group: 'Succeeded',
      vnet: ['RouteServerSubnet', 'nva'],
      pip: ['Standard', 'Static', true],
      created: 'Succeeded',
      config: 'Succeeded',
      peerings: ['frr', 'bird'],
      ips: [IN_0, IN_1],
      asn: 65515,
      kind: 'RouteServer',
    });
  });

  it('reads the sessions, learned and advertised routes and a NIC’s effective routes', async () => {
    await startNvas(lab.nvas);
    const out = await lab.wait('FRR routes learned and in the effective routes', async () => {
      const read = await python(`
states = [c.connection_state for c in network.virtual_hub_bgp_connections.list(rg, hub)]
learned = network.virtual_hub_bgp_connections.begin_list_learned_routes(rg, hub, "frr").result()
advertised = network.virtual_hub_bgp_connections.begin_list_advertised_routes(rg, hub, "bird").result()
network.network_interfaces.begin_create_or_update(rg, "vm-py", models.NetworkInterface(location="local",
    ip_configurations=[models.NetworkInterfaceIPConfiguration(name="ipconfig1",
        subnet=models.Subnet(id=net + "/virtualNetworks/vnet-py/subnets/nva"))])).result()
effective = network.network_interfaces.begin_get_effective_route_table(rg, "vm-py").result()
print(json.dumps({"states": states,
    "learned": {role: [r.as_dict() for r in routes] for role, routes in learned.items()},
    "advertised": {role: [r.network for r in routes] for role, routes in advertised.items()},
    "effective": [[r.source, r.address_prefix, r.next_hop_ip_address] for r in effective.value]}))
`);
      const ready =
        read.states.every((s: string) => s === 'Connected') &&
        read.learned.RouteServiceRole_IN_1?.some((r: Json) => r.network === FRR.prefix) &&
        read.effective.some((r: unknown[]) => (r[1] as string[])[0] === BIRD.prefix);
      return ready ? read : undefined;
    });
    expect(out.learned.RouteServiceRole_IN_0).toContainEqual({
      localAddress: IN_0,
      network: FRR.prefix,
      nextHop: FRR.address,
      sourcePeer: FRR.address,
      origin: 'EBgp',
      asPath: String(FRR.asn),
      weight: 32768,
    });
    expect(out.advertised.RouteServiceRole_IN_0).toEqual(expect.arrayContaining(['10.0.0.0/16', FRR.prefix]));
    expect(out.effective).toContainEqual(['VirtualNetworkGateway', [FRR.prefix], [FRR.address]]);
  });

  it('writes every resource back as the SDK read it, changed, and replaces tags with update_tags', async () => {
    const out = await python(`
written = {}
def round_trip(name, operations, *args, change):
    current = operations.get(rg, *args)
    change(current)
    result = operations.begin_create_or_update(rg, *args, current).result()
    written[name] = result.provisioning_state
    return result
def tag(resource):
    resource.tags = {"round": "trip"}
round_trip("vnet", network.virtual_networks, "vnet-py", change=tag)
round_trip("subnet", network.subnets, "vnet-py", "nva", change=lambda s: None)
round_trip("pip", network.public_ip_addresses, "rs-pip", change=tag)
round_trip("nic", network.network_interfaces, "vm-py", change=tag)
def b2b(hub_model):
    hub_model.allow_branch_to_branch_traffic = True
routeserver = round_trip("hub", network.virtual_hubs, hub, change=b2b)
round_trip("ipconfig", network.virtual_hub_ip_configuration, hub, "ipconfig1", change=lambda c: None)
round_trip("bgp", network.virtual_hub_bgp_connection, hub, "frr", change=lambda c: None)
network.route_tables.begin_create_or_update(rg, "rt-py", models.RouteTable(location="local", routes=[
    models.Route(name="r1", address_prefix="10.9.0.0/16", next_hop_type="None")])).result()
round_trip("routeTable", network.route_tables, "rt-py", change=tag)
def hop(route):
    route.address_prefix = "10.8.0.0/16"
round_trip("route", network.routes, "rt-py", "r1", change=hop)
tags = network.virtual_networks.update_tags(rg, "vnet-py", models.TagsObject(tags={"patched": "yes"})).tags
pip_tags = network.public_ip_addresses.update_tags(rg, "rs-pip", models.TagsObject(tags={"p": "1"})).tags
vnet = network.virtual_networks.get(rg, "vnet-py")
states = [c.connection_state for c in network.virtual_hub_bgp_connections.list(rg, hub)]
print(json.dumps({"written": written, "b2b": routeserver.allow_branch_to_branch_traffic, "tags": tags,
    "pipTags": pip_tags, "subnets": len(vnet.subnets), "states": states}))
`);
    expect(out).toEqual({
      written: {
        vnet: 'Succeeded',
        subnet: 'Succeeded',
        pip: 'Succeeded',
        nic: 'Succeeded',
        hub: 'Succeeded',
        ipconfig: 'Succeeded',
        bgp: 'Succeeded',
        routeTable: 'Succeeded',
        route: 'Succeeded',
      },
      b2b: true,
      tags: { patched: 'yes' },
      pipTags: { p: '1' },
      subnets: 2,
      states: ['Connected', 'Connected'],
    });
  });

  it('deletes a peering, then the resource group with everything in it', async () => {
    const out = await python(`
network.virtual_hub_bgp_connection.begin_delete(rg, hub, "bird").result()
left = [c.name for c in network.virtual_hub_bgp_connections.list(rg, hub)]
resources.resource_groups.begin_delete(rg).result()
print(json.dumps({"left": left, "exists": resources.resource_groups.check_existence(rg),
    "groups": [g.name for g in resources.resource_groups.list()]}))
`);
    expect(out).toEqual({ left: ['frr'], exists: false, groups: expect.not.arrayContaining(['rg-py']) });
  });
});
