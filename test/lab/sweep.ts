/**
 * Removes what a killed lab run left behind (after SIGKILL no exit handler
 * runs): `npx tsx test/lab/sweep.ts <prefix>`. Stops by PID every process
 * `ip netns pids` lists in the prefix's namespaces, and every process whose
 * command line points into the run's work directory, then deletes the
 * namespaces (which removes their veths and bridge) and the work directory.
 * It touches nothing outside that prefix.
 */
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { findLeftovers, isClean } from './leftovers.js';
import type { Leftovers } from './leftovers.js';
import { run, stopPid } from './process.js';

export async function sweep(prefix: string): Promise<Leftovers> {
  const found = await findLeftovers(prefix);
  await Promise.all(found.processes.map((p) => stopPid(p.pid)));
  for (const ns of found.namespaces) await run('ip', ['netns', 'del', ns]);
  for (const entry of readdirSync(tmpdir())) {
    if (entry.startsWith(`${prefix}-`)) rmSync(path.join(tmpdir(), entry), { recursive: true, force: true });
  }
  return found;
}

async function main(): Promise<void> {
  const prefix = process.argv[2];
  if (!prefix) {
    console.error('usage: npx tsx test/lab/sweep.ts <prefix>   (e.g. rl3k9z)');
    process.exit(2);
  }
  const removed = await sweep(prefix);
  for (const p of removed.processes) console.log(`stopped pid ${p.pid}: ${p.command}`);
  for (const ns of removed.namespaces) console.log(`deleted namespace ${ns}`);
  const after = await findLeftovers(prefix);
  if (!isClean(after)) {
    console.error('still present:', JSON.stringify(after, null, 2));
    process.exit(1);
  }
  console.log(`nothing left of ${prefix}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
