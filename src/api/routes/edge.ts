/**
 * The edge between ARM resource handlers and the domain service: write
 * conditions, domain refusals as ArmErrors (their ARM answer and target come
 * from src/routeserver, arm-errors.ts), outcomes → framework outcomes.
 */
import { Type, type TSchema } from 'typebox';
import {
  armRefusal,
  RouteServerError,
  type ArmResource,
  type WriteOptions,
} from '../../routeserver/index.js';
import type { Preconditions } from '../conditional.js';
import { ArmError } from '../errors.js';
import type { DeleteOutcome, PutOutcome } from '../resource-routes.js';

/** A DELETE's own ARM code for "in use" refusals, when its resource type has one. */
interface DeleteContext {
  readonly inUseCode?: string;
}

/** A domain refusal as ARM answers it (`onDelete` for a DELETE). */
export function armErrorOf(error: RouteServerError, onDelete?: DeleteContext): ArmError {
  const refusal = armRefusal(error, onDelete);
  return new ArmError(
    refusal.status,
    refusal.code,
    refusal.message,
    refusal.target === undefined ? {} : { target: refusal.target },
  );
}

/** Runs a domain call, answering its refusals as ARM errors (`onDelete` for a DELETE). */
export async function domainCall<T>(call: () => Promise<T> | T, onDelete?: DeleteContext): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof RouteServerError) throw armErrorOf(error, onDelete);
    throw error;
  }
}

/** If-Match / If-None-Match as domain write conditions, every listed tag included (conditional.ts). */
export function writeOptions(preconditions: Preconditions): WriteOptions {
  const { ifMatch, ifNoneMatch } = preconditions;
  return {
    ...(ifMatch === '*' ? { mustExist: true } : {}),
    ...(ifMatch === undefined || ifMatch === '*' ? {} : { expectedEtags: ifMatch.map((tag) => tag.opaque) }),
    ...(ifNoneMatch === '*' ? { mustNotExist: true } : {}),
    ...(ifNoneMatch === undefined || ifNoneMatch === '*'
      ? {}
      : { excludedEtags: ifNoneMatch.map((tag) => tag.opaque) }),
  };
}

/** The LRO settles when the live effect has been applied; its failure is the operation's. */
export function putOutcome<T>(
  result: { resource: T; created: boolean; applied: Promise<void> },
  present: (resource: T) => ArmResource,
): PutOutcome {
  return {
    resource: present(result.resource),
    created: result.created,
    completion: settle(result.applied),
  };
}

export function deleteOutcome(result: { existed: boolean; applied: Promise<void> }): DeleteOutcome {
  return result.existed ? { existed: true, completion: settle(result.applied) } : { existed: false };
}

function settle(applied: Promise<void>): Promise<unknown> {
  return applied.catch((error: unknown) => {
    if (error instanceof RouteServerError) throw armErrorOf(error);
    throw new ArmError(
      500,
      'OperationFailed',
      `the change was saved but could not be applied: ${String(error)}`,
    );
  });
}

// ---- schema pieces -------------------------------------------------------------------

export const SubResourceRef = Type.Object({ id: Type.String() }, { additionalProperties: false });

/**
 * A reference typed as a full resource in the SDK (Subnet, RouteTable,
 * PublicIPAddress): the SDK sends `{id, properties: {}}`, or what a client
 * copied from a GET. Only `id` counts, as in ARM.
 */
export const ResourceRef = Type.Object(
  {
    id: Type.String(),
    name: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    etag: Type.Optional(Type.String()),
    location: Type.Optional(Type.String()),
    tags: Type.Optional(Type.Record(Type.String(), Type.String())),
    properties: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false },
);
export const AddressSpace = Type.Object(
  { addressPrefixes: Type.Array(Type.String()) },
  { additionalProperties: false },
);

/** A child resource inline in its parent's body: `{id?, name, type?, etag?, properties}`. */
export function inlineChild(properties: TSchema) {
  return Type.Object(
    {
      id: Type.Optional(Type.String()),
      name: Type.String(),
      type: Type.Optional(Type.String()),
      etag: Type.Optional(Type.String()),
      properties: Type.Optional(properties),
    },
    { additionalProperties: false },
  );
}

/** A domain page as the framework's list result. */
export function armPage<T>(
  page: { readonly value: readonly T[]; readonly cursor?: string },
  present: (item: T) => ArmResource,
): { value: ArmResource[]; cursor?: string } {
  return { value: page.value.map(present), ...(page.cursor === undefined ? {} : { cursor: page.cursor }) };
}
