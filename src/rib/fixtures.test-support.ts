/**
 * Test support for the route engine: a small virtual network (address spaces
 * with the Azure injection rule), a VNet sink that keeps the injected table,
 * a session output that decodes what it is sent and can apply backpressure,
 * UPDATE builders that go through the codec like a real session, and the
 * steps most engine tests share (NVAs' addresses, bringing a peer up,
 * announcing and waiting, host routes, a scheduler driven by hand).
 */
import { BASE_CONTEXT, decode, MessageFramer, UpdateBuilder } from '../bgp/codec/index.js';
import type { BgpMessage, CodecContext, PathAttributes, UpdateMessage } from '../bgp/codec/index.js';
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import {
  formatPrefix,
  ipv4KeyOf,
  parseIpv4,
  parsePrefix,
  prefixContains,
  prefixFromKey,
  prefixKey,
} from '../lib/prefix.js';
import { RouteEngine } from './engine.js';
import type { RouteEngineOptions } from './engine-options.js';
import type { PeerInfo } from './peer.js';
import type { InjectedRouteBatch, InjectedRouteSink, PeerOutput, VirtualNetworkView } from './ports.js';

export const FOUR_OCTET: CodecContext = { ...BASE_CONTEXT, fourOctetAs: true };

/** NVAs' session addresses (their next hops too), as the tests name them. */
export const NVA1 = '10.0.2.4';
export const NVA2 = '10.0.2.5';
export const NVA3 = '10.0.2.6';

export class TestNetwork implements VirtualNetworkView {
  private listeners = new Set<() => void>();
  constructor(private spaces: Prefix[] = []) {}
  advertisedAddressSpaces(): readonly Prefix[] {
    return this.spaces;
  }
  isInjectable(prefix: Prefix): boolean {
    return !this.spaces.some((space) => prefixContains(space, prefix));
  }
  onAddressSpacesChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  setSpaces(spaces: Prefix[]): void {
    this.spaces = spaces;
    for (const listener of this.listeners) listener();
  }
}

/** What the sink holds for one injected prefix. */
export interface SinkRoute {
  readonly prefix: Prefix;
  readonly nextHops: readonly string[];
}

export class TestSink implements InjectedRouteSink {
  readonly table = new Map<PrefixKey, SinkRoute>();
  readonly batches: InjectedRouteBatch[] = [];
  applyInjectedRoutes(_instance: string, changes: InjectedRouteBatch): void {
    this.batches.push(changes);
    for (let i = 0; i < changes.size; i++) {
      const key = changes.keyAt(i);
      const id = changes.hopSetAt(i);
      if (id !== 0) this.table.set(key, { prefix: prefixFromKey(key), nextHops: changes.hopSet(id) });
      else this.table.delete(key);
    }
  }
  route(text: string): SinkRoute | undefined {
    return this.table.get(prefixKey(parsePrefix(text)));
  }
}

/** A session's output: decodes every message sent; `blocked` makes send() report backpressure. */
export class TestOutput implements PeerOutput {
  readonly messages: BgpMessage[] = [];
  /** prefix text → the UPDATE that last announced it (absent once withdrawn) */
  readonly table = new Map<string, UpdateMessage>();
  endOfRibCount = 0;
  sendCalls = 0;
  blocked = false;
  private drainCallbacks: (() => void)[] = [];
  private readonly framer = new MessageFramer();

  constructor(private readonly context: CodecContext = FOUR_OCTET) {}

  send(buffers: Buffer[]): boolean {
    this.sendCalls++;
    for (const buffer of buffers) {
      for (const bytes of this.framer.push(buffer)) this.record(decode(bytes, this.context));
    }
    return !this.blocked;
  }
  onDrain(callback: () => void): void {
    this.drainCallbacks.push(callback);
  }
  drain(): void {
    this.blocked = false;
    const callbacks = this.drainCallbacks;
    this.drainCallbacks = [];
    for (const callback of callbacks) callback();
  }
  get waitingForDrain(): boolean {
    return this.drainCallbacks.length > 0;
  }
  private record(message: BgpMessage): void {
    this.messages.push(message);
    if (message.type !== 'update') return;
    const reach = message.attributes.mpReach;
    const unreach = message.attributes.mpUnreach;
    if (
      message.nlri.length === 0 &&
      message.withdrawn.length === 0 &&
      !reach &&
      (!unreach || unreach.withdrawn.prefixes.length === 0)
    ) {
      this.endOfRibCount++;
      return;
    }
    for (const key of message.withdrawn) this.table.delete(keyText(key));
    for (const p of unreach?.withdrawn.prefixes ?? []) this.table.delete(formatPrefix(p));
    for (const key of message.nlri) this.table.set(keyText(key), message);
    for (const p of reach?.nlri.prefixes ?? []) this.table.set(formatPrefix(p), message);
  }
  get updates(): UpdateMessage[] {
    return this.messages.filter((m): m is UpdateMessage => m.type === 'update');
  }
}

