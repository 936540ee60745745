/**
 * Documentation-reference check: fails when a comment (in .ts, .js and .sh
 * files) or a Markdown document names a repository path that does not exist
 * (`docs/serve.md`, `src/rib/engine.ts`, `test/lab/README.md`, …), or cites a
 * section of docs/azure-behaviour.md (`docs/azure-behaviour.md §2.3`) that the
 * document does not have, or cites a source outside the repository (a style
 * guide's rule number, a section of an Azure reference that is not
 * docs/azure-behaviour.md; OUTSIDE_SOURCES). Run as
 * `npm run check:docs`; exits 1 on any dangling reference.
 *
 * Paths are recognised by their first directory (src, test, scripts, bench,
 * docs, examples, bin); a name with a glob or placeholder (`*`, `<…>`) is a
 * pattern, not a reference, and brace lists (`{a,b}.ts`) are expanded.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

export interface DanglingReference {
  readonly file: string;
  readonly line: number;
  readonly reference: string;
  readonly reason: string;
}

const ROOTS = ['src', 'test', 'scripts', 'bench', 'docs', 'examples', 'bin'];
const SCANNED_DIRS = ['src', 'test', 'scripts', 'bench', 'docs', 'examples', 'bin', '.ci'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'data', 'coverage', 'results', '.lab']);
/** Generated, gitignored locations that docs may name although a checkout lacks them. */
const GENERATED = ['bench/results', 'dist/', 'data/', 'coverage/'];
const BEHAVIOUR_DOC = 'docs/azure-behaviour.md';
const PATH_PATTERN = new RegExp(`(?<![\\w./-])(?:${ROOTS.join('|')})/[\\w.{},*<>/-]*[\\w}*>]`, 'g');
/** Citations of documents that are not in the repository. */
const OUTSIDE_SOURCES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bSTYLE(?: rule \d+|:)/g, 'a style guide outside the repository'],
  [/\bDESIGN\b/g, 'a design note outside the repository'],
  [/(?:Azure reference|\breference) §|Azure §/g, 'cite docs/azure-behaviour.md §N'],
  [/open question \d+/g, 'cite docs/azure-behaviour.md §13 item N'],
  [/(?<![\w/.-])(?:performance|interop-lab)\.md\b/g, 'a note outside the repository'],
];
const SECTION_PATTERN = /docs\/azure-behaviour\.md ((?:§\s?\d+(?:\.\d+)?(?:(?:, |–|-| and |\/)?)?)+)/g;

function listFiles(root: string, dir: string): string[] {
  const full = path.join(root, dir);
  if (!existsSync(full)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(full)) {
    if (SKIPPED_DIRS.has(entry)) continue;
    const relative = path.posix.join(dir, entry);
    if (statSync(path.join(root, relative)).isDirectory()) out.push(...listFiles(root, relative));
    else if (/\.(ts|js|sh|md)$/.test(entry) || dir === '.ci') out.push(relative);
  }
  return out;
}

/** The comments of a TypeScript or JavaScript source, with the line each starts on. */
function scriptComments(text: string): Array<{ text: string; line: number }> {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  const comments: Array<{ text: string; line: number }> = [];
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.SingleLineCommentTrivia || token === ts.SyntaxKind.MultiLineCommentTrivia) {
      const start = scanner.getTokenStart();
      comments.push({ text: scanner.getTokenText(), line: text.slice(0, start).split('\n').length });
    }
  }
  return comments;
}

/** The comments of a shell script (from `#` to the end of the line, outside quotes being good enough here). */
function shellComments(text: string): Array<{ text: string; line: number }> {
  return text
    .split('\n')
    .map((line, index) => ({ text: line.replace(/^[^#]*?(#|$)/, ''), line: index + 1 }))
    .filter((comment) => comment.text !== '');
}

/** The text of a file in which references count, as pieces that know their first line. */
function referenceText(file: string, text: string): Array<{ text: string; line: number }> {
  if (file.endsWith('.md')) return [{ text, line: 1 }];
  if (file.endsWith('.sh') || file.startsWith('.ci/')) return shellComments(text);
  return scriptComments(text);
}

function expandBraces(reference: string): string[] {
  const match = /\{([^{}]*)\}/.exec(reference);
  if (match === null) return [reference];
  return match[1]!
    .split(',')
    .flatMap((choice) =>
      expandBraces(reference.slice(0, match.index) + choice + reference.slice(match.index + match[0].length)),
    );
}

/** The section numbers (`2`, `2.3`) of the headings of docs/azure-behaviour.md. */
export function behaviourSections(root: string): Set<string> {
  const file = path.join(root, BEHAVIOUR_DOC);
  if (!existsSync(file)) return new Set();
  const sections = new Set<string>();
  for (const match of readFileSync(file, 'utf8').matchAll(/^#{2,4} (\d+(?:\.\d+)?)\.? /gm))
    sections.add(match[1]!);
  return sections;
}

function pathProblem(root: string, reference: string): string | undefined {
  if (/[*<>]/.test(reference) || GENERATED.some((prefix) => reference.startsWith(prefix))) return undefined;
  const missing = expandBraces(reference).filter((candidate) => !existsSync(path.join(root, candidate)));
  return missing.length === 0 ? undefined : `no such file or directory: ${missing.join(', ')}`;
}

function lineOf(piece: { text: string; line: number }, index: number): number {
  return piece.line + piece.text.slice(0, index).split('\n').length - 1;
}

/** Every dangling reference in the repository at `root`. */
export function checkDocReferences(root: string): DanglingReference[] {
  const sections = behaviourSections(root);
  const problems: DanglingReference[] = [];
  for (const file of SCANNED_DIRS.flatMap((dir) => listFiles(root, dir)).concat(topLevelDocs(root))) {
    for (const piece of referenceText(file, readFileSync(path.join(root, file), 'utf8'))) {
      for (const match of piece.text.matchAll(PATH_PATTERN)) {
        const reference = match[0].replace(/[.]+$/, '');
        const reason = pathProblem(root, reference);
        if (reason !== undefined)
          problems.push({ file, line: lineOf(piece, match.index), reference, reason });
      }
      for (const [pattern, reason] of OUTSIDE_SOURCES)
        for (const match of piece.text.matchAll(pattern))
          problems.push({ file, line: lineOf(piece, match.index), reference: match[0], reason });
      for (const match of piece.text.matchAll(SECTION_PATTERN)) {
        for (const cited of match[1]!.matchAll(/§\s?(\d+(?:\.\d+)?)/g)) {
          if (sections.has(cited[1]!)) continue;
          problems.push({
            file,
            line: lineOf(piece, match.index),
            reference: `${BEHAVIOUR_DOC} §${cited[1]}`,
            reason: 'no such section',
          });
        }
      }
    }
  }
  return problems;
}

function topLevelDocs(root: string): string[] {
  return readdirSync(root).filter((entry) => entry.endsWith('.md'));
}

function main(): void {
  const problems = checkDocReferences(process.cwd());
  for (const p of problems) console.error(`${p.file}:${p.line}: ${p.reference}: ${p.reason}`);
  console.log(`doc reference check: ${problems.length} dangling reference(s)`);
  if (problems.length > 0) process.exit(1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
