/**
 * The write path of the SQLite store: operations are validated before the
 * transaction opens (operations.ts), preconditions checked and rows written
 * inside it. Any throw inside `applyOperations`
 * rolls the whole transaction back (better-sqlite3 `db.transaction`).
 */

import type { Database, Statement } from 'better-sqlite3';
import { StoreError } from './errors.js';
import { idKey, idScope, typeKey } from './ids.js';
import { checkDelete, checkPut } from './operations.js';
import type {
  ChangeBatch,
  OperationResult,
  ResourceChange,
  ResourceRecord,
  StoreOperation,
  TransactionResult,
} from './types.js';

export interface RecordRow {
  id: string;
  type: string;
  parent_id: string | null;
  name: string;
  body: string;
  etag: string;
  revision: number;
  created_at: string;
  updated_at: string;
  type_key: string;
  id_key: string;
  parent_key: string | null;
}

export interface WriteContext {
  readonly db: Database;
  readonly selectOne: Statement<[string], RecordRow>;
  /** ISO timestamp for this transaction */
  readonly now: string;
  readonly newEtag: () => string;
}

interface WriteStatements {
  upsert: Statement;
  remove: Statement;
  bump: Statement;
  revision: Statement<[], { value: number }>;
}

const statementCache = new WeakMap<Database, WriteStatements>();

function statements(db: Database): WriteStatements {
  let cached = statementCache.get(db);
  if (cached === undefined) {
    cached = {
      upsert: db.prepare(
        `INSERT INTO resources (id_key, id, type_key, type, parent_key, parent_id, name, subscription_key,
           resource_group_key, body, etag, revision, created_at, updated_at)
         VALUES (@id_key, @id, @type_key, @type, @parent_key, @parent_id, @name, @subscription_key,
           @resource_group_key, @body, @etag, @revision, @created_at, @updated_at)
         ON CONFLICT (id_key) DO UPDATE SET parent_key = excluded.parent_key, parent_id = excluded.parent_id,
           name = excluded.name, body = excluded.body, etag = excluded.etag, revision = excluded.revision,
           updated_at = excluded.updated_at`,
      ),
      remove: db.prepare('DELETE FROM resources WHERE id_key = ?'),
      bump: db.prepare(`UPDATE store_meta SET value = ? WHERE key = 'revision'`),
      revision: db.prepare(`SELECT value FROM store_meta WHERE key = 'revision'`),
    };
    statementCache.set(db, cached);
  }
  return cached;
}

export function rowToRecord(row: RecordRow): ResourceRecord {
  const base = {
    id: row.id,
    type: row.type,
    name: row.name,
    body: JSON.parse(row.body) as unknown,
    etag: row.etag,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  return row.parent_id === null ? base : { ...base, parentId: row.parent_id };
}

function writePut(
  context: WriteContext,
  operation: Extract<StoreOperation, { op: 'put' }>,
  body: string,
  current: RecordRow | undefined,
  revision: number,
): RecordRow {
  const { record } = operation;
  const scope = idScope(record.id);
  const row: RecordRow & { subscription_key: string | null; resource_group_key: string | null } = {
    id_key: idKey(record.id),
    id: current?.id ?? record.id, // the first spelling stays the display spelling
    type_key: typeKey(record.type),
    type: current?.type ?? record.type,
    parent_key: record.parentId === undefined ? null : idKey(record.parentId),
    parent_id: record.parentId ?? null,
    name: record.name,
    subscription_key: scope.subscriptionKey ?? null,
    resource_group_key: scope.resourceGroupKey ?? null,
    body,
    etag: context.newEtag(),
    revision,
    created_at: current?.created_at ?? context.now,
    updated_at: context.now,
  };
  statements(context.db).upsert.run(row);
  return row;
}

/** Runs inside the IMMEDIATE transaction; throws (rolling back) on the first failed precondition. */
export function applyOperations(
  context: WriteContext,
  operations: readonly StoreOperation[],
  bodies: ReadonlyArray<string | undefined>,
): { result: TransactionResult; batch: ChangeBatch } {
  const { remove, bump, revision: selectRevision } = statements(context.db);
  const previousRevision = selectRevision.get()!.value;
  const revision = previousRevision + 1;
  const results: OperationResult[] = [];
  const changes: ResourceChange[] = [];
  operations.forEach((operation, index) => {
    try {
      const id = operation.op === 'put' ? operation.record.id : operation.id;
      const current = context.selectOne.get(idKey(id));
      if (operation.op === 'put') {
        checkPut(operation, current);
        const record = rowToRecord(writePut(context, operation, bodies[index]!, current, revision));
        const previous = current === undefined ? undefined : rowToRecord(current);
        results.push({ op: 'put', record, created: current === undefined });
        changes.push({ kind: 'put', record, previous });
        return;
      }
      checkDelete(operation, current);
      if (current === undefined) {
        results.push({ op: 'delete', deleted: undefined });
        return;
      }
      remove.run(current.id_key);
      const previous = rowToRecord(current);
      results.push({ op: 'delete', deleted: previous });
      changes.push({ kind: 'delete', previous });
    } catch (error) {
      if (error instanceof StoreError) error.operationIndex = index;
      throw error;
    }
  });
  if (changes.length === 0)
    return { result: { revision: previousRevision, results }, batch: { revision, changes } };
  bump.run(revision);
  return { result: { revision, results }, batch: { revision, changes } };
}
