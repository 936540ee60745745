/**
 * The preview-era `Microsoft.Network/virtualRouters` and
 * `virtualRouters/{router}/peerings` (Azure's REST API reference,
 * "Virtual Routers"; docs/api.md), which older templates and SDKs still use, as a second
 * view of the same route servers: virtualRouter `x` is route server
 * (virtualHub) `x` of its resource group, its `hostedSubnet` the subnet of
 * the route server's ipConfiguration, and its peerings the route server's
 * BGP connections under the same names. Nothing is stored for the view; a
 * write through it is a write of the route server's records, so both views
 * always agree.
 *
 * - PUT creates or updates the route server (location, tags; its other
 *   settings stay as they are) and, with `hostedSubnet`, places it there
 *   (an ipConfiguration `ipconfig1`), so the instances start. A hosted
 *   subnet cannot change (as an ipConfiguration's cannot); `hostedGateway`
 *   (a router hosted on an ExpressRoute gateway) is refused. When the
 *   placement of a new router is refused, the route server just created is
 *   deleted again: the PUT leaves nothing behind.
 * - DELETE removes the ipConfiguration (the instances stop), then the route
 *   server with its BGP connections.
 */
import { toArmResource, subResource, trackedInput, type TrackedPutBody } from './arm-json.js';
import { checkWriteConditions, type ServiceCore } from './core.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import { idKey, TYPES } from './ids.js';
import { describe, parentIdOfList, type ListWithin } from './resource-descriptor.js';
import type { routeServerResources } from './route-servers.js';
import type {
  BgpConnectionResource,
  BgpConnectionResourceInput,
  DeleteResult,
  Page,
  ProvisioningState,
  PutResult,
  RouteServerResource,
  WriteOptions,
} from './types.js';

const ROUTER_TYPE = 'Microsoft.Network/virtualRouters';
const PEERING_TYPE = 'Microsoft.Network/virtualRouters/peerings';
/** the name of the ipConfiguration a virtualRouter PUT creates (`az network routeserver create` uses it too) */
const IP_CONFIGURATION_NAME = 'ipconfig1';

export interface VirtualRouterResource {
  readonly id: string;
  readonly name: string;
  readonly etag: string;
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly virtualRouterAsn: number;
  readonly virtualRouterIps: readonly string[];
  /** the subnet of the route server's ipConfiguration, null before it is placed */
  readonly hostedSubnetId: string | null;
  readonly peeringIds: readonly string[];
  readonly provisioningState: ProvisioningState;
}

export interface VirtualRouterResourceInput {
  readonly location?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly virtualRouterAsn?: number;
  readonly hostedSubnetId?: string;
  readonly hostedGatewayId?: string;
}

export type VirtualRouterPeeringResource = BgpConnectionResource;

export type VirtualRouterPutBody = TrackedPutBody<{
  virtualRouterAsn?: number;
  hostedSubnet?: { id: string } | null;
  hostedGateway?: { id: string } | null;
}>;
export type VirtualRouterPeeringPutBody = { properties?: { peerIp: string; peerAsn: number } };

type RouteServerDescriptors = ReturnType<typeof routeServerResources>;

// ---- ids: the same resource under its two types ------------------------------------------

const ROUTER_SEGMENT = /\/providers\/microsoft\.network\/virtualrouters\//i;
const HUB_SEGMENT = /\/providers\/microsoft\.network\/virtualhubs\//i;
const PEERINGS_SEGMENT = /\/peerings\//i;
const CONNECTIONS_SEGMENT = /\/bgpConnections\//i;

const hubIdOf = (routerId: string) =>
  routerId.replace(ROUTER_SEGMENT, '/providers/Microsoft.Network/virtualHubs/');
const routerIdOf = (hubId: string) =>
  hubId.replace(HUB_SEGMENT, '/providers/Microsoft.Network/virtualRouters/');
const connectionIdOf = (peeringId: string) =>
  hubIdOf(peeringId).replace(PEERINGS_SEGMENT, '/bgpConnections/');
const peeringIdOf = (connectionId: string) =>
  routerIdOf(connectionId).replace(CONNECTIONS_SEGMENT, '/peerings/');

/** A refusal of the route server's write, naming the virtualRouter's member at fault. */
function asRouterRefusal(error: unknown): unknown {
  if (!(error instanceof RouteServerError) || error.target !== 'properties.subnet.id') return error;
  return new RouteServerError(error.code, error.message, 'properties.hostedSubnet.id', error.networkCode);
}

