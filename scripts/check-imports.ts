/**
 * Import-direction check: fails when a module imports one above it in the
 * module table of docs/architecture.md, or when a pure module imports an I/O
 * builtin. Run as `npm run check:imports`; exits 1 on any violation.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { ALLOWED_IMPORTS, FORBIDDEN_EDGES, IO_BUILTINS, MODULE_ORDER, PURE_MODULES } from './import-rules.js';

export interface ImportViolation {
  file: string;
  specifier: string;
  reason: string;
}

function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listSources(full));
    else if (/\.(ts|tsx|mts)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** The module (longest matching entry of MODULE_ORDER) a repository-relative path belongs to. */
export function moduleOf(relativePath: string): string | undefined {
  const posix = relativePath.split(path.sep).join('/');
  let best: string | undefined;
  for (const mod of MODULE_ORDER) {
    if ((posix === mod || posix.startsWith(mod + '/')) && (!best || mod.length > best.length)) best = mod;
  }
  return best;
}

function importSpecifiers(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

function checkEdge(fromMod: string, toMod: string, isTest: boolean): string | undefined {
  if (fromMod === toMod) return undefined;
  const allowed = ALLOWED_IMPORTS[fromMod];
  if (!isTest && allowed !== undefined && !allowed.includes(toMod)) {
    return `${fromMod} may import only ${allowed.join(', ')}, not ${toMod}`;
  }
  if (FORBIDDEN_EDGES.some(([a, b]) => a === fromMod && b === toMod))
    return `${fromMod} must not import ${toMod}`;
  const from = MODULE_ORDER.indexOf(fromMod as (typeof MODULE_ORDER)[number]);
  const to = MODULE_ORDER.indexOf(toMod as (typeof MODULE_ORDER)[number]);
  if (to > from) return `${fromMod} must not import ${toMod}, a higher layer (later in the module table)`;
  return undefined;
}

/** Checks every source file under `<root>/src`; paths in the result are relative to root. */
export function checkImports(root: string): ImportViolation[] {
  const violations: ImportViolation[] = [];
  const srcDir = path.join(root, 'src');
  for (const file of listSources(srcDir)) {
    const rel = path.relative(root, file);
    const fromMod = moduleOf(rel);
    if (!fromMod) continue;
    const isTest = /\.test(-support)?\.ts$/.test(file);
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      const bare = spec.replace(/^node:/, '');
      if (!isTest && PURE_MODULES.includes(fromMod) && IO_BUILTINS.includes(bare)) {
        violations.push({
          file: rel,
          specifier: spec,
          reason: `${fromMod} is pure and must not import ${spec}`,
        });
        continue;
      }
      if (!spec.startsWith('.')) continue;
      const target = path.relative(root, path.resolve(path.dirname(file), spec));
      const toMod = moduleOf(target);
      if (!toMod) {
        if (!target.startsWith('src' + path.sep)) {
          violations.push({
            file: rel,
            specifier: spec,
            reason: 'code under src/ must not import outside src/',
          });
        }
        continue;
      }
      const reason = checkEdge(fromMod, toMod, isTest);
      if (reason) violations.push({ file: rel, specifier: spec, reason });
    }
  }
  return violations;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = path.resolve(process.argv[2] ?? '.');
  const violations = checkImports(root);
  for (const v of violations) console.error(`${v.file}: import '${v.specifier}': ${v.reason}`);
  console.log(`import check: ${violations.length} violation(s)`);
  process.exit(violations.length ? 1 : 0);
}
