/**
 * The domain service on the real SQLite store and virtual network model:
 * validation (every refusal changes nothing), persistence across a re-open,
 * and the live effects it asks of a BGP runtime.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatPrefix } from '../lib/prefix.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import type { EffectiveRouteRow } from './network-interfaces.js';
import { RouteServerService } from './service.js';
import {
  connectionId,
  harness,
  hubId,
  hubWithRouteServer,
  ipConfigId,
  nicId,
  RecordingRuntime,
  routeTableId,
  subnetId,
  SUB,
  vnetId,
  type Harness,
} from './fixtures.test-support.js';

let h: Harness;

beforeEach(async () => {
  h = await harness();
});

afterEach(async () => {
  await h.close();
});

async function refusal(promise: Promise<unknown>): Promise<RouteServerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RouteServerError);
  return error as RouteServerError;
}

/** The NIC's effective route rows, as the effectiveRouteTable action answers them. */
async function effectiveRoutes(id: string): Promise<EffectiveRouteRow[]> {
  const list = await h.service.resources.networkInterfaces.actions.effectiveRouteTable!(id);
  return (list as { value: EffectiveRouteRow[] }).value;
}

async function storedIds(): Promise<string[]> {
  const ids: string[] = [];
  for (const type of [
    'virtualNetworks',
    'virtualNetworks/subnets',
    'virtualHubs/bgpConnections',
    'virtualHubs',
  ]) {
    const page = await h.store.list({ type: `Microsoft.Network/${type}` });
    ids.push(...page.records.map((r) => r.id));
  }
  return ids.sort();
}

describe('route servers', () => {
  it('gives the instances the .4 and .5 of RouteServerSubnet once the ipConfiguration exists', async () => {
    await h.service.resources.virtualNetworks.put(vnetId('hub'), {
      addressPrefixes: ['10.0.0.0/16'],
      subnets: [{ name: 'RouteServerSubnet', addressPrefix: '10.0.1.0/26' }],
    });
    const created = await h.service.resources.virtualHubs.put(hubId('rs'), {
      hubRoutingPreference: 'ASPath',
    });
    expect(created.created).toBe(true);
    expect(created.resource).toMatchObject({
      routingState: 'None',
      virtualRouterIps: [],
      virtualRouterAsn: 65515,
    });
    await h.service.resources.ipConfigurations.put(ipConfigId('rs'), {
      subnetId: subnetId('hub', 'RouteServerSubnet'),
    });
    expect(h.service.resources.virtualHubs.get(hubId('rs'))).toMatchObject({
      routingState: 'Provisioned',
      virtualRouterIps: ['10.0.1.4', '10.0.1.5'],
      hubRoutingPreference: 'ASPath',
      minCapacity: 2,
    });
  });

  it('refuses an ipConfiguration on a subnet that is not RouteServerSubnet', async () => {
    await hubWithRouteServer(h.service);
    await h.service.resources.virtualHubs.put(hubId('rs2'), {});
    const error = await refusal(
      h.service.resources.ipConfigurations.put(ipConfigId('rs2'), { subnetId: subnetId('hub', 'nva') }),
    );
    expect(error.code).toBe(E.INVALID_ROUTE_SERVER_SUBNET);
    expect(error.target).toBe('properties.subnet.id');
  });

  it('refuses a second route server in one VNet', async () => {
    await hubWithRouteServer(h.service);
    await h.service.resources.virtualHubs.put(hubId('rs2'), {});
    const error = await refusal(
      h.service.resources.ipConfigurations.put(ipConfigId('rs2'), {
        subnetId: subnetId('hub', 'RouteServerSubnet'),
      }),
    );
    expect(error.code).toBe(E.ROUTE_SERVER_PLACEMENT);
    expect(h.service.resources.virtualHubs.get(hubId('rs2'))?.routingState).toBe('None');
  });

  it('refuses an ipConfiguration naming a subnet that does not exist', async () => {
    await h.service.resources.virtualHubs.put(hubId('rs'), {});
    const error = await refusal(
      h.service.resources.ipConfigurations.put(ipConfigId('rs'), {
        subnetId: subnetId('nowhere', 'RouteServerSubnet'),
      }),
    );
    expect(error.code).toBe(E.INVALID_REFERENCE);
  });

  it('refuses to delete a route server before its ipConfiguration', async () => {
    await hubWithRouteServer(h.service);
    const error = await refusal(h.service.resources.virtualHubs.delete(hubId('rs')));
    expect(error.code).toBe(E.ROUTE_SERVER_IN_USE);
    await h.service.resources.ipConfigurations.delete(ipConfigId('rs'));
    expect((await h.service.resources.virtualHubs.delete(hubId('rs'))).existed).toBe(true);
    expect(h.service.resources.virtualHubs.get(hubId('rs'))).toBeUndefined();
  });

  it('refuses a virtualRouterAsn other than 65515 and a capacity outside 2-48', async () => {
    expect(
      (await refusal(h.service.resources.virtualHubs.put(hubId('rs'), { virtualRouterAsn: 65001 }))).code,
    ).toBe(E.INVALID_ROUTER_ASN);
    expect(
      (await refusal(h.service.resources.virtualHubs.put(hubId('rs'), { minCapacity: 49 }))).target,
    ).toBe('properties.virtualRouterAutoScaleConfiguration.minCapacity');
    expect(h.service.resources.virtualHubs.get(hubId('rs'))).toBeUndefined();
  });
});

