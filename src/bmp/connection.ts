/**
 * The TCP connection to one BMP collector (RFC 7854 §3.2: the monitored
 * router connects to the monitoring station), kept up with back-off, and
 * never allowed to hold BGP back:
 *
 * - Writes go to the socket's own buffer; nothing waits for the collector.
 *   A batch that comes while more than `bufferBytes` wait for the collector
 *   is dropped (counted), the monitor stops producing, and the
 *   connection is out of sync: once the collector has read what is queued
 *   (the socket drains) it gets a Termination (reason Out of Resources), the
 *   connection is closed and opened again at once, and the new session
 *   starts with a full dump (a resync). A collector that never reads again
 *   costs `bufferBytes` and nothing more.
 * - Messages are gathered and written to the socket as one buffer once
 *   `writeBatchBytes` are waiting, or `writeDelayMs` after the first: the
 *   route engine hands over a few kB per slice, and each write costs the
 *   kernel about the same whatever its size (23 MB to a collector on
 *   loopback: 0.5 s of CPU in 4 kB writes, 0.03 s in 256 kB ones).
 * - A table dump waits while more than `dumpHighWaterBytes` are queued.
 * - Connect failures and closes are retried after 1 s, doubling to 30 s;
 *   a connection that reached the collector starts the back-off again.
 * - `close()` sends Termination (Administratively Closed) and closes.
 *
 * Events go to `node:diagnostics_channel` `routeserver:bmp` (events.ts).
 */
import net from 'node:net';
import { BmpTerminationReason } from './iana.js';
import { encodeTermination } from './messages.js';
import { publishBmpEvent } from './events.js';
import type { BmpMonitor, BmpOutput } from './monitor.js';

export interface BmpCollectorSpec {
  /** the collector's IP address or host name */
  readonly address: string;
  /** the collector's TCP port (BMP has no assigned port; pmacct and OpenBMP use 1790 and 5000) */
  readonly port: number;
}

export interface BmpConnectionOptions {
  /** bytes that may wait for the collector before a batch is dropped; default 32 MiB */
  readonly bufferBytes?: number;
  /** bytes waiting above which a table dump pauses; default 1 MiB, at most a quarter of `bufferBytes` */
  readonly dumpHighWaterBytes?: number;
  /** first reconnect delay; default 1,000 ms (doubles up to `maxBackoffMs`) */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** bytes gathered before they are written at once; default 512 kB, at most a quarter of `bufferBytes` */
  readonly writeBatchBytes?: number;
  /** at most this long between a message and its write; default 100 ms */
  readonly writeDelayMs?: number;
}

/** What one collector connection did (metrics). */
export interface BmpCollectorStatistics {
  /** `address:port` */
  readonly collector: string;
  readonly connected: boolean;
  /** BMP messages written to the socket */
  readonly messagesSent: number;
  readonly bytesSent: number;
  /** BMP messages dropped because the collector fell `bufferBytes` behind */
  readonly messagesDropped: number;
  /** sessions with the collector (each starts with a full dump) */
  readonly sessions: number;
  /** of those, restarted after a drop */
  readonly resyncs: number;
  /** bytes written and not yet taken by the collector */
  readonly bufferedBytes: number;
}

/** BMP messages in a buffer of whole ones (each starts with version and a 4-octet length, RFC 7854 §4.1). */
function countMessages(buffer: Buffer): number {
  let count = 0;
  for (let offset = 0; offset + 5 <= buffer.length; offset += buffer.readUInt32BE(offset + 1)) count++;
  return count;
}

type State = 'connecting' | 'up' | 'out-of-sync' | 'waiting' | 'closed';

const CLOSE_GRACE_MS = 1000;

export class BmpConnection implements BmpOutput {
  private socket: net.Socket | undefined;
  private state: State = 'waiting';
  private retry: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private drainCallbacks: (() => void)[] = [];
  private readonly bufferBytes: number;
  private readonly dumpHighWaterBytes: number;
  /** a dump slice writes about this much at most: a quarter of the buffer, 256 kB at most */
  readonly dumpSliceBytes: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly writeBatchBytes: number;
  private readonly writeDelayMs: number;
  /** messages gathered for the next write */
  private gathered: Buffer[] = [];
  private gatheredBytes = 0;
  private writeTimer: NodeJS.Timeout | undefined;
  private counts = { messagesSent: 0, bytesSent: 0, messagesDropped: 0, sessions: 0, resyncs: 0 };
  readonly name: string;

  constructor(
    readonly collector: BmpCollectorSpec,
    private readonly monitor: BmpMonitor,
    /** the monitored router's address (the instance's), for events */
    private readonly router: string,
    options: BmpConnectionOptions = {},
  ) {
    this.name = collector.address.includes(':')
      ? `[${collector.address}]:${collector.port}`
      : `${collector.address}:${collector.port}`;
    this.bufferBytes = options.bufferBytes ?? 32 * 1024 * 1024;
    this.dumpHighWaterBytes = Math.min(options.dumpHighWaterBytes ?? 1024 * 1024, this.bufferBytes / 4);
    this.dumpSliceBytes = Math.min(256 * 1024, this.bufferBytes / 4);
    this.minBackoffMs = options.minBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.backoffMs = this.minBackoffMs;
    this.writeBatchBytes = Math.min(options.writeBatchBytes ?? 512 * 1024, this.bufferBytes / 4);
    this.writeDelayMs = options.writeDelayMs ?? 100;
  }

