/**
 * One registration for every resource type the domain service serves: the
 * service's descriptor (get, list, put, delete, actions) and the type's wire
 * shape (TypeBox schemas of its PUT body and response, the translation of
 * the body to the domain input and of the domain view to the ARM resource).
 * GET presents the view, list pages through it, PUT and DELETE settle when
 * the live effect is applied; a domain refusal becomes its ARM error here.
 */
import type { TSchema } from 'typebox';
import { formatResourceId } from '../arm-id.js';
import type { ArmResource } from '../arm-resource.js';
import type { ListRequest } from '../resource-routes.js';
import type { ApiServer } from '../server.js';
import type { ResourceDescriptor } from '../../routeserver/index.js';
import { armPage, deleteOutcome, domainCall, putOutcome, writeOptions, type ErrorContext } from './edge.js';

/** How one resource type travels on the wire. */
export interface WireShape<Body, Input, View> {
  /** schema of `properties` in PUT bodies (unknown members rejected) */
  readonly requestProperties: TSchema;
  /** schema of `properties` in responses (OpenAPI) */
  readonly responseProperties: TSchema;
  readonly context: ErrorContext;
  readonly present: (view: View) => ArmResource;
  /** PUT body → domain input; runs inside the domain call */
  readonly toInput: (body: Body) => Input;
}

export function registerDomainResource<Body, Input, View>(
  server: ApiServer,
  resource: ResourceDescriptor<Input, View>,
  wire: WireShape<Body, Input, View>,
): void {
  const { context, present } = wire;
  server.registerResource<Body>({
    types: resource.types,
    tracked: resource.tracked,
    requestProperties: wire.requestProperties,
    responseProperties: wire.responseProperties,
    get: async (request) => {
      const found = resource.get(request.idText);
      return found === undefined ? undefined : present(found);
    },
    list: (request: ListRequest) =>
      domainCall(context, 'read', () => armPage(resource.list(listWithin(request), request.cursor), present)),
    put: (request, body) =>
      domainCall(context, 'put', async () => {
        const input = wire.toInput(body);
        const result = await resource.put(request.idText, input, writeOptions(request.preconditions));
        return putOutcome(result, present, context);
      }),
    delete: (request) =>
      domainCall(context, 'delete', async () =>
        deleteOutcome(await resource.delete(request.idText, writeOptions(request.preconditions)), context),
      ),
    actions: Object.fromEntries(
      Object.entries(resource.actions).map(([name, run]) => [
        name,
        (request: { idText: string }) => domainCall(context, 'read', () => run(request.idText)),
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
