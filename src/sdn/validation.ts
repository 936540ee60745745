/**
 * Validation of every mutation of the virtual network model. Each function
 * reads the current state and throws an `SdnError` before anything changes,
 * so a rejected mutation leaves the model untouched. Rules follow Azure's
 * documented behaviour (docs/virtual-network-routing.md lists them).
 */
import { LpmTrie } from '../lib/lpm-trie.js';
import type { Prefix } from '../lib/prefix.js';
import { formatPrefix, parsePrefix, prefixContains, prefixesOverlap } from '../lib/prefix.js';
import { isReservedInSubnet, parseAddress } from './addresses.js';
import { SDN_ERROR_CODES as E, SdnError } from './errors.js';
import type { NetworkState } from './state.js';
import type {
  GatewayPlacement,
  UserRouteTable,
  Subnet,
  VirtualNetwork,
  VirtualNetworkPeering,
} from './types.js';
import { GATEWAY_SUBNET, ROUTE_SERVER_SUBNET } from './types.js';

/**
 * Ranges not allowed in a VNet address space: Azure's for IPv4; for IPv6
 * the same kinds of range (unspecified, loopback, IPv4-mapped, link-local,
 * multicast; RFC 4291 §2.4), so `::/0` is refused as `0.0.0.0/0` is.
 */
const RESERVED_RANGES: readonly Prefix[] = [
  '224.0.0.0/4',
  '255.255.255.255/32',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '168.63.129.16/32',
  '::/128',
  '::1/128',
  '::ffff:0:0/96',
  'fe80::/10',
  'ff00::/8',
].map((text) => parsePrefix(text));

const fail = (code: SdnError['code'], message: string, field: string): never => {
  throw new SdnError(code, message, field);
};

export function requireVnet(state: NetworkState, vnetId: string, field = 'vnetId'): void {
  if (!state.vnets.has(vnetId)) fail(E.NOT_FOUND, `virtual network '${vnetId}' does not exist`, field);
}

export function requireSubnet(state: NetworkState, subnetId: string, field = 'subnetId'): Subnet {
  return state.subnets.get(subnetId) ?? fail(E.NOT_FOUND, `subnet '${subnetId}' does not exist`, field);
}

export function requireRouteTable(
  state: NetworkState,
  routeTableId: string,
  field = 'routeTableId',
): UserRouteTable {
  return (
    state.routeTables.get(routeTableId) ??
    fail(E.NOT_FOUND, `route table '${routeTableId}' does not exist`, field)
  );
}

export function requireNew(existing: boolean, kind: string, id: string): void {
  if (existing) fail(E.ALREADY_EXISTS, `${kind} '${id}' already exists`, 'id');
}

/**
 * The prefixes of a list in a trie, each with its index; the first pair
 * that overlaps (one contains the other, or both are equal) is returned
 * instead. Each insertion looks up the covering and the covered prefixes:
 * O(n · prefix length) for the whole list, where comparing every pair was
 * O(n²) (a VNet with 100,000 address prefixes took 43 s).
 */
function prefixTrie(prefixes: readonly Prefix[]): { trie: LpmTrie<number>; clash?: [number, number] } {
  const trie = new LpmTrie<number>();
  for (let i = 0; i < prefixes.length; i++) {
    const earlier = overlapIn(trie, prefixes[i]!);
    if (earlier !== undefined) return { trie, clash: [earlier, i] };
    trie.set(prefixes[i]!, i);
  }
  return { trie };
}

/** A value stored in `trie` under a prefix that overlaps `prefix`: a covering one, else a covered one. */
function overlapIn<V>(trie: LpmTrie<V>, prefix: Prefix): V | undefined {
  const covering = trie.longestMatch(prefix);
  if (covering !== undefined) return covering.value;
  for (const covered of trie.coveredBy(prefix)) return covered.value;
  return undefined;
}

/** Each VNet's address spaces in a trie, built once per (immutable) VNet object. */
const spaceTries = new WeakMap<VirtualNetwork, LpmTrie<number>>();

function spaceTrieOf(vnet: VirtualNetwork): LpmTrie<number> {
  let trie = spaceTries.get(vnet);
  if (trie === undefined) spaceTries.set(vnet, (trie = prefixTrie(vnet.addressSpaces).trie));
  return trie;
}

