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
 */
import type { BmpCollectorSpec } from '../bmp/index.js';
import { ipv4Prefix, ipv6Prefix, type Prefix } from '../lib/prefix.js';
import type { InstanceId } from '../rib/ports.js';
import type { EngineRole } from '../policy/index.js';
import type {
  InternalPeer,
  InstanceHealth,
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
  readonly links?: readonly { readonly linkId: string; readonly peer: InternalPeer }[];
  /** BMP export of this instance */
  readonly bmp?: BmpSettings;
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
  | { readonly op: 'link-up'; readonly linkId: string; readonly peer: InternalPeer }
  | { readonly op: 'link-down'; readonly linkId: string }
  | { readonly op: 'link-receive'; readonly linkId: string; readonly messages: readonly Uint8Array[] }
  | { readonly op: 'link-ack'; readonly linkId: string; readonly bytes: number }
  | { readonly op: 'learned'; readonly connectionId: string }
  | { readonly op: 'advertised'; readonly connectionId: string }
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
  | { readonly type: 'link-send'; readonly linkId: string; readonly messages: readonly Uint8Array[] }
  /** the bytes of the other end this end's engine took (src/rib/internal-link.ts) */
  | { readonly type: 'link-ack'; readonly linkId: string; readonly bytes: number }
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

  get size(): number {
    return this.v4Length / 2 + this.v6.length / 2;
  }

  add(prefix: Prefix, nextHops: readonly string[] | undefined): void {
    const reference = nextHops === undefined ? WITHDRAWN : this.hopReference(nextHops);
    if (prefix.family === 4) {
      if (this.v4Length + 2 > this.v4.length) {
        const grown = new Uint32Array(this.v4.length * 2);
        grown.set(this.v4);
        this.v4 = grown;
      }
      this.v4[this.v4Length++] = prefix.address;
      this.v4[this.v4Length++] = ((prefix.length << 24) | reference) >>> 0;
    } else {
      for (const byte of prefix.address) this.v6Addresses.push(byte);
      this.v6.push(prefix.length, reference);
    }
  }

  private hopReference(nextHops: readonly string[]): number {
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
