import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStoreContract, hub } from './contract.test-support.js';
import {
  startEtcd,
  startEtcdCluster,
  type EtcdCluster,
  type EtcdServer,
} from './etcd-server.test-support.js';
import { openEtcdStore } from './etcd-open.js';
import { clientOptions } from './etcd-store.js';
import type { ChangeBatch, ResourceStore } from './types.js';

let etcd: EtcdServer;
let deployments = 0;

beforeAll(async () => {
  etcd = await startEtcd();
});

afterAll(async () => {
  await etcd.stop();
});

function etcdFixture() {
  let prefix = '';
  return {
    fresh: () => {
      prefix = `/routeserver-test-${++deployments}/`;
      return openEtcdStore({ endpoints: [etcd.endpoint], prefix });
    },
    reopen: (now?: () => Date) =>
      openEtcdStore({ endpoints: [etcd.endpoint], prefix, ...(now === undefined ? {} : { now }) }),
    cleanup: () => Promise.resolve(),
  };
}

describeStoreContract('etcd resource store', etcdFixture());

describe('etcd client options', () => {
  it('opens a broken watch again within a second, however many attempts failed before', () => {
    const first = clientOptions({ endpoints: ['http://127.0.0.1:2379'] }).faultHandling?.watchBackoff;
    expect(first).toBeDefined();
    let backoff = first!;
    const durations: number[] = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      durations.push(backoff.duration);
      backoff = backoff.next(undefined) ?? backoff;
    }
    expect(Math.max(...durations)).toBeLessThanOrEqual(1000);
    // still a backoff: the first attempts come sooner than the cap
    expect(durations[0]).toBeLessThan(1000);
  });
});

describe('etcd resource store: several processes on one etcd', () => {
  it("shows each store the other's writes, in its change feed too", async () => {
    const prefix = `/routeserver-test-${++deployments}/`;
    const [a, b] = await Promise.all([
      openEtcdStore({ endpoints: [etcd.endpoint], prefix }),
      openEtcdStore({ endpoints: [etcd.endpoint], prefix }),
    ]);
    const seenByB: ChangeBatch[] = [];
    b.onChange((batch) => seenByB.push(batch));
    const written = await a.put(hub('rs1'));
    expect(await b.get(written.id)).toEqual(written);
    await expect.poll(() => seenByB.map((batch) => batch.revision)).toEqual([written.revision]);
    await expect(b.put(hub('rs1', { v: 2 }), { expectedEtag: 'stale' })).rejects.toMatchObject({
      code: 'BGPRS_ERR_STORE_CONFLICT',
      currentEtag: written.etag,
    });
    await Promise.all([a.close(), b.close()]);
  });

  it('keeps deployments under different prefixes apart', async () => {
    const a = await openEtcdStore({
      endpoints: [etcd.endpoint],
      prefix: `/routeserver-test-${++deployments}/`,
    });
    const b = await openEtcdStore({
      endpoints: [etcd.endpoint],
      prefix: `/routeserver-test-${++deployments}/`,
    });
    await a.put(hub('rs1'));
    expect((await b.list({ type: 'Microsoft.Network/virtualHubs' })).records).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('serialises concurrent conditional writers: exactly one of them wins', async () => {
    const prefix = `/routeserver-test-${++deployments}/`;
    const stores = await Promise.all(
      [0, 1, 2, 3].map(() => openEtcdStore({ endpoints: [etcd.endpoint], prefix })),
    );
    const first = await stores[0]!.put(hub('rs1', { v: 0 }));
    const outcomes = await Promise.allSettled(
      stores.map((store, i) => store.put(hub('rs1', { v: i + 1 }), { expectedEtag: first.etag })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes.filter((o) => o.status === 'rejected'))
      expect(outcome.reason).toMatchObject({ code: 'BGPRS_ERR_STORE_CONFLICT' });
    await Promise.all(stores.map((store) => store.close()));
  });
});

describe('etcd resource store: failures', () => {
  it('answers a typed backend error naming the endpoint when etcd is down, and works again once it is back', async () => {
    const store = await openEtcdStore({
      endpoints: [etcd.endpoint],
      prefix: `/routeserver-test-${++deployments}/`,
      requestTimeoutMs: 1000,
    });
    const written = await store.put(hub('rs1'));
    await etcd.halt(true);
    try {
      const refused = await store.put(hub('rs2')).catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'BGPRS_ERR_STORE_BACKEND' });
      expect(String((refused as Error).message)).toContain(etcd.endpoint);
    } finally {
      await etcd.resume();
    }
    expect(await store.get(written.id)).toEqual(written);
    await store.put(hub('rs2'));
    await store.close();
  });

  it('refuses to open without an endpoint or with none reachable', async () => {
    await expect(openEtcdStore({ endpoints: [] })).rejects.toMatchObject({ code: 'BGPRS_ERR_STORE_BACKEND' });
    await expect(
      openEtcdStore({ endpoints: ['http://127.0.0.1:1'], requestTimeoutMs: 500 }),
    ).rejects.toMatchObject({ code: 'BGPRS_ERR_STORE_BACKEND' });
  });
});

describe('etcd resource store on a three-member cluster', () => {
  let cluster: EtcdCluster;

  beforeAll(async () => {
    cluster = await startEtcdCluster(3);
  });

  afterAll(async () => {
    await cluster.stop();
  });

  /** Resolves once the cluster answers a linearizable read again (a leader was elected). */
  async function untilServing(store: ResourceStore): Promise<void> {
    for (let tries = 0; ; tries++) {
      try {
        await store.revision();
        return;
      } catch (error) {
        if (tries >= 60) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  it('answers every write while each member in turn, the leader among them, is killed', async () => {
    // the default deadline and retry budget (5 s, 10 s in all), which the docs promise this of
    const store = await openEtcdStore({ endpoints: cluster.endpoints });
    try {
      for (const [index, member] of cluster.members.entries()) {
        await member.halt(true);
        try {
          const written = await store.put(hub(`each${index}`));
          expect(await store.get(written.id)).toEqual(written);
        } finally {
          await member.resume();
        }
        await untilServing(store);
      }
      const names = (await store.list({ type: 'Microsoft.Network/virtualHubs' })).records.map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['each0', 'each1', 'each2']));
    } finally {
      await store.close();
    }
  });

  it('goes on with one member lost, refuses writes without quorum, and loses nothing', async () => {
    // default deadline and retry budget: the refusal without quorum comes after the 10 s budget
    const store = await openEtcdStore({ endpoints: cluster.endpoints });
    const [first, second] = cluster.members;
    try {
      const before = await store.put(hub('rs1'));
      await first!.halt(true);
      const during = await store.put(hub('rs2'));
      expect(await store.get(before.id)).toEqual(before);
      await second!.halt(true);
      await expect(store.put(hub('rs3'))).rejects.toMatchObject({ code: 'BGPRS_ERR_STORE_BACKEND' });
      await Promise.all([first!.resume(), second!.resume()]);
      await untilServing(store);
      expect(await store.get(before.id)).toEqual(before);
      expect(await store.get(during.id)).toEqual(during);
      expect(await store.get(hub('rs3').id)).toBeUndefined();
      await store.put(hub('rs3'));
    } finally {
      await store.close();
    }
  });
});
