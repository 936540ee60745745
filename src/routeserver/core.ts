/**
 * The shared state of the domain service: store, record index, virtual
 * network model, optional BGP runtime, and the write pipeline. Every write
 * runs alone (a promise chain), plans a `Mutation` against the live model,
 * commits its store operations as one transaction, updates the index, then
 * queues its live effects in order. The resource families (network.ts,
 * route-tables.ts, interfaces.ts, route-servers.ts) build on this.
 */
import { formatPrefix, parsePrefix, type Prefix } from '../lib/prefix.js';
import { SdnError, VirtualNetworkModel, type SdnErrorCode } from '../sdn/index.js';
import {
  isStoreError,
  type ResourceRecord,
  type ResourceStore,
  type StoreOperation,
} from '../store/index.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError, type RouteServerErrorCode } from './errors.js';
import { Mutation } from './mutation.js';
import { checkStored, ResourceIndex, type Stored } from './records.js';
import type { BgpRuntime } from '../runtime/index.js';
import { RuntimeLink } from './runtime-link.js';
import { GatewaySpeakers } from './gateway-runtime.js';
import { RouteServerStates } from './route-server-states.js';
import { idKey, type ResourceType } from './ids.js';
import type { DeleteResult, Page, WriteOptions } from './types.js';

export interface RouteServerLimits {
  /** BGP connections per route server (docs/azure-behaviour.md §8: 8) */
  readonly maxPeersPerRouteServer: number;
  /** routes one peer may advertise (docs/azure-behaviour.md §2.3: 4,000) */
  readonly maxRoutesPerPeer: number;
}

export const DEFAULT_LIMITS: RouteServerLimits = { maxPeersPerRouteServer: 8, maxRoutesPerPeer: 4000 };

/** Reports a failed live effect (the configuration is committed; the runtime could not apply it). */
export type EffectErrorHandler = (error: unknown) => void;

