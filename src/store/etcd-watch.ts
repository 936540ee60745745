/**
 * The etcd store's change feed: a watch of every record key (etcd-keys.ts)
 * from the revision the store opened at, with previous values, turned into
 * one ChangeBatch per etcd revision in revision order. etcd delivers all
 * events of one revision in one watch response; the client library resumes a
 * broken watch from the last revision it saw, so no commit is skipped.
 */
import type { Etcd3, IEvent, Watcher } from 'etcd3';
import { decodeRecord, type EtcdKeys } from './etcd-keys.js';
import type { ChangeBatch, ResourceChange } from './types.js';

/** How long a write waits for the feed to deliver its own revision before it resolves anyway. */
const DELIVERY_WAIT_MS = 10_000;

function toChange(event: IEvent): ResourceChange | undefined {
  const previous =
    event.prev_kv === undefined || event.prev_kv === null
      ? undefined
      : decodeRecord(event.prev_kv.value, event.prev_kv.mod_revision);
  if (event.type === 'Put') {
    return { kind: 'put', record: decodeRecord(event.kv.value, event.kv.mod_revision), previous };
  }
  return previous === undefined ? undefined : { kind: 'delete', previous };
}

/** Groups a response's events by revision, in order. */
function batchesOf(events: readonly IEvent[]): ChangeBatch[] {
  const batches: Array<{ revision: number; changes: ResourceChange[] }> = [];
  for (const event of events) {
    const change = toChange(event);
    if (change === undefined) continue;
    const revision = Number(event.kv.mod_revision);
    let batch = batches[batches.length - 1];
    if (batch === undefined || batch.revision !== revision) batches.push((batch = { revision, changes: [] }));
    batch.changes.push(change);
  }
  return batches;
}

export class EtcdChangeWatch {
  private last: number;
  private readonly waiting = new Set<{ revision: number; resolve: () => void }>();
  private listener: (batch: ChangeBatch) => void = () => undefined;

  private constructor(
    private readonly watcher: Watcher,
    openedAt: number,
  ) {
    this.last = openedAt;
    watcher.on('data', (response) => {
      for (const batch of batchesOf(response.events)) this.deliver(batch);
    });
  }

  static async start(client: Etcd3, keys: EtcdKeys, openedAt: number): Promise<EtcdChangeWatch> {
    const watcher = await client
      .watch()
      .prefix(keys.records())
      .withPreviousKV()
      .startRevision(String(openedAt + 1))
      .create();
    return new EtcdChangeWatch(watcher, openedAt);
  }

  onBatch(listener: (batch: ChangeBatch) => void): void {
    this.listener = listener;
  }

  /** Resolves once the batch of `revision` (or a later one) was delivered, or after DELIVERY_WAIT_MS. */
  delivered(revision: number): Promise<void> {
    if (revision <= this.last) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          this.waiting.delete(entry);
          resolve();
        },
      };
      const timer = setTimeout(entry.resolve, DELIVERY_WAIT_MS);
      this.waiting.add(entry);
    });
  }

  async stop(): Promise<void> {
    for (const entry of [...this.waiting]) entry.resolve();
    await this.watcher.cancel();
  }

  private deliver(batch: ChangeBatch): void {
    this.last = Math.max(this.last, batch.revision);
    this.listener(batch);
    for (const entry of [...this.waiting]) if (entry.revision <= this.last) entry.resolve();
  }
}
