/**
 * The route engine's scheduler: work never runs inside the engine's API
 * calls; it is queued and done in slices, each yielding to the event loop
 * (setImmediate by default), so keepalives keep flowing under a full table.
 *
 * - `SliceScheduler`: at most one slice scheduled at a time; `whenIdle`
 *   waiters are released when a slice ends with no work left.
 * - `Walk`: a table walk done a budget at a time across slices (peer down,
 *   an update group's initial fill, re-export, address-space re-check).
 *   The walks below read the tables through iterators: prefixes added behind
 *   an iterator are handled by the change that added them.
 */
import type { PrefixKey } from '../lib/prefix.js';
import type { UpdateGroup } from './update-group.js';

interface Walk {
  /** processes up to `budget` items; returns the number processed, or -1 when finished */
  step(budget: number): number;
}

export class SliceScheduler {
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private readonly walks: Walk[] = [];

  constructor(
    private readonly scheduleTask: (task: () => void) => void,
    private readonly runSlice: () => void,
  ) {}

  /** Schedules a slice unless one is already scheduled. */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.scheduleTask(() => {
      this.scheduled = false;
      this.runSlice();
    });
  }

  addWalk(walk: Walk): void {
    this.walks.push(walk);
    this.schedule();
  }

  get walking(): boolean {
    return this.walks.length > 0;
  }

  /** Advances the walks, oldest first, by up to `budget` items in all. */
  runWalks(budget: number): void {
    while (budget > 0 && this.walks.length > 0) {
      const walk = this.walks[0]!;
      const done = walk.step(budget);
      if (done < 0) this.walks.shift();
      else budget -= Math.max(1, done);
    }
  }

  whenIdle(hasWork: boolean): Promise<void> {
    if (!hasWork) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Called at the end of a slice: schedules the next one, or releases the `whenIdle` waiters. */
  sliceDone(hasWork: boolean): void {
    if (hasWork) {
      this.schedule();
      return;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Marks every key of `keys` dirty in `group`, `perStep` per budget unit; stops when the group is gone. */
export function markAllWalk(
  group: UpdateGroup,
  keys: Iterator<PrefixKey>,
  isCurrent: () => boolean,
  onDone: () => void = () => {},
): Walk {
  return {
    step: (budget) => {
      if (!isCurrent()) return -1;
      for (let i = 0; i < budget * 4; i++) {
        const next = keys.next();
        if (next.done) {
          onDone();
          return -1;
        }
        group.dirty.add(next.value);
      }
      return budget;
    },
  };
}

/** Calls `visit` for every key of `keys`, then `onDone`; `afterStep` ends each step. */
export function eachKeyWalk(
  keys: Iterator<PrefixKey>,
  visit: (key: PrefixKey) => void,
  afterStep: () => void,
  onDone: () => void,
): Walk {
  return {
    step: (budget) => {
      for (let i = 0; i < budget; i++) {
        const next = keys.next();
        if (next.done) {
          afterStep();
          onDone();
          return -1;
        }
        visit(next.value);
      }
      afterStep();
      return budget;
    },
  };
}
