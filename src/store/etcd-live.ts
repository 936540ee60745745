/**
 * Live state (live-state.ts) in etcd: keys under `<prefix>live/`, each
 * written with this process's lease, which the client keeps alive (a
 * keepalive every third of the time to live). When the process dies the
 * keepalives stop and etcd deletes its keys once the time to live has passed;
 * a watch of the prefix tells every process.
 *
 * Writes are batched: each publish call's entries are merged into what is
 * waiting to be sent (the last value of a key wins), and one sender sends it
 * in transactions of at most 100 operations and 1 MiB (below etcd's default
 * `--max-txn-ops` 128 and `--max-request-bytes` 1.5 MiB). Two queues: what
 * is published `bulk` (a peer's learned routes) is sent one transaction at a
 * time, and only while nothing else waits, so session states and injected
 * routes never queue behind megabytes of route lists. While etcd is
 * unreachable or has no quorum, what is waiting stays waiting and is sent
 * once it answers again. When the lease is lost (etcd was out of reach for
 * longer than the time to live), a new one is granted and every key this
 * process holds is written again under it.
 */
import { Etcd3, type IRequestOp, type Lease, type Watcher } from 'etcd3';
import { clientOptions, backendError, type EtcdStoreOptions } from './etcd-store.js';
import { DEFAULT_ETCD_PREFIX, prefixEnd } from './etcd-keys.js';
import {
  DEFAULT_LIVE_TTL_SECONDS,
  type LiveEntry,
  type LiveListener,
  type LiveStateStore,
  type PublishOptions,
} from './live-state.js';

export interface EtcdLiveStateOptions extends EtcdStoreOptions {
  /** the lease's time to live in seconds (etcd's minimum is a few election timeouts; default 6) */
  readonly ttlSeconds?: number;
  /** a batch could not be sent (it is sent again later) */
  readonly onError?: (error: unknown) => void;
}

const MAX_OPERATIONS = 100;
const MAX_BYTES = 1024 * 1024;
/** Keys per read of the snapshot: a value may reach etcd's 1.5 MiB request limit, two stay below 4 MiB. */
const SNAPSHOT_PAGE = 2;
/** Wait before sending again after a failure. */
const RETRY_MS = 500;

/** Entries waiting to be sent, and the publish calls that resolve once they were. */
class Queue {
  entries = new Map<string, Buffer | undefined>();
  waiters: Array<() => void> = [];

  /** Takes the first entries that fit one transaction (all of them with `all`). */
  take(all: boolean): Array<[string, Buffer | undefined]> {
    const entries = [...this.entries];
    const end = all ? entries.length : batchEnd(entries, 0);
    const taken = entries.slice(0, end);
    for (const [key] of taken) this.entries.delete(key);
    return taken;
  }

  /** Puts entries that could not be sent back, unless published again since. */
  putBack(taken: ReadonlyArray<[string, Buffer | undefined]>): void {
    const later = this.entries;
    this.entries = new Map(taken);
    for (const [key, value] of later) this.entries.set(key, value);
  }

  /** Resolves the waiters once everything is sent. */
  settle(): void {
    if (this.entries.size === 0) for (const resolve of this.waiters.splice(0)) resolve();
  }
}

