/**
 * Network interfaces (one primary IP configuration each) and their effective
 * route tables. A Dynamic address is the first free one of the subnet from
 * .4 up, as Azure assigns it; a Static one is checked by the model (inside
 * the subnet, not reserved, not in use).
 */
import { formatPrefix, parsePrefix } from '../lib/prefix.js';
import type { EffectiveRoute } from '../sdn/index.js';
import { canonicalIp, firstFreeIpv4 } from './addresses.js';
import {
  applyToModel,
  checkWriteConditions,
  invalidReference,
  notFound,
  pageOf,
  type ServiceCore,
  deleteRecord,
  type ModelFieldPath,
} from './core.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import { trackedBody } from './tracked-rules.js';
import {
  networkInterfaceInput,
  presentNetworkInterface,
  type NetworkInterfacePutBody,
} from './network-interfaces-wire.js';
import { idKey, inScope, nameFromId, sdnSubnetId, TYPES } from './ids.js';
import type { NetworkInterfaceBody, Stored } from './records.js';
import type {
  DeleteResult,
  ListScope,
  NetworkInterfaceResource,
  NetworkInterfaceResourceInput,
  Page,
  PutResult,
  WriteOptions,
} from './types.js';
import { scopeOfList, describe } from './resource-descriptor.js';
import { networkInterfaceView } from './views.js';

type NicRecord = Stored<typeof TYPES.networkInterface>;

function sdnNic(record: { id: string; body: NetworkInterfaceBody }, subnet: Stored<typeof TYPES.subnet>) {
  return {
    id: idKey(record.id),
    subnetId: sdnSubnetId(subnet.parentId!, subnet.name),
    privateIpAddress: record.body.privateIpAddress,
  };
}

// ARM paths of the members a refusal names: the NIC's one IP configuration
const SUBNET_PATH = 'properties.ipConfigurations[0].properties.subnet.id';
const ADDRESS_PATH = 'properties.ipConfigurations[0].properties.privateIPAddress';
const nicFieldPath: ModelFieldPath = (field) =>
  field === 'subnetId' ? SUBNET_PATH : field === 'privateIpAddress' ? ADDRESS_PATH : '';

function allocate(core: ServiceCore, subnet: Stored<typeof TYPES.subnet>, nicKey: string): string {
  const used = new Set<string>();
  for (const record of core.index.inSubnet(subnet.id)) {
    if (record.type === TYPES.networkInterface && idKey(record.id) !== nicKey) {
      used.add((record.body as NetworkInterfaceBody).privateIpAddress);
    }
  }
  const address = firstFreeIpv4(parsePrefix(subnet.body.addressPrefix), used);
  if (address === undefined) {
    throw new RouteServerError(E.SUBNET_FULL, `subnet '${subnet.id}' has no free address`, SUBNET_PATH);
  }
  return address;
}

function nicBody(
  core: ServiceCore,
  id: string,
  existing: NicRecord | undefined,
  input: NetworkInterfaceResourceInput,
): { body: NetworkInterfaceBody; subnet: Stored<typeof TYPES.subnet> } {
  const subnet = core.index.get(input.subnetId, TYPES.subnet);
  if (subnet === undefined) throw invalidReference('subnet', input.subnetId, SUBNET_PATH);
  const method = input.privateIpAllocationMethod ?? (input.privateIpAddress ? 'Static' : 'Dynamic');
  let address: string;
  if (method === 'Static' || input.privateIpAddress) {
    const given = input.privateIpAddress ?? '';
    const canonical = canonicalIp(given);
    if (canonical === undefined) {
      throw new RouteServerError(E.INVALID_VALUE, `'${given}' is not an IP address`, ADDRESS_PATH);
    }
    address = canonical;
  } else if (existing !== undefined && idKey(existing.body.subnetId) === idKey(subnet.id)) {
    address = existing.body.privateIpAddress;
  } else {
    address = allocate(core, subnet, idKey(id));
  }
  const body: NetworkInterfaceBody = {
    ...trackedBody(input, existing?.body.location),
    ipConfigurationName: input.ipConfigurationName ?? existing?.body.ipConfigurationName ?? 'ipconfig1',
    subnetId: subnet.id,
    privateIpAddress: address,
    privateIpAllocationMethod: method,
  };
  return { body, subnet };
}

