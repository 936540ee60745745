/**
 * The durable store's contract: generic resource records keyed by ARM-style
 * ids, optimistic concurrency on etags, atomic multi-operation transactions and
 * a feed of committed changes. SQLite implements it (`sqlite-store.ts`); an
 * etcd backend can implement the same interface (etag = mod revision, a
 * transaction = one etcd Txn with compare clauses), which is why transactions
 * take all their preconditions up front and may touch each id at most once.
 *
 * Bodies are the domain's JSON, never API shapes (docs/architecture.md, Decisions).
 */

export interface ResourceRecord {
  /** the id as first written (ARM ids are case-insensitive; the store keys by a normalised id) */
  readonly id: string;
  /** resource type as first written, e.g. `Microsoft.Network/virtualHubs/bgpConnections` */
  readonly type: string;
  readonly parentId?: string;
  readonly name: string;
  /** domain JSON */
  readonly body: unknown;
  /** opaque; changes on every write */
  readonly etag: string;
  /** store revision of the last write to this record; increases with every committed transaction */
  readonly revision: number;
  /** ISO 8601 */
  readonly createdAt: string;
  /** ISO 8601 */
  readonly updatedAt: string;
}

/** What a caller writes; the store adds etag, revision and timestamps. */
export interface ResourceInput {
  readonly id: string;
  readonly type: string;
  readonly parentId?: string;
  readonly name: string;
  readonly body: unknown;
}

export interface PutOptions {
  /** write only if the current etag equals this one (else StoreConflictError, or StoreNotFoundError if absent) */
  readonly expectedEtag?: string;
  /** create only (HTTP If-None-Match: *): StoreAlreadyExistsError if the record exists */
  readonly mustNotExist?: boolean;
}

export interface DeleteOptions {
  /** delete only if the current etag equals this one */
  readonly expectedEtag?: string;
  /** StoreNotFoundError if there is nothing to delete (default: deleting nothing is not an error) */
  readonly mustExist?: boolean;
}

export type StoreOperation =
  | ({ readonly op: 'put'; readonly record: ResourceInput } & PutOptions)
  | ({ readonly op: 'delete'; readonly id: string } & DeleteOptions);

export type OperationResult =
  | { readonly op: 'put'; readonly record: ResourceRecord; readonly created: boolean }
  | { readonly op: 'delete'; readonly deleted: ResourceRecord | undefined };

export interface TransactionResult {
  /** the revision this transaction committed as (unchanged if it wrote nothing) */
  readonly revision: number;
  readonly results: readonly OperationResult[];
}

export interface ListQuery {
  /** resource type, case-insensitive */
  readonly type: string;
  /** only children of this parent id */
  readonly parentId?: string;
  /** only resources under `/subscriptions/{subscriptionId}` */
  readonly subscriptionId?: string;
  /** only resources under `…/resourceGroups/{resourceGroupName}` (needs subscriptionId) */
  readonly resourceGroupName?: string;
  /** page size; all matching records when absent */
  readonly limit?: number;
  /** continue after this cursor (from a previous page's `nextCursor`) */
  readonly cursor?: string;
}

export interface ResourcePage {
  /** ordered by normalised id */
  readonly records: readonly ResourceRecord[];
  /** present when more records follow */
  readonly nextCursor?: string;
}

export type ResourceChange =
  | { readonly kind: 'put'; readonly record: ResourceRecord; readonly previous: ResourceRecord | undefined }
  | { readonly kind: 'delete'; readonly previous: ResourceRecord };

/** One committed transaction, delivered after it is durable. */
export interface ChangeBatch {
  readonly revision: number;
  readonly changes: readonly ResourceChange[];
}

export type ChangeListener = (batch: ChangeBatch) => void;

export interface ResourceStore {
  get(id: string): Promise<ResourceRecord | undefined>;
  list(query: ListQuery): Promise<ResourcePage>;
  put(record: ResourceInput, options?: PutOptions): Promise<ResourceRecord>;
  /** returns the deleted record, or undefined when there was none */
  delete(id: string, options?: DeleteOptions): Promise<ResourceRecord | undefined>;
  /** all or nothing: a failing precondition rejects with its typed error and changes nothing */
  transaction(operations: readonly StoreOperation[]): Promise<TransactionResult>;
  /** latest committed revision */
  revision(): Promise<number>;
  /** listeners run after each commit, in commit order; returns an unsubscribe function */
  onChange(listener: ChangeListener): () => void;
  close(): Promise<void>;
}
