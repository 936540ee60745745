/**
 * Runs `routeserver` as a user would (node bin/routeserver.js) for the CLI
 * and serve tests: a server in a temporary data directory on an ephemeral
 * port, and CLI invocations pointed at it through --data-dir.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const BIN = fileURLToPath(new URL('../../bin/routeserver.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * CLI calls against the server `current` returns (it is started in a
 * `beforeAll`, after these are made): `cli` as is, `succeed` for a command
 * that must succeed without a word on stderr (its stdout), `json` and
 * `table` (`-o table`, one string per line) on top of it.
 */
export function cliCalls(current: () => RunningServer) {
  const cli = (...args: string[]) => runCli([...args, '--data-dir', current().dataDir]);
  const succeed = async (...args: string[]): Promise<string> => {
    const result = await cli(...args);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return result.stdout;
  };
  const json = async (...args: string[]) => JSON.parse(await succeed(...args)) as Record<string, unknown>;
  const table = async (...args: string[]) => (await succeed(...args, '-o', 'table')).trimEnd().split('\n');
  return { cli, succeed, json, table };
}

export interface RunningServer {
  readonly dir: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  readonly output: () => string;
  readonly url: string;
  /** SIGTERM, then the exit code */
  stop(): Promise<number | null>;
  /** removes the temporary directory (after stop) */
  remove(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startServer(
  extraArgs: readonly string[] = [],
  dir = mkdtempSync(join(tmpdir(), 'rs-serve-')),
): Promise<RunningServer> {
  const dataDir = join(dir, 'data');
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--api-listen', '127.0.0.1:0', '--log-format', 'json', ...extraArgs],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const urlFile = join(dataDir, 'api-url');
  const deadline = Date.now() + 60_000;
  while (!existsSync(urlFile) || !output.includes('serving the API')) {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`serve did not start:\n${output}`);
    }
    await sleep(100);
  }
  return {
    dir,
    dataDir,
    process: child,
    output: () => output,
    url: readFileSync(urlFile, 'utf8').trim(),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
