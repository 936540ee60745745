/**
 * `Microsoft.Resources`: resource groups (PUT, GET, HEAD, PATCH, DELETE,
 * list) and the resource provider registration endpoints (`GET
 * /subscriptions/{s}/providers[/{namespace}]`, `POST …/{namespace}/register`),
 * as `az group …`, `az provider …` and `ResourceManagementClient` call them
 * (docs/azure-clients.md). The groups themselves live in the domain service
 * (src/routeserver/resource-groups.ts); deleting one is a long-running
 * operation (202 + Location) that removes its resources first.
 */
import { visibleItems } from '../authorization.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ResourceGroupError, type ResourceGroup, type ResourceGroups } from '../../routeserver/index.js';
import { SUPPORTED_API_VERSIONS } from '../api-versions.js';
import { ArmError } from '../errors.js';
import { replyAccepted, type LroSettings } from '../lro-routes.js';
import { assertValidResourceGroupName, assertValidSubscriptionId } from '../names.js';
import { domainCall } from './edge.js';

const Tags = Type.Record(Type.String(), Type.String());

/** The PUT body; what a client echoes from a GET (`id`, `name`, `type`, `properties`, `managedBy`) is ignored. */
const GroupPutBody = Type.Object(
  {
    location: Type.String(),
    tags: Type.Optional(Tags),
    id: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    managedBy: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    properties: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false },
);

const GroupPatchBody = Type.Object(
  {
    tags: Type.Optional(Tags),
    location: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    managedBy: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    properties: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false },
);

interface GroupParams {
  subscriptionId: string;
  resourceGroupName: string;
}

function presentResourceGroup(group: ResourceGroup) {
  return {
    id: group.id,
    name: group.name,
    type: 'Microsoft.Resources/resourceGroups',
    location: group.location,
    ...(Object.keys(group.tags).length === 0 ? {} : { tags: { ...group.tags } }),
    properties: { provisioningState: group.provisioningState },
  };
}

/** ARM's answers to the refusals of a group write. */
function resourceGroupArmError(error: ResourceGroupError): ArmError {
  const name = error.groupName;
  switch (error.refusal.kind) {
    case 'notFound':
      return new ArmError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
    case 'beingDeleted':
      return new ArmError(
        409,
        'ResourceGroupBeingDeleted',
        `The resource group '${name}' is in deprovisioning state and cannot perform this operation.`,
      );
    case 'locationChange':
      return new ArmError(
        409,
        'InvalidResourceGroupLocation',
        `Invalid resource group location. The Resource group '${name}' already exists in location '${error.refusal.location}'.`,
      );
  }
}

/** Runs a group call, answering the domain's refusals as ARM errors. */
export async function groupCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await domainCall(call);
  } catch (error) {
    if (error instanceof ResourceGroupError) throw resourceGroupArmError(error);
    throw error;
  }
}

function paramsOf(request: FastifyRequest): GroupParams {
  const params = request.params as GroupParams;
  assertValidSubscriptionId(params.subscriptionId);
  assertValidResourceGroupName(params.resourceGroupName);
  return params;
}

function groupNotFound(name: string): ArmError {
  return new ArmError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
}

function registerGroupReads(app: FastifyInstance, groups: ResourceGroups, path: string): void {
  app.get(path, { schema: { hide: true }, exposeHeadRoute: false }, async (request) => {
    const { subscriptionId, resourceGroupName } = paramsOf(request);
    const group = await groups.get(subscriptionId, resourceGroupName);
    if (group === undefined) throw groupNotFound(resourceGroupName);
    return presentResourceGroup(group);
  });
  // `az group exists`: 204 when the group exists, 404 when not
  app.head(path, { schema: { hide: true } }, async (request, reply) => {
    const { subscriptionId, resourceGroupName } = paramsOf(request);
    const group = await groups.get(subscriptionId, resourceGroupName);
    return reply.code(group === undefined ? 404 : 204).send();
  });
  app.get<{ Params: { subscriptionId: string } }>(
    '/subscriptions/:subscriptionId/resourcegroups',
    { schema: { hide: true } },
    async (request) => {
      assertValidSubscriptionId(request.params.subscriptionId);
      const all = await groups.list(request.params.subscriptionId);
      // a caller whose roles are on some groups only sees those (authorization.ts)
      return { value: visibleItems(request, all.map(presentResourceGroup)) };
    },
  );
}

