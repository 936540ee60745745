import diagnostics from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { SESSION_CHANNEL, type SessionEvent } from '../bgp/session/index.js';
import { formatPrefix } from '../lib/prefix.js';
import { RUNTIME_CHANNEL, type RuntimeEvent } from './events.js';
import type { InjectedRoutes } from './types.js';
import { WorkerRuntime } from './worker-runtime.js';
import { until } from './until.test-support.js';
import { CONNECTION, RS, routeServerWithNva, spec } from './nva.test-support.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const injectedPrefixes = (injected: readonly InjectedRoutes[], instance: string) =>
  injected
    .filter((r) => r.instance === instance)
    .flatMap((r) => r.changes.map((c) => `${formatPrefix(c.prefix)} ${c.route?.nextHops.join(',') ?? '-'}`));

describe('WorkerRuntime', () => {
  it('runs each instance in a worker thread: sessions, learned routes, routes to inject, statistics', async () => {
    const { ip, runtime, injected, handles, announce } = await routeServerWithNva(cleanups);
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
    // one UPDATE of one prefix to each instance
    expect(statistics.map((s) => [s.updatesReceived, s.prefixesAnnounced, s.prefixesWithdrawn])).toEqual([
      [1, 1, 0],
      [1, 1, 0],
    ]);
  });

  it('with VNet programming off, learns and advertises routes but hands none to the virtual network', async () => {
    const { ip, runtime, injected, announce } = await routeServerWithNva(cleanups, { programVnet: false });
    announce(ip(4), '192.168.0.0/24');
    announce(ip(5), '192.168.0.0/24');
    // a batch of routes to inject would have crossed before the statistics that show the route learned
    for (let tries = 0; !(await runtime.peerStatistics()).every((s) => s.learned === 1); tries++) {
      if (tries === 1000) throw new Error('the instances did not learn the route');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const learned = await runtime.learnedRoutes(RS, CONNECTION);
    expect(learned.map((r) => [r.instance, r.network])).toEqual([
      ['IN_0', '192.168.0.0/24'],
      ['IN_1', '192.168.0.0/24'],
    ]);
    expect(injected).toEqual([]);
  });

  it('warms each instance thread up before it listens when asked to, and reports how long it took', async () => {
    const warmed = await routeServerWithNva(cleanups, { warmUp: true });
    const health = await warmed.runtime.health();
    expect(health.map((h) => h.instance).sort()).toEqual(['IN_0', 'IN_1']);
    for (const instance of health) expect(instance.warmUpMs).toBeGreaterThan(0);
    const cold = await routeServerWithNva(cleanups);
    for (const instance of await cold.runtime.health()) expect(instance.warmUpMs).toBeUndefined();
    // every instance thread watches its Loc-RIB for a fallen table (src/runtime/reclaim.ts); none fell here
    for (const instance of health) expect(instance.reclaims).toEqual({ collections: 0, milliseconds: 0 });
  });

  it('keeps its event loop free while the main thread is blocked', async () => {
    const { runtime } = await routeServerWithNva(cleanups);
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
    const { ip } = await routeServerWithNva(cleanups);
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
    const { ip, runtime, nva, injected, handles, established, announce } = await routeServerWithNva(cleanups);
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
