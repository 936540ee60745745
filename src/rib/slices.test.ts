import { describe, expect, it } from 'vitest';
import {
  harness,
  hostRoutes,
  manualScheduler,
  NVA1,
  pathAttributes,
  up,
  updateOf,
} from './fixtures.test-support.js';

describe('work in slices', () => {
  it('does nothing inside receiveUpdate: the work runs in a later slice', () => {
    const scheduler = manualScheduler();
    const h = harness({ schedule: scheduler.schedule });
    up(h, NVA1, 65001);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), hostRoutes(10)));
    expect(h.engine.locRibSize).toBe(0);
    expect(scheduler.pending).toBe(1);
    scheduler.step();
    expect(h.engine.locRibSize).toBe(10);
  });

  it('spreads a large table over slices of bounded size, with one VNet batch per slice', () => {
    const scheduler = manualScheduler();
    const h = harness({ schedule: scheduler.schedule, sliceSize: 100, routeLimit: 10_000 });
    up(h, NVA1, 65001);
    for (let i = 0; i < 20; i++) {
      h.engine.receiveUpdate(
        NVA1,
        updateOf(pathAttributes([65001, i + 1], NVA1), hostRoutes(1000).slice(i * 50, i * 50 + 50)),
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
    up(h, NVA1, 65001);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), hostRoutes(1000)));
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
