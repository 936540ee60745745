/**
 * CPU seconds and peak memory of a DUT from /proc: the process and all its
 * live descendants (OpenBGPD forks three children), plus what reaped
 * children used (cutime/cstime of the root).
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICKS = 100; // CLK_TCK on Linux

interface Stat {
  readonly ppid: number;
  /** utime + stime in ticks */
  readonly own: number;
  /** cutime + cstime in ticks */
  readonly children: number;
}

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // fields after "(comm) ": state ppid ... utime(14) stime(15) cutime(16) cstime(17)
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
}

/** The process and every descendant alive now. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat) continue;
    const list = parents.get(stat.ppid) ?? [];
    list.push(Number(name));
    parents.set(stat.ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(parents.get(pid) ?? []));
  }
  return out;
}

export interface Usage {
  readonly cpuSeconds: number;
  /** sum of VmHWM over the tree, MB */
  readonly peakRssMb: number;
  /** sum of VmRSS over the tree, MB */
  readonly rssMb: number;
}

function statusKb(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function usage(root: number): Usage {
  const tree = processTree(root);
  let ticks = readStat(root)?.children ?? 0;
  let hwm = 0;
  let rss = 0;
  for (const pid of tree) {
    ticks += readStat(pid)?.own ?? 0;
    hwm += statusKb(pid, 'VmHWM');
    rss += statusKb(pid, 'VmRSS');
  }
  return { cpuSeconds: ticks / TICKS, peakRssMb: hwm / 1024, rssMb: rss / 1024 };
}

/** 1-minute load average. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}
