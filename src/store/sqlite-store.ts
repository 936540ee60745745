/**
 * SQLite implementation of ResourceStore (better-sqlite3, synchronous driver).
 *
 * Durability: WAL journal with `synchronous = FULL`, so every COMMIT fsyncs the
 * WAL before `put`/`delete`/`transaction` resolve: an acknowledged write
 * survives kill -9 and power loss (test/unit/store-durability.test.ts). Writes run in
 * `BEGIN IMMEDIATE` transactions; `busy_timeout` makes a second process wait for
 * the write lock instead of failing at once.
 */

import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { StoreError } from './errors.js';
import { assertValidId, idKey, typeKey } from './ids.js';
import { migrate, type MigrationOutcome } from './migrations.js';
import { ChangeFeed } from './change-feed.js';
import { applyOperations, rowToRecord, type RecordRow, type WriteContext } from './sqlite-write.js';
import { checkListQuery, decodeCursor, encodeCursor } from './list-query.js';
import { deleteOne, putOne, validateOperations } from './operations.js';
import type {
  ChangeListener,
  DeleteOptions,
  ListQuery,
  PutOptions,
  ResourceInput,
  ResourcePage,
  ResourceRecord,
  ResourceStore,
  StoreOperation,
  TransactionResult,
} from './types.js';

export interface SqliteStoreOptions {
  /** database file; parent directories are created. `:memory:` for a throw-away store. */
  readonly path: string;
  /** how long a writer waits for another process's lock, default 5000 ms */
  readonly busyTimeoutMs?: number;
  /** clock for createdAt/updatedAt, default `new Date()` */
  readonly now?: () => Date;
}

const SELECT_COLUMNS =
  'id, type, parent_id, name, body, etag, revision, created_at, updated_at, type_key, id_key, parent_key';

/** Wraps driver errors in typed store errors; store errors pass through. */
function toStoreError(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) {
    return new StoreError('BGPRS_ERR_STORE_CORRUPT', `database is corrupt or not a database (${code})`, {
      cause: error,
    });
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    return new StoreError('BGPRS_ERR_STORE_BACKEND', `SQLite error ${code}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return error;
}

function configure(db: SqliteDatabase, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
}

export class SqliteResourceStore implements ResourceStore {
  readonly path: string;
  readonly migration: MigrationOutcome;
  private readonly db: SqliteDatabase;
  private readonly now: () => Date;
  private readonly feed = new ChangeFeed();
  private readonly listStatements = new Map<string, Statement>();
  private readonly selectOne: Statement<[string], RecordRow>;
  private readonly selectRevision: Statement<[], { value: number }>;
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    this.path = options.path;
    this.now = options.now ?? (() => new Date());
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    let db: SqliteDatabase | undefined;
    try {
      db = new Database(options.path);
      configure(db, options.busyTimeoutMs ?? 5000);
      this.migration = migrate(db, options.path);
      this.selectOne = db.prepare(`SELECT ${SELECT_COLUMNS} FROM resources WHERE id_key = ?`);
      this.selectRevision = db.prepare(`SELECT value FROM store_meta WHERE key = 'revision'`);
    } catch (error) {
      db?.close();
      throw toStoreError(error);
    }
    this.db = db;
  }

  get(id: string): Promise<ResourceRecord | undefined> {
    return this.run(() => {
      assertValidId(id);
      const row = this.selectOne.get(idKey(id));
      return row === undefined ? undefined : rowToRecord(row);
    });
  }

  list(query: ListQuery): Promise<ResourcePage> {
    return this.run(() => this.listNow(query));
  }

  put(record: ResourceInput, options: PutOptions = {}): Promise<ResourceRecord> {
    return putOne(this, record, options);
  }

  delete(id: string, options: DeleteOptions = {}): Promise<ResourceRecord | undefined> {
    return deleteOne(this, id, options);
  }

  transaction(operations: readonly StoreOperation[]): Promise<TransactionResult> {
    return this.run(() => {
      const serialized = validateOperations(operations);
      const context: WriteContext = {
        db: this.db,
        selectOne: this.selectOne,
        now: this.now().toISOString(),
        newEtag: () => randomUUID(),
      };
      const write = this.db.transaction(() => applyOperations(context, operations, serialized));
      const outcome = write.immediate();
      if (outcome.batch.changes.length > 0) this.feed.publish(outcome.batch);
      return outcome.result;
    });
  }

  revision(): Promise<number> {
    return this.run(() => this.selectRevision.get()!.value);
  }

  onChange(listener: ChangeListener): () => void {
    return this.feed.subscribe(listener);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.feed.clear();
      this.db.close();
    }
    return Promise.resolve();
  }

  /** `PRAGMA integrity_check`: `['ok']` for a sound database, else the problems SQLite found. */
  integrityCheck(): string[] {
    this.assertOpen();
    const rows = this.db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    return rows.map((row) => row.integrity_check);
  }

  /** schema version of the open file (`PRAGMA user_version`) */
  schemaVersion(): number {
    this.assertOpen();
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private listNow(query: ListQuery): ResourcePage {
    checkListQuery(query);
    const conditions = ['type_key = @type'];
    const params: Record<string, string | number> = { type: typeKey(query.type) };
    if (query.parentId !== undefined) {
      conditions.push('parent_key = @parent');
      params.parent = idKey(query.parentId);
    }
    if (query.subscriptionId !== undefined) {
      conditions.push('subscription_key = @subscription');
      params.subscription = query.subscriptionId.toLowerCase();
    }
    if (query.resourceGroupName !== undefined) {
      conditions.push('resource_group_key = @group');
      params.group = query.resourceGroupName.toLowerCase();
    }
    if (query.cursor !== undefined) {
      conditions.push('id_key > @after');
      params.after = decodeCursor(query.cursor);
    }
    const limit = query.limit;
    if (limit !== undefined) params.limit = limit + 1; // one extra row tells whether another page follows
    const sql =
      `SELECT ${SELECT_COLUMNS} FROM resources WHERE ${conditions.join(' AND ')} ORDER BY id_key` +
      (limit === undefined ? '' : ' LIMIT @limit');
    const rows = this.statement(sql).all(params) as RecordRow[];
    if (limit === undefined || rows.length <= limit) return { records: rows.map(rowToRecord) };
    const page = rows.slice(0, limit);
    return { records: page.map(rowToRecord), nextCursor: encodeCursor(page[page.length - 1]!.id_key) };
  }

  private statement(sql: string): Statement {
    let prepared = this.listStatements.get(sql);
    if (prepared === undefined) {
      prepared = this.db.prepare(sql);
      this.listStatements.set(sql, prepared);
    }
    return prepared;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('BGPRS_ERR_STORE_CLOSED', `store ${this.path} is closed`);
  }

  /** Runs synchronous driver work and settles a promise with the result or a typed error. */
  private async run<T>(work: () => T): Promise<T> {
    try {
      this.assertOpen();
      return work();
    } catch (error) {
      throw toStoreError(error);
    }
  }
}

/** Opens (creating and migrating as needed) the SQLite store at `options.path`. */
export function openSqliteStore(options: SqliteStoreOptions): SqliteResourceStore {
  return new SqliteResourceStore(options);
}
