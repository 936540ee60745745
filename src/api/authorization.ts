/**
 * Role-based access control as Azure does it (docs/identity.md): a request
 * is an action string (`Microsoft.Network/virtualHubs/read`,
 * `…/bgpConnections/write`, `…/getLearnedRoutes/action`) over a scope (the
 * ARM id it names); a caller may perform it when one of its role
 * assignments is at that scope or above it (the subscription, the resource
 * group) and the assignment's role lists an action pattern that matches and
 * no `notActions` pattern that does. Otherwise the answer is ARM's 403
 * `AuthorizationFailed`. The static API token is the local owner, allowed
 * everything everywhere.
 *
 * The built-in roles carry Azure's own role definition ids and action
 * lists (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
 */
import { ArmError } from './errors.js';
import type { Caller } from './identity.js';

export interface RoleDefinition {
  /** Azure's GUID of the built-in role */
  readonly name: string;
  readonly roleName: string;
  readonly description: string;
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
}

export const BUILT_IN_ROLES: readonly RoleDefinition[] = [
  {
    name: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    roleName: 'Owner',
    description:
      'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.',
    actions: ['*'],
    notActions: [],
  },
  {
    name: '4d97b98b-1d4f-4787-a291-c67834d212e7',
    roleName: 'Network Contributor',
    description: 'Lets you manage networks, but not access to them.',
    actions: [
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.Network/*',
      'Microsoft.ResourceHealth/availabilityStatuses/read',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Support/*',
    ],
    notActions: [],
  },
  {
    name: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
    roleName: 'Reader',
    description: 'View all resources, but does not allow you to make any changes.',
    actions: ['*/read'],
    notActions: [],
  },
];

/** The built-in role with this GUID or name (case-insensitive). */
export function findRole(nameOrGuid: string): RoleDefinition | undefined {
  const key = nameOrGuid.toLowerCase();
  return BUILT_IN_ROLES.find((role) => role.name === key || role.roleName.toLowerCase() === key);
}

/** One role assignment as the authorizer needs it. */
export interface Assignment {
  readonly principalId: string;
  /** the role definition's GUID */
  readonly roleDefinitionName: string;
  /** `/subscriptions/{id}` or `/subscriptions/{id}/resourceGroups/{name}` */
  readonly scope: string;
}

/** What a request does, in Azure's terms. */
interface RequestAction {
  /** e.g. `Microsoft.Network/virtualHubs/bgpConnections/write` */
  readonly action: string;
  /** the ARM id the request names (what the 403 message calls the scope) */
  readonly scope: string;
  /** for an action that changes nothing: the read that allows it too */
  readonly readAction?: string;
}

/** Azure's action patterns: case-insensitive, `*` stands for any run of characters. */
export function actionMatches(pattern: string, action: string): boolean {
  const parts = pattern.toLowerCase().split('*');
  const text = action.toLowerCase();
  if (parts.length === 1) return parts[0] === text;
  if (!text.startsWith(parts[0]!) || !text.endsWith(parts[parts.length - 1]!)) return false;
  let at = parts[0]!.length;
  const end = text.length - parts[parts.length - 1]!.length;
  for (const part of parts.slice(1, -1)) {
    const found = text.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return at <= end;
}

function roleAllows(role: RoleDefinition, action: string): boolean {
  return (
    role.actions.some((pattern) => actionMatches(pattern, action)) &&
    !role.notActions.some((pattern) => actionMatches(pattern, action))
  );
}

/** Whether `scope` is `within` or below it, segment by segment, case-insensitively. */
export function scopeCovers(scope: string, within: string): boolean {
  const outer = scope.toLowerCase().replace(/\/+$/, '');
  const inner = within.toLowerCase();
  return inner === outer || inner.startsWith(`${outer}/`);
}

const VERB_OF_METHOD: Readonly<Record<string, string>> = {
  GET: 'read',
  HEAD: 'read',
  PUT: 'write',
  PATCH: 'write',
  DELETE: 'delete',
};

/**
 * POST actions that change nothing: the route views (learned and advertised
 * routes of a peering, a NIC's effective routes, a hub's effective, inbound
 * and outbound routes). Their action strings are Azure's
 * (`…/bgpConnections/learnedRoutes/action`), and a role that may read the
 * resource they are posted to may call them too, so a Reader sees routes.
 */
const READ_ONLY_ACTIONS = new Set(
  [
    'learnedRoutes',
    'advertisedRoutes',
    'effectiveRouteTable',
    'effectiveNetworkSecurityGroups',
    'effectiveRoutes',
    'inboundRoutes',
    'outboundRoutes',
  ].map((action) => action.toLowerCase()),
);

/** Paths any authenticated caller may read: discovery, status of operations, the provider's operation list. */
function isOpenRead(segments: readonly string[]): boolean {
  const lower = segments.map((segment) => segment.toLowerCase());
  if (lower[0] !== 'subscriptions') return true; // /providers/…/operations, /openapi.json, /metrics
  if (lower.length <= 2) return true; // the subscriptions a login lists
  if (lower[2] === 'providers' && lower.length <= 4) return true; // resource providers and their registration
  // operation status URLs (Azure-AsyncOperation, Location): their ids are random and name no resource
  return lower[2] === 'providers' && lower[4] === 'locations' && lower.length >= 8;
}

/** The provider action of `…/providers/{namespace}/{type}/{name}/…/{type}[/{name}]` by method. */
function providerAction(
  method: string,
  namespace: string,
  rest: readonly string[],
): Pick<RequestAction, 'action' | 'readAction'> {
  const types = rest.filter((_, index) => index % 2 === 0);
  const verb = VERB_OF_METHOD[method];
  if (verb !== undefined) return { action: [namespace, ...types, verb].join('/') };
  // POST …/{type}/{name}/{action}: the last "type" is the action (`Microsoft.Network/register`)
  const action = types.pop()!;
  const resource = [namespace, ...types].join('/');
  return {
    action: `${resource}/${action}/action`,
    ...(READ_ONLY_ACTIONS.has(action.toLowerCase()) ? { readAction: `${resource}/read` } : {}),
  };
}

/**
 * The action and scope of an ARM request; undefined for what every authenticated
 * caller may do (isOpenRead). A request the shapes below do not cover needs the
 * owner's `*` at the root scope `/`, which no assignment holds.
 */
export function requestAction(method: string, url: string): RequestAction | undefined {
  const path = (url.split('?')[0] ?? '').replace(/\/+$/, '');
  const segments = path.split('/').filter((segment) => segment.length > 0);
  const upper = method.toUpperCase();
  if ((upper === 'GET' || upper === 'HEAD') && isOpenRead(segments)) return undefined;
  // the directory reads of Microsoft Graph (routes/graph.ts), a POST among them
  if (segments[0] === 'v1.0' && (upper === 'GET' || segments[1] === 'directoryObjects')) return undefined;
  const scope = `/${segments.join('/')}`;
  const lower = segments.map((segment) => segment.toLowerCase());
  if (lower[0] === 'subscriptions' && segments.length >= 2) {
    const providers = lower.indexOf('providers', 2);
    const head = providers < 0 ? lower.slice(2) : lower.slice(2, providers);
    const groupPath = head.length <= 2 && (head.length === 0 || head[0] === 'resourcegroups');
    if (providers < 0 && groupPath && head.length > 0) {
      const verb = VERB_OF_METHOD[upper] ?? 'action';
      return { action: `Microsoft.Resources/subscriptions/resourceGroups/${verb}`, scope };
    }
    if (providers >= 0 && groupPath && segments.length > providers + 2) {
      const namespace = segments[providers + 1]!;
      return { ...providerAction(upper, namespace, segments.slice(providers + 2)), scope };
    }
  }
  return { action: '*', scope: '/' };
}

/** The 403 of ARM for a caller outside its roles. */
function authorizationFailed(clientId: string, objectId: string, request: RequestAction): ArmError {
  return new ArmError(
    403,
    'AuthorizationFailed',
    `The client '${clientId}' with object id '${objectId}' does not have authorization to perform action ` +
      `'${request.action}' over scope '${request.scope}' or the scope is invalid. If access was recently ` +
      'granted, please refresh your credentials.',
  );
}

/** Whether any of `assignments` lets `principalId` perform `request`. */
function assignmentsAllow(
  assignments: readonly Assignment[],
  principalId: string,
  request: RequestAction,
): boolean {
  const principal = principalId.toLowerCase();
  return assignments.some((assignment) => {
    if (assignment.principalId.toLowerCase() !== principal) return false;
    if (!scopeCovers(assignment.scope, request.scope)) return false;
    const role = findRole(assignment.roleDefinitionName);
    if (role === undefined) return false;
    return (
      roleAllows(role, request.action) ||
      (request.readAction !== undefined && roleAllows(role, request.readAction))
    );
  });
}

/** Which items of a subscription-wide list the caller may see, by their ARM id. */
type ListFilter = (id: string) => boolean;

/**
 * The subscription of a subscription-wide list (`GET /subscriptions/{s}/resourcegroups`,
 * `GET /subscriptions/{s}/providers/Microsoft.Network/{type}`), undefined for any other request.
 */
function listedSubscription(method: string, scope: string): string | undefined {
  if (method.toUpperCase() !== 'GET') return undefined;
  const segments = scope.split('/').filter((segment) => segment.length > 0);
  const lower = segments.map((segment) => segment.toLowerCase());
  const groups = segments.length === 3 && lower[2] === 'resourcegroups';
  // the network types this API lists (not role assignments: their list has its own filter)
  const providerType = segments.length === 5 && lower[2] === 'providers' && lower[3] === 'microsoft.network';
  return groups || providerType ? `/${segments.slice(0, 2).join('/')}` : undefined;
}

const listFilters = new WeakMap<object, ListFilter>();

/** Keeps the list filter of a request (arm-hooks.ts), for the list route to apply. */
export function rememberListFilter(request: object, filter: ListFilter): void {
  listFilters.set(request, filter);
}

/** The items of a list `request` lets its caller see (all of them when it has no filter). */
export function visibleItems<T extends { id: string }>(request: object, items: T[]): T[] {
  const filter = listFilters.get(request);
  return filter === undefined ? items : items.filter((item) => filter(item.id));
}

/** Decides each request: the owner may do everything; a principal what its assignments allow. */
export class Authorizer {
  constructor(
    /** every assignment in force: the configuration file's and the stored ones */
    private readonly assignments: () => Promise<readonly Assignment[]>,
  ) {}

  /**
   * Whether `caller` may read the resource of each ARM id (GET, as
   * `authorize` decides it), with one read of the assignments: for views
   * that gather many resources (the dashboard's, src/api/dashboard-data.ts).
   */
  async readable(caller: Caller): Promise<(id: string) => boolean> {
    if (caller.kind === 'owner') return () => true;
    const assignments = await this.assignments();
    return (id) => {
      const request = requestAction('GET', id);
      return request === undefined || assignmentsAllow(assignments, caller.clientId, request);
    };
  }

  /**
   * Throws the 403 unless `caller` may perform `method url`. A subscription-wide
   * list by a caller whose roles reach only some of the subscription (a resource
   * group) is allowed, as ARM allows it, and resolves with the filter of what
   * the caller may read in it; every other allowed request resolves undefined.
   */
  async authorize(caller: Caller, method: string, url: string): Promise<ListFilter | undefined> {
    if (caller.kind === 'owner') return undefined;
    const request = requestAction(method, url);
    if (request === undefined) return undefined;
    const assignments = await this.assignments();
    if (assignmentsAllow(assignments, caller.clientId, request)) return undefined;
    const subscription = listedSubscription(method, request.scope);
    const principal = caller.clientId.toLowerCase();
    const below =
      subscription === undefined
        ? []
        : assignments.filter(
            (assignment) =>
              assignment.principalId.toLowerCase() === principal &&
              scopeCovers(subscription, assignment.scope),
          );
    if (
      below.length === 0 ||
      !below.some((a) => assignmentsAllow([a], principal, { ...request, scope: a.scope }))
    )
      throw authorizationFailed(caller.clientId, caller.clientId, request);
    return (id) => assignmentsAllow(below, principal, { ...request, scope: id });
  }
}
