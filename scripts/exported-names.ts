/**
 * Exported type, interface, class, enum and function names that more than
 * one file under `src/` declares. Each name should say what one thing is:
 * two modules exporting `RouteTable` for different things make a reader
 * (and an import) guess. Constants are not checked.
 *
 *   npx tsx scripts/exported-names.ts   (exit 1 when a name is shared)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const DECLARATION =
  /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:interface|type|class|enum|function)\s+([A-Za-z_$][\w$]*)/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    const source =
      entry.name.endsWith('.ts') && !/\.test(-support)?\.ts$|\.test-support\.ts$/.test(entry.name);
    return source ? [full] : [];
  });
}

/** Names declared by more than one file below `root/src`, with the files (relative to root). */
export function sharedExportNames(root: string): Map<string, string[]> {
  const files = new Map<string, Set<string>>();
  for (const file of sourceFiles(path.join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(DECLARATION)) {
      const name = match[1]!;
      let set = files.get(name);
      if (set === undefined) files.set(name, (set = new Set()));
      set.add(path.relative(root, file));
    }
  }
  return new Map([...files].filter(([, set]) => set.size > 1).map(([name, set]) => [name, [...set].sort()]));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const shared = sharedExportNames(path.resolve(import.meta.dirname, '..'));
  for (const [name, files] of shared) console.error(`${name}: ${files.join(', ')}`);
  process.exit(shared.size === 0 ? 0 : 1);
}
