/**
 * Generic routes for one ARM resource type: GET, PUT, DELETE, list, and POST
 * actions, with name validation, conditional requests, ETag headers and
 * long-running-operation replies. A resource handler supplies schemas and
 * functions that talk to the domain facade; this file owns the HTTP rules.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { apiVersionOf } from './arm-hooks.js';
import { visibleItems } from './authorization.js';
import { buildResourceId, NETWORK_NAMESPACE, type ArmResourceId } from './arm-id.js';
import {
  armListSchema,
  armPutBodySchema,
  armResourceSchema,
  ArmErrorSchema,
  parseEtag,
  toArmList,
} from './arm-resource.js';
import type { ArmResource } from '../routeserver/index.js';
import { checkPreconditions, listsTag, readPreconditions, type Preconditions } from './conditional.js';
import type { ArmError } from './errors.js';
import { resourceNotFound } from './errors.js';
import { replyAccepted, replyAsyncPut, type LroSettings } from './lro-routes.js';
import { assertValidResourceGroupName, assertValidResourceName, assertValidSubscriptionId } from './names.js';

export interface ResourceRequest {
  readonly id: ArmResourceId;
  /** canonical id text built from the request path */
  readonly idText: string;
  readonly apiVersion: string;
  readonly preconditions: Preconditions;
  readonly request: FastifyRequest;
}

export interface ListRequest {
  readonly subscriptionId: string;
  /** absent for a subscription-wide list of a top-level type */
  readonly resourceGroupName?: string;
  /** parent types/names for a child collection */
  readonly parent?: ArmResourceId;
  /** `$skipToken` of the request: the cursor of a previous page */
  readonly cursor?: string;
  readonly apiVersion: string;
}

export interface PutOutcome {
  readonly resource: ArmResource;
  readonly created: boolean;
  /** when given, the PUT answers with Azure-AsyncOperation and this settles the operation */
  readonly completion?: Promise<unknown>;
}

export interface DeleteOutcome {
  readonly existed: boolean;
  /** when given, the DELETE answers 202 + Location and this settles the operation */
  readonly completion?: Promise<unknown>;
}

export interface ArmResourceDefinition<Body = Record<string, unknown>> {
  /** type segments below Microsoft.Network, e.g. `['virtualHubs', 'bgpConnections']` */
  readonly types: readonly string[];
  /** top-level tracked resources carry `location` and `tags` */
  readonly tracked: boolean;
  /** schema of `properties` in PUT bodies (unknown members rejected) */
  readonly requestProperties: TSchema;
  /** optional members beside `properties` in PUT bodies (e.g. `sku`) */
  readonly requestEnvelope?: Readonly<Record<string, TSchema>>;
  /** schema of `properties` in responses (OpenAPI) */
  readonly responseProperties: TSchema;
  /** LRO location for this request's operations, default `local` */
  location?(request: ResourceRequest): string;
  get(request: ResourceRequest): Promise<ArmResource | undefined>;
  list?(request: ListRequest): Promise<{ value: ArmResource[]; cursor?: string }>;
  put?(request: ResourceRequest, body: Body): Promise<PutOutcome>;
  /** PATCH (tracked types): replaces the tags, everything else stays; undefined when there is no such resource */
  patchTags?(request: ResourceRequest, tags: Record<string, string>): Promise<PutOutcome | undefined>;
  delete?(request: ResourceRequest): Promise<DeleteOutcome>;
  /**
   * POST `…/{name}/{action}` with its JSON body, if any: 202 + Location (only), then the promise's
   * value is the final 200 body; a refusal thrown before the promise is the answer itself
   */
  actions?: Readonly<Record<string, (request: ResourceRequest, body: unknown) => Promise<unknown>>>;
}

/** `virtualHubs` → `virtualHubName`, `bgpConnections` → `bgpConnectionName` */
export function nameParameter(type: string): string {
  return `${type.endsWith('s') ? type.slice(0, -1) : type}Name`;
}

function pathFor(types: readonly string[], count: number): string {
  const segments = types.slice(0, count).map((type) => `${type}/:${nameParameter(type)}`);
  return `/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/${NETWORK_NAMESPACE}/${segments.join('/')}`;
}

