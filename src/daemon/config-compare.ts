/**
 * How a configuration file's resource is compared with the service's
 * (config-apply.ts, config-gateways.ts): ids case-insensitively, prefixes in
 * canonical form and in any order, tags only when the file gives them.
 */
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