// ---- virtualRouters -------------------------------------------------------------------

function routerView(core: ServiceCore, hub: RouteServerResource): VirtualRouterResource {
  const placement = core.index.childrenOf(hub.id, TYPES.ipConfiguration)[0];
  return {
    id: routerIdOf(hub.id),
    name: hub.name,
    etag: hub.etag,
    location: hub.location,
    tags: hub.tags,
    virtualRouterAsn: hub.virtualRouterAsn,
    virtualRouterIps: hub.virtualRouterIps,
    hostedSubnetId: placement?.body.subnetId ?? null,
    peeringIds: hub.bgpConnectionIds.map(peeringIdOf),
    provisioningState: hub.provisioningState,
  };
}

function getRouter(core: ServiceCore, hubs: RouteServerDescriptors, id: string) {
  const hub = hubs.virtualHubs.get(hubIdOf(id));
  return hub === undefined ? undefined : routerView(core, hub);
}

function listRouters(
  core: ServiceCore,
  hubs: RouteServerDescriptors,
  within: ListWithin,
  cursor?: string,
): Page<VirtualRouterResource> {
  const page = hubs.virtualHubs.list(within, cursor);
  return { ...page, value: page.value.map((hub) => routerView(core, hub)) };
}

/** The route server's ipConfiguration on `subnetId`: created when absent, refused when it is on another subnet. */
async function placeRouter(
  core: ServiceCore,
  hubs: RouteServerDescriptors,
  hubId: string,
  subnetId: string,
): Promise<Promise<void> | undefined> {
  const placement = core.index.childrenOf(hubId, TYPES.ipConfiguration)[0];
  if (placement !== undefined) {
    if (idKey(placement.body.subnetId) === idKey(subnetId)) return undefined;
    throw new RouteServerError(
      E.IMMUTABLE_FIELD,
      'the hosted subnet of a virtual router cannot change; delete the router and create it again',
      'properties.hostedSubnet.id',
    );
  }
  const put = await hubs.ipConfigurations
    .put(`${hubId}/ipConfigurations/${IP_CONFIGURATION_NAME}`, { subnetId })
    .catch((error: unknown) => {
      throw asRouterRefusal(error);
    });
  return put.applied;
}

