/**
 * The messages between the main thread and one instance's worker
 * (instance-worker.ts): commands with an id, answered by a reply or a
 * failure; and reports the worker pushes — session states, routes to
 * inject, diagnostics events.
 *
 * Routes to inject travel as a `RouteBatch`: next-hop sets once per batch,
 * IPv4 prefixes as pairs of 32-bit words (address, length << 24 | hop-set
 * reference) in a transferable buffer, IPv6 prefixes as 16 address bytes
 * plus a pair of words. A reference of 0 withdraws the prefix. Everything
 * here is structured-clone data, the same a socket between hosts would carry.
 * The receiving side reads a batch in place (`RouteBatchView`, the route
 * engine's `InjectedRouteBatch`): no object per prefix on either side.
 */
import type { BmpCollectorSpec } from '../bmp/index.js';
import { ipv4Prefix, ipv6Prefix, prefixFromKey, prefixKey, type PrefixKey } from '../lib/prefix.js';
import type { InjectedRouteBatch, InstanceId } from '../rib/ports.js';
import type { EngineRole, RouteMapDefinition } from '../policy/index.js';
import type { RouteMapDirection } from '../rib/index.js';
import type {
  InternalPeer,
  InstanceHealth,
  LearnedRouteDetails,
  InstanceRouteMapEvaluation,
  PeerRoute,
  PeerSpec,
  PeerStatistics,
  RouteServerRuntimeSettings,
  SessionState,
  VnetRouteChange,
} from './types.js';

/** BMP export (docs/bmp.md): the collectors, and how often Statistics Reports go out. */
export interface BmpSettings {
  readonly collectors: readonly BmpCollectorSpec[];
  /** default 60,000; 0: none */
  readonly statisticsIntervalMs?: number;
  /** bytes that may wait for a collector before messages are dropped; default 32 MiB */
  readonly bufferBytes?: number;
}

/** What one instance's worker needs to start. */
export interface InstanceStartSpec {
  readonly routeServerId: string;
  readonly instance: InstanceId;
  readonly address: string;
  readonly asn: number;
  readonly port: number;
  readonly addressSpaces: readonly string[];
  readonly peers: readonly PeerSpec[];
  readonly settings: RouteServerRuntimeSettings;
  /** false: no route is handed to the virtual network (WorkerRuntimeOptions.programVnet); default true */
  readonly programVnet?: boolean;
  /** default `route-server`; a gateway's speaker otherwise (src/policy/gateway-rules.ts) */
  readonly role?: EngineRole;
  /** a gateway's speaker: this instance's GatewaySubnet address */
  readonly internalNextHop?: string;
  /** the internal links of this instance (brought up again after a restart) */
  readonly links?: readonly {
    readonly linkId: string;
    readonly peer: InternalPeer;
    /** the link's incarnation (src/rib/internal-link.ts, generations) */
    readonly generation: number;
  }[];
  /** BMP export of this instance */
  readonly bmp?: BmpSettings;
  /** run a synthetic table through the thread's code before listening (src/runtime/warm-up.ts); default false */
  readonly warmUp?: boolean;
}

export type InstanceCommand =
  | { readonly op: 'start'; readonly spec: InstanceStartSpec }
  /** `restarting`: the daemon stops to start again (graceful restart, docs/graceful-restart.md) */
  | { readonly op: 'stop'; readonly communication: string; readonly restarting?: boolean }
  | { readonly op: 'settings'; readonly settings: RouteServerRuntimeSettings }
  | { readonly op: 'spaces'; readonly addressSpaces: readonly string[] }
  | { readonly op: 'add-peer'; readonly peer: PeerSpec }
  | { readonly op: 'update-peer'; readonly peer: PeerSpec }
  | { readonly op: 'remove-peer'; readonly connectionId: string }
  | { readonly op: 'refresh' }
  | {
      readonly op: 'link-up';
      readonly linkId: string;
      readonly peer: InternalPeer;
      readonly generation: number;
    }
  | { readonly op: 'link-down'; readonly linkId: string }
  | {
      readonly op: 'link-receive';
      readonly linkId: string;
      readonly messages: readonly Uint8Array[];
      readonly generation: number;
    }
  | { readonly op: 'link-ack'; readonly linkId: string; readonly bytes: number; readonly generation: number }
  | { readonly op: 'learned'; readonly connectionId: string }
  | { readonly op: 'advertised'; readonly connectionId: string }
  | {
      readonly op: 'learned-details';
      readonly connectionId: string;
      readonly networks: readonly string[];
      readonly rejectedLimit: number;
    }
  | {
      readonly op: 'evaluate-route-map';
      readonly connectionId: string;
      readonly map: RouteMapDefinition;
      readonly direction: RouteMapDirection;
    }
  | { readonly op: 'statistics' }
  | { readonly op: 'health' };

