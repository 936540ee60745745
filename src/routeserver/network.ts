/**
 * Virtual networks, their subnets and their peerings. A VNet PUT may carry
 * its subnets and peerings inline (as ARM's does): the listed ones are
 * created or updated, the unlisted ones deleted; without the list the
 * existing children stay. Changes reach the model in an order that keeps
 * every intermediate state valid: removals, then the address space, then
 * creations and updates. Changes of advertised address spaces or peerings
 * make the route servers involved re-advertise (docs/azure-behaviour.md §2.2).
 */
import { formatPrefix, parsePrefix } from '../lib/prefix.js';
import type { PeeringInput as SdnPeeringInput } from '../sdn/index.js';
import {
  applyToModel,
  armPath,
  checkWriteConditions,
  canonicalPrefix,
  invalidReference,
  notFound,
  pageOf,
  parentNotFound,
  parsePrefixField,
  type ServiceCore,
  deleteRecord,
  type ModelFieldPath,
} from './core.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import { checkCount, COUNT_LIMITS } from './count-limits.js';
import { trackedBody } from './tracked-rules.js';
import { refuseGatewaysIn } from './gateways.js';
import { childId, idKey, inScope, nameFromId, parentIdOf, sdnSubnetId, TYPES } from './ids.js';
import type { Mutation } from './mutation.js';
import { parentIdOfList, scopeOfList, describe } from './resource-descriptor.js';
import type { PeeringBody, Stored, SubnetBody, VirtualNetworkBody } from './records.js';
import type {
  DeleteResult,
  ListScope,
  Page,
  PeeringResourceInput,
  PutResult,
  SubnetResource,
  SubnetResourceInput,
  VirtualNetworkResource,
  VirtualNetworkResourceInput,
  VirtualNetworkPeeringResource,
  WriteOptions,
} from './types.js';
import { peeringView, subnetView, virtualNetworkView } from './views.js';
import {
  peeringInput,
  presentPeering,
  presentSubnet,
  presentVirtualNetwork,
  subnetInput,
  virtualNetworkInput,
  type PeeringPutBody,
  type SubnetPutBody,
  type VirtualNetworkPutBody,
} from './network-wire.js';

type SubnetRecord = Stored<typeof TYPES.subnet>;
type PeeringRecord = Stored<typeof TYPES.peering>;
type VnetRecord = Stored<typeof TYPES.virtualNetwork>;

// ---- route refresh on topology changes ----------------------------------------

/** Which generation of advertised address spaces every running route server has (O(route servers)). */
export function spacesSnapshot(core: ServiceCore): Map<string, number> {
  const snapshot = new Map<string, number>();
  for (const key of core.running) {
    snapshot.set(key, core.model.routeServer(key)?.advertisedSpacesGeneration ?? -1);
  }
  return snapshot;
}

/**
 * Queues a re-advertisement (ROUTE-REFRESH) for each running route server
 * whose advertised spaces changed since `before`, or whose VNet is one of
 * `peeredVnetKeys` (a peering of it was created, changed or deleted).
 */
export function planRefresh(
  core: ServiceCore,
  mutation: Mutation,
  before: ReadonlyMap<string, number>,
  peeredVnetKeys: ReadonlySet<string>,
): void {
  const after = spacesSnapshot(core);
  for (const [key, spaces] of after) {
    const binding = core.model.routeServer(key);
    if (binding === undefined || core.runtime === undefined) continue;
    if (spaces === before.get(key) && !peeredVnetKeys.has(binding.vnetId)) continue;
    const routeServerId = core.index.any(key)?.id ?? key;
    const runtime = core.runtime;
    mutation.effect(() => runtime.refreshPeers(routeServerId));
  }
}

// ---- ARM paths of the members a refusal names ------------------------------------

/** A VNet's address spaces; any other field of the model names the VNet itself. */
const vnetFieldPath: ModelFieldPath = (field) =>
  field.startsWith('addressSpaces')
    ? `properties.addressSpace.addressPrefixes${field.slice('addressSpaces'.length)}`
    : '';

/** A subnet at `at`: '' in a subnet PUT, `properties.subnets[i]` inline in its VNet's. */
function subnetFieldPath(at: string): ModelFieldPath {
  return (field) => {
    if (field === 'addressPrefix') return armPath(at, 'properties.addressPrefix');
    if (field === 'routeTableId') return armPath(at, 'properties.routeTable.id');
    if (field === 'name') return armPath(at, 'name');
    return at;
  };
}

