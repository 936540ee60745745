/**
 * Sessions the route engine asks its owner to close, and why:
 * - `route-limit`: the peer announced more routes than the route server
 *   holds per peer (docs/azure-behaviour.md §2.3); RFC 4486 §4 Cease /
 *   Maximum Number of Prefixes Reached (built in src/policy/import-rules.ts).
 * - `output-lag`: the peer stopped reading what we send, and the UPDATEs
 *   written for it since (the update group's journal behind its position,
 *   src/rib/update-group.ts) passed `DEFAULT_OUTPUT_LAG_LIMIT` bytes; RFC 4486
 *   §3 Cease / Out of Resources. The other peers of its group never wait for
 *   it; this bounds what the group keeps for it. When the peer comes back it
 *   is sent the group's whole table again (src/rib/adj-rib-out.ts).
 */
import { CeaseSubcode, ErrorCode } from '../bgp/codec/index.js';
import type { NotificationMessage } from '../bgp/codec/index.js';
import type { PeerId } from './peer.js';

/**
 * Journal bytes a peer may fall behind its update group before its session
 * is closed: 64 MiB, the UPDATEs of several full Internet tables, so a peer
 * that reads slowly while a full table arrives is not cut off.
 */
export const DEFAULT_OUTPUT_LAG_LIMIT = 64 * 1024 * 1024;

export interface SessionCloseRequest {
  readonly peer: PeerId;
  readonly reason: 'route-limit' | 'output-lag';
  /** the NOTIFICATION to send before closing */
  readonly notification: NotificationMessage;
}

export type SessionCloseListener = (request: SessionCloseRequest) => void;

/** RFC 4486 §3: Cease / Out of Resources, no data. */
export function outOfResourcesNotification(): NotificationMessage {
  return {
    type: 'notification',
    code: ErrorCode.Cease,
    subcode: CeaseSubcode.OutOfResources,
    data: new Uint8Array(0),
  };
}
