/**
 * Runs the route server's two instances (speaker + route engine each) in a
 * child process inside a lab namespace, for the route-engine interop test:
 * `node --import tsx rib-host.ts CONFIG.json DIR`.
 *
 * CONFIG.json: `{ "instances": [{ "instance", "address" }], "peers": [PeerOptions…], "routeLimit",
 * "outputLagLimit"?, "summary"? }`.
 * The virtual network is the real sdn model: hub VNet 10.0.0.0/16
 * (RouteServerSubnet 10.0.0.0/26, nva 10.0.1.0/24) and a spoke 10.1.0.0/16
 * using the hub's route server; both instances inject into its binding.
 *
 * Writes DIR/events.jsonl (session state changes and NOTIFICATIONs, from the
 * session diagnostics channel) and, every 200 ms, DIR/state.json: the routes
 * the VNet programs, and per instance and peer the learned (with rejected)
 * and advertised routes; with `summary: true` (tables of 100,000s of routes)
 * only counts: per instance the engine's counters, the routes it injects
 * and the journal bytes it holds, and per peer the routes learned and advertised.
 * SIGTERM stops both instances and exits.
 */
import diagnostics from 'node:diagnostics_channel';
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parsePrefix } from '../../../src/lib/prefix.js';
import { formatPrefix } from '../../../src/lib/prefix.js';
import { SESSION_CHANNEL } from '../../../src/bgp/session/index.js';
import type { PeerOptions, SessionEvent } from '../../../src/bgp/session/index.js';
import { VirtualNetworkModel } from '../../../src/sdn/index.js';
import { RouteServerInstance } from '../../../src/runtime/instance.js';

interface HostConfig {
  instances: { instance: string; address: string }[];
  peers: PeerOptions[];
  routeLimit: number;
  outputLagLimit?: number;
  summary?: boolean;
}

const [configPath, dir] = process.argv.slice(2);
if (!configPath || !dir) throw new Error('usage: rib-host.ts CONFIG.json DIR');
const config = JSON.parse(readFileSync(configPath, 'utf8')) as HostConfig;
const eventsPath = path.join(dir, 'events.jsonl');

diagnostics.subscribe(SESSION_CHANNEL, (message) => {
  const event = message as SessionEvent;
  if (event.type === 'state') {
    const { type, localAddress, peer, from, to } = event;
    emit({ type, localAddress, peer, from, to, reason: event.reason?.code });
  } else if (event.type === 'notification-sent' || event.type === 'notification-received') {
    const { code, subcode, data } = event.notification;
    emit({
      type: event.type,
      localAddress: event.localAddress,
      peer: event.peer,
      code,
      subcode,
      data: [...data],
    });
  }
});

function emit(record: Record<string, unknown>): void {
  appendFileSync(eventsPath, JSON.stringify({ at: Date.now(), ...record }) + '\n');
}

const model = new VirtualNetworkModel({ name: 'rib-interop' });
model.createVirtualNetwork({ id: 'hub', addressSpaces: [parsePrefix('10.0.0.0/16')] });
model.createSubnet({ vnetId: 'hub', name: 'RouteServerSubnet', addressPrefix: parsePrefix('10.0.0.0/26') });
model.createSubnet({ vnetId: 'hub', name: 'nva', addressPrefix: parsePrefix('10.0.1.0/24') });
const binding = model.attachRouteServer({ id: 'rs', vnetId: 'hub' });
model.createVirtualNetwork({ id: 'spoke', addressSpaces: [parsePrefix('10.1.0.0/16')] });
model.createPeering({
  id: 'hub-to-spoke',
  localVnetId: 'hub',
  remoteVnetId: 'spoke',
  allowGatewayTransit: true,
});
model.createPeering({
  id: 'spoke-to-hub',
  localVnetId: 'spoke',
  remoteVnetId: 'hub',
  useRemoteGateways: true,
});

const instances: RouteServerInstance[] = [];
for (const spec of config.instances) {
  const instance = await RouteServerInstance.start({
    instance: spec.instance,
    address: spec.address,
    network: binding,
    sink: binding,
    routeLimit: config.routeLimit,
    ...(config.outputLagLimit !== undefined ? { outputLagLimit: config.outputLagLimit } : {}),
  });
  instances.push(instance);
  for (const peer of config.peers) instance.addPeer(peer);
}

function writeState(): void {
  const perInstance = (view: (i: RouteServerInstance, peer: string) => unknown) =>
    Object.fromEntries(
      instances.map((i) => [
        i.options.instance,
        Object.fromEntries(config.peers.map((p) => [p.address, view(i, p.address)])),
      ]),
    );
  const state = config.summary ? summary(perInstance) : detail(perInstance);
  const file = path.join(dir!, 'state.json');
  writeFileSync(file + '.tmp', JSON.stringify(state));
  renameSync(file + '.tmp', file);
}

type PerInstance = (view: (i: RouteServerInstance, peer: string) => unknown) => unknown;

function summary(perInstance: PerInstance): unknown {
  return {
    engines: Object.fromEntries(
      instances.map((i) => [
        i.options.instance,
        {
          counters: i.engine.counters,
          injected: i.engine.injectedSize,
          journalBytes: i.engine.journalBytes,
        },
      ]),
    ),
    peers: perInstance((i, peer) => i.engine.peerCounters(peer) ?? null),
  };
}

function detail(perInstance: PerInstance): unknown {
  return {
    injected: binding.injectedRoutes().map((r) => ({ prefix: formatPrefix(r.prefix), nextHops: r.nextHops })),
    learned: perInstance((i, peer) => i.engine.learnedRoutes(peer, { includeRejected: true })),
    advertised: perInstance((i, peer) => i.advertisedRoutes(peer)),
  };
}
const timer = setInterval(writeState, 200);
emit({ type: 'ready', pid: process.pid });

process.on('SIGTERM', () => {
  clearInterval(timer);
  void Promise.all(instances.map((i) => i.stop('interop test finished'))).finally(() => process.exit(0));
});
