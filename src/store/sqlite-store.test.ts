import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeStoreContract, hub } from './contract.test-support.js';
import { MIGRATIONS } from './migrations.js';
import { openSqliteStore, type SqliteResourceStore } from './sqlite-store.js';

function sqliteFixture() {
  let dir: string | undefined;
  return {
    fresh: () => {
      dir = mkdtempSync(join(tmpdir(), 'rs-store-'));
      return Promise.resolve(openSqliteStore({ path: join(dir, 'state.db') }));
    },
    reopen: (now?: () => Date) =>
      Promise.resolve(
        openSqliteStore({ path: join(dir!, 'state.db'), ...(now === undefined ? {} : { now }) }),
      ),
    cleanup: () => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

describeStoreContract('SQLite resource store', sqliteFixture());

describe('SQLite resource store: files and migrations', () => {
  let dir: string;
  let store: SqliteResourceStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rs-store-'));
    store = openSqliteStore({ path: join(dir, 'state.db') });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the schema in an empty file with WAL and full sync', async () => {
    expect(store.migration).toEqual({ from: 0, to: MIGRATIONS.length });
    expect(store.schemaVersion()).toBe(MIGRATIONS.length);
    expect(store.integrityCheck()).toEqual(['ok']);
    const raw = new Database(join(dir, 'state.db'), { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    const strict = raw.prepare(`SELECT sql FROM sqlite_schema WHERE name = 'resources'`).get() as {
      sql: string;
    };
    expect(strict.sql).toMatch(/STRICT/);
    raw.close();
  });

  it('reads a page of one type in id order from an index, without sorting the type', () => {
    const raw = new Database(join(dir, 'state.db'), { readonly: true });
    const plan = raw
      .prepare(
        'EXPLAIN QUERY PLAN SELECT id FROM resources WHERE type_key = ? AND id_key > ? ORDER BY id_key LIMIT 501',
      )
      .all('microsoft.network/routetables', '') as { detail: string }[];
    raw.close();
    const details = plan.map((row) => row.detail).join('; ');
    expect(details).toMatch(/USING (COVERING )?INDEX resources_by_type/);
    expect(details).not.toMatch(/TEMP B-TREE/);
  });

  it('re-opens an existing file without migrating again and keeps its records', async () => {
    const written = await store.put(hub('rs1'));
    await store.close();
    store = openSqliteStore({ path: join(dir, 'state.db') });
    expect(store.migration).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length });
    expect(await store.get(written.id)).toEqual(written);
    expect(await store.revision()).toBe(1);
  });

  it('refuses a file written by a newer version with a clear error', async () => {
    await store.close();
    const raw = new Database(join(dir, 'state.db'));
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => openSqliteStore({ path: join(dir, 'state.db') })).toThrow(
      expect.objectContaining({ code: 'BGPRS_ERR_STORE_SCHEMA_TOO_NEW', fileVersion: MIGRATIONS.length + 1 }),
    );
    store = openSqliteStore({ path: ':memory:' });
  });

  it('refuses a file that is not a database', async () => {
    writeFileSync(join(dir, 'junk.db'), 'this is not sqlite'.repeat(100));
    expect(() => openSqliteStore({ path: join(dir, 'junk.db') })).toThrow(
      expect.objectContaining({ code: 'BGPRS_ERR_STORE_CORRUPT' }),
    );
  });
});
