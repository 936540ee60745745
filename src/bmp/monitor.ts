/**
 * What one collector is told of one monitored router (a route-server or
 * gateway instance), RFC 7854 §5: on connect, Initiation, a Peer Up per
 * Established session and a dump of each one's Adj-RIB-In, pre-policy and
 * post-policy (L flag), each followed by End-of-RIB; then live changes,
 * Peer Up and Peer Down as sessions come and go, and Statistics Reports.
 *
 * - Live changes arrive per prefix from the route engine's Adj-RIB-In
 *   observer (src/rib/ports.ts) inside a slice; they are logged per peer in
 *   order, as runs of prefixes with the same route (an UPDATE's prefixes
 *   make one run), and sent when the slice ends (a microtask), each run as
 *   UPDATEs with the BGP codec's UpdateBuilder, 4-octet AS (A flag clear).
 *   Where post-policy equals pre-policy (every change accepted, or the
 *   withdrawal of an accepted route), the UPDATEs are encoded once and
 *   framed under both per-peer headers; so is a dump slice whose routes were
 *   all accepted.
 * - Post-policy: the routes the import rules accepted
 *   (docs/azure-behaviour.md §3: not 65515 in the AS path, …); a route
 *   replaced by a rejected one, or withdrawn, is withdrawn post-policy.
 * - The dump reads each table through an iterator, a slice at a time
 *   (`DUMP_SLICE` prefixes, or the output's `dumpSliceBytes`, per event-loop
 *   turn) and waits while the collector's connection is backlogged. Changes during the dump are sent
 *   as they happen: the dump reads the table as it is when it gets there,
 *   so what the collector holds at the end is the table.
 * - Without a collector (not connected, or out of sync after a drop) the
 *   monitor does nothing per change; the next `collectorUp` starts over.
 */
import { Afi, Safi, UpdateBuilder, encodeAttributes } from '../bgp/codec/index.js';
import type { CodecContext } from '../bgp/codec/index.js';
import type { Ipv6Prefix, PrefixKey } from '../lib/prefix.js';
import { parsePrefix } from '../lib/prefix.js';
import type { AdjRibInObserver, AdjRibInRoute } from '../rib/index.js';
import { BmpStatisticType } from './iana.js';
import {
  encodeInitiation,
  encodePeerDown,
  encodePeerUp,
  encodeStatisticsReport,
  frameRouteMonitoringChunks,
} from './messages.js';
import type { PeerDownCause, PeerHeader, PeerUpInfo } from './messages.js';

/** Route monitoring is encoded with 4-octet AS numbers, without ADD-PATH, at most 4,096 octets per UPDATE. */
const BMP_CONTEXT: CodecContext = {
  fourOctetAs: true,
  extendedMessage: false,
  addPathReceive: new Set(),
  addPathSend: new Set(),
};

/** Prefixes of a table dump per event-loop turn. */
const DUMP_SLICE = 8192;

/** An Established session as the monitor reports it. */
export interface MonitoredSession extends PeerUpInfo {
  /** the peer's id in the route engine (its configured address) */
  readonly peer: string;
  readonly address: string;
  readonly asn: number;
  readonly bgpId: number;
  /** when the session reached Established */
  readonly upAtMs: number;
}

/** What the monitor reads of the route engine (RouteEngine implements it). */
export interface MonitoredTables {
  adjRibIn(peer: string): Iterator<[PrefixKey, AdjRibInRoute]>;
  peerCounters(peer: string): { readonly received: number; readonly accepted: number } | undefined;
}

/** The collector's connection as the monitor sees it. */
export interface BmpOutput {
  /** buffers of whole BMP messages, in order; a connection that cannot hold them drops them (and calls `collectorDown`) */
  send(messages: readonly Buffer[]): void;
  /** above the mark where a dump waits */
  readonly backlogged: boolean;
  /** about how many bytes one dump slice may produce (well below what the connection buffers) */
  readonly dumpSliceBytes: number;
  /** calls back once when no longer backlogged */
  onDrain(callback: () => void): void;
}

interface BmpMonitorOptions {
  readonly tables: MonitoredTables;
  readonly sysName: string;
  readonly sysDescr: string;
  readonly now?: () => number;
  /** runs a dump slice later; default setImmediate */
  readonly schedule?: (task: () => void) => void;
}

