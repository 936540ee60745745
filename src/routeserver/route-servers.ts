/**
 * Route servers (Azure's virtualHubs of kind RouteServer), their
 * ipConfiguration and their BGP connections, and the live effect of each
 * change on the BGP runtime:
 * - the ipConfiguration places the route server in its VNet's
 *   RouteServerSubnet (≥ /26, one route server per VNet, docs/azure-behaviour.md §1.3) and gives the
 *   two instances the subnet's .4 and .5: the runtime starts them;
 * - deleting it stops them (every session closed with a Cease);
 * - a BGP connection makes both instances peer with the NVA; deleting it
 *   closes those sessions with a Cease.
 * `core.running` is the desired state (changed with the plan, undone on a
 * refusal); runtime calls follow it in commit order.
 */
import { BFD_DEFAULTS, bfdSettingsProblem } from '../bfd/index.js';
import { GRACEFUL_RESTART_DEFAULTS, gracefulRestartProblem } from './peering-graceful-restart.js';
import { parsePrefix } from '../lib/prefix.js';
import { ROUTE_SERVER_SUBNET } from '../sdn/index.js';
import {
  applyToModel,
  checkWriteConditions,
  invalidReference,
  notFound,
  pageOf,
  parentNotFound,
  type ServiceCore,
  deleteRecord,
} from './core.js';
import { ipv4InPrefix } from './addresses.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import { requirePublicIp } from './public-ip-addresses.js';
import { trackedBody } from './tracked-rules.js';
import { idKey, inScope, nameFromId, parentIdOf, TYPES } from './ids.js';
import type { Mutation } from './mutation.js';
import { parentIdOfList, scopeOfList, describe } from './resource-descriptor.js';
import {
  bgpConnectionInput,
  ipConfigurationInput,
  presentBgpConnection,
  presentIpConfiguration,
  presentRouteServer,
  routeServerInput,
  type BgpConnectionPutBody,
  type IpConfigurationPutBody,
  type RouteServerPutBody,
} from './route-servers-wire.js';
import { checkPeerAsn, checkPeerIp } from './peer-rules.js';
import { peeringMd5Key } from './peering-md5.js';
import { peerRouteMaps, routeMapReferences } from './route-map-links.js';
import { connectionRoutes, hubEffectiveRoutes } from './hub-route-views.js';
import type {
  BgpConnectionBody,
  IpConfigurationBody,
  PeeringBfd,
  PeeringGracefulRestart,
  RouteServerBody,
  Stored,
} from './records.js';
import { BgpRuntimeError, type PeerSpec, type RouteServerRuntimeSettings } from '../runtime/index.js';
import type { RuntimeStart } from './runtime-link.js';
import type { StartFailure } from './route-server-states.js';
import type { RouteServerBinding } from '../sdn/index.js';
import {
  INSTANCE_IDS,
  ROUTE_SERVER_ASN,
  type BgpConnectionResource,
  type BgpConnectionResourceInput,
  type DeleteResult,
  type IpConfigurationResource,
  type IpConfigurationResourceInput,
  type ListScope,
  type Page,
  type PeerRoute,
  type PutResult,
  type RouteServerResource,
  type RouteServerResourceInput,
  type RoutesByInstance,
  type WriteOptions,
} from './types.js';
import { bgpConnectionView, instanceAddresses, ipConfigurationView, routeServerView } from './views.js';

type HubRecord = Stored<typeof TYPES.routeServer>;
const PREFERENCES = new Set(['ExpressRoute', 'VpnGateway', 'ASPath']);
/** Routing infrastructure units (docs/azure-behaviour.md §6): 2 (default, 4,000 VMs) to 48 (50,000 VMs). */
const CAPACITY_RANGE = [2, 48] as const;

function runtimeSettings(core: ServiceCore, body: RouteServerBody): RouteServerRuntimeSettings {
  return {
    allowBranchToBranchTraffic: body.allowBranchToBranchTraffic,
    hubRoutingPreference: body.hubRoutingPreference,
    maxRoutesPerPeer: core.limits.maxRoutesPerPeer,
  };
}

