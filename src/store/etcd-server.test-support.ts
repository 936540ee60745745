/**
 * A throw-away single-member etcd (Debian's etcd-server) on loopback for the
 * store's tests: a data directory of its own, ports the kernel picked free a
 * moment before (tried again when another process took one in between),
 * stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EtcdServer {
  readonly endpoint: string;
  /** stops the process (SIGKILL with `crash`) and keeps the data directory */
  halt(crash?: boolean): Promise<void>;
  /** starts it again on the same ports and data */
  resume(): Promise<void>;
  /** stops it and removes its data */
  stop(): Promise<void>;
}

const ETCD = '/usr/bin/etcd';
const START_ATTEMPTS = 5;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Resolves when etcd says it serves clients; rejects with its output when it exits first. */
function started(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready to serve client requests')) {
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
        child.stderr?.resume();
        resolve();
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`etcd exited (${code}) before serving:\n${output}`));
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

function launch(dataDir: string, clientPort: number, peerPort: number): ChildProcess {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return spawn(
    ETCD,
    [
      '--name=test',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=test=${peer}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

function exited(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

export async function startEtcd(): Promise<EtcdServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rs-etcd-'));
  for (let attempt = 1; ; attempt++) {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    let child = launch(join(dataDir, 'data'), clientPort, peerPort);
    try {
      await started(child);
    } catch (error) {
      if (attempt < START_ATTEMPTS && String(error).includes('address already in use')) continue;
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
    return {
      endpoint: `http://127.0.0.1:${clientPort}`,
      halt: (crash = false) => exited(child, crash ? 'SIGKILL' : 'SIGTERM'),
      resume: async () => {
        child = launch(join(dataDir, 'data'), clientPort, peerPort);
        await started(child);
      },
      stop: async () => {
        await exited(child, 'SIGTERM');
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
}
