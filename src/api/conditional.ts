/**
 * Conditional requests (RFC 9110 §13.1) on ARM resources.
 *
 * `If-Match: <etag>` / `If-Match: *` and `If-None-Match: *` guard PUT and
 * DELETE; a failed condition is 412 PreconditionFailed. Comparison is weak
 * (RFC 9110 §8.8.3.2): `W/"x"` matches `"x"` and `x`. Handlers pass the parsed
 * conditions down to the store (`expectedEtag` / `mustNotExist`) so the check
 * and the write happen in one transaction; `checkPreconditions` is the
 * read-side check for a known current etag.
 */

import type { FastifyRequest } from 'fastify';
import { preconditionFailed } from './errors.js';
import { parseEtag } from './arm-resource.js';

export interface Preconditions {
  /** opaque store etags from If-Match (any of them may match); `'*'` = must exist */
  readonly ifMatch?: readonly string[] | '*';
  /** opaque store etags from If-None-Match; `'*'` = must not exist */
  readonly ifNoneMatch?: readonly string[] | '*';
}

function headerList(value: string | string[] | undefined): readonly string[] | '*' | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text.trim() === '*') return '*';
  // etags are quoted strings; commas inside quotes do not occur in ours
  const tags = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map(parseEtag);
  return tags.length === 0 ? undefined : tags;
}

export function readPreconditions(request: FastifyRequest): Preconditions {
  const ifMatch = headerList(request.headers['if-match']);
  const ifNoneMatch = headerList(request.headers['if-none-match']);
  return {
    ...(ifMatch === undefined ? {} : { ifMatch }),
    ...(ifNoneMatch === undefined ? {} : { ifNoneMatch }),
  };
}

/** Throws 412 unless the conditions hold for a resource whose current etag is `current` (undefined = absent). */
export function checkPreconditions(conditions: Preconditions, current: string | undefined): void {
  const { ifMatch, ifNoneMatch } = conditions;
  if (ifMatch !== undefined) {
    if (current === undefined)
      throw preconditionFailed('If-Match was given but the resource does not exist.');
    if (ifMatch !== '*' && !ifMatch.includes(current)) {
      throw preconditionFailed(
        'The If-Match etag does not match the resource: it was changed since it was read.',
      );
    }
  }
  if (ifNoneMatch !== undefined && current !== undefined) {
    if (ifNoneMatch === '*' || ifNoneMatch.includes(current)) {
      throw preconditionFailed('If-None-Match failed: the resource already exists.');
    }
  }
}

/**
 * Store write options equivalent to the conditions, when they can be checked
 * atomically by the store (a single If-Match etag, If-None-Match: *).
 */
export function storeWriteOptions(conditions: Preconditions): {
  expectedEtag?: string;
  mustNotExist?: boolean;
} {
  const { ifMatch } = conditions;
  const single = ifMatch !== undefined && ifMatch !== '*' && ifMatch.length === 1 ? ifMatch[0] : undefined;
  return {
    ...(single === undefined ? {} : { expectedEtag: single }),
    ...(conditions.ifNoneMatch === '*' ? { mustNotExist: true } : {}),
  };
}
