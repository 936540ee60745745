/**
 * The agent's hands on the kernel: iproute2's `ip`, in the VM's network
 * namespace (`ip -n NAME`) or the host's. Routes are written as one
 * `ip -force -batch -` per change set and read back with `ip -N -json route
 * show table main` (docs/agent.md says why `ip` rather than a netlink
 * library). Only the main table is used.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AGENT_ERROR_CODES as E, AgentError } from './errors.js';
import { readRoutes, type JsonRoute, type KernelRoute } from './kernel-routes.js';

/** Where one VM's routes go. */
export interface KernelTarget {
  /** named network namespace (`ip netns`); undefined = the agent's own namespace */
  readonly netns: string | undefined;
  readonly dev: string;
}

const IP = 'ip';

function ipArgs(target: KernelTarget, args: readonly string[]): string[] {
  return target.netns === undefined ? [...args] : ['-n', target.netns, ...args];
}

function run(target: KernelTarget, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(IP, ipArgs(target, args), { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else
        reject(
          new AgentError(E.KERNEL, `ip ${ipArgs(target, args).join(' ')}: ${stderr.trim() || error.message}`),
        );
    });
  });
}

/** Refuses a namespace or interface that does not exist, naming the fix. */
export async function checkTarget(target: KernelTarget): Promise<void> {
  if (target.netns !== undefined && !existsSync(`/run/netns/${target.netns}`)) {
    throw new AgentError(
      E.NO_NAMESPACE,
      `network namespace '${target.netns}' does not exist (see 'ip netns list'): create it or fix --netns`,
    );
  }
  try {
    await run(target, ['-json', 'link', 'show', 'dev', target.dev]);
  } catch {
    const where = target.netns === undefined ? 'this host' : `namespace '${target.netns}'`;
    throw new AgentError(E.NO_DEVICE, `${where} has no interface '${target.dev}': fix --dev`);
  }
}

/** The agent's own routes (route protocol `protocol`) and the prefixes other owners hold. */
export async function readKernelRoutes(
  target: KernelTarget,
  protocol: number,
): Promise<{ own: Map<string, KernelRoute>; foreign: Set<string> }> {
  const text = await run(target, ['-N', '-4', '-json', 'route', 'show', 'table', 'main']);
  return readRoutes(JSON.parse(text.trim() === '' ? '[]' : text) as JsonRoute[], protocol);
}

/** Runs `ip -batch` lines; resolves with the lines `ip` reported as failed (it goes on past them). */
export function runBatch(target: KernelTarget, lines: readonly string[]): Promise<string[]> {
  if (lines.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn(IP, ipArgs(target, ['-force', '-batch', '-']), { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => reject(new AgentError(E.KERNEL, `cannot run ip: ${error.message}`)));
    child.on('close', () => {
      resolve(
        stderr
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line.length > 0),
      );
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}
