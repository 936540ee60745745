import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sharedExportNames } from './exported-names.js';

describe('exported names', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  function tree(files: Record<string, string>): string {
    root = mkdtempSync(path.join(tmpdir(), 'exported-names-'));
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
    return root;
  }

  it('finds a type name two modules export', () => {
    const dir = tree({
      'src/rib/ingest.ts': 'export interface RouteTable {}\n',
      'src/sdn/types.ts': 'export type RouteTable = { id: string };\n',
      'src/sdn/other.ts': 'export class Other {}\n',
    });
    expect(sharedExportNames(dir)).toEqual(
      new Map([['RouteTable', ['src/rib/ingest.ts', 'src/sdn/types.ts']]]),
    );
  });

  it('accepts a type and a value of one name in one file, and test files', () => {
    const dir = tree({
      'src/a.ts': 'export type Code = 1;\nexport function Code() {}\n',
      'src/a.test.ts': 'export function Code() {}\n',
    });
    expect(sharedExportNames(dir).size).toBe(0);
  });

  it('passes on the repository itself', () => {
    expect(sharedExportNames(path.resolve(import.meta.dirname, '..'))).toEqual(new Map());
  });
});
