/**
 * The gateways' BGP speakers (docs/gateways.md, "BGP"): each gateway with a
 * BGP neighbour runs on the BGP runtime like a route server, two instances:
 * - a VPN gateway is AS 65515 on its two GatewaySubnet addresses and peers
 *   with each VPN site its BGP-enabled IPsec connections name
 *   (`bgpSettings.asn` at `bgpSettings.bgpPeeringAddress`);
 * - an ExpressRoute gateway speaks for Microsoft's edge: AS 12076 on the
 *   second address of the circuit peering's primary and secondary /30, peering
 *   with the on-prem router on the first (docs/azure-behaviour.md §4.1, §4.5).
 * Both advertise the address spaces the VNet's route server advertises (the
 * VNet's and the spokes' served through gateway transit), or the VNet's own
 * without a route server. What a gateway's instance learns reaches the VMs
 * through the VNet's route server binding, as one more source whose next hop
 * is that instance's GatewaySubnet address (source VirtualNetworkGateway,
 * docs/azure-behaviour.md §1.6); routes learned before the route server is
 * placed are kept and handed over when it is.
 *
 * `sync` compares what a gateway should run with what runs and asks the
 * runtime for the difference: new or removed peers are added or removed
 * (other sessions stay up); a changed address or ASN restarts the speaker.
 */
import {
  formatIpv4,
  formatPrefix,
  parsePrefix,
  prefixKey,
  type Prefix,
  type PrefixKey,
} from '../lib/prefix.js';
import type { RouteServerBinding } from '../sdn/index.js';
import {
  BgpRuntimeError,
  type BgpRuntime,
  type InjectedRoutes,
  type PeerSpec,
  type RouteServerRuntimeSpec,
} from '../runtime/index.js';
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

/** The VNet's route server binding, when a route server is placed in the gateway's VNet. */
function servingBinding(core: ServiceCore, gateway: GatewayRecord): RouteServerBinding | undefined {
  const subnet = core.index.get(gateway.body.subnetId, TYPES.subnet);
  const vnetKey = subnet === undefined ? undefined : idKey(subnet.parentId!);
  for (const config of core.index.ofType(TYPES.ipConfiguration)) {
    const hosting = core.index.get(config.body.subnetId, TYPES.subnet);
    if (hosting !== undefined && idKey(hosting.parentId!) === vnetKey)
      return core.model.routeServer(idKey(config.parentId!));
  }
  return undefined;
}

function vnetSpaces(core: ServiceCore, gateway: GatewayRecord): string[] {
  const binding = servingBinding(core, gateway);
  if (binding !== undefined) return binding.advertisedAddressSpaces().map(formatPrefix);
  const subnet = core.index.get(gateway.body.subnetId, TYPES.subnet);
  const vnet = subnet && core.index.get(subnet.parentId!, TYPES.virtualNetwork);
  return vnet === undefined ? [] : [...vnet.body.addressPrefixes];
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
  };
}

const sameSpeaker = (a: RouteServerRuntimeSpec, b: RouteServerRuntimeSpec) =>
  a.asn === b.asn && a.instances.every((instance, i) => instance.address === b.instances[i]?.address);

interface InstanceRoute {
  readonly prefix: Prefix;
  readonly nextHops: readonly string[];
}

interface Running {
  spec: RouteServerRuntimeSpec;
  /** GatewaySubnet address of each instance: the next hop of what it learned */
  nextHops: ReadonlyMap<string, string>;
  /** what each instance injects now, by prefix key */
  routes: Map<string, Map<PrefixKey, InstanceRoute>>;
  binding: RouteServerBinding | undefined;
  stopFollowing: (() => void) | undefined;
}

export class GatewaySpeakers {
  /** gateway id key → its running speaker */
  private readonly running = new Map<string, Running>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly core: ServiceCore,
    private readonly runtime: BgpRuntime,
  ) {
    this.unsubscribe = runtime.onInjectedRoutes((routes) => this.onInjected(routes));
  }

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

  /** A route server was placed or removed: every gateway re-reads the binding it feeds and its spaces. */
  rebind(): void {
    for (const [key, running] of this.running) {
      const gateway = this.core.index.get(running.spec.routeServerId, TYPES.virtualNetworkGateway);
      if (gateway === undefined) continue;
      this.attach(key, running, servingBinding(this.core, gateway));
      this.runtime
        .setAddressSpaces(running.spec.routeServerId, vnetSpaces(this.core, gateway))
        .catch((e: unknown) => {
          this.core.reportEffectError(e);
        });
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
    const nextHops = new Map(
      INSTANCE_IDS.map((instance, i) => [instance, gateway.body.instanceAddresses[i]!]),
    );
    const running: Running = {
      spec,
      nextHops,
      routes: new Map(),
      binding: undefined,
      stopFollowing: undefined,
    };
    this.running.set(key, running);
    this.attach(key, running, servingBinding(this.core, gateway));
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
    this.attach(key, running, undefined);
    await this.runtime.stopRouteServer(running.spec.routeServerId);
  }

  /** Moves what the gateway's instances inject from the binding they fed to `binding`. */
  private attach(key: string, running: Running, binding: RouteServerBinding | undefined): void {
    if (running.binding === binding) return;
    for (const [instance, routes] of running.routes) {
      const slot = `${key}#${instance}`;
      const values = [...routes.values()];
      running.binding?.applyInjectedRoutes(
        slot,
        values.map((r) => ({ prefix: r.prefix, route: null })),
      );
      binding?.applyInjectedRoutes(
        slot,
        values.map((r) => ({ prefix: r.prefix, route: { nextHops: r.nextHops } })),
      );
    }
    running.stopFollowing?.();
    running.binding = binding;
    running.stopFollowing = binding?.onAddressSpacesChanged(() => {
      const spaces = binding.advertisedAddressSpaces().map(formatPrefix);
      this.runtime.setAddressSpaces(running.spec.routeServerId, spaces).catch((e: unknown) => {
        this.core.reportEffectError(e);
      });
    });
  }

  private onInjected({ routeServerId, instance, changes, withdrawAll }: InjectedRoutes): void {
    const key = idKey(routeServerId);
    const running = this.running.get(key);
    if (running === undefined) return;
    const hop = running.nextHops.get(instance);
    if (hop === undefined) return;
    let routes = running.routes.get(instance);
    if (routes === undefined) running.routes.set(instance, (routes = new Map<PrefixKey, InstanceRoute>()));
    const applied: { prefix: Prefix; route: { nextHops: readonly string[] } | null }[] = [];
    if (withdrawAll === true) {
      for (const route of routes.values()) applied.push({ prefix: route.prefix, route: null });
      routes.clear();
    }
    for (const change of changes) {
      const prefixId = prefixKey(change.prefix);
      if (change.route === null) {
        routes.delete(prefixId);
        applied.push({ prefix: change.prefix, route: null });
      } else {
        const route = { prefix: change.prefix, nextHops: [hop] };
        routes.set(prefixId, route);
        applied.push({ prefix: change.prefix, route: { nextHops: route.nextHops } });
      }
    }
    running.binding?.applyInjectedRoutes(`${key}#${instance}`, applied);
  }

  close(): void {
    this.unsubscribe();
    for (const running of this.running.values()) running.stopFollowing?.();
    this.running.clear();
  }
}
