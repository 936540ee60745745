/**
 * What the service persists: one store record per resource, its body the
 * domain JSON below (never an API shape), and the in-memory index of those
 * records the service answers reads from. The index mirrors the store: it is
 * loaded at start and updated from each committed transaction's results.
 */
import type { RouteMapRuleDefinition } from '../policy/index.js';
import type { ResourceRecord } from '../store/index.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import { idKey, TYPES, type ResourceType } from './ids.js';
import type {
  AllocationMethod,
  GatewayConnectionType,
  GatewayType,
  HubRoutingPreference,
  UserRouteNextHopType,
} from './types.js';

interface TrackedBody {
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface RouteServerBody extends TrackedBody {
  readonly allowBranchToBranchTraffic: boolean;
  readonly hubRoutingPreference: HubRoutingPreference;
  readonly minCapacity: number;
}

export interface IpConfigurationBody {
  readonly subnetId: string;
  readonly privateIpAddress: string | null;
  readonly privateIpAllocationMethod: AllocationMethod;
  readonly publicIpAddressId: string | null;
}

export interface BgpConnectionBody {
  readonly peerIp: string;
  readonly peerAsn: number;
  /** docs/bfd.md; absent on peerings that never had it (Azure's behaviour: hold timer only) */
  readonly bfd?: PeeringBfd;
  /** docs/graceful-restart.md; absent on peerings that never had it (Azure's behaviour: routes go with the session) */
  readonly gracefulRestart?: PeeringGracefulRestart;
  /**
   * RFC 2385 TCP-MD5 key (docs/tcp-md5.md): write-only, never presented by
   * the API; absent when the peering has none (Azure's behaviour)
   */
  readonly md5Key?: string;
  /** route maps (docs/route-maps.md): ids of routeMaps of the same route server; absent: none */
  readonly inboundRouteMapId?: string;
  readonly outboundRouteMapId?: string;
}

/** A peering's graceful restart settings, every field filled in, seconds (docs/graceful-restart.md). */
export interface PeeringGracefulRestart {
  readonly enabled: boolean;
  readonly restartTime: number;
  readonly stalePathTime: number;
}

/** A peering's BFD settings, every field filled in (docs/bfd.md). */
export interface PeeringBfd {
  readonly enabled: boolean;
  readonly minRx: number;
  readonly minTx: number;
  readonly multiplier: number;
  readonly multihop: boolean;
}

export interface VirtualNetworkBody extends TrackedBody {
  readonly addressPrefixes: readonly string[];
}

export interface SubnetBody {
  readonly addressPrefix: string;
  readonly routeTableId: string | null;
}

export interface PeeringBody {
  readonly remoteVirtualNetworkId: string;
  readonly allowVirtualNetworkAccess: boolean;
  readonly allowForwardedTraffic: boolean;
  readonly allowGatewayTransit: boolean;
  readonly useRemoteGateways: boolean;
}

export interface RouteTableBody extends TrackedBody {
  readonly disableBgpRoutePropagation: boolean;
}

export interface RouteBody {
  readonly addressPrefix: string;
  readonly nextHopType: UserRouteNextHopType;
  readonly nextHopIpAddress: string | null;
}

export interface NetworkInterfaceBody extends TrackedBody {
  readonly ipConfigurationName: string;
  readonly subnetId: string;
  readonly privateIpAddress: string;
  readonly privateIpAllocationMethod: AllocationMethod;
}

export interface VirtualNetworkGatewayBody extends TrackedBody {
  readonly gatewayType: GatewayType;
  /** the GatewaySubnet every ipConfiguration names */
  readonly subnetId: string;
  /** the ipConfigurations' names, in the order given (two for an active-active VPN gateway) */
  readonly ipConfigurationNames: readonly string[];
  /** the two instances' addresses in GatewaySubnet, allocated at creation and kept */
  readonly instanceAddresses: readonly string[];
  readonly asn: number;
  readonly activeActive: boolean;
  readonly enableBgp: boolean;
  readonly skuName: string;
}

export interface LocalNetworkGatewayBgp {
  readonly asn: number;
  readonly bgpPeeringAddress: string;
  readonly peerWeight: number;
}

export interface LocalNetworkGatewayBody extends TrackedBody {
  readonly addressPrefixes: readonly string[];
  readonly gatewayIpAddress: string | null;
  readonly bgpSettings: LocalNetworkGatewayBgp | null;
}

export interface ConnectionBody extends TrackedBody {
  readonly connectionType: GatewayConnectionType;
  readonly virtualNetworkGatewayId: string;
  /** IPsec: the VPN site */
  readonly localNetworkGatewayId: string | null;
  /** ExpressRoute: the circuit */
  readonly circuitId: string | null;
  readonly enableBgp: boolean;
  readonly routingWeight: number;
}

export interface ExpressRouteCircuitBody extends TrackedBody {
  readonly skuTier: string;
  readonly skuFamily: string;
  readonly serviceProviderName: string;
  readonly peeringLocation: string;
  readonly bandwidthInMbps: number;
}

export interface CircuitPeeringBody {
  readonly peerAsn: number;
  readonly primaryPeerAddressPrefix: string;
  readonly secondaryPeerAddressPrefix: string;
  readonly vlanId: number;
}

export interface PublicIpAddressBody extends TrackedBody {
  /** the address handed out at creation and kept (a Static allocation) */
  readonly ipAddress: string;
  readonly idleTimeoutInMinutes: number;
}

/** A route map's rules as written (docs/route-maps.md); checked by src/policy/route-map.ts before storing. */
export interface RouteMapBody {
  readonly rules: readonly RouteMapRuleDefinition[];
}

interface BodyOf {
  [TYPES.routeServer]: RouteServerBody;
  [TYPES.ipConfiguration]: IpConfigurationBody;
  [TYPES.bgpConnection]: BgpConnectionBody;
  [TYPES.routeMap]: RouteMapBody;
  [TYPES.virtualNetwork]: VirtualNetworkBody;
  [TYPES.subnet]: SubnetBody;
  [TYPES.peering]: PeeringBody;
  [TYPES.routeTable]: RouteTableBody;
  [TYPES.route]: RouteBody;
  [TYPES.networkInterface]: NetworkInterfaceBody;
  [TYPES.virtualNetworkGateway]: VirtualNetworkGatewayBody;
  [TYPES.localNetworkGateway]: LocalNetworkGatewayBody;
  [TYPES.connection]: ConnectionBody;
  [TYPES.expressRouteCircuit]: ExpressRouteCircuitBody;
  [TYPES.circuitPeering]: CircuitPeeringBody;
  [TYPES.publicIpAddress]: PublicIpAddressBody;
}

/** A stored record whose body was checked to be the domain JSON of its type. */
export interface Stored<T extends ResourceType = ResourceType> extends ResourceRecord {
  readonly type: T;
  readonly body: BodyOf[T];
}

/** Field names (and their JSON kinds) each body must carry; checked when records are loaded. */
const REQUIRED_FIELDS: Readonly<Record<ResourceType, Readonly<Record<string, string>>>> = {
  [TYPES.routeServer]: {
    location: 'string',
    tags: 'object',
    allowBranchToBranchTraffic: 'boolean',
    hubRoutingPreference: 'string',
    minCapacity: 'number',
  },
  [TYPES.ipConfiguration]: { subnetId: 'string', privateIpAllocationMethod: 'string' },
  [TYPES.bgpConnection]: { peerIp: 'string', peerAsn: 'number' },
  [TYPES.routeMap]: { rules: 'object' },
  [TYPES.virtualNetwork]: { location: 'string', tags: 'object', addressPrefixes: 'object' },
  [TYPES.subnet]: { addressPrefix: 'string' },
  [TYPES.peering]: { remoteVirtualNetworkId: 'string', useRemoteGateways: 'boolean' },
  [TYPES.routeTable]: { location: 'string', tags: 'object', disableBgpRoutePropagation: 'boolean' },
  [TYPES.route]: { addressPrefix: 'string', nextHopType: 'string' },
  [TYPES.networkInterface]: {
    location: 'string',
    tags: 'object',
    subnetId: 'string',
    privateIpAddress: 'string',
    ipConfigurationName: 'string',
  },
  [TYPES.virtualNetworkGateway]: {
    location: 'string',
    tags: 'object',
    gatewayType: 'string',
    subnetId: 'string',
    ipConfigurationNames: 'object',
    instanceAddresses: 'object',
    asn: 'number',
  },
  [TYPES.localNetworkGateway]: { location: 'string', tags: 'object', addressPrefixes: 'object' },
  [TYPES.connection]: {
    location: 'string',
    tags: 'object',
    connectionType: 'string',
    virtualNetworkGatewayId: 'string',
  },
  [TYPES.expressRouteCircuit]: { location: 'string', tags: 'object', bandwidthInMbps: 'number' },
  [TYPES.circuitPeering]: { peerAsn: 'number', primaryPeerAddressPrefix: 'string', vlanId: 'number' },
  [TYPES.publicIpAddress]: {
    location: 'string',
    tags: 'object',
    ipAddress: 'string',
    idleTimeoutInMinutes: 'number',
  },
};

const TYPE_BY_KEY = new Map(Object.values(TYPES).map((type) => [type.toLowerCase(), type]));

/** Checks a loaded record; throws CORRUPT_RECORD when it is not a body this version wrote. */
export function checkStored(record: ResourceRecord): Stored {
  const type = TYPE_BY_KEY.get(record.type.toLowerCase());
  const body = record.body as Record<string, unknown> | null;
  const corrupt = (why: string): never => {
    throw new RouteServerError(E.CORRUPT_RECORD, `stored record ${record.id} ${why}`, '');
  };
  if (type === undefined) return corrupt(`has an unknown type ${record.type}`);
  if (typeof body !== 'object' || body === null) return corrupt('has no body');
  for (const [field, kind] of Object.entries(REQUIRED_FIELDS[type])) {
    if (typeof body[field] !== kind || body[field] === null) corrupt(`lacks ${field} (${kind})`);
  }
  return { ...record, type } as Stored;
}

/** The id key of the subnet a record sits in (NICs, route-server ipConfigurations, gateways). */
function subnetKeyOf(record: Stored): string | undefined {
  const subnetId = (record.body as { subnetId?: unknown }).subnetId;
  return typeof subnetId === 'string' ? idKey(subnetId) : undefined;
}

/**
 * The records of every resource, by id key, with a parent → children index,
 * a per-type index and a subnet → NIC / ipConfiguration index.
 */
export class ResourceIndex {
  private readonly records = new Map<string, Stored>();
  private readonly children = new Map<string, Set<string>>();
  private readonly byType = new Map<string, Set<string>>();
  private readonly bySubnet = new Map<string, Set<string>>();

