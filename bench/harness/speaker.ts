/**
 * The minimal BGP speaker of the injector and monitor side: dial from a given
 * local address, OPEN, KEEPALIVE, then hand every UPDATE to the owner
 * (RFC 4271 §8 reduced to what a load generator needs: no collision
 * handling, the DUT is passive; the hold timer is 180 s and we send a
 * KEEPALIVE every 30 s). Dials again every 250 ms until Established or
 * stopped; counts NOTIFICATIONs and session losses so the runner can fail a
 * run on an unexpected reset.
 */
import net from 'node:net';
import {
  CEASE_BYTES,
  FrameWalker,
  KEEPALIVE_BYTES,
  TYPE_KEEPALIVE,
  TYPE_NOTIFICATION,
  TYPE_OPEN,
  TYPE_UPDATE,
  encodeOpen,
  ipv4Number,
  now,
} from './wire.js';

export interface SessionOptions {
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly port: number;
  readonly asn: number;
  /** called for every UPDATE with a view of the receive buffer */
  readonly onUpdate?: (b: Buffer, start: number, length: number) => void;
  /** called once per processed TCP chunk (after its UPDATEs) */
  readonly onChunk?: () => void;
  /**
   * Stop reading once Established (import-only peers): what the DUT sends
   * then waits in TCP buffers and the DUT's own queue instead of costing the
   * harness CPU; a DUT with per-peer backpressure stops producing for us.
   */
  readonly pauseWhenEstablished?: boolean;
}

export class MiniSession {
  socket: net.Socket | undefined;
  established = false;
  establishedAt = 0;
  notifications: string[] = [];
  /** sessions lost while Established and not asked to stop */
  losses = 0;
  bytesIn = 0;
  /**
   * Bulk writes in progress: they go out in slices that may cut a message,
   * so the KEEPALIVE timer stays quiet meanwhile (the UPDATEs themselves
   * restart the peer's hold timer, RFC 4271 §6.5).
   */
  bulkWrites = 0;
  private wanted = false;
  private retry: NodeJS.Timeout | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  private waiters: (() => void)[] = [];
  private readonly open: Buffer;

  constructor(readonly options: SessionOptions) {
    this.open = encodeOpen(options.asn, ipv4Number(options.localAddress));
  }

  start(): void {
    this.wanted = true;
    if (!this.socket) this.dial();
  }

  whenEstablished(): Promise<void> {
    if (this.established) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Cease / Administrative Shutdown, then close; no redial. */
  stop(): void {
    this.wanted = false;
    clearTimeout(this.retry);
    const s = this.socket;
    if (s && !s.destroyed) s.end(CEASE_BYTES);
    this.down(false);
  }

  private dial(): void {
    const o = this.options;
    const walker = new FrameWalker((b, start, length, type) => this.onMessage(b, start, length, type));
    const socket = net.connect({ host: o.remoteAddress, port: o.port, localAddress: o.localAddress });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(this.open));
    socket.on('data', (chunk: Buffer) => {
      this.bytesIn += chunk.length;
      walker.feed(chunk);
      o.onChunk?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.down(this.established && this.wanted);
      this.socket = undefined;
      if (this.wanted) this.retry = setTimeout(() => this.dial(), 250);
    });
  }

  private down(lost: boolean): void {
    if (lost) this.losses++;
    this.established = false;
    clearInterval(this.keepalive);
  }

  private onMessage(b: Buffer, start: number, length: number, type: number): void {
    if (type === TYPE_UPDATE) {
      this.options.onUpdate?.(b, start, length);
    } else if (type === TYPE_KEEPALIVE) {
      if (!this.established) {
        this.established = true;
        this.establishedAt = now();
        this.keepalive = setInterval(() => {
          if (this.bulkWrites === 0) this.socket?.write(KEEPALIVE_BYTES);
        }, 30_000);
        this.keepalive.unref();
        if (this.options.pauseWhenEstablished) this.socket?.pause();
        for (const w of this.waiters.splice(0)) w();
      }
    } else if (type === TYPE_OPEN) {
      this.socket?.write(KEEPALIVE_BYTES);
    } else if (type === TYPE_NOTIFICATION) {
      this.notifications.push(`${b[start + 19]}/${b[start + 20]}`);
    }
  }
}
