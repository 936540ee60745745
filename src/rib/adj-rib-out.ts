/**
 * Adj-RIB-Out of one peer: what the peer has been sent, the prefixes whose
 * export may have changed, and the UPDATE packing towards the session.
 *
 * Changes are recorded as dirty prefixes; a flush computes each prefix's
 * export from the Loc-RIB as it is now, compares it with what was sent, and
 * packs the differences into as few UPDATEs as possible: one UPDATE carries
 * one attribute set and as many prefixes as fit (RFC 4271 §9.2; the codec's
 * `UpdateBuilder`). A flush stops when the session reports backpressure and
 * resumes on drain. End-of-RIB (RFC 4724 §2) follows the initial dump.
 */
import { Afi, IPV6_UNICAST, Safi, UpdateBuilder } from '../bgp/codec/index.js';
import type { CodecContext } from '../bgp/codec/index.js';
import type { Ipv6Prefix, PrefixKey } from '../lib/prefix.js';
import { prefixFromKey } from '../lib/prefix.js';
import type { ExportSet } from './attribute-store.js';
import type { PeerOutput } from './ports.js';

export interface FlushResult {
  /** prefixes examined */
  readonly work: number;
  readonly messages: number;
  readonly announced: number;
  readonly withdrawn: number;
  readonly endOfRib: boolean;
}

type ExportOf = (key: PrefixKey) => ExportSet | undefined;

export class AdjRibOut {
  /** what the peer has been sent and not withdrawn */
  readonly sent = new Map<PrefixKey, ExportSet>();
  /** prefixes whose export may have changed */
  readonly dirty = new Set<PrefixKey>();
  /** prefixes to send again even if unchanged (ROUTE-REFRESH) */
  readonly forced = new Set<PrefixKey>();
  /** the initial dump has queued every prefix */
  dumpQueued = false;
  endOfRibSent = false;
  paused = false;
  private readonly builder: UpdateBuilder;
  private readonly ipv6PathIds: boolean;
  private readonly ipv4PathIds: boolean;

  constructor(
    readonly output: PeerOutput,
    readonly context: CodecContext,
    readonly ipv6Unicast: boolean,
    private readonly onResume: () => void,
  ) {
    this.builder = new UpdateBuilder(context);
    this.ipv4PathIds = context.addPathSend.size > 0 && context.addPathSend.has(Afi.Ipv4 * 256 + Safi.Unicast);
    this.ipv6PathIds = context.addPathSend.has(IPV6_UNICAST);
  }

  get hasWork(): boolean {
    return !this.paused && (this.dirty.size > 0 || (this.dumpQueued && !this.endOfRibSent));
  }

  /** Examines up to `budget` dirty prefixes and sends the differences. */
  flush(budget: number, exportOf: ExportOf): FlushResult {
    const announce = new Map<ExportSet, PrefixKey[]>();
    const withdrawV4: number[] = [];
    const withdrawV6: Ipv6Prefix[] = [];
    let work = 0;
    let announced = 0;
    for (const key of this.dirty) {
      if (work >= budget) break;
      work++;
      this.dirty.delete(key);
      const next = exportOf(key);
      const previous = this.sent.get(key);
      const forced = this.forced.size > 0 && this.forced.delete(key);
      if (!forced && (next === previous || (next && previous && next.key === previous.key))) continue;
      if (next) {
        this.sent.set(key, next);
        const keys = announce.get(next);
        if (keys) keys.push(key);
        else announce.set(next, [key]);
        announced++;
      } else if (previous || forced) {
        this.sent.delete(key);
        if (typeof key === 'number') withdrawV4.push(key);
        else withdrawV6.push(prefixFromKey(key) as Ipv6Prefix);
      }
    }
    this.encode(announce, withdrawV4, withdrawV6);
    const endOfRib = this.dumpQueued && !this.endOfRibSent && this.dirty.size === 0;
    if (endOfRib) this.writeEndOfRib();
    const messages = this.builder.messageCount;
    if (messages > 0) this.send(this.builder.take());
    return { work, messages, announced, withdrawn: withdrawV4.length + withdrawV6.length, endOfRib };
  }

  private encode(
    announce: Map<ExportSet, PrefixKey[]>,
    withdrawV4: number[],
    withdrawV6: Ipv6Prefix[],
  ): void {
    const b = this.builder;
    if (withdrawV4.length > 0) b.withdraw(withdrawV4, this.ipv4PathIds ? ones(withdrawV4.length) : undefined);
    if (withdrawV6.length > 0)
      b.withdrawIpv6(withdrawV6, this.ipv6PathIds ? ones(withdrawV6.length) : undefined);
    for (const [set, keys] of announce) {
      if (set.ipv6NextHop) {
        const prefixes = keys.map((k) => prefixFromKey(k) as Ipv6Prefix);
        b.announceIpv6(
          set.block,
          set.ipv6NextHop,
          prefixes,
          this.ipv6PathIds ? ones(keys.length) : undefined,
        );
      } else {
        b.announce(set.block, keys as number[], this.ipv4PathIds ? ones(keys.length) : undefined);
      }
    }
  }

  private writeEndOfRib(): void {
    this.builder.endOfRib(Afi.Ipv4, Safi.Unicast);
    if (this.ipv6Unicast) this.builder.endOfRib(Afi.Ipv6, Safi.Unicast);
    this.endOfRibSent = true;
  }

  private send(bytes: Buffer): void {
    if (this.output.send([bytes])) return;
    this.paused = true;
    this.output.onDrain(() => {
      this.paused = false;
      this.onResume();
    });
  }
}

/** RFC 7911: with ADD-PATH send negotiated we advertise one path per prefix, path id 1. */
function ones(count: number): number[] {
  return new Array<number>(count).fill(1);
}
