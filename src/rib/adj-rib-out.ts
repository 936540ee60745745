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
import { PrefixMap, PrefixSet } from './prefix-map.js';

interface FlushResult {
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
  readonly sent = new PrefixMap<ExportSet>();
  /** prefixes whose export may have changed */
  readonly dirty = new PrefixSet();
  /** prefixes to send again even if unchanged (ROUTE-REFRESH) */
  readonly forced = new PrefixSet();
  /** the initial dump has queued every prefix */
  dumpQueued = false;
  endOfRibSent = false;
  paused = false;
  private announce = new Map<ExportSet, PrefixKey[]>();
  private withdrawV4: number[] = [];
  private withdrawV6: Ipv6Prefix[] = [];
  private announced = 0;
  private lastSet: ExportSet | undefined;
  private lastKeys: PrefixKey[] | undefined;
  private batchSize = 0;
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

  /** True when changes can go straight into the next batch (no backlog, not paused). */
  get direct(): boolean {
    return !this.paused && this.dirty.size === 0;
  }

  get hasBatch(): boolean {
    return this.batchSize > 0;
  }

  /** Adds the export `next` of `key` to the batch if it differs from what was sent (or when `forced`). */
  offer(key: PrefixKey, next: ExportSet | undefined, forced = false): void {
    const previous = this.sent.get(key);
    if (!forced && (next === previous || (next && previous && next.key === previous.key))) return;
    if (next) {
      this.sent.set(key, next);
      // Prefixes arrive in runs sharing one attribute set: skip the map lookup for a run.
      if (next === this.lastSet) this.lastKeys!.push(key);
      else {
        let keys = this.announce.get(next);
        if (!keys) this.announce.set(next, (keys = []));
        keys.push(key);
        this.lastSet = next;
        this.lastKeys = keys;
      }
      this.announced++;
      this.batchSize++;
    } else if (previous || forced) {
      this.sent.delete(key);
      if (typeof key === 'number') this.withdrawV4.push(key);
      else this.withdrawV6.push(prefixFromKey(key) as Ipv6Prefix);
      this.batchSize++;
    }
  }

  /** Examines up to `budget` dirty prefixes, then encodes and sends the batch. */
  flush(budget: number, exportOf: ExportOf): FlushResult {
    let work = 0;
    if (!this.paused) {
      const anyForced = this.forced.size > 0;
      for (const key of this.dirty) {
        if (work >= budget) break;
        work++;
        this.dirty.delete(key);
        this.offer(key, exportOf(key), anyForced && this.forced.delete(key));
      }
    }
    return this.emit(work);
  }

  private emit(work: number): FlushResult {
    this.encode(this.announce, this.withdrawV4, this.withdrawV6);
    const announced = this.announced;
    const withdrawn = this.withdrawV4.length + this.withdrawV6.length;
    this.announce = new Map();
    this.lastSet = undefined;
    this.lastKeys = undefined;
    this.withdrawV4 = [];
    this.withdrawV6 = [];
    this.announced = 0;
    this.batchSize = 0;
    const endOfRib = !this.paused && this.dumpQueued && !this.endOfRibSent && this.dirty.size === 0;
    if (endOfRib) this.writeEndOfRib();
    const messages = this.builder.messageCount;
    if (messages > 0) this.send(this.builder.take());
    return { work, messages, announced, withdrawn, endOfRib };
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
