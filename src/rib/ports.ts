/**
 * Ports of the route engine: what it publishes to the virtual network (the
 * routes to inject into VMs) and what it asks of the virtual network (which
 * address spaces to advertise, which prefixes must not be injected).
 *
 * The route engine defines these interfaces; `src/sdn` implements them, so
 * `rib` never imports `sdn` (docs/architecture.md).
 */
import type { PathAttributes } from '../bgp/codec/index.js';
import type { Prefix, PrefixKey } from '../lib/prefix.js';

/** Identifies one route-server instance: `IN_0` or `IN_1` (Azure's `RouteServiceRole_IN_n`). */
export type InstanceId = string;

export type Origin = 'igp' | 'egp' | 'incomplete';

/**
 * The changes of one call to `applyInjectedRoutes`, in order: per change a
 * prefix key (src/lib/prefix.ts) and the id of its next-hop set, 0 when the
 * prefix is no longer injected. A set is the ECMP set of the prefix's best
 * paths: distinct BGP next hops as dotted/colon text, sorted ascending. Ids
 * are valid within the batch; a full table has a million prefixes and a
 * handful of sets, so no object is made per prefix (src/rib/injected-changes.ts).
 */
export interface InjectedRouteBatch {
  readonly size: number;
  keyAt(index: number): PrefixKey;
  /** the next-hop set id of change `index`; 0 = withdrawn */
  hopSetAt(index: number): number;
  /** the next hops of set `id` (1 or more) */
  hopSet(id: number): readonly string[];
}

/**
 * Output port: the route engine calls this with every change to the set of
 * routes an instance injects. Calls are batched (one call per processed slice)
 * and ordered per instance. The batch is the sink's to keep.
 */
export interface InjectedRouteSink {
  applyInjectedRoutes(instance: InstanceId, changes: InjectedRouteBatch): void;
}

/**
 * Input port: what the virtual network tells the route engine.
 * - `advertisedAddressSpaces`: the VNet's and the peered VNets' (using the
 *   route server) address spaces, advertised to every NVA with AS path 65515.
 * - `isInjectable`: false for a prefix equal to or more specific than one of
 *   those address spaces (docs/azure-behaviour.md §3.2): such routes are learned and
 *   shown but not programmed into VMs.
 */
export interface VirtualNetworkView {
  advertisedAddressSpaces(): readonly Prefix[];
  isInjectable(prefix: Prefix): boolean;
  /** Registers a callback fired when the advertised address spaces change; returns an unsubscribe. */
  onAddressSpacesChanged(listener: () => void): () => void;
}

/**
 * Output port towards one BGP session, implemented by the session layer.
 * - `send(messages)`: each Buffer holds one or more whole, encoded BGP
 *   messages, to be written in order. Returns false when the session's write
 *   queue is above its high-water mark: the engine then stops producing
 *   UPDATEs for this peer until `onDrain` fires. (The messages passed in the
 *   call that returned false are still queued and sent.)
 * - `onDrain(callback)`: calls `callback` once, when the queue has drained
 *   below its low-water mark.
 */
export interface PeerOutput {
  send(messages: Buffer[]): boolean;
  onDrain(callback: () => void): void;
}

/** A route of a peer's Adj-RIB-In as an observer sees it: its interned attribute set. */
export interface AdjRibInRoute {
  /** as received (IPv4 routes of an MP_REACH_NLRI: with its next hop as NEXT_HOP), without MP_REACH/MP_UNREACH */
  readonly attributes: PathAttributes;
  /** IPv6 routes: the MP_REACH_NLRI next hop */
  readonly ipv6NextHop: Uint8Array | undefined;
  /** the import rules' verdict (src/policy/import-rules.ts): accepted routes are the post-policy Adj-RIB-In */
  readonly verdict: { readonly accepted: boolean };
  /** the Path Attributes field as received when that is its 4-octet-AS encoding, else undefined (src/rib/attribute-store.ts) */
  receivedFourOctetBlock(): Uint8Array | undefined;
}

/**
 * Read-only observer of the Adj-RIB-In of every peer whose session is up
 * (BMP route monitoring, src/bmp): called synchronously inside the slice
 * that changes a prefix's route, once per change; `route` undefined means
 * withdrawn. A peer going down is not reported prefix by prefix: the
 * session event says it. The observer must not call the engine back.
 */
export interface AdjRibInObserver {
  adjRibInChanged(
    peer: string,
    key: PrefixKey,
    route: AdjRibInRoute | undefined,
    previous: AdjRibInRoute | undefined,
  ): void;
}