function idFromParams(
  types: readonly string[],
  params: Record<string, string>,
  count: number,
): ArmResourceId {
  assertValidSubscriptionId(params.subscriptionId!);
  assertValidResourceGroupName(params.resourceGroupName!);
  const names = types.slice(0, count).map((type) => {
    const name = params[nameParameter(type)]!;
    assertValidResourceName(type, name, nameParameter(type));
    return name;
  });
  return {
    subscriptionId: params.subscriptionId!,
    resourceGroupName: params.resourceGroupName!,
    types: types.slice(0, count),
    names,
  };
}

function resourceRequest(definition: ArmResourceDefinition<never>, request: FastifyRequest): ResourceRequest {
  const id = idFromParams(
    definition.types,
    request.params as Record<string, string>,
    definition.types.length,
  );
  const idText = buildResourceId(
    id.subscriptionId,
    id.resourceGroupName,
    ...id.types.map((t, i) => [t, id.names[i]!] as const),
  );
  return {
    id,
    idText,
    apiVersion: apiVersionOf(request) ?? '',
    preconditions: readPreconditions(request),
    request,
  };
}

function notFound(definition: ArmResourceDefinition<never>, request: ResourceRequest): ArmError {
  const type = `${NETWORK_NAMESPACE}/${definition.types.join('/')}`;
  return resourceNotFound(type, request.id.names.join('/'), request.id.resourceGroupName);
}

function sendResource(reply: FastifyReply, resource: ArmResource, statusCode = 200): FastifyReply {
  if (resource.etag !== undefined) reply.header('etag', resource.etag);
  return reply.code(statusCode).send(resource);
}

export function registerArmResource<Body>(
  app: FastifyInstance,
  settings: LroSettings,
  definition: ArmResourceDefinition<Body>,
): void {
  const def = definition as unknown as ArmResourceDefinition<never>;
  const path = pathFor(def.types, def.types.length);
  const tag = def.types.join('/');
  const resourceSchema = armResourceSchema(def.responseProperties);
  const locationOf = (request: ResourceRequest) => def.location?.(request) ?? 'local';

  app.get(
    path,
    { schema: { tags: [tag], response: { 200: resourceSchema, default: ArmErrorSchema } } },
    async (req, reply) => {
      const request = resourceRequest(def, req);
      const resource = await def.get(request);
      if (resource === undefined) throw notFound(def, request);
      const ifNoneMatch = request.preconditions.ifNoneMatch;
      const current = resource.etag === undefined ? undefined : parseEtag(resource.etag);
      if (
        ifNoneMatch !== undefined &&
        current !== undefined &&
        (ifNoneMatch === '*' || listsTag(ifNoneMatch, current))
      ) {
        return reply.code(304).header('etag', resource.etag).send();
      }
      return sendResource(reply, resource);
    },
  );

  if (def.put !== undefined) {
    const put = def.put.bind(def);
    const body = armPutBodySchema(def.requestProperties, {
      tracked: def.tracked,
      ...(def.requestEnvelope === undefined ? {} : { envelope: def.requestEnvelope }),
    });
    app.put(
      path,
      {
        schema: {
          tags: [tag],
          body,
          response: { 200: resourceSchema, 201: resourceSchema, default: ArmErrorSchema },
        },
      },
      async (req, reply) => {
        const request = resourceRequest(def, req);
        const outcome = await put(request, req.body as never);
        const statusCode = outcome.created ? 201 : 200;
        if (outcome.completion === undefined) return sendResource(reply, outcome.resource, statusCode);
        if (outcome.resource.etag !== undefined) reply.header('etag', outcome.resource.etag);
        return replyAsyncPut(reply, req, settings, {
          statusCode,
          body: outcome.resource,
          subscriptionId: request.id.subscriptionId,
          location: locationOf(request),
          work: outcome.completion,
        });
      },
    );
  }

  if (def.patchTags !== undefined) registerPatch(app, def, def.patchTags.bind(def));

  if (def.delete !== undefined) {
    const remove = def.delete.bind(def);
    app.delete(
      path,
      { schema: { tags: [tag], response: { default: ArmErrorSchema } } },
      async (req, reply) => {
        const request = resourceRequest(def, req);
        const outcome = await remove(request);
        if (!outcome.existed) {
          if (request.preconditions.ifMatch !== undefined)
            checkPreconditions(request.preconditions, undefined);
          return reply.code(204).send();
        }
        if (outcome.completion === undefined) return reply.code(200).send();
        return replyAccepted(
          reply,
          req,
          settings,
          request.id.subscriptionId,
          locationOf(request),
          outcome.completion,
        );
      },
    );
  }

  for (const [action, run] of Object.entries(def.actions ?? {})) {
    app.post(
      `${path}/${action}`,
      { schema: { tags: [tag], response: { default: ArmErrorSchema } } },
      async (req, reply) => {
        const request = resourceRequest(def, req);
        if ((await def.get(request)) === undefined) throw notFound(def, request);
        const work = run(request, req.body);
        return replyAccepted(reply, req, settings, request.id.subscriptionId, locationOf(request), work, {
          locationOnly: true,
        });
      },
    );
  }

  if (def.list !== undefined) registerList(app, settings, def, def.list.bind(def));
}

