/**
 * Live state: what the running processes know now (BGP session states,
 * learned and injected routes), as opposed to the durable resources of
 * types.ts. Each process publishes its own keys under a lease: when the
 * process dies, its keys disappear once the lease's time to live has passed
 * without a keepalive, so the others stop showing what it knew. Every
 * process sees every process's keys through `watch`.
 *
 * etcd implements it (etcd-live.ts); a single process on SQLite has nothing
 * to share and uses none.
 */

/** The lease's time to live unless configured: a dead process's state is gone within this many seconds. */
export const DEFAULT_LIVE_TTL_SECONDS = 6;

/** One key and its value; `value` undefined: the key is deleted (or expired with its lease). */
export interface LiveEntry {
  readonly key: string;
  readonly value: Buffer | undefined;
}

export type LiveListener = (entries: readonly LiveEntry[]) => void;

export interface PublishOptions {
  /**
   * Large and not urgent (e.g. a peer's learned routes): sent after every
   * entry published without it, one transaction at a time, so that a small
   * urgent change never waits behind megabytes.
   */
  readonly bulk?: boolean;
}

export interface LiveStateStore {
  /** the lease's time to live: how long this process's keys outlive it */
  readonly ttlSeconds: number;
  /**
   * Writes or deletes this process's keys. Entries are sent in batches; a
   * batch that cannot be written (the store unreachable) is sent again until
   * it is, and a lost lease is replaced and every key written again.
   * Resolves once this call's entries were written (or were superseded).
   */
  publish(entries: readonly LiveEntry[], options?: PublishOptions): Promise<void>;
  /**
   * Every process's keys now (one call with the snapshot), then every change;
   * resolves once the snapshot was delivered. Returns the unsubscribe.
   */
  watch(listener: LiveListener): Promise<() => void>;
  /**
   * Runs `work` while no other process runs work under the same `name`:
   * an etcd election, waited for, held under its own lease (so a process
   * that dies while holding it lets the next one go once the lease expires)
   * and resigned when `work` settles.
   */
  exclusively<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** Revokes the lease (this process's keys disappear at once) and disconnects. */
  close(): Promise<void>;
}