describe('BGP connections', () => {
  beforeEach(async () => {
    await hubWithRouteServer(h.service);
  });

  it.each([8074, 8075, 12076, 65515, 65517, 65520, 23456, 64496, 64511, 65535, 65551, 0, 4294967296])(
    'refuses peer ASN %i and stores nothing',
    async (asn) => {
      const before = await storedIds();
      const error = await refusal(
        h.service.resources.bgpConnections.put(connectionId('rs', 'nva1'), {
          peerIp: '10.0.2.4',
          peerAsn: asn,
        }),
      );
      expect(error.code).toBe(E.FORBIDDEN_PEER_ASN);
      expect(error.target).toBe('properties.peerAsn');
      expect(await storedIds()).toEqual(before);
    },
  );

  it.each([65001, 65516, 65521, 64495, 65552, 4200000000])('accepts peer ASN %i', async (asn) => {
    const put = await h.service.resources.bgpConnections.put(connectionId('rs', 'nva1'), {
      peerIp: '10.0.2.4',
      peerAsn: asn,
    });
    expect(put.resource.peerAsn).toBe(asn);
  });

  it.each(['2001:db8::1', '10.0.2', '10.0.2.256', 'nva1.example'])('refuses peer IP %s', async (peerIp) => {
    const error = await refusal(
      h.service.resources.bgpConnections.put(connectionId('rs', 'nva1'), { peerIp, peerAsn: 65001 }),
    );
    expect(error.code).toBe(E.INVALID_PEER_IP);
  });

  it('refuses a second connection to the same peer IP', async () => {
    await h.service.resources.bgpConnections.put(connectionId('rs', 'nva1'), {
      peerIp: '10.0.2.4',
      peerAsn: 65001,
    });
    const error = await refusal(
      h.service.resources.bgpConnections.put(connectionId('rs', 'nva2'), {
        peerIp: '10.0.2.4',
        peerAsn: 65002,
      }),
    );
    expect(error.code).toBe(E.DUPLICATE_PEER_IP);
    expect(h.service.resources.bgpConnections.get(connectionId('rs', 'nva2'))).toBeUndefined();
  });

  it('refuses the ninth peer, and updates of existing peers still pass at the limit', async () => {
    for (let i = 1; i <= 8; i++) {
      await h.service.resources.bgpConnections.put(connectionId('rs', `nva${i}`), {
        peerIp: `10.0.2.${i + 3}`,
        peerAsn: 65000 + i,
      });
    }
    const error = await refusal(
      h.service.resources.bgpConnections.put(connectionId('rs', 'nva9'), {
        peerIp: '10.0.2.20',
        peerAsn: 65009,
      }),
    );
    expect(error.code).toBe(E.PEER_LIMIT);
    const update = await h.service.resources.bgpConnections.put(connectionId('rs', 'nva8'), {
      peerIp: '10.0.2.11',
      peerAsn: 65100,
    });
    expect(update.created).toBe(false);
    expect(h.service.resources.bgpConnections.list({ parentId: hubId('rs') }).value).toHaveLength(8);
  });

  it('takes the peer limit from the service options', async () => {
    await h.close();
    h = await harness({ limits: { maxPeersPerRouteServer: 1 } });
    await hubWithRouteServer(h.service);
    await h.service.resources.bgpConnections.put(connectionId('rs', 'a'), {
      peerIp: '10.0.2.4',
      peerAsn: 65001,
    });
    const error = await refusal(
      h.service.resources.bgpConnections.put(connectionId('rs', 'b'), { peerIp: '10.0.2.5', peerAsn: 65002 }),
    );
    expect(error.code).toBe(E.PEER_LIMIT);
  });

  it('refuses a connection under a route server that does not exist', async () => {
    const error = await refusal(
      h.service.resources.bgpConnections.put(connectionId('nope', 'a'), {
        peerIp: '10.0.2.4',
        peerAsn: 65001,
      }),
    );
    expect(error.code).toBe(E.PARENT_NOT_FOUND);
  });

  it('reports Unknown and no routes while no BGP runtime runs the route server', async () => {
    const put = await h.service.resources.bgpConnections.put(connectionId('rs', 'nva1'), {
      peerIp: '10.0.2.4',
      peerAsn: 65001,
    });
    expect(put.resource.connectionState).toBe('Unknown');
    const learned = await h.service.resources.bgpConnections.actions.learnedRoutes!(
      connectionId('rs', 'nva1'),
    );
    expect(learned).toEqual({ RouteServiceRole_IN_0: [], RouteServiceRole_IN_1: [] });
  });
});