/** A peering at `at`: '' in a peering PUT, `properties.virtualNetworkPeerings[i]` inline. */
function peeringFieldPath(at: string): ModelFieldPath {
  return (field) => {
    if (field === 'remoteVnetId') return armPath(at, 'properties.remoteVirtualNetwork.id');
    if (field === 'useRemoteGateways') return armPath(at, 'properties.useRemoteGateways');
    return at;
  };
}

// ---- subnets ------------------------------------------------------------------

function sdnSubnet(vnetId: string, name: string, body: SubnetBody) {
  return {
    vnetId: idKey(vnetId),
    name,
    addressPrefix: parsePrefix(body.addressPrefix),
    routeTableId: body.routeTableId === null ? null : idKey(body.routeTableId),
  };
}

function removeSubnet(core: ServiceCore, mutation: Mutation, record: SubnetRecord, at: string): void {
  const vnetId = record.parentId!;
  refuseGatewaysIn(core, record.id, at === '' ? '' : armPath(at, 'properties.addressPrefix'));
  applyToModel(
    mutation,
    () => core.model.deleteSubnet(sdnSubnetId(vnetId, record.name)),
    () => core.model.createSubnet(sdnSubnet(vnetId, record.name, record.body)),
    subnetFieldPath(at),
  );
  mutation.delete(record.id);
}

function subnetBody(core: ServiceCore, input: SubnetResourceInput, at: string): SubnetBody {
  const addressPrefix = canonicalPrefix(input.addressPrefix, armPath(at, 'properties.addressPrefix'));
  const routeTableId = input.routeTableId ?? null;
  if (routeTableId === null) return { addressPrefix, routeTableId: null };
  const table = core.index.get(routeTableId, TYPES.routeTable);
  if (table === undefined) {
    throw invalidReference('route table', routeTableId, armPath(at, 'properties.routeTable.id'));
  }
  return { addressPrefix, routeTableId: table.id };
}

function writeSubnet(
  core: ServiceCore,
  mutation: Mutation,
  vnet: { id: string },
  name: string,
  input: SubnetResourceInput,
  at: string,
  options: WriteOptions = {},
): void {
  const existing = core.index.get(childId(vnet.id, 'subnets', name), TYPES.subnet);
  const subnetName = existing?.name ?? name;
  const body = subnetBody(core, input, at);
  const sdnId = sdnSubnetId(vnet.id, subnetName);
  const create = () =>
    applyToModel(
      mutation,
      () => core.model.createSubnet(sdnSubnet(vnet.id, subnetName, body)),
      () => core.model.deleteSubnet(sdnId),
      subnetFieldPath(at),
    );
  if (existing === undefined) create();
  else if (existing.body.addressPrefix !== body.addressPrefix) {
    removeSubnet(core, mutation, existing, at);
    create();
  } else if (existing.body.routeTableId !== body.routeTableId) {
    const old = existing.body.routeTableId === null ? null : idKey(existing.body.routeTableId);
    applyToModel(
      mutation,
      () =>
        core.model.setSubnetRouteTable(sdnId, body.routeTableId === null ? null : idKey(body.routeTableId)),
      () => core.model.setSubnetRouteTable(sdnId, old),
      subnetFieldPath(at),
    );
  }
  mutation.put(
    {
      id: existing?.id ?? childId(vnet.id, 'subnets', name),
      type: TYPES.subnet,
      parentId: vnet.id,
      name: subnetName,
      body,
    },
    options,
  );
}

// ---- peerings -----------------------------------------------------------------

function sdnPeering(record: { id: string; parentId?: string; body: PeeringBody }): SdnPeeringInput {
  return {
    id: idKey(record.id),
    localVnetId: idKey(record.parentId!),
    remoteVnetId: idKey(record.body.remoteVirtualNetworkId),
    allowGatewayTransit: record.body.allowGatewayTransit,
    useRemoteGateways: record.body.useRemoteGateways,
  };
}

