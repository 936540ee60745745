/**
 * ARM's resource envelope (`{id, name, type, etag, location, tags, kind,
 * properties}`) as plain JSON: what each family's wire conversion
 * (network-wire.ts, route-tables-wire.ts, network-interfaces-wire.ts,
 * route-servers-wire.ts) presents its views as. The API sends these as they are.
 */

export interface ArmResource<P = Record<string, unknown>> {
  id: string;
  name: string;
  type: string;
  etag?: string;
  location?: string;
  tags?: Record<string, string>;
  kind?: string;
  properties: P;
  [extra: string]: unknown;
}

interface ArmResourceExtras {
  readonly location?: string;
  readonly tags?: Record<string, string>;
  readonly kind?: string;
}

/** ARM's weak etag form, `W/"<opaque>"`, from the store's opaque etag. */
export function formatEtag(storeEtag: string): string {
  return `W/"${storeEtag}"`;
}

export function toArmResource<P>(
  id: string,
  name: string,
  type: string,
  etag: string | undefined,
  properties: P,
  extras: ArmResourceExtras = {},
): ArmResource<P> {
  return {
    id,
    name,
    type,
    ...(etag === undefined ? {} : { etag: formatEtag(etag) }),
    ...(extras.kind === undefined ? {} : { kind: extras.kind }),
    ...(extras.location === undefined ? {} : { location: extras.location }),
    ...(extras.tags === undefined ? {} : { tags: extras.tags }),
    properties,
  };
}

/** A reference to another resource, as ARM writes it. */
export const subResource = (id: string) => ({ id });

/** A tracked resource's PUT body: `location` and `tags` beside its `properties`. */
export interface TrackedPutBody<Properties> {
  location?: string;
  tags?: Record<string, string>;
  properties?: Properties;
}

/** `location` and `tags` of a tracked resource's PUT body, each when given. */
export function trackedInput(body: TrackedPutBody<unknown>): {
  location?: string;
  tags?: Record<string, string>;
} {
  return {
    ...(body.location === undefined ? {} : { location: body.location }),
    ...(body.tags === undefined ? {} : { tags: body.tags }),
  };
}
