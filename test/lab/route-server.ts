/**
 * The route server's side of a lab: the node that holds both instance
 * addresses, the API host (test/interop/hosts/api-host.ts) started in it,
 * and the peers an NVA configures toward both instances.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { BgpPeer } from './daemon.js';
import type { Lab, LabNode } from './lab.js';
import type { LabProcess } from './process.js';
import { waitFor } from './process.js';

/** The two instances' addresses (RouteServerSubnet 10.0.0.0/16, as the interop tests lay it out). */
export const IN_0 = '10.0.0.4';
export const IN_1 = '10.0.0.5';
/** Azure Route Server's ASN (docs/azure-behaviour.md). */
export const ROUTE_SERVER_ASN = 65515;

/** Adds the node `rs` with both instance addresses. */
export function addRouteServerNode(lab: Lab): Promise<LabNode> {
  return lab.addNode('rs', [`${IN_0}/16`, `${IN_1}/16`]);
}

/** An NVA's peers: both instances, eBGP multihop (TTL 2), with `options` on each. */
export function instancePeers(options: Omit<BgpPeer, 'address' | 'asn'> = {}): BgpPeer[] {
  return [IN_0, IN_1].map((address) => ({ address, asn: ROUTE_SERVER_ASN, multihopTtl: 2, ...options }));
}

/**
 * Starts the API host in `node` with its data directory in the node's
 * directory and waits until it serves (DIR/api-ready). `tcp`: the API listens
 * on the namespace's loopback as well (see api-host.ts).
 */
export async function startApiHost(
  lab: Lab,
  node: LabNode,
  options: { tcp?: boolean } = {},
): Promise<LabProcess> {
  rmSync(path.join(node.dir, 'api-ready'), { force: true });
  const script = path.resolve('test/interop/hosts/api-host.ts');
  const args = ['--import', 'tsx', script, node.dir, ...(options.tcp === true ? ['tcp'] : [])];
  const host = lab.spawn(node, process.execPath, args, { logFile: path.join(node.dir, 'api-host.log') });
  await waitFor(
    'API host ready',
    async () => {
      if (!host.running) throw new Error(`API host exited:\n${host.logTail()}`);
      return existsSync(path.join(node.dir, 'api-ready')) ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  return host;
}