function removePeering(core: ServiceCore, mutation: Mutation, record: PeeringRecord, at: string): void {
  applyToModel(
    mutation,
    () => core.model.deletePeering(idKey(record.id)),
    () => core.model.createPeering(sdnPeering(record)),
    peeringFieldPath(at),
  );
  mutation.delete(record.id);
}

function writePeering(
  core: ServiceCore,
  mutation: Mutation,
  vnet: { id: string },
  name: string,
  input: PeeringResourceInput,
  at: string,
  options: WriteOptions = {},
): string {
  const remote = core.index.get(input.remoteVirtualNetworkId, TYPES.virtualNetwork);
  if (remote === undefined) {
    throw invalidReference(
      'virtual network',
      input.remoteVirtualNetworkId,
      armPath(at, 'properties.remoteVirtualNetwork.id'),
    );
  }
  const existing = core.index.get(childId(vnet.id, 'virtualNetworkPeerings', name), TYPES.peering);
  const id = existing?.id ?? childId(vnet.id, 'virtualNetworkPeerings', name);
  const body: PeeringBody = {
    remoteVirtualNetworkId: remote.id,
    allowVirtualNetworkAccess: input.allowVirtualNetworkAccess ?? true,
    allowForwardedTraffic: input.allowForwardedTraffic ?? false,
    allowGatewayTransit: input.allowGatewayTransit ?? false,
    useRemoteGateways: input.useRemoteGateways ?? false,
  };
  const next = sdnPeering({ id, parentId: vnet.id, body });
  if (existing !== undefined && idKey(existing.body.remoteVirtualNetworkId) === idKey(remote.id)) {
    const flags = (b: PeeringBody) => ({
      allowGatewayTransit: b.allowGatewayTransit,
      useRemoteGateways: b.useRemoteGateways,
    });
    applyToModel(
      mutation,
      () => core.model.updatePeering(next.id, flags(body)),
      () => core.model.updatePeering(next.id, flags(existing.body)),
      peeringFieldPath(at),
    );
  } else {
    if (existing !== undefined) removePeering(core, mutation, existing, at);
    applyToModel(
      mutation,
      () => core.model.createPeering(next),
      () => core.model.deletePeering(next.id),
      peeringFieldPath(at),
    );
  }
  mutation.put({ id, type: TYPES.peering, parentId: vnet.id, name: existing?.name ?? name, body }, options);
  return idKey(remote.id);
}

// ---- virtual networks -----------------------------------------------------------

function uniqueNames(items: readonly { name: string }[] | undefined, field: string): void {
  const seen = new Set<string>();
  items?.forEach((item, i) => {
    const key = item.name.toLowerCase();
    if (seen.has(key)) {
      throw new RouteServerError(
        E.INVALID_VALUE,
        `the name '${item.name}' is listed twice`,
        `${field}[${i}].name`,
      );
    }
    seen.add(key);
  });
}

function planAddressSpace(
  core: ServiceCore,
  mutation: Mutation,
  id: string,
  existing: VnetRecord | undefined,
  body: VirtualNetworkBody,
): void {
  const spaces = body.addressPrefixes.map((text) => parsePrefix(text));
  const key = idKey(id);
  if (existing === undefined) {
    applyToModel(
      mutation,
      () => core.model.createVirtualNetwork({ id: key, addressSpaces: spaces }),
      () => core.model.deleteVirtualNetwork(key),
      vnetFieldPath,
    );
  } else if (existing.body.addressPrefixes.join(',') !== body.addressPrefixes.join(',')) {
    const old = existing.body.addressPrefixes.map((text) => parsePrefix(text));
    applyToModel(
      mutation,
      () => core.model.setAddressSpaces(key, spaces),
      () => core.model.setAddressSpaces(key, old),
      vnetFieldPath,
    );
  }
}

/** Removes the subnets and peerings an inline list of a VNet PUT no longer names. */
function removeUnlisted(
  core: ServiceCore,
  mutation: Mutation,
  vnetId: string,
  input: VirtualNetworkResourceInput,
  peered: Set<string>,
): void {
  const names = (list: readonly { name: string }[]) => new Set(list.map((item) => item.name.toLowerCase()));
  if (input.peerings !== undefined) {
    const listed = names(input.peerings);
    for (const peering of core.index.childrenOf(vnetId, TYPES.peering)) {
      if (listed.has(peering.name.toLowerCase())) continue;
      removePeering(core, mutation, peering, 'properties.virtualNetworkPeerings');
      peered.add(idKey(peering.body.remoteVirtualNetworkId)).add(idKey(vnetId));
    }
  }
  if (input.subnets !== undefined) {
    const listed = names(input.subnets);
    for (const subnet of core.index.childrenOf(vnetId, TYPES.subnet)) {
      if (!listed.has(subnet.name.toLowerCase())) removeSubnet(core, mutation, subnet, 'properties.subnets');
    }
  }
}

