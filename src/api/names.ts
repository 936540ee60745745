/**
 * Name rules as ARM enforces them (Azure "Naming rules and restrictions for
 * Azure resources", Microsoft.Network and Microsoft.Resources sections).
 *
 * What we enforce, per segment of a resource id:
 * - subscription id: a GUID (ARM answers InvalidSubscriptionId otherwise).
 * - resource group: 1-90 characters; Unicode letters and digits, `_ ( ) . -`;
 *   must not end with a period.
 * - Microsoft.Network resources (virtualHubs and their ipConfigurations /
 *   bgpConnections, virtualNetworks/subnets/virtualNetworkPeerings, routeTables/routes,
 *   networkInterfaces): ASCII letters, digits, `_ . -`; begins with a letter or digit;
 *   ends with a letter, digit or `_`; 1-80 characters, except virtualNetworks 2-64.
 */

import { ArmError, invalidResourceName } from './errors.js';

export interface NameRule {
  readonly min: number;
  readonly max: number;
}

const NETWORK_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const RESOURCE_GROUP_NAME = /^[\p{L}\p{N}_().-]+$/u;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const DEFAULT_RULE: NameRule = { min: 1, max: 80 };

/** Length limits by resource type (the segment type, case-insensitive); others use 1-80. */
const RULES: ReadonlyMap<string, NameRule> = new Map([['virtualnetworks', { min: 2, max: 64 }]]);

export function nameRuleFor(resourceType: string): NameRule {
  return RULES.get(resourceType.toLowerCase()) ?? DEFAULT_RULE;
}

/** Throws InvalidResourceName (400) unless `name` is a valid name for resources of `resourceType`. */
export function assertValidResourceName(resourceType: string, name: string, target = 'name'): void {
  const rule = nameRuleFor(resourceType);
  const text =
    `The name can be ${rule.min} to ${rule.max} characters long. It must begin with a letter or digit and end with ` +
    `a letter, digit or '_'. The name may contain letters, digits, '.', '-' and '_'.`;
  if (name.length < rule.min || name.length > rule.max || !NETWORK_NAME.test(name)) {
    throw invalidResourceName(name, text, target);
  }
}

export function assertValidResourceGroupName(name: string): void {
  if (name.length < 1 || name.length > 90 || !RESOURCE_GROUP_NAME.test(name) || name.endsWith('.')) {
    throw new ArmError(
      400,
      'InvalidResourceGroupName',
      `Resource group name '${name}' is invalid. It can be 1 to 90 characters of letters, digits, '_', '(', ')', ` +
        `'.' and '-', and must not end with a period.`,
      { target: 'resourceGroupName' },
    );
  }
}

export function assertValidSubscriptionId(subscriptionId: string): void {
  if (!GUID.test(subscriptionId)) {
    throw new ArmError(
      400,
      'InvalidSubscriptionId',
      `The provided subscription identifier '${subscriptionId}' is malformed or invalid.`,
      { target: 'subscriptionId' },
    );
  }
}
