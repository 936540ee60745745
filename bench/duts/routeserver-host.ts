/**
 * routeserver as a DUT: one route-server instance (`RouteServerInstance`
 * of src/routeserver: a `BgpSpeaker` wired to a `RouteEngine`) with the virtual
 * network model (sdn) programming every injected route into the VNet's
 * effective routes ("vnet": true, the real job) or a sink that drops them
 * ("vnet": false). Runs inside the DUT namespace:
 *
 *   node --import tsx bench/duts/routeserver-host.ts <control.sock> <config.json>
 *
 * config: { address, asn, routeLimit, vnet, nics, monitor: { address, asn }, peers: [{ address, asn }] }
 * The control socket answers `learned` (routes held from the injectors).
 */
import { readFileSync } from 'node:fs';
import { parsePrefix } from '../../src/lib/prefix.js';
import type { Prefix } from '../../src/lib/prefix.js';
import type { InjectedRouteSink, VirtualNetworkView } from '../../src/rib/index.js';
import { RouteServerInstance } from '../../src/runtime/instance.js';
import { VirtualNetworkModel } from '../../src/sdn/index.js';
import { serveControl } from '../harness/control.js';

interface HostConfig {
  address: string;
  asn: number;
  routeLimit: number;
  vnet: boolean;
  /** workload NICs whose effective routes the VNet keeps */
  nics: number;
  monitor: { address: string; asn: number };
  peers: { address: string; asn: number }[];
}

const VNET = '10.0.0.0/16';

function network(config: HostConfig): { view: VirtualNetworkView; sink: InjectedRouteSink } {
  if (!config.vnet) {
    const spaces: readonly Prefix[] = [parsePrefix(VNET)];
    const vnet = spaces[0]!;
    return {
      view: {
        advertisedAddressSpaces: () => spaces,
        isInjectable: (p) =>
          !(
            p.family === 4 &&
            vnet.family === 4 &&
            p.length >= 16 &&
            p.address >>> 16 === vnet.address >>> 16
          ),
        onAddressSpacesChanged: () => () => undefined,
      },
      sink: { applyInjectedRoutes: () => undefined },
    };
  }
  const model = new VirtualNetworkModel({ name: 'bench' });
  model.createVirtualNetwork({ id: 'vnet', addressSpaces: [parsePrefix(VNET)] });
  model.createSubnet({
    vnetId: 'vnet',
    name: 'RouteServerSubnet',
    addressPrefix: parsePrefix('10.0.0.0/26'),
  });
  model.createSubnet({ vnetId: 'vnet', name: 'nva', addressPrefix: parsePrefix('10.0.1.0/24') });
  model.createSubnet({ vnetId: 'vnet', name: 'monitor', addressPrefix: parsePrefix('10.0.2.0/24') });
  const workload = model.createSubnet({
    vnetId: 'vnet',
    name: 'workload',
    addressPrefix: parsePrefix('10.0.16.0/20'),
  });
  for (let i = 0; i < config.nics; i++) {
    model.createNetworkInterface({
      id: `vm${i}`,
      subnetId: workload.id,
      privateIpAddress: `10.0.${16 + ((i + 4) >> 8)}.${(i + 4) & 255}`,
    });
  }
  const binding = model.attachRouteServer({ id: 'rs', vnetId: 'vnet' });
  return { view: binding, sink: binding };
}

async function main(): Promise<void> {
  const [controlPath, configPath] = process.argv.slice(2);
  if (!controlPath || !configPath) throw new Error('usage: routeserver-host.ts <control.sock> <config.json>');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as HostConfig;
  const { view, sink } = network(config);
  const instance = await RouteServerInstance.start({
    instance: 'IN_0',
    address: config.address,
    asn: config.asn,
    routeLimit: config.routeLimit,
    network: view,
    sink,
  });
  for (const p of [...config.peers, config.monitor]) {
    instance.addPeer({ address: p.address, asn: p.asn, passive: true, holdTimeSeconds: 180 });
  }
  serveControl(controlPath, () => ({
    learned: config.peers.reduce((n, p) => n + (instance.engine.peerCounters(p.address)?.accepted ?? 0), 0),
    locRib: instance.engine.locRibSize,
  }));
  const stop = (): void => {
    void instance.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

await main();
