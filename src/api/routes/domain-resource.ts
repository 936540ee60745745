/**
 * One registration for every resource type the domain service serves: the
 * service's descriptor (get, list, put, delete, actions, and its wire form:
 * the PUT body as input, the view as the ARM resource) and the TypeBox
 * schemas of its PUT body and response. GET presents the view, list pages
 * through it, PUT and DELETE settle when the live effect is applied; a domain
 * refusal is sent as the ARM error src/routeserver/arm-errors.ts gives it.
 */
import type { TSchema } from 'typebox';
import { formatResourceId } from '../arm-id.js';
import type { ListRequest, ResourceRequest } from '../resource-routes.js';
import type { ApiServer } from '../server.js';
import type { ResourceDescriptor, ResourceGroups } from '../../routeserver/index.js';
import { RouteServerError } from '../../routeserver/index.js';
import { armErrorOf, armPage, deleteOutcome, domainCall, putOutcome, writeOptions } from './edge.js';
import { acceptingEchoedMembers } from './echoed-members.js';
import { groupCall } from './resource-groups.js';

/** How one resource type's PUT body and response are checked and documented. */
export interface WireSchemas {
  /** schema of `properties` in PUT bodies (unknown members rejected) */
  readonly requestProperties: TSchema;
  /** members beside `properties` in PUT bodies, when the type has any (an ExpressRoute circuit's `sku`) */
  readonly requestEnvelope?: Readonly<Record<string, TSchema>>;
  /** schema of `properties` in responses (OpenAPI) */
  readonly responseProperties: TSchema;
}

export function registerDomainResource<Body, Input, View>(
  server: ApiServer,
  resource: ResourceDescriptor<Input, View, Body>,
  schemas: WireSchemas,
  groups?: ResourceGroups,
): void {
  const present = (view: View) => resource.present(view);
  server.registerResource<Body>({
    types: resource.types,
    tracked: resource.tracked,
    requestProperties: acceptingEchoedMembers(schemas.requestProperties, schemas.responseProperties),
    ...(schemas.requestEnvelope === undefined ? {} : { requestEnvelope: schemas.requestEnvelope }),
    responseProperties: schemas.responseProperties,
    get: async (request) => {
      const found = resource.get(request.idText);
      return found === undefined ? undefined : present(found);
    },
    list: (request: ListRequest) =>
      domainCall(() => armPage(resource.list(listWithin(request), request.cursor), present)),
    put: (request, body) =>
      groupCall(async () => {
        // a tracked resource's group must exist, or is created with it (src/routeserver/resource-groups.ts)
        if (resource.tracked && groups !== undefined)
          await groups.ensureFor(request.idText, (body as { location?: string }).location);
        const input = resource.toInput(body);
        const result = await resource.put(request.idText, input, writeOptions(request.preconditions));
        return putOutcome(result, present);
      }),
    ...(resource.tracked
      ? {
          patchTags: (request: ResourceRequest, tags: Record<string, string>) =>
            domainCall(async () => {
              const found = resource.get(request.idText);
              if (found === undefined) return undefined;
              // the resource as a GET shows it, with the new tags, written back as a PUT would be
              const body = { ...present(found), tags } as unknown as Body;
              const input = resource.toInput(body);
              const result = await resource.put(request.idText, input, writeOptions(request.preconditions));
              return putOutcome(result, present);
            }),
        }
      : {}),
    delete: (request) =>
      domainCall(
        async () => deleteOutcome(await resource.delete(request.idText, writeOptions(request.preconditions))),
        resource,
      ),
    actions: Object.fromEntries(
      Object.entries(resource.actions).map(([name, run]) => [
        name,
        (request: { idText: string }, body: unknown) => {
          // a refused request is refused at once (400), before the operation is accepted
          let work: Promise<unknown>;
          try {
            work = run(request.idText, body);
          } catch (error) {
            throw error instanceof RouteServerError ? armErrorOf(error) : error;
          }
          return domainCall(() => work);
        },
      ]),
    ),
  });
}

/** A top-level list's subscription or resource group, or a child list's parent. */
function listWithin(request: ListRequest) {
  if (request.parent !== undefined) return { parentId: formatResourceId(request.parent) };
  return {
    subscriptionId: request.subscriptionId,
    ...(request.resourceGroupName === undefined ? {} : { resourceGroupName: request.resourceGroupName }),
  };
}
