import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEtcdLiveState } from './etcd-open.js';
import { startEtcd, type EtcdServer } from './etcd-server.test-support.js';
import type { LiveEntry } from './live-state.js';

let etcd: EtcdServer;
let deployments = 0;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd.stop();
});

const fresh = () => `/routeserver-live-${++deployments}-${Date.now()}/`;
const text = (entries: readonly LiveEntry[]) =>
  entries.map(({ key, value }) => `${key}=${value?.toString('utf8') ?? '-'}`);

describe('live state in etcd', () => {
  it("shows each process the others' keys, and deletes a process's keys when it closes", async () => {
    const prefix = fresh();
    const a = await openEtcdLiveState({ endpoints: [etcd.endpoint], prefix, ttlSeconds: 5 });
    const b = await openEtcdLiveState({ endpoints: [etcd.endpoint], prefix, ttlSeconds: 5 });
    await a.publish([{ key: 's/x', value: Buffer.from('1') }]);
    const seen: string[] = [];
    await b.watch((entries) => seen.push(...text(entries)));
    expect(seen).toEqual(['s/x=1']);
    await a.publish([
      { key: 's/x', value: Buffer.from('2') },
      { key: 's/y', value: Buffer.from('3') },
    ]);
    await expect.poll(() => seen).toEqual(['s/x=1', 's/x=2', 's/y=3']);
    await a.close();
    await expect.poll(() => seen.slice(3).sort()).toEqual(['s/x=-', 's/y=-']);
    await b.close();
  });

  it('sends what is published without `bulk` before the bulk entries still waiting', async () => {
    const prefix = fresh();
    const a = await openEtcdLiveState({ endpoints: [etcd.endpoint], prefix, ttlSeconds: 5 });
    const b = await openEtcdLiveState({ endpoints: [etcd.endpoint], prefix, ttlSeconds: 5 });
    const seen: string[] = [];
    await b.watch((entries) => seen.push(...entries.map((entry) => entry.key)));
    // 250 entries: three transactions of at most 100; the first is on its way when the urgent one comes
    const bulk = Array.from({ length: 250 }, (_, i) => ({ key: `l/${i}`, value: Buffer.from('x') }));
    const written = a.publish(bulk, { bulk: true });
    await a.publish([{ key: 's/urgent', value: Buffer.from('1') }]);
    await written;
    await expect.poll(() => seen.length).toBe(251);
    expect(seen.indexOf('s/urgent')).toBe(100);
    await Promise.all([a.close(), b.close()]);
  });

  it('runs work under one name in one process at a time', async () => {
    const prefix = fresh();
    const a = await openEtcdLiveState({ endpoints: [etcd.endpoint], prefix, ttlSeconds: 5 });
    const b = await openEtcdLiveState({ endpoints: [etcd.endpoint], prefix, ttlSeconds: 5 });
    const log: string[] = [];
    let releaseA: () => void = () => undefined;
    const heldByA = new Promise<void>((resolve) => (releaseA = resolve));
    const first = a.exclusively('configuration', async () => {
      log.push('a starts');
      await heldByA;
      log.push('a ends');
    });
    await expect.poll(() => log).toEqual(['a starts']);
    const second = b.exclusively('configuration', async () => {
      log.push('b runs');
      return 'b';
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(log).toEqual(['a starts']);
    releaseA();
    expect(await second).toBe('b');
    await first;
    expect(log).toEqual(['a starts', 'a ends', 'b runs']);
    await Promise.all([a.close(), b.close()]);
  });
});