function putNetworkInterface(
  core: ServiceCore,
  id: string,
  input: NetworkInterfaceResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<NetworkInterfaceResource>> {
  return core
    .write((mutation) => {
      const existing = core.index.get(id, TYPES.networkInterface);
      checkWriteConditions(existing, options);
      const nicId = existing?.id ?? id;
      const { body, subnet } = nicBody(core, nicId, existing, input);
      const moved =
        existing === undefined ||
        idKey(existing.body.subnetId) !== idKey(body.subnetId) ||
        existing.body.privateIpAddress !== body.privateIpAddress;
      if (moved) {
        if (existing !== undefined) {
          const oldSubnet = core.index.get(existing.body.subnetId, TYPES.subnet)!;
          const old = sdnNic(existing, oldSubnet);
          applyToModel(
            mutation,
            () => core.model.deleteNetworkInterface(old.id),
            () => core.model.createNetworkInterface(old),
          );
        }
        const next = sdnNic({ id: nicId, body }, subnet);
        applyToModel(
          mutation,
          () => core.model.createNetworkInterface(next),
          () => core.model.deleteNetworkInterface(next.id),
          nicFieldPath,
        );
      }
      mutation.put(
        { id: nicId, type: TYPES.networkInterface, name: existing?.name ?? nameFromId(id), body },
        options,
      );
      return () => ({
        resource: networkInterfaceView(core.index.get(id, TYPES.networkInterface)!),
        created: existing === undefined,
      });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

function deleteNetworkInterface(
  core: ServiceCore,
  id: string,
  options: WriteOptions = {},
): Promise<DeleteResult> {
  return deleteRecord(core, id, TYPES.networkInterface, options, (mutation, existing) => {
    const subnet = core.index.get(existing.body.subnetId, TYPES.subnet)!;
    const old = sdnNic(existing, subnet);
    applyToModel(
      mutation,
      () => core.model.deleteNetworkInterface(old.id),
      () => core.model.createNetworkInterface(old),
    );
    mutation.delete(existing.id, options);
  });
}

function getNetworkInterface(core: ServiceCore, id: string): NetworkInterfaceResource | undefined {
  const record = core.index.get(id, TYPES.networkInterface);
  return record === undefined ? undefined : networkInterfaceView(record);
}

function listNetworkInterfaces(
  core: ServiceCore,
  scope: ListScope,
  cursor?: string,
): Page<NetworkInterfaceResource> {
  const records = core.index.ofType(TYPES.networkInterface).filter((r) => inScope(r.id, scope));
  return pageOf(records, cursor, core.pageSize, networkInterfaceView);
}

/** A row of ARM's `EffectiveRouteListResult`; user routes carry their name, system and BGP routes none. */
export interface EffectiveRouteRow {
  readonly name?: string;
  /** the NIC's subnet's route table disables BGP route propagation (false without a route table) */
  readonly disableBgpRoutePropagation: boolean;
  readonly source: EffectiveRoute['source'];
  readonly state: EffectiveRoute['state'];
  readonly addressPrefix: readonly string[];
  readonly nextHopType: EffectiveRoute['nextHopType'];
  readonly nextHopIpAddress: readonly string[];
}

/** The NIC's effective routes (docs/azure-behaviour.md §3.5), computed by the virtual network model. */
export function effectiveRouteList(core: ServiceCore, id: string): { value: EffectiveRouteRow[] } {
  const record = core.index.get(id, TYPES.networkInterface);
  if (record === undefined) throw notFound('network interface', id);
  const routes: EffectiveRoute[] = core.model.effectiveRoutes(idKey(record.id));
  const tableId = core.index.get(record.body.subnetId, TYPES.subnet)?.body.routeTableId ?? null;
  const table = tableId === null ? undefined : core.index.get(tableId, TYPES.routeTable);
  const disableBgpRoutePropagation = table?.body.disableBgpRoutePropagation ?? false;
  return {
    value: routes.map((route) => ({
      ...(route.name === null ? {} : { name: route.name }),
      disableBgpRoutePropagation,
      source: route.source,
      state: route.state,
      addressPrefix: route.addressPrefixes.map(formatPrefix),
      nextHopType: route.nextHopType,
      nextHopIpAddress: [...route.nextHopIpAddresses],
    })),
  };
}

export function loadNetworkInterfaces(core: ServiceCore, nics: readonly NicRecord[]): void {
  for (const nic of nics) {
    const subnet = core.index.get(nic.body.subnetId, TYPES.subnet);
    if (subnet === undefined) {
      throw new RouteServerError(E.CORRUPT_RECORD, `stored NIC ${nic.id} names a missing subnet`, '');
    }
    core.model.createNetworkInterface(sdnNic(nic, subnet));
  }
}

/** The family's descriptor: `networkInterfaces`, with POST `effectiveRouteTable`. */
export function networkInterfaceResources(core: ServiceCore) {
  return {
    networkInterfaces: describe<
      NetworkInterfaceResourceInput,
      NetworkInterfaceResource,
      NetworkInterfacePutBody
    >({
      types: ['networkInterfaces'],
      tracked: true,
      get: (id) => getNetworkInterface(core, id),
      list: (within, cursor) => listNetworkInterfaces(core, scopeOfList(within), cursor),
      put: (id, input, options) => putNetworkInterface(core, id, input, options),
      delete: (id, options) => deleteNetworkInterface(core, id, options),
      actions: { effectiveRouteTable: async (id) => effectiveRouteList(core, id) },
      toInput: networkInterfaceInput,
      present: presentNetworkInterface,
    }),
  };
}
