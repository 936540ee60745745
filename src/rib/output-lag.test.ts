import { describe, expect, it } from 'vitest';
import { CeaseSubcode, ErrorCode } from '../bgp/codec/index.js';
import type { SessionCloseRequest } from './session-close.js';
import {
  harness,
  NVA1,
  NVA2,
  NVA3,
  pathAttributes,
  TestOutput,
  up,
  updateOf,
} from './fixtures.test-support.js';
import type { Harness } from './fixtures.test-support.js';

/** `count` UPDATEs from NVA1, one /32 each with its own MED: one attribute set (and UPDATE) per prefix. */
function announceDistinct(h: Harness, count: number, offset = 0): void {
  for (let i = offset; i < offset + count; i++) {
    const prefix = `172.16.${i >> 8}.${i & 255}/32`;
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1, { med: i }), [prefix]));
  }
}

/** The session's socket stops being read: the next send reports backpressure and no drain follows. */
async function stall(h: Harness, output: TestOutput): Promise<void> {
  output.blocked = true;
  h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['192.0.2.0/24']));
  await h.engine.whenIdle();
  expect(output.waitingForDrain).toBe(true);
}

function setUp(outputLagLimit: number): {
  h: Harness;
  requests: SessionCloseRequest[];
  stuck: TestOutput;
  reader: TestOutput;
} {
  const h = harness({ outputLagLimit });
  const requests: SessionCloseRequest[] = [];
  h.engine.onSessionCloseRequested((r) => requests.push(r));
  const stuck = new TestOutput();
  const reader = new TestOutput();
  up(h, NVA1, 65001);
  up(h, NVA2, 65002, stuck);
  up(h, NVA3, 65003, reader);
  return { h, requests, stuck, reader };
}

describe('a peer that stops reading', () => {
  it('has its session closed with Cease / Out of Resources once it is more than the limit behind', async () => {
    const { h, requests, stuck } = setUp(8192);
    h.engine.receiveUpdate(NVA2, updateOf(pathAttributes([65002], NVA2), ['10.9.0.0/16']));
    await h.engine.whenIdle();
    await stall(h, stuck);
    announceDistinct(h, 1000);
    await h.engine.whenIdle();
    expect(requests).toEqual([
      {
        peer: NVA2,
        reason: 'output-lag',
        notification: {
          type: 'notification',
          code: ErrorCode.Cease,
          subcode: CeaseSubcode.OutOfResources,
          data: new Uint8Array(0),
        },
      },
    ]);
    expect(h.engine.counters.outputLagExceeded).toBe(1);
    // its routes are withdrawn as for a session that went down
    expect(h.sink.route('10.9.0.0/16')).toBeUndefined();
  });

  it('never delays the other peers of its group, and the journal it held is released', async () => {
    const { h, stuck, reader } = setUp(8192);
    await stall(h, stuck);
    announceDistinct(h, 1000);
    await h.engine.whenIdle();
    expect(reader.table.size).toBe(1001);
    expect(reader.endOfRibCount).toBe(1);
    expect(h.engine.journalBytes).toBe(0);
  });

  it('holds no more than the limit plus one slice of UPDATEs for it', async () => {
    const limit = 8192;
    const { h, stuck } = setUp(limit);
    await stall(h, stuck);
    let peak = 0;
    for (let i = 0; i < 20; i++) {
      announceDistinct(h, 50, i * 50);
      await h.engine.whenIdle();
      peak = Math.max(peak, h.engine.journalBytes);
    }
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(limit + 50 * 64);
  });

  it('is sent the whole table again when its session comes back', async () => {
    const { h, requests, stuck } = setUp(8192);
    await stall(h, stuck);
    announceDistinct(h, 1000);
    await h.engine.whenIdle();
    expect(requests.map((r) => r.peer)).toEqual([NVA2]);
    h.engine.peerDown(NVA2);
    const again = new TestOutput();
    up(h, NVA2, 65002, again);
    await h.engine.whenIdle();
    expect(again.table.size).toBe(1001);
    expect(again.endOfRibCount).toBe(1);
  });

  it('keeps a peer that reads slowly but stays within the limit', async () => {
    const { h, requests, stuck } = setUp(64 * 1024);
    await stall(h, stuck);
    announceDistinct(h, 500);
    await h.engine.whenIdle();
    stuck.drain();
    await h.engine.whenIdle();
    expect(requests).toEqual([]);
    expect(stuck.table.size).toBe(501);
    expect(h.engine.journalBytes).toBe(0);
  });
});