describe('virtual networks', () => {
  it('changes nothing when one inline subnet of a VNet PUT is refused', async () => {
    await h.service.resources.virtualNetworks.put(vnetId('hub'), {
      addressPrefixes: ['10.0.0.0/16'],
      subnets: [{ name: 'a', addressPrefix: '10.0.1.0/24' }],
    });
    const error = await refusal(
      h.service.resources.virtualNetworks.put(vnetId('hub'), {
        addressPrefixes: ['10.0.0.0/16', '10.1.0.0/16'],
        subnets: [
          { name: 'b', addressPrefix: '10.1.1.0/24' },
          { name: 'c', addressPrefix: '10.1.1.128/25' },
        ],
      }),
    );
    expect(error.code).toBe(E.INVALID_NETWORK);
    expect(error.target).toBe('properties.subnets[1].properties.addressPrefix');
    const vnet = h.service.resources.virtualNetworks.get(vnetId('hub'))!;
    expect(vnet.addressPrefixes).toEqual(['10.0.0.0/16']);
    expect(vnet.subnets.map((s) => s.name)).toEqual(['a']);
    expect(h.service.model.subnet(`${vnetId('hub').toLowerCase()}/subnets/a`)).toBeDefined();
    expect(h.service.model.subnet(`${vnetId('hub').toLowerCase()}/subnets/b`)).toBeUndefined();
  });

  it('deletes the subnets a VNet PUT no longer lists, and keeps them when the list is absent', async () => {
    await h.service.resources.virtualNetworks.put(vnetId('v'), {
      addressPrefixes: ['10.0.0.0/16'],
      subnets: [
        { name: 'a', addressPrefix: '10.0.1.0/24' },
        { name: 'b', addressPrefix: '10.0.2.0/24' },
      ],
    });
    await h.service.resources.virtualNetworks.put(vnetId('v'), {
      addressPrefixes: ['10.0.0.0/16'],
      tags: { env: 'x' },
    });
    expect(h.service.resources.virtualNetworks.get(vnetId('v'))!.subnets).toHaveLength(2);
    await h.service.resources.virtualNetworks.put(vnetId('v'), {
      addressPrefixes: ['10.0.0.0/16'],
      subnets: [{ name: 'b', addressPrefix: '10.0.2.0/24' }],
    });
    expect(h.service.resources.virtualNetworks.get(vnetId('v'))!.subnets.map((s) => s.name)).toEqual(['b']);
    expect(h.service.resources.subnets.get(subnetId('v', 'a'))).toBeUndefined();
  });

  it('refuses a RouteServerSubnet smaller than /26', async () => {
    await h.service.resources.virtualNetworks.put(vnetId('v'), { addressPrefixes: ['10.0.0.0/16'] });
    const error = await refusal(
      h.service.resources.subnets.put(subnetId('v', 'RouteServerSubnet'), { addressPrefix: '10.0.1.0/27' }),
    );
    expect(error.networkCode).toBe('BGPRS_ERR_SDN_ROUTE_SERVER_SUBNET_TOO_SMALL');
  });

  it('refuses to delete a subnet with a NIC or a VNet hosting a route server, and keeps both', async () => {
    await hubWithRouteServer(h.service);
    await h.service.resources.networkInterfaces.put(nicId('vm'), { subnetId: subnetId('hub', 'app') });
    expect((await refusal(h.service.resources.subnets.delete(subnetId('hub', 'app')))).code).toBe(E.IN_USE);
    expect((await refusal(h.service.resources.virtualNetworks.delete(vnetId('hub')))).code).toBe(E.IN_USE);
    expect(h.service.resources.subnets.get(subnetId('hub', 'app'))).toBeDefined();
    expect(await h.store.get(subnetId('hub', 'app'))).toBeDefined();
  });

  it('refuses a subnet naming a route table that does not exist', async () => {
    await h.service.resources.virtualNetworks.put(vnetId('v'), { addressPrefixes: ['10.0.0.0/16'] });
    const error = await refusal(
      h.service.resources.subnets.put(subnetId('v', 'a'), {
        addressPrefix: '10.0.1.0/24',
        routeTableId: routeTableId('none'),
      }),
    );
    expect(error).toMatchObject({ code: E.INVALID_REFERENCE, target: 'properties.routeTable.id' });
  });

  it('refuses a peering to a VNet that does not exist', async () => {
    await h.service.resources.virtualNetworks.put(vnetId('v'), { addressPrefixes: ['10.0.0.0/16'] });
    const error = await refusal(
      h.service.resources.virtualNetworkPeerings.put(`${vnetId('v')}/virtualNetworkPeerings/p`, {
        remoteVirtualNetworkId: vnetId('none'),
      }),
    );
    expect(error).toMatchObject({ code: E.INVALID_REFERENCE, target: 'properties.remoteVirtualNetwork.id' });
  });

  it('shows a peering Initiated until the remote VNet peers back, then Connected', async () => {
    await h.service.resources.virtualNetworks.put(vnetId('a'), { addressPrefixes: ['10.0.0.0/16'] });
    await h.service.resources.virtualNetworks.put(vnetId('b'), { addressPrefixes: ['10.1.0.0/16'] });
    const ab = `${vnetId('a')}/virtualNetworkPeerings/ab`;
    await h.service.resources.virtualNetworkPeerings.put(ab, { remoteVirtualNetworkId: vnetId('b') });
    expect(h.service.resources.virtualNetworkPeerings.get(ab)?.peeringState).toBe('Initiated');
    await h.service.resources.virtualNetworks.put(vnetId('b'), {
      addressPrefixes: ['10.1.0.0/16'],
      peerings: [{ name: 'ba', remoteVirtualNetworkId: vnetId('a') }],
    });
    expect(h.service.resources.virtualNetworkPeerings.get(ab)?.peeringState).toBe('Connected');
  });

  it('answers a stale etag with STALE_ETAG and changes nothing', async () => {
    const first = await h.service.resources.virtualNetworks.put(vnetId('v'), {
      addressPrefixes: ['10.0.0.0/16'],
    });
    await h.service.resources.virtualNetworks.put(vnetId('v'), {
      addressPrefixes: ['10.0.0.0/16'],
      tags: { a: 'b' },
    });
    const error = await refusal(
      h.service.resources.virtualNetworks.put(
        vnetId('v'),
        { addressPrefixes: ['10.9.0.0/16'] },
        { expectedEtags: [first.resource.etag] },
      ),
    );
    expect(error.code).toBe(E.STALE_ETAG);
    expect(
      h.service.model.virtualNetwork(vnetId('v').toLowerCase())!.addressSpaces.map(formatPrefix),
    ).toEqual(['10.0.0.0/16']);
  });

  it('answers write conditions with their own codes: exists, missing, and the store refusing the commit', async () => {
    await h.service.resources.virtualNetworks.put(vnetId('v'), { addressPrefixes: ['10.0.0.0/16'] });
    const again = h.service.resources.virtualNetworks.put(
      vnetId('v'),
      { addressPrefixes: ['10.0.0.0/16'] },
      { mustNotExist: true },
    );
    expect((await refusal(again)).code).toBe(E.ALREADY_EXISTS);
    const missing = h.service.resources.virtualNetworks.delete(vnetId('w'), { mustExist: true });
    expect((await refusal(missing)).code).toBe(E.CONDITION_TARGET_MISSING);
    // the store checks the etag again inside its transaction: a racing writer is a stale etag too
    const transaction = h.store.transaction.bind(h.store);
    h.store.transaction = async (operations) =>
      transaction(operations.map((op) => (op.op === 'put' ? { ...op, expectedEtag: 'racing' } : op)));
    const raced = h.service.resources.virtualNetworks.put(vnetId('v'), {
      addressPrefixes: ['10.0.0.0/16'],
      tags: {},
    });
    expect((await refusal(raced)).code).toBe(E.STALE_ETAG);
  });
});

