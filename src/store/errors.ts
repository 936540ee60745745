/**
 * Typed errors of the durable store. Each carries a stable `code`
 * (`BGPRS_ERR_STORE_*`, listed in docs/errors.md) so callers (the domain
 * service, the API's error mapper) switch on codes, never on messages.
 */
import { CodedError } from '../lib/errors.js';

export type StoreErrorCode =
  | 'BGPRS_ERR_STORE_CONFLICT'
  | 'BGPRS_ERR_STORE_ALREADY_EXISTS'
  | 'BGPRS_ERR_STORE_NOT_FOUND'
  | 'BGPRS_ERR_STORE_INVALID_ID'
  | 'BGPRS_ERR_STORE_INVALID_RECORD'
  | 'BGPRS_ERR_STORE_INVALID_TRANSACTION'
  | 'BGPRS_ERR_STORE_SCHEMA_TOO_NEW'
  | 'BGPRS_ERR_STORE_MIGRATION_FAILED'
  | 'BGPRS_ERR_STORE_CORRUPT'
  | 'BGPRS_ERR_STORE_CLOSED'
  | 'BGPRS_ERR_STORE_BACKEND';

export class StoreError extends CodedError<StoreErrorCode> {
  override readonly name: string = 'StoreError';
  /** index of the failing operation when the error comes from a transaction */
  operationIndex: number | undefined;
}

/** The expected etag does not match the record's current etag (optimistic concurrency). */
export class StoreConflictError extends StoreError {
  override readonly name = 'StoreConflictError';
  constructor(
    readonly id: string,
    readonly expectedEtag: string,
    readonly currentEtag: string,
  ) {
    super(
      'BGPRS_ERR_STORE_CONFLICT',
      `etag mismatch for ${id}: expected ${expectedEtag}, found ${currentEtag}`,
    );
  }
}

/** A create-only write (`mustNotExist`) found a record already there. */
export class StoreAlreadyExistsError extends StoreError {
  override readonly name = 'StoreAlreadyExistsError';
  constructor(
    readonly id: string,
    readonly currentEtag: string,
  ) {
    super('BGPRS_ERR_STORE_ALREADY_EXISTS', `record already exists: ${id}`);
  }
}

/** A write that requires an existing record (expected etag, `mustExist`) found none. */
export class StoreNotFoundError extends StoreError {
  override readonly name = 'StoreNotFoundError';
  constructor(readonly id: string) {
    super('BGPRS_ERR_STORE_NOT_FOUND', `record not found: ${id}`);
  }
}

/** The database file was written by a newer version of routeserver. */
export class StoreSchemaTooNewError extends StoreError {
  override readonly name = 'StoreSchemaTooNewError';
  constructor(
    readonly path: string,
    readonly fileVersion: number,
    readonly supportedVersion: number,
  ) {
    super(
      'BGPRS_ERR_STORE_SCHEMA_TOO_NEW',
      `database ${path} has schema version ${fileVersion}, this routeserver supports up to ${supportedVersion}; ` +
        'upgrade routeserver or restore a backup made by this version',
    );
  }
}

export function isStoreError(value: unknown): value is StoreError {
  return value instanceof StoreError;
}
