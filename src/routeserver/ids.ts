/**
 * Resource ids as the domain service uses them. Ids are ARM-style paths
 * (`/subscriptions/…/providers/Microsoft.Network/virtualNetworks/hub/subnets/app`),
 * compared case-insensitively (the store's `idKey`). The virtual network model
 * gets the keys as its ids, except subnets, which sdn names
 * `<vnet key>/subnets/<name as first written>` (it checks the name
 * `RouteServerSubnet`).
 */
import { idKey, idScope } from '../store/index.js';
import type { ListScope } from './types.js';

export const TYPES = {
  routeServer: 'Microsoft.Network/virtualHubs',
  ipConfiguration: 'Microsoft.Network/virtualHubs/ipConfigurations',
  bgpConnection: 'Microsoft.Network/virtualHubs/bgpConnections',
  routeMap: 'Microsoft.Network/virtualHubs/routeMaps',
  virtualNetwork: 'Microsoft.Network/virtualNetworks',
  subnet: 'Microsoft.Network/virtualNetworks/subnets',
  peering: 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings',
  routeTable: 'Microsoft.Network/routeTables',
  route: 'Microsoft.Network/routeTables/routes',
  networkInterface: 'Microsoft.Network/networkInterfaces',
  virtualNetworkGateway: 'Microsoft.Network/virtualNetworkGateways',
  localNetworkGateway: 'Microsoft.Network/localNetworkGateways',
  connection: 'Microsoft.Network/connections',
  expressRouteCircuit: 'Microsoft.Network/expressRouteCircuits',
  circuitPeering: 'Microsoft.Network/expressRouteCircuits/peerings',
  publicIpAddress: 'Microsoft.Network/publicIPAddresses',
} as const;

export type ResourceType = (typeof TYPES)[keyof typeof TYPES];

export { idKey };

/** The last path segment: the resource's own name. */
export function nameFromId(id: string): string {
  return id.slice(id.lastIndexOf('/') + 1);
}

/** The parent id of a child resource (drops `/{childType}/{name}`). */
export function parentIdOf(id: string): string {
  const parts = id.split('/');
  return parts.slice(0, -2).join('/');
}

export function childId(parentId: string, childType: string, name: string): string {
  return `${parentId}/${childType}/${name}`;
}

/** The sdn id of a subnet: `<vnet key>/subnets/<name>`. */
export function sdnSubnetId(virtualNetworkId: string, subnetName: string): string {
  return `${idKey(virtualNetworkId)}/subnets/${subnetName}`;
}

export function inScope(id: string, scope: ListScope): boolean {
  const { subscriptionKey, resourceGroupKey } = idScope(id);
  if (subscriptionKey !== scope.subscriptionId.toLowerCase()) return false;
  return scope.resourceGroupName === undefined || resourceGroupKey === scope.resourceGroupName.toLowerCase();
}
