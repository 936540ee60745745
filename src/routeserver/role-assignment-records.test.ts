/**
 * Role assignments in the store: written once under their id, listed across
 * pages, read back, deleted; an id the store cannot hold names none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteResourceStore } from '../store/index.js';
import { RoleAssignmentRecords, type RoleAssignmentRecord } from './role-assignment-records.js';

const SCOPE = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1';

let dir: string;
let store: SqliteResourceStore;
let records: RoleAssignmentRecords;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rs-role-records-'));
  store = openSqliteStore({ path: join(dir, 'state.db') });
  records = new RoleAssignmentRecords(store);
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const assignment = (index: number): RoleAssignmentRecord => ({
  name: `00000000-0000-4000-8000-${index.toString().padStart(12, '0')}`,
  scope: SCOPE,
  roleDefinitionName: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  principalId: 'aaaaaaaa-0000-0000-0000-000000000001',
  principalType: 'ServicePrincipal',
  createdOn: '2026-12-02T00:00:00.000Z',
  createdBy: '',
});

describe('role assignment records', () => {
  it('writes an assignment once under its id, and reads it back', async () => {
    expect(await records.create(assignment(1))).toBe(true);
    expect(
      await records.create({ ...assignment(1), principalId: 'aaaaaaaa-0000-0000-0000-000000000002' }),
    ).toBe(false);
    expect(await records.get(SCOPE.toUpperCase(), assignment(1).name)).toEqual(assignment(1));
    expect(
      (await store.get(`${SCOPE}/providers/Microsoft.Authorization/roleAssignments/${assignment(1).name}`))
        ?.type,
    ).toBe('Microsoft.Authorization/roleAssignments');
  });

  it('lists every assignment across pages of the store', async () => {
    for (let index = 0; index < 501; index++) await records.create(assignment(index));
    const listed = await records.list();
    expect(listed).toHaveLength(501);
    expect(listed[500]).toEqual(assignment(500));
  });

  it('deletes an assignment, and finds none to delete after', async () => {
    await records.create(assignment(1));
    expect(await records.delete(SCOPE, assignment(1).name)).toEqual(assignment(1));
    expect(await records.delete(SCOPE, assignment(1).name)).toBeUndefined();
    expect(await records.get(SCOPE, assignment(1).name)).toBeUndefined();
  });

  it('finds nothing under an id the store cannot hold', async () => {
    expect(await records.get(SCOPE, 'a\u0001b')).toBeUndefined();
  });
});