export class EtcdLiveState implements LiveStateStore {
  private readonly root: string;
  /** every key this process holds now, and whether it was published bulk, for a new lease */
  private readonly held = new Map<string, { value: Buffer; bulk: boolean }>();
  /** what is waiting to be sent: urgent first, then bulk */
  private readonly urgent = new Queue();
  private readonly bulk = new Queue();
  private sending: Promise<void> | undefined;
  private readonly listeners = new Set<LiveListener>();
  private watcher: Watcher | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly client: Etcd3,
    private lease: Lease,
    private leaseId: string,
    readonly ttlSeconds: number,
    prefix: string,
    private readonly onError: (error: unknown) => void,
  ) {
    this.root = `${prefix}live/`;
    this.watchLease();
  }

  static async open(options: EtcdLiveStateOptions): Promise<EtcdLiveState> {
    const client = new Etcd3(clientOptions(options));
    const ttl = options.ttlSeconds ?? DEFAULT_LIVE_TTL_SECONDS;
    try {
      const lease = client.lease(ttl);
      const id = await lease.grant();
      return new EtcdLiveState(
        client,
        lease,
        id,
        ttl,
        options.prefix ?? DEFAULT_ETCD_PREFIX,
        options.onError ?? (() => undefined),
      );
    } catch (error) {
      client.close();
      throw backendError(options.endpoints, error);
    }
  }

  private watchLease(): void {
    const lease = this.lease;
    lease.on('lost', () => {
      if (this.closed || lease !== this.lease) return;
      void this.renewLease();
    });
  }

  /** A new lease, and every held key again under it. */
  private async renewLease(): Promise<void> {
    while (!this.closed) {
      try {
        const lease = this.client.lease(this.ttlSeconds);
        this.leaseId = await lease.grant();
        this.lease = lease;
        this.watchLease();
        for (const [key, { value, bulk }] of this.held)
          if (!this.urgent.entries.has(key) && !this.bulk.entries.has(key))
            (bulk ? this.bulk : this.urgent).entries.set(key, value);
        this.kick();
        return;
      } catch (error) {
        this.onError(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  publish(entries: readonly LiveEntry[], options: PublishOptions = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    const bulk = options.bulk === true;
    const queue = bulk ? this.bulk : this.urgent;
    const other = bulk ? this.urgent : this.bulk;
    for (const { key, value } of entries) {
      // the last value of a key wins, whichever queue it waited in
      other.entries.delete(key);
      queue.entries.set(key, value);
      if (value === undefined) this.held.delete(key);
      else this.held.set(key, { value, bulk });
    }
    const done = new Promise<void>((resolve) => queue.waiters.push(resolve));
    this.kick();
    return done;
  }

  private kick(): void {
    if (this.sending !== undefined || this.retryTimer !== undefined) return;
    this.sending = this.send().finally(() => (this.sending = undefined));
  }

  /**
   * Sends what is waiting: all urgent entries, then one bulk transaction,
   * and again; on a failure puts the entries back and tries again later.
   */
  private async send(): Promise<void> {
    while (!this.closed && (this.urgent.entries.size > 0 || this.bulk.entries.size > 0)) {
      const queue = this.urgent.entries.size > 0 ? this.urgent : this.bulk;
      const taken = queue.take(queue === this.urgent);
      try {
        for (let start = 0; start < taken.length;) {
          const end = batchEnd(taken, start);
          await this.client.kv.txn({ success: taken.slice(start, end).map((e) => this.operation(e)) });
          start = end;
        }
        queue.settle();
      } catch (error) {
        this.onError(backendError([], error));
        queue.putBack(taken);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.kick();
        }, RETRY_MS);
        this.retryTimer.unref();
        return;
      }
    }
  }

  private operation([key, value]: [string, Buffer | undefined]): IRequestOp {
    const full = Buffer.from(this.root + key);
    if (value === undefined) return { request_delete_range: { key: full } };
    return { request_put: { key: full, value, lease: this.leaseId } };
  }

  async watch(listener: LiveListener): Promise<() => void> {
    this.listeners.add(listener);
    const root = Buffer.from(this.root);
    const { entries, revision } = await this.snapshot(root);
    listener(entries);
    if (this.watcher === undefined) {
      this.watcher = await this.client
        .watch()
        .prefix(root)
        .startRevision(String(revision + 1))
        .create();
      this.watcher.on('data', (response) => {
        const entries = response.events.map((event) => ({
          key: event.kv.key.toString('utf8').slice(this.root.length),
          value: event.type === 'Put' ? event.kv.value : undefined,
        }));
        for (const each of [...this.listeners]) each(entries);
      });
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  async exclusively<T>(name: string, work: () => Promise<T>): Promise<T> {
    const campaign = this.client
      .election(`${this.root}elections/${name}`, this.ttlSeconds)
      .campaign(`${process.pid}`);
    let failure: unknown;
    campaign.on('error', (error) => (failure = error));
    await campaign.wait();
    try {
      if (failure !== undefined) throw backendError([], failure);
      return await work();
    } finally {
      await campaign.resign().catch(() => undefined);
    }
  }

  /**
   * Every key under `root` at one revision, read SNAPSHOT_PAGE keys at a time
   * (one answer must stay below gRPC's 4 MiB message limit).
   */
  private async snapshot(root: Buffer): Promise<{ entries: LiveEntry[]; revision: number }> {
    const entries: LiveEntry[] = [];
    const end = prefixEnd(root);
    let revision: number | undefined;
    for (let from = root; ;) {
      const page = await this.client.kv.range({
        key: from,
        range_end: end,
        limit: SNAPSHOT_PAGE,
        ...(revision === undefined ? {} : { revision }),
      });
      revision ??= Number(page.header.revision);
      for (const kv of page.kvs)
        entries.push({ key: kv.key.toString('utf8').slice(this.root.length), value: kv.value });
      if (!page.more || page.kvs.length === 0) return { entries, revision };
      from = Buffer.concat([page.kvs[page.kvs.length - 1]!.key, Buffer.from([0])]);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const queue of [this.urgent, this.bulk]) for (const resolve of queue.waiters.splice(0)) resolve();
    await this.sending;
    await this.watcher?.cancel();
    await this.lease.revoke().catch(() => undefined);
    this.client.close();
  }
}

/** The end of the batch that starts at `start`: at most MAX_OPERATIONS entries and MAX_BYTES. */
function batchEnd(entries: ReadonlyArray<[string, Buffer | undefined]>, start: number): number {
  let bytes = 0;
  let end = start;
  while (end < entries.length && end - start < MAX_OPERATIONS) {
    const [key, value] = entries[end]!;
    bytes += key.length + (value?.length ?? 0) + 64;
    if (bytes > MAX_BYTES && end > start) break;
    end++;
  }
  return end;
}
