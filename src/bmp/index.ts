/**
 * bmp: BGP Monitoring Protocol export (RFC 7854). Each route-server or
 * gateway instance is a monitored router: it connects to every configured
 * collector and sends Initiation, Peer Up/Down, Route Monitoring of every
 * peer's Adj-RIB-In pre-policy and post-policy, Statistics Reports and
 * Termination (docs/bmp.md).
 *
 * - messages.ts: the wire format (pure), the BGP PDUs inside from src/bgp/codec.
 * - monitor.ts: what one collector is told, from session changes and the
 *   route engine's Adj-RIB-In observer (src/rib/ports.ts); the table dump.
 * - connection.ts: the collector's TCP connection: bounded buffer, drops,
 *   resync, reconnect with back-off.
 * - exporter.ts: one instance's export to its collectors, from its session events.
 */
export { BmpExporter } from './exporter.js';
export type { BmpExporterOptions } from './exporter.js';
export type { BmpCollectorSpec, BmpCollectorStatistics, BmpConnectionOptions } from './connection.js';
export { BMP_CHANNEL } from './events.js';
export type { BmpEvent } from './events.js';
