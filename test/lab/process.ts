/**
 * Processes of the interop lab: start a program with its output in a log file,
 * know when it is gone (a zombie counts as gone), and stop it by PID:
 * SIGTERM, wait up to 5 s, then SIGKILL. Nothing here ever looks a process up
 * by name.
 */
import { spawn, spawnSync, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export const STOP_GRACE_MS = 5_000;

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether the promise settles within ms; the timer never outlives the wait. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Blocks the thread; only for exit handlers, where no event loop runs any more. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Whether PID names a live process. A zombie (state Z in /proc/PID/stat) is
 * dead: it only waits to be reaped, and PID 1 here reaps late (about 2 s).
 */
export function isAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // Format: "pid (comm) S ..."; comm may contain spaces and parentheses.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** Runs a command to completion (no shell); never throws on a non-zero exit. */
export function run(
  cmd: string,
  args: readonly string[],
  options: { timeoutMs?: number; input?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr: stderr || (error && !stderr ? String(error.message) : '') });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** Like `run`, but throws with the command's output when it exits non-zero. */
export async function runChecked(
  cmd: string,
  args: readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<string> {
  const result = await run(cmd, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} exited ${result.code}: ${(result.stderr || result.stdout).trim()}`,
    );
  }
  return result.stdout;
}

/** Synchronous `run` for exit handlers. */
export function runSync(cmd: string, args: readonly string[]): CommandResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A long-running program the lab started; its stdout and stderr go to `logFile`. */
export class LabProcess {
  readonly pid: number;
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly description: string,
    readonly logFile: string,
  ) {
    if (child.pid === undefined) throw new Error(`could not start ${description}`);
    this.pid = child.pid;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? null : 0);
        resolve(this.exitCode);
      });
    });
  }

  /** Starts cmd with stdin from /dev/null and stdout+stderr appended to logFile. */
  static start(
    cmd: string,
    args: readonly string[],
    options: { logFile: string; env?: Record<string, string> },
  ): LabProcess {
    const fd = openSync(options.logFile, 'a');
    try {
      const child = spawn(cmd, args, {
        stdio: ['ignore', fd, fd],
        env: options.env ? { ...process.env, ...options.env } : process.env,
      });
      // Spawn failures (ENOENT) arrive as an 'error' event; 'exit' still fires.
      child.on('error', () => undefined);
      return new LabProcess(child, `${cmd} ${args.join(' ')}`, options.logFile);
    } finally {
      closeSync(fd);
    }
  }

  get running(): boolean {
    return this.exitCode === undefined && isAlive(this.pid);
  }

  /** SIGTERM, wait up to STOP_GRACE_MS for the exit event, then SIGKILL. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.signal('SIGTERM');
    if (!(await settlesWithin(this.exited, graceMs))) {
      this.signal('SIGKILL');
      await settlesWithin(this.exited, 2_000);
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.exitCode !== undefined) return;
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }

  /** The last lines of the log, for error messages. */
  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}

/** Stops a process that is not our child (found via `ip netns pids`): TERM, wait, KILL. */
export async function stopPid(pid: number, graceMs = STOP_GRACE_MS): Promise<void> {
  if (!signalPid(pid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(50);
  }
  signalPid(pid, 'SIGKILL');
}

/** Synchronous `stopPid` for exit handlers, with a shorter grace period. */
export function stopPidSync(pid: number, graceMs = 2_000): void {
  if (!signalPid(pid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    sleepSync(50);
  }
  signalPid(pid, 'SIGKILL');
}

function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it returns a value other than undefined, or throws after timeoutMs. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; detail?: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(options.intervalMs ?? 100);
  }
  const reason = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
  const detail = options.detail ? `\n${options.detail()}` : '';
  throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${reason}${detail}`);
}