/** A BGP connection as the runtime runs it: address, ASN, BFD, graceful restart, TCP-MD5 and route maps. */
export function peerSpec(core: ServiceCore, record: { id: string; body: BgpConnectionBody }): PeerSpec {
  const { peerIp, peerAsn, bfd, gracefulRestart: gr, md5Key } = record.body;
  const routeMaps = peerRouteMaps(core, record.body);
  return {
    connectionId: record.id,
    peerIp,
    peerAsn,
    ...(routeMaps === undefined ? {} : { routeMaps }),
    ...(bfd?.enabled === true
      ? {
          bfd: {
            minRx: bfd.minRx,
            minTx: bfd.minTx,
            multiplier: bfd.multiplier,
            multihop: bfd.multihop,
          },
        }
      : {}),
    ...(gr?.enabled === true
      ? { gracefulRestart: { restartTime: gr.restartTime, stalePathTime: gr.stalePathTime } }
      : {}),
    ...(md5Key === undefined ? {} : { md5Key }),
  };
}

/** docs/graceful-restart.md: ranges checked, defaults filled in; a bad field is a 400 and nothing is stored. */
function peeringGracefulRestart(
  input: Partial<PeeringGracefulRestart> | undefined,
): PeeringGracefulRestart | undefined {
  if (input === undefined) return undefined;
  const problem = gracefulRestartProblem(input);
  if (problem !== undefined)
    throw new RouteServerError(
      E.INVALID_VALUE,
      problem.message,
      `properties.gracefulRestart.${problem.field}`,
    );
  return { enabled: false, ...GRACEFUL_RESTART_DEFAULTS, ...input };
}

/** docs/bfd.md: ranges checked, defaults filled in; an out-of-range field is a 400 and nothing is stored. */
function peeringBfd(input: Partial<PeeringBfd> | undefined): PeeringBfd | undefined {
  if (input === undefined) return undefined;
  const problem = bfdSettingsProblem(input);
  if (problem !== undefined)
    throw new RouteServerError(E.INVALID_VALUE, problem.message, `properties.bfd.${problem.field}`);
  if (input.enabled !== undefined && typeof input.enabled !== 'boolean')
    throw new RouteServerError(E.INVALID_VALUE, 'enabled must be true or false', 'properties.bfd.enabled');
  return { enabled: input.enabled ?? false, ...BFD_DEFAULTS, ...input };
}

/** Extension properties compared as stored (every field filled in). */
const sameExtension = (a: object | undefined, b: object | undefined): boolean =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function routeServerBody(existing: HubRecord | undefined, input: RouteServerResourceInput): RouteServerBody {
  if (input.virtualRouterAsn !== undefined && input.virtualRouterAsn !== ROUTE_SERVER_ASN) {
    throw new RouteServerError(
      E.INVALID_ROUTER_ASN,
      `a route server's ASN is always ${ROUTE_SERVER_ASN}, not ${input.virtualRouterAsn}`,
      'properties.virtualRouterAsn',
    );
  }
  const preference = input.hubRoutingPreference ?? 'ExpressRoute';
  if (!PREFERENCES.has(preference)) {
    throw new RouteServerError(
      E.INVALID_VALUE,
      `unknown hub routing preference '${preference}'`,
      'properties.hubRoutingPreference',
    );
  }
  const minCapacity = input.minCapacity ?? CAPACITY_RANGE[0];
  if (!Number.isInteger(minCapacity) || minCapacity < CAPACITY_RANGE[0] || minCapacity > CAPACITY_RANGE[1]) {
    throw new RouteServerError(
      E.INVALID_VALUE,
      `minCapacity must be an integer from ${CAPACITY_RANGE[0]} to ${CAPACITY_RANGE[1]}`,
      'properties.virtualRouterAutoScaleConfiguration.minCapacity',
    );
  }
  return {
    ...trackedBody(input, existing?.body.location),
    allowBranchToBranchTraffic: input.allowBranchToBranchTraffic ?? false,
    hubRoutingPreference: preference,
    minCapacity,
  };
}

