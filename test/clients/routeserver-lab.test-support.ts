/**
 * A lab for the client tests that need live BGP: namespace `rs` holds
 * routeserver's daemon (test/clients/hosts/daemon-host.ts) on
 * RouteServerSubnet's .4 and .5, FRR and BIRD peer with both, and the
 * clients run in `rs` too, reaching the API on that namespace's loopback.
 * The NVAs start when the test says (once their peerings exist).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createDaemon, Lab, type BgpDaemon, type LabProcess } from '../lab/index.js';
import { waitFor } from '../lab/process.js';
import { clientRunner, writeClientConfig, type ClientRunner } from './azure-clients.test-support.js';

export const IN_0 = '10.0.0.4';
export const IN_1 = '10.0.0.5';
export const FRR = { name: 'frr', address: '10.0.1.4', asn: 65001, prefix: '10.201.0.0/16' } as const;
export const BIRD = { name: 'bird', address: '10.0.1.5', asn: 65002, prefix: '10.202.0.0/16' } as const;

export interface RouteServerLab {
  readonly lab: Lab;
  readonly clients: ClientRunner;
  /** the API's URL inside namespace `rs` */
  readonly url: string;
  /** FRR, then BIRD */
  readonly nvas: readonly BgpDaemon[];
  /** polls `probe` until it gives a value (120 s), failing early if the daemon exits */
  wait<T>(what: string, probe: () => Promise<T | undefined>): Promise<T>;
  destroy(): Promise<void>;
}

export async function startRouteServerLab(name: string): Promise<RouteServerLab> {
  const lab = await Lab.create({ name });
  try {
    const rs = await lab.addNode('rs', [`${IN_0}/16`, `${IN_1}/16`]);
    const nvas: BgpDaemon[] = [];
    for (const nva of [FRR, BIRD]) {
      const node = await lab.addNode(nva.name, [`${nva.address}/16`]);
      nvas.push(
        createDaemon(nva.name, lab, node, {
          asn: nva.asn,
          localAddress: nva.address,
          holdTimeSeconds: 30,
          peers: [
            { address: IN_0, asn: 65515, multihopTtl: 2 },
            { address: IN_1, asn: 65515, multihopTtl: 2 },
          ],
          announce: [nva.prefix],
        }),
      );
    }
    const root = path.join(rs.dir, 'clients');
    mkdirSync(root, { recursive: true });
    const script = path.resolve('test/clients/hosts/daemon-host.ts');
    const host: LabProcess = lab.spawn(
      rs,
      process.execPath,
      ['--import', 'tsx', script, rs.dir, writeClientConfig(root)],
      { logFile: path.join(rs.dir, 'daemon-host.log') },
    );
    const wait = <T>(what: string, probe: () => Promise<T | undefined>) =>
      waitFor(
        what,
        async () => {
          if (!host.running) throw new Error(`routeserver exited:\n${host.logTail()}`);
          return probe();
        },
        { timeoutMs: 120_000, intervalMs: 1_000 },
      );
    const ready = path.join(rs.dir, 'ready');
    await wait('routeserver serving', async () => (existsSync(ready) ? true : undefined));
    const { url, certPath } = JSON.parse(readFileSync(ready, 'utf8')) as { url: string; certPath: string };
    return {
      lab,
      clients: clientRunner(root, certPath, rs.namespace),
      url,
      nvas,
      wait,
      destroy: () => lab.destroy(),
    };
  } catch (error) {
    await lab.destroy();
    throw error;
  }
}

/** Starts the NVAs and resolves once each has established with both instances. */
export async function startNvas(nvas: readonly BgpDaemon[]): Promise<void> {
  await Promise.all(nvas.map((d) => d.start()));
  await Promise.all(nvas.flatMap((d) => [IN_0, IN_1].map((a) => d.waitEstablished(a, 120_000))));
}
