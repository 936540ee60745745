/**
 * The gateways' speakers as the service asks the BGP runtime for them
 * (gateway-runtime.ts): which speaker runs with which peers and spaces, peers
 * added and removed without a restart, and what a gateway's instance learns
 * in the VMs' effective routes, next hop the instance's GatewaySubnet address,
 * in the hub and in a spoke that uses the hub's gateways.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Prefix } from '../lib/prefix.js';
import { ROUTE_SERVER_ERROR_CODES as E } from './errors.js';
import type { EffectiveRouteRow } from './network-interfaces.js';
import {
  circuitId,
  gatewayId,
  GATEWAY_SUBNET,
  harness,
  hubId,
  ipConfigId,
  linkId,
  nicId,
  RecordingRuntime,
  siteId,
  subnetId,
  vnetId,
  type Harness,
} from './fixtures.test-support.js';

let h: Harness;
let runtime: RecordingRuntime;
const BRANCH: Prefix = { family: 4, address: 0xc0a80a00, length: 24 };

beforeEach(async () => {
  runtime = new RecordingRuntime();
  h = await harness({ runtime });
  await h.service.resources.virtualNetworks.put(vnetId('hub'), {
    addressPrefixes: ['10.0.0.0/16'],
    subnets: [
      { name: 'RouteServerSubnet', addressPrefix: '10.0.1.0/26' },
      { name: 'GatewaySubnet', addressPrefix: '10.0.255.0/27' },
      { name: 'app', addressPrefix: '10.0.3.0/24' },
    ],
  });
  await h.service.resources.virtualNetworkGateways.put(gatewayId('vpngw'), {
    gatewayType: 'Vpn',
    activeActive: true,
    enableBgp: true,
    ipConfigurations: [
      { name: 'default', subnetId: GATEWAY_SUBNET },
      { name: 'activeActive', subnetId: GATEWAY_SUBNET },
    ],
  });
  await h.service.resources.localNetworkGateways.put(siteId('branch'), {
    addressPrefixes: ['192.168.10.0/24'],
    bgpSettings: { asn: 65010, bgpPeeringAddress: '192.168.10.1' },
  });
  await h.service.resources.networkInterfaces.put(nicId('vm'), { subnetId: subnetId('hub', 'app') });
});

afterEach(async () => {
  await h.close();
});

const spec = (name: string) => runtime.specs.get(gatewayId(name).toLowerCase());

async function connectBranch(): Promise<void> {
  await (
    await h.service.resources.connections.put(linkId('to-branch'), {
      connectionType: 'IPsec',
      virtualNetworkGatewayId: gatewayId('vpngw'),
      localNetworkGatewayId: siteId('branch'),
      enableBgp: true,
    })
  ).applied;
}

async function gatewayRows(nic: string): Promise<string[]> {
  const list = (await h.service.resources.networkInterfaces.actions.effectiveRouteTable!(nic)) as {
    value: EffectiveRouteRow[];
  };
  return list.value
    .filter((r) => r.source === 'VirtualNetworkGateway')
    .map((r) => `${r.addressPrefix[0]} ${r.nextHopIpAddress.join(',')}`);
}

/** Waits for the service's effects (they run after the write is applied). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}

describe('gateway speakers', () => {
  it('runs no speaker for a gateway without a BGP neighbour', async () => {
    expect(spec('vpngw')).toBeUndefined();
    await (
      await h.service.resources.connections.put(linkId('static'), {
        connectionType: 'IPsec',
        virtualNetworkGatewayId: gatewayId('vpngw'),
        localNetworkGatewayId: siteId('branch'),
        enableBgp: false,
      })
    ).applied;
    expect(spec('vpngw')).toBeUndefined();
  });

  it('runs a VPN gateway as AS 65515 on its two addresses, peering with the VPN site', async () => {
    await connectBranch();
    expect(spec('vpngw')).toMatchObject({
      asn: 65515,
      instances: [
        { instance: 'IN_0', address: '10.0.255.4' },
        { instance: 'IN_1', address: '10.0.255.5' },
      ],
      addressSpaces: ['10.0.0.0/16'],
      peers: [{ connectionId: linkId('to-branch'), peerIp: '192.168.10.1', peerAsn: 65010 }],
    });
    expect(h.service.resources.connections.get(linkId('to-branch'))!.connectionStatus).toBe('NotConnected');
    runtime.states.set('IN_0', 'Established');
    expect(h.service.resources.connections.get(linkId('to-branch'))!.connectionStatus).toBe('Connected');
    // a changed site ASN updates the peer; the speaker is not restarted
    const before = runtime.calls.length;
    await (
      await h.service.resources.localNetworkGateways.put(siteId('branch'), {
        bgpSettings: { asn: 65011, bgpPeeringAddress: '192.168.10.1' },
      })
    ).applied;
    expect(runtime.calls.slice(before)).toEqual(['update 192.168.10.1 65011']);
    await (
      await h.service.resources.connections.delete(linkId('to-branch'))
    ).applied;
    expect(runtime.calls.at(-1)).toBe('stop');
  });

  it('runs an ExpressRoute gateway as Microsoft’s edge, AS 12076 on the /30s’ second addresses', async () => {
    await h.service.resources.virtualNetworkGateways.put(gatewayId('ergw'), {
      gatewayType: 'ExpressRoute',
      ipConfigurations: [{ name: 'default', subnetId: GATEWAY_SUBNET }],
    });
    await h.service.resources.expressRouteCircuits.put(circuitId('edge'), {});
    await h.service.resources.circuitPeerings.put(`${circuitId('edge')}/peerings/AzurePrivatePeering`, {
      peeringType: 'AzurePrivatePeering',
      peerAsn: 65020,
      primaryPeerAddressPrefix: '192.168.255.0/30',
      secondaryPeerAddressPrefix: '192.168.255.4/30',
      vlanId: 100,
    });
    await (
      await h.service.resources.connections.put(linkId('to-edge'), {
        connectionType: 'ExpressRoute',
        virtualNetworkGatewayId: gatewayId('ergw'),
        circuitId: circuitId('edge'),
      })
    ).applied;
    expect(spec('ergw')).toMatchObject({
      asn: 12076,
      instances: [
        { instance: 'IN_0', address: '192.168.255.2' },
        { instance: 'IN_1', address: '192.168.255.6' },
      ],
      peers: [
        { peerIp: '192.168.255.1', peerAsn: 65020 },
        { peerIp: '192.168.255.5', peerAsn: 65020 },
      ],
    });
  });

  it('links each gateway instance with each route-server instance once a route server is placed', async () => {
    await connectBranch();
    expect(runtime.links.size).toBe(0);
    await h.service.resources.virtualHubs.put(hubId('rs'), {});
    await (
      await h.service.resources.ipConfigurations.put(ipConfigId('rs'), {
        subnetId: subnetId('hub', 'RouteServerSubnet'),
      })
    ).applied;
    await until(() => runtime.links.size === 4);
    const ends = [...runtime.links.values()].map(({ ends: [server, gateway] }) => [
      `${server.instance} sees ${server.peer.kind} ${server.peer.address} ${server.peer.gateway?.type}`,
      `${gateway.instance} sees ${gateway.peer.kind} ${gateway.peer.address}`,
    ]);
    expect(ends).toEqual([
      ['IN_0 sees gateway 10.0.255.4 Vpn', 'IN_0 sees route-server 10.0.1.4'],
      ['IN_1 sees gateway 10.0.255.4 Vpn', 'IN_0 sees route-server 10.0.1.5'],
      ['IN_0 sees gateway 10.0.255.5 Vpn', 'IN_1 sees route-server 10.0.1.4'],
      ['IN_1 sees gateway 10.0.255.5 Vpn', 'IN_1 sees route-server 10.0.1.5'],
    ]);
    expect(spec('vpngw')!.gateway).toEqual({ type: 'Vpn', nextHops: ['10.0.255.4', '10.0.255.5'] });
    // what the route server injects for a gateway's route is in the VMs' effective routes
    runtime.inject({
      routeServerId: hubId('rs'),
      instance: 'IN_0',
      changes: [{ prefix: BRANCH, route: { nextHops: ['10.0.255.4', '10.0.255.5'] } }],
    });
    expect(await gatewayRows(nicId('vm'))).toEqual([
      '192.168.10.0/24 10.0.255.4',
      '192.168.10.0/24 10.0.255.5',
    ]);

    await h.service.resources.virtualNetworks.put(vnetId('spoke'), {
      addressPrefixes: ['10.1.0.0/16'],
      subnets: [{ name: 'app', addressPrefix: '10.1.0.0/24' }],
    });
    await h.service.resources.virtualNetworkPeerings.put(`${vnetId('hub')}/virtualNetworkPeerings/to-spoke`, {
      remoteVirtualNetworkId: vnetId('spoke'),
      allowGatewayTransit: true,
    });
    await (
      await h.service.resources.virtualNetworkPeerings.put(
        `${vnetId('spoke')}/virtualNetworkPeerings/to-hub`,
        {
          remoteVirtualNetworkId: vnetId('hub'),
          useRemoteGateways: true,
        },
      )
    ).applied;
    await h.service.resources.networkInterfaces.put(nicId('spoke-vm'), {
      subnetId: subnetId('spoke', 'app'),
    });
    expect(await gatewayRows(nicId('spoke-vm'))).toEqual([
      '192.168.10.0/24 10.0.255.4',
      '192.168.10.0/24 10.0.255.5',
    ]);
    // the spoke's space reaches the VPN site through the gateway's advertisement
    expect(spec('vpngw')!.addressSpaces).toEqual(['10.0.0.0/16', '10.1.0.0/16']);
    // the route server goes: its links go
    await (
      await h.service.resources.virtualNetworkPeerings.delete(
        `${vnetId('spoke')}/virtualNetworkPeerings/to-hub`,
      )
    ).applied;
    await (
      await h.service.resources.ipConfigurations.delete(ipConfigId('rs'))
    ).applied;
    await until(() => runtime.links.size === 0);
  });

  it('programs what a gateway learns without a route server, in the hub and the spokes using it, and keeps it when one is placed', async () => {
    await connectBranch();
    const learn = (instance: string, nextHops: string[] | null) =>
      runtime.inject({
        routeServerId: gatewayId('vpngw'),
        instance,
        changes: [{ prefix: BRANCH, route: nextHops === null ? null : { nextHops } }],
      });
    learn('IN_0', ['192.168.10.1']);
    learn('IN_1', ['192.168.10.1']);
    const viaGateway = ['192.168.10.0/24 10.0.255.4', '192.168.10.0/24 10.0.255.5'];
    expect(await gatewayRows(nicId('vm'))).toEqual(viaGateway);

    await h.service.resources.virtualNetworks.put(vnetId('spoke'), {
      addressPrefixes: ['10.1.0.0/16'],
      subnets: [{ name: 'app', addressPrefix: '10.1.0.0/24' }],
    });
    await h.service.resources.virtualNetworkPeerings.put(`${vnetId('hub')}/virtualNetworkPeerings/to-spoke`, {
      remoteVirtualNetworkId: vnetId('spoke'),
      allowGatewayTransit: true,
    });
    await (
      await h.service.resources.virtualNetworkPeerings.put(
        `${vnetId('spoke')}/virtualNetworkPeerings/to-hub`,
        {
          remoteVirtualNetworkId: vnetId('hub'),
          useRemoteGateways: true,
        },
      )
    ).applied;
    await h.service.resources.networkInterfaces.put(nicId('spoke-vm'), {
      subnetId: subnetId('spoke', 'app'),
    });
    expect(await gatewayRows(nicId('spoke-vm'))).toEqual(viaGateway);
    await until(() => spec('vpngw')!.addressSpaces.join() === '10.0.0.0/16,10.1.0.0/16');
    // the gateway used by the spoke is the hub's last: it cannot go while the peering uses it
    await expect(h.service.resources.virtualNetworkGateways.delete(gatewayId('vpngw'))).rejects.toMatchObject(
      {
        code: E.IN_USE,
      },
    );

    await h.service.resources.virtualHubs.put(hubId('rs'), {});
    await (
      await h.service.resources.ipConfigurations.put(ipConfigId('rs'), {
        subnetId: subnetId('hub', 'RouteServerSubnet'),
      })
    ).applied;
    expect(await gatewayRows(nicId('vm'))).toEqual(viaGateway);
    runtime.inject({
      routeServerId: hubId('rs'),
      instance: 'IN_0',
      changes: [{ prefix: BRANCH, route: { nextHops: ['10.0.255.4'] } }],
    });
    expect(await gatewayRows(nicId('spoke-vm'))).toEqual(['192.168.10.0/24 10.0.255.4']);
    // an instance of the gateway stopping is withdrawn from its layer, hidden here by the route server's
    runtime.inject({ routeServerId: gatewayId('vpngw'), instance: 'IN_1', changes: [], withdrawAll: true });
    await (
      await h.service.resources.ipConfigurations.delete(ipConfigId('rs'))
    ).applied;
    expect(await gatewayRows(nicId('vm'))).toEqual(['192.168.10.0/24 10.0.255.4']);
    learn('IN_0', null);
    expect(await gatewayRows(nicId('spoke-vm'))).toEqual([]);
  });
});
