import { describe, expect, it } from 'vitest';
import { prefixKey, parsePrefix } from '../lib/prefix.js';
import {
  harness,
  NVA1,
  NVA2,
  pathAttributes,
  TestOutput,
  up,
  updateOf,
  withdrawalOf,
} from './fixtures.test-support.js';
import type { Harness } from './fixtures.test-support.js';
import type { StaleTimers } from './stale-routes.js';

/** Timers fired by the test, never by a clock. */
class ManualTimers implements StaleTimers {
  readonly pending = new Map<number, { milliseconds: number; fire: () => void }>();
  private next = 1;
  set(milliseconds: number, fire: () => void): unknown {
    const id = this.next++;
    this.pending.set(id, { milliseconds, fire });
    return id;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fireAll(): void {
    const timers = [...this.pending.values()];
    this.pending.clear();
    for (const timer of timers) timer.fire();
  }
}

/** Every injected-route batch that removed `prefix` from the VNet. */
function removals(h: Harness, prefix: string): number {
  const key = prefixKey(parsePrefix(prefix));
  let count = 0;
  for (const batch of h.sink.batches)
    for (let i = 0; i < batch.size; i++) if (batch.keyAt(i) === key && batch.hopSetAt(i) === 0) count++;
  return count;
}

async function nvaWithRoutes(timers: ManualTimers): Promise<{ h: Harness; other: TestOutput }> {
  const h = harness({ staleTimers: timers });
  const other = new TestOutput();
  up(h, NVA1, 65001);
  up(h, NVA2, 65002, other);
  h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['192.168.1.0/24', '192.168.2.0/24']));
  await h.engine.whenIdle();
  return { h, other };
}

