/**
 * How a configuration file's resource is compared with the service's
 * (config-apply.ts, config-gateways.ts): ids case-insensitively, prefixes in
 * canonical form and in any order, tags only when the file gives them.
 */
import { createHash } from 'node:crypto';
import { BFD_DEFAULTS } from '../bfd/index.js';
import { GRACEFUL_RESTART_DEFAULTS } from '../routeserver/index.js';
import { formatPrefix, parsePrefix } from '../lib/prefix.js';

export const sameId = (a: string | null | undefined, b: string | null | undefined) =>
  (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

export function canonical(prefix: string): string {
  try {
    return formatPrefix(parsePrefix(prefix));
  } catch {
    return prefix;
  }
}

export const samePrefixes = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.map(canonical).sort().join() === b.map(canonical).sort().join();

export const sameTags = (
  want: Readonly<Record<string, string>> | undefined,
  have: Readonly<Record<string, string>>,
) =>
  want === undefined ||
  JSON.stringify(Object.entries(want).sort()) === JSON.stringify(Object.entries(have).sort());

type BfdFields = Partial<{
  enabled: boolean;
  minRx: number;
  minTx: number;
  multiplier: number;
  multihop: boolean;
}>;

/** A peering's BFD settings against the file's: fields the file leaves out take their defaults (docs/bfd.md). */
export function sameBfd(have: BfdFields | undefined, want: BfdFields | undefined): boolean {
  if (want === undefined) return have === undefined;
  if (have === undefined) return false;
  const full = (b: BfdFields) => ({ enabled: false, ...BFD_DEFAULTS, ...b });
  const [h, w] = [full(have), full(want)];
  return (
    h.enabled === w.enabled &&
    h.minRx === w.minRx &&
    h.minTx === w.minTx &&
    h.multiplier === w.multiplier &&
    h.multihop === w.multihop
  );
}

type GracefulRestartFields = Partial<{ enabled: boolean; restartTime: number; stalePathTime: number }>;

/** A peering's graceful restart settings against the file's, defaults filled in (docs/graceful-restart.md). */
export function sameGracefulRestart(
  have: GracefulRestartFields | undefined,
  want: GracefulRestartFields | undefined,
): boolean {
  if (want === undefined) return have === undefined;
  if (have === undefined) return false;
  const full = (g: GracefulRestartFields) => ({ enabled: false, ...GRACEFUL_RESTART_DEFAULTS, ...g });
  const [h, w] = [full(have), full(want)];
  return h.enabled === w.enabled && h.restartTime === w.restartTime && h.stalePathTime === w.stalePathTime;
}

/** A peering's stored TCP-MD5 key (its SHA-256: the key is never read back) against the file's (docs/tcp-md5.md). */
export function sameMd5Key(haveSha256: string | undefined, want: string | undefined): boolean {
  if (want === undefined) return haveSha256 === undefined;
  return haveSha256 === createHash('sha256').update(want, 'utf8').digest('hex');
}

/** JSON with object keys sorted: equal values, equal text, whatever order their keys were written in. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) =>
    field !== null && typeof field === 'object' && !Array.isArray(field)
      ? Object.fromEntries(Object.entries(field).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : field,
  );
}

/** A route map's stored rules against the file's (both in the API's shape): member for member, in order. */
export const sameRouteMapRules = (have: readonly unknown[], want: readonly unknown[]) =>
  sortedJson(have) === sortedJson(want);
