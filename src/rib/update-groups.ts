/**
 * The export side of one route engine: its update groups, one per export
 * policy and outbound route map (src/rib/update-group.ts; peers that share
 * both share one journal), and the VNet's own routes it advertises, the
 * address spaces (docs/azure-behaviour.md §3.3).
 *
 * - A Loc-RIB change is offered once per group, whatever the number of its
 *   peers (`offer`); a prefix of an address space is the VNet's own and is
 *   not offered from the Loc-RIB.
 * - Each slice flushes the groups' journals and pumps their members
 *   (src/rib/adj-rib-out.ts) a fair share each (`flush`), then closes the
 *   sessions of members more than `outputLagLimit` journal bytes behind
 *   (src/rib/session-close.ts).
 * - A new group exports every prefix, in slices (`join`); a change of the
 *   export context re-exports every prefix to every group (only the
 *   differences are sent).
 */
import type { PathAttributes } from '../bgp/codec/index.js';
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import { prefixKey } from '../lib/prefix.js';
import { PrefixMap } from '../lib/prefix-map.js';
import type { CompiledRouteMap, EngineRole } from '../policy/index.js';
import { AdjRibOut } from './adj-rib-out.js';
import type { SendResult } from './adj-rib-out.js';
import type { RibEvent } from './events.js';
import type { Exporter, GroupPolicy, RouteExport } from './exporter.js';
import type { LocRib, LocRibEntry } from './loc-rib.js';
import { bestOf } from './loc-rib.js';
import type { PeerId, PeerInfo, PeerState } from './peer.js';
import type { InstanceId, PeerOutput } from './ports.js';
import { OutboundRouteMap } from './route-map-out.js';
import { markAllWalk } from './slices.js';
import type { SliceScheduler } from './slices.js';
import { groupKeyOf, UpdateGroup } from './update-group.js';

/** What the groups count of what they send (the engine's counters). */
interface ExportCounters {
  updatesSent: number;
  prefixesAdvertised: number;
  prefixesWithdrawnSent: number;
  endOfRibSent: number;
}

interface UpdateGroupsOptions {
  readonly instance: InstanceId;
  readonly role: EngineRole;
  /** an ExpressRoute gateway's speaker: routes advertised to on-prem at most (docs/azure-behaviour.md §4.2) */
  readonly expressRouteLimit: number;
  /** prefixes flushed per slice */
  readonly sliceSize: number;
  readonly outputLagLimit: number;
  readonly counters: ExportCounters;
  readonly locRib: LocRib;
  readonly exporter: Exporter;
  readonly slices: SliceScheduler;
  /** the kind of the peer's current session, if it has one */
  readonly peerKind: (peer: PeerId) => PeerInfo['kind'] | undefined;
  /** a member fell more than `outputLagLimit` journal bytes behind: its session is to be closed */
  readonly outputLagExceeded: (member: AdjRibOut, lag: number) => void;
  /** schedules a slice (a member's session drained) */
  readonly schedule: () => void;
  /** the engine's events (End-of-RIB sent) */
  readonly publishEvent: (event: RibEvent) => void;
}

export class UpdateGroups {
  private readonly groups = new Map<string, UpdateGroup>();
  /** the groups as an array, for the per-prefix `offer` */
  private list: readonly UpdateGroup[] = [];
  /** the advertised address spaces: the VNet's own routes */
  private addressSpaces = new PrefixMap<Prefix>();

  constructor(private readonly options: UpdateGroupsOptions) {}

  /** True for a prefix of an advertised address space (the VNet's own route, exported as such). */
  isAddressSpace(key: PrefixKey): boolean {
    return this.addressSpaces.has(key);
  }

