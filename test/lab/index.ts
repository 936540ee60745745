/**
 * The interop lab: network namespaces joined by a bridge, with real BGP
 * daemons as NVAs. See test/lab/README.md.
 */
import { BirdDaemon } from './bird.js';
import type { BgpDaemon, BgpDaemonOptions } from './daemon.js';
import { ExabgpDaemon } from './exabgp.js';
import { FrrDaemon } from './frr.js';
import { GobgpDaemon } from './gobgp.js';
import type { Lab, LabNode } from './lab.js';
import { OpenbgpdDaemon } from './openbgpd.js';

export { apiRequest } from './api-request.js';
export type { ApiAnswer, ApiClient } from './api-request.js';
export { Lab, addressOf } from './lab.js';
export type { LabNode, LabOptions, SpawnOptions } from './lab.js';
export { isClean } from './leftovers.js';
export type { Leftovers, LeftoverProcess } from './leftovers.js';
export { LabProcess, isAlive } from './process.js';
export {
  addRouteServerNode,
  IN_0,
  IN_1,
  instancePeers,
  ROUTE_SERVER_ASN,
  startApiHost,
} from './route-server.js';
export { BgpDaemonBase, normaliseState, communityValue } from './daemon.js';
export type {
  BfdOptions,
  BfdPeerState,
  AnnounceOptions,
  Announcement,
  BgpDaemon,
  BgpDaemonOptions,
  BgpPeer,
  BgpSession,
  LearnedRoute,
  SessionState,
} from './daemon.js';
export { BirdDaemon, ExabgpDaemon, FrrDaemon, GobgpDaemon, OpenbgpdDaemon };

export const DAEMON_KINDS = ['frr', 'bird', 'gobgp', 'exabgp', 'openbgpd'] as const;
export type DaemonKind = (typeof DAEMON_KINDS)[number];

/** Creates (does not start) a daemon of the given kind on a node. */
export function createDaemon(
  kind: DaemonKind,
  lab: Lab,
  node: LabNode,
  options: BgpDaemonOptions,
): BgpDaemon {
  switch (kind) {
    case 'frr':
      return new FrrDaemon(lab, node, options);
    case 'bird':
      return new BirdDaemon(lab, node, options);
    case 'gobgp':
      return new GobgpDaemon(lab, node, options);
    case 'exabgp':
      return new ExabgpDaemon(lab, node, options);
    case 'openbgpd':
      return new OpenbgpdDaemon(lab, node, options);
  }
}
