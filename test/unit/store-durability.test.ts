/**
 * Every acknowledged write survives kill -9.
 *
 * A child process writes transactions through the SQLite store in a loop and
 * prints each acknowledgement; the test kills it with SIGKILL at a random
 * moment, many times, and after each kill re-opens the database and checks:
 * PRAGMA integrity_check is "ok"; the committed counter N is the last
 * acknowledged value or one more (the transaction in flight when it died); and
 * the records are exactly those that the N committed transactions leave
 * (each transaction is all-or-nothing).
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/index.js';
import { COUNTER_ID, WINDOW, peerId } from './store-durability-writer.js';

const KILLS = 40;
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
function runAndKill(): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dbPath], {
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

async function committedState(): Promise<{ integrity: string[]; n: number; peers: string[] }> {
  const store = openSqliteStore({ path: dbPath });
  try {
    const integrity = store.integrityCheck();
    const counter = await store.get(COUNTER_ID);
    const n = counter === undefined ? 0 : (counter.body as { n: number }).n;
    const page = await store.list({
      type: 'Microsoft.Network/virtualHubs/bgpConnections',
      parentId: COUNTER_ID,
    });
    return { integrity, n, peers: page.records.map((r) => r.id).sort() };
  } finally {
    await store.close();
  }
}

function expectedPeers(n: number): string[] {
  const ids: string[] = [];
  for (let i = Math.max(0, n - WINDOW); i < n; i++) ids.push(peerId(i));
  return ids.sort();
}

describe('SQLite store durability', () => {
  it(
    `keeps every acknowledged transaction across ${KILLS} kill -9 of the writer`,
    { timeout: 240_000 },
    async () => {
      let survived = 0;
      let totalAcks = 0;
      let inFlightCommitted = 0;
      for (let round = 0; round < KILLS; round++) {
        const run = await runAndKill();
        const state = await committedState();
        expect(state.integrity).toEqual(['ok']);
        expect(run.startedAt).toBeLessThanOrEqual(run.lastAck);
        // durable: nothing acknowledged is lost; at most the one unacknowledged transaction landed
        expect(state.n === run.lastAck || state.n === run.lastAck + 1).toBe(true);
        // atomic: the records are exactly those of N whole transactions
        expect(state.peers).toEqual(expectedPeers(state.n));
        if (state.n === run.lastAck + 1) inFlightCommitted++;
        totalAcks += run.acks;
        survived++;
      }
      console.log(
        `store durability: survived ${survived} kill -9, ${totalAcks} acknowledged transactions, ` +
          `${inFlightCommitted} unacknowledged in-flight transactions found committed`,
      );
      expect(survived).toBe(KILLS);
      expect(totalAcks).toBeGreaterThan(0);
    },
  );
});
