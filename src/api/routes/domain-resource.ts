/**
 * One ARM resource type served by the domain service: GET presents the
 * domain record, list pages through it, PUT and DELETE run as domain calls
 * with the family's error context and settle when the live effect is applied.
 * Top-level tracked types list by subscription or resource group, child types
 * below their parent.
 */
import type { TSchema } from 'typebox';
import type { DeleteResult, ListScope, Page, PutResult, WriteOptions } from '../../routeserver/index.js';
import { formatResourceId } from '../arm-id.js';
import type { ArmResource } from '../arm-resource.js';
import type { ArmResourceDefinition, ListRequest } from '../resource-routes.js';
import type { ApiServer } from '../server.js';
import { armPage, deleteOutcome, domainCall, putOutcome, writeOptions, type ErrorContext } from './edge.js';

interface DomainResourceBase<Body, T, Input> {
  /** type segments below Microsoft.Network, e.g. `['virtualHubs', 'bgpConnections']` */
  readonly types: readonly string[];
  readonly requestProperties: TSchema;
  readonly responseProperties: TSchema;
  readonly context: ErrorContext;
  readonly present: (resource: T) => ArmResource;
  readonly get: (id: string) => T | undefined;
  /** PUT body → domain input; runs inside the domain call */
  readonly toInput: (body: Body) => Input;
  readonly put: (id: string, input: Input, options: WriteOptions) => Promise<PutResult<T>>;
  readonly delete: (id: string, options: WriteOptions) => Promise<DeleteResult>;
  readonly actions?: ArmResourceDefinition['actions'];
}

interface TrackedLister<T> {
  readonly tracked: true;
  readonly list: (scope: ListScope, cursor?: string) => Page<T>;
}

interface ChildLister<T> {
  readonly tracked: false;
  /** lists below the parent, given by its id text */
  readonly list: (parentId: string, cursor?: string) => Page<T>;
}

export type DomainResource<Body, T, Input> = DomainResourceBase<Body, T, Input> &
  (TrackedLister<T> | ChildLister<T>);

export function registerDomainResource<Body, T, Input>(
  server: ApiServer,
  resource: DomainResource<Body, T, Input>,
): void {
  const { context, present } = resource;
  server.registerResource<Body>({
    types: resource.types,
    tracked: resource.tracked,
    requestProperties: resource.requestProperties,
    responseProperties: resource.responseProperties,
    get: async (request) => {
      const found = resource.get(request.idText);
      return found === undefined ? undefined : present(found);
    },
    list: lister(resource),
    put: (request, body) =>
      domainCall(context, 'put', async () => {
        const input = resource.toInput(body);
        const result = await resource.put(request.idText, input, writeOptions(request.preconditions));
        return putOutcome(result, present, context);
      }),
    delete: (request) =>
      domainCall(context, 'delete', async () =>
        deleteOutcome(await resource.delete(request.idText, writeOptions(request.preconditions)), context),
      ),
    ...(resource.actions === undefined ? {} : { actions: resource.actions }),
  });
}

/** A tracked list answers the domain's page as it comes; a child list answers a missing parent as an ARM error. */
function lister<T>(
  resource: (TrackedLister<T> | ChildLister<T>) & {
    readonly context: ErrorContext;
    readonly present: (item: T) => ArmResource;
  },
): (request: ListRequest) => Promise<{ value: ArmResource[]; cursor?: string }> {
  const { context, present } = resource;
  if (resource.tracked) {
    const list = resource.list;
    return async (request) => {
      const scope = {
        subscriptionId: request.subscriptionId,
        ...(request.resourceGroupName === undefined ? {} : { resourceGroupName: request.resourceGroupName }),
      };
      return armPage(list(scope, request.cursor), present);
    };
  }
  const list = resource.list;
  return (request) =>
    domainCall(context, 'read', () =>
      armPage(list(formatResourceId(request.parent!), request.cursor), present),
    );
}
