/**
 * `GET /subscriptions` and `GET /subscriptions/{id}` (Microsoft.Resources):
 * what a client reads right after logging in (`az login` stops with "No
 * subscriptions found" without one). routeserver serves the subscriptions
 * its configuration names; they are all Enabled and belong to the server's
 * tenant.
 */
import type { FastifyInstance } from 'fastify';
import { ArmError } from '../errors.js';

export interface SubscriptionEntry {
  readonly subscriptionId: string;
  readonly displayName: string;
}

function present(entry: SubscriptionEntry, tenantId: string | undefined) {
  return {
    id: `/subscriptions/${entry.subscriptionId}`,
    subscriptionId: entry.subscriptionId,
    displayName: entry.displayName,
    state: 'Enabled',
    ...(tenantId === undefined ? {} : { tenantId, homeTenantId: tenantId }),
    subscriptionPolicies: {
      locationPlacementId: 'Public_2014-09-01',
      quotaId: 'routeserver',
      spendingLimit: 'Off',
    },
    authorizationSource: 'RoleBased',
    managedByTenants: [],
  };
}

export function registerSubscriptionRoutes(
  app: FastifyInstance,
  subscriptions: readonly SubscriptionEntry[],
  tenantId: string | undefined,
): void {
  app.get('/subscriptions', { schema: { hide: true } }, async () => ({
    value: subscriptions.map((s) => present(s, tenantId)),
  }));
  app.get<{ Params: { subscriptionId: string } }>(
    '/subscriptions/:subscriptionId',
    { schema: { hide: true } },
    async (request) => {
      const id = request.params.subscriptionId.toLowerCase();
      const entry = subscriptions.find((s) => s.subscriptionId.toLowerCase() === id);
      if (entry === undefined) {
        throw new ArmError(
          404,
          'SubscriptionNotFound',
          `The subscription '${request.params.subscriptionId}' could not be found.`,
        );
      }
      return present(entry, tenantId);
    },
  );
}
