/**
 * Packets follow the effective routes: `routeserver agent` programs the VM's
 * kernel from the route server's watch, with FRR (SD-WAN) and BIRD
 * (firewall) as NVAs on the VNet's L2 segment, an on-prem network behind the
 * SD-WAN NVA and an "internet" behind the firewall (hosts/dataplane-fabric.ts).
 */
import path from 'node:path';
import type { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetworkAndRouteServer,
  labHubPlan,
  RESOURCE_GROUP,
} from '../../src/api/routes/sdk-lifecycle.test-support.js';
import type { LabProcess } from '../lab/index.js';
import { runChecked, waitFor } from '../lab/process.js';
import {
  agentArgs,
  createFabric,
  fabricSdk,
  FIREWALL,
  gatewaysOf,
  IN_0,
  IN_1,
  INTERNET_HOST,
  kernelRoutes,
  ONPREM_PREFIX,
  probe,
  sendFlows,
  SDWAN,
  SDWAN2,
  startApiHost,
  SUBSCRIPTION,
  txPackets,
  type Fabric,
  type KernelRoute,
} from './hosts/dataplane-fabric.js';

const NIC_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Network/networkInterfaces/vm`;
const AGENT_PROTOCOL = '247';
const POLL = { updateIntervalInMs: 50 };

let fabric: Fabric;
let sdk: NetworkManagementClient;
let host: LabProcess;
let agent: LabProcess | undefined;
let agentStarts = 0;

function startAgent(): LabProcess {
  const { lab, nodes } = fabric;
  const args = agentArgs(nodes.rs, ['--nic', NIC_ID, '--netns', nodes.vm.namespace, '--dev', 'eth0']);
  agentStarts++;
  return lab.spawn(nodes.rs, process.execPath, args, {
    logFile: path.join(nodes.rs.dir, `agent-${agentStarts}.log`),
  });
}

/** Polls the VM's main table until `probe` accepts it. */
function waitKernel<T>(what: string, probe: (routes: KernelRoute[]) => T | undefined, timeoutMs = 30_000) {
  return waitFor(
    what,
    async () => {
      if (agent !== undefined && !agent.running) throw new Error(`agent exited:\n${agent.logTail()}`);
      return probe(await kernelRoutes(fabric.nodes.vm));
    },
    { timeoutMs, intervalMs: 10, detail: () => agent?.logTail() ?? '' },
  );
}

const routeTo = (routes: KernelRoute[], dst: string) => routes.find((route) => route.dst === dst);
const own = (routes: KernelRoute[]) => routes.filter((route) => route.protocol === AGENT_PROTOCOL);

/** Packets to `destination` from the VM, answered by its kernel (hosts/dataplane-fabric.ts probe). */
async function ping(destination: string, count = 5): Promise<void> {
  expect(await probe(fabric.lab, fabric.nodes.vm, destination, count), `${destination} answers`).toBe(true);
}

/** Packets each NVA sent out of its far side while `action` ran. */
async function forwardedBy(
  action: () => Promise<void>,
): Promise<{ sdwan: number; sdwan2: number; fw: number }> {
  const { sdwan, sdwan2, fw } = fabric.nodes;
  const before = await Promise.all([
    txPackets(sdwan, 'eth1'),
    txPackets(sdwan2, 'eth1'),
    txPackets(fw, 'eth1'),
  ]);
  await action();
  const after = await Promise.all([
    txPackets(sdwan, 'eth1'),
    txPackets(sdwan2, 'eth1'),
    txPackets(fw, 'eth1'),
  ]);
  return { sdwan: after[0] - before[0], sdwan2: after[1] - before[1], fw: after[2] - before[2] };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

beforeAll(async () => {
  fabric = await createFabric();
  host = await startApiHost(fabric.lab, fabric.nodes.rs);
  sdk = fabricSdk(fabric.nodes.rs);
  await createNetworkAndRouteServer(
    sdk,
    labHubPlan([
      { name: 'sdwan', peerIp: SDWAN.address, peerAsn: SDWAN.asn },
      { name: 'fw', peerIp: FIREWALL.address, peerAsn: FIREWALL.asn },
    ]),
  );
  await Promise.all([fabric.sdwan.start(), fabric.firewall.start()]);
  for (const daemon of [fabric.sdwan, fabric.firewall]) {
    for (const instance of [IN_0, IN_1]) await daemon.waitEstablished(instance, 90_000);
  }
  agent = startAgent();
});

afterAll(async () => {
  await fabric?.lab.destroy();
});

describe('data-plane agent with FRR and BIRD NVAs', () => {
  it('sends on-prem traffic through the SD-WAN NVA and internet traffic through the firewall', async () => {
    const routes = await waitKernel('BGP routes in the VM', (table) =>
      routeTo(table, ONPREM_PREFIX) && routeTo(table, 'default') ? table : undefined,
    );
    expect(gatewaysOf(routeTo(routes, ONPREM_PREFIX))).toEqual([SDWAN.address]);
    expect(gatewaysOf(routeTo(routes, 'default'))).toEqual([FIREWALL.address]);
    expect(routeTo(routes, 'default')!.protocol).toBe(AGENT_PROTOCOL);
    const onprem = await forwardedBy(() => ping('10.250.3.3'));
    expect(onprem.sdwan).toBeGreaterThanOrEqual(5);
    expect(onprem.fw).toBeLessThan(5);
    const internet = await forwardedBy(() => ping(INTERNET_HOST));
    expect(internet.fw).toBeGreaterThanOrEqual(5);
    expect(internet.sdwan).toBeLessThan(5);
  });

  it('removes the kernel route when the NVA withdraws and restores it on re-announce (20 flaps timed)', async () => {
    const withdrawMs: number[] = [];
    const announceMs: number[] = [];
    for (let flap = 0; flap < 20; flap++) {
      let started = performance.now();
      await fabric.sdwan.withdraw(ONPREM_PREFIX);
      await waitKernel('on-prem route gone', (table) => (routeTo(table, ONPREM_PREFIX) ? undefined : true));
      withdrawMs.push(performance.now() - started);
      started = performance.now();
      await fabric.sdwan.announce(ONPREM_PREFIX);
      await waitKernel('on-prem route back', (table) => (routeTo(table, ONPREM_PREFIX) ? true : undefined));
      announceMs.push(performance.now() - started);
    }
    const { stdout: load } = await runChecked('cat', ['/proc/loadavg']).then((stdout) => ({ stdout }));
    for (const [label, samples] of [
      ['withdraw → kernel route gone', withdrawMs],
      ['announce → kernel route back', announceMs],
    ] as const) {
      const sorted = [...samples].sort((a, b) => a - b);
      const [p50, p90, max] = [percentile(sorted, 50), percentile(sorted, 90), sorted.at(-1)!];
      console.log(
        `${label} over 20 flaps: p50 ${p50.toFixed(0)} ms, p90 ${p90.toFixed(0)} ms, max ${max.toFixed(0)} ms ` +
          `(min ${sorted[0]!.toFixed(0)} ms; load average ${load.trim().split(' ').slice(0, 3).join(' ')})`,
      );
    }
    await ping('10.250.3.3', 2);
  });

  it('lets a VirtualAppliance user route override the BGP route and blackholes a None route', async () => {
    const table = await sdk.routeTables.beginCreateOrUpdateAndWait(
      RESOURCE_GROUP,
      'rt-app',
      {
        location: 'local',
        routes: [
          {
            name: 'onprem-via-fw',
            addressPrefix: ONPREM_PREFIX,
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: FIREWALL.address,
          },
          { name: 'drop', addressPrefix: '10.251.0.0/16', nextHopType: 'None' },
        ],
      },
      POLL,
    );
    await sdk.subnets.beginCreateOrUpdateAndWait(
      RESOURCE_GROUP,
      'hub',
      'app',
      { addressPrefix: '10.0.2.0/24', routeTable: { id: table.id! } },
      POLL,
    );
    const routes = await waitKernel('user routes in the VM', (rows) => {
      const onprem = routeTo(rows, ONPREM_PREFIX);
      return gatewaysOf(onprem).join() === FIREWALL.address && routeTo(rows, '10.251.0.0/16')
        ? rows
        : undefined;
    });
    expect(routeTo(routes, '10.251.0.0/16')).toMatchObject({ type: '6', protocol: AGENT_PROTOCOL });
    await sdk.subnets.beginCreateOrUpdateAndWait(
      RESOURCE_GROUP,
      'hub',
      'app',
      { addressPrefix: '10.0.2.0/24' },
      POLL,
    );
    await waitKernel('BGP route back after the user routes left', (rows) =>
      gatewaysOf(routeTo(rows, ONPREM_PREFIX)).join() === SDWAN.address && !routeTo(rows, '10.251.0.0/16')
        ? rows
        : undefined,
    );
  });

  it('loses and duplicates nothing across agent and API restarts, and never touches a route added by hand', async () => {
    const { vm } = fabric.nodes;
    await runChecked('ip', [
      '-n',
      vm.namespace,
      'route',
      'add',
      '192.0.2.0/24',
      'via',
      FIREWALL.address,
      'proto',
      'static',
    ]);
    const before = own(await kernelRoutes(vm));
    await agent!.stop();
    expect(own(await kernelRoutes(vm))).toEqual(before);
    agent = startAgent();
    await waitFor(
      'agent programming again',
      async () => (agent!.logTail().includes('programming') ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 100,
      },
    );
    expect(agent.logTail()).not.toMatch(/routes set/);
    expect(own(await kernelRoutes(vm))).toEqual(before);
    await host.stop();
    host = await startApiHost(fabric.lab, fabric.nodes.rs);
    sdk = fabricSdk(fabric.nodes.rs);
    for (const instance of [IN_0, IN_1]) await fabric.sdwan.waitEstablished(instance, 90_000);
    await waitFor('agent resumed', async () => (agent!.logTail(50).includes('resumed') ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    const after = await waitKernel('every route back after the API restart', (rows) =>
      own(rows).length === before.length && routeTo(rows, ONPREM_PREFIX) ? rows : undefined,
    );
    expect(new Set(own(after).map((route) => route.dst)).size).toBe(own(after).length);
    expect(
      own(after)
        .map((route) => route.dst)
        .sort(),
    ).toEqual(before.map((route) => route.dst).sort());
    expect(routeTo(after, '192.0.2.0/24')).toMatchObject({ gateway: FIREWALL.address, protocol: '4' });
  });

  it('refuses bad input with an error naming the fix, a non-zero exit and nothing programmed', async () => {
    const { lab, nodes } = fabric;
    const spare = await lab.addNode('vm2', ['10.0.2.9/16']);
    const cases: [string[], RegExp][] = [
      [['--nic', `${NIC_ID}-missing`, '--netns', spare.namespace], /no network interface .*check --nic/],
      [['--nic', NIC_ID, '--netns', `${spare.namespace}-missing`], /does not exist .*fix --netns/],
      [['--nic', NIC_ID, '--netns', spare.namespace, '--dev', 'eth9'], /no interface 'eth9': fix --dev/],
    ];
    for (const [args, message] of cases) {
      const result = await lab.exec(nodes.rs, process.execPath, agentArgs(nodes.rs, args), {
        timeoutMs: 60_000,
      });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(message);
    }
    const withToken = (token: string) =>
      agentArgs(nodes.rs, ['--nic', NIC_ID, '--netns', spare.namespace]).map((arg, i, all) =>
        all[i - 1] === '--token' ? token : arg,
      );
    const refused = await lab.exec(nodes.rs, process.execPath, withToken('x'.repeat(43)), {
      timeoutMs: 60_000,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused the token .*--token/);
    const unreachable = await lab.exec(
      nodes.rs,
      process.execPath,
      agentArgs(nodes.rs, ['--nic', NIC_ID, '--netns', spare.namespace]).map((arg, i, all) =>
        all[i - 1] === '--endpoint' ? 'https://127.0.0.1:1' : arg,
      ),
      { timeoutMs: 60_000 },
    );
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach the API .*fix --endpoint/);
    expect(own(await kernelRoutes(spare))).toEqual([]);
  });

  it('spreads flows over two SD-WAN NVAs with equal AS paths, follows a prepend, and fails over to the standby', async () => {
    await sdk.virtualHubBgpConnection.beginCreateOrUpdateAndWait(
      RESOURCE_GROUP,
      'rs',
      'sdwan2',
      { peerIp: SDWAN2.address, peerAsn: SDWAN2.asn },
      POLL,
    );
    await fabric.sdwan2.start();
    for (const instance of [IN_0, IN_1]) await fabric.sdwan2.waitEstablished(instance, 90_000);
    await waitKernel('multipath on-prem route', (rows) =>
      gatewaysOf(routeTo(rows, ONPREM_PREFIX)).length === 2 ? rows : undefined,
    );
    const flows = Array.from({ length: 64 }, (_, i) => `10.250.${i + 1}.${(i * 37) % 250}`);
    const spread = await forwardedBy(() => sendFlows(fabric.lab, fabric.nodes.vm, flows));
    console.log(
      `64 flows over two SD-WAN NVAs: ${spread.sdwan} via ${SDWAN.address}, ${spread.sdwan2} via ${SDWAN2.address}`,
    );
    expect(spread.sdwan).toBeGreaterThan(0);
    expect(spread.sdwan2).toBeGreaterThan(0);
    await fabric.sdwan2.announce(ONPREM_PREFIX, { asPathPrepend: 2 });
    await waitKernel('only the shorter path', (rows) =>
      gatewaysOf(routeTo(rows, ONPREM_PREFIX)).join() === SDWAN.address ? rows : undefined,
    );
    const primary = await forwardedBy(() => ping('10.250.9.9'));
    expect(primary.sdwan).toBeGreaterThanOrEqual(5);
    expect(primary.sdwan2).toBeLessThan(5);
    const stopped = performance.now();
    await fabric.sdwan.stop();
    await waitKernel('standby takes over', (rows) =>
      gatewaysOf(routeTo(rows, ONPREM_PREFIX)).join() === SDWAN2.address ? rows : undefined,
    );
    console.log(
      `failover: the VM routes via the standby ${(performance.now() - stopped).toFixed(0)} ms after the active NVA's BGP daemon stopped`,
    );
    const standby = await forwardedBy(() => ping('10.250.9.9'));
    expect(standby.sdwan2).toBeGreaterThanOrEqual(5);
  });
});
