/**
 * The BGP runtime: the live side of route servers — two instances each
 * (a `BgpSpeaker` wired to a `RouteEngine`), their sessions with the NVAs,
 * their Adj-RIBs and the routes they inject. `src/routeserver` drives it;
 * it knows nothing of the store, the resources or the virtual network model.
 *
 * What it needs (commands, plain data):
 * - route servers to run: id, ASN, the instances' addresses, settings
 *   (branch-to-branch, route limit, hub routing preference) and peers
 *   (connection id, address, ASN) — `startRouteServer`, `stopRouteServer`,
 *   `updateSettings`, `addPeer`, `updatePeer`, `removePeer`;
 * - the address spaces to advertise (canonical prefix text), at start and
 *   on every change — `setAddressSpaces`; which learned routes may be
 *   injected follows from them (docs/azure-behaviour.md §3.2);
 * - `refreshPeers` when the VNet's peerings change (ROUTE-REFRESH).
 *
 * What it publishes:
 * - routes to inject into the virtual network, as batches of changes per
 *   route server and instance (`onInjectedRoutes`);
 * - session states per instance (`sessionStates`) and, for metrics, every
 *   session with its route counts (`peerStatistics`);
 * - learned and advertised routes of a peer, on request, and the dry run
 *   of a route map on them (docs/route-maps.md);
 * - session events on `node:diagnostics_channel` (`routeserver:bgp:session`,
 *   src/bgp/session/events.ts) and route-engine events (`RIB_CHANNEL`).
 *
 * Everything crossing this interface is plain, serialisable data; no call
 * reaches back into the caller except the injected-routes subscription,
 * which carries data only. A bind failure is a `BgpRuntimeError` that names
 * the address and the remedy (bind-error.ts).
 */
export type * from './types.js';
export { WorkerRuntime, type WorkerRuntimeOptions } from './worker-runtime.js';
export { RUNTIME_CHANNEL, type RuntimeEvent } from './events.js';
export type { InstanceHealth } from './types.js';
export { BgpRuntimeError, RUNTIME_ERROR_CODES, type RuntimeErrorCode } from './errors.js';