/** Route Monitoring and UPDATE headers around each attribute block, about */
const MESSAGE_OVERHEAD = 48 + 23;

/** A dump slice of one peer, grouped for encoding: per attribute set, IPv4 keys and IPv6 prefixes. */
class RouteGroups {
  readonly announced = new Map<AdjRibInRoute, { v4: number[]; v6: Ipv6Prefix[] }>();
  size = 0;
  /** what encoding them will write, about (the first message of each attribute set; NLRI) */
  bytes = 0;

  announce(route: AdjRibInRoute, key: PrefixKey, blockLength = 0): void {
    let group = this.announced.get(route);
    if (group === undefined) {
      this.announced.set(route, (group = { v4: [], v6: [] }));
      this.bytes += blockLength + MESSAGE_OVERHEAD;
    }
    if (typeof key === 'number') group.v4.push(key);
    else group.v6.push(parsePrefix(key) as Ipv6Prefix);
    this.size++;
    this.bytes += typeof key === 'number' ? 5 : 17;
  }
}

/**
 * A peer's changes since the last flush, in arrival order, as runs of
 * consecutive prefixes with the same route (null: withdrawn). Each run
 * becomes UPDATEs of its own, sent in order, so a prefix changed twice ends
 * as it ended here, without a map per prefix.
 */
class ChangeLog {
  readonly keys: PrefixKey[] = [];
  readonly routes: (AdjRibInRoute | null)[] = [];
  /** where each run ends in `keys` */
  readonly ends: number[] = [];

  copy(): ChangeLog {
    const log = new ChangeLog();
    log.keys.push(...this.keys);
    log.routes.push(...this.routes);
    log.ends.push(...this.ends);
    return log;
  }

  add(route: AdjRibInRoute | null, key: PrefixKey): void {
    const last = this.routes.length - 1;
    if (last < 0 || this.routes[last] !== route) {
      this.routes.push(route);
      this.ends.push(this.keys.length + 1);
    } else this.ends[last]!++;
    this.keys.push(key);
  }
}

/**
 * A peer's pending changes: pre-policy, and post-policy only where it differs.
 * While every change is an accepted route or the withdrawal of one (the
 * common case), the post-policy log would equal the pre-policy one: it is
 * not kept, and the same UPDATE bytes go out under both per-peer headers.
 */
interface PendingChanges {
  readonly pre: ChangeLog;
  /** undefined: the same as `pre` */
  post: ChangeLog | undefined;
}

interface Dump {
  readonly peer: string;
  readonly routes: Iterator<[PrefixKey, AdjRibInRoute]>;
}

export class BmpMonitor implements AdjRibInObserver {
  private readonly sessions = new Map<string, MonitoredSession>();
  private output: BmpOutput | undefined;
  private pending = new Map<string, PendingChanges>();
  /** the last peer a change came for, and its log (changes come in runs per peer) */
  private lastPeer: string | undefined;
  private lastChanges: PendingChanges | undefined;
  private flushQueued = false;
  private dumps: Dump[] = [];
  private dumpScheduled = false;
  /** bumps on every collectorUp/Down: a dump slice of an earlier connection stops */
  private generation = 0;
  private readonly builder = new UpdateBuilder(BMP_CONTEXT);
  private readonly blocks = new WeakMap<AdjRibInRoute, Uint8Array>();
  private readonly now: () => number;
  private readonly schedule: (task: () => void) => void;

  constructor(private readonly options: BmpMonitorOptions) {
    this.now = options.now ?? Date.now;
    this.schedule = options.schedule ?? ((task) => setImmediate(task));
  }

  /** A collector connected (again): Initiation, every session's Peer Up, then the dump. */
  collectorUp(output: BmpOutput): void {
    this.generation++;
    this.output = output;
    this.pending.clear();
    this.lastPeer = undefined;
    this.lastChanges = undefined;
    const messages = [encodeInitiation({ sysName: this.options.sysName, sysDescr: this.options.sysDescr })];
    for (const session of this.sessions.values()) messages.push(this.peerUpMessage(session));
    output.send(messages);
    if (this.output !== output) return;
    this.dumps = [...this.sessions.keys()].map((peer) => ({
      peer,
      routes: this.options.tables.adjRibIn(peer),
    }));
    this.scheduleDump();
  }

