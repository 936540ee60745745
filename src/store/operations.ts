/**
 * What every store backend checks of a transaction's operations, the same way:
 * shapes before anything is read, and each operation's preconditions against
 * the record it finds (sqlite-write.ts inside its SQLite transaction,
 * etcd-store.ts before its etcd Txn, which then compares what it read),
 * and `put`/`delete` as one-operation transactions.
 */
import { StoreAlreadyExistsError, StoreConflictError, StoreError, StoreNotFoundError } from './errors.js';
import { assertValidId, idKey, typeKey } from './ids.js';
import type {
  DeleteOptions,
  PutOptions,
  ResourceInput,
  ResourceRecord,
  ResourceStore,
  StoreOperation,
} from './types.js';

/** What a precondition needs of the record an operation finds. */
interface CurrentRecord {
  readonly etag: string;
  readonly type: string;
}

function invalid(index: number, message: string): StoreError {
  const error = new StoreError('BGPRS_ERR_STORE_INVALID_RECORD', message);
  error.operationIndex = index;
  return error;
}

function serializeBody(index: number, body: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch (cause) {
    throw invalid(index, `body is not JSON-serialisable: ${(cause as Error).message}`);
  }
  if (text === undefined) throw invalid(index, 'body is not JSON-serialisable (undefined or a function)');
  return text;
}

/**
 * Checks shapes before any lock is taken. Each id may appear once per
 * transaction (as in an etcd Txn), so preconditions read the state before it.
 * Returns the serialised body of each put (undefined for deletes).
 */
export function validateOperations(operations: readonly StoreOperation[]): Array<string | undefined> {
  if (operations.length === 0) {
    throw new StoreError('BGPRS_ERR_STORE_INVALID_TRANSACTION', 'a transaction needs at least one operation');
  }
  const seen = new Set<string>();
  return operations.map((operation, index) => {
    const id = operation.op === 'put' ? operation.record.id : operation.id;
    try {
      assertValidId(id);
      if (operation.op === 'put' && operation.record.parentId !== undefined)
        assertValidId(operation.record.parentId);
    } catch (error) {
      (error as StoreError).operationIndex = index;
      throw error;
    }
    const key = idKey(id);
    if (seen.has(key)) {
      const error = new StoreError(
        'BGPRS_ERR_STORE_INVALID_TRANSACTION',
        `id appears twice in one transaction: ${id}`,
      );
      error.operationIndex = index;
      throw error;
    }
    seen.add(key);
    if (operation.op === 'delete') return undefined;
    const { record } = operation;
    if (typeof record.type !== 'string' || record.type.length === 0) throw invalid(index, 'type is empty');
    if (typeof record.name !== 'string' || record.name.length === 0) throw invalid(index, 'name is empty');
    if (operation.mustNotExist === true && operation.expectedEtag !== undefined) {
      throw invalid(index, 'mustNotExist and expectedEtag exclude each other');
    }
    return serializeBody(index, record.body);
  });
}

export function checkPut(
  operation: Extract<StoreOperation, { op: 'put' }>,
  current: CurrentRecord | undefined,
): void {
  const id = operation.record.id;
  if (operation.mustNotExist === true && current !== undefined)
    throw new StoreAlreadyExistsError(id, current.etag);
  if (operation.expectedEtag !== undefined) {
    if (current === undefined) throw new StoreNotFoundError(id);
    if (current.etag !== operation.expectedEtag)
      throw new StoreConflictError(id, operation.expectedEtag, current.etag);
  }
  if (current !== undefined && typeKey(current.type) !== typeKey(operation.record.type)) {
    throw new StoreError(
      'BGPRS_ERR_STORE_INVALID_RECORD',
      `${id} holds a ${current.type}, cannot overwrite it with a ${operation.record.type}`,
    );
  }
}

export function checkDelete(
  operation: Extract<StoreOperation, { op: 'delete' }>,
  current: CurrentRecord | undefined,
): void {
  if (current === undefined) {
    if (operation.mustExist === true || operation.expectedEtag !== undefined) {
      throw new StoreNotFoundError(operation.id);
    }
    return;
  }
  if (operation.expectedEtag !== undefined && current.etag !== operation.expectedEtag) {
    throw new StoreConflictError(operation.id, operation.expectedEtag, current.etag);
  }
}

/** `put` as a one-operation transaction, as every backend answers it. */
export async function putOne(
  store: Pick<ResourceStore, 'transaction'>,
  record: ResourceInput,
  options: PutOptions,
): Promise<ResourceRecord> {
  const result = (await store.transaction([{ op: 'put', record, ...options }])).results[0]!;
  if (result.op !== 'put') throw new Error('unreachable: put returned a delete result');
  return result.record;
}

/** `delete` as a one-operation transaction, as every backend answers it. */
export async function deleteOne(
  store: Pick<ResourceStore, 'transaction'>,
  id: string,
  options: DeleteOptions,
): Promise<ResourceRecord | undefined> {
  const result = (await store.transaction([{ op: 'delete', id, ...options }])).results[0]!;
  if (result.op !== 'delete') throw new Error('unreachable: delete returned a put result');
  return result.deleted;
}
