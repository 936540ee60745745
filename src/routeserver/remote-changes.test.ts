import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parsePrefix } from '../lib/prefix.js';
import { openEtcdStore } from '../store/index.js';
import { startEtcd, type EtcdServer } from '../store/etcd-server.test-support.js';
import {
  connectionId,
  hubId,
  hubWithRouteServer,
  nicId,
  RecordingRuntime,
  subnetId,
  vnetId,
} from './fixtures.test-support.js';
import { RouteServerService } from './service.js';

let etcd: EtcdServer;
let deployments = 0;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd.stop();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two API processes' services on one etcd deployment, each with a recording runtime. */
async function twoProcesses() {
  const prefix = `/routeserver-remote-${++deployments}-${Date.now()}/`;
  const open = async () => {
    const store = await openEtcdStore({ endpoints: [etcd.endpoint], prefix });
    const runtime = new RecordingRuntime();
    const service = await RouteServerService.open({ store, runtime, followOtherProcesses: true });
    cleanups.push(async () => {
      await service.close();
      await store.close();
    });
    return { store, runtime, service };
  };
  return { a: await open(), b: await open() };
}

describe("other processes' writes, from the store's change feed", () => {
  it('shows what another process wrote, with its etags, and its deletes', async () => {
    const { a, b } = await twoProcesses();
    await hubWithRouteServer(a.service);
    await b.service.otherProcessesApplied();
    const seenByA = a.service.resources.virtualNetworks.get(vnetId('hub'))!;
    await expect.poll(() => b.service.resources.virtualNetworks.get(vnetId('hub'))?.etag).toBe(seenByA.etag);
    expect(b.service.resources.virtualNetworks.get(vnetId('hub'))!.subnets.map((s) => s.name)).toEqual([
      'app',
      'nva',
      'RouteServerSubnet',
    ]);
    await a.service.resources.subnets.delete(subnetId('hub', 'app'));
    await expect.poll(() => b.service.resources.subnets.get(subnetId('hub', 'app'))).toBeUndefined();
  });

  it("starts a peer's sessions on the other process's runtime", async () => {
    const { a, b } = await twoProcesses();
    await hubWithRouteServer(a.service);
    await expect.poll(() => b.runtime.calls.filter((c) => c.startsWith('start'))).toHaveLength(1);
    await a.service.resources.bgpConnections.put(connectionId('rs', 'nva1'), {
      peerIp: '10.0.2.4',
      peerAsn: 65001,
    });
    await expect.poll(() => b.runtime.calls).toContain('add 10.0.2.4 65001');
    await b.service.resources.bgpConnections.delete(connectionId('rs', 'nva1'));
    await expect.poll(() => a.runtime.calls).toContain('remove nva1');
    expect(a.service.resources.virtualHubs.get(hubId('rs'))!.bgpConnectionIds).toEqual([]);
  });

  it("computes effective routes from the other process's NICs and the routes this one learns", async () => {
    const { a, b } = await twoProcesses();
    await hubWithRouteServer(a.service);
    await a.service.resources.networkInterfaces.put(nicId('vm1'), { subnetId: subnetId('hub', 'app') });
    await expect
      .poll(() => b.service.resources.networkInterfaces.get(nicId('vm1'))?.privateIpAddress)
      .toBe('10.0.3.4');
    b.runtime.inject({
      routeServerId: hubId('rs'),
      instance: 'IN_1',
      changes: [{ prefix: parsePrefix('10.250.0.0/16'), route: { nextHops: ['10.0.2.4'] } }],
    });
    const table = await b.service.resources.networkInterfaces.actions.effectiveRouteTable!(nicId('vm1'));
    expect(JSON.stringify(table)).toContain('10.250.0.0/16');
  });

  it('lets a write with the etag another process returned succeed here', async () => {
    const { a, b } = await twoProcesses();
    await hubWithRouteServer(a.service);
    const etag = a.service.resources.virtualHubs.get(hubId('rs'))!.etag;
    await expect.poll(() => b.service.resources.virtualHubs.get(hubId('rs'))?.etag).toBe(etag);
    const updated = await b.service.resources.virtualHubs.put(
      hubId('rs'),
      { allowBranchToBranchTraffic: true },
      { expectedEtags: [etag] },
    );
    await expect
      .poll(() => a.service.resources.virtualHubs.get(hubId('rs'))?.etag)
      .toBe(updated.resource.etag);
    expect(a.service.resources.virtualHubs.get(hubId('rs'))!.allowBranchToBranchTraffic).toBe(true);
  });
});