  /** The collector is gone or out of sync: nothing is sent or kept until the next `collectorUp`. */
  collectorDown(): void {
    this.generation++;
    this.output = undefined;
    this.pending.clear();
    this.lastPeer = undefined;
    this.lastChanges = undefined;
    this.dumps = [];
  }

  get connected(): boolean {
    return this.output !== undefined;
  }

  sessionUp(session: MonitoredSession): void {
    this.sessions.set(session.peer, session);
    this.output?.send([this.peerUpMessage(session)]);
  }

  sessionDown(peer: string, cause: PeerDownCause): void {
    const session = this.sessions.get(peer);
    if (session === undefined) return;
    this.sessions.delete(peer);
    this.pending.delete(peer);
    this.lastPeer = undefined;
    this.lastChanges = undefined;
    this.dumps = this.dumps.filter((dump) => dump.peer !== peer);
    this.output?.send([encodePeerDown(this.header(session, false), cause)]);
  }

  adjRibInChanged(
    peer: string,
    key: PrefixKey,
    route: AdjRibInRoute | undefined,
    previous: AdjRibInRoute | undefined,
  ): void {
    if (this.output === undefined) return;
    let changes = peer === this.lastPeer ? this.lastChanges : this.pending.get(peer);
    if (changes === undefined) {
      if (!this.sessions.has(peer)) return; // an internal link, not a BGP session
      changes = { pre: new ChangeLog(), post: undefined };
      this.pending.set(peer, changes);
      if (!this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(() => this.flush());
      }
    }
    this.lastPeer = peer;
    this.lastChanges = changes;
    const preEntry = route ?? null;
    // post-policy: the accepted route, or a withdrawal where an accepted one leaves; nothing otherwise
    const postEntry =
      route?.verdict.accepted === true ? route : previous?.verdict.accepted === true ? null : undefined;
    if (changes.post === undefined && postEntry !== preEntry) changes.post = changes.pre.copy();
    changes.pre.add(preEntry, key);
    if (changes.post !== undefined && postEntry !== undefined) changes.post.add(postEntry, key);
  }

  /** One Statistics Report per session: routes in its Adj-RIB-In, and those the import rules accepted. */
  reportStatistics(): void {
    const output = this.output;
    if (output === undefined) return;
    const messages: Buffer[] = [];
    for (const session of this.sessions.values()) {
      const counters = this.options.tables.peerCounters(session.peer);
      if (counters === undefined) continue;
      messages.push(
        encodeStatisticsReport(this.header(session, false), [
          { type: BmpStatisticType.AdjRibInRoutes, value: counters.received, octets: 8 },
          { type: BmpStatisticType.LocRibRoutes, value: counters.accepted, octets: 8 },
        ]),
      );
    }
    if (messages.length > 0) output.send(messages);
  }

  private header(session: MonitoredSession, postPolicy: boolean): PeerHeader {
    return {
      address: session.address,
      asn: session.asn,
      bgpId: session.bgpId,
      postPolicy,
      timestampMs: this.now(),
    };
  }

  private peerUpMessage(session: MonitoredSession): Buffer {
    return encodePeerUp({ ...this.header(session, false), timestampMs: session.upAtMs }, session);
  }

  // ------------------------------------------------------------ live changes

  private flush(): void {
    this.flushQueued = false;
    const pending = this.pending;
    this.pending = new Map();
    this.lastPeer = undefined;
    this.lastChanges = undefined;
    for (const [peer, changes] of pending) {
      const session = this.sessions.get(peer);
      if (session === undefined || this.output === undefined) continue;
      const pre = this.encodeLog(changes.pre);
      const post = changes.post === undefined ? pre : this.encodeLog(changes.post);
      const messages: Buffer[] = [];
      if (pre !== undefined) messages.push(...frameRouteMonitoringChunks(this.header(session, false), pre));
      if (post !== undefined) messages.push(...frameRouteMonitoringChunks(this.header(session, true), post));
      if (messages.length > 0) this.output.send(messages);
    }
  }

