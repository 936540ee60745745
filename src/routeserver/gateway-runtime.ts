/**
 * The gateways' BGP speakers (docs/gateways.md, "BGP"): each gateway with a
 * BGP neighbour runs on the BGP runtime like a route server, two instances:
 * - a VPN gateway is AS 65515 on its two GatewaySubnet addresses and peers
 *   with each VPN site its BGP-enabled IPsec connections name
 *   (`bgpSettings.asn` at `bgpSettings.bgpPeeringAddress`);
 * - an ExpressRoute gateway speaks for Microsoft's edge: AS 12076 on the
 *   second address of the circuit peering's primary and secondary /30, peering
 *   with the on-prem router on the first (docs/azure-behaviour.md §4.1, §4.5).
 * Both advertise the VNet's address spaces and the spokes' that use its
 * gateways or route server (gateway transit): the route server's when there
 * is one, else the gateways' own view of the VNet (src/sdn/gateway-input.ts).
 *
 * What a gateway's engines inject reaches the VMs through the gateway's
 * binding in the virtual network model (runtime-link.ts): next hop the
 * instance's GatewaySubnet address, source VirtualNetworkGateway, with or
 * without a route server in the VNet (docs/gateways.md, "Gateway routes in
 * the VNet").
 *
 * With a route server in the VNet, each instance of the gateway is linked
 * internally with each instance of the route server (four links,
 * src/rib/internal-link.ts; docs/azure-behaviour.md §4.1: always peered).
 * The route server's engine learns what the gateway learned, NEXT_HOP the
 * gateway instance's GatewaySubnet address, and decides between gateway and
 * NVA routes by hub routing preference (src/rib/decision.ts); what reaches
 * the VMs is its decision for every prefix it has (source
 * VirtualNetworkGateway, docs/azure-behaviour.md §1.6), the gateways' own
 * routes for the others (src/sdn/bgp-sources.ts). Branch-to-branch decides
 * what crosses to the NVAs and to the other gateway
 * (src/policy/export-rules.ts).
 *
 * `sync` compares what a gateway should run with what runs and asks the
 * runtime for the difference: new or removed peers are added or removed
 * (other sessions stay up); a changed address or ASN restarts the speaker.
 */
import { formatIpv4, formatPrefix, parsePrefix } from '../lib/prefix.js';
import type { GatewayBinding, RouteServerBinding } from '../sdn/index.js';
import {
  BgpRuntimeError,
  type BgpRuntime,
  type InternalLinkSpec,
  type PeerSpec,
  type RouteServerRuntimeSpec,
} from '../runtime/index.js';
import { instanceAddresses } from './views.js';
import type { ServiceCore } from './core.js';
import { idKey, TYPES } from './ids.js';
import type { Stored } from './records.js';
import { INSTANCE_IDS, ROUTE_SERVER_ASN, type SessionState } from './types.js';

/** Microsoft's edge ASN, as on-prem sees it through ExpressRoute (docs/azure-behaviour.md §4.1). */
export const MICROSOFT_EDGE_ASN = 12076;

type GatewayRecord = Stored<typeof TYPES.virtualNetworkGateway>;

/** The first two usable addresses of an IPv4 /30: the on-prem router's and the edge's (§4.5). */
export function peeringAddresses(slash30: string): { peer: string; edge: string } {
  const prefix = parsePrefix(slash30);
  if (prefix.family !== 4) throw new Error(`${slash30} is not an IPv4 prefix`);
  return { peer: formatIpv4(prefix.address + 1), edge: formatIpv4(prefix.address + 2) };
}

/** The route server placed in the gateway's VNet: its id and its instances' addresses. */
function servingRouteServer(
  core: ServiceCore,
  gateway: GatewayRecord,
): { id: string; addresses: string[] } | undefined {
  const subnet = core.index.get(gateway.body.subnetId, TYPES.subnet);
  const vnetKey = subnet === undefined ? undefined : idKey(subnet.parentId!);
  for (const config of core.index.ofType(TYPES.ipConfiguration)) {
    const hosting = core.index.get(config.body.subnetId, TYPES.subnet);
    if (hosting !== undefined && idKey(hosting.parentId!) === vnetKey)
      return { id: config.parentId!, addresses: instanceAddresses(hosting.body.addressPrefix) };
  }
  return undefined;
}

