/**
 * Resource groups (`Microsoft.Resources/resourceGroups`): the containers
 * every tracked network resource lives in. A group is a record in the store
 * (its location and tags); a group that holds resources but has no record
 * (written before groups were kept, or by the configuration file) exists as
 * well, in location `local`. Deleting a group deletes its resources first,
 * in dependency order (route servers before the VNets they sit in, NICs
 * before their subnets, public IPs last), then the group, as ARM does
 * (docs/azure-clients.md, "Resource groups").
 *
 * A network resource PUT into a group that does not exist creates it
 * (`implicit`, the default: routeserver's own CLI and the configuration file
 * name groups without creating them), or is refused with
 * ResourceGroupNotFound as ARM refuses it (`required`).
 */
import type { ResourceRecord, ResourceStore } from '../store/index.js';
import { idKey } from './ids.js';
import { trackedBody } from './tracked-rules.js';
import type { NetworkResources } from './service.js';
import type { ListWithin, ResourceDescriptor } from './resource-descriptor.js';

const RESOURCE_GROUP_TYPE = 'Microsoft.Resources/resourceGroups';

/** What a network PUT into a group without a record does. */
export type ResourceGroupPolicy = 'implicit' | 'required';

export interface ResourceGroup {
  readonly id: string;
  readonly name: string;
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly provisioningState: 'Succeeded' | 'Deleting';
}

