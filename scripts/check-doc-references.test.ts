import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { behaviourSections, checkDocReferences } from './check-doc-references.js';

const made: string[] = [];

/** A throw-away repository holding `files` (path → text). */
function repository(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'doc-refs-'));
  made.push(root);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

afterEach(() => {
  for (const root of made.splice(0)) rmSync(root, { recursive: true, force: true });
});

const BEHAVIOUR = '# Azure\n\n## 2. BGP\n\n### 2.3 Route limit\n\ntext\n';

describe('documentation-reference check', () => {
  it('accepts references to files that exist, patterns and sections that exist', () => {
    const root = repository({
      'docs/azure-behaviour.md': BEHAVIOUR,
      'docs/serve.md':
        'See src/rib/engine.ts and src/{rib,sdn}/index.ts, src/**/*.test.ts, bench/results/<time>.md.\n',
      'src/rib/engine.ts':
        '/** the limit (docs/azure-behaviour.md §2.3, §2) */\nconst path = "docs/missing.md";\n',
      'src/rib/index.ts': '',
      'src/sdn/index.ts': '',
    });
    expect(behaviourSections(root)).toEqual(new Set(['2', '2.3']));
    expect(checkDocReferences(root)).toEqual([]);
  });

  it('reports a comment naming a document that does not exist, with its line', () => {
    const root = repository({ 'src/a.ts': 'const x = 1;\n\n// see docs/operations.md\n' });
    expect(checkDocReferences(root)).toEqual([
      {
        file: 'src/a.ts',
        line: 3,
        reference: 'docs/operations.md',
        reason: 'no such file or directory: docs/operations.md',
      },
    ]);
  });

  it('reports a missing file of a brace list, in a document and a shell comment', () => {
    const root = repository({
      'README.md': 'Layout: src/{a,b}.ts.\n',
      'src/a.ts': '',
      'scripts/run.sh': 'echo src/gone.ts # runs test/unit/gone.test.ts\n',
    });
    expect(checkDocReferences(root).map((p) => [p.file, p.reference, p.reason])).toEqual([
      ['scripts/run.sh', 'test/unit/gone.test.ts', 'no such file or directory: test/unit/gone.test.ts'],
      ['README.md', 'src/{a,b}.ts', 'no such file or directory: src/b.ts'],
    ]);
  });

  it('reports a behaviour section that does not exist and citations of outside sources', () => {
    const root = repository({
      'docs/azure-behaviour.md': BEHAVIOUR,
      'src/a.ts': [
        '/** docs/azure-behaviour.md §2.3 and §4.1 */',
        '// not an API shape (STYLE rule 8)',
        '// 4,000 routes (Azure reference §2.3)',
      ].join('\n'),
    });
    expect(checkDocReferences(root).map((p) => [p.line, p.reference])).toEqual([
      [1, 'docs/azure-behaviour.md §4.1'],
      [2, 'STYLE rule 8'],
      [3, 'Azure reference §'],
    ]);
  });

  it('passes on the repository itself', () => {
    expect(checkDocReferences(path.resolve(import.meta.dirname, '..'))).toEqual([]);
  });
});