export class ServiceCore {
  readonly index = new ResourceIndex();
  readonly model: VirtualNetworkModel;
  /** route server id keys whose instances the runtime runs */
  readonly running = new Set<string>();
  /** the model ↔ runtime wiring (injected routes in, address spaces out); present with a runtime */
  readonly runtimeLink: RuntimeLink | undefined;
  /** the gateways' BGP speakers (gateway-runtime.ts); present with a runtime */
  readonly gatewaySpeakers: GatewaySpeakers | undefined;
  /** the live part of the route servers' provisioning and routing states (route-server-states.ts) */
  readonly states = new RouteServerStates();
  private writeQueue: Promise<unknown> = Promise.resolve();
  /** the records of another process's transaction while its replay is being called (remote-changes.ts) */
  private replaySource: ReadonlyMap<string, ResourceRecord | null> | undefined;
  /** the same records while a replayed write plans (`committed`) */
  private planningReplay: ReadonlyMap<string, ResourceRecord | null> | undefined;
  private effectQueue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly store: ResourceStore,
    readonly runtime: BgpRuntime | undefined,
    readonly limits: RouteServerLimits,
    readonly pageSize: number,
    private readonly onEffectError: EffectErrorHandler,
    modelName: string,
  ) {
    this.model = new VirtualNetworkModel({ name: modelName });
    this.runtimeLink = runtime && new RuntimeLink(runtime, this.model, onEffectError);
    this.gatewaySpeakers = runtime && new GatewaySpeakers(this, runtime);
    if (runtime !== undefined) this.states.followRuntime();
  }

  /** Reports a live effect that failed outside a write (e.g. a route server that cannot start at open). */
  reportEffectError(error: unknown): void {
    this.onEffectError(error);
  }

  /** Reads every record of `type` from the store into the index. */
  /** Loads one stored record into the index (undefined when there is none). */
  async loadRecord(id: string): Promise<Stored | undefined> {
    const record = await this.store.get(id);
    if (record === undefined) return undefined;
    const stored = checkStored(record);
    this.index.set(stored);
    return stored;
  }

  async loadType(type: string): Promise<Stored[]> {
    const loaded: Stored[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.list({ type, limit: 500, ...(cursor === undefined ? {} : { cursor }) });
      for (const record of page.records) {
        const stored = checkStored(record);
        this.index.set(stored);
        loaded.push(stored);
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return loaded;
  }

  /**
   * Runs one write: `plan` fills a mutation (changing the model as it goes)
   * and returns how to present the result; the store commits the mutation,
   * then the presenter runs (still inside the write, so it sees this write's
   * state). Resolves with its value and a promise of the live effects.
   */
  write<T>(plan: (mutation: Mutation) => () => T): Promise<{ value: T; applied: Promise<void> }> {
    const replayed = this.replaySource;
    const run = async () => {
      if (this.closed) throw new RouteServerError(E.CLOSED, 'the route server service is closed', '');
      const mutation = new Mutation();
      let present: () => T;
      try {
        this.planningReplay = replayed;
        try {
          present = plan(mutation);
        } finally {
          this.planningReplay = undefined;
        }
        const operations = mutation.storeOperations();
        if (replayed !== undefined) this.indexReplayed(operations, replayed);
        else if (operations.length > 0) await this.commit(operations);
      } catch (error) {
        mutation.rollback();
        throw error;
      }
      return { value: present(), applied: this.queueEffects(mutation) };
    };
    const result = this.writeQueue.then(run, run);
    this.writeQueue = result.catch(() => undefined);
    return result;
  }

  /**
   * Calls `call` (one resource family's put or delete) as the replay of
   * another process's committed transaction: the write it queues plans as
   * any write does (model changes, live effects), but instead of committing
   * its store operations it indexes the committed records of `records`
   * (id key → record, null: deleted).
   */
  replay<T>(records: ReadonlyMap<string, ResourceRecord | null>, call: () => Promise<T>): Promise<T> {
    this.replaySource = records;
    try {
      return call();
    } finally {
      this.replaySource = undefined;
    }
  }

  /**
   * While a replayed write plans: the record another process committed under
   * `id`, so that what that process allocated and the model uses (a
   * gateway's instance addresses) is taken as it is, not allocated again
   * here. Otherwise undefined.
   */
  committed<T extends ResourceType>(id: string, type: T): Stored<T> | undefined {
    const record = this.planningReplay?.get(idKey(id));
    if (record === undefined || record === null || record.type !== type) return undefined;
    return checkStored(record) as Stored<T>;
  }

  /** The committed records a replayed write's operations name go into the index; other operations are skipped. */
  private indexReplayed(
    operations: readonly StoreOperation[],
    records: ReadonlyMap<string, ResourceRecord | null>,
  ): void {
    for (const operation of operations) {
      const key = idKey(operation.op === 'put' ? operation.record.id : operation.id);
      const record = records.get(key);
      if (record === undefined) continue;
      if (record === null) this.index.delete(key);
      else this.index.set(checkStored(record));
    }
  }

  /** Settles once every write queued so far has committed (or failed) and updated the index. */
  writesSettled(): Promise<unknown> {
    return this.writeQueue;
  }

  private async commit(operations: Parameters<ResourceStore['transaction']>[0]): Promise<void> {
    const result = await this.store.transaction(operations).catch((error: unknown) => {
      throw fromStoreError(error);
    });
    for (const outcome of result.results) {
      if (outcome.op === 'put') this.index.set(checkStored(outcome.record));
      else if (outcome.deleted !== undefined) this.index.delete(outcome.deleted.id);
    }
  }

  /** Effects run in commit order; a failure rejects this write's promise but not later writes'. */
  private queueEffects(mutation: Mutation): Promise<void> {
    if (mutation.effects.length === 0) {
      mutation.settle();
      return Promise.resolve();
    }
    const run = async () => {
      try {
        for (const effect of mutation.effects) await effect();
      } finally {
        mutation.settle();
      }
    };
    const applied = this.effectQueue.then(run, run);
    this.effectQueue = applied.catch((error: unknown) => this.onEffectError(error));
    return applied;
  }

  /** Waits for queued writes and effects, then refuses new writes. */
  async close(): Promise<void> {
    await this.writeQueue;
    this.closed = true;
    await this.effectQueue;
    this.runtimeLink?.close();
    this.gatewaySpeakers?.close();
    this.states.close();
  }
}

function codeFor(sdnCode: SdnErrorCode): RouteServerErrorCode {
  switch (sdnCode) {
    case 'BGPRS_ERR_SDN_IN_USE':
      return E.IN_USE;
    case 'BGPRS_ERR_SDN_NOT_FOUND':
      return E.INVALID_REFERENCE;
    case 'BGPRS_ERR_SDN_ROUTE_SERVER_PLACEMENT':
      return E.ROUTE_SERVER_PLACEMENT;
    default:
      return E.INVALID_NETWORK;
  }
}

/**
 * Where a field of the virtual network model's input (`addressSpaces[2]`,
 * `routeTableId`, `id`) lands in the request: the ARM JSON path of the member
 * at fault, '' for the resource as a whole. Each family knows its own.
 */
export type ModelFieldPath = (modelField: string) => string;

/** The ARM path of `member` below the resource at `at` ('' = the request body itself). */
export function armPath(at: string, member: string): string {
  return at === '' ? member : `${at}.${member}`;
}

/**
 * Applies a model change inside a mutation, turning the model's refusal into
 * a RouteServerError whose target is the ARM path `fieldPath` gives its field.
 */
export function applyToModel<T>(
  mutation: Mutation,
  run: () => T,
  undo: (result: T) => void,
  fieldPath: ModelFieldPath = () => '',
): T {
  try {
    return mutation.apply(run, undo);
  } catch (error) {
    if (!(error instanceof SdnError)) throw error;
    throw new RouteServerError(codeFor(error.code), error.message, fieldPath(error.field), error.code);
  }
}

/** Parses a prefix in canonical form; INVALID_VALUE naming `target` otherwise. */
export function parsePrefixField(text: string, target: string): Prefix {
  try {
    return parsePrefix(text, { strict: true });
  } catch {
    throw new RouteServerError(
      E.INVALID_VALUE,
      `'${text}' is not a valid address prefix in CIDR notation (host bits zero)`,
      target,
    );
  }
}

export function canonicalPrefix(text: string, target: string): string {
  return formatPrefix(parsePrefixField(text, target));
}

export function notFound(kind: string, id: string): RouteServerError {
  return new RouteServerError(E.NOT_FOUND, `${kind} '${id}' does not exist`, '');
}

export function parentNotFound(kind: string, id: string): RouteServerError {
  return new RouteServerError(E.PARENT_NOT_FOUND, `${kind} '${id}' does not exist`, '');
}

export function invalidReference(kind: string, id: string, target: string): RouteServerError {
  return new RouteServerError(E.INVALID_REFERENCE, `${kind} '${id}' does not exist`, target);
}

/** One page of records (ordered by id key) after `cursor`, presented by `view`. */
export function pageOf<R extends Stored, T>(
  records: readonly R[],
  cursor: string | undefined,
  pageSize: number,
  view: (record: R) => T,
): Page<T> {
  const after = cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
  const start = after === undefined ? 0 : records.findIndex((r) => idKey(r.id) > after);
  const slice = start < 0 ? [] : records.slice(start, start + pageSize);
  const more = start >= 0 && start + pageSize < records.length;
  const last = slice[slice.length - 1];
  return {
    value: slice.map(view),
    ...(more && last !== undefined
      ? { cursor: Buffer.from(idKey(last.id), 'utf8').toString('base64url') }
      : {}),
  };
}

const STALE_ETAG_MESSAGE = 'The resource was changed since it was read: the If-Match etag is out of date.';
const ALREADY_EXISTS_MESSAGE = 'The resource already exists (If-None-Match: *).';
const CONDITION_TARGET_MISSING_MESSAGE = 'If-Match was given but the resource does not exist.';

/**
 * The store's refusals of a transaction as RouteServerErrors (it checks the
 * write's conditions again, atomically), and a store that did not answer as
 * the retryable STORE_UNAVAILABLE (503); other failures pass unchanged. The
 * API's error handler applies it to whatever else reaches it from the store
 * (src/api/arm-hooks.ts), so that every request answers the same way.
 */
export function fromStoreError(error: unknown): unknown {
  if (!isStoreError(error)) return error;
  switch (error.code) {
    case 'BGPRS_ERR_STORE_CONFLICT':
      return new RouteServerError(E.STALE_ETAG, STALE_ETAG_MESSAGE, '');
    case 'BGPRS_ERR_STORE_ALREADY_EXISTS':
      return new RouteServerError(E.ALREADY_EXISTS, ALREADY_EXISTS_MESSAGE, '');
    case 'BGPRS_ERR_STORE_NOT_FOUND':
      return new RouteServerError(E.CONDITION_TARGET_MISSING, CONDITION_TARGET_MISSING_MESSAGE, '');
    case 'BGPRS_ERR_STORE_INVALID_ID':
      return new RouteServerError(E.INVALID_ID, error.message, '');
    case 'BGPRS_ERR_STORE_BACKEND':
      return new RouteServerError(
        E.STORE_UNAVAILABLE,
        `the store did not confirm the write; the resource is unchanged here, retry the request (${error.message})`,
        '',
      );
    default:
      return error;
  }
}

/**
 * Checks If-Match / If-None-Match style conditions against the index before
 * planning, so a failed condition never reaches the live model (the store
 * checks again inside its transaction).
 */
export function checkWriteConditions(existing: Stored | undefined, options: WriteOptions): void {
  if (options.mustNotExist === true && existing !== undefined) {
    throw new RouteServerError(E.ALREADY_EXISTS, ALREADY_EXISTS_MESSAGE, '');
  }
  const expected = options.expectedEtags;
  if ((options.mustExist === true || expected !== undefined) && existing === undefined) {
    throw new RouteServerError(E.CONDITION_TARGET_MISSING, CONDITION_TARGET_MISSING_MESSAGE, '');
  }
  if (expected !== undefined && !expected.includes(existing!.etag)) {
    throw new RouteServerError(E.STALE_ETAG, STALE_ETAG_MESSAGE, '');
  }
  if (existing !== undefined && options.excludedEtags?.includes(existing.etag) === true) {
    throw new RouteServerError(E.ALREADY_EXISTS, 'If-None-Match lists the resource’s current etag.', '');
  }
}

/**
 * The frame every delete shares: the preconditions, nothing to do when the
 * resource is absent (`existed: false`), and `remove` plans the rest of the
 * write (model changes, store deletes, live effects).
 */
export function deleteRecord<T extends ResourceType>(
  core: ServiceCore,
  id: string,
  type: T,
  options: WriteOptions,
  remove: (mutation: Mutation, existing: Stored<T>) => void,
): Promise<DeleteResult> {
  return core
    .write((mutation) => {
      const existing = core.index.get(id, type);
      checkWriteConditions(existing, options);
      if (existing === undefined) return () => false;
      remove(mutation, existing);
      return () => true;
    })
    .then(({ value, applied }) => ({ existed: value, applied }));
}
