/** The Microsoft.Network resources routeserver serves, registered on an API server over the domain service. */
import type { NetworkResources, ResourceDescriptor, RouteServerService } from '../../routeserver/index.js';
import type { ApiServer } from '../server.js';
import { registerDomainResource, type WireShape } from './domain-resource.js';
import { networkInterfaceWire } from './network-interfaces.js';
import { routeTableWire, routeWire } from './route-tables.js';
import { bgpConnectionWire, ipConfigurationWire, routeServerWire } from './virtual-hubs.js';
import { peeringWire, subnetWire, virtualNetworkWire } from './virtual-networks.js';

type InputOf<D> = D extends { put(id: string, input: infer I, ...rest: never[]): unknown } ? I : never;
type ViewOf<D> = D extends { get(id: string): infer V | undefined } ? V : never;

/** The wire shape of every resource type the service serves (a type without one does not compile). */
const WIRE: {
  readonly [K in keyof NetworkResources]: WireShape<
    never,
    InputOf<NetworkResources[K]>,
    ViewOf<NetworkResources[K]>
  >;
} = {
  virtualNetworks: virtualNetworkWire,
  subnets: subnetWire,
  virtualNetworkPeerings: peeringWire,
  routeTables: routeTableWire,
  routes: routeWire,
  networkInterfaces: networkInterfaceWire,
  virtualHubs: routeServerWire,
  ipConfigurations: ipConfigurationWire,
  bgpConnections: bgpConnectionWire,
};

/** Registers every resource type's descriptor with its wire shape; call before `server.listen()`. */
export function registerNetworkResources(server: ApiServer, service: RouteServerService): void {
  for (const key of Object.keys(WIRE) as (keyof NetworkResources)[]) {
    // WIRE's type pairs each descriptor with its own shape; the loop cannot carry that pairing
    const wire = WIRE[key] as unknown as WireShape<never, never, never>;
    registerDomainResource(server, service.resources[key] as ResourceDescriptor<never, never>, wire);
  }
}
