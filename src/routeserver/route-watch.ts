/**
 * Watches on network interfaces' effective route tables: a snapshot when a
 * watch starts, then one change per revision, carrying for every prefix
 * whose rows changed its complete new rows (none: the prefix is gone).
 *
 * Revisions are numbered per NIC and tagged with this service's epoch (a
 * random id of the process), `<epoch>.<n>`. A watch that resumes from a
 * revision still in the NIC's journal gets the changes after it; any other
 * revision (older than the journal, another epoch, malformed) gets a
 * snapshot, which replaces everything the watcher held. Either way the
 * watcher ends with the current table and misses no change.
 *
 * The virtual network model publishes which NICs a change touched
 * (src/sdn/events.ts); affected tables are recomputed once the running
 * writes have committed (so the record index agrees with the model), at
 * most once per turn of the event loop, and compared prefix by prefix. A
 * NIC's journal is kept for `retentionMs` after its last watcher left, so an
 * agent that reconnects resumes from where it stopped.
 */
import { randomBytes } from 'node:crypto';
import { subscribeRouteEvents, type SdnRouteEvent } from '../sdn/index.js';
import { notFound, type ServiceCore } from './core.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import { idKey, TYPES } from './ids.js';
import { effectiveRouteList, type EffectiveRouteRow } from './network-interfaces.js';

/** The rows of one address prefix after a change; an empty list removes the prefix. */
export interface RouteTableEntry {
  readonly addressPrefix: string;
  readonly routes: readonly EffectiveRouteRow[];
}

export type RouteWatchEvent =
  | { readonly kind: 'snapshot'; readonly revision: string; readonly routes: readonly EffectiveRouteRow[] }
  | { readonly kind: 'change'; readonly revision: string; readonly changes: readonly RouteTableEntry[] }
  | { readonly kind: 'deleted'; readonly revision: string };

type RouteWatchListener = (event: RouteWatchEvent) => void;

export interface RouteWatchOptions {
  /** watches open at once over all NICs */
  readonly maxWatchers: number;
  /** revisions kept per NIC for resuming watches */
  readonly journalLength: number;
  /** how long a NIC's journal outlives its last watcher */
  readonly retentionMs: number;
}

export const DEFAULT_ROUTE_WATCH_OPTIONS: RouteWatchOptions = {
  maxWatchers: 1000,
  journalLength: 1024,
  retentionMs: 5 * 60_000,
};

export interface RouteWatch {
  /** what the watcher gets first: a snapshot, or the journal's changes after the resumed revision */
  readonly initial: readonly RouteWatchEvent[];
  stop(): void;
}

interface PrefixRows {
  readonly routes: EffectiveRouteRow[];
  readonly text: string;
}

type Table = Map<string, PrefixRows>;

interface WatchedTable {
  table: Table;
  revision: number;
  readonly journal: { readonly revision: number; readonly changes: readonly RouteTableEntry[] }[];
  readonly listeners: Set<RouteWatchListener>;
  dropTimer: NodeJS.Timeout | undefined;
}

function groupRows(rows: readonly EffectiveRouteRow[]): Table {
  const table: Table = new Map();
  const grouped = new Map<string, EffectiveRouteRow[]>();
  for (const row of rows) {
    const key = row.addressPrefix.join(' ');
    const list = grouped.get(key);
    if (list === undefined) grouped.set(key, [row]);
    else list.push(row);
  }
  for (const [key, routes] of grouped) table.set(key, { routes, text: JSON.stringify(routes) });
  return table;
}

/** For every prefix whose rows differ: its new rows (none when it is gone). */
function diffTables(before: Table, after: Table): RouteTableEntry[] {
  const changes: RouteTableEntry[] = [];
  for (const [prefix, rows] of after) {
    if (before.get(prefix)?.text !== rows.text) changes.push({ addressPrefix: prefix, routes: rows.routes });
  }
  for (const prefix of before.keys()) {
    if (!after.has(prefix)) changes.push({ addressPrefix: prefix, routes: [] });
  }
  return changes;
}

function tableRows(table: Table): EffectiveRouteRow[] {
  return [...table.values()].flatMap((rows) => rows.routes);
}

/** `<epoch>.<n>` → n when the epoch is `epoch`; undefined otherwise. */
function revisionNumber(text: string | undefined, epoch: string): number | undefined {
  const match = text === undefined ? null : /^([0-9a-f]+)\.(\d{1,15})$/.exec(text.trim());
  return match === null || match[1] !== epoch ? undefined : Number(match[2]);
}

