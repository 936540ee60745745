/**
 * `Microsoft.Authorization`: role assignments and the built-in role
 * definitions, what `az role assignment create/list/delete` call
 * (docs/identity.md). Scopes are a subscription or a resource group:
 *
 * - `GET {scope}/providers/Microsoft.Authorization/roleDefinitions[?$filter=roleName eq '…']`, `…/{id}`;
 * - `GET {scope}/providers/Microsoft.Authorization/roleAssignments[?$filter=atScope()|principalId eq '…']`;
 * - `PUT|GET|DELETE {scope}/providers/Microsoft.Authorization/roleAssignments/{GUID}`.
 *
 * Assignments the configuration file declares are listed beside the stored
 * ones (their names derive from principal, role and scope) and are changed
 * in the file only. A PUT is checked whole before anything is written:
 * its name, its role, its principal (one the server's identity declares).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RoleAssignmentRecord, RoleAssignmentRecords } from '../../routeserver/index.js';
import {
  BUILT_IN_ROLES,
  findRole,
  scopeCovers,
  type Assignment,
  type RoleDefinition,
} from '../authorization.js';
import { callerOf } from '../auth.js';
import { ArmError } from '../errors.js';
import { assertValidResourceGroupName } from '../names.js';
import type { SubscriptionEntry } from './subscriptions.js';

const AUTHORIZATION = 'providers/Microsoft.Authorization';
const ASSIGNMENT_TYPE = 'Microsoft.Authorization/roleAssignments';
const DEFINITION_TYPE = 'Microsoft.Authorization/roleDefinitions';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PRINCIPAL_TYPES = ['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device'];

/** An assignment the configuration file declares for a service principal. */
export interface ConfiguredRoleAssignment {
  readonly principalId: string;
  /** a built-in role's name or GUID */
  readonly role: string;
  readonly scope: string;
}

interface RoleAssignmentRouteOptions {
  /** stored assignments; without it only the configuration's are listed and nothing can be assigned */
  readonly records?: RoleAssignmentRecords;
  readonly configured: readonly ConfiguredRoleAssignment[];
  /** the service principals' client ids: the principals an assignment may name */
  readonly principals: readonly string[];
  readonly tenantId: string;
  readonly subscriptions: readonly SubscriptionEntry[];
}

