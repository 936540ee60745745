/**
 * Every acknowledged write survives kill -9, on SQLite and on etcd.
 *
 * A child process writes transactions through the store in a loop and
 * prints each acknowledgement; the test kills it with SIGKILL at a random
 * moment, many times, and after each kill re-opens the store and checks:
 * (SQLite) PRAGMA integrity_check is "ok"; the committed counter N is the last
 * acknowledged value or one more (the transaction in flight when it died); and
 * the records are exactly those that the N committed transactions leave
 * (each transaction is all-or-nothing).
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type ResourceStore } from '../../src/store/index.js';
import { startEtcd, type EtcdServer } from '../../src/store/etcd-server.test-support.js';
import { COUNTER_ID, WINDOW, peerId, storeTarget } from './store-durability-writer.js';

const WRITER = join(import.meta.dirname, 'store-durability-writer.ts');
const dir = mkdtempSync(join(tmpdir(), 'rs-durability-'));
const dbPath = join(dir, 'state.db');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface RunOutcome {
  readonly startedAt: number;
  readonly lastAck: number;
  readonly acks: number;
}

/** Starts a writer, lets it write for a random while, kills it with SIGKILL. */
function runAndKill(target: string): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, target], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let startedAt = -1;
    let lastAck = -1;
    let acks = 0;
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const [word, value] = line.split(' ');
      if (word === 'ready') {
        startedAt = Number(value);
        lastAck = startedAt;
        const delay = 20 + Math.floor(Math.random() * 300);
        setTimeout(() => {
          killed = true;
          child.kill('SIGKILL');
        }, delay);
      } else if (word === 'ack') {
        lastAck = Number(value);
        acks++;
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (!killed || signal !== 'SIGKILL') {
        reject(new Error(`writer ended on its own (code ${code}, signal ${signal}): ${stderr}`));
        return;
      }
      // the 'line' events of everything the child wrote before dying arrive before 'close'
      resolve({ startedAt, lastAck, acks });
    });
  });
}

async function committedState(store: ResourceStore): Promise<{ n: number; peers: string[] }> {
  try {
    const counter = await store.get(COUNTER_ID);
    const n = counter === undefined ? 0 : (counter.body as { n: number }).n;
    const page = await store.list({
      type: 'Microsoft.Network/virtualHubs/bgpConnections',
      parentId: COUNTER_ID,
    });
    return { n, peers: page.records.map((r) => r.id).sort() };
  } finally {
    await store.close();
  }
}

function expectedPeers(n: number): string[] {
  const ids: string[] = [];
  for (let i = Math.max(0, n - WINDOW); i < n; i++) ids.push(peerId(i));
  return ids.sort();
}

/**
 * Kills the writer `kills` times; after each kill `check` may look at the
 * backend, then the committed state must hold every acknowledged transaction.
 */
async function killRepeatedly(
  target: string,
  kills: number,
  check: () => void = () => undefined,
): Promise<void> {
  let totalAcks = 0;
  let inFlightCommitted = 0;
  for (let round = 0; round < kills; round++) {
    const run = await runAndKill(target);
    check();
    const state = await committedState(await storeTarget(target)());
    expect(run.startedAt).toBeLessThanOrEqual(run.lastAck);
    // durable: nothing acknowledged is lost; at most the one unacknowledged transaction landed
    expect(state.n === run.lastAck || state.n === run.lastAck + 1).toBe(true);
    // atomic: the records are exactly those of N whole transactions
    expect(state.peers).toEqual(expectedPeers(state.n));
    if (state.n === run.lastAck + 1) inFlightCommitted++;
    totalAcks += run.acks;
  }
  console.log(
    `store durability (${target.startsWith('etcd:') ? 'etcd' : 'SQLite'}): survived ${kills} kill -9, ` +
      `${totalAcks} acknowledged transactions, ${inFlightCommitted} unacknowledged in-flight transactions found committed`,
  );
  expect(totalAcks).toBeGreaterThan(0);
}

describe('SQLite store durability', () => {
  it('keeps every acknowledged transaction across 40 kill -9 of the writer', { timeout: 240_000 }, () =>
    killRepeatedly(dbPath, 40, () => {
      const store = openSqliteStore({ path: dbPath });
      try {
        expect(store.integrityCheck()).toEqual(['ok']);
      } finally {
        void store.close();
      }
    }),
  );
});

describe('etcd store durability', () => {
  let etcd: EtcdServer;

  beforeAll(async () => {
    etcd = await startEtcd();
  });

  afterAll(async () => {
    await etcd.stop();
  });

  it(
    'keeps every acknowledged transaction across 20 kill -9 of the writing process',
    { timeout: 240_000 },
    () => killRepeatedly(`etcd:${etcd.endpoint}:/durability/`, 20),
  );
});
