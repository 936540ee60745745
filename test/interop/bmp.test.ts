/**
 * BMP export (docs/bmp.md) to pmacct's `pmbmpd`, with real NVAs: FRR
 * (AS 65001) and BIRD (AS 65002) peer with both instances of a route server
 * that `routeserver serve --config … --bmp 127.0.0.1:1790` runs in lab
 * namespace `rs`, where pmbmpd listens on the namespace's own loopback and
 * logs every BMP message as JSON lines (`pmbmpd -o FILE`).
 *
 * - Peer Up of both NVAs from both instances, with the instance as local address.
 * - Route Monitoring of both NVAs' prefixes, pre- and post-policy; the
 *   post-policy counts equal the route server's CountOfRoutesLearnedFromPeer.
 *   FRR sends back what it learned from the route server (the VNet's space
 *   and BIRD's routes, AS path 65001 65515 …): pre-policy only, the import
 *   rules reject 65515 in the path (docs/azure-behaviour.md §2.2). BIRD does
 *   not send such routes.
 * - pmbmpd frozen (SIGSTOP by PID) for longer than the NVAs' hold time: the
 *   sessions stay up and a route announced meanwhile still reaches the
 *   other NVA; after SIGCONT it reaches the collector too.
 * - BIRD killed: Peer Down from both instances.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDaemon, Lab } from '../lab/index.js';
import type { BgpDaemon, LabNode, LabProcess } from '../lab/index.js';
import { waitFor } from '../lab/process.js';

const BIN = fileURLToPath(new URL('../../bin/routeserver.js', import.meta.url));
const IN_0 = '10.1.0.4';
const IN_1 = '10.1.0.5';
const FRR = { address: '10.1.1.4', asn: 65001, prefixes: ['10.201.0.0/16', '10.211.0.0/16'] };
const BIRD = { address: '10.1.1.5', asn: 65002, prefixes: ['10.202.0.0/16', '10.212.0.0/16'] };
const HOLD = 9;

const CONFIG = `resourceGroup: bmp
location: local
virtualNetworks:
  - name: vnet1
    addressPrefixes: [10.1.0.0/16]
    subnets:
      - name: RouteServerSubnet
        addressPrefix: 10.1.0.0/26
      - name: nva
        addressPrefix: 10.1.1.0/24
routeServers:
  - name: rs1
    virtualNetwork: vnet1
    peerings:
      - name: frr
        peerIp: ${FRR.address}
        peerAsn: ${FRR.asn}
      - name: bird
        peerIp: ${BIRD.address}
        peerAsn: ${BIRD.asn}
`;

interface PmbmpdLine {
  event_type: string;
  bmp_msg_type?: string;
  bmp_router_port?: number;
  peer_ip?: string;
  local_ip?: string;
  is_post?: number;
  log_type?: string;
  ip_prefix?: string;
  reason_type?: number;
  bmp_init_info_sysname?: string;
}

/** What pmbmpd was told, replayed: per instance address (the Peer Up's local_ip), peer and policy, the prefixes. */
function collectorView(lines: readonly PmbmpdLine[]) {
  const routerOf = new Map<number, string>();
  const tables = new Map<string, Set<string>>();
  const ups: { instance: string; peer: string }[] = [];
  const downs: { instance: string; peer: string; reason: number }[] = [];
  const sysNames: string[] = [];
  const key = (instance: string, peer: string, post: boolean) =>
    `${instance} ${peer} ${post ? 'post' : 'pre'}`;
  for (const line of lines) {
    if (line.bmp_msg_type === 'init') sysNames.push(line.bmp_init_info_sysname ?? '');
    if (line.event_type !== 'log' || line.peer_ip === undefined || line.bmp_router_port === undefined)
      continue;
    if (line.bmp_msg_type === 'peer_up' && line.local_ip !== undefined) {
      routerOf.set(line.bmp_router_port, line.local_ip);
      ups.push({ instance: line.local_ip, peer: line.peer_ip });
      for (const post of [false, true]) tables.set(key(line.local_ip, line.peer_ip, post), new Set());
      continue;
    }
    const instance = routerOf.get(line.bmp_router_port);
    if (instance === undefined) continue;
    if (line.bmp_msg_type === 'peer_down') {
      downs.push({ instance, peer: line.peer_ip, reason: line.reason_type ?? 0 });
      for (const post of [false, true]) tables.delete(key(instance, line.peer_ip, post));
    }
    if (line.bmp_msg_type === 'route_monitor' && line.ip_prefix !== undefined) {
      const table = tables.get(key(instance, line.peer_ip, line.is_post === 1));
      if (line.log_type === 'update') table?.add(line.ip_prefix);
      else table?.delete(line.ip_prefix);
    }
  }
  const prefixes = (instance: string, peer: string, post: boolean) =>
    [...(tables.get(key(instance, peer, post)) ?? [])].sort();
  return { ups, downs, sysNames, prefixes };
}