describe('network interfaces and route tables', () => {
  it('hands out .4 then .5 dynamically and computes the effective routes with a user route', async () => {
    await hubWithRouteServer(h.service);
    const a = await h.service.resources.networkInterfaces.put(nicId('a'), {
      subnetId: subnetId('hub', 'app'),
    });
    const b = await h.service.resources.networkInterfaces.put(nicId('b'), {
      subnetId: subnetId('hub', 'app'),
    });
    expect([a.resource.privateIpAddress, b.resource.privateIpAddress]).toEqual(['10.0.3.4', '10.0.3.5']);
    await h.service.resources.routeTables.put(routeTableId('rt'), {
      routes: [
        {
          name: 'default',
          addressPrefix: '0.0.0.0/0',
          nextHopType: 'VirtualAppliance',
          nextHopIpAddress: '10.0.2.4',
        },
      ],
    });
    await h.service.resources.subnets.put(subnetId('hub', 'app'), {
      addressPrefix: '10.0.3.0/24',
      routeTableId: routeTableId('rt'),
    });
    const rows = await effectiveRoutes(nicId('a'));
    const active = rows
      .filter((r) => r.state === 'Active')
      .map((r) => `${r.source} ${r.addressPrefix[0]} ${r.nextHopType}`);
    expect(active).toContain('User 0.0.0.0/0 VirtualAppliance');
    expect(active).toContain('Default 10.0.0.0/16 VnetLocal');
    expect(h.service.resources.routeTables.get(routeTableId('rt'))!.subnetIds).toEqual([
      subnetId('hub', 'app'),
    ]);
    expect(h.service.resources.subnets.get(subnetId('hub', 'app'))!.ipConfigurationIds).toEqual([
      `${nicId('a')}/ipConfigurations/ipconfig1`,
      `${nicId('b')}/ipConfigurations/ipconfig1`,
    ]);
    expect(h.service.resources.subnets.get(subnetId('hub', 'RouteServerSubnet'))!.ipConfigurationIds).toEqual(
      [ipConfigId('rs')],
    );
  });

  it('marks every effective route row with its subnet route table’s disableBgpRoutePropagation', async () => {
    await h.service.resources.virtualNetworks.put(vnetId('v'), {
      addressPrefixes: ['10.0.0.0/16'],
      subnets: [
        { name: 'plain', addressPrefix: '10.0.1.0/24' },
        { name: 'app', addressPrefix: '10.0.2.0/24' },
      ],
    });
    await h.service.resources.routeTables.put(routeTableId('rt'), { disableBgpRoutePropagation: true });
    await h.service.resources.subnets.put(subnetId('v', 'app'), {
      addressPrefix: '10.0.2.0/24',
      routeTableId: routeTableId('rt'),
    });
    await h.service.resources.networkInterfaces.put(nicId('plain'), { subnetId: subnetId('v', 'plain') });
    await h.service.resources.networkInterfaces.put(nicId('app'), { subnetId: subnetId('v', 'app') });
    const flags = async (nic: string) =>
      new Set((await effectiveRoutes(nicId(nic))).map((r) => r.disableBgpRoutePropagation));
    expect(await flags('plain')).toEqual(new Set([false]));
    expect(await flags('app')).toEqual(new Set([true]));
    await h.service.resources.routeTables.put(routeTableId('rt'), { disableBgpRoutePropagation: false });
    expect(await flags('app')).toEqual(new Set([false]));
  });

  it('refuses to delete a route table still associated with a subnet', async () => {
    await h.service.resources.routeTables.put(routeTableId('rt'), {});
    await h.service.resources.virtualNetworks.put(vnetId('v'), {
      addressPrefixes: ['10.0.0.0/16'],
      subnets: [{ name: 'a', addressPrefix: '10.0.1.0/24', routeTableId: routeTableId('rt') }],
    });
    expect((await refusal(h.service.resources.routeTables.delete(routeTableId('rt')))).code).toBe(E.IN_USE);
  });

  it('replaces a table’s routes with its inline list, keeps them without one, and refuses a name listed twice', async () => {
    const none = (addressPrefix: string) => ({ addressPrefix, nextHopType: 'None' as const });
    await h.service.resources.routeTables.put(routeTableId('rt'), {
      routes: [
        { name: 'a', ...none('10.1.0.0/16') },
        { name: 'b', ...none('10.2.0.0/16') },
      ],
    });
    await h.service.resources.routeTables.put(routeTableId('rt'), { tags: { x: 'y' } });
    expect(
      h.service.resources.routes.list({ parentId: routeTableId('rt') }).value.map((r) => r.name),
    ).toEqual(['a', 'b']);
    await h.service.resources.routeTables.put(routeTableId('rt'), {
      routes: [{ name: 'B', ...none('10.3.0.0/16') }],
    });
    expect(
      h.service.resources.routeTables.get(routeTableId('rt'))!.routes.map((r) => [r.name, r.addressPrefix]),
    ).toEqual([['b', '10.3.0.0/16']]);
    expect(h.service.model.routeTable(routeTableId('rt').toLowerCase())!.routes.map((r) => r.name)).toEqual([
      'b',
    ]);
    const error = await refusal(
      h.service.resources.routeTables.put(routeTableId('rt'), {
        routes: [
          { name: 'c', ...none('10.4.0.0/16') },
          { name: 'C', ...none('10.5.0.0/16') },
        ],
      }),
    );
    expect(error).toMatchObject({ code: E.INVALID_VALUE, target: 'properties.routes[1].name' });
  });

  it('refuses a VirtualAppliance route without a next hop address', async () => {
    await h.service.resources.routeTables.put(routeTableId('rt'), {});
    const error = await refusal(
      h.service.resources.routes.put(`${routeTableId('rt')}/routes/r`, {
        addressPrefix: '10.9.0.0/16',
        nextHopType: 'VirtualAppliance',
      }),
    );
    expect(error).toMatchObject({ code: E.INVALID_NETWORK, target: 'properties.nextHopIpAddress' });
    expect(h.service.resources.routes.list({ parentId: routeTableId('rt') }).value).toEqual([]);
  });
});

