import diagnostics from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { UpdateBuilder } from '../bgp/codec/index.js';
import { BgpSpeaker, SESSION_CHANNEL, type SessionEvent } from '../bgp/session/index.js';
import { formatPrefix, ipv4KeyOf, parseIpv4, parsePrefix } from '../lib/prefix.js';
import { RUNTIME_CHANNEL, type RuntimeEvent } from './events.js';
import type { InjectedRoutes, RouteServerRuntimeSpec } from './types.js';
import { WorkerRuntime } from './worker-runtime.js';
import { until } from './until.test-support.js';

const RS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualHubs/rs';
const CONNECTION = `${RS}/bgpConnections/nva`;

/** Loopback addresses of one test: 127.a.b.host */
function loopbackBlock(): (host: number) => string {
  const a = 100 + Math.floor(Math.random() * 150);
  const b = Math.floor(Math.random() * 250);
  return (host) => `127.${a}.${b}.${host}`;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function spec(ip: (host: number) => string): RouteServerRuntimeSpec {
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

/** A running route server in two worker threads, an NVA speaker dialing both instances, what they inject. */
async function routeServerWithNva() {
  const ip = loopbackBlock();
  const runtime = new WorkerRuntime({ port: 0 });
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
  const announce = (address: string, prefix: string) => {
    const builder = new UpdateBuilder(nva.peer(address)!.negotiated!.context);
    const parsed = parsePrefix(prefix);
    builder.announce({ origin: 0, asPath: [{ type: 2, asns: [65010] }], nextHop: parseIpv4(ip(10))! }, [
      ipv4KeyOf(parsed.address as number, parsed.length),
    ]);
    nva.peer(address)!.write([builder.take()]);
  };
  return { ip, runtime, nva, injected, handles, established, announce };
}

const injectedPrefixes = (injected: readonly InjectedRoutes[], instance: string) =>
  injected
    .filter((r) => r.instance === instance)
    .flatMap((r) => r.changes.map((c) => `${formatPrefix(c.prefix)} ${c.route?.nextHops.join(',') ?? '-'}`));

describe('WorkerRuntime', () => {
  it('runs each instance in a worker thread: sessions, learned routes, routes to inject, statistics', async () => {
    const { ip, runtime, injected, handles, announce } = await routeServerWithNva();
    expect(new Set(handles.map((h) => h.thread!.threadId)).size).toBe(2);
    announce(ip(4), '192.168.0.0/24');
    announce(ip(5), '192.168.0.0/24');
    await until('IN_0 and IN_1 inject it', () =>
      ['IN_0', 'IN_1'].every((i) => injectedPrefixes(injected, i).includes(`192.168.0.0/24 ${ip(10)}`)),
    );
    const learned = await runtime.learnedRoutes(RS, CONNECTION);
    expect(learned.map((r) => [r.instance, r.network, r.asPath])).toEqual([
      ['IN_0', '192.168.0.0/24', '65010'],
      ['IN_1', '192.168.0.0/24', '65010'],
    ]);
    const advertised = await runtime.advertisedRoutes(RS, CONNECTION);
    expect(advertised.map((r) => r.network)).toEqual(['10.0.0.0/16', '10.0.0.0/16']);
    const statistics = await runtime.peerStatistics();
    expect(statistics.map((s) => [s.instance, s.state, s.learned, s.advertised])).toEqual([
      ['IN_0', 'Established', 1, 1],
      ['IN_1', 'Established', 1, 1],
    ]);
  });

  it('keeps its event loop free while the main thread is blocked', async () => {
    const { runtime } = await routeServerWithNva();
    await runtime.health(); // resets the reading
    const end = Date.now() + 2000;
    while (Date.now() < end); // the main thread does nothing else for 2 s
    const health = await runtime.health();
    expect(health).toHaveLength(2);
    for (const instance of health) expect(instance.eventLoopDelayMaxMs).toBeLessThan(500);
  });

  it('forwards session events to the main thread diagnostics channel', async () => {
    const events: SessionEvent[] = [];
    const onEvent = (message: unknown) => events.push(message as SessionEvent);
    diagnostics.subscribe(SESSION_CHANNEL, onEvent);
    cleanups.push(() => {
      diagnostics.unsubscribe(SESSION_CHANNEL, onEvent);
    });
    const { ip } = await routeServerWithNva();
    await until('Established events of both instances', () =>
      [ip(4), ip(5)].every((address) =>
        events.some((e) => e.type === 'state' && e.localAddress === address && e.to === 'Established'),
      ),
    );
  });

  it('reports a failed instance thread: sessions down, its routes withdrawn, then starts it again', async () => {
    const runtimeEvents: RuntimeEvent[] = [];
    const onEvent = (message: unknown) => runtimeEvents.push(message as RuntimeEvent);
    diagnostics.subscribe(RUNTIME_CHANNEL, onEvent);
    cleanups.push(() => {
      diagnostics.unsubscribe(RUNTIME_CHANNEL, onEvent);
    });
    const { ip, runtime, nva, injected, handles, established, announce } = await routeServerWithNva();
    announce(ip(4), '192.168.0.0/24');
    await until('IN_0 injects it', () => injectedPrefixes(injected, 'IN_0').length > 0);
    await handles[0]!.thread!.terminate(); // as if the thread had died
    expect(runtime.sessionStates(RS, CONNECTION).map((s) => s.state)).toEqual(['Idle', 'Established']);
    expect(injected.at(-1)).toMatchObject({ instance: 'IN_0', withdrawAll: true, changes: [] });
    expect(runtimeEvents[0]).toMatchObject({ type: 'instance-failed', instance: 'IN_0', restartInMs: 1000 });
    await until('IN_0 started again', () => runtimeEvents.find((e) => e.type === 'instance-restarted'));
    // with port 0 the new thread listens on another port: the NVA dials that one
    nva.removePeer(ip(4));
    nva.addPeer({
      address: ip(4),
      asn: 65515,
      port: handles[0]!.port!,
      holdTimeSeconds: 9,
      idleHoldTimeSeconds: 1,
    });
    await until('both sessions Established again', established);
  });

  it('explains an address it cannot bind, and reports it instead when asked to tolerate it', async () => {
    const runtime = new WorkerRuntime({ port: 0 });
    cleanups.push(() => runtime.close());
    const unusable = spec(() => '192.0.2.1'); // TEST-NET-1: not an address of this host
    await expect(runtime.startRouteServer(unusable)).rejects.toMatchObject({
      code: 'BGPRS_ERR_RUNTIME_BGP_BIND',
      message: expect.stringMatching(/cannot listen for BGP on 192\.0\.2\.1:0 \(EADDRNOTAVAIL\)/),
    });
    const outcome = await runtime.startRouteServer(unusable, { tolerateBindFailure: true });
    expect(outcome).toMatchObject({ running: false, error: { code: 'BGPRS_ERR_RUNTIME_BGP_BIND' } });
    expect(runtime.sessionStates(RS, CONNECTION)).toEqual([]);
  });
});