/** The VNet's route server binding, when a route server is placed in the gateway's VNet. */
function servingBinding(core: ServiceCore, gateway: GatewayRecord): RouteServerBinding | undefined {
  const routeServer = servingRouteServer(core, gateway);
  return routeServer && core.model.routeServer(idKey(routeServer.id));
}

/**
 * The internal links of a gateway with its VNet's route server (running in
 * the runtime): each gateway instance with each route-server instance.
 */
function internalLinks(core: ServiceCore, gateway: GatewayRecord): InternalLinkSpec[] {
  const routeServer = servingRouteServer(core, gateway);
  if (routeServer === undefined || !core.running.has(idKey(routeServer.id))) return [];
  const type = gateway.body.gatewayType;
  const links: InternalLinkSpec[] = [];
  INSTANCE_IDS.forEach((gatewayInstance, g) => {
    INSTANCE_IDS.forEach((serverInstance, r) => {
      const gatewayAddress = gateway.body.instanceAddresses[g];
      const serverAddress = routeServer.addresses[r];
      if (gatewayAddress === undefined || serverAddress === undefined) return;
      links.push({
        linkId: `${idKey(gateway.id)}#${gatewayInstance}~${idKey(routeServer.id)}#${serverInstance}`,
        ends: [
          {
            routeServerId: routeServer.id,
            instance: serverInstance,
            peer: {
              address: gatewayAddress,
              asn: ROUTE_SERVER_ASN,
              kind: 'gateway',
              gateway: { id: idKey(gateway.id), type },
            },
          },
          {
            routeServerId: gateway.id,
            instance: gatewayInstance,
            peer: { address: serverAddress, asn: ROUTE_SERVER_ASN, kind: 'route-server' },
          },
        ],
      });
    });
  });
  return links;
}

/** What tells a gateway's speaker the spaces to advertise: the route server's binding, else the gateway's own. */
type SpacesSource = RouteServerBinding | GatewayBinding;

function spacesSource(core: ServiceCore, gateway: GatewayRecord): SpacesSource | undefined {
  return servingBinding(core, gateway) ?? core.model.gateway(idKey(gateway.id));
}

function vnetSpaces(core: ServiceCore, gateway: GatewayRecord): string[] {
  return spacesSource(core, gateway)?.advertisedAddressSpaces().map(formatPrefix) ?? [];
}

/** The on-prem routers a gateway peers with, one per BGP-enabled connection (by connection id). */
function gatewayPeers(core: ServiceCore, gateway: GatewayRecord): PeerSpec[] {
  const peers: PeerSpec[] = [];
  for (const connection of core.index.ofType(TYPES.connection)) {
    if (idKey(connection.body.virtualNetworkGatewayId) !== idKey(gateway.id)) continue;
    if (connection.body.localNetworkGatewayId !== null) {
      const site = core.index.get(connection.body.localNetworkGatewayId, TYPES.localNetworkGateway);
      const bgp = site?.body.bgpSettings;
      if (!connection.body.enableBgp || bgp === undefined || bgp === null) continue;
      peers.push({ connectionId: connection.id, peerIp: bgp.bgpPeeringAddress, peerAsn: bgp.asn });
    } else if (connection.body.circuitId !== null) {
      const peering = core.index.childrenOf(connection.body.circuitId, TYPES.circuitPeering)[0];
      if (peering === undefined) continue;
      const { primaryPeerAddressPrefix: primary, secondaryPeerAddressPrefix: secondary } = peering.body;
      peers.push(
        {
          connectionId: connection.id,
          peerIp: peeringAddresses(primary).peer,
          peerAsn: peering.body.peerAsn,
        },
        {
          connectionId: `${connection.id}#secondary`,
          peerIp: peeringAddresses(secondary).peer,
          peerAsn: peering.body.peerAsn,
        },
      );
    }
  }
  return peers;
}

