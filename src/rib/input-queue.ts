/**
 * The route engine's input: decoded UPDATEs waiting for a slice, in arrival
 * order across peers, with read backpressure per peer.
 *
 * `push` answers false once a peer has `highWater` UPDATEs waiting: its
 * session should stop reading its socket. When the engine has worked that
 * peer's backlog down to half the mark, the resume listeners are told, so
 * what the engine holds per peer stays bounded whatever the peer offers
 * (docs/bgp-session.md, "Reading from a peer").
 */
import type { UpdateMessage } from '../bgp/codec/index.js';
import type { PeerId, PeerState } from './peer.js';

interface Queued {
  readonly peer: PeerState;
  readonly update: UpdateMessage;
}

export class InputQueue {
  private readonly items: (Queued | undefined)[] = [];
  private head = 0;
  private readonly resumeListeners = new Set<(peer: PeerId) => void>();

  constructor(private readonly highWater: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Queues an UPDATE; false when the peer's session should stop reading. */
  push(peer: PeerState, update: UpdateMessage): boolean {
    this.items.push({ peer, update });
    if (++peer.backlog < this.highWater) return true;
    peer.readingPaused = true;
    return false;
  }

  onResume(listener: (peer: PeerId) => void): () => void {
    this.resumeListeners.add(listener);
    return () => this.resumeListeners.delete(listener);
  }

  /** Hands queued UPDATEs to `ingest` (which returns the work each took) until `budget` is used. */
  drain(budget: number, ingest: (peer: PeerState, update: UpdateMessage) => number): number {
    let used = 0;
    while (used < budget && this.head < this.items.length) {
      const item = this.items[this.head]!;
      this.items[this.head++] = undefined;
      used += ingest(item.peer, item.update);
      this.done(item.peer);
    }
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return used;
  }

  /** One queued UPDATE of `peer` is done; below half the mark its session may read again. */
  private done(peer: PeerState): void {
    peer.backlog--;
    if (!peer.readingPaused || peer.backlog > this.highWater >> 1) return;
    peer.readingPaused = false;
    for (const listener of [...this.resumeListeners]) listener(peer.id);
  }
}
