/**
 * Finished long-running operations in the store, so that a status URL the
 * API handed out still answers after a restart of the process that ran the
 * operation, and on any API process sharing the store (docs/ha.md). The API
 * keeps running operations in memory (src/api/lro.ts) and saves each one
 * here when it finishes; a status it does not hold in memory is looked up
 * here.
 *
 * One record per operation, `/subscriptions/{id}/providers/Microsoft.Network/operations/{operation id}`,
 * its body the operation's state as the API gives it (plain JSON, opaque
 * here). A record is deleted once `ttlMs` after the operation finished
 * (pruned at open and then every PRUNE_INTERVAL_MS), and a lookup after that
 * finds nothing, as for an unknown operation.
 */
import { isStoreError, type ResourceStore } from '../store/index.js';

const OPERATION_TYPE = 'Microsoft.Network/operations';
const PRUNE_INTERVAL_MS = 10 * 60_000;
/** Finished operations are saved together, one transaction per this interval (pollers wait 1 s, `Retry-After`). */
const SAVE_DELAY_MS = 100;
const SAVES_PER_TRANSACTION = 100;

/** What the API saves: its operation state, with the two fields read here. */
export interface OperationRecord {
  readonly id: string;
  readonly subscriptionId: string;
  /** ISO 8601; the record expires `ttlMs` after it */
  readonly endTime?: string;
}

const recordId = (subscriptionId: string, operationId: string) =>
  `/subscriptions/${subscriptionId}/providers/Microsoft.Network/operations/${operationId.toLowerCase()}`;

export class OperationRecords {
  private readonly timer: NodeJS.Timeout;
  private waiting: { operation: OperationRecord; done: () => void; failed: (error: unknown) => void }[] = [];
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: ResourceStore,
    private readonly ttlMs: number,
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS);
    this.timer.unref();
    void this.prune();
  }

  /** Saves a finished operation, with the others that finish within SAVE_DELAY_MS in one transaction. */
  save(operation: OperationRecord): Promise<void> {
    return new Promise((done, failed) => {
      this.waiting.push({ operation, done, failed });
      this.saveTimer ??= setTimeout(() => void this.flush(), SAVE_DELAY_MS);
    });
  }

  private async flush(): Promise<void> {
    this.saveTimer = undefined;
    const taken = this.waiting.splice(0);
    for (let start = 0; start < taken.length; start += SAVES_PER_TRANSACTION) {
      const batch = taken.slice(start, start + SAVES_PER_TRANSACTION);
      try {
        await this.store.transaction(
          batch.map(({ operation }) => ({
            op: 'put' as const,
            record: {
              id: recordId(operation.subscriptionId, operation.id),
              type: OPERATION_TYPE,
              name: operation.id,
              body: operation,
            },
          })),
        );
        for (const { done } of batch) done();
      } catch (error) {
        for (const { failed } of batch) failed(error);
      }
    }
  }

  /** The saved operation, unless it expired or belongs to another subscription. */
  async load(subscriptionId: string, operationId: string): Promise<OperationRecord | undefined> {
    if (!/^[0-9a-f-]{1,64}$/i.test(operationId)) return undefined;
    const record = await this.store.get(recordId(subscriptionId, operationId)).catch((error: unknown) => {
      // a subscription id the store cannot hold names no saved operation
      if (isStoreError(error) && error.code === 'BGPRS_ERR_STORE_INVALID_ID') return undefined;
      throw error;
    });
    if (record === undefined) return undefined;
    const operation = record.body as OperationRecord;
    if (this.expired(operation)) return undefined;
    return operation;
  }

  /** Saves what is waiting, and stops pruning. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.saveTimer);
    await this.flush();
  }

  private expired(operation: OperationRecord): boolean {
    return operation.endTime !== undefined && Date.parse(operation.endTime) + this.ttlMs <= this.now();
  }

  /** Deletes the expired records (every process does; a delete of one already gone is no error). */
  private async prune(): Promise<void> {
    try {
      let cursor: string | undefined;
      do {
        const page = await this.store.list({
          type: OPERATION_TYPE,
          limit: 500,
          ...(cursor === undefined ? {} : { cursor }),
        });
        for (const record of page.records)
          if (this.expired(record.body as OperationRecord)) await this.store.delete(record.id);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    } catch (error) {
      if (!isStoreError(error) || error.code !== 'BGPRS_ERR_STORE_CLOSED') this.onError(error);
    }
  }
}