/** What each command answers with. */
export interface CommandResults {
  /** the port the instance listens on */
  start: number;
  stop: undefined;
  settings: undefined;
  spaces: undefined;
  'add-peer': undefined;
  'update-peer': undefined;
  'remove-peer': undefined;
  refresh: undefined;
  'link-up': undefined;
  'link-down': undefined;
  'link-receive': undefined;
  'link-ack': undefined;
  learned: readonly PeerRoute[];
  advertised: readonly PeerRoute[];
  'learned-details': LearnedRouteDetails;
  'evaluate-route-map': readonly InstanceRouteMapEvaluation[];
  statistics: readonly PeerStatistics[];
  health: InstanceHealth;
}

export type CommandMessage = InstanceCommand & { readonly id: number };

export interface RouteBatch {
  readonly hopSets: readonly (readonly string[])[];
  /** per IPv4 change: address, (length << 24) | hop-set reference (index + 1; 0 = withdrawn) */
  readonly v4: Uint32Array;
  /** per IPv6 change: 16 address bytes */
  readonly v6Addresses: Uint8Array;
  /** per IPv6 change: length, hop-set reference */
  readonly v6: Uint32Array;
}

export type InstanceReport =
  | { readonly type: 'reply'; readonly id: number; readonly value: unknown }
  | { readonly type: 'failed'; readonly id: number; readonly code?: string; readonly message: string }
  | { readonly type: 'session'; readonly peer: string; readonly state: SessionState }
  | { readonly type: 'routes'; readonly batch: RouteBatch }
  | {
      readonly type: 'link-send';
      readonly linkId: string;
      readonly messages: readonly Uint8Array[];
      readonly generation: number;
    }
  /** the bytes of the other end this end's engine took (src/rib/internal-link.ts) */
  | {
      readonly type: 'link-ack';
      readonly linkId: string;
      readonly bytes: number;
      readonly generation: number;
    }
  /** the other end fell too far behind: reset the link at both ends */
  | { readonly type: 'link-reset'; readonly linkId: string }
  | { readonly type: 'diagnostics'; readonly channel: string; readonly message: unknown };

const WITHDRAWN = 0;

/** Accumulates route changes of one instance and encodes them as one `RouteBatch`. */
export class RouteBatchEncoder {
  private hopSets: (readonly string[])[] = [];
  private hopIndex = new Map<string, number>();
  private v4 = new Uint32Array(1024);
  private v4Length = 0;
  private v6Addresses: number[] = [];
  private v6: number[] = [];
  /** the last set looked up: consecutive changes usually share one array */
  private lastHops: readonly string[] | undefined;
  private lastReference = 0;

  get size(): number {
    return this.v4Length / 2 + this.v6.length / 2;
  }

  /** Appends the change of one prefix (src/lib/prefix.ts key): its next hops, or undefined when withdrawn. */
  add(key: PrefixKey, nextHops: readonly string[] | undefined): void {
    const reference = nextHops === undefined ? WITHDRAWN : this.hopReference(nextHops);
    if (typeof key === 'number') {
      if (this.v4Length + 2 > this.v4.length) {
        const grown = new Uint32Array(this.v4.length * 2);
        grown.set(this.v4);
        this.v4 = grown;
      }
      // an IPv4 key is address × 64 + length (src/lib/prefix.ts `prefixKey`)
      const length = key - Math.floor(key / 64) * 64;
      this.v4[this.v4Length++] = (key - length) / 64;
      this.v4[this.v4Length++] = ((length << 24) | reference) >>> 0;
    } else {
      const prefix = prefixFromKey(key);
      for (const byte of prefix.address as Uint8Array) this.v6Addresses.push(byte);
      this.v6.push(prefix.length, reference);
    }
  }