  /** Sets the advertised address spaces; the groups re-export the spaces that came or went. */
  setAddressSpaces(spaces: readonly Prefix[]): void {
    const previous = this.addressSpaces;
    const next = new PrefixMap<Prefix>();
    for (const prefix of spaces) next.set(prefixKey(prefix), prefix);
    this.addressSpaces = next;
    const touched: PrefixKey[] = [];
    for (const key of previous.keys()) if (!next.has(key)) touched.push(key);
    for (const key of next.keys()) if (!previous.has(key)) touched.push(key);
    for (const group of this.list) for (const key of touched) group.dirty.add(key);
  }

  /** Makes `peer` a member of the group for its export policy and outbound route map. */
  join(peer: PeerId, info: PeerInfo, output: PeerOutput, routeMap?: CompiledRouteMap): AdjRibOut {
    const group = this.groupFor(info, routeMap);
    const member = new AdjRibOut(peer, output, group, this.options.schedule);
    group.members.set(peer, member);
    return member;
  }

  /**
   * Moves a member to the group of its new outbound route map once it has
   * read its current group's journal; the new group starts from what the
   * old one advertised to it, so only the differences are sent.
   */
  move(state: PeerState, member: AdjRibOut, routeMap: CompiledRouteMap | undefined): void {
    const previous = member.group;
    // the old group's table: its own when it empties, else a copy (it goes on changing for the others)
    const advertised = previous.members.size > 1 ? [...previous.sent.entries()] : previous.sent;
    this.leave(state);
    const group = this.groupFor(state.info, routeMap);
    state.out = new AdjRibOut(state.id, member.output, group, this.options.schedule, { advertised });
    group.members.set(state.id, state.out);
  }

  /** The peer leaves its group (a group without members is dropped). */
  leave(peer: PeerState): void {
    const group = peer.out?.group;
    peer.out = undefined;
    if (!group || group.members.get(peer.id) === undefined) return;
    group.members.delete(peer.id);
    if (group.members.size > 0) {
      group.trim();
      return;
    }
    this.groups.delete(group.key);
    this.list = [...this.groups.values()];
  }

  /**
   * The update group for the peer's export policy and outbound route map
   * (peers with different maps never share one); a new group exports the
   * whole Loc-RIB.
   */
  private groupFor(info: PeerInfo, routeMap: CompiledRouteMap | undefined): UpdateGroup {
    const policy = {
      context: info.capabilities.context,
      ipv6Unicast: info.capabilities.ipv6Unicast ?? false,
      target: {
        peer: '',
        kind: info.kind ?? 'nva',
        ...(info.gateway !== undefined ? { gateway: info.gateway.id } : {}),
      },
    };
    const key = groupKeyOf(policy) + (routeMap ? `|route-map:${routeMap.fingerprint}` : '');
    let group = this.groups.get(key);
    if (!group) {
      const created = (group = new UpdateGroup(key, policy));
      if (routeMap)
        group.routeMap = new OutboundRouteMap(
          routeMap,
          (best, attributes) => this.options.exporter.encodeChanged(policy, best, attributes),
          (summary) => created.dirty.add(summary),
        );
      if (this.options.role === 'expressroute-gateway' && policy.target.kind === 'nva') {
        group.ceiling = {
          limit: this.options.expressRouteLimit,
          counts: (source) => source === undefined || this.options.peerKind(source) === 'route-server',
        };
      }
      this.groups.set(key, group);
      this.list = [...this.groups.values()];
      this.fill(group);
    }
    return group;
  }

  /** Marks every prefix (address spaces, then the Loc-RIB) for export by a new group. */
  private fill(group: UpdateGroup): void {
    for (const key of this.addressSpaces.keys()) group.dirty.add(key);
    const isCurrent = () => this.groups.get(group.key) === group;
    const keys = this.options.locRib.entries.keys();
    this.options.slices.addWalk(markAllWalk(group, keys, isCurrent, () => (group.filled = true)));
  }

