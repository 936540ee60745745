/**
 * Schema migrations, keyed by `PRAGMA user_version`.
 *
 * `MIGRATIONS[i]` takes the schema from version i to i + 1. Opening a database
 * applies every missing step and the new `user_version` in one IMMEDIATE
 * transaction, so a crash mid-migration leaves the old schema intact and two
 * processes opening the same file cannot both migrate. Append only: never edit
 * a shipped step.
 */

import type { Database } from 'better-sqlite3';
import { StoreError, StoreSchemaTooNewError } from './errors.js';

/** "RSBG" (routeserver BGP), stamped in the SQLite header so a foreign database is refused. */
export const APPLICATION_ID = 0x52534247;

export const MIGRATIONS: readonly string[] = [
  // 1: resources and the revision counter
  `
  CREATE TABLE resources (
    id_key             TEXT    NOT NULL PRIMARY KEY,
    id                 TEXT    NOT NULL,
    type_key           TEXT    NOT NULL,
    type               TEXT    NOT NULL,
    parent_key         TEXT,
    parent_id          TEXT,
    name               TEXT    NOT NULL,
    subscription_key   TEXT,
    resource_group_key TEXT,
    body               TEXT    NOT NULL,
    etag               TEXT    NOT NULL,
    revision           INTEGER NOT NULL,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX resources_by_scope ON resources (type_key, subscription_key, resource_group_key, id_key);
  CREATE INDEX resources_by_parent ON resources (parent_key, type_key, id_key);
  CREATE TABLE store_meta (
    key   TEXT    NOT NULL PRIMARY KEY,
    value INTEGER NOT NULL
  ) STRICT;
  INSERT INTO store_meta (key, value) VALUES ('revision', 0);
  `,
  // 2: pages of one type in id order (how the service loads at start) read from an index, not
  // from a sort of every record of the type per page
  `
  CREATE INDEX resources_by_type ON resources (type_key, id_key);
  `,
];

export interface MigrationOutcome {
  readonly from: number;
  readonly to: number;
}

function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings `db` to `migrations.length`; refuses files from a newer routeserver or another application. */
export function migrate(
  db: Database,
  path: string,
  migrations: readonly string[] = MIGRATIONS,
): MigrationOutcome {
  const target = migrations.length;
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  if (applicationId !== 0 && applicationId !== APPLICATION_ID) {
    throw new StoreError('BGPRS_ERR_STORE_CORRUPT', `${path} is a SQLite database of another application`);
  }
  const before = userVersion(db);
  if (before > target) throw new StoreSchemaTooNewError(path, before, target);
  if (before === target) return { from: before, to: before };
  const apply = db.transaction(() => {
    const from = userVersion(db); // re-read under the write lock: another process may have migrated
    if (from > target) throw new StoreSchemaTooNewError(path, from, target);
    for (let step = from; step < target; step++) {
      try {
        db.exec(migrations[step]!);
      } catch (cause) {
        throw new StoreError('BGPRS_ERR_STORE_MIGRATION_FAILED', `migration ${step + 1} failed on ${path}`, {
          cause,
        });
      }
    }
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${target}`);
    return from;
  });
  return { from: apply.immediate(), to: target };
}
