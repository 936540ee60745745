import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UpdateBuilder } from '../bgp/codec/index.js';
import { BgpSpeaker } from '../bgp/session/index.js';
import { formatPrefix, ipv4KeyOf, parseIpv4, parsePrefix } from '../lib/prefix.js';
import { WorkerRuntime } from '../runtime/index.js';
import type { InjectedRoutes } from '../runtime/index.js';
import { CONNECTION, loopbackBlock, RS, spec } from '../runtime/nva.test-support.js';
import { until } from '../runtime/until.test-support.js';
import { openEtcdLiveState } from '../store/index.js';
import { startEtcd, type EtcdServer } from '../store/etcd-server.test-support.js';
import { SharedRuntime } from './shared-runtime.js';

let etcd: EtcdServer;
let deployments = 0;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd.stop();
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A process of the deployment: a runtime running `instances`, sharing through etcd under `prefix`. */
async function process(prefix: string, instances: string[]) {
  const local = new WorkerRuntime({ port: 0, instances });
  const live = await openEtcdLiveState({ endpoints: [etcd.endpoint], prefix, ttlSeconds: 3 });
  const runtime = await SharedRuntime.open(local, live, { resyncMs: 60_000 });
  const injected: InjectedRoutes[] = [];
  runtime.onInjectedRoutes((routes) => injected.push(routes));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await runtime.close();
    await live.close();
  };
  cleanups.push(close);
  return { local, runtime, injected, close };
}

/** What `injected` says an instance injects now: prefix → next hops. */
function injectedNow(injected: readonly InjectedRoutes[], instance: string): Map<string, string> {
  const now = new Map<string, string>();
  for (const routes of injected.filter((r) => r.instance === instance))
    for (const { prefix, route } of routes.changes)
      if (route === null) now.delete(formatPrefix(prefix));
      else now.set(formatPrefix(prefix), route.nextHops.join(','));
  return now;
}

async function twoHosts() {
  const ip = loopbackBlock();
  const prefix = `/routeserver-shared-${++deployments}-${Date.now()}/`;
  const hostA = await process(prefix, ['IN_0']);
  const hostB = await process(prefix, ['IN_1']);
  for (const host of [hostA, hostB])
    expect(await host.runtime.startRouteServer(spec(ip))).toEqual({ running: true });
  const nva = await BgpSpeaker.start({
    localAddress: ip(10),
    listen: false,
    localAs: 65010,
    allowReservedPeerAsns: true,
  });
  cleanups.push(() => nva.stop());
  const [in0] = hostA.local.instanceThreads(RS);
  const [in1] = hostB.local.instanceThreads(RS);
  for (const [address, handle] of [
    [ip(4), in0!],
    [ip(5), in1!],
  ] as const)
    nva.addPeer({ address, asn: 65515, port: handle.port!, holdTimeSeconds: 9, idleHoldTimeSeconds: 1 });
  const announce = (address: string, prefixText: string) => {
    const builder = new UpdateBuilder(nva.peer(address)!.negotiated!.context);
    const parsed = parsePrefix(prefixText);
    builder.announce({ origin: 0, asPath: [{ type: 2, asns: [65010] }], nextHop: parseIpv4(ip(10))! }, [
      ipv4KeyOf(parsed.address as number, parsed.length),
    ]);
    nva.peer(address)!.write([builder.take()]);
  };
  return { ip, hostA, hostB, nva, announce };
}

describe('SharedRuntime: instances in separate processes sharing what they know through etcd', () => {
  it('runs only the instances it is told to', async () => {
    const { hostA, hostB } = await twoHosts();
    expect(hostA.local.instanceThreads(RS).map((h) => h.instance)).toEqual(['IN_0']);
    expect(hostB.local.instanceThreads(RS).map((h) => h.instance)).toEqual(['IN_1']);
  });

  it("shows each process both instances' sessions, its own and the other's as published", async () => {
    const { hostA, hostB } = await twoHosts();
    for (const host of [hostA, hostB])
      await until('both sessions Established on this host', () => {
        const states = host.runtime.sessionStates(RS, CONNECTION);
        return states.length === 2 && states.every((s) => s.state === 'Established');
      });
    expect(hostA.runtime.sessionStates(RS, CONNECTION).map((s) => s.instance)).toEqual(['IN_0', 'IN_1']);
  });

  it("injects the other instance's routes into this process's model, and learns its learned routes", async () => {
    const { ip, hostA, hostB, announce, nva } = await twoHosts();
    await until('both sessions Established', () =>
      [ip(4), ip(5)].every((address) => nva.peer(address)?.state === 'Established'),
    );
    announce(ip(5), '192.168.7.0/24');
    await until(
      'host A injects IN_1’s route',
      () => injectedNow(hostA.injected, 'IN_1').get('192.168.7.0/24') === ip(10),
    );
    expect(injectedNow(hostA.injected, 'IN_0').has('192.168.7.0/24')).toBe(false);
    await expect
      .poll(
        async () =>
          (await hostA.runtime.learnedRoutes(RS, CONNECTION)).map((r) => `${r.instance} ${r.network}`).sort(),
        { timeout: 20_000 },
      )
      .toEqual(['IN_1 192.168.7.0/24']);
    const advertised = async () =>
      (await hostA.runtime.advertisedRoutes(RS, CONNECTION)).map((r) => r.instance);
    await expect
      .poll(async () => [...new Set(await advertised())].sort(), { timeout: 20_000 })
      .toEqual(['IN_0', 'IN_1']);
    // IN_1's advertised routes were asked of host B: the VNet's space, as IN_1 sends it
    expect(
      (await hostA.runtime.advertisedRoutes(RS, CONNECTION))
        .filter((r) => r.instance === 'IN_1')
        .map((r) => `${r.network} ${r.localAddress}`),
    ).toContain(`10.0.0.0/16 ${ip(5)}`);
    expect(injectedNow(hostB.injected, 'IN_1').get('192.168.7.0/24')).toBe(ip(10));
  });

  it('withdraws what a process knew once its lease is gone, and keeps the other instance’s routes', async () => {
    const { ip, hostA, hostB, announce, nva } = await twoHosts();
    await until('both sessions Established', () =>
      [ip(4), ip(5)].every((address) => nva.peer(address)?.state === 'Established'),
    );
    announce(ip(4), '192.168.8.0/24');
    announce(ip(5), '192.168.8.0/24');
    await until('host A has the route from both instances', () =>
      ['IN_0', 'IN_1'].every((i) => injectedNow(hostA.injected, i).has('192.168.8.0/24')),
    );
    await hostB.close();
    await until(
      'IN_1’s routes and session are gone on host A',
      () =>
        injectedNow(hostA.injected, 'IN_1').size === 0 &&
        hostA.runtime.sessionStates(RS, CONNECTION).every((s) => s.instance === 'IN_0'),
    );
    expect(injectedNow(hostA.injected, 'IN_0').has('192.168.8.0/24')).toBe(true);
    // nothing runs IN_1 now: its advertised routes are not asked for
    const advertised = await hostA.runtime.advertisedRoutes(RS, CONNECTION);
    expect(new Set(advertised.map((r) => r.instance))).toEqual(new Set(['IN_0']));
  });
});
