/**
 * A route server's whole life through the real `az` CLI, as a user types it
 * (docs/azure-clients.md): a resource group, a VNet with its subnets, a
 * Standard public IP, the route server, two peerings with FRR and BIRD
 * NVAs that establish with both instances, the routes learned and
 * advertised, a NIC's effective routes, branch-to-branch on, then the
 * deletes and the group's. Every command exits 0 and prints Azure's shape.
 *
 * The daemon runs in lab namespace `rs` (its addresses are
 * RouteServerSubnet's .4 and .5; test/clients/hosts/daemon-host.ts) and az
 * runs in the same namespace, reaching the API on that namespace's loopback.
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

const G = ['-g', 'rg1'];
const RS = [...G, '--routeserver', 'rs1'];

type Json = Record<string, unknown> & { [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('az network routeserver with FRR and BIRD', () => {
  let lab: RouteServerLab;

  const az = async (...args: string[]): Promise<Json> => {
    const out = await lab.clients.az(...args);
    return out.trim() === '' ? {} : (JSON.parse(out) as Json);
  };
  const wait = <T>(what: string, probe: () => Promise<T | undefined>) => lab.wait(what, probe);

  beforeAll(async () => {
    lab = await startRouteServerLab('azcli');
    await az('cloud', 'register', '-n', 'Routeserver', '--endpoint-resource-manager', `${lab.url}/`);
    await az('cloud', 'set', '-n', 'Routeserver');
    await az('config', 'set', 'core.instance_discovery=false');
    await az('login', '--service-principal', '-u', CLIENT, '-p', SECRET, '--tenant', TENANT);
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('creates a resource group', async () => {
    expect(await az('group', 'create', '-n', 'rg1', '-l', 'local')).toEqual({
      id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg1`,
      name: 'rg1',
      type: 'Microsoft.Resources/resourceGroups',
      location: 'local',
      managedBy: null,
      tags: null,
      properties: { provisioningState: 'Succeeded' },
    });
  });

  it('creates the VNet with RouteServerSubnet, and a subnet for the NVAs', async () => {
    const { newVNet } = await az(
      'network', 'vnet', 'create', ...G, '-n', 'vnet1', '--address-prefixes', '10.0.0.0/16',
      '--subnet-name', 'RouteServerSubnet', '--subnet-prefixes', '10.0.0.0/24',
    ); // prettier-ignore
    expect(newVNet).toMatchObject({
      name: 'vnet1',
      provisioningState: 'Succeeded',
      addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
      subnets: [expect.objectContaining({ name: 'RouteServerSubnet', addressPrefix: '10.0.0.0/24' })],
    });
    const subnet = await az(
      'network', 'vnet', 'subnet', 'create', ...G, '--vnet-name', 'vnet1', '-n', 'nva',
      '--address-prefixes', '10.0.1.0/24',
    ); // prettier-ignore
    expect(subnet).toMatchObject({
      name: 'nva',
      addressPrefix: '10.0.1.0/24',
      provisioningState: 'Succeeded',
    });
  });

  it('creates a Standard public IP', async () => {
    const { publicIp } = await az(
      'network',
      'public-ip',
      'create',
      ...G,
      '-n',
      'rs1-pip',
      '--sku',
      'Standard',
    );
    expect(publicIp).toMatchObject({
      name: 'rs1-pip',
      sku: { name: 'Standard', tier: 'Regional' },
      publicIPAllocationMethod: 'Static',
      publicIPAddressVersion: 'IPv4',
      ipAddress: expect.stringMatching(/^198\.1[89]\./),
      provisioningState: 'Succeeded',
    });
  });

  it('creates the route server on RouteServerSubnet with the public IP', async () => {
    const subnet = await az(
      'network',
      'vnet',
      'subnet',
      'show',
      ...G,
      '--vnet-name',
      'vnet1',
      '-n',
      'RouteServerSubnet',
    );
    const created = await az(
      'network', 'routeserver', 'create', ...G, '-n', 'rs1', '--public-ip-address', 'rs1-pip',
      '--hosted-subnet', subnet.id,
    ); // prettier-ignore
    expect(created).toMatchObject({
      name: 'rs1',
      kind: 'RouteServer',
      sku: 'Standard',
      virtualRouterAsn: 65515,
      virtualRouterIps: [IN_0, IN_1],
      allowBranchToBranchTraffic: false,
      provisioningState: 'Succeeded',
      routingState: 'Provisioned',
    });
    const pip = await az('network', 'public-ip', 'show', ...G, '-n', 'rs1-pip');
    expect(pip.ipConfiguration.id).toBe(`${created.id}/ipConfigurations/Default`);
  });

  it('peers with FRR and BIRD, which establish with both instances', async () => {
    for (const nva of [FRR, BIRD]) {
      const peering = await az(
        'network', 'routeserver', 'peering', 'create', ...RS, '-n', nva.name,
        '--peer-ip', nva.address, '--peer-asn', String(nva.asn),
      ); // prettier-ignore
      expect(peering).toMatchObject({ name: nva.name, peerIp: nva.address, peerAsn: nva.asn });
    }
    await startNvas(lab.nvas);
    const peerings = await wait('both peerings Connected', async () => {
      const list = (await az('network', 'routeserver', 'peering', 'list', ...RS)) as unknown as Json[];
      return list.every((p) => p.connectionState === 'Connected') && list.length === 2 ? list : undefined;
    });
    expect(peerings.map((p) => String(p.name)).sort()).toEqual(['bird', 'frr']);
  });

  it('lists the routes each instance learned from FRR', async () => {
    const learned = await wait('FRR routes on both instances', async () => {
      const routes = await az('network', 'routeserver', 'peering', 'list-learned-routes', ...RS, '-n', 'frr');
      const both = ['RouteServiceRole_IN_0', 'RouteServiceRole_IN_1'].every((role) =>
        (routes[role] as Json[] | undefined)?.some((r) => r.network === FRR.prefix),
      );
      return both ? routes : undefined;
    });
    expect(learned.RouteServiceRole_IN_0).toContainEqual({
      localAddress: IN_0,
      network: FRR.prefix,
      nextHop: FRR.address,
      sourcePeer: FRR.address,
      origin: 'EBgp',
      asPath: String(FRR.asn),
      weight: 32768,
    });
  });

  it('lists what each instance advertises to BIRD: the VNet space and FRR’s route', async () => {
    const advertised = await wait('FRR route advertised to BIRD', async () => {
      const routes = await az(
        'network',
        'routeserver',
        'peering',
        'list-advertised-routes',
        ...RS,
        '-n',
        'bird',
      );
      return (routes.RouteServiceRole_IN_1 as Json[] | undefined)?.some((r) => r.network === FRR.prefix)
        ? routes
        : undefined;
    });
    expect(advertised.RouteServiceRole_IN_0).toContainEqual(
      expect.objectContaining({ network: '10.0.0.0/16', nextHop: IN_0, asPath: '65515', origin: 'Igp' }),
    );
  });

  it('shows the NVAs’ routes in a NIC’s effective route table', async () => {
    await az('network', 'nic', 'create', ...G, '-n', 'vm1-nic', '--vnet-name', 'vnet1', '--subnet', 'nva');
    const table = await wait('BGP routes in the effective route table', async () => {
      const { value } = await az('network', 'nic', 'show-effective-route-table', ...G, '-n', 'vm1-nic');
      const rows = value as Json[];
      return rows.some((r) => r.addressPrefix[0] === BIRD.prefix) ? rows : undefined;
    });
    expect(table).toContainEqual(
      expect.objectContaining({
        source: 'VirtualNetworkGateway',
        state: 'Active',
        addressPrefix: [FRR.prefix],
        nextHopType: 'VirtualNetworkGateway',
        nextHopIpAddress: [FRR.address],
      }),
    );
  });

  it('turns branch-to-branch on without dropping the sessions', async () => {
    const updated = await az(
      'network',
      'routeserver',
      'update',
      ...G,
      '-n',
      'rs1',
      '--allow-b2b-traffic',
      'true',
    );
    expect(updated).toMatchObject({
      name: 'rs1',
      allowBranchToBranchTraffic: true,
      provisioningState: 'Succeeded',
    });
    const peerings = (await az('network', 'routeserver', 'peering', 'list', ...RS)) as unknown as Json[];
    expect(peerings.map((p) => String(p.connectionState))).toEqual(['Connected', 'Connected']);
  });

  it('deletes a peering, the route server, then the group with everything left in it', async () => {
    await az('network', 'routeserver', 'peering', 'delete', ...RS, '-n', 'bird', '--yes');
    const left = (await az('network', 'routeserver', 'peering', 'list', ...RS)) as unknown as Json[];
    expect(left.map((p) => String(p.name))).toEqual(['frr']);
    await az('network', 'routeserver', 'delete', ...G, '-n', 'rs1', '--yes');
    expect(await az('network', 'routeserver', 'list', ...G)).toEqual([]);
    await az('group', 'delete', '-n', 'rg1', '--yes');
    expect(await az('group', 'exists', '-n', 'rg1')).toBe(false);
    expect(await az('network', 'vnet', 'list', ...G)).toEqual([]);
  });
});
