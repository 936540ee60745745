/**
 * The route server lifecycle through the official @azure/arm-network SDK,
 * with FRR and BIRD as NVAs supplying routes. The server (store, domain
 * service, two BGP instances per route server, HTTPS API) runs in lab
 * namespace `rs`, whose addresses are RouteServerSubnet's .4 and .5; its API
 * listens on a unix socket in the lab directory, and the SDK in this process
 * reaches it through an HTTPS agent that dials that socket (the root
 * namespace has no route into the lab). See test/interop/hosts/api-host.ts.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetworkAndRouteServer,
  labHubPlan,
  deleteInOrder,
  effectiveRoutes,
  readRoutes,
  RESOURCE_GROUP,
} from '../../src/api/routes/sdk-lifecycle.test-support.js';
import { createDaemon, Lab } from '../lab/index.js';
import type { BgpDaemon, LabNode, LabProcess } from '../lab/index.js';
import { waitFor } from '../lab/process.js';
import { hostSdkClient } from './hosts/unix-socket-agent.js';

const SUB = '00000000-0000-0000-0000-00000000abcd';
const IN_0 = '10.0.0.4';
const IN_1 = '10.0.0.5';
const FRR = { address: '10.0.1.4', asn: 65001, prefix: '10.201.0.0/16' };
const BIRD = { address: '10.0.1.5', asn: 65002, prefix: '10.202.0.0/16' };
/** announced by both with equal AS-path length: ECMP in the VNet */
const SHARED = '10.250.0.0/16';

const plan = labHubPlan([
  { name: 'frr', peerIp: FRR.address, peerAsn: FRR.asn },
  { name: 'bird', peerIp: BIRD.address, peerAsn: BIRD.asn },
]);