/** A VNet body's lists within Azure's counts (count-limits.ts), before any of their items is looked at. */
function checkVirtualNetworkCounts(input: VirtualNetworkResourceInput): void {
  const { addressPrefixesPerVirtualNetwork, subnetsPerVirtualNetwork, peeringsPerVirtualNetwork } =
    COUNT_LIMITS;
  checkCount(
    input.addressPrefixes.length,
    addressPrefixesPerVirtualNetwork,
    'address prefixes per virtual network',
    'properties.addressSpace.addressPrefixes',
  );
  if (input.subnets !== undefined)
    checkCount(
      input.subnets.length,
      subnetsPerVirtualNetwork,
      'subnets per virtual network',
      'properties.subnets',
    );
  if (input.peerings !== undefined) {
    checkCount(
      input.peerings.length,
      peeringsPerVirtualNetwork,
      'peerings per virtual network',
      'properties.virtualNetworkPeerings',
    );
  }
}

/** A new child of `vnet` within its count: the children of that type it has now, plus this one. */
function checkNewChild(
  core: ServiceCore,
  vnet: VnetRecord,
  type: typeof TYPES.subnet | typeof TYPES.peering,
  isNew: boolean,
): void {
  if (!isNew) return;
  const [limit, what] =
    type === TYPES.subnet
      ? [COUNT_LIMITS.subnetsPerVirtualNetwork, 'subnets per virtual network']
      : [COUNT_LIMITS.peeringsPerVirtualNetwork, 'peerings per virtual network'];
  checkCount(core.index.childrenOf(vnet.id, type).length + 1, limit, what, '');
}