async function putRouter(
  core: ServiceCore,
  hubs: RouteServerDescriptors,
  id: string,
  input: VirtualRouterResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<VirtualRouterResource>> {
  if (input.hostedGatewayId !== undefined) {
    throw new RouteServerError(
      E.INVALID_VALUE,
      'a virtual router hosted on a gateway is not supported; give hostedSubnet (the RouteServerSubnet) instead',
      'properties.hostedGateway.id',
    );
  }
  const hubId = hubIdOf(id);
  const before = hubs.virtualHubs.get(hubId);
  const hub = await hubs.virtualHubs.put(
    hubId,
    {
      ...(input.location === undefined ? {} : { location: input.location }),
      ...(input.tags === undefined ? {} : { tags: input.tags }),
      ...(input.virtualRouterAsn === undefined ? {} : { virtualRouterAsn: input.virtualRouterAsn }),
      // the route server's own settings stay as they are: a virtualRouter does not have them
      ...(before === undefined
        ? {}
        : {
            allowBranchToBranchTraffic: before.allowBranchToBranchTraffic,
            hubRoutingPreference: before.hubRoutingPreference,
            minCapacity: before.minCapacity,
          }),
    },
    options,
  );
  const effects: Promise<void>[] = [hub.applied];
  if (input.hostedSubnetId !== undefined) {
    try {
      const placed = await placeRouter(core, hubs, hubId, input.hostedSubnetId);
      if (placed !== undefined) effects.push(placed);
    } catch (error) {
      if (before === undefined) await hubs.virtualHubs.delete(hubId).then((removed) => removed.applied);
      throw error;
    }
  }
  return {
    resource: getRouter(core, hubs, id)!,
    created: before === undefined,
    applied: Promise.all(effects).then(() => undefined),
  };
}

async function deleteRouter(
  core: ServiceCore,
  hubs: RouteServerDescriptors,
  id: string,
  options: WriteOptions = {},
): Promise<DeleteResult> {
  const hubId = hubIdOf(id);
  checkWriteConditions(core.index.get(hubId, TYPES.routeServer), options);
  const effects: Promise<void>[] = [];
  const placement = core.index.childrenOf(hubId, TYPES.ipConfiguration)[0];
  if (placement !== undefined) effects.push((await hubs.ipConfigurations.delete(placement.id)).applied);
  const removed = await hubs.virtualHubs.delete(hubId, options);
  effects.push(removed.applied);
  return { existed: removed.existed, applied: Promise.all(effects).then(() => undefined) };
}

export function virtualRouterInput(body: VirtualRouterPutBody): VirtualRouterResourceInput {
  const properties = body.properties ?? {};
  return {
    ...trackedInput(body),
    ...(properties.virtualRouterAsn === undefined ? {} : { virtualRouterAsn: properties.virtualRouterAsn }),
    ...(properties.hostedSubnet === undefined || properties.hostedSubnet === null
      ? {}
      : { hostedSubnetId: properties.hostedSubnet.id }),
    ...(properties.hostedGateway === undefined || properties.hostedGateway === null
      ? {}
      : { hostedGatewayId: properties.hostedGateway.id }),
  };
}

export function presentVirtualRouter(router: VirtualRouterResource) {
  return toArmResource(
    router.id,
    router.name,
    ROUTER_TYPE,
    router.etag,
    {
      virtualRouterAsn: router.virtualRouterAsn,
      virtualRouterIps: [...router.virtualRouterIps],
      ...(router.hostedSubnetId === null ? {} : { hostedSubnet: subResource(router.hostedSubnetId) }),
      peerings: router.peeringIds.map(subResource),
      provisioningState: router.provisioningState,
    },
    { location: router.location, tags: { ...router.tags } },
  );
}

// ---- virtualRouters/peerings ----------------------------------------------------------

const asPeering = (connection: BgpConnectionResource): VirtualRouterPeeringResource => ({
  ...connection,
  id: peeringIdOf(connection.id),
  routeServerId: routerIdOf(connection.routeServerId),
});

export const virtualRouterPeeringInput = (body: VirtualRouterPeeringPutBody): BgpConnectionResourceInput => ({
  peerIp: body.properties?.peerIp ?? '',
  peerAsn: body.properties?.peerAsn ?? 0,
});

export function presentVirtualRouterPeering(peering: VirtualRouterPeeringResource) {
  return toArmResource(peering.id, peering.name, PEERING_TYPE, peering.etag, {
    peerAsn: peering.peerAsn,
    peerIp: peering.peerIp,
    provisioningState: peering.provisioningState,
  });
}

/** The view's descriptors: `virtualRouters` and `virtualRouters/peerings`, over the route servers' own. */
export function virtualRouterResources(core: ServiceCore, hubs: RouteServerDescriptors) {
  const connections = hubs.bgpConnections;
  return {
    virtualRouters: describe<VirtualRouterResourceInput, VirtualRouterResource, VirtualRouterPutBody>({
      types: ['virtualRouters'],
      tracked: true,
      get: (id) => getRouter(core, hubs, id),
      list: (within, cursor) => listRouters(core, hubs, within, cursor),
      put: (id, input, options) => putRouter(core, hubs, id, input, options),
      delete: (id, options) => deleteRouter(core, hubs, id, options),
      actions: {},
      toInput: virtualRouterInput,
      present: presentVirtualRouter,
    }),
    virtualRouterPeerings: describe<
      BgpConnectionResourceInput,
      VirtualRouterPeeringResource,
      VirtualRouterPeeringPutBody
    >({
      types: ['virtualRouters', 'peerings'],
      tracked: false,
      get: (id) => {
        const connection = connections.get(connectionIdOf(id));
        return connection === undefined ? undefined : asPeering(connection);
      },
      list: (within, cursor) => {
        const page = connections.list({ parentId: hubIdOf(parentIdOfList(within)) }, cursor);
        return { ...page, value: page.value.map(asPeering) };
      },
      put: async (id, input, options) => {
        const result = await connections.put(connectionIdOf(id), input, options);
        return { ...result, resource: asPeering(result.resource) };
      },
      delete: (id, options) => connections.delete(connectionIdOf(id), options),
      actions: {},
      toInput: virtualRouterPeeringInput,
      present: presentVirtualRouterPeering,
    }),
  };
}
