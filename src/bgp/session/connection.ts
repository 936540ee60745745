/**
 * One TCP connection carrying BGP: framing with the codec's MessageFramer,
 * decode once with the negotiated context, and a write queue with a
 * high-water mark.
 *
 * Backpressure: `write` returns false once the bytes queued in the socket
 * reach the high-water mark; `onDrain` fires when they have gone out. Each
 * connection has its own socket buffer, so a slow peer never stalls another.
 * KEEPALIVE and NOTIFICATION messages are always queued (they are tiny and
 * must not wait for the owner), so the mark is a soft limit; a queue that
 * reaches `hardLimitBytes` (the peer stopped reading) ends the session with
 * Cease / Out of Resources (RFC 4486).
 *
 * RFCs: 4271 §4.1 (framing), §6.1 (header errors); 8654 (extended messages).
 */
import type { Socket } from 'node:net';
import { BASE_CONTEXT, BgpWireError, decode, encode, MessageFramer } from '../codec/index.js';
import type { BgpMessage, CodecContext } from '../codec/index.js';
import type { ConnectionDirection } from '../fsm/index.js';

interface ConnectionHandlers {
  onMessage(message: BgpMessage): void;
  /** a header or body the codec rejected; `headerError` when framing failed */
  onWireError(error: BgpWireError, headerError: boolean, messageType: number | undefined): void;
  /** the socket closed or failed (not called after `detach`) */
  onClosed(error: Error | undefined): void;
  onDrain(): void;
  onOverflow(): void;
}

export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;

/** How long a closing connection may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 2_000;

export class SessionConnection {
  private readonly framer = new MessageFramer();
  private context: CodecContext = BASE_CONTEXT;
  private handlers: ConnectionHandlers | undefined;
  private readingStopped = false;
  private closed = false;
  readonly remoteAddress: string;
  readonly remotePort: number;

  constructor(
    readonly socket: Socket,
    readonly direction: ConnectionDirection,
    handlers: ConnectionHandlers,
    private readonly highWaterMark = DEFAULT_HIGH_WATER_MARK,
    private readonly hardLimitBytes = highWaterMark * 64,
  ) {
    this.handlers = handlers;
    this.remoteAddress = normaliseAddress(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('drain', () => this.handlers?.onDrain());
    socket.on('error', () => undefined); // 'close' follows with hadError
    socket.on('close', () => this.onSocketClosed());
  }

  get codecContext(): CodecContext {
    return this.context;
  }

  setContext(context: CodecContext): void {
    this.context = context;
    this.framer.extendedMessage = context.extendedMessage;
  }

  /** Bytes waiting in the socket. */
  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  /** Whether the queue is below the high-water mark. */
  get writable(): boolean {
    return !this.closed && this.socket.writableLength < this.highWaterMark;
  }

  /** Encodes and queues messages (or pre-encoded bytes); false once at the high-water mark. */
  write(messages: readonly (BgpMessage | Uint8Array)[]): boolean {
    if (this.closed) return false;
    for (const m of messages) {
      this.socket.write(m instanceof Uint8Array ? m : encode(m, this.context));
    }
    if (this.socket.writableLength >= this.hardLimitBytes) this.handlers?.onOverflow();
    return this.writable;
  }

  /**
   * Stops reading the socket (the kernel's receive window then holds the
   * peer back); messages of a chunk already read are still delivered.
   */
  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.closed) this.socket.resume();
  }

  /** Stops delivering events; the caller owns the connection's end from here. */
  detach(): void {
    this.handlers = undefined;
    this.readingStopped = true;
  }

  /** Flushes what is queued (a NOTIFICATION, say), then closes; destroys after a grace period. */
  closeAfterFlush(): void {
    if (this.closed) return;
    this.closed = true;
    this.readingStopped = true;
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    timer.unref();
    this.socket.once('close', () => clearTimeout(timer));
  }

  destroy(): void {
    this.closed = true;
    this.readingStopped = true;
    this.socket.destroy();
  }

  private onSocketClosed(): void {
    this.closed = true;
    const handlers = this.handlers;
    this.handlers = undefined;
    handlers?.onClosed(undefined);
  }

  private receive(chunk: Buffer): void {
    if (this.readingStopped) return;
    let frames: Buffer[];
    try {
      frames = this.framer.push(chunk);
    } catch (error) {
      this.fail(error, true, undefined);
      return;
    }
    for (const frame of frames) {
      if (this.readingStopped || !this.handlers) return;
      let message: BgpMessage;
      try {
        message = decode(frame, this.context);
      } catch (error) {
        this.fail(error, false, frame[18]);
        return;
      }
      this.handlers.onMessage(message);
    }
  }

  private fail(error: unknown, header: boolean, type: number | undefined): void {
    this.readingStopped = true;
    if (!(error instanceof BgpWireError)) throw error;
    this.handlers?.onWireError(error, header, type);
  }
}

/** "::ffff:10.0.0.1" → "10.0.0.1" (IPv4 peers on a dual-stack socket). */
export function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