function putVirtualNetwork(
  core: ServiceCore,
  id: string,
  input: VirtualNetworkResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<VirtualNetworkResource>> {
  return core
    .write((mutation) => {
      const existing = core.index.get(id, TYPES.virtualNetwork);
      checkWriteConditions(existing, options);
      checkVirtualNetworkCounts(input);
      const vnet = { id: existing?.id ?? id };
      const body: VirtualNetworkBody = {
        ...trackedBody(input, existing?.body.location),
        addressPrefixes: input.addressPrefixes.map((text, i) =>
          formatPrefix(parsePrefixField(text, `properties.addressSpace.addressPrefixes[${i}]`)),
        ),
      };
      uniqueNames(input.subnets, 'properties.subnets');
      uniqueNames(input.peerings, 'properties.virtualNetworkPeerings');
      const before = spacesSnapshot(core);
      const peered = new Set<string>();
      if (existing !== undefined) removeUnlisted(core, mutation, vnet.id, input, peered);
      planAddressSpace(core, mutation, vnet.id, existing, body);
      mutation.put(
        { id: vnet.id, type: TYPES.virtualNetwork, name: existing?.name ?? nameFromId(id), body },
        options,
      );
      input.subnets?.forEach((subnet, i) =>
        writeSubnet(core, mutation, vnet, subnet.name, subnet, `properties.subnets[${i}]`),
      );
      input.peerings?.forEach((peering, i) => {
        const at = `properties.virtualNetworkPeerings[${i}]`;
        const remoteKey = writePeering(core, mutation, vnet, peering.name, peering, at);
        peered.add(remoteKey).add(idKey(vnet.id));
      });
      planRefresh(core, mutation, before, peered);
      return () => ({
        resource: virtualNetworkView(core, core.index.get(id, TYPES.virtualNetwork)!),
        created: existing === undefined,
      });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

function deleteVirtualNetwork(
  core: ServiceCore,
  id: string,
  options: WriteOptions = {},
): Promise<DeleteResult> {
  return deleteRecord(core, id, TYPES.virtualNetwork, options, (mutation, existing) => {
    const before = spacesSnapshot(core);
    const peered = new Set<string>([idKey(existing.id)]);
    for (const peering of core.index.childrenOf(existing.id, TYPES.peering)) {
      removePeering(core, mutation, peering, '');
      peered.add(idKey(peering.body.remoteVirtualNetworkId));
    }
    const subnets = core.index.childrenOf(existing.id, TYPES.subnet);
    for (const subnet of subnets) refuseGatewaysIn(core, subnet.id, '');
    const key = idKey(existing.id);
    applyToModel(
      mutation,
      () => core.model.deleteVirtualNetwork(key),
      () => {
        const spaces = existing.body.addressPrefixes.map((text) => parsePrefix(text));
        core.model.createVirtualNetwork({ id: key, addressSpaces: spaces });
        for (const s of subnets) core.model.createSubnet(sdnSubnet(existing.id, s.name, s.body));
      },
    );
    for (const subnet of subnets) mutation.delete(subnet.id);
    mutation.delete(existing.id, options);
    planRefresh(core, mutation, before, peered);
  });
}

function getVirtualNetwork(core: ServiceCore, id: string): VirtualNetworkResource | undefined {
  const record = core.index.get(id, TYPES.virtualNetwork);
  return record === undefined ? undefined : virtualNetworkView(core, record);
}

function listVirtualNetworks(
  core: ServiceCore,
  scope: ListScope,
  cursor?: string,
): Page<VirtualNetworkResource> {
  const records = core.index.ofType(TYPES.virtualNetwork).filter((r) => inScope(r.id, scope));
  return pageOf(records, cursor, core.pageSize, (r) => virtualNetworkView(core, r));
}

function requireVnet(core: ServiceCore, childIdText: string): VnetRecord {
  const vnetId = parentIdOf(childIdText);
  const vnet = core.index.get(vnetId, TYPES.virtualNetwork);
  if (vnet === undefined) throw parentNotFound('virtual network', vnetId);
  return vnet;
}

function putSubnet(
  core: ServiceCore,
  id: string,
  input: SubnetResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<SubnetResource>> {
  return core
    .write((mutation) => {
      const vnet = requireVnet(core, id);
      const existing = core.index.get(id, TYPES.subnet);
      checkWriteConditions(existing, options);
      const created = existing === undefined;
      checkNewChild(core, vnet, TYPES.subnet, created);
      writeSubnet(core, mutation, vnet, nameFromId(id), input, '', options);
      mutation.touch(vnet);
      return () => ({ resource: subnetView(core, core.index.get(id, TYPES.subnet)!), created });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

function deleteSubnet(core: ServiceCore, id: string, options: WriteOptions = {}): Promise<DeleteResult> {
  return deleteRecord(core, id, TYPES.subnet, options, (mutation, existing) => {
    removeSubnet(core, mutation, existing, '');
    mutation.delete(existing.id, options);
    mutation.touch(core.index.get(existing.parentId!, TYPES.virtualNetwork));
  });
}

function getSubnet(core: ServiceCore, id: string): SubnetResource | undefined {
  const record = core.index.get(id, TYPES.subnet);
  return record === undefined ? undefined : subnetView(core, record);
}

function listSubnets(core: ServiceCore, vnetId: string, cursor?: string): Page<SubnetResource> {
  if (core.index.get(vnetId, TYPES.virtualNetwork) === undefined) throw notFound('virtual network', vnetId);
  const records = core.index.childrenOf(vnetId, TYPES.subnet);
  return pageOf(records, cursor, core.pageSize, (r) => subnetView(core, r));
}

function putPeering(
  core: ServiceCore,
  id: string,
  input: PeeringResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<VirtualNetworkPeeringResource>> {
  return core
    .write((mutation) => {
      const vnet = requireVnet(core, id);
      const existing = core.index.get(id, TYPES.peering);
      checkWriteConditions(existing, options);
      checkNewChild(core, vnet, TYPES.peering, existing === undefined);
      const before = spacesSnapshot(core);
      const peered = new Set([idKey(vnet.id)]);
      if (existing !== undefined) peered.add(idKey(existing.body.remoteVirtualNetworkId));
      peered.add(writePeering(core, mutation, vnet, nameFromId(id), input, '', options));
      mutation.touch(vnet);
      planRefresh(core, mutation, before, peered);
      return () => ({
        resource: peeringView(core, core.index.get(id, TYPES.peering)!),
        created: existing === undefined,
      });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

function deletePeering(core: ServiceCore, id: string, options: WriteOptions = {}): Promise<DeleteResult> {
  return deleteRecord(core, id, TYPES.peering, options, (mutation, existing) => {
    const before = spacesSnapshot(core);
    removePeering(core, mutation, existing, '');
    mutation.delete(existing.id, options);
    mutation.touch(core.index.get(existing.parentId!, TYPES.virtualNetwork));
    const peered = new Set([idKey(existing.parentId!), idKey(existing.body.remoteVirtualNetworkId)]);
    planRefresh(core, mutation, before, peered);
  });
}

function getPeering(core: ServiceCore, id: string): VirtualNetworkPeeringResource | undefined {
  const record = core.index.get(id, TYPES.peering);
  return record === undefined ? undefined : peeringView(core, record);
}

function listPeerings(
  core: ServiceCore,
  vnetId: string,
  cursor?: string,
): Page<VirtualNetworkPeeringResource> {
  if (core.index.get(vnetId, TYPES.virtualNetwork) === undefined) throw notFound('virtual network', vnetId);
  const records = core.index.childrenOf(vnetId, TYPES.peering);
  return pageOf(records, cursor, core.pageSize, (r) => peeringView(core, r));
}

/** Replays stored VNets, subnets (after route tables) and peerings into the model at start. */
export function loadSubnets(core: ServiceCore, subnets: readonly SubnetRecord[]): void {
  for (const s of subnets) core.model.createSubnet(sdnSubnet(s.parentId!, s.name, s.body));
}

export function loadPeerings(core: ServiceCore, peerings: readonly PeeringRecord[]): void {
  for (const p of peerings) core.model.createPeering(sdnPeering(p));
}

export function loadVirtualNetworks(core: ServiceCore, vnets: readonly VnetRecord[]): void {
  for (const v of vnets) {
    const spaces = v.body.addressPrefixes.map((text) => parsePrefix(text));
    core.model.createVirtualNetwork({ id: idKey(v.id), addressSpaces: spaces });
  }
}

/** The family's descriptors: `virtualNetworks`, `virtualNetworks/subnets`, `virtualNetworks/virtualNetworkPeerings`. */
export function virtualNetworkResources(core: ServiceCore) {
  return {
    virtualNetworks: describe<VirtualNetworkResourceInput, VirtualNetworkResource, VirtualNetworkPutBody>({
      types: ['virtualNetworks'],
      tracked: true,
      get: (id) => getVirtualNetwork(core, id),
      list: (within, cursor) => listVirtualNetworks(core, scopeOfList(within), cursor),
      put: (id, input, options) => putVirtualNetwork(core, id, input, options),
      delete: (id, options) => deleteVirtualNetwork(core, id, options),
      actions: {},
      toInput: virtualNetworkInput,
      present: presentVirtualNetwork,
      inUseCode: 'InUseVirtualNetworkCannotBeDeleted',
    }),
    subnets: describe<SubnetResourceInput, SubnetResource, SubnetPutBody>({
      types: ['virtualNetworks', 'subnets'],
      tracked: false,
      get: (id) => getSubnet(core, id),
      list: (within, cursor) => listSubnets(core, parentIdOfList(within), cursor),
      put: (id, input, options) => putSubnet(core, id, input, options),
      delete: (id, options) => deleteSubnet(core, id, options),
      actions: {},
      toInput: (body) => subnetInput(body),
      present: presentSubnet,
      inUseCode: 'InUseSubnetCannotBeDeleted',
    }),
    virtualNetworkPeerings: describe<PeeringResourceInput, VirtualNetworkPeeringResource, PeeringPutBody>({
      types: ['virtualNetworks', 'virtualNetworkPeerings'],
      tracked: false,
      get: (id) => getPeering(core, id),
      list: (within, cursor) => listPeerings(core, parentIdOfList(within), cursor),
      put: (id, input, options) => putPeering(core, id, input, options),
      delete: (id, options) => deletePeering(core, id, options),
      actions: {},
      toInput: (body) => peeringInput(body),
      present: presentPeering,
    }),
  };
}
