import { describe, expect, it } from 'vitest';
import { fullCollection, RECLAIM_MINIMUM_ROUTES, TableReclaimer } from './reclaim.js';

describe('TableReclaimer', () => {
  it('collects once when a table of at least the minimum falls to a sixteenth of its peak', () => {
    let collected = 0;
    const reclaimer = new TableReclaimer(() => collected++, 1_000);
    for (const routes of [0, 400, 1_000, 1_600, 800, 101]) expect(reclaimer.observe(routes)).toBe(false);
    expect(reclaimer.observe(100)).toBe(true);
    expect(collected).toBe(1);
    // the peak starts again from what was left: the rest of the fall does not collect again
    for (const routes of [60, 0, 0]) reclaimer.observe(routes);
    expect(collected).toBe(1);
    expect(reclaimer.statistics.collections).toBe(1);
    expect(reclaimer.statistics.milliseconds).toBeGreaterThanOrEqual(0);
  });

  it('leaves a table smaller than the minimum to V8, however far it falls', () => {
    let collected = 0;
    const reclaimer = new TableReclaimer(() => collected++);
    reclaimer.observe(RECLAIM_MINIMUM_ROUTES - 1);
    reclaimer.observe(0);
    expect(collected).toBe(0);
  });

  it('collects again after the table has grown back and fallen once more', () => {
    let collected = 0;
    const reclaimer = new TableReclaimer(() => collected++, 1_000);
    for (const routes of [2_000, 0, 2_000, 0]) reclaimer.observe(routes);
    expect(collected).toBe(2);
  });
});

describe('fullCollection', () => {
  it('frees an unreachable object at once', async () => {
    const collect = fullCollection();
    expect(collect).toBeTypeOf('function');
    // nothing but the WeakRef ever holds the object
    const ref = new WeakRef({ table: new Array<number>(1_000).fill(1) });
    // a WeakRef keeps its target alive until the job that made it ends
    await new Promise((resolve) => setImmediate(resolve));
    collect!();
    expect(ref.deref()).toBeUndefined();
  });
});
