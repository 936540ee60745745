/**
 * ARM list pages, etags in headers and the schemas of resource envelopes.
 * The envelope itself (`ArmResource`) is built by each resource family's
 * wire conversion in src/routeserver (arm-json.ts).
 */

import { Type, type TSchema } from 'typebox';

/** The opaque store etag inside `W/"…"`, `"…"` or a bare token. */
export function parseEtag(headerValue: string): string {
  let value = headerValue.trim();
  if (value.startsWith('W/')) value = value.slice(2);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  return value;
}

export interface ArmList<T> {
  value: T[];
  nextLink?: string;
}

/** `{value, nextLink?}`; `nextLink` repeats the request URL with `$skipToken` set to `cursor`. */
export function toArmList<T>(value: T[], requestUrl: URL, cursor: string | undefined): ArmList<T> {
  if (cursor === undefined) return { value };
  const next = new URL(requestUrl);
  next.searchParams.set('$skipToken', cursor);
  return { value, nextLink: next.toString() };
}

// Schemas shared by resource definitions and the OpenAPI document.

export const ArmErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      target: Type.Optional(Type.String()),
      details: Type.Optional(
        Type.Array(
          Type.Object({ code: Type.String(), message: Type.String(), target: Type.Optional(Type.String()) }),
        ),
      ),
    }),
  },
  { description: 'ARM error response' },
);

export const SubResourceSchema = Type.Object({ id: Type.String() }, { additionalProperties: false });

/**
 * Request body of a PUT: ARM's envelope around `properties`. Read-only envelope
 * fields a client echoes back from a GET (`id`, `name`, `type`, `etag`, `kind`) are
 * accepted and ignored; `envelope` adds members a type carries beside
 * `properties` (an ExpressRoute circuit's `sku`); anything else unknown is rejected.
 */
export function armPutBodySchema(
  properties: TSchema,
  options: { tracked: boolean; envelope?: Readonly<Record<string, TSchema>> },
) {
  const envelope = {
    id: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    etag: Type.Optional(Type.String()),
    // a route server's `kind: "RouteServer"`, as a GET shows it
    kind: Type.Optional(Type.String()),
    properties: Type.Optional(properties),
  };
  const tracked = {
    location: Type.Optional(Type.String()),
    tags: Type.Optional(Type.Record(Type.String(), Type.String())),
  };
  const extra = Object.fromEntries(
    Object.entries(options.envelope ?? {}).map(([k, v]) => [k, Type.Optional(v)]),
  );
  return Type.Object(options.tracked ? { ...envelope, ...tracked, ...extra } : { ...envelope, ...extra }, {
    additionalProperties: false,
  });
}

/** Response schema of one resource with the given `properties` schema. */
export function armResourceSchema(properties: TSchema, $id?: string) {
  return Type.Object(
    {
      id: Type.String(),
      name: Type.String(),
      type: Type.String(),
      etag: Type.Optional(Type.String()),
      location: Type.Optional(Type.String()),
      tags: Type.Optional(Type.Record(Type.String(), Type.String())),
      kind: Type.Optional(Type.String()),
      // beside `properties` on the types that have one (an ExpressRoute circuit's)
      sku: Type.Optional(Type.Record(Type.String(), Type.String())),
      properties,
    },
    $id === undefined ? {} : { $id },
  );
}

export function armListSchema(item: TSchema) {
  return Type.Object({ value: Type.Array(item), nextLink: Type.Optional(Type.String()) });
}
