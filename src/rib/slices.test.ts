import { describe, expect, it } from 'vitest';
import { harness, pathAttributes, peerInfo, TestOutput, updateOf } from './fixtures.test-support.js';

const NVA1 = '10.0.2.4';

/** A scheduler the test drives by hand: each `step()` runs one slice. */
function manualScheduler() {
  const tasks: (() => void)[] = [];
  return {
    schedule: (task: () => void) => tasks.push(task),
    step: () => tasks.shift()?.(),
    get pending() {
      return tasks.length;
    },
  };
}

function prefixes(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `172.16.${i >> 8}.${i & 255}/32`);
}

describe('work in slices', () => {
  it('does nothing inside receiveUpdate: the work runs in a later slice', () => {
    const scheduler = manualScheduler();
    const h = harness({ schedule: scheduler.schedule });
    h.engine.peerUp(NVA1, peerInfo(NVA1, 65001), new TestOutput());
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), prefixes(10)));
    expect(h.engine.locRibSize).toBe(0);
    expect(scheduler.pending).toBe(1);
    scheduler.step();
    expect(h.engine.locRibSize).toBe(10);
  });

  it('spreads a large table over slices of bounded size, with one VNet batch per slice', () => {
    const scheduler = manualScheduler();
    const h = harness({ schedule: scheduler.schedule, sliceSize: 100, routeLimit: 10_000 });
    h.engine.peerUp(NVA1, peerInfo(NVA1, 65001), new TestOutput());
    for (let i = 0; i < 20; i++) {
      h.engine.receiveUpdate(
        NVA1,
        updateOf(pathAttributes([65001, i + 1], NVA1), prefixes(1000).slice(i * 50, i * 50 + 50)),
      );
    }
    let slices = 0;
    while (scheduler.pending > 0) {
      const before = h.engine.locRibSize;
      scheduler.step();
      slices++;
      // a slice ingests whole UPDATEs until its budget of 100 prefixes is used
      expect(h.engine.locRibSize - before).toBeLessThanOrEqual(100);
    }
    expect(h.engine.locRibSize).toBe(1000);
    expect(slices).toBeGreaterThanOrEqual(10);
    expect(h.sink.batches.every((batch) => batch.size <= 100)).toBe(true);
    expect(h.sink.batches.length).toBe(10);
  });

  it('withdraws a large peer table in slices when the peer goes down', () => {
    const scheduler = manualScheduler();
    const h = harness({ schedule: scheduler.schedule, sliceSize: 200, routeLimit: 10_000 });
    h.engine.peerUp(NVA1, peerInfo(NVA1, 65001), new TestOutput());
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), prefixes(1000)));
    while (scheduler.pending > 0) scheduler.step();
    expect(h.engine.locRibSize).toBe(1000);
    h.engine.peerDown(NVA1);
    scheduler.step();
    expect(h.engine.locRibSize).toBe(800);
    while (scheduler.pending > 0) scheduler.step();
    expect(h.engine.locRibSize).toBe(0);
    expect(h.sink.table.size).toBe(0);
  });
});
