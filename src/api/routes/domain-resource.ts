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
import type { ListRequest } from '../resource-routes.js';
import type { ApiServer } from '../server.js';
import type { ResourceDescriptor } from '../../routeserver/index.js';
import { armPage, deleteOutcome, domainCall, putOutcome, writeOptions } from './edge.js';

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
): void {
  const present = (view: View) => resource.present(view);
  server.registerResource<Body>({
    types: resource.types,
    tracked: resource.tracked,
    requestProperties: schemas.requestProperties,
    ...(schemas.requestEnvelope === undefined ? {} : { requestEnvelope: schemas.requestEnvelope }),
    responseProperties: schemas.responseProperties,
    get: async (request) => {
      const found = resource.get(request.idText);
      return found === undefined ? undefined : present(found);
    },
    list: (request: ListRequest) =>
      domainCall(() => armPage(resource.list(listWithin(request), request.cursor), present)),
    put: (request, body) =>
      domainCall(async () => {
        const input = resource.toInput(body);
        const result = await resource.put(request.idText, input, writeOptions(request.preconditions));
        return putOutcome(result, present);
      }),
    delete: (request) =>
      domainCall(
        async () => deleteOutcome(await resource.delete(request.idText, writeOptions(request.preconditions))),
        resource,
      ),
    actions: Object.fromEntries(
      Object.entries(resource.actions).map(([name, run]) => [
        name,
        (request: { idText: string }) => domainCall(() => run(request.idText)),
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
