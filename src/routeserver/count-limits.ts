/**
 * Azure's per-resource counts ("Azure subscription and service limits,
 * quotas, and constraints", Networking limits - Azure Resource Manager):
 * subnets and peerings per virtual network, routes per route table. The
 * address prefixes of one VNet have no count in that table; routeserver
 * bounds them by what one route server handles in total, VNet and
 * on-premises prefixes together (docs/azure-behaviour.md §8). Each count is
 * checked before any per-item work, so a request far over a limit is
 * refused in time linear in nothing but its length (docs/limits.md).
 */
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';

export const COUNT_LIMITS = {
  addressPrefixesPerVirtualNetwork: 10_000,
  subnetsPerVirtualNetwork: 3_000,
  peeringsPerVirtualNetwork: 500,
  routesPerRouteTable: 400,
} as const;

/**
 * Refuses a write that would leave `count` items of a kind where at most
 * `limit` are allowed; `what` names them ("subnets per virtual network").
 */
export function checkCount(count: number, limit: number, what: string, target: string): void {
  if (count > limit) {
    throw new RouteServerError(
      E.COUNT_LIMIT,
      `at most ${limit.toLocaleString('en-US')} ${what} are allowed; this request would make ${count.toLocaleString('en-US')}`,
      target,
    );
  }
}
