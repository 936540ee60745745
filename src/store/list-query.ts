/**
 * What every store backend checks of a list query, the same way, and its
 * page cursor: the last id key of a page, base64url-encoded
 * (sqlite-store.ts, etcd-list.ts).
 */
import { StoreError } from './errors.js';
import type { ListQuery } from './types.js';

/** Refuses a group scope without a subscription and a limit that is not a positive integer. */
export function checkListQuery(query: ListQuery): void {
  if (query.resourceGroupName !== undefined && query.subscriptionId === undefined) {
    throw new StoreError('BGPRS_ERR_STORE_INVALID_RECORD', 'a resource group scope needs a subscription');
  }
  const { limit } = query;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new StoreError(
      'BGPRS_ERR_STORE_INVALID_RECORD',
      `list limit must be a positive integer, got ${limit}`,
    );
  }
}

export function encodeCursor(idKey: string): string {
  return Buffer.from(idKey, 'utf8').toString('base64url');
}

/** The id key a cursor continues after. */
export function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(cursor)) {
    throw new StoreError('BGPRS_ERR_STORE_INVALID_RECORD', 'malformed list cursor');
  }
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