interface GroupBody {
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** Why a group write was refused; the API gives each its ARM code. */
type ResourceGroupRefusal =
  | { readonly kind: 'locationChange'; readonly location: string }
  | { readonly kind: 'beingDeleted' }
  | { readonly kind: 'notFound' };

export class ResourceGroupError extends Error {
  override readonly name = 'ResourceGroupError';
  constructor(
    readonly refusal: ResourceGroupRefusal,
    readonly groupName: string,
  ) {
    super(`resource group '${groupName}': ${refusal.kind}`);
  }
}

/**
 * Top-level types in the order a group's deletion removes them: whatever
 * refers to another resource goes before it (a route server before its
 * subnet and public IP, connections before their gateways, NICs and
 * gateways before their VNet, VNets before the route tables their subnets
 * use). Child resources go with their parent.
 */
const DELETE_ORDER: readonly (keyof NetworkResources)[] = [
  'virtualHubs',
  'connections',
  'virtualNetworkGateways',
  'localNetworkGateways',
  'expressRouteCircuits',
  'networkInterfaces',
  'virtualNetworks',
  'routeTables',
  'publicIPAddresses',
];

/** Children a resource refuses to be deleted with (RouteServerInUse), in the order they go. */
const CHILDREN_FIRST: Partial<Record<keyof NetworkResources, readonly (keyof NetworkResources)[]>> = {
  virtualHubs: ['bgpConnections', 'ipConfigurations'],
};

function resourceGroupId(subscriptionId: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${name}`;
}

/** The group part of a resource id (`/subscriptions/s/resourceGroups/g/…`), as written. */
function groupOf(id: string): { subscriptionId: string; name: string } | undefined {
  const segments = id.split('/');
  if (segments[1]?.toLowerCase() !== 'subscriptions' || segments[3]?.toLowerCase() !== 'resourcegroups')
    return undefined;
  return { subscriptionId: segments[2]!, name: segments[4]! };
}

export class ResourceGroups {
  /** id keys of the groups being deleted now */
  private readonly deleting = new Set<string>();

  constructor(
    private readonly store: ResourceStore,
    private readonly resources: NetworkResources,
    readonly policy: ResourceGroupPolicy,
  ) {}

  async get(subscriptionId: string, name: string): Promise<ResourceGroup | undefined> {
    const id = resourceGroupId(subscriptionId, name);
    const record = await this.store.get(id);
    if (record !== undefined) return this.view(record.id, record.name, record.body as GroupBody);
    const resident = this.residents(subscriptionId, name)[0];
    if (resident === undefined) return undefined;
    const group = groupOf(resident)!;
    return this.view(resourceGroupId(group.subscriptionId, group.name), group.name, {
      location: 'local',
      tags: {},
    });
  }

  /** Every group of the subscription, by id key: the recorded ones and those that only hold resources. */
  async list(subscriptionId: string): Promise<ResourceGroup[]> {
    const groups = new Map<string, ResourceGroup>();
    for (const id of this.residents(subscriptionId)) {
      const group = groupOf(id);
      if (group === undefined) continue;
      const groupId = resourceGroupId(group.subscriptionId, group.name);
      if (!groups.has(idKey(groupId)))
        groups.set(idKey(groupId), this.view(groupId, group.name, { location: 'local', tags: {} }));
    }
    const prefix = idKey(`/subscriptions/${subscriptionId}/resourceGroups/`);
    let cursor: string | undefined;
    do {
      const page = await this.store.list({
        type: RESOURCE_GROUP_TYPE,
        subscriptionId,
        limit: 500,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const record of page.records)
        if (idKey(record.id).startsWith(prefix)) groups.set(idKey(record.id), this.viewOf(record));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, group]) => group);
  }

  /**
   * Creates the group or changes its tags. The location cannot change
   * (ARM: InvalidResourceGroupLocation); a group being deleted takes no writes.
   */
  async put(
    subscriptionId: string,
    name: string,
    input: { location?: string; tags?: Readonly<Record<string, string>> },
  ): Promise<{ group: ResourceGroup; created: boolean }> {
    const id = resourceGroupId(subscriptionId, name);
    if (this.deleting.has(idKey(id))) throw new ResourceGroupError({ kind: 'beingDeleted' }, name);
    const current = await this.get(subscriptionId, name);
    if (
      current !== undefined &&
      input.location !== undefined &&
      normalLocation(input.location) !== normalLocation(current.location)
    ) {
      throw new ResourceGroupError({ kind: 'locationChange', location: current.location }, name);
    }
    const body: GroupBody = trackedBody(input, current?.location);
    const record = await this.store.put({
      id: current?.id ?? id,
      type: RESOURCE_GROUP_TYPE,
      name: current?.name ?? name,
      body,
    });
    return { group: this.viewOf(record), created: current === undefined };
  }

  /**
   * Before a network PUT into `resourceId`'s group: nothing when the group
   * exists; else creates it in `location` (policy `implicit`) or refuses.
   */
  async ensureFor(resourceId: string, location: string | undefined): Promise<void> {
    const group = groupOf(resourceId);
    if (group === undefined) return;
    if (this.deleting.has(idKey(resourceGroupId(group.subscriptionId, group.name))))
      throw new ResourceGroupError({ kind: 'beingDeleted' }, group.name);
    if ((await this.get(group.subscriptionId, group.name)) !== undefined) return;
    if (this.policy === 'required') throw new ResourceGroupError({ kind: 'notFound' }, group.name);
    await this.put(group.subscriptionId, group.name, location === undefined ? {} : { location });
  }

  /**
   * Deletes the group's resources in dependency order, then the group.
   * `existed: false` when there was no such group; `completion` settles
   * when everything is gone (a resource that cannot be deleted rejects it,
   * and the group stays with what is left).
   */
  async delete(
    subscriptionId: string,
    name: string,
  ): Promise<{ existed: boolean; completion?: Promise<void> }> {
    const group = await this.get(subscriptionId, name);
    if (group === undefined) return { existed: false };
    const key = idKey(group.id);
    if (this.deleting.has(key)) throw new ResourceGroupError({ kind: 'beingDeleted' }, name);
    this.deleting.add(key);
    const completion = this.deleteContents(subscriptionId, name)
      .then(async () => {
        await this.store.delete(group.id);
      })
      .finally(() => this.deleting.delete(key));
    return { existed: true, completion };
  }

  private async deleteContents(subscriptionId: string, name: string): Promise<void> {
    for (const type of DELETE_ORDER) {
      const descriptor = this.resources[type] as unknown as Descriptor;
      for (const id of listAll(descriptor, { subscriptionId, resourceGroupName: name })) {
        for (const child of CHILDREN_FIRST[type] ?? []) {
          const children = this.resources[child] as unknown as Descriptor;
          for (const childId of listAll(children, { parentId: id })) await deleteOne(children, childId);
        }
        await deleteOne(descriptor, id);
      }
    }
  }

  /** Ids of the top-level resources in the subscription (or one of its groups). */
  private residents(subscriptionId: string, groupName?: string): string[] {
    return DELETE_ORDER.flatMap((type) =>
      listAll(this.resources[type] as unknown as Descriptor, {
        subscriptionId,
        ...(groupName === undefined ? {} : { resourceGroupName: groupName }),
      }),
    );
  }

  private viewOf(record: ResourceRecord): ResourceGroup {
    return this.view(record.id, record.name, record.body as GroupBody);
  }

  private view(id: string, name: string, body: GroupBody): ResourceGroup {
    return {
      id,
      name,
      location: body.location,
      tags: body.tags,
      provisioningState: this.deleting.has(idKey(id)) ? 'Deleting' : 'Succeeded',
    };
  }
}

/** ARM compares locations without case or spaces (`West Europe` is `westeurope`). */
function normalLocation(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}

type Descriptor = ResourceDescriptor<unknown, { id: string }>;

async function deleteOne(descriptor: Descriptor, id: string): Promise<void> {
  const result = await descriptor.delete(id);
  await result.applied;
}

function listAll(descriptor: Descriptor, within: ListWithin): string[] {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = descriptor.list(within, cursor);
    ids.push(...page.value.map((view) => view.id));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return ids;
}
