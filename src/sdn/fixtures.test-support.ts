/**
 * A small hub-and-spoke network shared by the sdn tests:
 * - hub 10.0.0.0/16 with RouteServerSubnet 10.0.1.0/26, nva 10.0.2.0/24, app 10.0.3.0/24, and route server `rs`;
 * - spoke1 10.1.0.0/16 (workload 10.1.1.0/24) using the hub's route server (useRemoteGateways + allowGatewayTransit);
 * - spoke2 10.2.0.0/16 (workload 10.2.1.0/24) peered with the hub without useRemoteGateways.
 */
import { parsePrefix } from '../lib/prefix.js';
import type { RouteChange, RouteServerBinding } from './bgp-input.js';
import { VirtualNetworkModel } from './model.js';
import type { EffectiveRoute } from './types.js';
import { formatPrefix } from '../lib/prefix.js';
import { RouteEngine } from '../rib/engine.js';
import { pathAttributes, peerInfo, updateOf, withdrawalOf } from '../rib/fixtures.test-support.js';

export const p = (text: string) => parsePrefix(text);

export interface HubAndSpokes {
  readonly model: VirtualNetworkModel;
  readonly rs: RouteServerBinding;
}

export function hubAndSpokes(name = 'test'): HubAndSpokes {
  const model = new VirtualNetworkModel({ name });
  model.createVirtualNetwork({ id: 'hub', addressSpaces: [p('10.0.0.0/16')] });
  model.createSubnet({ vnetId: 'hub', name: 'RouteServerSubnet', addressPrefix: p('10.0.1.0/26') });
  model.createSubnet({ vnetId: 'hub', name: 'nva', addressPrefix: p('10.0.2.0/24') });
  model.createSubnet({ vnetId: 'hub', name: 'app', addressPrefix: p('10.0.3.0/24') });
  const rs = model.attachRouteServer({ id: 'rs', vnetId: 'hub' });
  model.createVirtualNetwork({ id: 'spoke1', addressSpaces: [p('10.1.0.0/16')] });
  model.createSubnet({ vnetId: 'spoke1', name: 'workload', addressPrefix: p('10.1.1.0/24') });
  model.createVirtualNetwork({ id: 'spoke2', addressSpaces: [p('10.2.0.0/16')] });
  model.createSubnet({ vnetId: 'spoke2', name: 'workload', addressPrefix: p('10.2.1.0/24') });
  model.createPeering({
    id: 'hub-to-spoke1',
    localVnetId: 'hub',
    remoteVnetId: 'spoke1',
    allowGatewayTransit: true,
  });
  model.createPeering({
    id: 'spoke1-to-hub',
    localVnetId: 'spoke1',
    remoteVnetId: 'hub',
    useRemoteGateways: true,
  });
  model.createPeering({
    id: 'hub-to-spoke2',
    localVnetId: 'hub',
    remoteVnetId: 'spoke2',
    allowGatewayTransit: true,
  });
  model.createPeering({ id: 'spoke2-to-hub', localVnetId: 'spoke2', remoteVnetId: 'hub' });
  model.createNetworkInterface({ id: 'nva1', subnetId: 'hub/subnets/nva', privateIpAddress: '10.0.2.4' });
  model.createNetworkInterface({ id: 'nva2', subnetId: 'hub/subnets/nva', privateIpAddress: '10.0.2.5' });
  model.createNetworkInterface({ id: 'app-vm', subnetId: 'hub/subnets/app', privateIpAddress: '10.0.3.4' });
  model.createNetworkInterface({
    id: 'spoke1-vm',
    subnetId: 'spoke1/subnets/workload',
    privateIpAddress: '10.1.1.4',
  });
  model.createNetworkInterface({
    id: 'spoke2-vm',
    subnetId: 'spoke2/subnets/workload',
    privateIpAddress: '10.2.1.4',
  });
  return { model, rs };
}

/** An injected route change as the route engine sends it. */
export function injected(prefix: string, ...nextHops: string[]): RouteChange {
  return { prefix: p(prefix), route: nextHops.length === 0 ? null : { nextHops } };
}

/** Compact text rows: "source state prefix nextHopType [ips]". */
export function rows(routes: readonly EffectiveRoute[]): string[] {
  return routes.map(
    (r) =>
      `${r.source} ${r.state} ${r.addressPrefixes.map(formatPrefix).join(',')} ${r.nextHopType}` +
      (r.nextHopIpAddresses.length > 0 ? ` ${r.nextHopIpAddresses.join(',')}` : ''),
  );
}

/** The rows of a table for one prefix. */
export function rowsFor(routes: readonly EffectiveRoute[], prefix: string): string[] {
  return rows(routes.filter((r) => r.addressPrefixes.some((a) => formatPrefix(a) === prefix)));
}

/**
 * The route server's two instances (IN_0, IN_1) as real route engines
 * (src/rib) with the binding as their view of the VNet and their sink; each
 * has one NVA session per address of `hops`, the address being the next hop.
 * Work runs when `settle` is called, so tests stay synchronous.
 */
export class Instances {
  private readonly engines = new Map<string, RouteEngine>();
  private readonly queued: (() => void)[] = [];

  constructor(
    rs: RouteServerBinding,
    private readonly hops: readonly string[],
  ) {
    for (const [instance, localAddress] of [
      ['IN_0', '10.0.1.4'],
      ['IN_1', '10.0.1.5'],
    ] as const) {
      const engine = new RouteEngine({
        instance,
        localAddress,
        network: rs,
        sink: rs,
        schedule: (task) => this.queued.push(task),
      });
      hops.forEach((hop, i) =>
        engine.peerUp(hop, peerInfo(hop, 65001 + i), { send: () => true, onDrain: () => {} }),
      );
      this.engines.set(instance, engine);
    }
    this.settle();
  }

  /** The instance's Loc-RIB gets `prefix` from the NVAs at `nextHops` (none: withdrawn), ECMP among them. */
  learn(instance: string, prefix: string, ...nextHops: string[]): void {
    const engine = this.engines.get(instance)!;
    this.hops.forEach((hop, i) => {
      const update = nextHops.includes(hop)
        ? updateOf(pathAttributes([65001 + i], hop), [prefix])
        : withdrawalOf([prefix]);
      engine.receiveUpdate(hop, update);
    });
    this.settle();
  }

  /** Runs queued engine work to the end (address-space re-checks included). */
  settle(): void {
    for (let task = this.queued.shift(); task; task = this.queued.shift()) task();
  }
}
