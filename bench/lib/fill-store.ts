/**
 * Fills a store with resources as the domain service writes them (records of
 * src/routeserver/records.ts), in large transactions, without going through
 * the service: a benchmark's set-up then costs what the store costs.
 */
import type { ResourceInput, ResourceStore } from '../../src/store/index.js';

export const NET =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network';

const BATCH = 2000;

async function writeAll(store: ResourceStore, records: Iterable<ResourceInput>): Promise<void> {
  let batch: ResourceInput[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await store.transaction(batch.map((record) => ({ op: 'put' as const, record })));
    batch = [];
  };
  for (const record of records) {
    batch.push(record);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
}

const tracked = { location: 'local', tags: {} };

/** `tables` route tables `rt<i>`, each with `routesPerTable` VirtualAppliance routes. */
export function fillRouteTables(store: ResourceStore, tables: number, routesPerTable: number): Promise<void> {
  return writeAll(store, routeTableRecords(tables, routesPerTable));
}

function* routeTableRecords(tables: number, routesPerTable: number): Generator<ResourceInput> {
  for (let t = 0; t < tables; t++) {
    const id = `${NET}/routeTables/rt${t}`;
    yield {
      id,
      type: 'Microsoft.Network/routeTables',
      name: `rt${t}`,
      body: { ...tracked, disableBgpRoutePropagation: t % 10 === 0 },
    };
    for (let r = 0; r < routesPerTable; r++) {
      yield {
        id: `${id}/routes/r${r}`,
        type: 'Microsoft.Network/routeTables/routes',
        parentId: id,
        name: `r${r}`,
        body: {
          addressPrefix: `172.${16 + (r % 16)}.${(t >> 8) & 255}.${t & 255}/32`,
          nextHopType: 'VirtualAppliance',
          nextHopIpAddress: `10.0.0.${4 + (r % 200)}`,
        },
      };
    }
  }
}

/**
 * `vnets` VNets `vnet<i>` (10.<i>.0.0/16 … wrapping into 11.x, 12.x), each
 * with `subnetsPerVnet` /24 subnets; every third subnet uses route table
 * `rt<n>` of the `tables` stored ones (none when `tables` is 0).
 */
export function fillVirtualNetworks(
  store: ResourceStore,
  vnets: number,
  subnetsPerVnet: number,
  tables: number,
): Promise<void> {
  return writeAll(store, virtualNetworkRecords(vnets, subnetsPerVnet, tables));
}

function* virtualNetworkRecords(
  vnets: number,
  subnetsPerVnet: number,
  tables: number,
): Generator<ResourceInput> {
  let subnetNumber = 0;
  for (let v = 0; v < vnets; v++) {
    const id = `${NET}/virtualNetworks/vnet${v}`;
    const space = `${10 + (v >> 8)}.${v & 255}.0.0/16`;
    yield {
      id,
      type: 'Microsoft.Network/virtualNetworks',
      name: `vnet${v}`,
      body: { ...tracked, addressPrefixes: [space] },
    };
    for (let s = 0; s < subnetsPerVnet; s++, subnetNumber++) {
      const table =
        tables > 0 && subnetNumber % 3 === 0 ? `${NET}/routeTables/rt${subnetNumber % tables}` : null;
      yield {
        id: `${id}/subnets/s${s}`,
        type: 'Microsoft.Network/virtualNetworks/subnets',
        parentId: id,
        name: `s${s}`,
        body: { addressPrefix: `${10 + (v >> 8)}.${v & 255}.${s}.0/24`, routeTableId: table },
      };
    }
  }
}

/**
 * A hub VNet 172.16.0.0/16 with a RouteServerSubnet 172.16.0.0/26, route
 * server `rs` (instances 172.16.0.4 and .5) and `peers` BGP connections.
 */
export function fillRouteServer(store: ResourceStore, peers: number): Promise<void> {
  const vnet = `${NET}/virtualNetworks/hub`;
  const hub = `${NET}/virtualHubs/rs`;
  const records: ResourceInput[] = [
    {
      id: vnet,
      type: 'Microsoft.Network/virtualNetworks',
      name: 'hub',
      body: { ...tracked, addressPrefixes: ['172.16.0.0/16'] },
    },
    {
      id: `${vnet}/subnets/RouteServerSubnet`,
      type: 'Microsoft.Network/virtualNetworks/subnets',
      parentId: vnet,
      name: 'RouteServerSubnet',
      body: { addressPrefix: '172.16.0.0/26', routeTableId: null },
    },
    {
      id: hub,
      type: 'Microsoft.Network/virtualHubs',
      name: 'rs',
      body: {
        ...tracked,
        allowBranchToBranchTraffic: false,
        hubRoutingPreference: 'ExpressRoute',
        minCapacity: 2,
      },
    },
    {
      id: `${hub}/ipConfigurations/ipconfig1`,
      type: 'Microsoft.Network/virtualHubs/ipConfigurations',
      parentId: hub,
      name: 'ipconfig1',
      body: {
        subnetId: `${vnet}/subnets/RouteServerSubnet`,
        privateIpAddress: null,
        privateIpAllocationMethod: 'Dynamic',
        publicIpAddressId: null,
      },
    },
    ...Array.from({ length: peers }, (_, i) => ({
      id: `${hub}/bgpConnections/nva${i}`,
      type: 'Microsoft.Network/virtualHubs/bgpConnections',
      parentId: hub,
      name: `nva${i}`,
      body: { peerIp: `172.16.1.${4 + i}`, peerAsn: 65001 + i },
    })),
  ];
  return writeAll(store, records);
}
