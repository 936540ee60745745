/**
 * Memory of a withdrawn table, given back before the next table arrives.
 *
 * When a peer withdraws a full table (or its session ends), its attribute
 * sets, paths and export blocks become garbage in the instance thread's old
 * generation. V8 collects that generation when it grows, not when it holds
 * garbage: a table announced again right after (a flapping NVA, a
 * withdraw-all and re-announce) was allocated beside the old one's garbage,
 * and the thread's memory grew by half the table each time (scenario b′ of
 * `npm run bench`: 610 MB after the load, 951 MB after the re-announce).
 *
 * `TableReclaimer` watches the Loc-RIB's size. Once it has held at least
 * `minimum` routes and then fallen to a sixteenth of its peak, it runs one
 * full collection. The collection stops the thread, but with the table gone
 * little is left to mark: 40–80 ms after a million routes were withdrawn,
 * against 470 ms at half the table. It runs once per fall; the peak starts
 * again from the size left.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Loc-RIB routes a table must reach before its fall starts a collection. */
export const RECLAIM_MINIMUM_ROUTES = 100_000;
/** The collection runs once the Loc-RIB is at most this fraction of its peak. */
const FALL = 16;

/** A full, synchronous garbage collection of this thread's heap, or undefined where V8 gives none. */
export function fullCollection(): (() => void) | undefined {
  // `gc` exists only in contexts made after the flag is set (the main context of this thread has none)
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
  return typeof gc === 'function' ? () => void (gc as () => void)() : undefined;
}

export interface ReclaimStatistics {
  /** full collections run after a table fell */
  readonly collections: number;
  /** their time in all, in milliseconds */
  readonly milliseconds: number;
}

export class TableReclaimer {
  private peak = 0;
  private collections = 0;
  private milliseconds = 0;

  constructor(
    private readonly collect: () => void,
    private readonly minimum = RECLAIM_MINIMUM_ROUTES,
  ) {}

  /** Reads the Loc-RIB's size; runs the collection when the table has fallen. True when it ran. */
  observe(routes: number): boolean {
    if (routes > this.peak) this.peak = routes;
    if (this.peak < this.minimum || routes * FALL > this.peak) return false;
    const start = performance.now();
    this.collect();
    this.milliseconds += performance.now() - start;
    this.collections++;
    this.peak = routes;
    return true;
  }

  get statistics(): ReclaimStatistics {
    return { collections: this.collections, milliseconds: this.milliseconds };
  }
}