/** The name of a configured assignment: a GUID from what it assigns, the same at every start. */
function configuredName(assignment: ConfiguredRoleAssignment, role: RoleDefinition): string {
  const hex = createHash('sha256')
    .update(`${assignment.principalId.toLowerCase()}|${role.name}|${assignment.scope.toLowerCase()}`)
    .digest('hex');
  // shaped as an RFC 9562 version 8 (custom) UUID
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The configuration file's assignments as records (RoleDefinitions checked by the configuration schema). */
export function configuredRecords(configured: readonly ConfiguredRoleAssignment[]): RoleAssignmentRecord[] {
  return configured.flatMap((assignment) => {
    const role = findRole(assignment.role);
    if (role === undefined) return [];
    return [
      {
        name: configuredName(assignment, role),
        scope: assignment.scope.replace(/\/+$/, ''),
        roleDefinitionName: role.name,
        principalId: assignment.principalId,
        principalType: 'ServicePrincipal',
        description: 'declared in the configuration file',
        createdOn: new Date(0).toISOString(),
        createdBy: '',
      },
    ];
  });
}

/** Every assignment in force, for the authorizer. */
export async function assignmentsInForce(
  configured: readonly RoleAssignmentRecord[],
  records: RoleAssignmentRecords | undefined,
): Promise<Assignment[]> {
  return [...configured, ...((await records?.list()) ?? [])];
}

const subscriptionOf = (scope: string) => scope.split('/')[2]!;

function definitionId(scope: string, role: RoleDefinition): string {
  return `/subscriptions/${subscriptionOf(scope)}/${AUTHORIZATION}/roleDefinitions/${role.name}`;
}

function presentDefinition(scope: string, role: RoleDefinition) {
  return {
    id: definitionId(scope, role),
    name: role.name,
    type: DEFINITION_TYPE,
    properties: {
      roleName: role.roleName,
      type: 'BuiltInRole',
      description: role.description,
      assignableScopes: ['/'],
      permissions: [
        { actions: role.actions, notActions: role.notActions, dataActions: [], notDataActions: [] },
      ],
      createdOn: new Date(0).toISOString(),
      updatedOn: new Date(0).toISOString(),
      createdBy: null,
      updatedBy: null,
    },
  };
}

function presentAssignment(record: RoleAssignmentRecord) {
  const role = findRole(record.roleDefinitionName)!;
  return {
    id: `${record.scope}/${AUTHORIZATION}/roleAssignments/${record.name}`,
    name: record.name,
    type: ASSIGNMENT_TYPE,
    properties: {
      roleDefinitionId: definitionId(record.scope, role),
      principalId: record.principalId,
      principalType: record.principalType,
      scope: record.scope,
      condition: null,
      conditionVersion: null,
      createdOn: record.createdOn,
      updatedOn: record.createdOn,
      createdBy: record.createdBy,
      updatedBy: record.createdBy,
      delegatedManagedIdentityResourceId: null,
      description: record.description ?? null,
    },
  };
}

interface ScopeParams {
  readonly subscriptionId: string;
  readonly resourceGroupName?: string;
}

/** The scope a request names, canonically spelt; 404 for a subscription the server does not serve. */
function scopeOf(params: ScopeParams, subscriptions: readonly SubscriptionEntry[]): string {
  const served = subscriptions.find(
    (entry) => entry.subscriptionId.toLowerCase() === params.subscriptionId.toLowerCase(),
  );
  if (served === undefined) {
    throw new ArmError(
      404,
      'SubscriptionNotFound',
      `The subscription '${params.subscriptionId}' could not be found.`,
    );
  }
  if (params.resourceGroupName === undefined) return `/subscriptions/${served.subscriptionId}`;
  assertValidResourceGroupName(params.resourceGroupName);
  return `/subscriptions/${served.subscriptionId}/resourceGroups/${params.resourceGroupName}`;
}

/** `$filter` of a list request (OData; only the forms the clients send are understood). */
function filterOf(request: FastifyRequest): string {
  const query = request.query as Record<string, unknown>;
  const entry = Object.entries(query).find(([key]) => key.toLowerCase() === '$filter');
  return entry === undefined ? '' : String(entry[1]);
}

/** One quoted value of `name eq '…'` or `name('…')` in an OData filter. */
function filterValue(filter: string, pattern: RegExp): string | undefined {
  const match = pattern.exec(filter);
  return match === null ? undefined : match[1]!.replace(/''/g, "'");
}

function listAssignments(
  all: readonly RoleAssignmentRecord[],
  scope: string,
  filter: string,
): RoleAssignmentRecord[] {
  const atScope = /\batScope\(\)/i.test(filter);
  const principal =
    filterValue(filter, /principalId\s+eq\s+'((?:[^']|'')*)'/i) ??
    filterValue(filter, /assignedTo\('((?:[^']|'')*)'\)/i);
  return all.filter((record) => {
    if (principal !== undefined && record.principalId.toLowerCase() !== principal.toLowerCase()) return false;
    // at or above the scope; without atScope() below it too
    return scopeCovers(record.scope, scope) || (!atScope && scopeCovers(scope, record.scope));
  });
}

