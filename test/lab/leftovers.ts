/**
 * What remains of a lab run: namespaces named `<prefix>-*`, processes inside
 * them or still pointing at the run's work directory (a namespace deleted
 * without killing its processes leaves them running, nameless), and links
 * (veths, bridge) either in those namespaces or in the root namespace.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from './process.js';

export interface LeftoverProcess {
  pid: number;
  command: string;
}

export interface Leftovers {
  namespaces: string[];
  processes: LeftoverProcess[];
  /** `namespace:link` for links inside leftover namespaces, plain names in the root namespace. */
  links: string[];
}

export function isClean(leftovers: Leftovers): boolean {
  return (
    leftovers.namespaces.length === 0 && leftovers.processes.length === 0 && leftovers.links.length === 0
  );
}

const PREFIX = /^[a-z0-9]{2,10}$/;

export async function labNamespaces(prefix: string): Promise<string[]> {
  const out = (await run('ip', ['netns', 'list'])).stdout;
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`${prefix}-`));
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return undefined;
  }
}

function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return undefined;
  }
}

/** Live (non-zombie) processes whose command line mentions the run's work directory. */
function processesUsingWorkDir(prefix: string): LeftoverProcess[] {
  const marker = path.join(tmpdir(), `${prefix}-`);
  const found: LeftoverProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const command = commandLine(pid);
    if (!command || !command.includes(marker)) continue;
    const state = processState(pid);
    if (state === undefined || state === 'Z' || state === 'X') continue;
    found.push({ pid, command });
  }
  return found;
}

function linkNames(ipLinkOutput: string): string[] {
  return ipLinkOutput
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

export async function findLeftovers(prefix: string): Promise<Leftovers> {
  if (!PREFIX.test(prefix)) throw new Error(`not a lab prefix: ${prefix}`);
  const namespaces = await labNamespaces(prefix);
  const processes = new Map<number, LeftoverProcess>();
  const links: string[] = [];
  for (const ns of namespaces) {
    const pids = (await run('ip', ['netns', 'pids', ns])).stdout.split(/\s+/).filter((s) => /^\d+$/.test(s));
    for (const pid of pids.map(Number)) {
      const state = processState(pid);
      if (state === undefined || state === 'Z') continue;
      processes.set(pid, { pid, command: commandLine(pid) ?? '?' });
    }
    const nsLinks = linkNames((await run('ip', ['-n', ns, '-o', 'link', 'show'])).stdout);
    links.push(...nsLinks.filter((l) => l !== 'lo').map((l) => `${ns}:${l}`));
  }
  for (const p of processesUsingWorkDir(prefix)) processes.set(p.pid, p);
  const rootLinks = linkNames((await run('ip', ['-o', 'link', 'show'])).stdout);
  links.push(...rootLinks.filter((l) => l.startsWith(prefix)));
  return { namespaces, processes: [...processes.values()], links };
}