  get<T extends ResourceType>(id: string, type: T): Stored<T> | undefined {
    const record = this.records.get(idKey(id));
    return record !== undefined && record.type === type ? (record as Stored<T>) : undefined;
  }

  any(id: string): Stored | undefined {
    return this.records.get(idKey(id));
  }

  /** Children of `parentId` of one type, ordered by id key. */
  childrenOf<T extends ResourceType>(parentId: string, type: T): Stored<T>[] {
    const keys = [...(this.children.get(idKey(parentId)) ?? [])].sort();
    return keys.map((key) => this.records.get(key)!).filter((r): r is Stored<T> => r.type === type);
  }

  /** Every record of a type, ordered by id key. */
  ofType<T extends ResourceType>(type: T): Stored<T>[] {
    const keys = [...(this.byType.get(type) ?? [])].sort();
    return keys.map((key) => this.records.get(key) as Stored<T>);
  }

  /** NICs, route-server ipConfigurations and gateways in a subnet, ordered by id key. */
  inSubnet(
    subnetId: string,
  ): Stored<
    typeof TYPES.networkInterface | typeof TYPES.ipConfiguration | typeof TYPES.virtualNetworkGateway
  >[] {
    const keys = [...(this.bySubnet.get(idKey(subnetId)) ?? [])].sort();
    return keys.map((key) => this.records.get(key) as Stored<typeof TYPES.networkInterface>);
  }

  set(record: Stored): void {
    const key = idKey(record.id);
    const previous = this.records.get(key);
    if (previous !== undefined) this.unlink(key, previous);
    this.records.set(key, record);
    const link = (map: Map<string, Set<string>>, at: string) => {
      let set = map.get(at);
      if (set === undefined) map.set(at, (set = new Set()));
      set.add(key);
    };
    if (record.parentId !== undefined) link(this.children, idKey(record.parentId));
    link(this.byType, record.type);
    const subnetKey = subnetKeyOf(record);
    if (subnetKey !== undefined) link(this.bySubnet, subnetKey);
  }

  delete(id: string): void {
    const key = idKey(id);
    const record = this.records.get(key);
    if (record === undefined) return;
    this.records.delete(key);
    this.unlink(key, record);
  }

  private unlink(key: string, record: Stored): void {
    if (record.parentId !== undefined) this.children.get(idKey(record.parentId))?.delete(key);
    this.byType.get(record.type)?.delete(key);
    const subnetKey = subnetKeyOf(record);
    if (subnetKey !== undefined) this.bySubnet.get(subnetKey)?.delete(key);
  }
}