export class EffectiveRouteWatch {
  /** distinguishes this process's revisions from an earlier run's */
  readonly epoch = randomBytes(6).toString('hex');
  private readonly tables = new Map<string, WatchedTable>();
  private readonly dirty = new Set<string>();
  private flushScheduled = false;
  private watchers = 0;
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly core: ServiceCore,
    private readonly options: RouteWatchOptions = DEFAULT_ROUTE_WATCH_OPTIONS,
  ) {}

  /** Watchers open now. */
  get size(): number {
    return this.watchers;
  }

  /**
   * Starts a watch on a NIC's table, resuming after `resumeFrom` when the
   * journal still holds it. NOT_FOUND for an unknown NIC, WATCH_LIMIT when
   * `maxWatchers` are open.
   */
  async watch(
    nicId: string,
    resumeFrom: string | undefined,
    listener: RouteWatchListener,
  ): Promise<RouteWatch> {
    this.checkCapacity();
    await this.core.writesSettled();
    this.checkCapacity();
    const record = this.core.index.get(nicId, TYPES.networkInterface);
    if (record === undefined) throw notFound('network interface', nicId);
    const key = idKey(record.id);
    const watched = this.tables.get(key) ?? this.track(key, record.id);
    const initial = this.resume(watched, resumeFrom);
    clearTimeout(watched.dropTimer);
    watched.dropTimer = undefined;
    watched.listeners.add(listener);
    this.watchers++;
    let stopped = false;
    return {
      initial,
      stop: () => {
        if (stopped) return;
        stopped = true;
        this.watchers--;
        watched.listeners.delete(listener);
        if (watched.listeners.size === 0 && this.tables.get(key) === watched) this.retire(key, watched);
      },
    };
  }

  /** Stops following the model; open watches get no further events. */
  close(): void {
    this.closed = true;
    for (const watched of this.tables.values()) clearTimeout(watched.dropTimer);
    this.tables.clear();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private checkCapacity(): void {
    if (this.closed) throw new RouteServerError(E.CLOSED, 'the route server service is closed', '');
    if (this.watchers >= this.options.maxWatchers) {
      throw new RouteServerError(
        E.WATCH_LIMIT,
        `${this.options.maxWatchers} effective route watches are open, the most this server allows`,
        '',
      );
    }
  }

  private track(key: string, nicId: string): WatchedTable {
    const watched: WatchedTable = {
      table: groupRows(effectiveRouteList(this.core, nicId).value),
      revision: 0,
      journal: [],
      listeners: new Set(),
      dropTimer: undefined,
    };
    this.tables.set(key, watched);
    this.unsubscribe ??= subscribeRouteEvents((event) => this.onRouteEvent(event));
    return watched;
  }

  private retire(key: string, watched: WatchedTable): void {
    watched.dropTimer = setTimeout(() => this.forget(key), this.options.retentionMs);
    watched.dropTimer.unref();
  }

  private forget(key: string): void {
    this.tables.delete(key);
    this.dirty.delete(key);
    if (this.tables.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    }
  }

  private resume(watched: WatchedTable, resumeFrom: string | undefined): RouteWatchEvent[] {
    const from = revisionNumber(resumeFrom, this.epoch);
    const oldest = watched.journal[0]?.revision ?? watched.revision + 1;
    if (from === undefined || from > watched.revision || from + 1 < oldest) {
      const revision = `${this.epoch}.${watched.revision}`;
      return [{ kind: 'snapshot', revision, routes: tableRows(watched.table) }];
    }
    return watched.journal
      .filter((entry) => entry.revision > from)
      .map((entry) => ({
        kind: 'change',
        revision: `${this.epoch}.${entry.revision}`,
        changes: entry.changes,
      }));
  }

  private onRouteEvent(event: SdnRouteEvent): void {
    if (event.network !== this.core.model.name) return;
    const nicIds =
      event.type === 'route-domain-assigned'
        ? event.nicIds
        : event.domains.flatMap((domain) => domain.nicIds);
    for (const nicId of nicIds) if (this.tables.has(nicId)) this.dirty.add(nicId);
    if (this.dirty.size > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      void this.core.writesSettled().then(() => setImmediate(() => this.flush()));
    }
  }

  /** Recomputes every dirty table (once per subnet) and publishes what changed. */
  private flush(): void {
    this.flushScheduled = false;
    const keys = [...this.dirty];
    this.dirty.clear();
    const bySubnet = new Map<string, Table | undefined>();
    for (const key of keys) {
      const watched = this.tables.get(key);
      if (watched === undefined) continue;
      const next = this.currentTable(key, bySubnet);
      if (next === undefined) this.publishDeleted(key, watched);
      else this.publishChange(watched, next);
    }
  }

  private currentTable(key: string, bySubnet: Map<string, Table | undefined>): Table | undefined {
    const record = this.core.index.get(key, TYPES.networkInterface);
    if (record === undefined || this.core.model.networkInterface(key) === undefined) return undefined;
    const subnetKey = idKey(record.body.subnetId);
    if (!bySubnet.has(subnetKey))
      bySubnet.set(subnetKey, groupRows(effectiveRouteList(this.core, key).value));
    return bySubnet.get(subnetKey);
  }

  private publishChange(watched: WatchedTable, next: Table): void {
    const changes = diffTables(watched.table, next);
    if (changes.length === 0) return;
    watched.table = next;
    watched.revision++;
    watched.journal.push({ revision: watched.revision, changes });
    if (watched.journal.length > this.options.journalLength) watched.journal.shift();
    const event: RouteWatchEvent = { kind: 'change', revision: `${this.epoch}.${watched.revision}`, changes };
    for (const listener of [...watched.listeners]) listener(event);
  }

  private publishDeleted(key: string, watched: WatchedTable): void {
    clearTimeout(watched.dropTimer);
    this.forget(key);
    const event: RouteWatchEvent = { kind: 'deleted', revision: `${this.epoch}.${watched.revision + 1}` };
    for (const listener of [...watched.listeners]) listener(event);
  }
}
