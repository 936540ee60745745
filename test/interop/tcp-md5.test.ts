/**
 * TCP-MD5 (RFC 2385, docs/tcp-md5.md) with real daemons. The route server
 * runs with its API in lab namespace `rs` (test/interop/hosts/api-host.ts);
 * four NVAs peer with both instances, each peering with `md5Key` set:
 *
 * | NVA  | daemon | its key (`neighbor X password` / `password "…"`) |
 * | ---- | ------ | ------------------------------------------------- |
 * | frr  | FRR    | the right one                                      |
 * | bird | BIRD   | the right one                                      |
 * | frrw | FRR    | a wrong one                                        |
 * | birdn| BIRD   | none                                               |
 *
 * Both sides dial and listen, so both of our paths are exercised: the key on
 * the listening socket (accepted connections) and the signed socket we dial
 * from. The right keys reach Established and carry routes, and the NVAs'
 * kernels never dropped a segment of ours (so every one was signed with the
 * right key). The wrong and missing keys never reach Established over a
 * bounded observation while both sides keep trying, and the kernel of the
 * route server's namespace counts the segments it dropped (TCPMD5Failure for
 * the wrong key, TCPMD5NotFound for the missing one), which /metrics serves
 * as `routeserver_tcp_md5_segments_dropped_total`.
 */
import type { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetworkAndRouteServer,
  labHubPlan,
  RESOURCE_GROUP,
} from '../../src/api/routes/sdk-lifecycle.test-support.js';
import { tcpExtCounters } from '../../src/daemon/tcp-md5-metrics.js';
import {
  addRouteServerNode,
  apiRequest,
  BirdDaemon,
  FrrDaemon,
  IN_0,
  IN_1,
  instancePeers,
  Lab,
  startApiHost,
} from '../lab/index.js';
import type { BgpDaemon, LabNode } from '../lab/index.js';
import { runChecked, sleep, waitFor } from '../lab/process.js';
import { hostSdkClient, type UnixSocketAgent } from './hosts/unix-socket-agent.js';

const SUB = '00000000-0000-0000-0000-0000000000d5';
const API_VERSION = '2023-04-01';
const NETWORK = `/subscriptions/${SUB}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Network`;
const KEY = 'Lab-md5-key/42';
/** How long a peer with a wrong or no key is watched: several dial attempts from each side. */
const OBSERVE_MS = 20_000;

const NVAS = {
  frr: { address: '10.0.1.4', asn: 65001, prefix: '10.201.0.0/16', password: KEY as string | undefined },
  bird: { address: '10.0.1.5', asn: 65002, prefix: '10.202.0.0/16', password: KEY as string | undefined },
  frrw: { address: '10.0.1.6', asn: 65003, prefix: '10.203.0.0/16', password: 'not-the-key' },
  birdn: { address: '10.0.1.7', asn: 65004, prefix: '10.204.0.0/16', password: undefined },
};
type NvaName = keyof typeof NVAS;

