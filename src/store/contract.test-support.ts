/**
 * The ResourceStore contract (types.ts), one suite for every backend: the
 * SQLite store (sqlite-store.test.ts) and the etcd store (etcd-store.test.ts)
 * run it as it is. Revisions are compared with the store's revision before
 * the test (`base`): a shared etcd counts every writer's revisions.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeBatch, ResourceInput, ResourceStore } from './types.js';

const RG = '/subscriptions/Sub-1/resourceGroups/RG-One/providers/Microsoft.Network';
const HUB_TYPE = 'Microsoft.Network/virtualHubs';
const PEER_TYPE = 'Microsoft.Network/virtualHubs/bgpConnections';

export function hub(name: string, body: unknown = { asn: 65515 }, group = RG): ResourceInput {
  return { id: `${group}/virtualHubs/${name}`, type: HUB_TYPE, name, body };
}

function peer(hubName: string, name: string, body: unknown = { peerAsn: 65001 }): ResourceInput {
  const parentId = `${RG}/virtualHubs/${hubName}`;
  return { id: `${parentId}/bgpConnections/${name}`, type: PEER_TYPE, parentId, name, body };
}

/** How a backend's test gives the suite an empty store, and the same one again. */
export interface StoreFixture {
  /** an empty store of its own for the next test */
  fresh(): Promise<ResourceStore>;
  /** the last fresh store's data, opened again (with a clock for createdAt/updatedAt) */
  reopen(now?: () => Date): Promise<ResourceStore>;
  /** after each test */
  cleanup(): Promise<void>;
}