describe('persistence', () => {
  it('brings every resource back unchanged after a re-open of the store', async () => {
    await hubWithRouteServer(h.service);
    await h.service.resources.bgpConnections.put(connectionId('rs', 'nva1'), {
      peerIp: '10.0.2.4',
      peerAsn: 65001,
    });
    await h.service.resources.virtualNetworks.put(vnetId('spoke'), {
      addressPrefixes: ['10.1.0.0/16'],
      subnets: [{ name: 'w', addressPrefix: '10.1.1.0/24' }],
      peerings: [{ name: 'to-hub', remoteVirtualNetworkId: vnetId('hub'), useRemoteGateways: true }],
    });
    await h.service.resources.virtualNetworkPeerings.put(`${vnetId('hub')}/virtualNetworkPeerings/to-spoke`, {
      remoteVirtualNetworkId: vnetId('spoke'),
      allowGatewayTransit: true,
    });
    await h.service.resources.routeTables.put(routeTableId('rt'), {
      disableBgpRoutePropagation: true,
      routes: [{ name: 'r', addressPrefix: '192.168.0.0/16', nextHopType: 'None' }],
    });
    await h.service.resources.networkInterfaces.put(nicId('vm'), {
      subnetId: subnetId('spoke', 'w'),
      privateIpAddress: '10.1.1.10',
    });
    const snapshot = async () => ({
      hub: h.service.resources.virtualNetworks.get(vnetId('hub')),
      spoke: h.service.resources.virtualNetworks.get(vnetId('spoke')),
      rs: h.service.resources.virtualHubs.get(hubId('rs')),
      connection: h.service.resources.bgpConnections.get(connectionId('rs', 'nva1')),
      table: h.service.resources.routeTables.get(routeTableId('rt')),
      nic: h.service.resources.networkInterfaces.get(nicId('vm')),
      routes: await effectiveRoutes(nicId('vm')),
    });
    const before = await snapshot();
    await h.reopen();
    expect(await snapshot()).toEqual(before);
    expect(before.spoke?.peerings[0]?.peeringState).toBe('Connected');
    expect(
      h.service.resources.virtualNetworks.list({ subscriptionId: SUB }).value.map((v) => v.name),
    ).toEqual(['hub', 'spoke']);
  });

  it('starts the stored route servers with their peers when it opens with a runtime', async () => {
    await hubWithRouteServer(h.service);
    await h.service.resources.bgpConnections.put(connectionId('rs', 'nva1'), {
      peerIp: '10.0.2.4',
      peerAsn: 65001,
    });
    const runtime = new RecordingRuntime();
    await h.reopen({ runtime });
    expect(runtime.calls).toEqual(['start 10.0.1.4,10.0.1.5 peers=10.0.2.4']);
    runtime.states.set('IN_0', 'Established').set('IN_1', 'Established');
    expect(h.service.resources.bgpConnections.get(connectionId('rs', 'nva1'))?.connectionState).toBe(
      'Connected',
    );
  });
  it('starts the route servers before it loads route tables, subnets and NICs', async () => {
    await hubWithRouteServer(h.service);
    await h.service.resources.networkInterfaces.put(nicId('vm'), {
      subnetId: subnetId('hub', 'app'),
      privateIpAddress: '10.0.3.10',
    });
    await h.service.close();
    const order: string[] = [];
    const runtime = new RecordingRuntime();
    const startRouteServer = runtime.startRouteServer.bind(runtime);
    runtime.startRouteServer = (spec) => {
      order.push('start');
      return startRouteServer(spec);
    };
    const store = h.store;
    const recording = Object.create(store) as typeof store;
    recording.list = (query) => {
      order.push(query.type.slice(query.type.indexOf('/') + 1));
      return store.list(query);
    };
    h.service = await RouteServerService.open({ store: recording, runtime });
    const started = order.indexOf('start');
    expect(order.slice(0, started)).not.toContain('virtualNetworks/subnets');
    expect(order.slice(started)).toEqual(
      expect.arrayContaining(['routeTables', 'virtualNetworks/subnets', 'networkInterfaces']),
    );
    expect(h.service.resources.networkInterfaces.get(nicId('vm'))?.subnetId).toBe(subnetId('hub', 'app'));
  });
});

