import { describe, expect, it } from 'vitest';
import { nextHopFromTable, parseDestination } from './next-hop.js';

const table = {
  value: [
    {
      source: 'Default',
      state: 'Active',
      addressPrefix: ['10.1.0.0/16'],
      nextHopType: 'VnetLocal',
      nextHopIpAddress: [],
    },
    {
      source: 'Default',
      state: 'Invalid',
      addressPrefix: ['0.0.0.0/0'],
      nextHopType: 'Internet',
      nextHopIpAddress: [],
    },
    {
      source: 'VirtualNetworkGateway',
      state: 'Active',
      addressPrefix: ['0.0.0.0/0'],
      nextHopType: 'VirtualNetworkGateway',
      nextHopIpAddress: ['10.1.1.5'],
    },
    {
      source: 'VirtualNetworkGateway',
      state: 'Active',
      addressPrefix: ['10.250.0.0/16'],
      nextHopType: 'VirtualNetworkGateway',
      nextHopIpAddress: ['10.1.1.4', '10.1.1.6'],
    },
    {
      name: 'blackhole',
      source: 'User',
      state: 'Active',
      addressPrefix: ['10.250.9.0/24'],
      nextHopType: 'None',
      nextHopIpAddress: [],
    },
  ],
};

const hop = (dest: string, routeTableId: string | null = '/rt') =>
  nextHopFromTable(table, parseDestination(dest), dest, routeTableId);

describe('next hop from an effective route table', () => {
  it('takes the longest Active prefix containing the destination', () => {
    expect(hop('10.250.1.1')).toMatchObject({
      addressPrefix: '10.250.0.0/16',
      nextHopType: 'VirtualNetworkGateway',
      source: 'VirtualNetworkGateway',
    });
  });

  it('returns every next hop of an ECMP route, the first as nextHopIpAddress', () => {
    expect(hop('10.250.1.1')).toMatchObject({
      nextHopIpAddress: '10.1.1.4',
      nextHopIpAddresses: ['10.1.1.4', '10.1.1.6'],
      routeTableId: 'System Route',
    });
  });

  it('ignores Invalid rows', () => {
    expect(hop('8.8.8.8')).toMatchObject({
      addressPrefix: '0.0.0.0/0',
      nextHopType: 'VirtualNetworkGateway',
      nextHopIpAddress: '10.1.1.5',
    });
  });

  it("names the subnet's route table when a user route wins", () => {
    expect(hop('10.250.9.9')).toMatchObject({ source: 'User', nextHopType: 'None', routeTableId: '/rt' });
  });

  it('answers None when nothing matches', () => {
    const empty = nextHopFromTable({ value: [] }, parseDestination('192.0.2.1'), '192.0.2.1', null);
    expect(empty).toMatchObject({ nextHopType: 'None', nextHopIpAddress: null, addressPrefix: null });
  });

  it('refuses a destination that is not an address', () => {
    expect(() => parseDestination('10.0.0.0/8')).toThrow(/not an IP address/);
    expect(() => parseDestination('nope')).toThrow(/not an IP address/);
  });
});
