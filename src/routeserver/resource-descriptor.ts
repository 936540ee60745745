/**
 * One resource type the service serves, as a descriptor: read it, list it,
 * write it, delete it, run its POST actions, and its wire form (the ARM PUT
 * body as input, the view as an ARM resource). Each resource family
 * (network.ts, route-tables.ts, network-interfaces.ts, route-servers.ts)
 * exports one descriptor per type; the service hands them out
 * (`service.resources`) and the API registers them as they are.
 */
import type { ArmResource } from './arm-json.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import type { DeleteResult, ListScope, Page, PutResult, WriteOptions } from './types.js';

/** Where a list looks: a subscription or resource group (top-level types), or a parent resource (child types). */
export type ListWithin = ListScope | { readonly parentId: string };

export interface ResourceDescriptor<Input, View, Body = never> {
  /** type segments below Microsoft.Network, e.g. `['virtualHubs', 'bgpConnections']` */
  readonly types: readonly string[];
  /** top-level tracked types carry location and tags and list by scope; child types list below their parent */
  readonly tracked: boolean;
  get(id: string): View | undefined;
  /** one page after `cursor`; a child list throws NOT_FOUND when the parent does not exist */
  list(within: ListWithin, cursor?: string): Page<View>;
  put(id: string, input: Input, options?: WriteOptions): Promise<PutResult<View>>;
  delete(id: string, options?: WriteOptions): Promise<DeleteResult>;
  /**
   * POST actions on one resource, by name, with the request body when it has one: each resolves
   * with the action's result; a refused request throws before it returns
   */
  readonly actions: Readonly<Record<string, (id: string, body?: unknown) => Promise<unknown>>>;
  /** the ARM PUT body (its shape already checked by the API's schema) as input; refusals name ARM paths */
  toInput(body: Body): Input;
  /** the view as the ARM resource */
  present(view: View): ArmResource;
  /** ARM's code for "in use, cannot be deleted" on a DELETE of this type, when it has its own */
  readonly inUseCode?: string;
}

/** The scope of a top-level list. */
export function scopeOfList(within: ListWithin): ListScope {
  if ('parentId' in within) throw new RouteServerError(E.INVALID_VALUE, 'a top-level list takes a scope', '');
  return within;
}

/** The parent id of a child list. */
export function parentIdOfList(within: ListWithin): string {
  if (!('parentId' in within)) throw new RouteServerError(E.INVALID_VALUE, 'a child list takes a parent', '');
  return within.parentId;
}

/** A descriptor typed by its input and view (the families' object literals get their parameter types from it). */
export function describe<Input, View, Body>(
  descriptor: ResourceDescriptor<Input, View, Body>,
): ResourceDescriptor<Input, View, Body> {
  return descriptor;
}
