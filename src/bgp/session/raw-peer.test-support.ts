/**
 * A raw BGP peer for session tests: a TCP socket that sends whatever bytes a
 * test wants and decodes what comes back. No FSM of its own.
 */
import net from 'node:net';
import type { Socket } from 'node:net';
import { BASE_CONTEXT, decode, encode, MessageFramer } from '../codec/index.js';
import type { BgpMessage, Capability, CodecContext, OpenMessage } from '../codec/index.js';
import { parseIpv4 } from '../../lib/prefix.js';

/** A loopback block unlikely to meet other tests on the machine: 127.<random>.<random>.0/24. */
export function loopbackBlock(): (host: number) => string {
  const a = 100 + Math.floor(Math.random() * 150);
  const b = Math.floor(Math.random() * 250);
  return (host: number) => `127.${a}.${b}.${host}`;
}

export function openFrom(
  asn: number,
  identifier: string,
  overrides: Partial<OpenMessage> = {},
  extra: Capability[] = [],
): OpenMessage {
  return {
    type: 'open',
    version: 4,
    myAs: asn > 0xffff ? 23456 : asn,
    holdTime: 9,
    bgpIdentifier: parseIpv4(identifier)!,
    capabilities: [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'route-refresh' },
      { kind: 'four-octet-as', asn },
      ...extra,
    ],
    ...overrides,
  };
}

export class RawPeer {
  private readonly framer = new MessageFramer();
  private readonly queue: BgpMessage[] = [];
  private waiters: (() => void)[] = [];
  private ended = false;
  context: CodecContext = { ...BASE_CONTEXT, fourOctetAs: true };
  readonly closed: Promise<void>;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.framer.push(chunk)) this.queue.push(decode(frame, this.context));
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.ended = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number, host: string, localAddress: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, localAddress });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new RawPeer(socket));
      });
    });
  }

  get isClosed(): boolean {
    return this.ended;
  }

  send(message: BgpMessage | Uint8Array): void {
    this.socket.write(message instanceof Uint8Array ? message : encode(message, this.context));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** The next message; rejects when the connection closes first or after timeoutMs. */
  async next(timeoutMs = 10_000): Promise<BgpMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = this.queue.shift();
      if (message) return message;
      if (this.ended) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a message');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Skips messages until one of `type`. */
  async nextOf<T extends BgpMessage['type']>(type: T, timeoutMs = 10_000): Promise<BgpMessage & { type: T }> {
    for (;;) {
      const message = await this.next(timeoutMs);
      if (message.type === type) return message as BgpMessage & { type: T };
    }
  }

  /** OPEN → OPEN, KEEPALIVE → KEEPALIVE: the session is Established on both sides after this. */
  async handshake(open: OpenMessage): Promise<OpenMessage> {
    this.send(open);
    const theirs = await this.nextOf('open');
    this.send({ type: 'keepalive' });
    await this.nextOf('keepalive');
    return theirs;
  }

  close(): void {
    this.socket.destroy();
  }
}
