/**
 * High availability across two hosts (docs/ha.md): a three-member etcd
 * cluster in lab namespace `etcd`; host `a` runs IN_0 (10.0.0.4) and an API,
 * host `b` runs IN_1 (10.0.0.5) and an API, each `serve --instances …` on
 * the etcd store (test/interop/hosts/ha-host.ts); FRR and BIRD peer with both
 * instances, a second FRR (`solo`) with IN_0 only. Both APIs are used with
 * the official SDK, each through its host's unix socket.
 *
 * Through a kill -9 of host a and its restart, a VM's effective route table
 * read from host b every 100 ms must never lack 10.250.0.0/16 or 0.0.0.0/0
 * (both NVAs announce both to both instances). The loss of one etcd member
 * must change nothing; of two, writes are refused with 503 ServiceUnavailable
 * (BGPRS_ERR_RS_STORE_UNAVAILABLE) while BGP stays up and reads are answered; with the members back,
 * writes are accepted and nothing is lost.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetworkAndRouteServer,
  deleteInOrder,
  effectiveRoutes,
  labHubPlan,
  readRoutes,
  RESOURCE_GROUP,
} from '../../src/api/routes/sdk-lifecycle.test-support.js';
import { createDaemon, Lab } from '../lab/index.js';
import type { BgpDaemon, LabNode, LabProcess } from '../lab/index.js';
import { sleep, waitFor } from '../lab/process.js';
import { hostSdkClient } from './hosts/unix-socket-agent.js';

const SUB = '00000000-0000-0000-0000-00000000a11a';
const IN_0 = '10.0.0.4';
const IN_1 = '10.0.0.5';
const ETCD = ['10.0.9.1', '10.0.9.2', '10.0.9.3'];
const FRR = { address: '10.0.1.4', asn: 65001, prefix: '10.201.0.0/16' };
const BIRD = { address: '10.0.1.5', asn: 65002, prefix: '10.202.0.0/16' };
const SOLO = { address: '10.0.1.6', asn: 65003, prefix: '10.77.0.0/16' };
const KEPT = ['10.250.0.0/16', '0.0.0.0/0'];

const plan = labHubPlan([
  { name: 'frr', peerIp: FRR.address, peerAsn: FRR.asn },
  { name: 'bird', peerIp: BIRD.address, peerAsn: BIRD.asn },
  { name: 'solo', peerIp: SOLO.address, peerAsn: SOLO.asn },
]);

interface Host {
  node: LabNode;
  instance: string;
  process?: LabProcess;
  sdk?: NetworkManagementClient;
}

describe('two hosts, one instance each, on a three-member etcd cluster, with FRR and BIRD', () => {
  let lab: Lab;
  let etcdNode: LabNode;
  const members: (LabProcess | undefined)[] = [];
  const hosts: Record<'a' | 'b', Host> = {} as Record<'a' | 'b', Host>;
  const daemons: BgpDaemon[] = [];
  let solo: BgpDaemon;

  const wait = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000) =>
    waitFor(what, probe, { timeoutMs, intervalMs: 250 });

  function startMember(index: number): LabProcess {
    const url = (address: string, port: number) => `http://${address}:${port}`;
    const own = ETCD[index]!;
    const member = lab.spawn(
      etcdNode,
      '/usr/bin/etcd',
      [
        `--name=e${index}`,
        `--data-dir=${path.join(etcdNode.dir, `e${index}`)}`,
        `--listen-client-urls=${url(own, 2379)}`,
        `--advertise-client-urls=${url(own, 2379)}`,
        `--listen-peer-urls=${url(own, 2380)}`,
        `--initial-advertise-peer-urls=${url(own, 2380)}`,
        `--initial-cluster=${ETCD.map((address, i) => `e${i}=${url(address, 2380)}`).join(',')}`,
        '--initial-cluster-token=rs-ha-lab',
      ],
      { logFile: path.join(etcdNode.dir, `e${index}.log`) },
    );
    members[index] = member;
    return member;
  }

  async function memberServes(index: number): Promise<void> {
    const log = path.join(etcdNode.dir, `e${index}.log`);
    await wait(`etcd member ${index} serving`, async () =>
      readFileSync(log, 'utf8').includes('ready to serve client requests') ? true : undefined,
    );
  }

  async function startHost(host: Host): Promise<void> {
    rmSync(path.join(host.node.dir, 'api-ready'), { force: true });
    const script = path.resolve('test/interop/hosts/ha-host.ts');
    const endpoints = ETCD.map((address) => `${address}:2379`).join(',');
    host.process = lab.spawn(
      host.node,
      process.execPath,
      ['--import', 'tsx', script, host.node.dir, host.instance, endpoints],
      {
        logFile: path.join(host.node.dir, 'host.log'),
      },
    );
    await wait('host API ready', async () => {
      if (!host.process!.running) throw new Error(`host exited:\n${host.process!.logTail()}`);
      return existsSync(path.join(host.node.dir, 'api-ready')) ? true : undefined;
    });
    if (host.sdk !== undefined) return;
    host.sdk = hostSdkClient(host.node.dir, SUB).sdk;
  }

  /** The peering's connection state as host `via` reports it (both instances Established: Connected). */
  async function connectionStateVia(via: Host, peer: string): Promise<string | undefined> {
    return (await via.sdk!.virtualHubBgpConnection.get(RESOURCE_GROUP, 'rs', peer)).connectionState;
  }

  beforeAll(async () => {
    lab = await Lab.create({ name: 'ha' });
    etcdNode = await lab.addNode(
      'etcd',
      ETCD.map((address) => `${address}/16`),
    );
    hosts.a = { node: await lab.addNode('a', [`${IN_0}/16`]), instance: 'IN_0' };
    hosts.b = { node: await lab.addNode('b', [`${IN_1}/16`]), instance: 'IN_1' };
    mkdirSync(etcdNode.dir, { recursive: true });
    ETCD.forEach((_, index) => startMember(index));
    await Promise.all(ETCD.map((_, index) => memberServes(index)));
    for (const [kind, nva, peers] of [
      ['frr', FRR, [IN_0, IN_1]],
      ['bird', BIRD, [IN_0, IN_1]],
      ['frr', SOLO, [IN_0]],
    ] as const) {
      const node = await lab.addNode(nva === SOLO ? 'solo' : kind, [`${nva.address}/16`]);
      const daemon = createDaemon(kind, lab, node, {
        asn: nva.asn,
        localAddress: nva.address,
        holdTimeSeconds: 9,
        peers: peers.map((address) => ({ address, asn: 65515, multihopTtl: 2 })),
        announce: nva === SOLO ? [nva.prefix] : [nva.prefix, ...KEPT],
      });
      if (nva === SOLO) solo = daemon;
      else daemons.push(daemon);
    }
    await startHost(hosts.a);
    await startHost(hosts.b);
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('creates the route server through host a; the NVAs establish with both instances', async () => {
    await createNetworkAndRouteServer(hosts.a.sdk!, plan);
    await Promise.all([...daemons, solo].map((d) => d.start()));
    await Promise.all(daemons.flatMap((d) => [IN_0, IN_1].map((a) => d.waitEstablished(a, 90_000))));
    await solo.waitEstablished(IN_0, 90_000);
  });

  it('answers through host b for both instances: connection state, learned routes, effective routes', async () => {
    for (const peer of ['frr', 'bird'])
      await wait(`${peer} Connected through host b`, async () =>
        (await connectionStateVia(hosts.b, peer)) === 'Connected' ? true : undefined,
      );
    const learned = await wait('FRR routes of both instances through host b', async () => {
      const { learned } = await readRoutes(hosts.b.sdk!, 'frr');
      const both = ['IN_0', 'IN_1'].every((i) =>
        learned[`RouteServiceRole_${i}`]?.some((r) => r.network === FRR.prefix),
      );
      return both ? learned : undefined;
    });
    expect(learned.RouteServiceRole_IN_0).toContainEqual(
      expect.objectContaining({ localAddress: IN_0, network: FRR.prefix, nextHop: FRR.address }),
    );
    const table = await wait('NVA routes in the VM table through host b', async () => {
      const rows = await effectiveRoutes(hosts.b.sdk!);
      const prefixes = rows.map((r) => r.addressPrefix?.[0]);
      return [...KEPT, FRR.prefix, BIRD.prefix, SOLO.prefix].every((p) => prefixes.includes(p))
        ? rows
        : undefined;
    });
    expect(
      table
        .filter((r) => r.addressPrefix?.[0] === KEPT[0])
        .map((r) => r.nextHopIpAddress?.[0])
        .sort(),
    ).toEqual([FRR.address, BIRD.address]);
  });

  it('changes the VNet through host b; both instances advertise it', async () => {
    const vnet = await hosts.b.sdk!.virtualNetworks.get(RESOURCE_GROUP, 'hub');
    await hosts.b.sdk!.virtualNetworks.beginCreateOrUpdateAndWait(
      RESOURCE_GROUP,
      'hub',
      { ...vnet, addressSpace: { addressPrefixes: ['10.0.0.0/16', '10.9.0.0/16'] } },
      { updateIntervalInMs: 100 },
    );
    for (const instance of [IN_0, IN_1])
      await daemons[0]!.waitRoute('10.9.0.0/16', { peer: instance, match: (r) => r.nextHop === instance });
  });

  it('kill -9 of host a: the NVAs keep IN_1, the VM never loses 10.250.0.0/16 or 0.0.0.0/0, the solo NVA’s routes go; restart brings IN_0 back', async () => {
    const polls: { at: number; missing: string[]; error?: string }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const started = Date.now();
        try {
          const rows = await effectiveRoutes(hosts.b.sdk!);
          const prefixes = new Set(rows.map((r) => r.addressPrefix?.[0]));
          polls.push({ at: started, missing: KEPT.filter((p) => !prefixes.has(p)) });
        } catch (error) {
          polls.push({ at: started, missing: [], error: String(error) });
        }
        await sleep(Math.max(0, 100 - (Date.now() - started)));
      }
    })();
    await sleep(1000);
    hosts.a.process!.signal('SIGKILL');
    await hosts.a.process!.exited;
    for (const daemon of daemons) {
      await wait(`${daemon.kind} sees IN_0 gone`, async () => {
        const sessions = await daemon.sessions();
        return sessions.find((s) => s.peer === IN_0)?.state !== 'Established' ? true : undefined;
      });
      expect((await daemon.sessions()).find((s) => s.peer === IN_1)?.state).toBe('Established');
    }
    await wait('the solo NVA’s route gone from the VM (IN_0’s lease expired)', async () => {
      const rows = await effectiveRoutes(hosts.b.sdk!);
      return rows.some((r) => r.addressPrefix?.[0] === SOLO.prefix) ? undefined : true;
    });
    await startHost(hosts.a);
    await Promise.all(daemons.map((d) => d.waitEstablished(IN_0, 120_000)));
    await solo.waitEstablished(IN_0, 120_000);
    await wait('the solo NVA’s route back in the VM', async () => {
      const rows = await effectiveRoutes(hosts.b.sdk!);
      return rows.some((r) => r.addressPrefix?.[0] === SOLO.prefix) ? true : undefined;
    });
    polling = false;
    await poller;
    const gaps = polls.filter((p) => p.missing.length > 0);
    const errors = polls.filter((p) => p.error !== undefined);
    console.log(
      `effective-route polls through kill and restart: ${polls.length}, gaps ${gaps.length}, errors ${errors.length}`,
    );
    expect(polls.length).toBeGreaterThan(20);
    expect(errors).toEqual([]);
    expect(gaps).toEqual([]);
  });

  it('loses one etcd member without a visible change, refuses writes without quorum, and loses nothing', async () => {
    const sdk = hosts.b.sdk!;
    const write = (name: string) =>
      sdk.routeTables.beginCreateOrUpdateAndWait(
        RESOURCE_GROUP,
        name,
        { location: 'local' },
        { updateIntervalInMs: 100 },
      );
    members[2]!.signal('SIGKILL');
    await members[2]!.exited;
    await write('one-member-down');
    members[1]!.signal('SIGKILL');
    await members[1]!.exited;
    const refused = await write('no-quorum').catch((error: unknown) => error);
    expect(refused).toMatchObject({ statusCode: 503, code: 'ServiceUnavailable' });
    // reads are answered from memory meanwhile
    expect((await sdk.routeTables.get(RESOURCE_GROUP, 'one-member-down')).name).toBe('one-member-down');
    for (const daemon of daemons)
      for (const instance of [IN_0, IN_1])
        expect((await daemon.sessions()).find((s) => s.peer === instance)?.state).toBe('Established');
    startMember(1);
    startMember(2);
    await Promise.all([memberServes(1), memberServes(2)]);
    await wait(
      'writes accepted again',
      async () => (await write('quorum-back').catch(() => undefined)) && true,
    );
    // host A reads its model, which its change feed fills: its watch reopens within a second of the
    // quorum's return (src/store/etcd-store.ts), so the write on B reaches it shortly after
    const written = Date.now();
    const listOnA = async () => {
      const names = [];
      for await (const table of hosts.a.sdk!.routeTables.list(RESOURCE_GROUP)) names.push(table.name);
      return names.sort();
    };
    await wait('host A lists the write made through host B', async () =>
      (await listOnA()).includes('quorum-back') ? true : undefined,
    );
    console.log(`host A listed host B's write ${Date.now() - written} ms after B acknowledged it`);
    expect(await listOnA()).toEqual(['one-member-down', 'quorum-back']);
  });

  it('deletes everything through host b in Azure’s order', async () => {
    for (const name of ['one-member-down', 'quorum-back'])
      await hosts.b.sdk!.routeTables.beginDeleteAndWait(RESOURCE_GROUP, name, { updateIntervalInMs: 100 });
    await deleteInOrder(hosts.b.sdk!, plan);
    await wait('host a shows the route server gone', async () =>
      (await hosts.a
        .sdk!.virtualHubs.get(RESOURCE_GROUP, 'rs')
        .catch((e: { statusCode?: number }) => e.statusCode)) === 404
        ? true
        : undefined,
    );
    for (const daemon of daemons)
      await wait(`${daemon.kind} sessions down`, async () =>
        (await daemon.sessions()).every((s) => s.state !== 'Established') ? true : undefined,
      );
  });
});
