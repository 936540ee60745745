/** The Microsoft.Network resources routeserver serves, registered on an API server over the domain service. */
import type { RouteServerService } from '../../routeserver/index.js';
import type { ApiServer } from '../server.js';
import { registerNetworkInterfaces } from './network-interfaces.js';
import { registerRouteTables } from './route-tables.js';
import { registerVirtualHubs } from './virtual-hubs.js';
import { registerVirtualNetworks } from './virtual-networks.js';

/** Registers every resource family; call before `server.listen()`. */
export function registerNetworkResources(server: ApiServer, service: RouteServerService): void {
  registerVirtualNetworks(server, service);
  registerRouteTables(server, service);
  registerNetworkInterfaces(server, service);
  registerVirtualHubs(server, service);
}
