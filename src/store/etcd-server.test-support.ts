/**
 * Throw-away etcd clusters (Debian's etcd-server) on loopback for the
 * store's tests and benchmarks: one member or several, each with a data
 * directory of its own and ports the kernel picked free a moment before
 * (tried again when another process took one in between), stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EtcdMember {
  readonly endpoint: string;
  /** stops the process (SIGKILL with `crash`) and keeps its data */
  halt(crash?: boolean): Promise<void>;
  /** starts it again on the same ports and data */
  resume(): Promise<void>;
}

export interface EtcdCluster {
  readonly endpoints: readonly string[];
  readonly members: readonly EtcdMember[];
  /** stops every member and removes the data */
  stop(): Promise<void>;
}

/** A single-member cluster, its one member's controls at hand. */
export interface EtcdServer extends EtcdMember {
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

function exited(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

interface Ports {
  readonly client: number;
  readonly peer: number;
}

function launcher(
  dataDir: string,
  ports: readonly Ports[],
  index: number,
  token: string,
): () => ChildProcess {
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const cluster = ports.map((p, i) => `m${i}=${url(p.peer)}`).join(',');
  const own = ports[index]!;
  return () =>
    spawn(
      ETCD,
      [
        `--name=m${index}`,
        `--data-dir=${join(dataDir, `m${index}`)}`,
        `--listen-client-urls=${url(own.client)}`,
        `--advertise-client-urls=${url(own.client)}`,
        `--listen-peer-urls=${url(own.peer)}`,
        `--initial-advertise-peer-urls=${url(own.peer)}`,
        `--initial-cluster=${cluster}`,
        `--initial-cluster-token=${token}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
}

async function tryStart(dataDir: string, size: number): Promise<EtcdCluster> {
  const ports: Ports[] = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), peer: await freePort() });
  const token = `rs-test-${process.pid}-${ports[0]!.peer}`;
  const launches = ports.map((_, i) => launcher(dataDir, ports, i, token));
  const children = launches.map((launch) => launch());
  const results = await Promise.allSettled(children.map(started));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(children.map((child) => exited(child, 'SIGKILL')));
    throw failed.reason;
  }
  const members = ports.map((p, i): EtcdMember & { stop(): Promise<void> } => ({
    endpoint: `http://127.0.0.1:${p.client}`,
    halt: (crash = false) => exited(children[i]!, crash ? 'SIGKILL' : 'SIGTERM'),
    resume: async () => {
      children[i] = launches[i]!();
      await started(children[i]);
    },
    stop: () => exited(children[i]!, 'SIGTERM'),
  }));
  return {
    endpoints: members.map((m) => m.endpoint),
    members,
    stop: async () => {
      await Promise.all(members.map((m) => m.stop()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startEtcdCluster(size: number): Promise<EtcdCluster> {
  for (let attempt = 1; ; attempt++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'rs-etcd-'));
    try {
      return await tryStart(dataDir, size);
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      if (attempt >= START_ATTEMPTS || !String(error).includes('address already in use')) throw error;
    }
  }
}

export async function startEtcd(): Promise<EtcdServer> {
  const cluster = await startEtcdCluster(1);
  const member = cluster.members[0]!;
  return {
    endpoint: member.endpoint,
    halt: (crash) => member.halt(crash),
    resume: () => member.resume(),
    stop: () => cluster.stop(),
  };
}
