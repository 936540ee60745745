/**
 * The gateway family on the real SQLite store: what a valid gateway, VPN
 * site, circuit and connection store and show, and every refusal of
 * docs/gateways.md (wrong subnet, a VPN gateway not active-active or not
 * ASN 65515, a second gateway of one type, a connection to a missing VPN
 * site), each storing nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import {
  circuitId,
  gatewayId,
  GATEWAY_SUBNET,
  harness,
  linkId,
  siteId,
  subnetId,
  vnetId,
  type Harness,
} from './fixtures.test-support.js';
import type { VirtualNetworkGatewayResourceInput } from './types.js';

let h: Harness;

function vpn(
  overrides: Partial<VirtualNetworkGatewayResourceInput> = {},
): VirtualNetworkGatewayResourceInput {
  return {
    gatewayType: 'Vpn',
    activeActive: true,
    enableBgp: true,
    ipConfigurations: [
      { name: 'default', subnetId: GATEWAY_SUBNET },
      { name: 'activeActive', subnetId: GATEWAY_SUBNET },
    ],
    ...overrides,
  };
}

const er = (name = 'default'): VirtualNetworkGatewayResourceInput => ({
  gatewayType: 'ExpressRoute',
  ipConfigurations: [{ name, subnetId: GATEWAY_SUBNET }],
});

beforeEach(async () => {
  h = await harness();
  await h.service.resources.virtualNetworks.put(vnetId('hub'), {
    addressPrefixes: ['10.0.0.0/16'],
    subnets: [
      { name: 'RouteServerSubnet', addressPrefix: '10.0.1.0/26' },
      { name: 'GatewaySubnet', addressPrefix: '10.0.255.0/27' },
      { name: 'app', addressPrefix: '10.0.3.0/24' },
    ],
  });
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

async function stored(type: string): Promise<string[]> {
  const page = await h.store.list({ type: `Microsoft.Network/${type}` });
  return page.records.map((r) => r.name);
}

describe('virtual network gateways', () => {
  it('places a VPN and an ExpressRoute gateway in GatewaySubnet, two instance addresses each', async () => {
    const vpnGateway = await h.service.resources.virtualNetworkGateways.put(gatewayId('vpngw'), vpn());
    const erGateway = await h.service.resources.virtualNetworkGateways.put(gatewayId('ergw'), er());
    expect(vpnGateway.resource).toMatchObject({
      gatewayType: 'Vpn',
      asn: 65515,
      activeActive: true,
      instanceAddresses: ['10.0.255.4', '10.0.255.5'],
    });
    expect(vpnGateway.resource.ipConfigurations.map((c) => c.privateIpAddress)).toEqual([
      '10.0.255.4',
      '10.0.255.5',
    ]);
    expect(erGateway.resource.instanceAddresses).toEqual(['10.0.255.6', '10.0.255.7']);
    const subnet = h.service.resources.subnets.get(GATEWAY_SUBNET)!;
    expect(subnet.ipConfigurationIds).toEqual([
      `${gatewayId('ergw')}/ipConfigurations/default`,
      `${gatewayId('vpngw')}/ipConfigurations/default`,
      `${gatewayId('vpngw')}/ipConfigurations/activeActive`,
    ]);
    // an update keeps the addresses; a reopen reads them back
    await h.service.resources.virtualNetworkGateways.put(gatewayId('vpngw'), vpn({ skuName: 'VpnGw2AZ' }));
    await h.reopen();
    expect(h.service.resources.virtualNetworkGateways.get(gatewayId('vpngw'))).toMatchObject({
      skuName: 'VpnGw2AZ',
      instanceAddresses: ['10.0.255.4', '10.0.255.5'],
    });
  });

  it.each([
    [
      'outside GatewaySubnet',
      vpn({
        ipConfigurations: [
          { name: 'a', subnetId: subnetId('hub', 'app') },
          { name: 'b', subnetId: subnetId('hub', 'app') },
        ],
      }),
      E.INVALID_GATEWAY_SUBNET,
      'properties.ipConfigurations[0].properties.subnet.id',
    ],
    ['not active-active', vpn({ activeActive: false }), E.INVALID_GATEWAY, 'properties.activeActive'],
    ['ASN other than 65515', vpn({ asn: 65010 }), E.INVALID_GATEWAY, 'properties.bgpSettings.asn'],
    [
      'one ipConfiguration only',
      vpn({ ipConfigurations: [{ name: 'a', subnetId: GATEWAY_SUBNET }] }),
      E.INVALID_GATEWAY,
      'properties.ipConfigurations',
    ],
    ['policy based', vpn({ vpnType: 'PolicyBased' }), E.INVALID_GATEWAY, 'properties.vpnType'],
    ['an unknown type', vpn({ gatewayType: 'LocalGateway' }), E.INVALID_VALUE, 'properties.gatewayType'],
    [
      'a missing subnet',
      er().ipConfigurations && {
        ...er(),
        ipConfigurations: [{ name: 'a', subnetId: subnetId('hub', 'nope') }],
      },
      E.INVALID_REFERENCE,
      'properties.ipConfigurations[0].properties.subnet.id',
    ],
  ])('refuses a gateway %s and stores nothing', async (_what, input, code, target) => {
    const error = await refusal(h.service.resources.virtualNetworkGateways.put(gatewayId('gw'), input));
    expect([error.code, error.target]).toEqual([code, target]);
    expect(await stored('virtualNetworkGateways')).toEqual([]);
  });

  it('refuses a GatewaySubnet smaller than /27', async () => {
    await h.service.resources.subnets.put(subnetId('hub', 'GatewaySubnet'), {
      addressPrefix: '10.0.255.0/28',
    });
    const error = await refusal(h.service.resources.virtualNetworkGateways.put(gatewayId('gw'), er()));
    expect(error.code).toBe(E.INVALID_GATEWAY_SUBNET);
  });

  it('refuses a second gateway of one type in a VNet, and stores nothing', async () => {
    await h.service.resources.virtualNetworkGateways.put(gatewayId('vpngw'), vpn());
    await h.service.resources.virtualNetworkGateways.put(gatewayId('ergw'), er());
    const second = await refusal(h.service.resources.virtualNetworkGateways.put(gatewayId('vpngw2'), vpn()));
    expect([second.code, second.target]).toEqual([E.GATEWAY_PLACEMENT, 'properties.gatewayType']);
    const third = await refusal(h.service.resources.virtualNetworkGateways.put(gatewayId('ergw2'), er()));
    expect(third.code).toBe(E.GATEWAY_PLACEMENT);
    expect((await stored('virtualNetworkGateways')).sort()).toEqual(['ergw', 'vpngw']);
  });

  it('refuses changing a gateway’s type, and deleting its subnet or VNet while it is there', async () => {
    await h.service.resources.virtualNetworkGateways.put(gatewayId('gw'), er());
    const change = await refusal(h.service.resources.virtualNetworkGateways.put(gatewayId('gw'), vpn()));
    expect(change.code).toBe(E.IMMUTABLE_FIELD);
    expect((await refusal(h.service.resources.subnets.delete(GATEWAY_SUBNET))).code).toBe(E.IN_USE);
    expect((await refusal(h.service.resources.virtualNetworks.delete(vnetId('hub')))).code).toBe(E.IN_USE);
    await h.service.resources.virtualNetworkGateways.delete(gatewayId('gw'));
    await h.service.resources.subnets.delete(GATEWAY_SUBNET);
    expect(await stored('virtualNetworks/subnets')).not.toContain('GatewaySubnet');
  });
});

describe('VPN sites, circuits and connections', () => {
  beforeEach(async () => {
    await h.service.resources.virtualNetworkGateways.put(gatewayId('vpngw'), vpn());
    await h.service.resources.virtualNetworkGateways.put(gatewayId('ergw'), er());
  });

  it('stores a VPN site with BGP and an IPsec connection to it', async () => {
    const site = await h.service.resources.localNetworkGateways.put(siteId('branch'), {
      addressPrefixes: ['192.168.10.0/24'],
      gatewayIpAddress: '198.51.100.10',
      bgpSettings: { asn: 65010, bgpPeeringAddress: '192.168.10.1' },
    });
    expect(site.resource.bgpSettings).toEqual({
      asn: 65010,
      bgpPeeringAddress: '192.168.10.1',
      peerWeight: 0,
    });
    const link = await h.service.resources.connections.put(linkId('to-branch'), {
      connectionType: 'IPsec',
      virtualNetworkGatewayId: gatewayId('vpngw'),
      localNetworkGatewayId: siteId('branch'),
      enableBgp: true,
    });
    expect(link.resource).toMatchObject({
      connectionType: 'IPsec',
      enableBgp: true,
      connectionStatus: 'Unknown',
    });
    // neither end goes while the connection names it
    expect((await refusal(h.service.resources.localNetworkGateways.delete(siteId('branch')))).code).toBe(
      E.IN_USE,
    );
    expect((await refusal(h.service.resources.virtualNetworkGateways.delete(gatewayId('vpngw')))).code).toBe(
      E.IN_USE,
    );
    await h.service.resources.connections.delete(linkId('to-branch'));
    await h.service.resources.localNetworkGateways.delete(siteId('branch'));
    expect(await stored('localNetworkGateways')).toEqual([]);
  });

  it('refuses a connection to a missing VPN site, and stores nothing', async () => {
    const error = await refusal(
      h.service.resources.connections.put(linkId('to-nowhere'), {
        connectionType: 'IPsec',
        virtualNetworkGatewayId: gatewayId('vpngw'),
        localNetworkGatewayId: siteId('missing'),
      }),
    );
    expect([error.code, error.target]).toEqual([E.INVALID_REFERENCE, 'properties.localNetworkGateway2.id']);
    expect(await stored('connections')).toEqual([]);
  });

  it('refuses an IPsec connection on the ExpressRoute gateway and bad VPN site BGP settings', async () => {
    await h.service.resources.localNetworkGateways.put(siteId('branch'), {});
    const wrong = await refusal(
      h.service.resources.connections.put(linkId('x'), {
        connectionType: 'IPsec',
        virtualNetworkGatewayId: gatewayId('ergw'),
        localNetworkGatewayId: siteId('branch'),
      }),
    );
    expect([wrong.code, wrong.target]).toEqual([E.INVALID_VALUE, 'properties.virtualNetworkGateway1.id']);
    const asn = await refusal(
      h.service.resources.localNetworkGateways.put(siteId('bad'), {
        bgpSettings: { asn: 65515, bgpPeeringAddress: '192.168.10.1' },
      }),
    );
    expect([asn.code, asn.target]).toEqual([E.FORBIDDEN_PEER_ASN, 'properties.bgpSettings.asn']);
    const address = await refusal(
      h.service.resources.localNetworkGateways.put(siteId('bad'), {
        bgpSettings: { asn: 65010, bgpPeeringAddress: '127.0.0.1' },
      }),
    );
    expect([address.code, address.target]).toEqual([
      E.INVALID_PEER_IP,
      'properties.bgpSettings.bgpPeeringAddress',
    ]);
    expect(await stored('localNetworkGateways')).toEqual(['branch']);
  });

  it('links the ExpressRoute gateway to a circuit’s private peering', async () => {
    await h.service.resources.expressRouteCircuits.put(circuitId('edge'), { bandwidthInMbps: 200 });
    const noPeering = await refusal(
      h.service.resources.connections.put(linkId('er'), {
        connectionType: 'ExpressRoute',
        virtualNetworkGatewayId: gatewayId('ergw'),
        circuitId: circuitId('edge'),
      }),
    );
    expect(noPeering.code).toBe(E.INVALID_VALUE);
    const peering = await h.service.resources.circuitPeerings.put(
      `${circuitId('edge')}/peerings/AzurePrivatePeering`,
      {
        peeringType: 'AzurePrivatePeering',
        peerAsn: 65020,
        primaryPeerAddressPrefix: '192.168.255.0/30',
        secondaryPeerAddressPrefix: '192.168.255.4/30',
        vlanId: 100,
      },
    );
    expect(peering.resource).toMatchObject({
      azureAsn: 12076,
      peerAddress: '192.168.255.1',
      edgeAddress: '192.168.255.2',
    });
    const link = await h.service.resources.connections.put(linkId('er'), {
      connectionType: 'ExpressRoute',
      virtualNetworkGatewayId: gatewayId('ergw'),
      circuitId: circuitId('edge'),
    });
    expect(link.resource).toMatchObject({ enableBgp: true, circuitId: circuitId('edge') });
    expect(h.service.resources.expressRouteCircuits.get(circuitId('edge'))!.peeringIds).toHaveLength(1);
    expect((await refusal(h.service.resources.expressRouteCircuits.delete(circuitId('edge')))).code).toBe(
      E.IN_USE,
    );
    await h.service.resources.connections.delete(linkId('er'));
    await h.service.resources.expressRouteCircuits.delete(circuitId('edge'));
    expect(await stored('expressRouteCircuits/peerings')).toEqual([]);
  });

  it('refuses peerings routeserver does not run and malformed /30s', async () => {
    await h.service.resources.expressRouteCircuits.put(circuitId('edge'), {});
    const base = {
      peeringType: 'AzurePrivatePeering',
      peerAsn: 65020,
      primaryPeerAddressPrefix: '192.168.255.0/30',
      secondaryPeerAddressPrefix: '192.168.255.4/30',
      vlanId: 100,
    };
    const put = (name: string, input: typeof base) =>
      refusal(h.service.resources.circuitPeerings.put(`${circuitId('edge')}/peerings/${name}`, input));
    expect((await put('MicrosoftPeering', { ...base, peeringType: 'MicrosoftPeering' })).code).toBe(
      E.INVALID_VALUE,
    );
    expect(
      (await put('AzurePrivatePeering', { ...base, primaryPeerAddressPrefix: '192.168.255.0/29' })).target,
    ).toBe('properties.primaryPeerAddressPrefix');
    expect((await put('AzurePrivatePeering', { ...base, vlanId: 0 })).target).toBe('properties.vlanId');
    expect((await put('AzurePrivatePeering', { ...base, peerAsn: 12076 })).code).toBe(E.FORBIDDEN_PEER_ASN);
    expect(await stored('expressRouteCircuits/peerings')).toEqual([]);
  });
});

describe("a VNet gateway as a spoke's remote gateway", () => {
  it('lets a spoke use a hub with a gateway and no route server, and reopens with the peering in place', async () => {
    await h.service.resources.virtualNetworks.put(vnetId('spoke'), {
      addressPrefixes: ['10.1.0.0/16'],
      subnets: [{ name: 'app', addressPrefix: '10.1.0.0/24' }],
    });
    const usingGateways = () =>
      h.service.resources.virtualNetworkPeerings.put(`${vnetId('spoke')}/virtualNetworkPeerings/to-hub`, {
        remoteVirtualNetworkId: vnetId('hub'),
        useRemoteGateways: true,
      });
    expect((await refusal(usingGateways())).code).toBe(E.INVALID_NETWORK);
    await h.service.resources.virtualNetworkGateways.put(gatewayId('vpngw'), vpn());
    await h.service.resources.virtualNetworkPeerings.put(`${vnetId('hub')}/virtualNetworkPeerings/to-spoke`, {
      remoteVirtualNetworkId: vnetId('spoke'),
      allowGatewayTransit: true,
    });
    await usingGateways();
    // the gateways are placed before the peerings at start: the peering loads
    await h.reopen();
    expect(
      h.service.model.peeringState(`${vnetId('spoke')}/virtualNetworkPeerings/to-hub`.toLowerCase()),
    ).toBe('Connected');
    expect((await refusal(h.service.resources.virtualNetworkGateways.delete(gatewayId('vpngw')))).code).toBe(
      E.IN_USE,
    );
  });
});