/** Address spaces of a VNet: present, not reserved, not overlapping each other or any peered VNet. */
export function validateAddressSpaces(state: NetworkState, vnetId: string, spaces: readonly Prefix[]): void {
  if (spaces.length === 0)
    fail(E.ADDRESS_SPACE_EMPTY, `virtual network '${vnetId}' needs an address space`, 'addressSpaces');
  spaces.forEach((space, i) => {
    const reserved = RESERVED_RANGES.find((r) => prefixesOverlap(r, space));
    if (reserved) {
      fail(
        E.ADDRESS_SPACE_RESERVED,
        `${formatPrefix(space)} overlaps reserved range ${formatPrefix(reserved)}`,
        `addressSpaces[${i}]`,
      );
    }
  });
  const { trie, clash } = prefixTrie(spaces);
  if (clash !== undefined) {
    const [j, i] = clash;
    fail(
      E.ADDRESS_SPACE_OVERLAP,
      `${formatPrefix(spaces[i]!)} overlaps ${formatPrefix(spaces[j]!)} in the same virtual network`,
      `addressSpaces[${i}]`,
    );
  }
  for (const subnet of state.subnetsOf(vnetId)) {
    if (trie.longestMatch(subnet.addressPrefix) === undefined) {
      fail(
        E.IN_USE,
        `subnet '${subnet.name}' (${formatPrefix(subnet.addressPrefix)}) would fall outside the address space`,
        'addressSpaces',
      );
    }
  }
  for (const otherId of state.peersOf(vnetId)) {
    checkNoOverlap(spaces, state.vnets.get(otherId)!, 'addressSpaces');
  }
}

/** No prefix of `mine` overlaps an address space of `other` (a lookup per prefix in its trie). */
function checkNoOverlap(mine: readonly Prefix[], other: VirtualNetwork, field: string): void {
  const theirs = spaceTrieOf(other);
  for (const a of mine) {
    const clash = overlapIn(theirs, a);
    if (clash !== undefined) {
      fail(
        E.PEERING_OVERLAP,
        `${formatPrefix(a)} overlaps ${formatPrefix(other.addressSpaces[clash]!)} of peered virtual network '${other.id}'`,
        field,
      );
    }
  }
}

export function validateVnetDelete(state: NetworkState, vnetId: string): void {
  requireVnet(state, vnetId, 'id');
  for (const subnet of state.subnetsOf(vnetId)) validateSubnetDelete(state, subnet.id);
  const peering = state.peeringsTouching(vnetId)[0];
  if (peering) fail(E.IN_USE, `virtual network '${vnetId}' is used by peering '${peering.id}'`, 'id');
  const gateway = state.gatewaysIn(vnetId)[0];
  if (gateway) fail(E.IN_USE, `virtual network '${vnetId}' holds gateway '${gateway.id}'`, 'id');
}

export interface SubnetInput {
  readonly vnetId: string;
  readonly name: string;
  readonly addressPrefix: Prefix;
  readonly routeTableId?: string | null;
}

export function validateSubnet(state: NetworkState, input: SubnetInput, subnetId: string): void {
  requireVnet(state, input.vnetId);
  requireNew(state.subnets.has(subnetId), 'subnet', subnetId);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/.test(input.name))
    fail(E.INVALID_NAME, `'${input.name}' is not a valid subnet name`, 'name');
  const prefix = input.addressPrefix;
  const vnet = state.vnets.get(input.vnetId)!;
  if (spaceTrieOf(vnet).longestMatch(prefix) === undefined) {
    fail(
      E.SUBNET_OUTSIDE_VNET,
      `${formatPrefix(prefix)} is not inside an address space of '${input.vnetId}'`,
      'addressPrefix',
    );
  }
  if (prefix.family === 4 ? prefix.length > 29 : prefix.length !== 64) {
    fail(
      E.SUBNET_SIZE,
      `${formatPrefix(prefix)}: IPv4 subnets must be /29 or larger, IPv6 subnets /64`,
      'addressPrefix',
    );
  }
  if (input.name === ROUTE_SERVER_SUBNET && prefix.length > 26) {
    fail(
      E.ROUTE_SERVER_SUBNET_TOO_SMALL,
      `RouteServerSubnet must be /26 or larger, got ${formatPrefix(prefix)}`,
      'addressPrefix',
    );
  }
  const subnetPrefixes = state.subnetPrefixesOf(input.vnetId);
  const clash = subnetPrefixes === undefined ? undefined : overlapIn(subnetPrefixes, prefix);
  if (clash)
    fail(
      E.SUBNET_OVERLAP,
      `${formatPrefix(prefix)} overlaps subnet '${clash.name}' (${formatPrefix(clash.addressPrefix)})`,
      'addressPrefix',
    );
  if (input.routeTableId)
    validateAssociation(state, { ...input, id: subnetId, routeTableId: null }, input.routeTableId);
}

export function validateAssociation(state: NetworkState, subnet: Subnet, routeTableId: string | null): void {
  if (routeTableId === null) return;
  requireRouteTable(state, routeTableId);
  if (subnet.name === ROUTE_SERVER_SUBNET) {
    fail(E.SUBNET_RESERVED_FOR_SERVICE, 'RouteServerSubnet does not support a route table', 'routeTableId');
  }
}