describe('route server lifecycle through @azure/arm-network with FRR and BIRD', () => {
  let lab: Lab;
  let rs: LabNode;
  let host: LabProcess;
  let sdk: NetworkManagementClient;
  const daemons: BgpDaemon[] = [];

  const wait = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000) =>
    waitFor(
      what,
      async () => {
        if (!host.running) throw new Error(`route server exited:\n${host.logTail()}`);
        return probe();
      },
      { timeoutMs, intervalMs: 500 },
    );

  /** Starts the route server process (again); resolves once its API serves. */
  async function startHost(): Promise<void> {
    rmSync(path.join(rs.dir, 'api-ready'), { force: true });
    const script = path.resolve('test/interop/hosts/api-host.ts');
    host = lab.spawn(rs, process.execPath, ['--import', 'tsx', script, rs.dir], {
      logFile: path.join(rs.dir, 'api-host.log'),
    });
    await wait(
      'API host ready',
      async () => (existsSync(path.join(rs.dir, 'api-ready')) ? true : undefined),
      60_000,
    );
  }

  beforeAll(async () => {
    lab = await Lab.create({ name: 'sdk' });
    rs = await lab.addNode('rs', [`${IN_0}/16`, `${IN_1}/16`]);
    for (const [kind, nva] of [
      ['frr', FRR],
      ['bird', BIRD],
    ] as const) {
      const node = await lab.addNode(kind, [`${nva.address}/16`]);
      daemons.push(
        createDaemon(kind, lab, node, {
          asn: nva.asn,
          localAddress: nva.address,
          holdTimeSeconds: 30,
          peers: [
            { address: IN_0, asn: 65515, multihopTtl: 2 },
            { address: IN_1, asn: 65515, multihopTtl: 2 },
          ],
          announce: [nva.prefix, SHARED],
        }),
      );
    }
    await startHost();
    ({ sdk } = hostSdkClient(rs.dir, SUB));
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('creates the route server and its peerings, and the NVAs establish with both instances', async () => {
    const created = await createNetworkAndRouteServer(sdk, plan);
    expect(created.hub.kind).toBe('RouteServer');
    const hub = await sdk.virtualHubs.get(RESOURCE_GROUP, 'rs');
    expect(hub.virtualRouterIps).toEqual([IN_0, IN_1]);
    await Promise.all(daemons.map((d) => d.start()));
    await Promise.all(daemons.flatMap((d) => [IN_0, IN_1].map((a) => d.waitEstablished(a, 90_000))));
    for (const peer of plan.peers) {
      await wait(`${peer.name} Connected`, async () => {
        const connection = await sdk.virtualHubBgpConnection.get(RESOURCE_GROUP, 'rs', peer.name);
        return connection.connectionState === 'Connected' ? connection : undefined;
      });
    }
  });

  it('lists what each instance learned from FRR in Azure’s PeerRoute shape', async () => {
    const learned = await wait('FRR routes learned by both instances', async () => {
      const { learned } = await readRoutes(sdk, 'frr');
      const both = [IN_0, IN_1].every((_, i) =>
        learned[`RouteServiceRole_IN_${i}`]?.some((r) => r.network === FRR.prefix),
      );
      return both ? learned : undefined;
    });
    expect(learned.RouteServiceRole_IN_1).toContainEqual({
      localAddress: IN_1,
      network: FRR.prefix,
      nextHop: FRR.address,
      sourcePeer: FRR.address,
      origin: 'EBgp',
      asPath: String(FRR.asn),
      weight: 32768,
    });
  });

  it('lists what each instance advertises to BIRD: the VNet space with AS path 65515, and FRR’s route', async () => {
    const advertised = await wait('routes advertised to BIRD', async () => {
      const { advertised } = await readRoutes(sdk, 'bird');
      return advertised.RouteServiceRole_IN_0?.some((r) => r.network === FRR.prefix) ? advertised : undefined;
    });
    expect(advertised.RouteServiceRole_IN_0).toContainEqual(
      expect.objectContaining({ network: '10.0.0.0/16', nextHop: IN_0, asPath: '65515', origin: 'Igp' }),
    );
    expect(advertised.RouteServiceRole_IN_1).toContainEqual(
      expect.objectContaining({ network: '10.0.0.0/16', nextHop: IN_1, asPath: '65515' }),
    );
    const bird = daemons[1]!;
    await bird.waitRoute('10.0.0.0/16', { peer: IN_0, match: (r) => r.asPath.join(' ') === '65515' });
  });

  it('programs the NVA routes into the NIC’s effective route table, with ECMP for equal AS paths', async () => {
    const table = await wait('BGP routes in the effective route table', async () => {
      const rows = await effectiveRoutes(sdk);
      const shared = rows.filter((r) => r.addressPrefix?.[0] === SHARED);
      return shared.length === 2 && rows.some((r) => r.addressPrefix?.[0] === BIRD.prefix) ? rows : undefined;
    });
    expect(table).toContainEqual(
      expect.objectContaining({
        source: 'VirtualNetworkGateway',
        state: 'Active',
        addressPrefix: [FRR.prefix],
        nextHopType: 'VirtualNetworkGateway',
        nextHopIpAddress: [FRR.address],
      }),
    );
    const shared = table.filter((r) => r.addressPrefix?.[0] === SHARED).map((r) => r.nextHopIpAddress?.[0]);
    expect(shared.sort()).toEqual([FRR.address, BIRD.address]);
  });

  it('advertises a new VNet address space to the NVAs from both instances', async () => {
    const vnet = await sdk.virtualNetworks.get(RESOURCE_GROUP, 'hub');
    await sdk.virtualNetworks.beginCreateOrUpdateAndWait(
      RESOURCE_GROUP,
      'hub',
      { ...vnet, addressSpace: { addressPrefixes: ['10.0.0.0/16', '10.9.0.0/16'] } },
      { updateIntervalInMs: 100 },
    );
    for (const daemon of daemons) {
      for (const instance of [IN_0, IN_1]) {
        await daemon.waitRoute('10.9.0.0/16', {
          peer: instance,
          match: (r) => r.nextHop === instance && r.asPath.join(' ') === '65515',
        });
      }
    }
  });

  it('changes branch-to-branch on the live route server without dropping the sessions', async () => {
    const hub = await sdk.virtualHubs.get(RESOURCE_GROUP, 'rs');
    const updated = await sdk.virtualHubs.beginCreateOrUpdateAndWait(
      RESOURCE_GROUP,
      'rs',
      { ...hub, allowBranchToBranchTraffic: true },
      { updateIntervalInMs: 100 },
    );
    expect(updated.allowBranchToBranchTraffic).toBe(true);
    for (const peer of plan.peers) {
      const connection = await sdk.virtualHubBgpConnection.get(RESOURCE_GROUP, 'rs', peer.name);
      expect(connection.connectionState).toBe('Connected');
    }
  });

  it('comes back after a restart with its peerings and re-establishes the sessions', async () => {
    await host.stop();
    const frr = daemons[0]!;
    await waitFor(
      'FRR sees the route server gone',
      async () => {
        const sessions = await frr.sessions();
        return sessions.every((s) => s.state !== 'Established') ? sessions : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await startHost();
    const hub = await sdk.virtualHubs.get(RESOURCE_GROUP, 'rs');
    expect(hub).toMatchObject({ routingState: 'Provisioned', virtualRouterIps: [IN_0, IN_1] });
    await Promise.all(daemons.flatMap((d) => [IN_0, IN_1].map((a) => d.waitEstablished(a, 120_000))));
    await wait('BIRD route learned again by both instances', async () => {
      const { learned } = await readRoutes(sdk, 'bird');
      const both = [0, 1].every((i) =>
        learned[`RouteServiceRole_IN_${i}`]?.some((r) => r.network === BIRD.prefix),
      );
      return both ? learned : undefined;
    });
  });

  it('closes FRR’s sessions when its peering is deleted, and its routes leave the VNet', async () => {
    await sdk.virtualHubBgpConnection.beginDeleteAndWait(RESOURCE_GROUP, 'rs', 'frr', {
      updateIntervalInMs: 100,
    });
    const frr = daemons[0]!;
    await wait('FRR sessions down', async () => {
      const sessions = await frr.sessions();
      return sessions.every((s) => s.state !== 'Established') ? sessions : undefined;
    });
    await wait('FRR route gone from the effective routes', async () => {
      const rows = await effectiveRoutes(sdk);
      return rows.some((r) => r.addressPrefix?.[0] === FRR.prefix) ? undefined : rows;
    });
  });

  it('deletes everything in Azure’s order', async () => {
    await deleteInOrder(sdk, { ...plan, peers: plan.peers.filter((p) => p.name !== 'frr') });
    const peers = [];
    const error = await sdk.virtualHubs.get(RESOURCE_GROUP, 'rs').catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 404 });
    for await (const vnet of sdk.virtualNetworks.list(RESOURCE_GROUP)) peers.push(vnet);
    expect(peers).toEqual([]);
    const bird = daemons[1]!;
    await wait('BIRD sessions down after the route server stopped', async () => {
      const sessions = await bird.sessions();
      return sessions.every((s) => s.state !== 'Established') ? sessions : undefined;
    });
  });
});
