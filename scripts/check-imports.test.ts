import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkImports, moduleOf } from './check-imports.js';
import { MODULE_ORDER } from './import-rules.js';

const fixtures = path.resolve(import.meta.dirname, '../test/fixtures/import-check');

describe('import-direction check', () => {
  it('maps a file to the most specific module', () => {
    expect(moduleOf('src/bgp/codec/update.ts')).toBe('src/bgp/codec');
    expect(moduleOf('src/rib/adj-rib-in.ts')).toBe('src/rib');
    expect(moduleOf('test/lab/lab.ts')).toBeUndefined();
  });

  it('fails on the codec importing the route engine', () => {
    const violations = checkImports(path.join(fixtures, 'bad'));
    expect(violations).toContainEqual(
      expect.objectContaining({ file: 'src/bgp/codec/update.ts', specifier: '../../rib/table.js' }),
    );
  });

  it('fails on a pure module importing node:fs', () => {
    const violations = checkImports(path.join(fixtures, 'bad'));
    expect(violations).toContainEqual(
      expect.objectContaining({ file: 'src/policy/io.ts', specifier: 'node:fs' }),
    );
  });

  it('fails on the API importing the store (the API reaches it through src/routeserver only)', () => {
    const violations = checkImports(path.join(fixtures, 'bad'));
    expect(violations).toContainEqual(
      expect.objectContaining({
        file: 'src/api/errors.ts',
        specifier: '../store/records.js',
        reason: 'src/api may import only src/routeserver, src/lib, not src/store',
      }),
    );
  });

  it('accepts imports that point to lower layers, and an API test assembling the store', () => {
    expect(checkImports(path.join(fixtures, 'good'))).toEqual([]);
  });

  it('enforces the module table of docs/architecture.md, in its order', () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '../docs/architecture.md'), 'utf8');
    const table = [...doc.matchAll(/^\| \d+[a-z]? \| `(src\/[\w/]+)` \|/gm)].map((row) => row[1]);
    expect(table).toEqual([...MODULE_ORDER]);
  });

  it('passes on the repository itself', () => {
    expect(checkImports(path.resolve(import.meta.dirname, '..'))).toEqual([]);
  });
});