  start(): void {
    if (this.state === 'waiting') this.connect();
  }

  statistics(): BmpCollectorStatistics {
    return {
      collector: this.name,
      connected: this.state === 'up',
      ...this.counts,
      bufferedBytes: (this.socket?.writableLength ?? 0) + this.gatheredBytes,
    };
  }

  // ------------------------------------------------------------ BmpOutput

  /** Buffers of whole BMP messages; dropped from the first that comes while `bufferBytes` wait. */
  send(messages: readonly Buffer[]): void {
    const socket = this.socket;
    if (this.state !== 'up' || socket === undefined) return;
    for (let i = 0; i < messages.length; i++) {
      // a buffer (at most about 64 kB) goes in while what waits is within the limit
      if (socket.writableLength + this.gatheredBytes > this.bufferBytes) {
        for (let j = i; j < messages.length; j++) this.counts.messagesDropped += countMessages(messages[j]!);
        this.outOfSync(socket);
        return;
      }
      const message = messages[i]!;
      this.gathered.push(message);
      this.gatheredBytes += message.length;
      this.counts.messagesSent += countMessages(message);
      this.counts.bytesSent += message.length;
    }
    if (this.gatheredBytes >= this.writeBatchBytes) this.writeGathered(socket);
    else if (this.writeTimer === undefined && this.gatheredBytes > 0)
      this.writeTimer = setTimeout(() => this.writeGathered(socket), this.writeDelayMs);
  }

  /** What was gathered, in one write. */
  private writeGathered(socket: net.Socket): void {
    clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    const gathered = this.gathered;
    const bytes = this.gatheredBytes;
    this.gathered = [];
    this.gatheredBytes = 0;
    if (bytes === 0 || this.socket !== socket || socket.destroyed) return;
    socket.write(gathered.length === 1 ? gathered[0]! : Buffer.concat(gathered, bytes));
  }

  get backlogged(): boolean {
    const socket = this.socket;
    // 'drain' follows only a write the socket refused (writableNeedDrain)
    return (
      socket !== undefined && socket.writableNeedDrain && socket.writableLength > this.dumpHighWaterBytes
    );
  }

  onDrain(callback: () => void): void {
    this.drainCallbacks.push(callback);
  }

  // ------------------------------------------------------------ lifecycle

  /** Termination (Administratively Closed), then close; resolves once the socket is closed. */
  async close(): Promise<void> {
    const previous = this.state;
    this.state = 'closed';
    clearTimeout(this.retry);
    this.monitor.collectorDown();
    const socket = this.socket;
    if (socket === undefined) return;
    this.writeGathered(socket);
    if (previous === 'up')
      socket.write(encodeTermination(BmpTerminationReason.AdministrativelyClosed, 'routeserver stopping'));
    await new Promise<void>((resolve) => {
      if (socket.destroyed) return resolve();
      const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  private connect(): void {
    this.state = 'connecting';
    const socket = net.connect({ host: this.collector.address, port: this.collector.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => this.connected(socket));
    socket.on('drain', () => this.drained(socket));
    socket.on('data', () => undefined); // RFC 7854 §3.2: the collector sends nothing; anything is ignored
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.socket === socket && this.state === 'connecting')
        publishBmpEvent({
          type: 'bmp-connect-failed',
          router: this.router,
          collector: this.name,
          error: error.code ?? error.message,
        });
    });
    socket.on('close', () => this.closed(socket));
  }

  private connected(socket: net.Socket): void {
    if (this.socket !== socket || this.state !== 'connecting') return;
    this.state = 'up';
    this.backoffMs = this.minBackoffMs;
    this.counts.sessions++;
    publishBmpEvent({ type: 'bmp-connected', router: this.router, collector: this.name });
    this.monitor.collectorUp(this);
  }

  /** A batch did not fit: stop producing; when the collector has caught up, start a new session. */
  private outOfSync(socket: net.Socket): void {
    this.state = 'out-of-sync';
    this.writeGathered(socket);
    this.monitor.collectorDown();
    this.drainCallbacks = [];
    publishBmpEvent({
      type: 'bmp-overflow',
      router: this.router,
      collector: this.name,
      bufferedBytes: socket.writableLength,
    });
    if (!socket.writableNeedDrain) setImmediate(() => this.drained(socket));
  }

  private drained(socket: net.Socket): void {
    if (this.socket !== socket) return;
    if (this.state === 'out-of-sync') {
      // the collector read everything queued: tell it why, and start over
      this.counts.resyncs++;
      this.state = 'waiting';
      socket.end(encodeTermination(BmpTerminationReason.OutOfResources, 'collector fell behind; resyncing'));
      return;
    }
    const callbacks = this.drainCallbacks;
    this.drainCallbacks = [];
    for (const callback of callbacks) callback();
  }

  private closed(socket: net.Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.drainCallbacks = [];
    this.writeGathered(socket);
    const wasUp = this.state === 'up' || this.state === 'out-of-sync';
    const resync = this.state === 'waiting';
    if (this.state === 'closed') return;
    this.monitor.collectorDown();
    if (wasUp) publishBmpEvent({ type: 'bmp-disconnected', router: this.router, collector: this.name });
    this.state = 'waiting';
    const delay = resync ? 0 : this.backoffMs;
    if (!resync) this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    this.retry = setTimeout(() => {
      if (this.state === 'waiting') this.connect();
    }, delay);
    this.retry.unref();
  }
}
