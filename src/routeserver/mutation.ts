/**
 * One write of the domain service, built before anything is committed:
 * - changes to the live virtual network model, each with its undo, applied
 *   as the write is planned (the model validates each change);
 * - the store operations that persist the write, committed as one
 *   transaction;
 * - live effects (BGP runtime calls) that run only after the commit, and
 *   what to do once they have run (`onSettled`).
 * If planning throws or the store refuses the transaction, `rollback` undoes
 * the model changes in reverse order: a refused request changes nothing.
 */
import type { StoreOperation } from '../store/index.js';
import { idKey } from './ids.js';
import type { Stored } from './records.js';
import type { WriteOptions } from './types.js';

type Effect = () => Promise<void>;

/**
 * The store re-checks a single expected etag inside its transaction. The
 * service checked every condition before planning (checkWriteConditions,
 * core.ts), and writes run one at a time, so a list of etags needs no
 * second check.
 */
function storeConditions(options: WriteOptions): { expectedEtag?: string } {
  const expected = options.expectedEtags;
  return expected?.length === 1 ? { expectedEtag: expected[0]! } : {};
}

export class Mutation {
  private readonly operations = new Map<string, StoreOperation>();
  private readonly undos: (() => void)[] = [];
  readonly effects: Effect[] = [];
  private readonly settledCallbacks: (() => void)[] = [];

  /** Runs a model change now and remembers how to undo it. */
  apply<T>(run: () => T, undo: (result: T) => void): T {
    const result = run();
    this.undos.push(() => undo(result));
    return result;
  }

  put(
    record: { id: string; type: string; parentId?: string; name: string; body: unknown },
    options: WriteOptions = {},
  ): void {
    this.operations.set(idKey(record.id), {
      op: 'put',
      record: {
        id: record.id,
        type: record.type,
        name: record.name,
        body: record.body,
        ...(record.parentId === undefined ? {} : { parentId: record.parentId }),
      },
      ...storeConditions(options),
      ...(options.mustNotExist === true ? { mustNotExist: true } : {}),
    });
  }

  /** Rewrites a parent record unchanged, so its etag changes with its children (as ARM's does). */
  touch(record: Stored | undefined): void {
    if (record === undefined || this.operations.has(idKey(record.id))) return;
    this.put(record);
  }

  delete(id: string, options: WriteOptions = {}): void {
    this.operations.set(idKey(id), { op: 'delete', id, ...storeConditions(options) });
  }

  effect(effect: Effect): void {
    this.effects.push(effect);
  }

  /** Runs `callback` once the committed write's live effects have run or failed (not on a rollback). */
  onSettled(callback: () => void): void {
    this.settledCallbacks.push(callback);
  }

  /** The live effects have run or failed: the `onSettled` callbacks run. */
  settle(): void {
    for (const callback of this.settledCallbacks.splice(0)) callback();
  }

  storeOperations(): StoreOperation[] {
    return [...this.operations.values()];
  }

  rollback(): void {
    for (const undo of this.undos.reverse()) undo();
    this.undos.length = 0;
  }
}
