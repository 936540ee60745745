/**
 * Reference counts of interned ids (hop-sets.ts, instance-states.ts): an id
 * is made with no reference, lives while something holds one, and is
 * forgotten — its value dropped by the owner, the id reused — when the last
 * reference goes, or at the next `sweep` when nothing ever took one (a
 * union's intermediate set, a state a batch passed through). Id 0 means
 * "none" and is never counted.
 */
export class RefCounts {
  private refs = new Int32Array(16);
  private readonly free: number[] = [];
  /** ids made since the last `sweep` */
  private fresh: number[] = [];

  constructor(
    /** drops the value of `id` (the owner's part of forgetting it) */
    private readonly drop: (id: number) => void,
    /** whether `id` names a value (not yet forgotten) */
    private readonly live: (id: number) => boolean,
  ) {}

  /** An id for a new value, with no reference: a forgotten one, else `next` (the owner's next unused id). */
  make(next: number): number {
    const id = this.free.pop() ?? next;
    if (id >= this.refs.length) {
      const refs = new Int32Array(Math.max(this.refs.length * 2, id + 1));
      refs.set(this.refs);
      this.refs = refs;
    }
    this.refs[id] = 0;
    this.fresh.push(id);
    return id;
  }

  retain(id: number): void {
    if (id !== 0) this.refs[id]!++;
  }

  /** Drops a reference; the id is forgotten when none is left. */
  release(id: number): void {
    if (id !== 0 && --this.refs[id]! === 0) this.forget(id);
  }

  /** Forgets the ids made since the last sweep that nothing retained. */
  sweep(): void {
    if (this.fresh.length === 0) return;
    for (const id of this.fresh) if (this.live(id) && this.refs[id] === 0) this.forget(id);
    this.fresh = [];
  }

  private forget(id: number): void {
    this.drop(id);
    this.free.push(id);
  }
}