/** What the gateway's speaker runs: undefined when it has no BGP neighbour (then nothing runs). */
function gatewaySpec(core: ServiceCore, gateway: GatewayRecord): RouteServerRuntimeSpec | undefined {
  const peers = gatewayPeers(core, gateway);
  if (peers.length === 0) return undefined;
  let asn = ROUTE_SERVER_ASN;
  let addresses: readonly string[] = gateway.body.instanceAddresses;
  if (gateway.body.gatewayType === 'ExpressRoute') {
    const connection = core.index
      .ofType(TYPES.connection)
      .find((c) => idKey(c.body.virtualNetworkGatewayId) === idKey(gateway.id) && c.body.circuitId !== null)!;
    const peering = core.index.childrenOf(connection.body.circuitId!, TYPES.circuitPeering)[0]!;
    asn = MICROSOFT_EDGE_ASN;
    addresses = [
      peeringAddresses(peering.body.primaryPeerAddressPrefix).edge,
      peeringAddresses(peering.body.secondaryPeerAddressPrefix).edge,
    ];
  }
  return {
    routeServerId: gateway.id,
    asn,
    instances: INSTANCE_IDS.map((instance, i) => ({ instance, address: addresses[i]! })),
    addressSpaces: vnetSpaces(core, gateway),
    peers,
    settings: {
      allowBranchToBranchTraffic: false,
      hubRoutingPreference: 'ExpressRoute',
      maxRoutesPerPeer: core.limits.maxRoutesPerPeer,
    },
    gateway: { type: gateway.body.gatewayType, nextHops: gateway.body.instanceAddresses },
  };
}

const sameSpeaker = (a: RouteServerRuntimeSpec, b: RouteServerRuntimeSpec) =>
  a.asn === b.asn && a.instances.every((instance, i) => instance.address === b.instances[i]?.address);

interface Running {
  spec: RouteServerRuntimeSpec;
  /** the internal links up with the route server, by id */
  links: Map<string, InternalLinkSpec>;
  binding: SpacesSource | undefined;
  stopFollowing: (() => void) | undefined;
}

const sameLink = (a: InternalLinkSpec, b: InternalLinkSpec) => JSON.stringify(a) === JSON.stringify(b);