export function describeStoreContract(label: string, fixture: StoreFixture): void {
  let store: ResourceStore;
  let base: number;

  beforeEach(async () => {
    store = await fixture.fresh();
    base = await store.revision();
  });

  afterEach(async () => {
    await store.close();
    await fixture.cleanup();
  });

  describe(`${label}: records`, () => {
    it('returns what was put, with etag, revision and timestamps', async () => {
      const written = await store.put(hub('rs1', { asn: 65515, ips: ['10.0.0.4'] }));
      expect(written).toMatchObject({ name: 'rs1', type: HUB_TYPE, body: { asn: 65515, ips: ['10.0.0.4'] } });
      expect(written.etag).toMatch(/^[0-9a-f-]{36}$/);
      expect(written.revision).toBe(base + 1);
      expect(written.createdAt).toBe(written.updatedAt);
      expect(await store.get(written.id)).toEqual(written);
    });

    it('finds a record whatever the case of its id, and keeps the first spelling', async () => {
      await store.put(hub('MyHub'));
      const found = await store.get(`${RG}/virtualHubs/MyHub`.toUpperCase());
      expect(found?.id).toBe(`${RG}/virtualHubs/MyHub`);
      await store.put({ ...hub('myhub'), id: `${RG}/virtualhubs/myhub`.toLowerCase() });
      const list = await store.list({ type: HUB_TYPE.toLowerCase() });
      expect(list.records).toHaveLength(1);
      expect(list.records[0]!.id).toBe(`${RG}/virtualHubs/MyHub`);
      expect(list.records[0]!.name).toBe('myhub');
    });

    it('changes the etag on update and keeps createdAt', async () => {
      let clock = Date.parse('2025-01-01T00:00:00Z');
      await store.close();
      store = await fixture.reopen(() => new Date((clock += 1000)));
      const first = await store.put(hub('rs1'));
      const second = await store.put(hub('rs1', { asn: 65515, b2b: true }));
      expect(second.etag).not.toBe(first.etag);
      expect(second.createdAt).toBe(first.createdAt);
      expect(second.updatedAt > first.updatedAt).toBe(true);
      expect(second.revision).toBe(first.revision + 1);
    });

    it('returns undefined for a missing record and for deleting one', async () => {
      expect(await store.get(`${RG}/virtualHubs/none`)).toBeUndefined();
      expect(await store.delete(`${RG}/virtualHubs/none`)).toBeUndefined();
    });

    it('deletes a record and returns it', async () => {
      const written = await store.put(hub('rs1'));
      expect(await store.delete(written.id)).toEqual(written);
      expect(await store.get(written.id)).toBeUndefined();
    });

    it('refuses ids that are not absolute paths with non-empty segments', async () => {
      for (const id of ['', 'subscriptions/x', '/a//b', '/a/b/', '/a?b']) {
        await expect(store.put({ id, type: HUB_TYPE, name: 'x', body: {} })).rejects.toMatchObject({
          code: 'BGPRS_ERR_STORE_INVALID_ID',
        });
      }
    });

    it('refuses bodies that are not JSON', async () => {
      await expect(store.put(hub('rs1', 10n))).rejects.toMatchObject({
        code: 'BGPRS_ERR_STORE_INVALID_RECORD',
      });
      await expect(store.put({ ...hub('rs1'), body: undefined })).rejects.toMatchObject({
        code: 'BGPRS_ERR_STORE_INVALID_RECORD',
      });
    });

    it('refuses to overwrite a record with one of another type', async () => {
      await store.put(hub('rs1'));
      await expect(store.put({ ...hub('rs1'), type: 'Microsoft.Network/routeTables' })).rejects.toMatchObject(
        {
          code: 'BGPRS_ERR_STORE_INVALID_RECORD',
        },
      );
    });
  });

  describe(`${label}: optimistic concurrency`, () => {
    it('writes when the expected etag matches', async () => {
      const first = await store.put(hub('rs1'));
      const second = await store.put(hub('rs1', { v: 2 }), { expectedEtag: first.etag });
      expect(second.body).toEqual({ v: 2 });
    });

    it('rejects a put with a stale etag as a conflict carrying both etags', async () => {
      const first = await store.put(hub('rs1'));
      const second = await store.put(hub('rs1', { v: 2 }));
      await expect(store.put(hub('rs1', { v: 3 }), { expectedEtag: first.etag })).rejects.toMatchObject({
        code: 'BGPRS_ERR_STORE_CONFLICT',
        expectedEtag: first.etag,
        currentEtag: second.etag,
      });
      expect((await store.get(first.id))?.body).toEqual({ v: 2 });
    });

    it('rejects a put with an expected etag when there is no record', async () => {
      await expect(store.put(hub('rs1'), { expectedEtag: 'x' })).rejects.toMatchObject({
        code: 'BGPRS_ERR_STORE_NOT_FOUND',
      });
    });

    it('rejects a create-only put when the record exists', async () => {
      await store.put(hub('rs1'));
      await expect(store.put(hub('RS1'), { mustNotExist: true })).rejects.toMatchObject({
        code: 'BGPRS_ERR_STORE_ALREADY_EXISTS',
      });
    });

    it('deletes only with the current etag', async () => {
      const first = await store.put(hub('rs1'));
      await store.put(hub('rs1', { v: 2 }));
      await expect(store.delete(first.id, { expectedEtag: first.etag })).rejects.toMatchObject({
        code: 'BGPRS_ERR_STORE_CONFLICT',
      });
      await expect(store.delete(`${RG}/virtualHubs/x`, { mustExist: true })).rejects.toMatchObject({
        code: 'BGPRS_ERR_STORE_NOT_FOUND',
      });
    });
  });

  describe(`${label}: transactions`, () => {
    it('applies every operation under one revision', async () => {
      const result = await store.transaction([
        { op: 'put', record: hub('rs1') },
        { op: 'put', record: peer('rs1', 'nva1') },
        { op: 'put', record: peer('rs1', 'nva2') },
      ]);
      expect(result.revision).toBe(base + 1);
      expect(result.results.map((r) => r.op === 'put' && r.record.revision)).toEqual([
        base + 1,
        base + 1,
        base + 1,
      ]);
      expect(await store.revision()).toBe(base + 1);
    });

    it('changes nothing when a later operation fails its precondition', async () => {
      const existing = await store.put(hub('rs1', { v: 1 }));
      const attempt = store.transaction([
        { op: 'put', record: hub('rs1', { v: 2 }), expectedEtag: existing.etag },
        { op: 'put', record: peer('rs1', 'nva1') },
        { op: 'delete', id: `${RG}/virtualHubs/absent`, mustExist: true },
      ]);
      await expect(attempt).rejects.toMatchObject({ code: 'BGPRS_ERR_STORE_NOT_FOUND', operationIndex: 2 });
      expect(await store.get(existing.id)).toEqual(existing);
      expect(await store.get(peer('rs1', 'nva1').id)).toBeUndefined();
      expect(await store.revision()).toBe(base + 1);
    });

    it('refuses the same id twice in one transaction, whatever its case', async () => {
      await expect(
        store.transaction([
          { op: 'put', record: hub('rs1') },
          { op: 'delete', id: hub('RS1').id },
        ]),
      ).rejects.toMatchObject({ code: 'BGPRS_ERR_STORE_INVALID_TRANSACTION', operationIndex: 1 });
    });

    it('does not advance the revision when nothing changed', async () => {
      await store.put(hub('rs1'));
      const result = await store.transaction([{ op: 'delete', id: `${RG}/virtualHubs/none` }]);
      expect(result.revision).toBe(base + 1);
      expect(await store.revision()).toBe(base + 1);
    });
  });

  describe(`${label}: listing`, () => {
    beforeEach(async () => {
      const otherGroup = '/subscriptions/sub-1/resourceGroups/rg-two/providers/Microsoft.Network';
      const otherSub = '/subscriptions/sub-2/resourceGroups/rg-one/providers/Microsoft.Network';
      await store.transaction([
        { op: 'put', record: hub('b') },
        { op: 'put', record: hub('a') },
        { op: 'put', record: hub('c', {}, otherGroup) },
        { op: 'put', record: hub('d', {}, otherSub) },
        { op: 'put', record: peer('a', 'p1') },
        { op: 'put', record: peer('b', 'p2') },
      ]);
    });

    it('lists by type in id order', async () => {
      const page = await store.list({ type: HUB_TYPE });
      expect(page.records.map((r) => r.name)).toEqual(['a', 'b', 'c', 'd']);
      expect(page.nextCursor).toBeUndefined();
    });

    it('lists by subscription and by resource group, case-insensitively', async () => {
      const bySub = await store.list({ type: HUB_TYPE, subscriptionId: 'SUB-1' });
      expect(bySub.records.map((r) => r.name)).toEqual(['a', 'b', 'c']);
      const byGroup = await store.list({
        type: HUB_TYPE,
        subscriptionId: 'sub-1',
        resourceGroupName: 'rg-one',
      });
      expect(byGroup.records.map((r) => r.name)).toEqual(['a', 'b']);
    });

    it('lists the children of one parent', async () => {
      const page = await store.list({ type: PEER_TYPE, parentId: hub('A').id.toUpperCase() });
      expect(page.records.map((r) => [r.name, r.parentId])).toEqual([['p1', hub('a').id]]);
    });

    it('refuses a malformed cursor, a limit below 1 and a group scope without a subscription', async () => {
      for (const query of [
        { type: HUB_TYPE, cursor: 'not a cursor!' },
        { type: HUB_TYPE, limit: 0 },
        { type: HUB_TYPE, limit: 1.5 },
        { type: HUB_TYPE, resourceGroupName: 'rg-one' },
      ])
        await expect(store.list(query)).rejects.toMatchObject({ code: 'BGPRS_ERR_STORE_INVALID_RECORD' });
    });

    it('pages with a cursor until every record was seen once', async () => {
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({
          type: HUB_TYPE,
          limit: 3,
          ...(cursor === undefined ? {} : { cursor }),
        });
        names.push(...page.records.map((r) => r.name));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      expect(names).toEqual(['a', 'b', 'c', 'd']);
    });
  });

  describe(`${label}: change feed`, () => {
    it('delivers each committed transaction once, after commit, with previous values', async () => {
      const batches: ChangeBatch[] = [];
      const unsubscribe = store.onChange((batch) => batches.push(batch));
      const first = await store.put(hub('rs1', { v: 1 }));
      await store.transaction([
        { op: 'put', record: hub('rs1', { v: 2 }) },
        { op: 'delete', id: `${RG}/virtualHubs/none` },
      ]);
      await store.delete(first.id);
      await expect(store.put(hub('x'), { expectedEtag: 'stale' })).rejects.toThrow();
      unsubscribe();
      await store.put(hub('after'));
      expect(batches.map((b) => [b.revision, b.changes.map((c) => c.kind)])).toEqual([
        [base + 1, ['put']],
        [base + 2, ['put']],
        [base + 3, ['delete']],
      ]);
      const update = batches[1]!.changes[0]!;
      expect(update.kind === 'put' && update.previous?.body).toEqual({ v: 1 });
    });

    it('keeps delivering to other listeners when one throws', async () => {
      const seen: number[] = [];
      store.onChange(() => {
        throw new Error('listener bug');
      });
      store.onChange((batch) => seen.push(batch.revision));
      await store.put(hub('rs1'));
      expect(seen).toEqual([base + 1]);
      expect(await store.get(hub('rs1').id)).toBeDefined();
    });
  });

  describe(`${label}: lifecycle`, () => {
    it('rejects every call after close', async () => {
      await store.close();
      await expect(store.get(hub('rs1').id)).rejects.toMatchObject({ code: 'BGPRS_ERR_STORE_CLOSED' });
      store = await fixture.reopen();
    });

    it('keeps its records and revision across a close and re-open', async () => {
      const written = await store.put(hub('rs1'));
      await store.close();
      store = await fixture.reopen();
      expect(await store.get(written.id)).toEqual(written);
      expect(await store.revision()).toBe(base + 1);
    });
  });
}