export function validateSubnetDelete(state: NetworkState, subnetId: string): void {
  const subnet = requireSubnet(state, subnetId, 'id');
  const nics = state.nicsBySubnet.get(subnetId);
  if (nics && nics.size > 0)
    fail(E.IN_USE, `subnet '${subnet.name}' still has ${nics.size} network interface(s)`, 'id');
  if (subnet.name === ROUTE_SERVER_SUBNET && state.routeServerIn(subnet.vnetId)) {
    fail(E.IN_USE, `RouteServerSubnet of '${subnet.vnetId}' hosts a route server`, 'id');
  }
}

export function validateRouteTable(table: UserRouteTable): void {
  const names = new Set<string>();
  const prefixes = new Set<string>();
  table.routes.forEach((route, i) => {
    const field = `routes[${i}]`;
    if (names.has(route.name)) fail(E.INVALID_ROUTE, `duplicate route name '${route.name}'`, `${field}.name`);
    names.add(route.name);
    const text = formatPrefix(route.addressPrefix);
    if (prefixes.has(text))
      fail(E.INVALID_ROUTE, `two routes for ${text} in one route table`, `${field}.addressPrefix`);
    prefixes.add(text);
    if (route.nextHopType !== 'VirtualAppliance') {
      if (route.nextHopIpAddress !== null) {
        fail(
          E.INVALID_ROUTE,
          `next hop IP is only allowed with next hop type VirtualAppliance`,
          `${field}.nextHopIpAddress`,
        );
      }
      return;
    }
    const hop = route.nextHopIpAddress === null ? undefined : parseAddress(route.nextHopIpAddress);
    if (!hop || hop.family !== route.addressPrefix.family) {
      fail(
        E.INVALID_ROUTE,
        `VirtualAppliance needs a next hop IP of the route's family`,
        `${field}.nextHopIpAddress`,
      );
    }
  });
}

export function validateRouteTableDelete(state: NetworkState, routeTableId: string): void {
  requireRouteTable(state, routeTableId, 'id');
  const subnetId = state.subnetsUsingRouteTable(routeTableId)[0];
  if (subnetId !== undefined)
    fail(E.IN_USE, `route table '${routeTableId}' is associated with subnet '${subnetId}'`, 'id');
}

export function validatePeering(
  state: NetworkState,
  peering: VirtualNetworkPeering,
  replacing: boolean,
): void {
  requireVnet(state, peering.localVnetId, 'localVnetId');
  requireVnet(state, peering.remoteVnetId, 'remoteVnetId');
  if (peering.localVnetId === peering.remoteVnetId)
    fail(E.PEERING_INVALID, 'a virtual network cannot peer with itself', 'remoteVnetId');
  const existing = state.findPeering(peering.localVnetId, peering.remoteVnetId);
  if (existing && existing.id !== peering.id) {
    fail(
      E.PEERING_INVALID,
      `'${peering.localVnetId}' already peers with '${peering.remoteVnetId}' ('${existing.id}')`,
      'remoteVnetId',
    );
  }
  if (!replacing) requireNew(state.peerings.has(peering.id), 'peering', peering.id);
  const local = state.vnets.get(peering.localVnetId)!;
  const remote = state.vnets.get(peering.remoteVnetId)!;
  checkNoOverlap(local.addressSpaces, remote, 'remoteVnetId');
  // Peers of one VNet must not overlap each other (traffic would be ambiguous).
  for (const [me, other] of [
    [local, remote],
    [remote, local],
  ] as const) {
    for (const peerId of state.peersOf(me.id)) {
      if (peerId === other.id) continue;
      checkNoOverlap(other.addressSpaces, state.vnets.get(peerId)!, 'remoteVnetId');
    }
  }
  if (peering.useRemoteGateways) validateRemoteGateway(state, peering);
}

function validateRemoteGateway(state: NetworkState, peering: VirtualNetworkPeering): void {
  if (!state.hasBgpSource(peering.remoteVnetId)) {
    fail(
      E.REMOTE_GATEWAY,
      `'${peering.remoteVnetId}' has no route server or gateway to use`,
      'useRemoteGateways',
    );
  }
  if (state.hasBgpSource(peering.localVnetId)) {
    fail(
      E.REMOTE_GATEWAY,
      `'${peering.localVnetId}' has its own route server or gateway and cannot use a remote one`,
      'useRemoteGateways',
    );
  }
  const other = state
    .peeringsFrom(peering.localVnetId)
    .find((p) => p.useRemoteGateways && p.id !== peering.id);
  if (other)
    fail(
      E.REMOTE_GATEWAY,
      `'${peering.localVnetId}' already uses remote gateways over peering '${other.id}'`,
      'useRemoteGateways',
    );
}

export interface NicInput {
  readonly id: string;
  readonly subnetId: string;
  readonly privateIpAddress: string;
}