export class GatewaySpeakers {
  /** gateway id key → its running speaker */
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly core: ServiceCore,
    private readonly runtime: BgpRuntime,
  ) {}

  /** Brings the gateway's speaker to what its records say (stopping it when it has no neighbour left). */
  async sync(gatewayId: string): Promise<void> {
    const key = idKey(gatewayId);
    const gateway = this.core.index.get(gatewayId, TYPES.virtualNetworkGateway);
    const spec = gateway === undefined ? undefined : gatewaySpec(this.core, gateway);
    const current = this.running.get(key);
    if (current !== undefined && (spec === undefined || !sameSpeaker(current.spec, spec))) {
      await this.stop(key);
    }
    if (spec === undefined) return;
    const now = this.running.get(key);
    if (now === undefined) {
      await this.start(key, gateway!, spec);
      await this.syncLinks(key);
      return;
    }
    const before = new Map(now.spec.peers.map((p) => [p.connectionId, p]));
    const after = new Map(spec.peers.map((p) => [p.connectionId, p]));
    now.spec = spec;
    for (const [id, peer] of after) {
      const old = before.get(id);
      if (old === undefined) await this.runtime.addPeer(spec.routeServerId, peer);
      else if (old.peerIp !== peer.peerIp || old.peerAsn !== peer.peerAsn)
        await this.runtime.updatePeer(spec.routeServerId, peer);
    }
    for (const id of before.keys()) if (!after.has(id)) await this.runtime.removePeer(spec.routeServerId, id);
  }

  /** A route server was placed or removed: every gateway re-reads its links and the spaces it advertises. */
  rebind(): void {
    for (const [key, running] of this.running) {
      const gateway = this.core.index.get(running.spec.routeServerId, TYPES.virtualNetworkGateway);
      if (gateway === undefined) continue;
      this.attach(running, spacesSource(this.core, gateway));
      this.runtime
        .setAddressSpaces(running.spec.routeServerId, vnetSpaces(this.core, gateway))
        .catch((e: unknown) => {
          this.core.reportEffectError(e);
        });
      this.syncLinks(key).catch((e: unknown) => {
        this.core.reportEffectError(e);
      });
    }
  }

  /** Connects the links the gateway should have with its VNet's route server, disconnects the others. */
  private async syncLinks(key: string): Promise<void> {
    const running = this.running.get(key);
    const connect = this.runtime.connectInternal?.bind(this.runtime);
    const disconnect = this.runtime.disconnectInternal?.bind(this.runtime);
    if (running === undefined || connect === undefined || disconnect === undefined) return;
    const gateway = this.core.index.get(running.spec.routeServerId, TYPES.virtualNetworkGateway);
    const wanted = new Map(
      (gateway === undefined ? [] : internalLinks(this.core, gateway)).map((link) => [link.linkId, link]),
    );
    for (const [id, link] of [...running.links]) {
      const next = wanted.get(id);
      if (next !== undefined && sameLink(link, next)) continue;
      running.links.delete(id);
      await disconnect(id);
    }
    for (const [id, link] of wanted) {
      if (running.links.has(id)) continue;
      running.links.set(id, link);
      await connect(link);
    }
  }

  /** The combined state of the sessions for a connection, `Unknown` while no speaker runs it. */
  connectionStatus(
    gatewayId: string,
    connectionId: string,
  ): 'Unknown' | 'Connecting' | 'Connected' | 'NotConnected' {
    const running = this.running.get(idKey(gatewayId));
    if (running === undefined) return 'Unknown';
    const states: SessionState[] = running.spec.peers
      .filter((p) => p.connectionId === connectionId || p.connectionId.startsWith(`${connectionId}#`))
      .flatMap((p) =>
        this.runtime.sessionStates(running.spec.routeServerId, p.connectionId).map((s) => s.state),
      );
    if (states.length === 0) return 'Unknown';
    if (states.some((s) => s === 'Established')) return 'Connected';
    if (states.every((s) => s === 'Idle')) return 'NotConnected';
    return 'Connecting';
  }

  private async start(key: string, gateway: GatewayRecord, spec: RouteServerRuntimeSpec): Promise<void> {
    const running: Running = { spec, links: new Map(), binding: undefined, stopFollowing: undefined };
    this.running.set(key, running);
    this.attach(running, spacesSource(this.core, gateway));
    const outcome = await this.runtime.startRouteServer(spec, { tolerateBindFailure: true });
    if (!outcome.running) {
      this.running.delete(key);
      running.stopFollowing?.();
      this.core.reportEffectError(new BgpRuntimeError(outcome.error.code, outcome.error.message));
    }
  }

  private async stop(key: string): Promise<void> {
    const running = this.running.get(key)!;
    this.running.delete(key);
    this.attach(running, undefined);
    for (const id of running.links.keys()) await this.runtime.disconnectInternal?.(id);
    await this.runtime.stopRouteServer(running.spec.routeServerId);
  }

  /** Follows the address spaces of the route server binding of the gateway's VNet, or of the gateway's own. */
  private attach(running: Running, binding: SpacesSource | undefined): void {
    if (running.binding === binding) return;
    running.stopFollowing?.();
    running.binding = binding;
    running.stopFollowing = binding?.onAddressSpacesChanged(() => {
      const spaces = binding.advertisedAddressSpaces().map(formatPrefix);
      this.runtime.setAddressSpaces(running.spec.routeServerId, spaces).catch((e: unknown) => {
        this.core.reportEffectError(e);
      });
    });
  }

  close(): void {
    for (const running of this.running.values()) running.stopFollowing?.();
    this.running.clear();
  }
}