describe('TCP-MD5 with FRR and BIRD', () => {
  let lab: Lab;
  let rs: LabNode;
  let sdk: NetworkManagementClient;
  let agent: UnixSocketAgent;
  let token: string;
  const daemons = {} as Record<NvaName, BgpDaemon>;
  const nodes = {} as Record<NvaName, LabNode>;

  const wait = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) =>
    waitFor(what, probe, { timeoutMs, intervalMs: 100 });

  const api = (method: string, resourcePath: string, body?: unknown) =>
    apiRequest({ agent, token, apiVersion: API_VERSION }, method, resourcePath, body);

  /** The kernel's TcpExt counters of a namespace. */
  async function kernelCounters(node: LabNode): Promise<Map<string, number>> {
    const stdout = await runChecked('ip', ['netns', 'exec', node.namespace, 'cat', '/proc/net/netstat']);
    return tcpExtCounters(stdout);
  }

  const established = async (name: NvaName) =>
    (await daemons[name].sessions()).filter((s) => s.state === 'Established').map((s) => s.peer);

  const connectionState = async (name: NvaName) =>
    (
      JSON.parse((await api('GET', `${NETWORK}/virtualHubs/rs/bgpConnections/${name}`)).body) as {
        properties: { connectionState: string; md5KeyConfigured?: boolean };
      }
    ).properties;

  beforeAll(async () => {
    lab = await Lab.create({ name: 'md5' });
    rs = await addRouteServerNode(lab);
    for (const [name, nva] of Object.entries(NVAS) as [NvaName, (typeof NVAS)[NvaName]][]) {
      nodes[name] = await lab.addNode(name, [`${nva.address}/16`]);
      const peers = instancePeers(nva.password === undefined ? {} : { md5Password: nva.password });
      const options = {
        asn: nva.asn,
        localAddress: nva.address,
        holdTimeSeconds: 9,
        peers,
        announce: [nva.prefix],
      };
      daemons[name] = name.startsWith('frr')
        ? new FrrDaemon(lab, nodes[name], options)
        : new BirdDaemon(lab, nodes[name], options);
    }
    await startApiHost(lab, rs);
    ({ sdk, agent, token } = hostSdkClient(rs.dir, SUB));
    await createNetworkAndRouteServer(sdk, labHubPlan([]));
    for (const [name, nva] of Object.entries(NVAS)) {
      const put = await api('PUT', `${NETWORK}/virtualHubs/rs/bgpConnections/${name}`, {
        properties: { peerIp: nva.address, peerAsn: nva.asn, md5Key: KEY },
      });
      expect(put.status, put.body).toBeLessThan(300);
    }
    await Promise.all(Object.values(daemons).map((d) => d.start()));
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('answers a key over 80 bytes with 400 InvalidParameter and stores nothing', async () => {
    const put = await api('PUT', `${NETWORK}/virtualHubs/rs/bgpConnections/long`, {
      properties: { peerIp: '10.0.1.9', peerAsn: 65009, md5Key: 'k'.repeat(81) },
    });
    expect(put.status).toBe(400);
    expect(JSON.parse(put.body).error).toMatchObject({
      code: 'InvalidParameter',
      target: 'properties.md5Key',
    });
    const peerings = [];
    for await (const c of sdk.virtualHubBgpConnections.list(RESOURCE_GROUP, 'rs')) peerings.push(c.name);
    expect(peerings.sort()).toEqual(['bird', 'birdn', 'frr', 'frrw']);
  });

  it('never returns the key: GET and list show md5KeyConfigured only', async () => {
    const list = await api('GET', `${NETWORK}/virtualHubs/rs/bgpConnections`);
    expect(list.body).not.toContain(KEY);
    expect(list.body).not.toContain('"md5Key"');
    expect((await connectionState('frr')).md5KeyConfigured).toBe(true);
  });

  it('reaches Established with FRR and BIRD holding the right key, and their routes arrive signed', async () => {
    for (const name of ['frr', 'bird'] as const) {
      await Promise.all([IN_0, IN_1].map((a) => daemons[name].waitEstablished(a, 60_000)));
      await wait(`${name}: Connected in the API`, async () =>
        (await connectionState(name)).connectionState === 'Connected' ? true : undefined,
      );
    }
    await daemons.frr.waitRoute(NVAS.bird.prefix, { timeoutMs: 30_000 });
    await daemons.bird.waitRoute(NVAS.frr.prefix, { timeoutMs: 30_000 });
    // the NVAs' kernels dropped nothing: every segment we sent them carried the right signature
    for (const name of ['frr', 'bird'] as const) {
      const counters = await kernelCounters(nodes[name]);
      expect(counters.get('TCPMD5NotFound'), name).toBe(0);
      expect(counters.get('TCPMD5Failure'), name).toBe(0);
      expect(counters.get('TCPMD5Unexpected'), name).toBe(0);
    }
  });

  it(`never reaches Established with a wrong key (FRR) or none (BIRD) in ${OBSERVE_MS / 1000} s, and the kernel counts the drops`, async () => {
    const before = await kernelCounters(rs);
    const deadline = Date.now() + OBSERVE_MS;
    while (Date.now() < deadline) {
      for (const name of ['frrw', 'birdn'] as const) {
        expect(await established(name), name).toEqual([]);
        expect((await connectionState(name)).connectionState, name).not.toBe('Connected');
      }
      await sleep(250);
    }
    const after = await kernelCounters(rs);
    const grew = (counter: string) => (after.get(counter) ?? 0) - (before.get(counter) ?? 0);
    expect(grew('TCPMD5Failure'), 'segments with a wrong signature dropped (frrw)').toBeGreaterThan(0);
    expect(grew('TCPMD5NotFound'), 'unsigned segments from a keyed peer dropped (birdn)').toBeGreaterThan(0);
    // and our signed SYNs were dropped by the NVAs' kernels: wrong key at frrw, no key at birdn
    expect((await kernelCounters(nodes.frrw)).get('TCPMD5Failure')).toBeGreaterThan(0);
    expect((await kernelCounters(nodes.birdn)).get('TCPMD5Unexpected')).toBeGreaterThan(0);
    const metrics = (await api('GET', '/metrics')).body;
    const dropped = /^routeserver_tcp_md5_segments_dropped_total\{reason="failure"\} (\d+)$/m.exec(metrics);
    expect(Number(dropped?.[1])).toBeGreaterThanOrEqual(after.get('TCPMD5Failure')!);
  });

  it('reaches Established once the peering takes the key the NVA has (FRR, wrong key until now)', async () => {
    const put = await api('PUT', `${NETWORK}/virtualHubs/rs/bgpConnections/frrw`, {
      properties: { peerIp: NVAS.frrw.address, peerAsn: NVAS.frrw.asn, md5Key: NVAS.frrw.password },
    });
    expect(put.status, put.body).toBeLessThan(300);
    await Promise.all([IN_0, IN_1].map((a) => daemons.frrw.waitEstablished(a, 60_000)));
  });
});
