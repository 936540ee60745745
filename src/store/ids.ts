/**
 * Resource id keys. ARM ids are case-insensitive ("/subscriptions/S/resourceGroups/RG"
 * and "/SUBSCRIPTIONS/s/resourcegroups/rg" name the same resource), so the store
 * keys every record by a normalised id and keeps the caller's spelling for display.
 * Full ARM id grammar lives in `src/api`; the store only needs the key and the
 * subscription / resource group scope for listing.
 */

import { StoreError } from './errors.js';

/** Longest id accepted; ARM's own URI limit is far beyond any id this product builds. */
export const MAX_ID_LENGTH = 2048;

interface IdScope {
  readonly subscriptionKey: string | undefined;
  readonly resourceGroupKey: string | undefined;
}

/** Case-insensitive key: ASCII-style lower-casing of the whole id. */
export function idKey(id: string): string {
  return id.toLowerCase();
}

/** Case-insensitive key for a resource type. */
export function typeKey(type: string): string {
  return type.toLowerCase();
}

/** Throws BGPRS_ERR_STORE_INVALID_ID unless `id` is `/seg/seg…` with non-empty segments. */
export function assertValidId(id: string): void {
  const bad = (why: string): never => {
    throw new StoreError('BGPRS_ERR_STORE_INVALID_ID', `invalid resource id ${JSON.stringify(id)}: ${why}`);
  };
  if (typeof id !== 'string' || id.length === 0) bad('empty');
  if (id.length > MAX_ID_LENGTH) bad(`longer than ${MAX_ID_LENGTH} characters`);
  if (!id.startsWith('/')) bad('must start with "/"');
  if (id.endsWith('/')) bad('must not end with "/"');
  if (id.includes('//')) bad('empty path segment');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f?#]/.test(id)) bad('control character, "?" or "#"');
}

/** Subscription and resource group keys of an id, when it has them. */
export function idScope(id: string): IdScope {
  const segments = id.split('/');
  // segments[0] is the empty string before the leading "/"
  const hasSubscription = segments[1]?.toLowerCase() === 'subscriptions' && segments[2] !== undefined;
  const subscriptionKey = hasSubscription ? segments[2]!.toLowerCase() : undefined;
  const hasGroup =
    hasSubscription && segments[3]?.toLowerCase() === 'resourcegroups' && segments[4] !== undefined;
  const resourceGroupKey = hasGroup ? segments[4]!.toLowerCase() : undefined;
  return { subscriptionKey, resourceGroupKey };
}
