/**
 * How the etcd store lays resources out under its key prefix (default
 * `/routeserver/`):
 *
 * - `<prefix>t/<type key>\0<id key>` holds the record (JSON, below): one
 *   range over `<prefix>t/<type key>\0` lists a type in id order, and the
 *   subscription, resource-group and parent filters narrow that range to an
 *   id prefix (ARM ids nest: a child's id starts with its parent's);
 * - `<prefix>i/<id key>` holds the type key, so a record is found by id alone.
 *
 * The NUL byte ends the type key (type keys contain `/`, ids start with it);
 * neither ids nor types may contain it (ids.ts refuses control characters).
 * A record's revision is its key's mod revision; its etag is a random UUID
 * kept in the value, as the SQLite store's is.
 */
import { idKey, typeKey } from './ids.js';
import type { ResourceRecord } from './types.js';

export const DEFAULT_ETCD_PREFIX = '/routeserver/';

/** The record's JSON in etcd: everything but the revision (the key's mod revision). */
export type StoredValue = Omit<ResourceRecord, 'revision'>;

export class EtcdKeys {
  constructor(private readonly prefix: string) {}

  /** Every record key starts with this (the change feed watches it). */
  records(): Buffer {
    return Buffer.from(`${this.prefix}t/`);
  }

  ofType(type: string): string {
    return `${this.prefix}t/${typeKey(type)}\0`;
  }

  record(type: string, id: string): Buffer {
    return Buffer.from(this.ofType(type) + idKey(id));
  }

  pointer(id: string): Buffer {
    return Buffer.from(`${this.prefix}i/${idKey(id)}`);
  }

  /** The id key of a record key (what follows the NUL). */
  idKeyOf(key: Buffer): string {
    const text = key.toString('utf8');
    return text.slice(text.indexOf('\0') + 1);
  }
}

/** The first key after every key that starts with `prefix` (etcd's range_end for a prefix). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

export function encodeValue(value: StoredValue): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export function decodeRecord(value: Buffer, modRevision: string | number): ResourceRecord {
  const stored = JSON.parse(value.toString('utf8')) as StoredValue;
  return { ...stored, revision: Number(modRevision) };
}
