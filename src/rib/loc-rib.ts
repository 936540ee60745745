/**
 * Loc-RIB of one instance: for every prefix, the accepted paths from all
 * peers and the result of the decision process over them.
 *
 * An entry is the `Path` itself when only one peer offers the prefix (the
 * common case: no allocation per prefix), or a `MultiEntry` holding the
 * paths and their `Decision`. Entries are replaced, never changed in place,
 * so the engine can keep the entry a prefix had before a slice of work and
 * compare it with the one after.
 */
import type { PrefixKey } from '../lib/prefix.js';
import type { Decision, RoutingPreference } from './decision.js';
import { decide, ONLY_PATH } from './decision.js';
import { Path } from './peer.js';
import { PrefixMap } from '../lib/prefix-map.js';

class MultiEntry {
  readonly decision: Decision<Path>;
  constructor(
    readonly paths: readonly Path[],
    readonly preference: RoutingPreference,
  ) {
    this.decision = decide(paths, preference);
  }
}

export type LocRibEntry = Path | MultiEntry;

export function bestOf(entry: LocRibEntry): Path {
  return entry instanceof Path ? entry : entry.decision.best;
}

export function ecmpOf(entry: LocRibEntry): readonly Path[] {
  return entry instanceof Path ? [entry] : entry.decision.ecmp;
}

export function reasonOf(entry: LocRibEntry): string {
  return entry instanceof Path ? ONLY_PATH : entry.decision.reason;
}

function pathsOf(entry: LocRibEntry): readonly Path[] {
  return entry instanceof Path ? [entry] : entry.paths;
}

function withPath(entry: LocRibEntry | undefined, path: Path, preference: RoutingPreference): LocRibEntry {
  if (!entry) return path;
  const paths = pathsOf(entry);
  return new MultiEntry([...paths, path], preference);
}

function withoutPath(entry: LocRibEntry, path: Path, preference: RoutingPreference): LocRibEntry | undefined {
  if (entry === path) return undefined;
  if (entry instanceof Path) return entry;
  const paths = entry.paths.filter((p) => p !== path);
  if (paths.length === entry.paths.length) return entry;
  return paths.length === 1 ? paths[0] : new MultiEntry(paths, preference);
}

/** What `LocRib.change` did to a prefix's entry: one object, overwritten by the next change. */
interface EntryChange {
  before: LocRibEntry | undefined;
  after: LocRibEntry | undefined;
}

export class LocRib {
  readonly entries = new PrefixMap<LocRibEntry>();
  /** hubRoutingPreference the entries are decided with (docs/azure-behaviour.md §4.3) */
  preference: RoutingPreference = 'ExpressRoute';
  private readonly changed: EntryChange = { before: undefined, after: undefined };
  /** `PrefixMap.update`'s step of `change`, made once */
  private readonly replaced = (
    current: LocRibEntry | undefined,
    previous: Path | undefined,
    next: Path | undefined,
  ): LocRibEntry | undefined => {
    let entry = current;
    if (previous && entry) entry = withoutPath(entry, previous, this.preference);
    if (next) entry = withPath(entry, next, this.preference);
    this.changed.after = entry;
    return entry;
  };

  get size(): number {
    return this.entries.size;
  }

  get(key: PrefixKey): LocRibEntry | undefined {
    return this.entries.get(key);
  }

  /**
   * Replaces `previous` (if any) by `next` (if any) among the paths of `key`, in one probe of the
   * table; returns the entry before and after (valid until the next call).
   */
  change(key: PrefixKey, previous: Path | undefined, next: Path | undefined): Readonly<EntryChange> {
    this.changed.before = this.entries.update(key, this.replaced, previous, next);
    return this.changed;
  }

  /** Decides `key` again with the current preference; true when its entry was replaced. */
  redecide(key: PrefixKey): boolean {
    const entry = this.entries.get(key);
    if (!(entry instanceof MultiEntry) || entry.preference === this.preference) return false;
    this.entries.set(key, new MultiEntry(entry.paths, this.preference));
    return true;
  }
}

function distinctSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort(compareAddressText);
}

/** Orders addresses numerically (IPv4 before IPv6), as the ports promise "sorted ascending". */
function compareAddressText(a: string, b: string): number {
  const ka = orderKey(a);
  const kb = orderKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

const orderCache = new Map<string, string>();
function orderKey(address: string): string {
  let key = orderCache.get(address);
  if (key === undefined) {
    key = address.includes(':')
      ? '6' + address
      : '4' +
        address
          .split('.')
          .map((o) => o.padStart(3, '0'))
          .join('.');
    if (orderCache.size > 10_000) orderCache.clear();
    orderCache.set(address, key);
  }
  return key;
}

/** The ECMP set's next hops: a path's own shared array when it is alone in the set. */
function hopsOf(entry: LocRibEntry): readonly string[] {
  if (entry instanceof Path) return entry.nextHops;
  const ecmp = entry.decision.ecmp;
  if (ecmp.length === 1) return ecmp[0]!.nextHops;
  return distinctSorted(ecmp.map((p) => p.attributes.nextHop));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The next hops the VNet programs for an entry: its ECMP set's, distinct and ascending (docs/azure-behaviour.md §3.4). */
export function injectedHops(entry: LocRibEntry): readonly string[] {
  return hopsOf(entry);
}

/** True when two entries inject the same next hops. */
export function sameInjectedHops(a: LocRibEntry, b: LocRibEntry): boolean {
  return a === b || sameList(hopsOf(a), hopsOf(b));
}