describe('BMP export to pmacct pmbmpd with FRR and BIRD NVAs', () => {
  let lab: Lab;
  let rs: LabNode;
  let server: LabProcess;
  let collector: LabProcess;
  let frr: BgpDaemon;
  let bird: BgpDaemon;
  let logPath: string;

  const view = () => {
    let text = '';
    try {
      text = readFileSync(logPath, 'utf8');
    } catch {
      // not written yet
    }
    const lines = text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as PmbmpdLine);
    return collectorView(lines);
  };
  const wait = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000) =>
    waitFor(
      what,
      async () => {
        if (!server.running) throw new Error(`routeserver exited:\n${server.logTail()}`);
        const value = probe();
        return value === false ? undefined : value;
      },
      {
        timeoutMs,
        intervalMs: 250,
        detail: () => {
          const v = view();
          return [IN_0, IN_1]
            .flatMap((i) =>
              [FRR.address, BIRD.address].flatMap((p) =>
                [false, true].map(
                  (post) => `${i} ${p} ${post ? 'post' : 'pre'}: ${v.prefixes(i, p, post).join(' ')}`,
                ),
              ),
            )
            .join('\n');
        },
      },
    );

  /** /metrics of the route server, fetched inside the namespace with the API token. */
  const metrics = async (): Promise<string> => {
    const script = `const token=require('fs').readFileSync(${JSON.stringify(path.join(rs.dir, 'data', 'api-token'))},'utf8').trim();
fetch('https://127.0.0.1:18443/metrics',{headers:{authorization:'Bearer '+token}}).then(r=>r.text()).then(t=>process.stdout.write(t));`;
    // the API's certificate is its own, self-signed (docs/security.md); this is the namespace's loopback
    const result = await lab.exec(
      rs,
      'env',
      ['NODE_TLS_REJECT_UNAUTHORIZED=0', process.execPath, '-e', script],
      {
        timeoutMs: 20_000,
      },
    );
    return result.stdout;
  };
  const learned = (text: string, instance: string, peer: string): number | undefined => {
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('CountOfRoutesLearnedFromPeer{') &&
          l.includes(`routeserviceinstance="RouteServiceRole_${instance}"`) &&
          l.includes(`bgppeerip="${peer}"`),
      );
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  beforeAll(async () => {
    lab = await Lab.create({ name: 'bmp' });
    rs = await lab.addNode('rs', [`${IN_0}/16`, `${IN_1}/16`]);
    const frrNode = await lab.addNode('frr', [`${FRR.address}/16`]);
    const birdNode = await lab.addNode('bird', [`${BIRD.address}/16`]);
    const peers = [IN_0, IN_1].map((address) => ({ address, asn: 65515, multihopTtl: 2 }));
    frr = createDaemon('frr', lab, frrNode, {
      asn: FRR.asn,
      localAddress: FRR.address,
      holdTimeSeconds: HOLD,
      peers,
      announce: FRR.prefixes,
    });
    bird = createDaemon('bird', lab, birdNode, {
      asn: BIRD.asn,
      localAddress: BIRD.address,
      holdTimeSeconds: HOLD,
      peers,
      announce: BIRD.prefixes,
    });
    logPath = path.join(rs.dir, 'pmbmpd.json');
    collector = lab.spawn(rs, 'pmbmpd', ['-L', '127.0.0.1', '-l', '1790', '-o', logPath], {
      logFile: path.join(rs.dir, 'pmbmpd.log'),
    });
    const configPath = path.join(rs.dir, 'rs.yaml');
    writeFileSync(configPath, CONFIG);
    server = lab.spawn(
      rs,
      process.execPath,
      [
        BIN,
        'serve',
        '--config',
        configPath,
        '--data-dir',
        path.join(rs.dir, 'data'),
        '--api-listen',
        '127.0.0.1:18443',
        '--bmp',
        '127.0.0.1:1790',
      ],
      { logFile: path.join(rs.dir, 'routeserver.log') },
    );
    await Promise.all([frr.start(), bird.start()]);
    await Promise.all([frr, bird].flatMap((d) => [IN_0, IN_1].map((a) => d.waitEstablished(a, 90_000))));
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('sends Peer Up of both NVAs from both instances, each instance a router with its sysName', async () => {
    const { ups, sysNames } = await wait('four Peer Ups', () => (view().ups.length >= 4 ? view() : false));
    for (const instance of [IN_0, IN_1])
      for (const peer of [FRR.address, BIRD.address]) expect(ups).toContainEqual({ instance, peer });
    expect(sysNames.sort()).toEqual(['rs1 IN_0', 'rs1 IN_1']);
  });

  it('monitors both NVAs’ routes pre- and post-policy, the post-policy counts those of the RIB', async () => {
    const expected = [
      {
        peer: FRR.address,
        pre: ['10.1.0.0/16', ...FRR.prefixes, ...BIRD.prefixes].sort(),
        post: FRR.prefixes,
      },
      { peer: BIRD.address, pre: BIRD.prefixes, post: BIRD.prefixes },
    ];
    await wait('every table at the collector', () =>
      [IN_0, IN_1].every((instance) =>
        expected.every(
          ({ peer, pre, post }) =>
            JSON.stringify(view().prefixes(instance, peer, false)) === JSON.stringify(pre) &&
            JSON.stringify(view().prefixes(instance, peer, true)) === JSON.stringify(post),
        ),
      ),
    );
    const text = await metrics();
    for (const [instance, address] of [
      ['IN_0', IN_0],
      ['IN_1', IN_1],
    ] as const)
      for (const { peer } of expected)
        expect(learned(text, instance, peer), `${instance} ${peer}`).toBe(
          view().prefixes(address, peer, true).length,
        );
  });

  it('never lets a frozen collector touch the sessions, and catches it up once it runs again', async () => {
    collector.signal('SIGSTOP');
    try {
      await frr.announce('10.231.0.0/16');
      // the route server still reflects it to BIRD while the collector is frozen
      await bird.waitRoute('10.231.0.0/16', { peer: IN_0, timeoutMs: 30_000 });
      // longer than the hold time: a session waiting on BMP would have dropped
      await new Promise((resolve) => setTimeout(resolve, (HOLD + 3) * 1000));
      for (const daemon of [frr, bird])
        expect((await daemon.sessions()).map((s) => s.state)).toEqual(['Established', 'Established']);
    } finally {
      collector.signal('SIGCONT');
    }
    await wait('the route announced meanwhile at the collector', () =>
      [IN_0, IN_1].every((instance) =>
        view().prefixes(instance, FRR.address, true).includes('10.231.0.0/16'),
      ),
    );
    expect(view().downs).toEqual([]);
  });

  it('sends Peer Down from both instances when BIRD goes away', async () => {
    await bird.stop();
    const { downs } = await wait('two Peer Downs', () => (view().downs.length >= 2 ? view() : false));
    expect(downs.map((d) => d.instance).sort()).toEqual([IN_0, IN_1]);
    for (const down of downs) {
      expect(down.peer).toBe(BIRD.address);
      expect([1, 3, 4]).toContain(down.reason);
    }
    expect(view().prefixes(IN_0, BIRD.address, true)).toEqual([]);
    expect(view().prefixes(IN_0, FRR.address, true)).toContain(FRR.prefixes[0]);
  });
});
