/**
 * etcd v3 implementation of ResourceStore, for routeserver processes on
 * several hosts sharing one state (etcd's Raft replication; nothing of our
 * own). Key layout: etcd-keys.ts.
 *
 * A transaction reads the records it touches, checks its preconditions
 * against them (operations.ts, as the SQLite store does) and commits in one
 * etcd Txn whose compare clauses require every touched key to be unchanged
 * since the read; when another writer got there first, it reads again and
 * retries. A committed Txn is durable on a quorum of members before etcd
 * answers. The change feed is an etcd watch of the record keys from the
 * revision the store opened at, so it carries every process's writes; a
 * transaction resolves once the feed has delivered its own revision, so a
 * caller sees its listeners run before its write resolves, as with SQLite.
 *
 * A call that fails for a transient reason (a member down, a leader election,
 * a deadline: etcd-retry.ts) is tried again for up to twice the request
 * timeout. A commit whose answer was lost may have applied: before trying
 * again, the store looks whether its own etags (or deletions) are there and
 * then answers with them instead of writing twice.
 */
import { randomUUID } from 'node:crypto';
import { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import type { IKeyValue, IRequestOp, IResponseOp } from 'etcd3';
import { ChangeFeed } from './change-feed.js';
import { decodeRecord, DEFAULT_ETCD_PREFIX, encodeValue, EtcdKeys, type StoredValue } from './etcd-keys.js';
import { withRetries } from './etcd-retry.js';
import { EtcdChangeWatch } from './etcd-watch.js';
import { StoreError } from './errors.js';
import { assertValidId } from './ids.js';
import { listRange, type RangeReader } from './etcd-list.js';
import { checkDelete, checkPut, deleteOne, putOne, validateOperations } from './operations.js';
import type {
  ChangeListener,
  DeleteOptions,
  ListQuery,
  OperationResult,
  PutOptions,
  ResourceInput,
  ResourcePage,
  ResourceRecord,
  ResourceStore,
  StoreOperation,
  TransactionResult,
} from './types.js';

export interface EtcdStoreOptions {
  /** client URLs, e.g. `http://10.0.0.1:2379` (https:// with `tls`) */
  readonly endpoints: readonly string[];
  /** key prefix of this deployment, default `/routeserver/` */
  readonly prefix?: string;
  readonly auth?: { readonly username: string; readonly password: string };
  readonly tls?: { readonly caCert: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  /**
   * per-request deadline, default 5000 ms; a call failing for a transient
   * reason (etcd-retry.ts) is tried again for up to twice this long in all
   */
  readonly requestTimeoutMs?: number;
  /** clock for createdAt/updatedAt, default `new Date()` */
  readonly now?: () => Date;
}

/** How often a transaction re-reads and retries when other writers change its keys between read and commit. */
const MAX_ATTEMPTS = 20;

const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/** How long a member that failed is skipped before it is tried again. */
const HOST_RETRY_MS = 1000;

/** A commit as sent: what each operation will have left once it applied, and its answer. */
interface SentCommit {
  readonly ids: readonly string[];
  /** per operation: the etag a put wrote, or whether a delete removed a record */
  readonly expected: ReadonlyArray<{ readonly etag?: string; readonly deleted: boolean }>;
  readonly report: (revision: number) => OperationResult[];
}

interface Current {
  readonly record: ResourceRecord | undefined;
  /** the pointer key's mod revision (0: absent), compared at commit */
  readonly modRevision: string;
}

export class EtcdResourceStore implements ResourceStore {
  private readonly keys: EtcdKeys;
  private readonly feed = new ChangeFeed();
  private readonly now: () => Date;
  private closed = false;

  private constructor(
    private readonly client: Etcd3,
    private readonly watch: EtcdChangeWatch,
    private readonly retryBudgetMs: number,
    readonly endpoints: readonly string[],
    prefix: string,
    now: (() => Date) | undefined,
  ) {
    this.keys = new EtcdKeys(prefix);
    this.now = now ?? (() => new Date());
    watch.onBatch((batch) => this.feed.publish(batch));
  }

  static async open(options: EtcdStoreOptions): Promise<EtcdResourceStore> {
    if (options.endpoints.length === 0) {
      throw new StoreError('BGPRS_ERR_STORE_BACKEND', 'the etcd store needs at least one endpoint');
    }
    const prefix = options.prefix ?? DEFAULT_ETCD_PREFIX;
    const client = new Etcd3(clientOptions(options));
    try {
      const keys = new EtcdKeys(prefix);
      const { header } = await client.kv.range({ key: keys.records(), count_only: true });
      const watch = await EtcdChangeWatch.start(client, keys, Number(header.revision));
      const retryBudgetMs = 2 * (options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
      return new EtcdResourceStore(client, watch, retryBudgetMs, options.endpoints, prefix, options.now);
    } catch (error) {
      client.close();
      throw backendError(options.endpoints, error);
    }
  }

  async get(id: string): Promise<ResourceRecord | undefined> {
    return this.run(async () => {
      assertValidId(id);
      return (await withRetries(this.retryBudgetMs, () => this.readCurrent([id])))[0]!.record;
    });
  }

  list(query: ListQuery): Promise<ResourcePage> {
    return this.run(() =>
      withRetries(this.retryBudgetMs, () => listRange(this.rangeReader(), this.keys, query)),
    );
  }

  put(record: ResourceInput, options: PutOptions = {}): Promise<ResourceRecord> {
    return putOne(this, record, options);
  }

  delete(id: string, options: DeleteOptions = {}): Promise<ResourceRecord | undefined> {
    return deleteOne(this, id, options);
  }

  transaction(operations: readonly StoreOperation[]): Promise<TransactionResult> {
    return this.run(async () => {
      const bodies = validateOperations(operations);
      // a commit sent whose answer was lost (a deadline, a member gone): it may have applied
      let unanswered: SentCommit | undefined;
      return withRetries(this.retryBudgetMs, async () => {
        if (unanswered !== undefined) {
          const applied = await this.appliedAlready(unanswered);
          unanswered = undefined;
          if (applied !== undefined) return applied;
        }
        for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
          const outcome = await this.tryCommit(operations, bodies, (sent) => (unanswered = sent));
          unanswered = undefined;
          if (outcome === undefined) continue;
          if (outcome.wrote) await this.watch.delivered(outcome.result.revision);
          return outcome.result;
        }
        throw new StoreError(
          'BGPRS_ERR_STORE_BACKEND',
          `etcd: the transaction's records kept changing under it (${MAX_ATTEMPTS} attempts); retry`,
        );
      });
    });
  }

  /**
   * Whether a commit whose answer was lost applied: every record it put
   * carries the etag it chose, every record it deleted is gone. Then its
   * results are the answer (a retry would find its own write and refuse it).
   */
  private async appliedAlready(sent: SentCommit): Promise<TransactionResult | undefined> {
    const current = await this.readCurrent(sent.ids);
    let revision: number | undefined;
    for (const [index, expected] of sent.expected.entries()) {
      const found = current[index]!.record;
      if (expected.etag !== undefined) {
        if (found?.etag !== expected.etag) return undefined;
        revision = found.revision;
      } else if (expected.deleted && found !== undefined) return undefined;
    }
    revision ??= await this.revision();
    await this.watch.delivered(revision);
    return { revision, results: sent.report(revision) };
  }

  revision(): Promise<number> {
    return this.run(() =>
      withRetries(this.retryBudgetMs, async () => {
        const { header } = await this.client.kv.range({ key: this.keys.records(), count_only: true });
        return Number(header.revision);
      }),
    );
  }

  onChange(listener: ChangeListener): () => void {
    return this.feed.subscribe(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.feed.clear();
    await this.watch.stop();
    this.client.close();
  }

  /** One read, checks, and a Txn that commits only if nothing it read changed; undefined: retry. */
  private async tryCommit(
    operations: readonly StoreOperation[],
    bodies: ReadonlyArray<string | undefined>,
    onSend: (sent: SentCommit) => void,
  ): Promise<{ result: TransactionResult; wrote: boolean } | undefined> {
    const ids = operations.map((operation) => (operation.op === 'put' ? operation.record.id : operation.id));
    const current = await this.readCurrent(ids);
    const now = this.now().toISOString();
    const writes: IRequestOp[] = [];
    const planned = operations.map((operation, index) => {
      try {
        return this.plan(operation, bodies[index], current[index]!, now, writes);
      } catch (error) {
        if (error instanceof StoreError) error.operationIndex = index;
        throw error;
      }
    });
    if (writes.length === 0) {
      const revision = await this.revision();
      return { result: { revision, results: planned.map((p) => p(revision)) }, wrote: false };
    }
    const report = (revision: number) => planned.map((p) => p(revision));
    onSend({
      ids,
      expected: report(0).map((r) =>
        r.op === 'put' ? { etag: r.record.etag, deleted: false } : { deleted: r.deleted !== undefined },
      ),
      report,
    });
    const committed = await this.client.kv.txn({
      compare: ids.map((id, index) => ({
        key: this.keys.pointer(id),
        target: 'Mod',
        result: 'Equal',
        mod_revision: current[index]!.modRevision,
      })),
      success: writes,
    });
    if (!committed.succeeded) return undefined;
    const revision = Number(committed.header.revision);
    return { result: { revision, results: report(revision) }, wrote: true };
  }

  /** Checks one operation against what it found, queues its writes, returns how to report it once committed. */
  private plan(
    operation: StoreOperation,
    body: string | undefined,
    current: Current,
    now: string,
    writes: IRequestOp[],
  ): (revision: number) => OperationResult {
    const found = current.record;
    if (operation.op === 'delete') {
      checkDelete(operation, found);
      if (found === undefined) return () => ({ op: 'delete', deleted: undefined });
      writes.push(
        { request_delete_range: { key: this.keys.pointer(found.id) } },
        { request_delete_range: { key: this.keys.record(found.type, found.id) } },
      );
      return () => ({ op: 'delete', deleted: found });
    }
    checkPut(operation, found);
    const { record } = operation;
    const value: StoredValue = {
      id: found?.id ?? record.id, // the first spelling stays the display spelling
      type: found?.type ?? record.type,
      ...(record.parentId === undefined ? {} : { parentId: record.parentId }),
      name: record.name,
      body: JSON.parse(body!) as unknown,
      etag: randomUUID(),
      createdAt: found?.createdAt ?? now,
      updatedAt: now,
    };
    writes.push(
      { request_put: { key: this.keys.pointer(value.id), value: Buffer.from(value.type) } },
      { request_put: { key: this.keys.record(value.type, value.id), value: encodeValue(value) } },
    );
    return (revision) => ({ op: 'put', record: { ...value, revision }, created: found === undefined });
  }

  /** Each id's record and its pointer's mod revision, in two reads whatever the number of ids. */
  private async readCurrent(ids: readonly string[]): Promise<Current[]> {
    const pointers = await this.readKeys(ids.map((id) => this.keys.pointer(id)));
    const recordKeys = pointers.map((kv, index) =>
      kv === undefined ? undefined : this.keys.record(kv.value.toString('utf8'), ids[index]!),
    );
    const records = await this.readKeys(recordKeys);
    return ids.map((_, index) => {
      const kv = records[index];
      return {
        record: kv === undefined ? undefined : decodeRecord(kv.value, kv.mod_revision),
        modRevision: pointers[index]?.mod_revision ?? '0',
      };
    });
  }

  /** Point reads of several keys in one Txn (undefined keys are skipped). */
  private async readKeys(keys: ReadonlyArray<Buffer | undefined>): Promise<Array<IKeyValue | undefined>> {
    const asked = keys.filter((key): key is Buffer => key !== undefined);
    if (asked.length === 0) return keys.map(() => undefined);
    const { responses } = await this.client.kv.txn({
      success: asked.map((key) => ({ request_range: { key } })),
    });
    const found = responses.map((response: IResponseOp) => response.response_range.kvs[0]);
    let next = 0;
    return keys.map((key) => (key === undefined ? undefined : found[next++]));
  }

  private rangeReader(): RangeReader {
    return async (start, end, limit) => {
      const response = await this.client.kv.range({ key: start, range_end: end, limit });
      return { kvs: response.kvs, more: response.more };
    };
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) {
      throw new StoreError('BGPRS_ERR_STORE_CLOSED', `etcd store at ${this.endpoints.join(',')} is closed`);
    }
    try {
      return await work();
    } catch (error) {
      throw backendError(this.endpoints, error);
    }
  }
}

/** The etcd client's options: endpoints, credentials, deadlines and fault handling. */
export function clientOptions(options: EtcdStoreOptions): IOptions {
  const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    hosts: [...options.endpoints],
    ...(options.auth === undefined ? {} : { auth: { ...options.auth } }),
    ...(options.tls === undefined
      ? {}
      : {
          credentials: {
            rootCertificate: options.tls.caCert,
            ...(options.tls.key === undefined ? {} : { privateKey: options.tls.key }),
            ...(options.tls.cert === undefined ? {} : { certChain: options.tls.cert }),
          },
        }),
    dialTimeout: timeout,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeout }),
    faultHandling: {
      // a call that fails on one member is tried on the others, once each
      global: retry(handleWhen(isRecoverableError), { maxAttempts: options.endpoints.length - 1 }),
      // a member that failed 3 calls in a row is skipped, and tried again after 1 s
      host: () =>
        circuitBreaker(handleWhen(isRecoverableError), {
          halfOpenAfter: HOST_RETRY_MS,
          breaker: new ConsecutiveBreaker(3),
        }),
      // A broken watch (its member gone, no quorum) is opened again within 1 s. The library's
      // default backoff grows to 30 s, so after an outage another host's change feed, and the
      // model read from it, could lag the cluster by that long.
      watchBackoff: new ExponentialBackoff({ initialDelay: 128, maxDelay: HOST_RETRY_MS }).next(),
    },
  };
}

/** etcd and gRPC failures as typed store errors naming the endpoints; store errors pass through. */
export function backendError(endpoints: readonly string[], error: unknown): unknown {
  if (error instanceof StoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError('BGPRS_ERR_STORE_BACKEND', `etcd at ${endpoints.join(',')}: ${message}`, {
    cause: error,
  });
}
