/**
 * bgp/session: BGP over TCP for one route-server instance.
 *
 * API (what the route engine wiring uses)
 * - `BgpSpeaker.start({ localAddress, port?, localAs? = 65515, routerId?, listener? })`
 *   binds the instance's address (port 179 by default) and returns the speaker.
 * - `speaker.addPeer({ address, asn, passive?, holdTimeSeconds?, ... })`,
 *   `updatePeer(...)` (a live session is reset with Cease / Other
 *   Configuration Change), `removePeer(address, communication?)` (Cease /
 *   Peer De-configured), `peer(address)`, `peers()`, `stop(communication?)`
 *   (Cease / Administrative Shutdown to every peer, RFC 9003 text).
 * - `PeerSession`: `state`, `negotiated` (codec context, hold time, families,
 *   route refresh), `write(messages | bytes) → boolean` (false: wait for the
 *   `drain` event before writing more), `requestRouteRefresh(afi, safi)`
 *   ('sent', or 'reset' = hard reset when the peer lacks the capability),
 *   `reset(subcode?, text?)` (e.g. Cease / Maximum Number of Prefixes
 *   Reached), `stop(subcode?, text?)`, `start()`.
 * - Events: `SpeakerListener.onEvent(event)` and the diagnostics channel
 *   `routeserver:bgp:session` carry `SessionEvent`s: state changes with
 *   reasons, UPDATEs decoded once, End-of-RIB, NOTIFICATIONs sent and
 *   received, ROUTE-REFRESH, drain, connections refused at the door, a
 *   TCP-MD5 key that could not be installed.
 * - `PeerOptions.md5Key`: RFC 2385 signatures through the kernel
 *   (tcp-md5.ts, docs/tcp-md5.md).
 *   `SpeakerListener.onRouteRefreshRequest(peer, afi, safi)` asks the owner
 *   to write the peer's Adj-RIB-Out again.
 *
 * Lifecycle diagram and deviations: docs/bgp-session.md.
 */
export { BgpSpeaker, AZURE_ROUTE_SERVER_ASN, BGP_PORT, DEFAULT_MULTIHOP_TTL } from './speaker.js';
export type { PeerOptions, SpeakerOptions } from './speaker.js';
export { PeerSession } from './peer-session.js';
export type { SocketOptions } from './peer-session.js';
export { SESSION_CHANNEL } from './events.js';
export type { SessionEvent, SessionEventType, SpeakerListener } from './events.js';
export { REFUSAL_CODES, SessionError } from './errors.js';
export type { RefusalCode, SessionErrorCode } from './errors.js';
export { TimerStats } from './attempt.js';
export { DEFAULT_HIGH_WATER_MARK } from './connection.js';
export { TCP_MD5_ADDON_ENV, TCP_MD5_MAX_KEY_BYTES, md5KeyProblem, tcpMd5Availability } from './tcp-md5.js';
export type { TcpMd5, TcpMd5Availability } from './tcp-md5.js';
