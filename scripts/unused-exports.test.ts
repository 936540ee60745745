import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findUnusedExports } from './unused-exports.js';

const root = mkdtempSync(path.join(tmpdir(), 'unused-exports-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(file: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}

write(
  'tsconfig.json',
  JSON.stringify({
    compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true },
    include: ['src', 'test'],
  }),
);
write('package.json', JSON.stringify({ type: 'module' }));
write(
  'src/lib/math.ts',
  [
    'export function used(): number { return helper() + 1; }',
    'export function viaIndex(): number { return 2; }',
    'export function onlyHere(): number { return 3; }',
    'export function helper(): number { return 0; }',
    'export const unusedConstant = onlyHere();',
    'export interface UnusedShape { readonly a: number }',
  ].join('\n'),
);
write('src/lib/index.ts', "export { viaIndex } from './math.js';\n");
write('src/lib/loaded.ts', 'export function loadedDynamically(): number { return 4; }\n');
write(
  'src/main.ts',
  [
    "import { used } from './lib/math.js';",
    "import { viaIndex } from './lib/index.js';",
    'console.log(used(), viaIndex());',
    "const loaded = await import('./lib/loaded.js');",
    'console.log(loaded.loadedDynamically());',
  ].join('\n'),
);
write('test/math.test.ts', "import { helper } from '../src/lib/math.js';\nhelper();\n");

describe('unused-export check', () => {
  it('lists exports nothing imports, counting imports through an index, dynamic imports and tests', () => {
    expect(findUnusedExports(root).map((u) => `${u.file}:${u.line}:${u.name}`)).toEqual([
      'src/lib/math.ts:3:onlyHere',
      'src/lib/math.ts:5:unusedConstant',
      'src/lib/math.ts:6:UnusedShape',
    ]);
  });
});
