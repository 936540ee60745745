/**
 * Applying one UPDATE to a peer's Adj-RIB-In (and through it the Loc-RIB).
 *
 * Order within an UPDATE (RFC 4271 §4.3, RFC 4760): withdrawals first, then
 * announcements; a prefix both withdrawn and announced ends announced.
 * RFC 7606 treat-as-withdraw: every prefix of the UPDATE is withdrawn.
 * The per-peer route limit (docs/azure-behaviour.md §2.3, policy `exceedsRouteLimit`) is
 * checked before anything of the UPDATE is applied.
 * ADD-PATH receive is not used by the route server: path identifiers, if
 * any, are ignored and routes are keyed by prefix.
 */
import { Afi, Safi } from '../bgp/codec/index.js';
import type { UpdateMessage } from '../bgp/codec/index.js';
import type { PrefixKey } from '../lib/prefix.js';
import { prefixKey } from '../lib/prefix.js';
import { exceedsRouteLimit } from '../policy/index.js';
import type { AttributeStore } from './attribute-store.js';
import type { Path, PeerState } from './peer.js';

/** What ingest needs of the engine. */
export interface IngestTable {
  readonly routeLimit: number;
  readonly store: AttributeStore;
  announce(peer: PeerState, key: PrefixKey, path: Path): void;
  withdraw(peer: PeerState, key: PrefixKey): void;
  tripRouteLimit(peer: PeerState, announced: number): void;
}

interface IngestCounters {
  updatesReceived: number;
  prefixesAnnounced: number;
  prefixesWithdrawn: number;
}

function isUnicast(afi: number, safi: number, wanted: number): boolean {
  return afi === wanted && safi === Safi.Unicast;
}

/** Prefixes an UPDATE announces (NLRI field and MP_REACH_NLRI), as the route limit counts them. */
function announcedCount(update: UpdateMessage): number {
  const reach = update.attributes.mpReach;
  return update.nlri.length + (reach ? reach.nlri.keys.length + reach.nlri.prefixes.length : 0);
}

/** Every prefix key the UPDATE withdraws (or, with treat-as-withdraw, mentions at all). */
function withdrawnKeys(update: UpdateMessage, everything: boolean): PrefixKey[] {
  const keys: PrefixKey[] = [...update.withdrawn];
  const unreach = update.attributes.mpUnreach;
  if (unreach) {
    keys.push(...unreach.withdrawn.keys);
    for (const p of unreach.withdrawn.prefixes) keys.push(prefixKey(p));
  }
  if (everything) {
    keys.push(...update.nlri);
    const reach = update.attributes.mpReach;
    if (reach) {
      keys.push(...reach.nlri.keys);
      for (const p of reach.nlri.prefixes) keys.push(prefixKey(p));
    }
  }
  return keys;
}

/** Applies one UPDATE; returns the number of prefixes it carried (the work done). */
export function ingestUpdate(
  table: IngestTable,
  peer: PeerState,
  update: UpdateMessage,
  counters: IngestCounters,
): number {
  if (peer.status !== 'up') return 0;
  counters.updatesReceived++;
  const treatAsWithdraw = update.action === 'treat-as-withdraw';
  const announced = treatAsWithdraw ? 0 : announcedCount(update);
  // docs/azure-behaviour.md §2.3: the limit is the NVAs'; internal links (gateways, src/policy/gateway-rules.ts) have none
  const limited = (peer.info.kind ?? 'nva') === 'nva';
  if (announced > 0 && limited && exceedsRouteLimit(peer.adjRibIn.size, announced, table.routeLimit)) {
    table.tripRouteLimit(peer, announced);
    return announced;
  }
  const withdrawn = withdrawnKeys(update, treatAsWithdraw);
  for (const key of withdrawn) table.withdraw(peer, key);
  counters.prefixesWithdrawn += withdrawn.length;
  if (announced === 0) return withdrawn.length;
  counters.prefixesAnnounced += announced;
  const context = peer.info.capabilities.context;
  if (update.nlri.length > 0) {
    announceAll(table, peer, table.store.intern(update, context, 4), update.nlri);
  }
  const reach = update.attributes.mpReach;
  if (reach && isUnicast(reach.afi, reach.safi, Afi.Ipv4) && reach.nlri.keys.length > 0) {
    announceAll(table, peer, table.store.intern(update, context, 4), reach.nlri.keys);
  }
  if (reach && isUnicast(reach.afi, reach.safi, Afi.Ipv6) && reach.nlri.prefixes.length > 0) {
    const keys = reach.nlri.prefixes.map((p) => prefixKey(p));
    announceAll(table, peer, table.store.intern(update, context, 6), keys);
  }
  return withdrawn.length + announced;
}

function announceAll(
  table: IngestTable,
  peer: PeerState,
  set: ReturnType<AttributeStore['intern']>,
  keys: readonly PrefixKey[],
): void {
  const path = peer.pathFor(set);
  for (let i = 0; i < keys.length; i++) table.announce(peer, keys[i]!, path);
  peer.releaseIfUnused(path);
}
