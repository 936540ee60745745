/**
 * Interop of the route engine (src/rib + src/policy, wired by
 * src/runtime/instance.ts) with real NVAs: FRR, BIRD and ExaBGP peer with
 * both instances of the route server, which runs in a child process in lab
 * namespace `rs` (IN_0 10.0.0.4, IN_1 10.0.0.5, AS 65515) and injects into
 * the sdn model (hub 10.0.0.0/16, spoke 10.1.0.0/16 using the route server).
 * The route limit is 10 routes per peer, so ExaBGP can cross it cheaply.
 * ExaBGP also plays the NVA that tags a route NO_ADVERTISE: FRR and BIRD
 * honour the community on their own routes and would not send it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDaemon, Lab } from '../lab/index.js';
import type { BgpDaemon, DaemonKind, LabNode, LabProcess, LearnedRoute } from '../lab/index.js';
import { waitFor } from '../lab/process.js';

const IN_0 = '10.0.0.4';
const IN_1 = '10.0.0.5';
const LIMIT = 10;

const NVAS: { kind: DaemonKind; address: string; asn: number; prefix: string }[] = [
  { kind: 'frr', address: '10.0.1.4', asn: 65001, prefix: '10.201.0.0/16' },
  { kind: 'bird', address: '10.0.1.5', asn: 65002, prefix: '10.202.0.0/16' },
  { kind: 'exabgp', address: '10.0.1.6', asn: 65003, prefix: '10.203.0.0/16' },
];

interface RouteRecord {
  network: string;
  nextHop: string;
  asPath: string;
  accepted?: boolean;
  reasons?: string[];
}
interface HostState {
  injected: { prefix: string; nextHops: string[] }[];
  learned: Record<string, Record<string, RouteRecord[]>>;
  advertised: Record<string, Record<string, RouteRecord[]>>;
}
interface HostEvent {
  at: number;
  type: string;
  localAddress?: string;
  peer?: string;
  to?: string;
  code?: number;
  subcode?: number;
  data?: number[];
}

describe('route engine interop with FRR, BIRD and ExaBGP', () => {
  let lab: Lab;
  let rs: LabNode;
  let host: LabProcess;
  const daemons = new Map<DaemonKind, BgpDaemon>();
  const daemon = (kind: DaemonKind) => daemons.get(kind)!;

  const readJson = <T>(file: string, fallback: T): T => {
    try {
      return JSON.parse(readFileSync(path.join(rs.dir, file), 'utf8')) as T;
    } catch {
      return fallback;
    }
  };
  const state = () => readJson<HostState | undefined>('state.json', undefined);
  const events = (): HostEvent[] => {
    try {
      return readFileSync(path.join(rs.dir, 'events.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as HostEvent);
    } catch {
      return [];
    }
  };
  const waitHost = <T>(what: string, probe: () => T | undefined, timeoutMs = 60_000) =>
    waitFor(
      what,
      async () => {
        if (!host.running) throw new Error(`route server host exited:\n${host.logTail()}`);
        return probe();
      },
      { timeoutMs, intervalMs: 200, detail: () => JSON.stringify(state()?.injected ?? []) },
    );
  const injected = (prefix: string) => state()?.injected.find((r) => r.prefix === prefix);
  const hasRoute = async (kind: DaemonKind, prefix: string) =>
    (await daemon(kind).routes()).some((r: LearnedRoute) => r.prefix === prefix);

  beforeAll(async () => {
    lab = await Lab.create({ name: 'rib' });
    rs = await lab.addNode('rs', [`${IN_0}/16`, `${IN_1}/16`]);
    for (const nva of NVAS) {
      const node = await lab.addNode(nva.kind, [`${nva.address}/16`]);
      daemons.set(
        nva.kind,
        createDaemon(nva.kind, lab, node, {
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
    const configPath = path.join(rs.dir, 'rib-host.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        instances: [
          { instance: 'IN_0', address: IN_0 },
          { instance: 'IN_1', address: IN_1 },
        ],
        peers: NVAS.map((n) => ({
          address: n.address,
          asn: n.asn,
          holdTimeSeconds: 30,
          idleHoldTimeSeconds: 1,
        })),
        routeLimit: LIMIT,
      }),
    );
    const script = path.resolve('test/interop/hosts/rib-host.ts');
    host = lab.spawn(rs, process.execPath, ['--import', 'tsx', script, configPath, rs.dir], {
      logFile: path.join(rs.dir, 'rib-host.log'),
    });
    await waitHost(
      'route server host ready',
      () => (events().some((e) => e.type === 'ready') ? true : undefined),
      30_000,
    );
    await Promise.all([...daemons.values()].map((d) => d.start()));
    await Promise.all(
      [...daemons.values()].flatMap((d) => [IN_0, IN_1].map((a) => d.waitEstablished(a, 90_000))),
    );
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('learns each NVA’s route on both instances and shows it per peer', async () => {
    await waitHost('every prefix learned from its peer by both instances', () => {
      const s = state();
      return NVAS.every((n) =>
        ['IN_0', 'IN_1'].every((i) =>
          s?.learned[i]?.[n.address]?.some(
            (r) => r.network === n.prefix && r.nextHop === n.address && r.asPath === String(n.asn),
          ),
        ),
      )
        ? true
        : undefined;
    });
    expect(injected('10.201.0.0/16')?.nextHops).toEqual(['10.0.1.4']);
  });

  it('advertises the VNet and spoke address spaces from both instances with AS path 65515 and the instance as next hop', async () => {
    for (const kind of daemons.keys()) {
      for (const [instance, space] of [
        [IN_0, '10.0.0.0/16'],
        [IN_1, '10.0.0.0/16'],
        [IN_0, '10.1.0.0/16'],
        [IN_1, '10.1.0.0/16'],
      ] as const) {
        await daemon(kind).waitRoute(space, {
          peer: instance,
          match: (r) => r.nextHop === instance && r.asPath.join(' ') === '65515',
        });
      }
    }
  });

  it('passes a route from one NVA to the others with 65515 prepended and the original next hop', async () => {
    await daemon('bird').waitRoute('10.201.0.0/16', {
      peer: IN_0,
      match: (r) => r.asPath.join(' ') === '65515 65001' && r.nextHop === '10.0.1.4',
    });
    await daemon('frr').waitRoute('10.202.0.0/16', {
      peer: IN_1,
      match: (r) => r.asPath.join(' ') === '65515 65002' && r.nextHop === '10.0.1.5',
    });
    await daemon('exabgp').waitRoute('10.201.0.0/16', { peer: IN_0 });
    expect(await hasRoute('frr', '10.201.0.0/16')).toBe(false);
  });

  it('injects a NO_ADVERTISE route into the VNet but reflects it to no NVA', async () => {
    // ExaBGP sends the community as told (FRR and BIRD honour NO_ADVERTISE on their own routes).
    await daemon('exabgp').announce('10.211.0.0/16', { communities: ['65535:65282'] });
    await daemon('exabgp').announce('10.212.0.0/16');
    const route = await waitHost('NO_ADVERTISE route injected', () => injected('10.211.0.0/16'));
    expect(route.nextHops).toEqual(['10.0.1.6']);
    for (const kind of ['bird', 'frr'] as const) {
      await daemon(kind).waitRoute('10.212.0.0/16', { peer: IN_0 });
      await daemon(kind).waitRoute('10.212.0.0/16', { peer: IN_1 });
      expect(await hasRoute(kind, '10.211.0.0/16')).toBe(false);
    }
  });

  it('drops a route whose AS path contains 65515', async () => {
    await daemon('frr').announce('10.213.0.0/16', { asPathPrepend: [65515] });
    await daemon('frr').announce('10.214.0.0/16');
    await waitHost('looped route learned as rejected', () =>
      state()?.learned.IN_0?.['10.0.1.4']?.find(
        (r) =>
          r.network === '10.213.0.0/16' &&
          r.accepted === false &&
          r.reasons?.includes('as-path-contains-local-as'),
      ),
    );
    await daemon('bird').waitRoute('10.214.0.0/16', { peer: IN_0 });
    expect(await hasRoute('bird', '10.213.0.0/16')).toBe(false);
    expect(injected('10.213.0.0/16')).toBeUndefined();
  });

  it('programs equal AS paths as ECMP, and a prepended path as the standby that takes over', async () => {
    const prefix = '10.220.0.0/16';
    const nextHops = (expected: string[]) => () => {
      const route = injected(prefix);
      return route && route.nextHops.join(',') === expected.join(',') ? route : undefined;
    };
    await daemon('bird').announce(prefix);
    await daemon('exabgp').announce(prefix);
    await waitHost('ECMP over BIRD and ExaBGP', nextHops(['10.0.1.5', '10.0.1.6']));
    await daemon('exabgp').announce(prefix, { asPathPrepend: [65003, 65003] });
    await waitHost('BIRD alone active, ExaBGP prepended to standby', nextHops(['10.0.1.5']));
    await daemon('bird').withdraw(prefix);
    await waitHost('the standby takes over when the active path is withdrawn', nextHops(['10.0.1.6']));
    await daemon('exabgp').withdraw(prefix);
    await waitHost('prefix gone from the VNet', () => (injected(prefix) ? undefined : true));
  });

  it('closes the session of a peer that exceeds the route limit, and takes the peer back under the limit', async () => {
    const since = Date.now();
    const extra = Array.from({ length: LIMIT }, (_, i) => `10.230.${i}.0/24`);
    for (const prefix of extra) await daemon('exabgp').announce(prefix);
    await waitHost('Cease / Maximum Number of Prefixes Reached sent by both instances', () => {
      const sent = events().filter(
        (e) =>
          e.type === 'notification-sent' &&
          e.peer === '10.0.1.6' &&
          e.code === 6 &&
          e.subcode === 1 &&
          e.at >= since,
      );
      return [IN_0, IN_1].every((a) => sent.some((e) => e.localAddress === a)) ? sent : undefined;
    });
    await waitHost('ExaBGP routes withdrawn from the VNet', () =>
      injected('10.203.0.0/16') ? undefined : true,
    );
    for (const prefix of extra.slice(0, 5)) await daemon('exabgp').withdraw(prefix);
    await Promise.all([IN_0, IN_1].map((a) => daemon('exabgp').waitEstablished(a, 90_000)));
    // 10.203.0.0/16, the two routes of the NO_ADVERTISE test and 5 of the 10: 8 ≤ 10
    await waitHost(
      'ExaBGP back with 8 routes on both instances',
      () => {
        const s = state();
        return ['IN_0', 'IN_1'].every((i) => s?.learned[i]?.['10.0.1.6']?.length === 8) ? true : undefined;
      },
      90_000,
    );
    await waitHost('ExaBGP route injected again', () => injected('10.230.9.0/24'));
  });
});
