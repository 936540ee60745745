/**
 * `GET /providers/Microsoft.Network/operations`: the provider's operation list
 * (the SDK's `client.operations.list()`), built from the routes this server
 * actually serves: `<type>/read|write|delete` per resource type and
 * `<type>/<action>/action` per POST action.
 */

import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { NETWORK_NAMESPACE } from '../arm-id.js';
import { ArmErrorSchema } from '../arm-resource.js';

interface ProviderOperation {
  readonly name: string;
  readonly isDataAction: false;
  readonly origin: 'user,system';
  readonly display: { provider: string; resource: string; operation: string; description: string };
}

const OperationSchema = Type.Object({
  name: Type.String(),
  isDataAction: Type.Boolean(),
  origin: Type.String(),
  display: Type.Object({
    provider: Type.String(),
    resource: Type.String(),
    operation: Type.String(),
    description: Type.String(),
  }),
});

const VERBS: Record<string, string> = { read: 'Get', write: 'Create or Update', delete: 'Delete' };

/** Collects operations as resource types are registered. */
export class ProviderOperations {
  private readonly operations = new Map<string, ProviderOperation>();

  add(types: readonly string[], verb: string, description?: string): void {
    const resourceType = `${NETWORK_NAMESPACE}/${types.join('/')}`;
    const name = `${resourceType}/${verb}`;
    const resource = types[types.length - 1] ?? NETWORK_NAMESPACE;
    const operation = VERBS[verb] ?? verb.replace(/\/action$/, '');
    this.operations.set(name.toLowerCase(), {
      name,
      isDataAction: false,
      origin: 'user,system',
      display: {
        provider: NETWORK_NAMESPACE,
        resource,
        operation: `${operation} ${resource}`,
        description: description ?? `${operation} ${resource}`,
      },
    });
  }

  list(): ProviderOperation[] {
    return [...this.operations.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

export function registerOperationsRoute(app: FastifyInstance, operations: ProviderOperations): void {
  operations.add(['operations'], 'read', 'Lists the operations of the Microsoft.Network provider');
  operations.add(['locations', 'operations'], 'read', 'Reads the status of a long-running operation');
  operations.add(['locations', 'operationResults'], 'read', 'Reads the result of a long-running operation');
  app.get(
    `/providers/${NETWORK_NAMESPACE}/operations`,
    {
      schema: {
        summary: 'Operations of the Microsoft.Network provider served here',
        tags: ['operations'],
        response: {
          200: Type.Object({ value: Type.Array(OperationSchema), nextLink: Type.Optional(Type.String()) }),
          default: ArmErrorSchema,
        },
      },
    },
    async () => ({ value: operations.list() }),
  );
}
