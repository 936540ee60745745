/**
 * ARM resource ids of the Microsoft.Network provider:
 * `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/{type}/{name}[/{childType}/{childName}]…`
 *
 * Parsing is case-insensitive in the fixed words (`subscriptions`,
 * `resourceGroups`, `providers`, the namespace); names keep their spelling.
 * Building always writes the canonical spelling.
 */

export const NETWORK_NAMESPACE = 'Microsoft.Network';

export interface ArmResourceId {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  /** resource type segments, e.g. `['virtualHubs', 'bgpConnections']` */
  readonly types: readonly string[];
  /** names matching `types` one to one */
  readonly names: readonly string[];
}

/** `['virtualHubs','rs1'], ['bgpConnections','nva1']` style pairs */
export type TypeNamePair = readonly [type: string, name: string];

export function buildResourceId(
  subscriptionId: string,
  resourceGroupName: string,
  ...segments: readonly TypeNamePair[]
): string {
  if (segments.length === 0) throw new RangeError('a resource id needs at least one type/name pair');
  const path = segments.map(([type, name]) => `${type}/${name}`).join('/');
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/${NETWORK_NAMESPACE}/${path}`;
}

export function formatResourceId(id: ArmResourceId): string {
  return buildResourceId(
    id.subscriptionId,
    id.resourceGroupName,
    ...id.types.map((t, i) => [t, id.names[i]!] as const),
  );
}

/** Parses a Microsoft.Network resource id; undefined when `text` is not one. */
export function parseResourceId(text: string): ArmResourceId | undefined {
  const segments = text.split('/');
  if (segments[0] !== '' || segments.length < 9 || segments.length % 2 === 0) return undefined;
  if (segments.some((segment, index) => index > 0 && segment.length === 0)) return undefined;
  const [, subscriptions, subscriptionId, groups, resourceGroupName, providers, namespace, ...rest] =
    segments;
  if (subscriptions!.toLowerCase() !== 'subscriptions') return undefined;
  if (groups!.toLowerCase() !== 'resourcegroups') return undefined;
  if (providers!.toLowerCase() !== 'providers') return undefined;
  if (namespace!.toLowerCase() !== NETWORK_NAMESPACE.toLowerCase()) return undefined;
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    types.push(rest[i]!);
    names.push(rest[i + 1]!);
  }
  return { subscriptionId: subscriptionId!, resourceGroupName: resourceGroupName!, types, names };
}

/** `Microsoft.Network/virtualHubs/bgpConnections` for a bgpConnection id */
export function resourceTypeOf(id: Pick<ArmResourceId, 'types'>): string {
  return `${NETWORK_NAMESPACE}/${id.types.join('/')}`;
}

/** The id of the parent resource, or undefined for a top-level resource. */
export function parentOf(id: ArmResourceId): ArmResourceId | undefined {
  if (id.types.length < 2) return undefined;
  return { ...id, types: id.types.slice(0, -1), names: id.names.slice(0, -1) };
}

/** Last name segment: the resource's own name. */
export function nameOf(id: ArmResourceId): string {
  return id.names[id.names.length - 1]!;
}

export function sameResourceId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
