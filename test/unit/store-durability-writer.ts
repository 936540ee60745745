/**
 * Child process of store-durability.test.ts: writes through a store (SQLite
 * or etcd) in a loop and prints one line per acknowledged transaction. Each transaction
 * advances a counter to N, creates record p<N-1> and deletes p<N-11>, so any
 * committed state with counter N holds exactly p<max(0,N-10)> … p<N-1>.
 *
 *   node --import tsx test/unit/store-durability-writer.ts <db-path | etcd:URL:PREFIX>
 * stdout: "ready <N>" then "ack <N>" per acknowledged transaction.
 */

import { openEtcdStore, openSqliteStore } from '../../src/store/index.js';
import type { ResourceStore, StoreOperation } from '../../src/store/index.js';

export const COUNTER_ID =
  '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualHubs/counter';
export const WINDOW = 10;

export function peerId(n: number): string {
  return `${COUNTER_ID}/bgpConnections/p${n}`;
}

/** `etcd:http://127.0.0.1:2379:/prefix/` or a SQLite file path. */
export function storeTarget(target: string): () => Promise<ResourceStore> {
  const etcd = /^etcd:(https?:\/\/[^/]+):(\/.*)$/.exec(target);
  if (etcd === null) return () => Promise.resolve(openSqliteStore({ path: target }));
  return () => openEtcdStore({ endpoints: [etcd[1]!], prefix: etcd[2]! });
}

async function main(target: string): Promise<void> {
  const store = await storeTarget(target)();
  const counter = await store.get(COUNTER_ID);
  let n = counter === undefined ? 0 : (counter.body as { n: number }).n;
  let etag = counter?.etag;
  process.stdout.write(`ready ${n}\n`);
  for (;;) {
    const next = n + 1;
    const operations: StoreOperation[] = [
      {
        op: 'put',
        record: { id: COUNTER_ID, type: 'Microsoft.Network/virtualHubs', name: 'counter', body: { n: next } },
        ...(etag === undefined ? { mustNotExist: true } : { expectedEtag: etag }),
      },
      {
        op: 'put',
        record: {
          id: peerId(n),
          type: 'Microsoft.Network/virtualHubs/bgpConnections',
          parentId: COUNTER_ID,
          name: `p${n}`,
          body: { peerAsn: 65000 + (n % 1000), payload: 'x'.repeat(n % 512) },
        },
        mustNotExist: true,
      },
    ];
    if (n >= WINDOW) operations.push({ op: 'delete', id: peerId(n - WINDOW), mustExist: true });
    const { results } = await store.transaction(operations);
    const first = results[0]!;
    etag = first.op === 'put' ? first.record.etag : undefined;
    n = next;
    process.stdout.write(`ack ${n}\n`);
  }
}

if (process.argv[2] !== undefined) {
  main(process.argv[2]).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
