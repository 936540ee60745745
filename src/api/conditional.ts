/**
 * Conditional requests (RFC 9110 §13.1) on ARM resources.
 *
 * `If-Match` and `If-None-Match` are `*` or a list of entity-tags
 * (RFC 9110 §13.1.1, §13.1.2: `#entity-tag`, empty list elements allowed,
 * commas inside a quoted tag are part of it); a header that is neither
 * answers 400 InvalidHeaderValue. Every listed tag counts: the condition
 * holds when any of them equals the resource's current tag.
 *
 * Comparison, RFC 9110 says / routeserver does: RFC 9110 §13.1.1 compares
 * If-Match strongly, so a weak tag never matches. Resources carry weak tags
 * (`W/"…"`, as Azure's do) and ARM honours them in If-Match, and the Azure
 * SDKs echo them back, so routeserver compares If-Match as ARM does:
 * ignoring weakness (`W/"x"`, `"x"` and a bare `x` are the same tag).
 * If-None-Match uses the weak comparison, as RFC 9110 says.
 *
 * A failed condition is 412 PreconditionFailed; the domain checks write
 * conditions in the same step as the write (src/routeserver/core.ts);
 * `checkPreconditions` is the read-side check for a known current tag.
 */

import type { FastifyRequest } from 'fastify';
import { ArmError, preconditionFailed } from './errors.js';

/** One entity-tag: its opaque text (without quotes) and whether it is weak. */
export interface EntityTag {
  readonly opaque: string;
  readonly weak: boolean;
}

export interface Preconditions {
  /** If-Match: `'*'` = must exist; a list = the current tag must be one of them */
  readonly ifMatch?: readonly EntityTag[] | '*';
  /** If-None-Match: `'*'` = must not exist; a list = the current tag must be none of them */
  readonly ifNoneMatch?: readonly EntityTag[] | '*';
}

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE ; etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3)
const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/;
// a bare token (no `*`, quote or comma), as some clients send an etag without its quotes (ARM accepts it)
const BARE_TAG = /^([\x21\x23-\x29\x2b\x2d-\x7e\x80-\xff]+)/;

function invalidHeader(name: string, value: string): ArmError {
  return new ArmError(
    400,
    'InvalidHeaderValue',
    `The value of the ${name} header is not '*' or a list of entity-tags (RFC 9110 §13.1): ${JSON.stringify(value.slice(0, 200))}.`,
    { target: name },
  );
}

/** The next tag of a list at the start of `rest`, and what follows it; undefined when there is none. */
function nextTag(rest: string): { tag: EntityTag; length: number } | undefined {
  const quoted = ENTITY_TAG.exec(rest);
  if (quoted !== null)
    return { tag: { opaque: quoted[2]!, weak: quoted[1] !== undefined }, length: quoted[0].length };
  if (rest.startsWith('W/') || rest.startsWith('"')) return undefined;
  const bare = BARE_TAG.exec(rest);
  return bare === null ? undefined : { tag: { opaque: bare[1]!, weak: false }, length: bare[0].length };
}

/** `*` or the list of entity-tags of a conditional header; throws 400 on anything else. */
export function parseConditionalHeader(
  name: string,
  value: string | string[] | undefined,
): readonly EntityTag[] | '*' | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text.trim() === '*') return '*';
  const tags: EntityTag[] = [];
  let rest = text;
  for (;;) {
    rest = rest.replace(/^[ \t,]+/, '');
    if (rest === '') break;
    const next = nextTag(rest);
    if (next === undefined) throw invalidHeader(name, text);
    tags.push(next.tag);
    rest = rest.slice(next.length);
    if (!/^[ \t]*(,|$)/.test(rest)) throw invalidHeader(name, text);
  }
  if (tags.length === 0) throw invalidHeader(name, text);
  return tags;
}

export function readPreconditions(request: FastifyRequest): Preconditions {
  const ifMatch = parseConditionalHeader('If-Match', request.headers['if-match']);
  const ifNoneMatch = parseConditionalHeader('If-None-Match', request.headers['if-none-match']);
  return {
    ...(ifMatch === undefined ? {} : { ifMatch }),
    ...(ifNoneMatch === undefined ? {} : { ifNoneMatch }),
  };
}

/** Whether any tag of the list is the current one, weakness ignored (RFC 9110 §8.8.3.2's weak comparison). */
export function listsTag(tags: readonly EntityTag[], current: string): boolean {
  return tags.some((tag) => tag.opaque === current);
}

/** Throws 412 unless the conditions hold for a resource whose current opaque tag is `current` (undefined = absent). */
export function checkPreconditions(conditions: Preconditions, current: string | undefined): void {
  const { ifMatch, ifNoneMatch } = conditions;
  if (ifMatch !== undefined) {
    if (current === undefined)
      throw preconditionFailed('If-Match was given but the resource does not exist.');
    if (ifMatch !== '*' && !listsTag(ifMatch, current)) {
      throw preconditionFailed(
        'The If-Match etag does not match the resource: it was changed since it was read.',
      );
    }
  }
  if (ifNoneMatch !== undefined && current !== undefined) {
    if (ifNoneMatch === '*' || listsTag(ifNoneMatch, current)) {
      throw preconditionFailed('If-None-Match failed: the resource already exists.');
    }
  }
}

/**
 * Store write options equivalent to the conditions, for a handler that
 * writes to a store itself: a single If-Match tag, If-None-Match: *.
 */
export function storeWriteOptions(conditions: Preconditions): {
  expectedEtag?: string;
  mustNotExist?: boolean;
} {
  const { ifMatch } = conditions;
  const single = ifMatch !== undefined && ifMatch !== '*' && ifMatch.length === 1 ? ifMatch[0] : undefined;
  return {
    ...(single === undefined ? {} : { expectedEtag: single.opaque }),
    ...(conditions.ifNoneMatch === '*' ? { mustNotExist: true } : {}),
  };
}
