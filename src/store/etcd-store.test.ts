import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStoreContract, hub } from './contract.test-support.js';
import { startEtcd, type EtcdServer } from './etcd-server.test-support.js';
import { openEtcdStore } from './etcd-open.js';
import type { ChangeBatch } from './types.js';

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
