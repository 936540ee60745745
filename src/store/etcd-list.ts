/**
 * Listing in the etcd store: one key range per type (etcd-keys.ts), narrowed
 * to the id prefix that the query's scope implies, read in pages until the
 * requested number of records that really match (exact subscription, group
 * and parent, as the SQLite store compares them) is found.
 */
import type { IKeyValue } from 'etcd3';
import { decodeRecord, prefixEnd, type EtcdKeys } from './etcd-keys.js';
import { checkListQuery, decodeCursor, encodeCursor } from './list-query.js';
import { idKey, idScope } from './ids.js';
import type { ListQuery, ResourcePage, ResourceRecord } from './types.js';

/** Reads keys in [start, end), at most `limit` of them, in key order. */
export type RangeReader = (
  start: Buffer,
  end: Buffer,
  limit: number,
) => Promise<{ kvs: readonly IKeyValue[]; more: boolean }>;

const READ_BATCH = 500;

/** The id prefix every match shares, from the most specific scope the query names. */
function scopePrefix(query: ListQuery): string {
  if (query.parentId !== undefined) return `${idKey(query.parentId)}/`;
  if (query.subscriptionId === undefined) return '';
  const subscription = `/subscriptions/${query.subscriptionId.toLowerCase()}/`;
  if (query.resourceGroupName === undefined) return subscription;
  return `${subscription}resourcegroups/${query.resourceGroupName.toLowerCase()}/`;
}

function matches(query: ListQuery, record: ResourceRecord): boolean {
  if (query.parentId !== undefined && idKey(record.parentId ?? '') !== idKey(query.parentId)) return false;
  const scope = idScope(record.id);
  if (query.subscriptionId !== undefined && scope.subscriptionKey !== query.subscriptionId.toLowerCase())
    return false;
  if (
    query.resourceGroupName !== undefined &&
    scope.resourceGroupKey !== query.resourceGroupName.toLowerCase()
  )
    return false;
  return true;
}

export async function listRange(read: RangeReader, keys: EtcdKeys, query: ListQuery): Promise<ResourcePage> {
  checkListQuery(query);
  const scope = Buffer.from(keys.ofType(query.type) + scopePrefix(query));
  const end = prefixEnd(scope);
  let start =
    query.cursor === undefined
      ? scope
      : Buffer.concat([Buffer.from(keys.ofType(query.type) + decodeCursor(query.cursor)), Buffer.from([0])]);
  const wanted = query.limit === undefined ? Infinity : query.limit + 1; // one more tells whether a page follows
  const found: Array<{ record: ResourceRecord; idKey: string }> = [];
  for (;;) {
    const batch = await read(start, end, Math.min(READ_BATCH, wanted - found.length));
    for (const kv of batch.kvs) {
      const record = decodeRecord(kv.value, kv.mod_revision);
      if (matches(query, record)) found.push({ record, idKey: keys.idKeyOf(kv.key) });
    }
    if (!batch.more || batch.kvs.length === 0 || found.length >= wanted) break;
    start = Buffer.concat([batch.kvs[batch.kvs.length - 1]!.key, Buffer.from([0])]);
  }
  if (query.limit === undefined || found.length <= query.limit)
    return { records: found.map((f) => f.record) };
  const page = found.slice(0, query.limit);
  return {
    records: page.map((f) => f.record),
    nextCursor: encodeCursor(page[page.length - 1]!.idKey),
  };
}
