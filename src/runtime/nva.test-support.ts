/**
 * A route server running in a WorkerRuntime (both instances in worker
 * threads on loopback addresses) with an NVA speaker of our own dialing both
 * instances: for the runtime's and the metrics' tests.
 */
import { expect } from 'vitest';
import { UpdateBuilder } from '../bgp/codec/index.js';
import { BgpSpeaker } from '../bgp/session/index.js';
import { ipv4KeyOf, parseIpv4, parsePrefix } from '../lib/prefix.js';
import type { InjectedRoutes, RouteServerRuntimeSpec } from './types.js';
import { WorkerRuntime, type WorkerRuntimeOptions } from './worker-runtime.js';
import { until } from './until.test-support.js';

export const RS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualHubs/rs';
export const CONNECTION = `${RS}/bgpConnections/nva`;

/** Loopback addresses of one test: 127.a.b.host */
export function loopbackBlock(): (host: number) => string {
  const a = 100 + Math.floor(Math.random() * 150);
  const b = Math.floor(Math.random() * 250);
  return (host) => `127.${a}.${b}.${host}`;
}

export function spec(ip: (host: number) => string): RouteServerRuntimeSpec {
  return {
    routeServerId: RS,
    asn: 65515,
    instances: [
      { instance: 'IN_0', address: ip(4) },
      { instance: 'IN_1', address: ip(5) },
    ],
    addressSpaces: ['10.0.0.0/16'],
    peers: [{ connectionId: CONNECTION, peerIp: ip(10), peerAsn: 65010 }],
    settings: {
      allowBranchToBranchTraffic: false,
      hubRoutingPreference: 'ExpressRoute',
      maxRoutesPerPeer: 4000,
    },
  };
}

/** A running route server in two worker threads, an NVA speaker dialing both instances, what they inject; `cleanups` gets their stops. */
export async function routeServerWithNva(
  cleanups: (() => Promise<void> | void)[],
  options: Omit<WorkerRuntimeOptions, 'port'> = {},
) {
  const ip = loopbackBlock();
  const runtime = new WorkerRuntime({ ...options, port: 0 });
  cleanups.push(() => runtime.close());
  const injected: InjectedRoutes[] = [];
  runtime.onInjectedRoutes((routes) => injected.push(routes));
  expect(await runtime.startRouteServer(spec(ip))).toEqual({ running: true });
  const nva = await BgpSpeaker.start({
    localAddress: ip(10),
    listen: false,
    localAs: 65010,
    allowReservedPeerAsns: true,
  });
  cleanups.push(() => nva.stop());
  const handles = runtime.instanceThreads(RS);
  for (const [i, handle] of handles.entries())
    nva.addPeer({
      address: ip(4 + i),
      asn: 65515,
      port: handle.port!,
      holdTimeSeconds: 9,
      idleHoldTimeSeconds: 1,
    });
  const established = () =>
    runtime.sessionStates(RS, CONNECTION).every((s) => s.state === 'Established') &&
    [ip(4), ip(5)].every((address) => nva.peer(address)?.state === 'Established');
  await until('both sessions Established', established);
  const keyOf = (prefix: string) => {
    const parsed = parsePrefix(prefix);
    return ipv4KeyOf(parsed.address as number, parsed.length);
  };
  /** one UPDATE from the NVA to the instance at `address` announcing `prefixes` */
  const announce = (address: string, ...prefixes: string[]) => {
    const builder = new UpdateBuilder(nva.peer(address)!.negotiated!.context);
    builder.announce(
      { origin: 0, asPath: [{ type: 2, asns: [65010] }], nextHop: parseIpv4(ip(10))! },
      prefixes.map(keyOf),
    );
    nva.peer(address)!.write([builder.take()]);
  };
  /** one UPDATE from the NVA to the instance at `address` withdrawing `prefixes` */
  const withdraw = (address: string, ...prefixes: string[]) => {
    const builder = new UpdateBuilder(nva.peer(address)!.negotiated!.context);
    builder.withdraw(prefixes.map(keyOf));
    nva.peer(address)!.write([builder.take()]);
  };
  return { ip, runtime, nva, injected, handles, established, announce, withdraw };
}