export function keyText(key: number): string {
  return formatPrefix({ family: 4, address: Math.floor(key / 64), length: key % 64 });
}

export function v4Key(text: string): number {
  const p = parsePrefix(text);
  if (p.family !== 4) throw new Error(`${text} is not IPv4`);
  return ipv4KeyOf(p.address, p.length);
}

export function ip(text: string): number {
  const value = parseIpv4(text);
  if (value === undefined) throw new Error(`${text} is not IPv4`);
  return value;
}

/** Encodes then decodes, as a session would deliver the UPDATE. */
export function updateOf(
  attributes: PathAttributes,
  announce: readonly string[],
  withdraw: readonly string[] = [],
  context: CodecContext = FOUR_OCTET,
): UpdateMessage {
  const builder = new UpdateBuilder({ ...context, extendedMessage: true });
  if (withdraw.length > 0) builder.withdraw(withdraw.map(v4Key));
  if (announce.length > 0) builder.announce(attributes, announce.map(v4Key));
  const bytes = builder.take();
  if (builder.messageCount !== 0) throw new Error('unexpected builder state');
  const decoded = splitMessages(bytes).map((m) => decode(m, { ...context, extendedMessage: true }));
  const updates = decoded.filter((m): m is UpdateMessage => m.type === 'update');
  if (updates.length === 1) return updates[0]!;
  // withdrawals and announcements came out as two messages: merge them
  const [withdrawal, announcement] = updates;
  return { ...announcement!, withdrawn: withdrawal!.withdrawn };
}

export function splitMessages(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let o = 0;
  while (o < bytes.length) {
    const length = bytes.readUInt16BE(o + 16);
    out.push(bytes.subarray(o, o + length));
    o += length;
  }
  return out;
}

export function withdrawalOf(withdraw: readonly string[]): UpdateMessage {
  const builder = new UpdateBuilder(FOUR_OCTET);
  builder.withdraw(withdraw.map(v4Key));
  return decode(builder.take(), FOUR_OCTET) as UpdateMessage;
}

export function pathAttributes(
  asns: readonly number[],
  nextHop: string,
  extra: Partial<PathAttributes> = {},
): PathAttributes {
  return { origin: 0, asPath: asns.length > 0 ? [{ type: 2, asns }] : [], nextHop: ip(nextHop), ...extra };
}

export function peerInfo(
  address: string,
  asn: number,
  routerId = address,
  context: CodecContext = FOUR_OCTET,
): PeerInfo {
  return { address, asn, routerId: ip(routerId), capabilities: { context, routeRefresh: true } };
}

export interface Harness {
  readonly engine: RouteEngine;
  readonly network: TestNetwork;
  readonly sink: TestSink;
}

export function harness(options: Partial<RouteEngineOptions> & { spaces?: string[] } = {}): Harness {
  const network = new TestNetwork((options.spaces ?? []).map((s) => parsePrefix(s)));
  const sink = new TestSink();
  const engine = new RouteEngine({ instance: 'IN_0', localAddress: '10.0.1.4', network, sink, ...options });
  return { engine, network, sink };
}

/** Brings up a peer's session (AS `asn`, router id its address); returns the output that records what it is sent. */
export function up(h: Harness, address: string, asn: number, output = new TestOutput()): TestOutput {
  h.engine.peerUp(address, peerInfo(address, asn), output);
  return output;
}

/** The peer announces `prefixes` with AS path `asn` and itself as next hop; resolves once the engine is idle. */
export async function announce(
  h: Harness,
  from: string,
  asn: number,
  prefixes: string[],
  extra: Partial<PathAttributes> = {},
): Promise<void> {
  h.engine.receiveUpdate(from, updateOf(pathAttributes([asn], from, extra), prefixes));
  await h.engine.whenIdle();
}

/** `count` host routes 172.16.x.y/32, from the `offset`-th on. */
export function hostRoutes(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => `172.16.${(i + offset) >> 8}.${(i + offset) & 255}/32`);
}

/** A scheduler the test drives by hand: each `step()` runs one slice. */
export function manualScheduler(): {
  schedule: (task: () => void) => void;
  step: () => void;
  readonly pending: number;
} {
  const tasks: (() => void)[] = [];
  return {
    schedule: (task) => void tasks.push(task),
    step: () => tasks.shift()?.(),
    get pending() {
      return tasks.length;
    },
  };
}
