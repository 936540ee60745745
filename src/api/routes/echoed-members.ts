/**
 * Read-only members in PUT bodies. ARM ignores what a client copies back
 * from a GET (`provisioningState`, `resourceGuid`, a route server's
 * `virtualRouterIps`, a subnet's `ipConfigurations`, …) and still refuses a
 * member it does not know ("Could not find member 'x'", InvalidRequestFormat).
 * The request schema of a type is therefore its writable members, plus every
 * member its response has, at any depth, accepted whatever its value and
 * ignored by the wire conversion (which reads the writable members only).
 */
import type { TSchema } from 'typebox';

type JsonSchema = Record<string, unknown> & {
  type?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
};

/** The object schemas a schema allows: itself, or the object members of a union (`X | null`). */
function objectVariants(schema: JsonSchema): JsonSchema[] {
  if (schema.properties !== undefined) return [schema];
  return (schema.anyOf ?? []).filter((variant) => variant.properties !== undefined);
}

/** `request` with the members of `response` it lacks, each optional and unchecked, at every depth. */
function withEchoed(request: JsonSchema, response: JsonSchema): JsonSchema {
  if (request.type === 'array' && request.items !== undefined && response.items !== undefined)
    return { ...request, items: withEchoed(request.items, response.items) };
  if (request.anyOf !== undefined)
    return { ...request, anyOf: request.anyOf.map((variant) => withEchoed(variant, response)) };
  const target = objectVariants(response)[0];
  if (request.properties === undefined || target?.properties === undefined) return request;
  const properties: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(request.properties)) {
    const echoed = target.properties[name];
    properties[name] = echoed === undefined ? schema : withEchoed(schema, echoed);
  }
  for (const name of Object.keys(target.properties)) properties[name] ??= {};
  return { ...request, properties };
}

/**
 * The PUT schema of `properties`: the writable members as `request` checks
 * them, and the read-only members of `response` accepted and ignored.
 */
export function acceptingEchoedMembers(request: TSchema, response: TSchema): TSchema {
  return withEchoed(request as unknown as JsonSchema, response as unknown as JsonSchema);
}