  /** Marks every Loc-RIB prefix for re-export by every group (only differences are sent). */
  reexportAll(): void {
    for (const group of this.list) {
      const isCurrent = () => this.groups.get(group.key) === group;
      this.options.slices.addWalk(markAllWalk(group, this.options.locRib.entries.keys(), isCurrent));
    }
  }

  /** A Loc-RIB change: one offer per update group, whatever the number of peers in it. */
  offer(key: PrefixKey, before: LocRibEntry | undefined, after: LocRibEntry | undefined): void {
    if (this.list.length === 0 || this.addressSpaces.has(key)) return;
    const oldBest = before && bestOf(before);
    const newBest = after && bestOf(after);
    if (oldBest === newBest) return;
    for (const group of this.list) {
      // Straight into the batch unless earlier changes wait in the dirty set.
      if (group.dirty.size === 0 && group.routeMap === undefined)
        group.offer(key, after && this.options.exporter.bestPath(group.policy, key, after));
      else group.dirty.add(key);
    }
  }

  /** Flushes every group to its members, then closes the sessions of members too far behind. */
  flush(): void {
    const { sliceSize } = this.options;
    for (const group of this.groups.values()) {
      if (group.hasWork) group.flush(sliceSize, (key) => this.exportFor(group, key));
      const busy = [...group.members.values()].filter((member) => member.hasWork);
      const share = Math.max(1024, Math.floor(sliceSize / Math.max(1, busy.length)));
      for (const member of busy) this.count(member, member.pump(share));
      this.closeLaggards(group);
      group.trim();
    }
  }

  /** Closes the sessions of members more than `outputLagLimit` journal bytes behind. */
  private closeLaggards(group: UpdateGroup): void {
    const limit = this.options.outputLagLimit;
    if (group.journalBytes <= limit) return;
    for (const member of [...group.members.values()]) {
      const lag = group.lagOf(member.position);
      if (lag > limit) this.options.outputLagExceeded(member, lag);
    }
  }

  private count(member: AdjRibOut, result: SendResult): void {
    const counters = this.options.counters;
    counters.updatesSent += result.messages;
    counters.prefixesAdvertised += result.announced;
    counters.prefixesWithdrawnSent += result.withdrawn;
    if (!result.endOfRib) return;
    counters.endOfRibSent++;
    this.options.publishEvent({
      type: 'end-of-rib-sent',
      instance: this.options.instance,
      peer: member.peer,
      routes: member.advertisedCount,
    });
  }

  /** What a group should advertise for `key` now: the VNet's own route, or the best path if export allows. */
  private exportFor(group: UpdateGroup, key: PrefixKey): RouteExport | undefined {
    const { exporter, locRib } = this.options;
    if (this.addressSpaces.has(key)) return exporter.addressSpace(group.policy, key);
    const entry = locRib.get(key);
    const exported = entry && exporter.bestPath(group.policy, key, entry);
    return group.routeMap ? group.routeMap.exportOf(key, exported, entry && bestOf(entry)) : exported;
  }

  /** The Loc-RIB routes a group of `policy` advertises (without a map) to `peer`, as the route server learned them. */
  *bestPathsFor(peer: PeerId, policy: GroupPolicy): Generator<[PrefixKey, PathAttributes]> {
    const { exporter, locRib } = this.options;
    for (const [key, entry] of locRib.entries) {
      if (this.addressSpaces.has(key)) continue;
      const exported = exporter.bestPath(policy, key, entry);
      if (exported === undefined || exported.source === peer) continue;
      yield [key, bestOf(entry).attributes.attributes];
    }
  }

  /** Encoded UPDATEs held for peers that have not read them yet (every group's journal). */
  get journalBytes(): number {
    let bytes = 0;
    for (const group of this.list) bytes += group.journalBytes;
    return bytes;
  }

  /** A group or one of its members has something to send. */
  get hasWork(): boolean {
    for (const group of this.list) {
      if (group.hasWork) return true;
      for (const member of group.members.values()) if (member.hasWork) return true;
    }
    return false;
  }
}
