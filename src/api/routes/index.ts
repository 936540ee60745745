/** The Microsoft.Network resources routeserver serves, registered on an API server over the domain service. */
import type { NetworkResources, ResourceDescriptor, RouteServerService } from '../../routeserver/index.js';
import type { ApiServer } from '../server.js';
import { registerDomainResource, type WireSchemas } from './domain-resource.js';
import {
  circuitPeeringSchemas,
  connectionSchemas,
  expressRouteCircuitSchemas,
  localNetworkGatewaySchemas,
  virtualNetworkGatewaySchemas,
} from './gateways.js';
import { networkInterfaceSchemas } from './network-interfaces.js';
import { registerResourceGroupRoutes } from './resource-groups.js';
import { publicIpAddressSchemas } from './public-ip-addresses.js';
import { routeSchemas, routeTableSchemas } from './route-tables.js';
import {
  bgpConnectionSchemas,
  ipConfigurationSchemas,
  routeMapSchemas,
  routeServerSchemas,
} from './virtual-hubs.js';
import { peeringSchemas, subnetSchemas, virtualNetworkSchemas } from './virtual-networks.js';
import { virtualRouterPeeringSchemas, virtualRouterSchemas } from './virtual-routers.js';

/** The schemas of every resource type the service serves (a type without them does not compile). */
const SCHEMAS: { readonly [K in keyof NetworkResources]: WireSchemas } = {
  virtualNetworks: virtualNetworkSchemas,
  subnets: subnetSchemas,
  virtualNetworkPeerings: peeringSchemas,
  routeTables: routeTableSchemas,
  routes: routeSchemas,
  networkInterfaces: networkInterfaceSchemas,
  virtualHubs: routeServerSchemas,
  ipConfigurations: ipConfigurationSchemas,
  bgpConnections: bgpConnectionSchemas,
  routeMaps: routeMapSchemas,
  virtualNetworkGateways: virtualNetworkGatewaySchemas,
  localNetworkGateways: localNetworkGatewaySchemas,
  connections: connectionSchemas,
  expressRouteCircuits: expressRouteCircuitSchemas,
  circuitPeerings: circuitPeeringSchemas,
  publicIPAddresses: publicIpAddressSchemas,
  virtualRouters: virtualRouterSchemas,
  virtualRouterPeerings: virtualRouterPeeringSchemas,
};

/** Registers every resource type's descriptor with its schemas; call before `server.listen()`. */
export function registerNetworkResources(server: ApiServer, service: RouteServerService): void {
  // finished operations' status in the store: it answers after a restart and on every API process
  server.operations.persistTo({
    save: (state) => service.operations.save(state),
    load: (subscriptionId, id) => service.operations.load(subscriptionId, id),
  });
  for (const key of Object.keys(SCHEMAS) as (keyof NetworkResources)[]) {
    // each descriptor's body, input and view types differ; the loop cannot carry that pairing
    const resource = service.resources[key] as unknown as ResourceDescriptor<unknown, unknown, unknown>;
    registerDomainResource(server, resource, SCHEMAS[key], service.resourceGroups);
  }
  const types = Object.values(service.resources).map((resource) => resource.types.join('/'));
  registerResourceGroupRoutes(server.app, service.resourceGroups, server.lro, () => types);
}