function registerGroupWrites(
  app: FastifyInstance,
  groups: ResourceGroups,
  settings: LroSettings,
  path: string,
): void {
  app.put(path, { schema: { hide: true, body: GroupPutBody } }, async (request, reply: FastifyReply) => {
    const { subscriptionId, resourceGroupName } = paramsOf(request);
    const body = request.body as { location: string; tags?: Record<string, string> };
    const { group, created } = await groupCall(() =>
      groups.put(subscriptionId, resourceGroupName, {
        location: body.location,
        ...(body.tags === undefined ? {} : { tags: body.tags }),
      }),
    );
    return reply.code(created ? 201 : 200).send(presentResourceGroup(group));
  });
  app.patch(path, { schema: { hide: true, body: GroupPatchBody } }, async (request) => {
    const { subscriptionId, resourceGroupName } = paramsOf(request);
    const body = request.body as { tags?: Record<string, string>; location?: string };
    const current = await groups.get(subscriptionId, resourceGroupName);
    if (current === undefined) throw groupNotFound(resourceGroupName);
    const { group } = await groupCall(() =>
      groups.put(subscriptionId, resourceGroupName, {
        location: body.location ?? current.location,
        tags: body.tags ?? current.tags,
      }),
    );
    return presentResourceGroup(group);
  });
  app.delete(path, { schema: { hide: true } }, async (request, reply) => {
    const { subscriptionId, resourceGroupName } = paramsOf(request);
    const outcome = await groupCall(() => groups.delete(subscriptionId, resourceGroupName));
    if (!outcome.existed) throw groupNotFound(resourceGroupName);
    // a resource that cannot be deleted fails the operation with its own ARM error
    const work = domainCall(() => outcome.completion!);
    return replyAccepted(reply, request, settings, subscriptionId, 'local', work, { locationOnly: true });
  });
}

const PROVIDERS = ['Microsoft.Network', 'Microsoft.Resources'] as const;

/** Microsoft.Resources versions the clients were seen to send (docs/azure-clients.md), newest first. */
const RESOURCES_API_VERSIONS = ['2025-04-01', '2025-03-01', '2024-11-01', '2024-03-01', '2022-12-01'];

function presentProvider(subscriptionId: string, namespace: string, types: readonly string[]) {
  // `az resource …` picks the api-version of a type from this list
  const apiVersions =
    namespace === 'Microsoft.Network' ? [...SUPPORTED_API_VERSIONS].reverse() : RESOURCES_API_VERSIONS;
  return {
    id: `/subscriptions/${subscriptionId}/providers/${namespace}`,
    namespace,
    registrationState: 'Registered',
    registrationPolicy: 'RegistrationRequired',
    resourceTypes: types.map((resourceType) => ({ resourceType, locations: ['local'], apiVersions })),
  };
}

/**
 * The providers routeserver serves are always registered: listing, reading
 * and registering them answer `Registered` (az registers a provider when a
 * request is refused with MissingSubscriptionRegistration, which never happens here).
 */
function registerProviderRoutes(app: FastifyInstance, networkTypes: () => readonly string[]): void {
  const typesOf = (namespace: (typeof PROVIDERS)[number]) =>
    namespace === 'Microsoft.Network' ? networkTypes() : ['resourceGroups', 'subscriptions'];
  const find = (subscriptionId: string, namespace: string) => {
    assertValidSubscriptionId(subscriptionId);
    const known = PROVIDERS.find((p) => p.toLowerCase() === namespace.toLowerCase());
    if (known === undefined)
      throw new ArmError(
        404,
        'InvalidResourceNamespace',
        `The resource namespace '${namespace}' is invalid.`,
      );
    return presentProvider(subscriptionId, known, typesOf(known));
  };
  app.get<{ Params: { subscriptionId: string } }>(
    '/subscriptions/:subscriptionId/providers',
    { schema: { hide: true } },
    async (request) => ({
      value: PROVIDERS.map((namespace) => find(request.params.subscriptionId, namespace)),
    }),
  );
  app.get<{ Params: { subscriptionId: string; namespace: string } }>(
    '/subscriptions/:subscriptionId/providers/:namespace',
    { schema: { hide: true } },
    async (request) => find(request.params.subscriptionId, request.params.namespace),
  );
  app.post<{ Params: { subscriptionId: string; namespace: string } }>(
    '/subscriptions/:subscriptionId/providers/:namespace/register',
    { schema: { hide: true } },
    async (request) => find(request.params.subscriptionId, request.params.namespace),
  );
}

/** Registers the resource group and provider routes; call before `server.listen()`. */
export function registerResourceGroupRoutes(
  app: FastifyInstance,
  groups: ResourceGroups,
  settings: LroSettings,
  networkTypes: () => readonly string[],
): void {
  const path = '/subscriptions/:subscriptionId/resourcegroups/:resourceGroupName';
  registerGroupReads(app, groups, path);
  registerGroupWrites(app, groups, settings, path);
  registerProviderRoutes(app, networkTypes);
}
