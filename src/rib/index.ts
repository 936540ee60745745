/**
 * rib: the route engine of one route-server instance — Adj-RIB-In per peer
 * (pre-policy), Loc-RIB with the decision process and ECMP sets, Adj-RIB-Out
 * per peer with UPDATE packing and backpressure, interned attribute sets —
 * and the ports through which it talks to the virtual network and to BGP
 * sessions. No I/O: sessions and the VNet implement the ports.
 *
 * See docs/route-processing.md for the rules and the decision steps.
 */
export * from './ports.js';
export { RouteEngine } from './engine.js';
export { InjectedChanges } from './injected-changes.js';
export { AdvertisedAddressSpaces } from './injection.js';
export type { PeerCounters, RouteEngineCounters, RouteEngineOptions } from './engine-options.js';
export type { PeerRouteMaps } from './peer-route-maps.js';
export type {
  RouteMapDirection,
  RouteMapEvaluation,
  RouteMapRouteAttributes,
  RouteMapRouteChange,
} from './route-map-dry-run.js';
export type { SessionCloseListener, SessionCloseRequest } from './session-close.js';
export type { PeerCapabilities, PeerId, PeerInfo } from './peer.js';
export type { AdvertisedRoute, LearnedRoute, LearnedRouteDetail, PeerRouteView } from './views.js';
export { DECISION_STEPS, decide } from './decision.js';
export type { Decision, DecisionPath, DecisionStep, RoutingPreference } from './decision.js';
export { InternalLinkReceiver, InternalLinkSender, internalPeerInfo } from './internal-link.js';
export type { InternalLinkPeer } from './internal-link.js';
export { RIB_ERROR_CODES, RibError } from './errors.js';
export type { RibErrorCode } from './errors.js';
export { RIB_CHANNEL } from './events.js';
export type { RibEvent } from './events.js';