/**
 * PATCH with a TagsObject (`{"tags": {…}}`), as `update_tags` and `az
 * resource tag` send it: the tags are replaced, the rest of the resource
 * stays. Members a client copies from a GET beside `tags` are ignored.
 */
const PatchBodySchema = Type.Object(
  {
    tags: Type.Optional(Type.Record(Type.String(), Type.String())),
    id: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    etag: Type.Optional(Type.String()),
    location: Type.Optional(Type.String()),
    properties: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false },
);

function registerPatch(
  app: FastifyInstance,
  def: ArmResourceDefinition<never>,
  patch: NonNullable<ArmResourceDefinition<never>['patchTags']>,
): void {
  const resourceSchema = armResourceSchema(def.responseProperties);
  app.patch(
    pathFor(def.types, def.types.length),
    {
      schema: {
        tags: [def.types.join('/')],
        body: PatchBodySchema,
        response: { 200: resourceSchema, default: ArmErrorSchema },
      },
    },
    async (req, reply) => {
      const request = resourceRequest(def, req);
      const body = req.body as { tags?: Record<string, string> };
      const outcome = await patch(request, body.tags ?? {});
      if (outcome === undefined) throw notFound(def, request);
      if (outcome.completion !== undefined) await outcome.completion;
      const current = await def.get(request);
      return sendResource(reply, current ?? outcome.resource);
    },
  );
}

function registerList(
  app: FastifyInstance,
  settings: LroSettings,
  def: ArmResourceDefinition<never>,
  list: NonNullable<ArmResourceDefinition<never>['list']>,
): void {
  const count = def.types.length;
  const collection = `${count === 1 ? pathFor(def.types, 0).replace(/\/$/, '') : pathFor(def.types, count - 1)}/${def.types[count - 1]}`;
  const schema = {
    tags: [def.types.join('/')],
    querystring: Type.Object({
      'api-version': Type.Optional(Type.String()),
      $skipToken: Type.Optional(Type.String()),
    }),
    response: { 200: armListSchema(armResourceSchema(def.responseProperties)), default: ArmErrorSchema },
  };
  const handler = async (req: FastifyRequest, withGroup: boolean) => {
    const params = req.params as Record<string, string>;
    const skipToken = (req.query as Record<string, string | undefined>).$skipToken;
    const parent = count > 1 ? idFromParams(def.types, params, count - 1) : undefined;
    if (parent === undefined) assertValidSubscriptionId(params.subscriptionId!);
    if (parent === undefined && withGroup) assertValidResourceGroupName(params.resourceGroupName!);
    const page = await list({
      subscriptionId: params.subscriptionId!,
      ...(withGroup ? { resourceGroupName: params.resourceGroupName! } : {}),
      ...(parent === undefined ? {} : { parent }),
      ...(skipToken === undefined ? {} : { cursor: skipToken }),
      apiVersion: apiVersionOf(req) ?? '',
    });
    // a subscription-wide list shows a caller whose roles are on some groups only their items
    const value = visibleItems(req, page.value);
    return toArmList(value, new URL(`${settings.publicUrl}${req.url}`), page.cursor);
  };
  app.get(collection, { schema }, async (req) => handler(req, true));
  if (count === 1) {
    const bySubscription = `/subscriptions/:subscriptionId/providers/${NETWORK_NAMESPACE}/${def.types[0]}`;
    app.get(bySubscription, { schema }, async (req) => handler(req, false));
  }
}
