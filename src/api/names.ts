/**
 * Name rules as ARM enforces them (Azure "Naming rules and restrictions for
 * Azure resources", Microsoft.Network and Microsoft.Resources sections).
 *
 * What we enforce, per segment of a resource id:
 * - subscription id: a GUID (ARM answers InvalidSubscriptionId otherwise).
 * - resource group: 1-90 characters; Unicode letters and digits, `_ ( ) . -`;
 *   must not end with a period. Names are compared by their lower case (as
 *   ids and store keys are), so a name must fold one way only: in Unicode
 *   normalization form C, and without letters whose case mapping changes
 *   length (`İ` → `i̇`) or crosses into or out of ASCII (the Kelvin sign `K`
 *   → `k`, `ſ` → `S`). Those would make two spellings of one group differ in
 *   one comparison and match in another.
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

/** The first character of `name` whose case folding is not one-to-one within its script, or undefined. */
function ambiguousFolding(name: string): string | undefined {
  const ascii = (text: string) => [...text].every((c) => c.charCodeAt(0) < 0x80);
  for (const c of name) {
    const lower = c.toLowerCase();
    const upper = c.toUpperCase();
    if (lower.length !== c.length) return c;
    if (!ascii(c) && (ascii(lower) || (upper.length === c.length && ascii(upper)))) return c;
  }
  return undefined;
}

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

export function assertValidResourceGroupName(name: string): void {
  const folding = ambiguousFolding(name) ?? (name.normalize('NFC') === name ? undefined : name);
  if (folding !== undefined) {
    throw new ArmError(
      400,
      'InvalidResourceGroupName',
      folding === name
        ? `Resource group name '${name}' is invalid: it is not in Unicode normalization form C (NFC).`
        : `Resource group name '${name}' is invalid: '${folding}' (${codePoint(folding)}) has an ambiguous ` +
            `upper or lower case; use the letter it stands for.`,
      { target: 'resourceGroupName' },
    );
  }
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