  /** Each run of the log as UPDATEs, in order, laid end to end; undefined when there are none. */
  private encodeLog(log: ChangeLog): Buffer | undefined {
    const builder = this.builder;
    let start = 0;
    for (let run = 0; run < log.routes.length; run++) {
      const route = log.routes[run]!;
      const end = log.ends[run]!;
      const v4: number[] = [];
      const v6: Ipv6Prefix[] = [];
      for (let i = start; i < end; i++) {
        const key = log.keys[i]!;
        if (typeof key === 'number') v4.push(key);
        else v6.push(parsePrefix(key) as Ipv6Prefix);
      }
      start = end;
      if (route === null) {
        if (v4.length > 0) builder.withdraw(v4);
        if (v6.length > 0) builder.withdrawIpv6(v6);
        continue;
      }
      const block = this.block(route);
      if (v4.length > 0) builder.announce(block, v4);
      if (v6.length > 0 && route.ipv6NextHop !== undefined)
        builder.announceIpv6(block, route.ipv6NextHop, v6);
    }
    return builder.messageCount === 0 ? undefined : builder.take();
  }

  /** A dump slice, pre- and post-policy; the same UPDATE bytes for both when the rules accepted every route. */
  private sendGroups(
    session: MonitoredSession,
    pre: RouteGroups,
    post: RouteGroups,
    endOfRib: boolean,
  ): void {
    const preUpdates = this.encodeGroups(pre, endOfRib);
    const postUpdates = post.size === pre.size ? preUpdates : this.encodeGroups(post, endOfRib);
    const messages: Buffer[] = [];
    if (preUpdates !== undefined)
      messages.push(...frameRouteMonitoringChunks(this.header(session, false), preUpdates));
    if (postUpdates !== undefined)
      messages.push(...frameRouteMonitoringChunks(this.header(session, true), postUpdates));
    if (messages.length > 0) this.output?.send(messages);
  }

  /** The groups as UPDATEs laid end to end (End-of-RIB last when `endOfRib`); undefined when there are none. */
  private encodeGroups(groups: RouteGroups, endOfRib: boolean): Buffer | undefined {
    const builder = this.builder;
    for (const [route, { v4, v6 }] of groups.announced) {
      const block = this.block(route);
      if (v4.length > 0) builder.announce(block, v4);
      if (v6.length > 0 && route.ipv6NextHop !== undefined)
        builder.announceIpv6(block, route.ipv6NextHop, v6);
    }
    if (endOfRib) {
      builder.endOfRib(Afi.Ipv4, Safi.Unicast);
      builder.endOfRib(Afi.Ipv6, Safi.Unicast);
    }
    return builder.messageCount === 0 ? undefined : builder.take();
  }

  /**
   * The attribute block of a set with 4-octet AS numbers: the bytes as
   * received where they were received so (a copy is cheaper than a cache),
   * else encoded once per set.
   */
  private block(route: AdjRibInRoute): Uint8Array {
    const received = route.receivedFourOctetBlock();
    if (received !== undefined) return received;
    let block = this.blocks.get(route);
    if (block === undefined) {
      block = encodeAttributes(route.attributes, BMP_CONTEXT);
      this.blocks.set(route, block);
    }
    return block;
  }

  // ------------------------------------------------------------ table dump

  private scheduleDump(): void {
    if (this.dumpScheduled || this.dumps.length === 0) return;
    this.dumpScheduled = true;
    const generation = this.generation;
    this.schedule(() => {
      this.dumpScheduled = false;
      if (generation === this.generation) this.dumpSlice();
      else this.scheduleDump();
    });
  }

  private dumpSlice(): void {
    const output = this.output;
    if (output === undefined) return;
    if (output.backlogged) {
      const generation = this.generation;
      output.onDrain(() => {
        if (generation === this.generation) this.scheduleDump();
      });
      return;
    }
    const dump = this.dumps[0];
    if (dump === undefined) return;
    const session = this.sessions.get(dump.peer);
    const pre = new RouteGroups();
    const post = new RouteGroups();
    let finished = false;
    while (pre.size < DUMP_SLICE && pre.bytes + post.bytes < output.dumpSliceBytes) {
      const next = dump.routes.next();
      if (next.done === true) {
        finished = true;
        break;
      }
      const [key, route] = next.value;
      const blockLength = this.block(route).length;
      pre.announce(route, key, blockLength);
      if (route.verdict.accepted) post.announce(route, key, blockLength);
    }
    if (finished) this.dumps.shift();
    if (session !== undefined) this.sendGroups(session, pre, post, finished);
    this.scheduleDump();
  }
}