function putRouteServer(
  core: ServiceCore,
  id: string,
  input: RouteServerResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<RouteServerResource>> {
  return core
    .write((mutation) => {
      const existing = core.index.get(id, TYPES.routeServer);
      checkWriteConditions(existing, options);
      const body = routeServerBody(existing, input);
      const hubId = existing?.id ?? id;
      mutation.put(
        { id: hubId, type: TYPES.routeServer, name: existing?.name ?? nameFromId(id), body },
        options,
      );
      const runtime = core.runtime;
      const settingsChanged =
        existing !== undefined &&
        (existing.body.allowBranchToBranchTraffic !== body.allowBranchToBranchTraffic ||
          existing.body.hubRoutingPreference !== body.hubRoutingPreference);
      if (runtime !== undefined && settingsChanged && core.running.has(idKey(hubId))) {
        const settings = runtimeSettings(core, body);
        core.states.applyingIn(mutation, [hubId]);
        mutation.effect(() => runtime.updateSettings(hubId, settings));
      }
      // as in ARM, a PUT of a Failed resource tries again: the instances start anew
      if (existing !== undefined && core.states.startFailure(hubId) !== undefined)
        planRestart(core, mutation, { ...existing, body });
      return () => ({
        resource: routeServerView(core, core.index.get(id, TYPES.routeServer)!),
        created: existing === undefined,
      });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

function deleteRouteServer(core: ServiceCore, id: string, options: WriteOptions = {}): Promise<DeleteResult> {
  return deleteRecord(core, id, TYPES.routeServer, options, (mutation, existing) => {
    const ipConfiguration = core.index.childrenOf(existing.id, TYPES.ipConfiguration)[0];
    if (ipConfiguration !== undefined) {
      throw new RouteServerError(
        E.ROUTE_SERVER_IN_USE,
        `route server '${existing.name}' still has ipConfiguration '${ipConfiguration.name}'; delete it first`,
        '',
      );
    }
    for (const connection of core.index.childrenOf(existing.id, TYPES.bgpConnection))
      mutation.delete(connection.id);
    for (const routeMap of core.index.childrenOf(existing.id, TYPES.routeMap)) mutation.delete(routeMap.id);
    mutation.delete(existing.id, options);
  });
}

function getRouteServer(core: ServiceCore, id: string): RouteServerResource | undefined {
  const record = core.index.get(id, TYPES.routeServer);
  return record === undefined ? undefined : routeServerView(core, record);
}

function listRouteServers(core: ServiceCore, scope: ListScope, cursor?: string): Page<RouteServerResource> {
  const records = core.index.ofType(TYPES.routeServer).filter((r) => inScope(r.id, scope));
  return pageOf(records, cursor, core.pageSize, (r) => routeServerView(core, r));
}

function requireHub(core: ServiceCore, childIdText: string): HubRecord {
  const hubId = parentIdOf(childIdText);
  const hub = core.index.get(hubId, TYPES.routeServer);
  if (hub === undefined) throw parentNotFound('route server', hubId);
  return hub;
}

// ---- ipConfigurations ---------------------------------------------------------------

function routeServerSubnet(core: ServiceCore, subnetId: string): Stored<typeof TYPES.subnet> {
  const subnet = core.index.get(subnetId, TYPES.subnet);
  if (subnet === undefined) throw invalidReference('subnet', subnetId, 'properties.subnet.id');
  const prefix = parsePrefix(subnet.body.addressPrefix);
  if (subnet.name !== ROUTE_SERVER_SUBNET || prefix.family !== 4 || prefix.length > 26) {
    throw new RouteServerError(
      E.INVALID_ROUTE_SERVER_SUBNET,
      `a route server needs the VNet's ${ROUTE_SERVER_SUBNET}, IPv4 /26 or larger; '${subnet.name}' is ${subnet.body.addressPrefix}`,
      'properties.subnet.id',
    );
  }
  return subnet;
}

function ipConfigurationBody(
  core: ServiceCore,
  existing: Stored<typeof TYPES.ipConfiguration> | undefined,
  input: IpConfigurationResourceInput,
): { body: IpConfigurationBody; subnet: Stored<typeof TYPES.subnet> } {
  const subnet = routeServerSubnet(core, input.subnetId);
  if (existing !== undefined && idKey(existing.body.subnetId) !== idKey(subnet.id)) {
    throw new RouteServerError(
      E.IMMUTABLE_FIELD,
      'the subnet of an ipConfiguration cannot change; delete the ipConfiguration and create it again',
      'properties.subnet.id',
    );
  }
  const [first] = instanceAddresses(subnet.body.addressPrefix);
  const address = input.privateIpAddress ?? first!;
  if (!ipv4InPrefix(address, parsePrefix(subnet.body.addressPrefix))) {
    throw new RouteServerError(
      E.INVALID_VALUE,
      `${address} is not an address of ${subnet.body.addressPrefix}`,
      'properties.privateIPAddress',
    );
  }
  return {
    subnet,
    body: {
      subnetId: subnet.id,
      privateIpAddress: address,
      privateIpAllocationMethod:
        input.privateIpAllocationMethod ?? (input.privateIpAddress ? 'Static' : 'Dynamic'),
      publicIpAddressId:
        input.publicIpAddressId === undefined || input.publicIpAddressId === null
          ? null
          : requirePublicIp(core, input.publicIpAddressId, 'properties.publicIPAddress.id').id,
    },
  };
}

function runtimeSpec(core: ServiceCore, hub: HubRecord, subnet: Stored<typeof TYPES.subnet>): RuntimeStart {
  const addresses = instanceAddresses(subnet.body.addressPrefix);
  return {
    routeServerId: hub.id,
    asn: ROUTE_SERVER_ASN,
    instances: INSTANCE_IDS.map((instance, i) => ({ instance, address: addresses[i]! })),
    peers: core.index.childrenOf(hub.id, TYPES.bgpConnection).map((record) => peerSpec(core, record)),
    settings: runtimeSettings(core, hub.body),
  };
}

function planStart(
  core: ServiceCore,
  mutation: Mutation,
  hub: HubRecord,
  subnet: Stored<typeof TYPES.subnet>,
): void {
  const key = idKey(hub.id);
  const binding = applyToModel(
    mutation,
    () => core.model.attachRouteServer({ id: key, vnetId: idKey(subnet.parentId!) }),
    () => core.model.detachRouteServer(key),
    () => 'properties.subnet.id',
  );
  planRuntimeStart(core, mutation, hub, subnet, binding);
}

/**
 * The instances start once the write commits: the route server is
 * `Provisioning` until they listen. When they cannot (an address this host
 * cannot bind), the route server is left configured but not running, its
 * states `Failed` with the runtime's explanation, and the write's live
 * effect fails with INSTANCE_START_FAILED.
 */
function planRuntimeStart(
  core: ServiceCore,
  mutation: Mutation,
  hub: HubRecord,
  subnet: Stored<typeof TYPES.subnet>,
  binding: RouteServerBinding,
): void {
  const link = core.runtimeLink;
  if (link === undefined) return;
  const key = idKey(hub.id);
  mutation.apply(
    () => core.running.add(key),
    () => core.running.delete(key),
  );
  core.states.startingIn(mutation, hub.id);
  const spec = runtimeSpec(core, hub, subnet);
  mutation.effect(async () => {
    try {
      await link.start(spec, binding);
    } catch (error) {
      core.running.delete(key);
      link.stopped(hub.id);
      const failure = startFailureOf(error);
      core.states.startFailed(hub.id, failure);
      throw new RouteServerError(E.INSTANCE_START_FAILED, failure.message, '');
    }
    core.states.started(hub.id);
    core.gatewaySpeakers?.rebind();
  });
}

function startFailureOf(error: unknown): StartFailure {
  if (error instanceof BgpRuntimeError) return { code: error.code, message: error.message };
  return { code: E.INSTANCE_START_FAILED, message: error instanceof Error ? error.message : String(error) };
}

/** A route server whose instances could not start: a new start with its current configuration. */
function planRestart(core: ServiceCore, mutation: Mutation, hub: HubRecord): void {
  const key = idKey(hub.id);
  const binding = core.model.routeServer(key);
  const config = core.index.childrenOf(hub.id, TYPES.ipConfiguration)[0];
  const subnet = config && core.index.get(config.body.subnetId, TYPES.subnet);
  if (binding === undefined || subnet === undefined || core.running.has(key)) return;
  planRuntimeStart(core, mutation, hub, subnet, binding);
}

/**
 * A placement gives the instances their addresses; a BGP connection made
 * before it may name one of them as its peer (checkPeerIp refuses that only
 * once the addresses are known). Such a placement is refused, naming the
 * connection to change first.
 */
function checkPeersClearOf(core: ServiceCore, hub: HubRecord, addresses: readonly string[]): void {
  for (const connection of core.index.childrenOf(hub.id, TYPES.bgpConnection)) {
    const instance = addresses.indexOf(connection.body.peerIp);
    if (instance === -1) continue;
    throw new RouteServerError(
      E.INVALID_PEER_IP,
      `bgpConnection '${connection.name}' peers with ${connection.body.peerIp}, the address this ` +
        `ipConfiguration gives instance ${INSTANCE_IDS[instance]}; change that connection's peerIp first`,
      'properties.subnet.id',
    );
  }
}

function putIpConfiguration(
  core: ServiceCore,
  id: string,
  input: IpConfigurationResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<IpConfigurationResource>> {
  return core
    .write((mutation) => {
      const hub = requireHub(core, id);
      const existing = core.index.get(id, TYPES.ipConfiguration);
      checkWriteConditions(existing, options);
      const other = core.index
        .childrenOf(hub.id, TYPES.ipConfiguration)
        .find((c) => idKey(c.id) !== idKey(id));
      if (other !== undefined) {
        throw new RouteServerError(
          E.ROUTE_SERVER_PLACEMENT,
          `route server '${hub.name}' already has ipConfiguration '${other.name}'`,
          '',
        );
      }
      const { body, subnet } = ipConfigurationBody(core, existing, input);
      if (existing === undefined) {
        checkPeersClearOf(core, hub, instanceAddresses(subnet.body.addressPrefix));
        planStart(core, mutation, hub, subnet);
      }
      const name = existing?.name ?? nameFromId(id);
      mutation.put(
        { id: existing?.id ?? id, type: TYPES.ipConfiguration, parentId: hub.id, name, body },
        options,
      );
      mutation.touch(hub);
      return () => ({
        resource: ipConfigurationView(core.index.get(id, TYPES.ipConfiguration)!),
        created: existing === undefined,
      });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

function deleteIpConfiguration(
  core: ServiceCore,
  id: string,
  options: WriteOptions = {},
): Promise<DeleteResult> {
  return deleteRecord(core, id, TYPES.ipConfiguration, options, (mutation, existing) => {
    const hubId = existing.parentId!;
    const key = idKey(hubId);
    const subnet = core.index.get(existing.body.subnetId, TYPES.subnet)!;
    applyToModel(
      mutation,
      () => core.model.detachRouteServer(key),
      () => core.model.attachRouteServer({ id: key, vnetId: idKey(subnet.parentId!) }),
    );
    const runtime = core.runtime;
    if (runtime !== undefined && core.running.has(key)) {
      mutation.apply(
        () => core.running.delete(key),
        () => core.running.add(key),
      );
      core.states.applyingIn(mutation, [hubId]);
      mutation.effect(async () => {
        core.runtimeLink?.stopped(hubId);
        core.gatewaySpeakers?.rebind();
        await runtime.stopRouteServer(hubId);
        core.states.stopped(hubId);
      });
    } else if (core.states.startFailure(hubId) !== undefined) {
      mutation.effect(async () => core.states.stopped(hubId));
    }
    mutation.delete(existing.id, options);
    mutation.touch(core.index.get(hubId, TYPES.routeServer));
  });
}

function getIpConfiguration(core: ServiceCore, id: string): IpConfigurationResource | undefined {
  const record = core.index.get(id, TYPES.ipConfiguration);
  return record === undefined ? undefined : ipConfigurationView(record);
}

function listIpConfigurations(
  core: ServiceCore,
  hubId: string,
  cursor?: string,
): Page<IpConfigurationResource> {
  if (core.index.get(hubId, TYPES.routeServer) === undefined) throw notFound('route server', hubId);
  return pageOf(
    core.index.childrenOf(hubId, TYPES.ipConfiguration),
    cursor,
    core.pageSize,
    ipConfigurationView,
  );
}

// ---- BGP connections -----------------------------------------------------------------

/** The addresses of the route server's two instances, once its ipConfiguration places it. */
function ownInstanceAddresses(core: ServiceCore, hub: HubRecord): readonly string[] {
  const placement = core.index.childrenOf(hub.id, TYPES.ipConfiguration)[0];
  const subnet = placement && core.index.get(placement.body.subnetId, TYPES.subnet);
  return subnet === undefined ? [] : instanceAddresses(subnet.body.addressPrefix);
}

function bgpConnectionBody(
  core: ServiceCore,
  hub: HubRecord,
  id: string,
  input: BgpConnectionResourceInput,
): BgpConnectionBody {
  checkPeerAsn(input.peerAsn);
  const peerIp = checkPeerIp(input.peerIp, ownInstanceAddresses(core, hub));
  const others = core.index.childrenOf(hub.id, TYPES.bgpConnection).filter((c) => idKey(c.id) !== idKey(id));
  const twin = others.find((c) => c.body.peerIp === peerIp);
  if (twin !== undefined) {
    throw new RouteServerError(
      E.DUPLICATE_PEER_IP,
      `BGP connection '${twin.name}' already peers with ${peerIp}`,
      'properties.peerIp',
    );
  }
  const limit = core.limits.maxPeersPerRouteServer;
  if (others.length >= limit && core.index.get(id, TYPES.bgpConnection) === undefined) {
    throw new RouteServerError(E.PEER_LIMIT, `a route server has at most ${limit} BGP connections`, '');
  }
  const bfd = peeringBfd(input.bfd);
  const gracefulRestart = peeringGracefulRestart(input.gracefulRestart);
  const md5Key = peeringMd5Key(core.index.get(id, TYPES.bgpConnection)?.body.md5Key, input.md5Key);
  return {
    peerIp,
    peerAsn: input.peerAsn,
    ...(bfd === undefined ? {} : { bfd }),
    ...(gracefulRestart === undefined ? {} : { gracefulRestart }),
    ...(md5Key === undefined ? {} : { md5Key }),
    ...routeMapReferences(core, hub.id, input),
  };
}

function putBgpConnection(
  core: ServiceCore,
  id: string,
  input: BgpConnectionResourceInput,
  options: WriteOptions = {},
): Promise<PutResult<BgpConnectionResource>> {
  return core
    .write((mutation) => {
      const hub = requireHub(core, id);
      const existing = core.index.get(id, TYPES.bgpConnection);
      checkWriteConditions(existing, options);
      const body = bgpConnectionBody(core, hub, id, input);
      const connectionId = existing?.id ?? id;
      const name = existing?.name ?? nameFromId(id);
      mutation.put({ id: connectionId, type: TYPES.bgpConnection, parentId: hub.id, name, body }, options);
      mutation.touch(hub);
      const runtime = core.runtime;
      if (runtime !== undefined && core.running.has(idKey(hub.id))) {
        const peer = peerSpec(core, { id: connectionId, body });
        const changed =
          existing !== undefined &&
          (existing.body.peerIp !== body.peerIp ||
            existing.body.peerAsn !== body.peerAsn ||
            !sameExtension(existing.body.bfd, body.bfd) ||
            !sameExtension(existing.body.gracefulRestart, body.gracefulRestart) ||
            existing.body.md5Key !== body.md5Key ||
            existing.body.inboundRouteMapId !== body.inboundRouteMapId ||
            existing.body.outboundRouteMapId !== body.outboundRouteMapId);
        if (existing === undefined || changed) core.states.applyingIn(mutation, [hub.id, connectionId]);
        if (existing === undefined) mutation.effect(() => runtime.addPeer(hub.id, peer));
        else if (changed) mutation.effect(() => runtime.updatePeer(hub.id, peer));
      }
      return () => ({
        resource: bgpConnectionView(core, core.index.get(id, TYPES.bgpConnection)!),
        created: existing === undefined,
      });
    })
    .then(({ value, applied }) => ({ ...value, applied }));
}

function deleteBgpConnection(
  core: ServiceCore,
  id: string,
  options: WriteOptions = {},
): Promise<DeleteResult> {
  return deleteRecord(core, id, TYPES.bgpConnection, options, (mutation, existing) => {
    const hubId = existing.parentId!;
    mutation.delete(existing.id, options);
    mutation.touch(core.index.get(hubId, TYPES.routeServer));
    const runtime = core.runtime;
    if (runtime !== undefined && core.running.has(idKey(hubId))) {
      core.states.applyingIn(mutation, [hubId]);
      mutation.effect(() => runtime.removePeer(hubId, existing.id));
    }
  });
}

function getBgpConnection(core: ServiceCore, id: string): BgpConnectionResource | undefined {
  const record = core.index.get(id, TYPES.bgpConnection);
  return record === undefined ? undefined : bgpConnectionView(core, record);
}

function listBgpConnections(core: ServiceCore, hubId: string, cursor?: string): Page<BgpConnectionResource> {
  if (core.index.get(hubId, TYPES.routeServer) === undefined) throw notFound('route server', hubId);
  const records = core.index.childrenOf(hubId, TYPES.bgpConnection);
  return pageOf(records, cursor, core.pageSize, (r) => bgpConnectionView(core, r));
}

/** Learned (Adj-RIB-In) or advertised (Adj-RIB-Out) routes of a BGP connection, per instance. */
async function peerRoutes(
  core: ServiceCore,
  id: string,
  direction: 'learned' | 'advertised',
): Promise<RoutesByInstance> {
  const record = core.index.get(id, TYPES.bgpConnection);
  if (record === undefined) throw notFound('BGP connection', id);
  const byInstance = new Map<string, PeerRoute[]>(INSTANCE_IDS.map((instance) => [instance, []]));
  const hubId = record.parentId!;
  const runtime = core.runtime;
  if (runtime === undefined || !core.running.has(idKey(hubId))) return byInstance;
  const routes =
    direction === 'learned'
      ? await runtime.learnedRoutes(hubId, record.id)
      : await runtime.advertisedRoutes(hubId, record.id);
  for (const route of routes) {
    const list = byInstance.get(route.instance);
    if (list === undefined) byInstance.set(route.instance, [route]);
    else list.push(route);
  }
  return byInstance;
}

const ORIGIN: Readonly<Record<PeerRoute['origin'], string>> = {
  ebgp: 'EBgp',
  ibgp: 'IBgp',
  igp: 'Igp',
  egp: 'Egp',
  incomplete: 'Incomplete',
};

/** ARM's `PeerRouteList`: instance `IN_n` → key `RouteServiceRole_IN_n`; `sourcePeer` absent on originated routes (§7.3). */
function peerRouteList(routes: RoutesByInstance): Record<string, unknown[]> {
  const body: Record<string, unknown[]> = {};
  for (const [instance, list] of routes) {
    body[`RouteServiceRole_${instance}`] = list.map((route) => ({
      localAddress: route.localAddress,
      network: route.network,
      nextHop: route.nextHop,
      ...(route.sourcePeer === null ? {} : { sourcePeer: route.sourcePeer }),
      origin: ORIGIN[route.origin],
      asPath: route.asPath,
      weight: route.weight,
    }));
  }
  return body;
}

/** At start, before the subnets: each route server's own subnet, which gives its instances' addresses. */
export async function loadRouteServerSubnets(core: ServiceCore): Promise<Stored<typeof TYPES.subnet>[]> {
  const subnets: Stored<typeof TYPES.subnet>[] = [];
  for (const config of core.index.ofType(TYPES.ipConfiguration)) {
    const subnet = await core.loadRecord(config.body.subnetId);
    if (subnet !== undefined) subnets.push(subnet as Stored<typeof TYPES.subnet>);
  }
  return subnets;
}

/** At start: places the stored route servers that have an ipConfiguration in the model. */
export function placeRouteServers(core: ServiceCore): void {
  for (const config of core.index.ofType(TYPES.ipConfiguration)) {
    const hub = core.index.get(config.parentId!, TYPES.routeServer);
    const subnet = core.index.get(config.body.subnetId, TYPES.subnet);
    if (hub === undefined || subnet === undefined) {
      throw new RouteServerError(
        E.CORRUPT_RECORD,
        `stored ipConfiguration ${config.id} names a missing resource`,
        '',
      );
    }
    core.model.attachRouteServer({ id: idKey(hub.id), vnetId: idKey(subnet.parentId!) });
  }
}

/**
 * At start, once the VNets, peerings and route servers are in the model
 * (service.ts loads the rest while the instances start): the runtime starts
 * every placed route server with its peers. One whose address cannot be bound is reported and
 * left configured but not running, so the others and the API still start.
 */
export async function startRouteServers(core: ServiceCore): Promise<void> {
  const link = core.runtimeLink;
  if (link === undefined) return;
  for (const hub of core.index.ofType(TYPES.routeServer)) {
    const key = idKey(hub.id);
    const binding = core.model.routeServer(key);
    const config = core.index.childrenOf(hub.id, TYPES.ipConfiguration)[0];
    if (binding === undefined || config === undefined) continue;
    const subnet = core.index.get(config.body.subnetId, TYPES.subnet)!;
    core.running.add(key);
    const outcome = await link.start(runtimeSpec(core, hub, subnet), binding, { tolerateBindFailure: true });
    if (outcome.running) {
      core.states.started(hub.id);
      continue;
    }
    core.running.delete(key);
    link.stopped(hub.id);
    core.states.startFailed(hub.id, outcome.error);
    core.reportEffectError(new BgpRuntimeError(outcome.error.code, outcome.error.message));
  }
}

/**
 * The family's descriptors: `virtualHubs`, `virtualHubs/ipConfigurations`
 * and `virtualHubs/bgpConnections`, with POST `effectiveRoutes`,
 * `inboundRoutes` and `outboundRoutes` on a route server (hub-route-views.ts)
 * and `learnedRoutes` and `advertisedRoutes` on a connection.
 */
export function routeServerResources(core: ServiceCore) {
  return {
    virtualHubs: describe<RouteServerResourceInput, RouteServerResource, RouteServerPutBody>({
      types: ['virtualHubs'],
      tracked: true,
      get: (id) => getRouteServer(core, id),
      list: (within, cursor) => listRouteServers(core, scopeOfList(within), cursor),
      put: (id, input, options) => putRouteServer(core, id, input, options),
      delete: (id, options) => deleteRouteServer(core, id, options),
      actions: {
        effectiveRoutes: (id, body) => hubEffectiveRoutes(core, id, body),
        inboundRoutes: (id, body) => connectionRoutes(core, id, body, 'inbound'),
        outboundRoutes: (id, body) => connectionRoutes(core, id, body, 'outbound'),
      },
      toInput: routeServerInput,
      present: presentRouteServer,
    }),
    ipConfigurations: describe<IpConfigurationResourceInput, IpConfigurationResource, IpConfigurationPutBody>(
      {
        types: ['virtualHubs', 'ipConfigurations'],
        tracked: false,
        get: (id) => getIpConfiguration(core, id),
        list: (within, cursor) => listIpConfigurations(core, parentIdOfList(within), cursor),
        put: (id, input, options) => putIpConfiguration(core, id, input, options),
        delete: (id, options) => deleteIpConfiguration(core, id, options),
        actions: {},
        toInput: ipConfigurationInput,
        present: presentIpConfiguration,
      },
    ),
    bgpConnections: describe<BgpConnectionResourceInput, BgpConnectionResource, BgpConnectionPutBody>({
      types: ['virtualHubs', 'bgpConnections'],
      tracked: false,
      get: (id) => getBgpConnection(core, id),
      list: (within, cursor) => listBgpConnections(core, parentIdOfList(within), cursor),
      put: (id, input, options) => putBgpConnection(core, id, input, options),
      delete: (id, options) => deleteBgpConnection(core, id, options),
      actions: {
        learnedRoutes: async (id) => peerRouteList(await peerRoutes(core, id, 'learned')),
        advertisedRoutes: async (id) => peerRouteList(await peerRoutes(core, id, 'advertised')),
      },
      toInput: bgpConnectionInput,
      present: presentBgpConnection,
    }),
  };
}