function checkedName(name: string): string {
  if (!GUID.test(name)) {
    throw new ArmError(
      400,
      'InvalidRoleAssignmentId',
      `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
    );
  }
  return name.toLowerCase();
}

interface AssignmentInput {
  readonly role: RoleDefinition;
  readonly principalId: string;
  readonly description?: string;
}

function stringMember(properties: Record<string, unknown>, name: string): string | undefined {
  const value = properties[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new ArmError(400, 'InvalidRequestContent', `The property '${name}' must be a string.`, {
      target: `properties.${name}`,
    });
  }
  return value;
}

/** The body of a PUT, checked whole: role, principal, principal type. */
function assignmentInput(body: unknown, options: RoleAssignmentRouteOptions): AssignmentInput {
  const properties = (body as { properties?: unknown } | null | undefined)?.properties;
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
    throw new ArmError(400, 'InvalidRequestContent', "The request content must have an object 'properties'.");
  }
  const members = properties as Record<string, unknown>;
  const roleDefinitionId = stringMember(members, 'roleDefinitionId') ?? '';
  const roleGuid = /(?:^|\/providers\/Microsoft\.Authorization\/roleDefinitions\/)([^/]+)$/i.exec(
    roleDefinitionId,
  )?.[1];
  const role = roleGuid === undefined || !GUID.test(roleGuid) ? undefined : findRole(roleGuid);
  if (role === undefined) {
    throw new ArmError(
      400,
      'RoleDefinitionDoesNotExist',
      `The specified role definition with ID '${roleGuid ?? roleDefinitionId}' does not exist.`,
    );
  }
  const principalId = stringMember(members, 'principalId') ?? '';
  if (!GUID.test(principalId)) {
    throw new ArmError(
      400,
      'InvalidPrincipalId',
      'A valid principal ID must be provided for role assignment.',
    );
  }
  if (!options.principals.some((id) => id.toLowerCase() === principalId.toLowerCase())) {
    throw new ArmError(
      400,
      'PrincipalNotFound',
      `Principal ${principalId.replace(/-/g, '')} does not exist in the directory ${options.tenantId}. ` +
        'Check that you have the correct principal ID. If you are creating this principal and then ' +
        'immediately assigning a role, this error might be related to a replication delay. In this case, ' +
        'set the role assignment principalType property to a value, such as ServicePrincipal, User, or ' +
        'Group.  See https://aka.ms/docs-principaltype',
    );
  }
  const principalType = stringMember(members, 'principalType');
  if (principalType !== undefined && principalType !== 'ServicePrincipal') {
    const known = PRINCIPAL_TYPES.includes(principalType);
    throw new ArmError(
      400,
      known ? 'UnmatchedPrincipalType' : 'InvalidPrincipalType',
      known
        ? `The PrincipalId '${principalId.replace(/-/g, '')}' has type 'ServicePrincipal' , which is different from specified PrincipalType '${principalType}'.`
        : `The principal type '${principalType}' is not valid. It must be one of ${PRINCIPAL_TYPES.join(', ')}.`,
    );
  }
  if (stringMember(members, 'condition') !== undefined) {
    throw new ArmError(
      400,
      'InvalidRoleAssignmentRequest',
      'Conditions on role assignments are not supported by this server.',
      { target: 'properties.condition' },
    );
  }
  const description = stringMember(members, 'description');
  return { role, principalId, ...(description === undefined ? {} : { description }) };
}

const assignmentExists = () =>
  new ArmError(409, 'RoleAssignmentExists', 'The role assignment already exists.');

function notFound(name: string): ArmError {
  return new ArmError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
}

export function registerRoleAssignmentRoutes(
  app: FastifyInstance,
  options: RoleAssignmentRouteOptions,
): void {
  const configured = configuredRecords(options.configured);
  const all = async () => [...configured, ...((await options.records?.list()) ?? [])];
  const find = async (scope: string, name: string) =>
    configured.find((r) => r.scope.toLowerCase() === scope.toLowerCase() && r.name === name) ??
    (await options.records?.get(scope, name));

  for (const prefix of [
    '/subscriptions/:subscriptionId',
    '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName',
  ]) {
    const base = `${prefix}/${AUTHORIZATION}`;
    app.get(`${base}/roleDefinitions`, { schema: { hide: true } }, async (request) => {
      const scope = scopeOf(request.params as ScopeParams, options.subscriptions);
      const name = filterValue(filterOf(request), /roleName\s+eq\s+'((?:[^']|'')*)'/i);
      const roles = BUILT_IN_ROLES.filter(
        (role) => name === undefined || role.roleName.toLowerCase() === name.toLowerCase(),
      );
      return { value: roles.map((role) => presentDefinition(scope, role)) };
    });

    app.get(`${base}/roleDefinitions/:roleDefinitionId`, { schema: { hide: true } }, async (request) => {
      const params = request.params as ScopeParams & { roleDefinitionId: string };
      const scope = scopeOf(params, options.subscriptions);
      const role = GUID.test(params.roleDefinitionId) ? findRole(params.roleDefinitionId) : undefined;
      if (role === undefined) {
        throw new ArmError(
          404,
          'RoleDefinitionDoesNotExist',
          `The specified role definition with ID '${params.roleDefinitionId}' does not exist.`,
        );
      }
      return presentDefinition(scope, role);
    });

    app.get(`${base}/roleAssignments`, { schema: { hide: true } }, async (request) => {
      const scope = scopeOf(request.params as ScopeParams, options.subscriptions);
      return { value: listAssignments(await all(), scope, filterOf(request)).map(presentAssignment) };
    });

    const one = `${base}/roleAssignments/:roleAssignmentName`;
    type OneParams = ScopeParams & { roleAssignmentName: string };

    app.get(one, { schema: { hide: true } }, async (request) => {
      const params = request.params as OneParams;
      const scope = scopeOf(params, options.subscriptions);
      const record = await find(scope, checkedName(params.roleAssignmentName));
      if (record === undefined) throw notFound(params.roleAssignmentName);
      return presentAssignment(record);
    });

    app.put(one, { schema: { hide: true } }, async (request, reply) => {
      const params = request.params as OneParams;
      const scope = scopeOf(params, options.subscriptions);
      const name = checkedName(params.roleAssignmentName);
      const input = assignmentInput(request.body, options);
      if (options.records === undefined) {
        throw new ArmError(
          405,
          'MethodNotAllowed',
          'Role assignments can be made in the configuration file only.',
        );
      }
      const existing = await find(scope, name);
      const same = (record: RoleAssignmentRecord) =>
        record.roleDefinitionName === input.role.name &&
        record.principalId.toLowerCase() === input.principalId.toLowerCase() &&
        record.scope.toLowerCase() === scope.toLowerCase();
      if (existing !== undefined && !same(existing)) {
        throw new ArmError(
          409,
          'RoleAssignmentUpdateNotPermitted',
          'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.',
        );
      }
      if (existing !== undefined || (await all()).some(same)) throw assignmentExists();
      const caller = callerOf(request);
      const record: RoleAssignmentRecord = {
        name,
        scope,
        roleDefinitionName: input.role.name,
        principalId: input.principalId.toLowerCase(),
        principalType: 'ServicePrincipal',
        ...(input.description === undefined ? {} : { description: input.description }),
        createdOn: new Date().toISOString(),
        createdBy: caller?.kind === 'principal' ? caller.clientId : '',
      };
      if (!(await options.records.create(record))) throw assignmentExists();
      return reply.code(201).send(presentAssignment(record));
    });

    app.delete(one, { schema: { hide: true } }, async (request, reply) => {
      const params = request.params as OneParams;
      const scope = scopeOf(params, options.subscriptions);
      const name = checkedName(params.roleAssignmentName);
      if (configured.some((r) => r.scope.toLowerCase() === scope.toLowerCase() && r.name === name)) {
        throw new ArmError(
          409,
          'RoleAssignmentDeclaredInConfiguration',
          `The role assignment '${name}' is declared in the configuration file; remove it there.`,
        );
      }
      const deleted = await options.records?.delete(scope, name);
      if (deleted === undefined) return reply.code(204).send();
      return presentAssignment(deleted);
    });
  }
}
