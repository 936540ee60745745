/**
 * One peer's view of its update group's Adj-RIB-Out (src/rib/update-group.ts):
 * where the peer is in the group's journal of encoded UPDATEs, its initial
 * dump (and ROUTE-REFRESH resends), End-of-RIB, and backpressure.
 *
 * A peer reads the journal at its own pace: when the session reports
 * backpressure the peer stops until it drains, without holding up the other
 * peers of the group. A peer that joins a group (or asks for a ROUTE-REFRESH,
 * RFC 2918 §4) is first sent what the group has advertised, from the
 * group's `sent` table, while it also reads every chunk written after it
 * joined; the last message about a prefix is always the current one.
 * End-of-RIB (RFC 4724 §2) follows once the group has exported the whole
 * Loc-RIB and the peer has caught up.
 */
import { Afi, Safi, UpdateBuilder } from '../bgp/codec/index.js';
import type { PrefixKey } from '../lib/prefix.js';
import type { RouteExport } from './exporter.js';
import type { PeerId } from './peer.js';
import type { PeerOutput } from './ports.js';
import type { UpdateGroup } from './update-group.js';
import { writeAnnouncements, writeWithdrawals } from './update-group.js';

export interface SendResult {
  messages: number;
  announced: number;
  withdrawn: number;
  endOfRib: boolean;
}

/** Journal bytes handed to the session per `send` call. */
const SEND_BYTES = 256 * 1024;

export class AdjRibOut {
  /** the next journal chunk to send */
  position: number;
  endOfRibSent = false;
  paused = false;
  private dump: Iterator<[PrefixKey, RouteExport]> | undefined;
  /** a peer moved from another group: what that group had advertised, withdrawn where this one does not */
  private stale: Iterator<[PrefixKey, RouteExport]> | undefined;
  private readonly builder: UpdateBuilder;

  constructor(
    readonly peer: PeerId,
    readonly output: PeerOutput,
    readonly group: UpdateGroup,
    private readonly onResume: () => void,
    /**
     * the peer moves here from another group (its outbound route map
     * changed, src/rib/peer-route-maps.ts): that group's advertisements, End-of-RIB
     * already sent
     */
    moved?: { readonly advertised: Iterable<[PrefixKey, RouteExport]> },
  ) {
    this.position = group.end;
    this.builder = new UpdateBuilder(group.policy.context);
    // What the group advertises from now on reaches the peer through the journal.
    if (group.sent.size > 0) this.startDump();
    if (moved !== undefined) {
      this.stale = moved.advertised[Symbol.iterator]();
      this.endOfRibSent = true;
    }
  }

  /** Sends everything the group has advertised again (initial dump, ROUTE-REFRESH). */
  startDump(): void {
    this.dump = this.group.sent.entries();
  }

  /** Routes the peer has been (or is being) advertised. */
  get advertisedCount(): number {
    return this.group.advertisedTo(this.peer);
  }

  get hasWork(): boolean {
    if (this.paused) return false;
    return this.position < this.group.end || this.dump !== undefined || this.endOfRibDue || this.staleDue;
  }

  /** the group has exported the whole Loc-RIB and the peer has been sent it */
  private get caughtUp(): boolean {
    const group = this.group;
    return this.dump === undefined && group.filled && !group.hasWork;
  }

  private get endOfRibDue(): boolean {
    return !this.endOfRibSent && this.caughtUp;
  }

  private get staleDue(): boolean {
    return this.stale !== undefined && this.caughtUp;
  }

  /** Sends the journal, then up to `budget` prefixes of the dump, then End-of-RIB when due. */
  pump(budget: number): SendResult {
    const result: SendResult = { messages: 0, announced: 0, withdrawn: 0, endOfRib: false };
    if (!this.paused) this.sendJournal(result);
    if (!this.paused && this.dump) this.dumpStep(budget, result);
    if (!this.paused && this.position === this.group.end && this.staleDue) this.staleStep(budget, result);
    if (!this.paused && this.position === this.group.end && this.endOfRibDue) {
      this.builder.endOfRib(Afi.Ipv4, Safi.Unicast);
      if (this.group.policy.ipv6Unicast) this.builder.endOfRib(Afi.Ipv6, Safi.Unicast);
      this.endOfRibSent = true;
      result.endOfRib = true;
      this.send([this.builder.take()]);
    }
    return result;
  }

  private sendJournal(result: SendResult): void {
    const group = this.group;
    let buffers: Buffer[] = [];
    let bytes = 0;
    while (this.position < group.end) {
      const chunk = group.chunkAt(this.position++);
      if (chunk.skip === this.peer || (chunk.only !== undefined && chunk.only !== this.peer)) continue;
      buffers.push(chunk.bytes);
      bytes += chunk.bytes.length;
      result.messages += chunk.messages;
      result.announced += chunk.announced;
      result.withdrawn += chunk.withdrawn;
      if (bytes >= SEND_BYTES) {
        if (!this.send(buffers)) return;
        buffers = [];
        bytes = 0;
      }
    }
    if (buffers.length > 0) this.send(buffers);
  }

  private dumpStep(budget: number, result: SendResult): void {
    const batch = new Map<RouteExport, PrefixKey[]>();
    for (let i = 0; i < budget; i++) {
      const next = this.dump!.next();
      if (next.done) {
        this.dump = undefined;
        break;
      }
      const [key, exported] = next.value;
      if (exported.source === this.peer) continue;
      const keys = batch.get(exported);
      if (keys) keys.push(key);
      else batch.set(exported, [key]);
      result.announced++;
    }
    const addPath = this.group.policy.context.addPathSend;
    for (const [exported, keys] of batch) writeAnnouncements(this.builder, addPath, exported.set, keys);
    result.messages += this.builder.messageCount;
    if (this.builder.messageCount > 0) this.send([this.builder.take()]);
  }

  /** Withdraws what the previous group advertised and this one does not (RFC 4271 §9.1.3: no stale route stays). */
  private staleStep(budget: number, result: SendResult): void {
    const keys: PrefixKey[] = [];
    for (let i = 0; i < budget; i++) {
      const next = this.stale!.next();
      if (next.done) {
        this.stale = undefined;
        break;
      }
      const [key, exported] = next.value;
      if (exported.source !== this.peer && !this.group.sent.has(key)) keys.push(key);
    }
    if (keys.length === 0) return;
    writeWithdrawals(this.builder, this.group.policy.context.addPathSend, keys);
    result.withdrawn += keys.length;
    result.messages += this.builder.messageCount;
    this.send([this.builder.take()]);
  }

  private send(buffers: Buffer[]): boolean {
    // One write for many small chunks: the session writes each buffer to the socket on its own.
    const messages = buffers.length > 1 ? [Buffer.concat(buffers)] : buffers;
    if (this.output.send(messages)) return true;
    this.paused = true;
    this.output.onDrain(() => {
      this.paused = false;
      this.onResume();
    });
    return false;
  }
}
