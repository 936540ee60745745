/**
 * `location` and `tags` of a tracked resource (VNet, route table, NIC,
 * route server), checked once for every family. Tag limits are Azure's
 * ("Tag resources, resource groups, and subscriptions for logical
 * organization", Limitations): 50 tags per resource, names up to 512
 * characters, values up to 256, no `<`, `>`, `%`, `&`, `\`, `?`, `/` in a
 * name. Control characters and bidirectional overrides are refused in
 * names, values and locations, so nothing stored can drive a terminal or
 * reorder text when shown (docs/limits.md lists every limit).
 */
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';

const MAX_TAGS = 50;
const MAX_TAG_NAME_LENGTH = 512;
const MAX_TAG_VALUE_LENGTH = 256;
/** routeserver's bound; Azure's region names are far shorter */
const MAX_LOCATION_LENGTH = 64;

// C0, DEL, C1, and the bidirectional marks, embeddings, overrides and isolates
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const TAG_NAME_FORBIDDEN = /[<>%&\\?/]/;

function refuse(message: string, target: string): never {
  throw new RouteServerError(E.INVALID_VALUE, message, target);
}

function checkText(text: string, what: string, max: number, target: string): void {
  if (text.length > max)
    refuse(`${what} is ${text.length} characters long; at most ${max} are allowed`, target);
  if (UNPRINTABLE.test(text))
    refuse(`${what} contains a control or bidirectional formatting character`, target);
}

function checkTags(tags: Readonly<Record<string, string>>): void {
  const names = Object.keys(tags);
  if (names.length > MAX_TAGS) refuse(`a resource has at most ${MAX_TAGS} tags, not ${names.length}`, 'tags');
  for (const name of names) {
    const target = `tags.${name}`;
    if (name.length === 0) refuse('a tag name cannot be empty', 'tags');
    checkText(name, 'a tag name', MAX_TAG_NAME_LENGTH, target);
    if (TAG_NAME_FORBIDDEN.test(name)) refuse('a tag name cannot contain <, >, %, &, \\, ? or /', target);
    checkText(tags[name]!, `the value of tag '${name}'`, MAX_TAG_VALUE_LENGTH, target);
  }
}

function checkLocation(location: string): void {
  if (location.length === 0) refuse('the location cannot be empty', 'location');
  checkText(location, 'the location', MAX_LOCATION_LENGTH, 'location');
}

/** The stored location and tags of a tracked resource's write, each checked. */
export function trackedBody(
  input: { readonly location?: string; readonly tags?: Readonly<Record<string, string>> },
  existingLocation: string | undefined,
): { location: string; tags: Readonly<Record<string, string>> } {
  const location = input.location ?? existingLocation ?? 'local';
  const tags = input.tags ?? {};
  checkLocation(location);
  checkTags(tags);
  return { location, tags };
}