describe('stale routes of a restarting peer (RFC 4724 §4.2)', () => {
  it('keeps the routes in the Loc-RIB, the VNet and other peers when the session ends gracefully', async () => {
    const timers = new ManualTimers();
    const { h, other } = await nvaWithRoutes(timers);
    h.engine.peerDown(NVA1, { keepStaleSeconds: 120 });
    await h.engine.whenIdle();
    expect(h.sink.route('192.168.1.0/24')?.nextHops).toEqual([NVA1]);
    expect(h.sink.route('192.168.2.0/24')?.nextHops).toEqual([NVA1]);
    expect(other.table.has('192.168.1.0/24')).toBe(true);
    expect(h.engine.staleRouteCount(NVA1)).toBe(2);
    expect([...timers.pending.values()].map((t) => t.milliseconds)).toEqual([120_000]);
    expect(removals(h, '192.168.1.0/24')).toBe(0);
  });

  it('withdraws them at once when the session ends without graceful restart', async () => {
    const { h } = await nvaWithRoutes(new ManualTimers());
    h.engine.peerDown(NVA1);
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(0);
    expect(h.engine.staleRouteCount(NVA1)).toBe(0);
  });

  it('replaces a stale route with the one the new session announces, without a gap in the VNet', async () => {
    const { h } = await nvaWithRoutes(new ManualTimers());
    h.engine.peerDown(NVA1, { keepStaleSeconds: 120 });
    up(h, NVA1, 65001);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001, 65100], NVA1), ['192.168.1.0/24']));
    await h.engine.whenIdle();
    expect(removals(h, '192.168.1.0/24')).toBe(0);
    expect(h.engine.learnedRoutes(NVA1)).toMatchObject([
      { network: '192.168.1.0/24', asPath: '65001-65100' },
    ]);
    expect(h.engine.staleRouteCount(NVA1)).toBe(1);
  });

  it('sweeps the stale routes the peer did not announce again at its End-of-RIB', async () => {
    const timers = new ManualTimers();
    const { h, other } = await nvaWithRoutes(timers);
    h.engine.peerDown(NVA1, { keepStaleSeconds: 120 });
    up(h, NVA1, 65001);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['192.168.1.0/24']));
    await h.engine.whenIdle();
    h.engine.sweepStale(NVA1, 4);
    await h.engine.whenIdle();
    expect(h.sink.route('192.168.1.0/24')?.nextHops).toEqual([NVA1]);
    expect(h.sink.route('192.168.2.0/24')).toBeUndefined();
    expect(other.table.has('192.168.2.0/24')).toBe(false);
    expect(removals(h, '192.168.1.0/24')).toBe(0);
    expect(h.engine.staleRouteCount(NVA1)).toBe(0);
    expect(timers.pending.size).toBe(0);
  });

  it('leaves the stale routes of the other family to that family’s End-of-RIB', async () => {
    const { h } = await nvaWithRoutes(new ManualTimers());
    h.engine.peerDown(NVA1, { keepStaleSeconds: 120 });
    h.engine.sweepStale(NVA1, 6);
    await h.engine.whenIdle();
    expect(h.engine.staleRouteCount(NVA1)).toBe(2);
    expect(h.sink.table.size).toBe(2);
  });

  it('removes a stale route the new session withdraws', async () => {
    const { h } = await nvaWithRoutes(new ManualTimers());
    h.engine.peerDown(NVA1, { keepStaleSeconds: 120 });
    up(h, NVA1, 65001);
    h.engine.receiveUpdate(NVA1, withdrawalOf(['192.168.2.0/24']));
    await h.engine.whenIdle();
    expect(h.sink.route('192.168.2.0/24')).toBeUndefined();
    expect(h.engine.staleRouteCount(NVA1)).toBe(1);
  });

  it('sweeps every stale route when the restart time runs out', async () => {
    const timers = new ManualTimers();
    const { h, other } = await nvaWithRoutes(timers);
    h.engine.peerDown(NVA1, { keepStaleSeconds: 120 });
    await h.engine.whenIdle();
    timers.fireAll();
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(0);
    expect(other.table.size).toBe(0);
    expect(h.engine.staleRouteCount(NVA1)).toBe(0);
  });

  it('re-arms the timer with the stale-path time once the session is back', async () => {
    const timers = new ManualTimers();
    const { h } = await nvaWithRoutes(timers);
    h.engine.peerDown(NVA1, { keepStaleSeconds: 120 });
    up(h, NVA1, 65001);
    h.engine.keepStale(NVA1, 360);
    expect([...timers.pending.values()].map((t) => t.milliseconds)).toEqual([360_000]);
    timers.fireAll();
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(0);
  });

  it('withdraws the stale routes with the new session when that one ends without graceful restart', async () => {
    const { h } = await nvaWithRoutes(new ManualTimers());
    h.engine.peerDown(NVA1, { keepStaleSeconds: 120 });
    up(h, NVA1, 65001);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['192.168.3.0/24']));
    await h.engine.whenIdle();
    h.engine.peerDown(NVA1);
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(0);
  });

  it('keeps both sessions’ routes stale when the new session ends gracefully before its End-of-RIB', async () => {
    const { h } = await nvaWithRoutes(new ManualTimers());
    h.engine.peerDown(NVA1, { keepStaleSeconds: 120 });
    up(h, NVA1, 65001);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), ['192.168.3.0/24']));
    await h.engine.whenIdle();
    h.engine.peerDown(NVA1, { keepStaleSeconds: 120 });
    await h.engine.whenIdle();
    expect(h.engine.staleRouteCount(NVA1)).toBe(3);
    expect(h.sink.table.size).toBe(3);
  });

  it('keeps nothing for a Restart Time of 0', async () => {
    const { h } = await nvaWithRoutes(new ManualTimers());
    h.engine.peerDown(NVA1, { keepStaleSeconds: 0 });
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(0);
  });

  it('cancels the timers when the engine is disposed', async () => {
    const timers = new ManualTimers();
    const { h } = await nvaWithRoutes(timers);
    h.engine.peerDown(NVA1, { keepStaleSeconds: 120 });
    h.engine.dispose();
    expect(timers.pending.size).toBe(0);
  });
});