describe('live effects', () => {
  let runtime: RecordingRuntime;

  beforeEach(async () => {
    await h.close();
    runtime = new RecordingRuntime();
    h = await harness({ runtime });
    await hubWithRouteServer(h.service);
  });

  it('starts the instances when the ipConfiguration is created and stops them when it is deleted', async () => {
    expect(runtime.calls).toEqual(['start 10.0.1.4,10.0.1.5 peers=']);
    await (
      await h.service.resources.ipConfigurations.delete(ipConfigId('rs'))
    ).applied;
    expect(runtime.calls.at(-1)).toBe('stop');
  });

  it('adds a peer to the instances, restarts it on a change, and removes it on delete', async () => {
    await (
      await h.service.resources.bgpConnections.put(connectionId('rs', 'nva1'), {
        peerIp: '10.0.2.4',
        peerAsn: 65001,
      })
    ).applied;
    await (
      await h.service.resources.bgpConnections.put(connectionId('rs', 'nva1'), {
        peerIp: '10.0.2.4',
        peerAsn: 65002,
      })
    ).applied;
    await (
      await h.service.resources.bgpConnections.delete(connectionId('rs', 'nva1'))
    ).applied;
    expect(runtime.calls.slice(1)).toEqual(['add 10.0.2.4 65001', 'update 10.0.2.4 65002', 'remove nva1']);
  });

  it('asks for a route refresh when the address space or a peering of the VNet changes', async () => {
    await (
      await h.service.resources.virtualNetworks.put(vnetId('spoke'), { addressPrefixes: ['10.1.0.0/16'] })
    ).applied;
    expect(runtime.calls).not.toContain('refresh');
    await (
      await h.service.resources.virtualNetworkPeerings.put(
        `${vnetId('hub')}/virtualNetworkPeerings/to-spoke`,
        {
          remoteVirtualNetworkId: vnetId('spoke'),
        },
      )
    ).applied;
    expect(runtime.calls.filter((c) => c === 'refresh')).toHaveLength(1);
    await (
      await h.service.resources.virtualNetworks.put(vnetId('hub'), {
        addressPrefixes: ['10.0.0.0/16', '10.5.0.0/16'],
      })
    ).applied;
    expect(runtime.calls.filter((c) => c === 'refresh')).toHaveLength(2);
    expect(
      h.service.model.routeServer(hubId('rs').toLowerCase())!.advertisedAddressSpaces().map(formatPrefix),
    ).toEqual(['10.0.0.0/16', '10.5.0.0/16']);
  });

  it('starts the instances with the address spaces to advertise and sends every change of them', async () => {
    const spaces = () => runtime.specs.get(hubId('rs').toLowerCase())!.addressSpaces;
    expect(spaces()).toEqual(['10.0.0.0/16']);
    await (
      await h.service.resources.virtualNetworks.put(vnetId('hub'), {
        addressPrefixes: ['10.0.0.0/16', '10.5.0.0/16'],
      })
    ).applied;
    expect(spaces()).toEqual(['10.0.0.0/16', '10.5.0.0/16']);
  });

  it('programs what the instances inject into the NICs of the VNet', async () => {
    await h.service.resources.networkInterfaces.put(nicId('vm'), { subnetId: subnetId('hub', 'app') });
    runtime.inject({
      routeServerId: hubId('rs'),
      instance: 'IN_0',
      changes: [
        {
          prefix: { family: 4, address: 0xc0a80000, length: 16 },
          route: { nextHops: ['10.0.2.4'] },
        },
      ],
    });
    const bgp = (await effectiveRoutes(nicId('vm'))).filter((r) => r.source === 'VirtualNetworkGateway');
    expect(bgp.map((r) => [r.addressPrefix[0], r.nextHopIpAddress])).toEqual([
      ['192.168.0.0/16', ['10.0.2.4']],
    ]);
  });
});
