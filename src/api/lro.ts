/**
 * Long-running operations, as Azure's pollers walk them.
 *
 * An operation is registered with the promise of its work. Its status resource
 * (`…/locations/{location}/operations/{id}`, named by the Azure-AsyncOperation
 * header) reports `InProgress` / `Succeeded` / `Failed`; its result resource
 * (`…/locations/{location}/operationResults/{id}`, named by the Location header)
 * answers 202 while running and the final result when done. Ids are random
 * UUIDs (122 random bits): unguessable, and each is bound to its subscription.
 * Finished operations expire after `ttlMs`; the registry holds at most
 * `maxOperations`, dropping the oldest finished ones first. Running operations
 * live in memory; with a `persistence` (the domain service's operation
 * records in the store) each finished operation is saved, and a poll for one
 * not in memory — after a restart, or on another API process sharing the
 * store — is answered from there. Otherwise (and for an operation that was
 * running when its process stopped) a poll gets 404, as ARM gives for an
 * unknown operation.
 */

import { randomUUID } from 'node:crypto';
import { ArmError, toArmError, type ArmErrorBody } from './errors.js';

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

export interface OperationState {
  readonly id: string;
  readonly subscriptionId: string;
  readonly location: string;
  readonly status: OperationStatus;
  readonly startTime: string;
  readonly endTime?: string;
  /** for Failed: the ARM error and the HTTP status the result resource answers with */
  readonly error?: ArmErrorBody['error'];
  readonly errorStatusCode?: number;
  /** for Succeeded: the body the result resource returns (undefined = 204 No Content) */
  readonly result?: unknown;
}

interface OperationRegistryOptions {
  /** how long a finished operation stays readable, default one hour */
  readonly ttlMs?: number;
  readonly maxOperations?: number;
  readonly now?: () => number;
  /** called when an operation's work fails with something that is not an ArmError */
  readonly onUnexpectedError?: (operationId: string, error: unknown) => void;
}

/** Where finished operations are kept beyond this process (src/routeserver/operation-records.ts). */
interface OperationPersistence {
  save(state: OperationState): Promise<void>;
  load(subscriptionId: string, operationId: string): Promise<unknown>;
}

interface Entry {
  state: OperationState;
  expiresAt: number;
}

export class OperationRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxOperations: number;
  private readonly now: () => number;
  private readonly onUnexpectedError: (operationId: string, error: unknown) => void;
  private persistence: OperationPersistence | undefined;

  constructor(options: OperationRegistryOptions = {}) {
    this.ttlMs = options.ttlMs ?? 3_600_000;
    this.maxOperations = options.maxOperations ?? 10_000;
    this.now = options.now ?? Date.now;
    this.onUnexpectedError = options.onUnexpectedError ?? (() => undefined);
  }

  /** Registers `work`; its fulfilment value becomes the operation's result. */
  start(subscriptionId: string, location: string, work: Promise<unknown>): OperationState {
    this.prune();
    const state: OperationState = {
      id: randomUUID(),
      subscriptionId,
      location,
      status: 'InProgress',
      startTime: new Date(this.now()).toISOString(),
    };
    const entry: Entry = { state, expiresAt: Number.POSITIVE_INFINITY };
    this.entries.set(state.id, entry);
    work.then(
      (result) => this.finish(entry, { status: 'Succeeded', ...(result === undefined ? {} : { result }) }),
      (error: unknown) => {
        if (!(error instanceof ArmError)) this.onUnexpectedError(state.id, error);
        const armError = toArmError(error);
        this.finish(entry, {
          status: 'Failed',
          error: armError.toBody().error,
          errorStatusCode: armError.statusCode,
        });
      },
    );
    return state;
  }

  /** The operation if it exists, has not expired and belongs to `subscriptionId` (case-insensitive). */
  get(subscriptionId: string, id: string): OperationState | undefined {
    const entry = this.entries.get(id.toLowerCase());
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(entry.state.id);
      return undefined;
    }
    if (entry.state.subscriptionId.toLowerCase() !== subscriptionId.toLowerCase()) return undefined;
    return entry.state;
  }

  /** Saves finished operations to `persistence` from now on, and reads the ones not in memory from it. */
  persistTo(persistence: OperationPersistence): void {
    this.persistence = persistence;
  }

  /** `get`, or else the saved operation (undefined when there is none, or it expired). */
  async find(subscriptionId: string, id: string): Promise<OperationState | undefined> {
    const state = this.get(subscriptionId, id);
    if (state !== undefined || this.persistence === undefined) return state;
    return (await this.persistence.load(subscriptionId, id)) as OperationState | undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  private finish(entry: Entry, outcome: Partial<OperationState>): void {
    entry.state = { ...entry.state, ...outcome, endTime: new Date(this.now()).toISOString() };
    entry.expiresAt = this.now() + this.ttlMs;
    this.persistence
      ?.save(entry.state)
      .catch((error: unknown) => this.onUnexpectedError(entry.state.id, error));
  }

  private prune(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(id);
    if (this.entries.size < this.maxOperations) return;
    // Map iteration is insertion order: the oldest finished operations go first
    for (const [id, entry] of this.entries) {
      if (this.entries.size < this.maxOperations) break;
      if (entry.state.status !== 'InProgress') this.entries.delete(id);
    }
    if (this.entries.size >= this.maxOperations) {
      throw new ArmError(
        429,
        'TooManyRequests',
        'Too many long-running operations are in progress; retry later.',
        {
          headers: { 'retry-after': '10' },
        },
      );
    }
  }
}