/** Returns the canonical text of the NIC address once it passed every check. */
export function validateNic(state: NetworkState, input: NicInput): string {
  requireNew(state.nics.has(input.id), 'network interface', input.id);
  const subnet = requireSubnet(state, input.subnetId);
  if (subnet.name === ROUTE_SERVER_SUBNET || subnet.name === GATEWAY_SUBNET) {
    fail(E.SUBNET_RESERVED_FOR_SERVICE, `${subnet.name} cannot hold network interfaces`, 'subnetId');
  }
  const host = parseAddress(input.privateIpAddress);
  if (!host)
    return fail(E.INVALID_ADDRESS, `'${input.privateIpAddress}' is not an IP address`, 'privateIpAddress');
  if (!prefixContains(subnet.addressPrefix, host)) {
    fail(
      E.NIC_ADDRESS_OUTSIDE_SUBNET,
      `${input.privateIpAddress} is outside subnet ${formatPrefix(subnet.addressPrefix)}`,
      'privateIpAddress',
    );
  }
  if (isReservedInSubnet(subnet.addressPrefix, host)) {
    fail(
      E.NIC_ADDRESS_RESERVED,
      `${input.privateIpAddress} is reserved by Azure in ${formatPrefix(subnet.addressPrefix)}`,
      'privateIpAddress',
    );
  }
  const text = formatPrefix(host).replace(/\/\d+$/, '');
  const holder = state.nicsBySubnet.get(subnet.id)?.get(text);
  if (holder)
    fail(
      E.NIC_ADDRESS_IN_USE,
      `${text} is already used by network interface '${holder}'`,
      'privateIpAddress',
    );
  return text;
}

export function validateRouteServerAttach(state: NetworkState, id: string, vnetId: string): void {
  requireNew(state.routeServers.has(id), 'route server', id);
  requireVnet(state, vnetId);
  const present = state.routeServerIn(vnetId);
  if (present)
    fail(E.ROUTE_SERVER_PLACEMENT, `'${vnetId}' already has route server '${present.id}'`, 'vnetId');
  if (!state.subnets.has(`${vnetId}/subnets/${ROUTE_SERVER_SUBNET}`)) {
    fail(E.ROUTE_SERVER_PLACEMENT, `'${vnetId}' has no RouteServerSubnet`, 'vnetId');
  }
  const usesRemote = state.peeringsFrom(vnetId).find((p) => p.useRemoteGateways);
  if (usesRemote)
    fail(
      E.ROUTE_SERVER_PLACEMENT,
      `'${vnetId}' uses remote gateways over peering '${usesRemote.id}'`,
      'vnetId',
    );
}

export function validateRouteServerDetach(state: NetworkState, id: string): void {
  const rs = state.routeServers.get(id) ?? fail(E.NOT_FOUND, `route server '${id}' does not exist`, 'id');
  refuseLastRemoteGateway(state, rs.vnetId, id, `route server '${id}'`);
}

/**
 * A VNet whose gateways or route server a spoke uses (useRemoteGateways)
 * keeps at least one of them: the last cannot go while the peering does.
 */
function refuseLastRemoteGateway(state: NetworkState, vnetId: string, leaving: string, what: string): void {
  const others =
    (state.routeServerIn(vnetId) !== undefined && state.routeServerIn(vnetId)!.id !== leaving) ||
    state.gatewaysIn(vnetId).some((g) => g.id !== leaving);
  if (others) return;
  const user = state.peeringsTouching(vnetId).find((p) => p.remoteVnetId === vnetId && p.useRemoteGateways);
  if (user) fail(E.IN_USE, `peering '${user.id}' uses ${what} as remote gateway`, 'id');
}

export function validateGatewayAttach(state: NetworkState, placement: GatewayPlacement): void {
  requireNew(state.gateways.has(placement.id), 'virtual network gateway', placement.id);
  requireVnet(state, placement.vnetId);
  const usesRemote = state.peeringsFrom(placement.vnetId).find((p) => p.useRemoteGateways);
  if (usesRemote)
    fail(
      E.REMOTE_GATEWAY,
      `'${placement.vnetId}' uses remote gateways over peering '${usesRemote.id}'`,
      'vnetId',
    );
  for (const { address } of placement.instances) {
    if (parseAddress(address)?.family !== 4)
      fail(E.INVALID_ADDRESS, `gateway instance address '${address}' is not an IPv4 address`, 'instances');
  }
}

export function validateGatewayDetach(state: NetworkState, id: string): void {
  const gateway =
    state.gateways.get(id) ?? fail(E.NOT_FOUND, `virtual network gateway '${id}' does not exist`, 'id');
  refuseLastRemoteGateway(state, gateway.vnetId, id, `virtual network gateway '${id}'`);
}