  private hopReference(nextHops: readonly string[]): number {
    if (nextHops === this.lastHops) return this.lastReference;
    const reference = this.hopIndexOf(nextHops);
    this.lastHops = nextHops;
    this.lastReference = reference;
    return reference;
  }

  private hopIndexOf(nextHops: readonly string[]): number {
    const key = nextHops.length === 1 ? nextHops[0]! : nextHops.join(',');
    let index = this.hopIndex.get(key);
    if (index === undefined) {
      index = this.hopSets.length;
      this.hopSets.push(nextHops);
      this.hopIndex.set(key, index);
    }
    return index + 1;
  }

  /** The batch so far (its buffers can be transferred), and a fresh start. */
  take(): RouteBatch {
    const batch: RouteBatch = {
      hopSets: this.hopSets,
      v4: this.v4.slice(0, this.v4Length),
      v6Addresses: Uint8Array.from(this.v6Addresses),
      v6: Uint32Array.from(this.v6),
    };
    this.hopSets = [];
    this.hopIndex = new Map();
    this.lastHops = undefined;
    this.v4Length = 0;
    this.v6Addresses = [];
    this.v6 = [];
    return batch;
  }
}

/** The buffers of a batch, to transfer rather than copy. */
export function batchTransferList(batch: RouteBatch): ArrayBuffer[] {
  return [batch.v4.buffer, batch.v6Addresses.buffer, batch.v6.buffer] as ArrayBuffer[];
}

/** Decodes a batch into changes, in the order they were added (per address family). */
export function decodeRouteBatch(batch: RouteBatch): VnetRouteChange[] {
  const changes: VnetRouteChange[] = [];
  const routes = batch.hopSets.map((nextHops) => ({ nextHops }));
  const { v4, v6, v6Addresses } = batch;
  for (let i = 0; i < v4.length; i += 2) {
    const word = v4[i + 1]!;
    const reference = word & 0xffffff;
    changes.push({
      prefix: ipv4Prefix(v4[i]!, word >>> 24),
      route: reference === WITHDRAWN ? null : routes[reference - 1]!,
    });
  }
  for (let i = 0; i < v6.length; i += 2) {
    const reference = v6[i + 1]!;
    const address = v6Addresses.slice(i * 8, i * 8 + 16);
    changes.push({
      prefix: ipv6Prefix(address, v6[i]!),
      route: reference === WITHDRAWN ? null : routes[reference - 1]!,
    });
  }
  return changes;
}

/**
 * A received batch read in place as the route engine's `InjectedRouteBatch`
 * (src/rib/ports.ts): the IPv4 changes, then the IPv6 ones, each family in
 * the order it was added; set ids are the batch's references.
 */
export class RouteBatchView implements InjectedRouteBatch {
  private readonly v4Count: number;

  constructor(readonly batch: RouteBatch) {
    this.v4Count = batch.v4.length >> 1;
  }

  get size(): number {
    return this.v4Count + (this.batch.v6.length >> 1);
  }

  keyAt(index: number): PrefixKey {
    if (index < this.v4Count) {
      const v4 = this.batch.v4;
      return v4[2 * index]! * 64 + (v4[2 * index + 1]! >>> 24);
    }
    const i = index - this.v4Count;
    const address = this.batch.v6Addresses.slice(i * 16, i * 16 + 16);
    return prefixKey(ipv6Prefix(address, this.batch.v6[2 * i]!));
  }

  hopSetAt(index: number): number {
    if (index < this.v4Count) return this.batch.v4[2 * index + 1]! & 0xffffff;
    return this.batch.v6[2 * (index - this.v4Count) + 1]!;
  }

  hopSet(id: number): readonly string[] {
    return this.batch.hopSets[id - 1]!;
  }

  /** The changes as objects, for consumers that keep them (the live state shared through etcd). */
  changes(): VnetRouteChange[] {
    return decodeRouteBatch(this.batch);
  }
}
