import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBirdRoutes } from '../lab/bird-parse.js';
import { Lab } from '../lab/index.js';
import { run } from '../lab/process.js';

const BIN = fileURLToPath(new URL('../../bin/routeserver.js', import.meta.url));

function runDemo(): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'demo', '--once'],
      { timeout: 240_000, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          output: stdout + stderr,
        }),
    );
  });
}

/** The lines of one `== heading` section of the demo's output. */
function section(output: string, heading: string): string[] {
  const start = output.indexOf(`== ${heading}`);
  if (start < 0) return [];
  const rest = output.slice(start).split('\n').slice(1);
  const end = rest.findIndex((line) => line.startsWith('== '));
  return rest.slice(0, end < 0 ? undefined : end).filter((line) => line.trim() !== '');
}

describe('routeserver demo (seed scenario with FRR and BIRD)', () => {
  it('prints sessions, learned and received routes, a VM effective route table, packets following it, and tears down', async () => {
    const { code, output } = await runDemo();
    expect(code, output).toBe(0);

    for (const nva of ['SD-WAN NVA (FRR, AS 65001)', 'firewall NVA (BIRD, AS 65002)']) {
      expect(section(output, `${nva}: BGP sessions`).map((line) => line.replace(/ +/g, ' '))).toEqual([
        ' 10.1.0.4 Established',
        ' 10.1.0.5 Established',
      ]);
      const received = section(output, `${nva}: routes received from the route server`);
      // the VNet address space from both instances, next hop the instance itself, AS path 65515
      expect(received).toContainEqual(
        expect.stringMatching(/^ {2}10\.1\.0\.0\/16 +from 10\.1\.0\.4 +next hop 10\.1\.0\.4 +AS path 65515$/),
      );
      expect(received).toContainEqual(
        expect.stringMatching(/^ {2}10\.1\.0\.0\/16 +from 10\.1\.0\.5 +next hop 10\.1\.0\.5 +AS path 65515$/),
      );
    }
    // each NVA gets the other's route, next hop unchanged (docs/azure-behaviour.md §3.6)
    expect(
      section(output, 'SD-WAN NVA (FRR, AS 65001): routes received from the route server'),
    ).toContainEqual(
      expect.stringMatching(
        /^ {2}0\.0\.0\.0\/0 +from 10\.1\.0\.4 +next hop 10\.1\.1\.5 +AS path 65515 65002$/,
      ),
    );
    expect(
      section(output, 'firewall NVA (BIRD, AS 65002): routes received from the route server'),
    ).toContainEqual(
      expect.stringMatching(
        /^ {2}10\.250\.0\.0\/16 +from 10\.1\.0\.5 +next hop 10\.1\.1\.4 +AS path 65515 65001$/,
      ),
    );

    const peerings = section(output, 'route server: peerings');
    expect(peerings).toContainEqual(expect.stringMatching(/^firewall +65002 +10\.1\.1\.5 +Connected/));
    expect(peerings).toContainEqual(expect.stringMatching(/^sdwan +65001 +10\.1\.1\.4 +Connected/));

    const learned = section(output, 'route server: routes learned');
    for (const instance of ['RouteServiceRole_IN_0', 'RouteServiceRole_IN_1']) {
      expect(learned).toContainEqual(
        expect.stringMatching(
          new RegExp(`^${instance} +10\\.250\\.0\\.0/16 +10\\.1\\.1\\.4 +10\\.1\\.1\\.4 +65001 +EBgp`),
        ),
      );
      expect(learned).toContainEqual(
        expect.stringMatching(
          new RegExp(`^${instance} +0\\.0\\.0\\.0/0 +10\\.1\\.1\\.5 +10\\.1\\.1\\.5 +65002 +EBgp`),
        ),
      );
    }

    const metrics = section(output, 'metrics (GET /metrics, routeserver label left out)');
    const series = (name: string, instance: string, peer: string) =>
      `  ${name}{routeserviceinstance="RouteServiceRole_${instance}",bgppeerip="${peer}",bgppeertype="Nva"}`;
    for (const instance of ['IN_0', 'IN_1']) {
      for (const peer of ['10.1.1.4', '10.1.1.5']) {
        expect(metrics).toContain(`${series('BgpPeerStatus', instance, peer)} 1`);
        expect(metrics).toContain(`${series('CountOfRoutesLearnedFromPeer', instance, peer)} 1`);
        // the VNet space and the other NVA's route
        expect(metrics).toContain(`${series('CountOfRoutesAdvertisedToPeer', instance, peer)} 2`);
        // each NVA announced its one prefix to each instance (again after a session reset, if any)
        const announced = metrics.find((line) =>
          line.startsWith(`${series('routeserver_bgp_prefixes_announced_total', instance, peer)} `),
        );
        expect(Number(announced?.split(' ').pop()), metrics.join('\n')).toBeGreaterThanOrEqual(1);
      }
    }

    const effective = section(output, "a VM's effective route table");
    expect(effective).toContainEqual(
      expect.stringMatching(
        /^VirtualNetworkGateway +Active +10\.250\.0\.0\/16 +VirtualNetworkGateway +10\.1\.1\.4$/,
      ),
    );
    expect(effective).toContainEqual(
      expect.stringMatching(
        /^VirtualNetworkGateway +Active +0\.0\.0\.0\/0 +VirtualNetworkGateway +10\.1\.1\.5$/,
      ),
    );
    expect(effective).toContainEqual(expect.stringMatching(/^Default +Invalid +0\.0\.0\.0\/0 +Internet$/));
    expect(effective).toContainEqual(
      expect.stringMatching(/^10\.250\.0\.0\/16 +10\.250\.1\.1 +10\.1\.1\.4 +VirtualNetworkGateway/),
    );

    // the agent programs vm1's kernel, and packets follow the routes through the NVAs
    const programmed = section(
      output,
      "routeserver agent --nic …/vm1-nic --netns vm1: programs vm1's kernel (route protocol 247)",
    );
    expect(programmed).toContainEqual(
      expect.stringMatching(/^ {2}default via 10\.1\.1\.5 dev eth0 proto 247/),
    );
    expect(programmed).toContainEqual(
      expect.stringMatching(/^ {2}10\.250\.0\.0\/16 via 10\.1\.1\.4 dev eth0 proto 247/),
    );
    const forwarded = (heading: string) => {
      const lines = section(output, heading);
      const line = lines.find((l) => l.includes('forwarded toward their far side'));
      const match = /^ {2}\S+ answered; .*SD-WAN NVA (\d+) packets, firewall NVA (\d+) packets$/.exec(
        line ?? '',
      );
      expect(match, lines.join('\n')).not.toBeNull();
      return { sdwan: Number(match![1]), fw: Number(match![2]) };
    };
    const onprem = forwarded('packets from vm1 to 10.250.1.1 (on-prem): through the SD-WAN NVA (10.1.1.4)');
    expect(onprem.sdwan).toBeGreaterThanOrEqual(5);
    expect(onprem.fw).toBeLessThan(5);
    const internet = forwarded(
      'packets from vm1 to 198.51.100.7 (internet): through the firewall NVA (10.1.1.5)',
    );
    expect(internet.fw).toBeGreaterThanOrEqual(5);
    expect(internet.sdwan).toBeLessThan(5);
    // ping and traceroute (installed by scripts/install-deps.sh): every echo answered, first hop the NVA
    for (const [heading, host, nva] of [
      [
        'packets from vm1 to 10.250.1.1 (on-prem): through the SD-WAN NVA (10.1.1.4)',
        '10.250.1.1',
        '10.1.1.4',
      ],
      [
        'packets from vm1 to 198.51.100.7 (internet): through the firewall NVA (10.1.1.5)',
        '198.51.100.7',
        '10.1.1.5',
      ],
    ] as const) {
      const lines = section(output, heading);
      expect(lines, lines.join('\n')).toContain(`$ ping -n -c 3 ${host}`);
      expect(lines).toContainEqual(
        expect.stringMatching(/^3 packets transmitted, 3 received, 0% packet loss/),
      );
      expect(lines).toContain(`$ traceroute -n ${host}`);
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ 1  ${nva.replace(/\./g, '\\.')} `)));
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ 2  ${host.replace(/\./g, '\\.')} `)));
    }

    // serve stops cleanly on SIGTERM: both instances send a Cease to both NVAs
    const stopping = section(
      output,
      'stopping the server (SIGTERM): a Cease to every peer from both instances',
    );
    for (const instance of ['10.1.0.4', '10.1.0.5'])
      for (const peer of ['10.1.1.4', '10.1.1.5'])
        expect(stopping).toContain(
          `  NOTIFICATION sent: Cease / Administrative Shutdown  ${instance} -> ${peer}`,
        );
    expect(stopping[stopping.length - 1]).toBe('  stopped');

    expect(output).toContain('== torn down');
    const prefix = /log: \/.*\/(rl[0-9a-z]{4})-demo\//.exec(output)?.[1];
    expect(prefix).toBeDefined();
    expect(await Lab.leftovers(prefix!)).toEqual({ namespaces: [], processes: [], links: [] });
  });
});

/** What a router learned, one `prefix peer next-hop AS-path` string a route. */
type RouterView = string[];

const viewOf = (routes: { prefix: string; peer: string; nextHop: string; asPath: number[] }[]): RouterView =>
  routes.map((r) => `${r.prefix} ${r.peer} ${r.nextHop} ${r.asPath.join(' ')}`.trim()).sort();

/** The routes printed under each `-- router` line of a section (the demo's `routeLine`). */
function printedViews(lines: readonly string[]): Map<string, RouterView> {
  const views = new Map<string, RouterView>();
  let current: RouterView | undefined;
  for (const line of lines) {
    const router = /^-- (.*)$/.exec(line);
    if (router) views.set(router[1]!, (current = []));
    const route = /^ {2}(\S+) +from (\S+) +next hop (\S+) +AS path ([\d ]*?)( {3}communities .*)?$/.exec(
      line,
    );
    if (route && current) current.push(`${route[1]} ${route[2]} ${route[3]} ${route[4]!.trim()}`.trim());
  }
  for (const view of views.values()) view.sort();
  return views;
}

/** What FRR learned, from its own RIB (`show bgp ipv4 unicast json`), locally originated paths left out. */
async function frrView(vtyDir: string): Promise<RouterView> {
  const result = await run('vtysh', ['--vty_socket', vtyDir, '-c', 'show bgp ipv4 unicast json']);
  if (result.code !== 0) throw new Error(`vtysh: ${result.stderr}`);
  const table = JSON.parse(result.stdout) as {
    routes?: Record<string, { peerId?: string; path?: string; nexthops?: { ip?: string }[] }[]>;
  };
  return viewOf(
    Object.entries(table.routes ?? {}).flatMap(([prefix, paths]) =>
      paths
        .filter((p) => p.peerId !== undefined && p.peerId !== '(unspec)' && p.peerId !== '0.0.0.0')
        .map((p) => ({
          prefix,
          peer: p.peerId!,
          nextHop: p.nexthops?.[0]?.ip ?? '',
          asPath: (p.path ?? '').split(' ').filter(Boolean).map(Number),
        })),
    ),
  );
}

/** What BIRD learned, from its own RIB (`show route all`); its protocols peerN are its peers in order. */
async function birdView(controlSocket: string, peers: readonly string[]): Promise<RouterView> {
  const result = await run('birdc', ['-s', controlSocket, 'show', 'route', 'all', 'table', 'master4']);
  if (result.code !== 0) throw new Error(`birdc: ${result.stderr}`);
  return viewOf(
    parseBirdRoutes(result.stdout)
      .filter((r) => /^peer\d+$/.test(r.protocol))
      .map((r) => ({ ...r, peer: peers[Number(r.protocol.slice(4))]! })),
  );
}

const SITE = 'VPN site (FRR, AS 65010)';
const EDGE = 'ExpressRoute edge (BIRD, AS 65020)';
const SDWAN = 'SD-WAN NVA (FRR, AS 65001)';
const FIREWALL = 'firewall NVA (BIRD, AS 65002)';

/** Every router's RIB, read from the daemons of the demo's lab (work directory `dir`). */
async function daemonViews(dir: string): Promise<Map<string, RouterView>> {
  return new Map([
    [SITE, await frrView(path.join(dir, 'site'))],
    [EDGE, await birdView(path.join(dir, 'edge', 'bird.ctl'), ['192.168.255.2'])],
    [SDWAN, await frrView(path.join(dir, 'sdwan'))],
    [FIREWALL, await birdView(path.join(dir, 'fw', 'bird.ctl'), ['10.1.0.4', '10.1.0.5'])],
  ]);
}

/** `routeserver demo --with-gateways --step`, driven line by line: Enter when the test has read the daemons. */
class SteppedDemo {
  readonly child: ChildProcess;
  output = '';
  private readonly waiters: (() => void)[] = [];

  constructor() {
    this.child = spawn(process.execPath, [BIN, 'demo', '--with-gateways', '--step'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const append = (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
      for (const wake of this.waiters.splice(0)) wake();
    };
    this.child.stdout!.on('data', append);
    this.child.stderr!.on('data', append);
    this.child.on('exit', () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Resolves once the output holds `text`; fails when the demo exits first. */
  async waitFor(text: string): Promise<void> {
    while (!this.output.includes(text)) {
      if (this.child.exitCode !== null) throw new Error(`the demo exited before "${text}":\n${this.output}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async press(next: string): Promise<void> {
    await this.waitFor(`>> press Enter to ${next}`);
    this.child.stdin!.write('\n');
  }

  /** SIGTERM (forwarded to the demo, whose lab tears everything down); resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.on('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    return this.child.exitCode;
  }
}

describe('routeserver demo --with-gateways (FRR VPN site, BIRD ExpressRoute edge, FRR and BIRD NVAs)', () => {
  it('prints what every router learned with branch-to-branch off, on and off again, as their RIBs say, and the hub routing preference winner', async () => {
    const demo = new SteppedDemo();
    try {
      await demo.waitFor('routeserver.log');
      const dir = path.dirname(/log: (\/\S+\/routeserver\.log)/.exec(demo.output)![1]!);
      /** The section's printed views, checked against the daemons' RIBs (nothing changes while the demo waits). */
      const checked = async (heading: string) => {
        const printed = printedViews(section(demo.output, heading));
        expect([...printed.keys()]).toEqual([SITE, EDGE, SDWAN, FIREWALL]);
        expect(printed).toEqual(await daemonViews(dir));
        return printed;
      };
      const prefixes = (view: RouterView | undefined) => new Set(view?.map((r) => r.split(' ')[0]));

      await demo.waitFor('>> press Enter to turn branch-to-branch on');
      const sessions = section(demo.output, 'BGP sessions, as each router reports them');
      expect(sessions.filter((l) => l.endsWith(' Established'))).toHaveLength(7);
      const off = await checked('branch-to-branch off: what each router learned (read from the daemon)');
      // on-prem sees only the VNet's space: AS 65515 from the VPN gateway, 12076 through ExpressRoute
      expect(off.get(SITE)).toEqual([
        '10.1.0.0/16 10.1.255.4 10.1.255.4 65515',
        '10.1.0.0/16 10.1.255.5 10.1.255.5 65515',
      ]);
      expect(off.get(EDGE)).toEqual(['10.1.0.0/16 192.168.255.2 192.168.255.2 12076']);
      // the NVAs see no on-prem route
      for (const nva of [SDWAN, FIREWALL])
        for (const prefix of ['192.168.10.0/24', '192.168.20.0/24'])
          expect(prefixes(off.get(nva))).not.toContain(prefix);
      // the VM sees all three sources: the VPN gateway's two instances, ExpressRoute's, the NVAs'
      const vm = section(
        demo.output,
        "branch-to-branch off: vm1's effective routes (every gateway's and NVA's routes)",
      );
      for (const [prefix, hop] of [
        ['192.168.10.0/24', '10.1.255.4'],
        ['192.168.10.0/24', '10.1.255.5'],
        ['192.168.20.0/24', '10.1.255.6'],
        ['10.250.0.0/16', '10.1.255.6'],
        ['0.0.0.0/0', '10.1.1.5'],
      ] as const)
        expect(vm).toContainEqual(
          expect.stringMatching(
            new RegExp(
              `^VirtualNetworkGateway +Active +${prefix.replace(/\./g, '\\.')} +VirtualNetworkGateway +${hop.replace(/\./g, '\\.')}$`,
            ),
          ),
        );

      await demo.press('turn branch-to-branch on');
      await demo.waitFor('>> press Enter to set the hub routing preference to ExpressRoute');
      const on = await checked('branch-to-branch on: what each router learned (read from the daemon)');
      // the on-prem routers learn each other's routes; the VPN site never gets 0.0.0.0/0
      expect(on.get(SITE)).toContain('192.168.20.0/24 10.1.255.4 10.1.255.4 65515 12076 65020');
      expect(prefixes(on.get(SITE))).not.toContain('0.0.0.0/0');
      // through ExpressRoute: AS 12076 only, the firewall's default route too
      expect(on.get(EDGE)).toContain('192.168.10.0/24 192.168.255.2 192.168.255.2 12076');
      expect(on.get(EDGE)).toContain('0.0.0.0/0 192.168.255.2 192.168.255.2 12076');
      expect(
        section(demo.output, 'branch-to-branch on: what each router learned (read from the daemon)'),
      ).toContainEqual(
        expect.stringMatching(/^ {2}192\.168\.10\.0\/24 +from 192\.168\.255\.2 .* communities 65517:65517$/),
      );
      // the NVAs learn both on-prem sites, next hop the gateways
      for (const nva of [SDWAN, FIREWALL]) {
        expect(on.get(nva)).toContain('192.168.20.0/24 10.1.0.4 10.1.255.6 65515 12076 65020');
        expect(on.get(nva)).toContainEqual(
          expect.stringMatching(/^192\.168\.10\.0\/24 10\.1\.0\.5 10\.1\.255\.[45] 65515 65010$/),
        );
      }

      // hub routing preference on 10.250.0.0/16 (ER 12076 65020, VPN 65010 65010 65010, NVA 65001)
      const cases = [
        {
          preference: 'ExpressRoute',
          next: 'set the hub routing preference to VpnGateway',
          hop: '10.1.255.6',
          toNva: '65515 12076 65020',
        },
        {
          preference: 'VpnGateway',
          next: 'set the hub routing preference to ASPath',
          hop: '10.1.1.4',
          toNva: undefined,
        },
        { preference: 'ASPath', next: 'turn branch-to-branch off again', hop: '10.1.1.4', toNva: undefined },
      ];
      for (const { preference, next, hop, toNva } of cases) {
        await demo.press(`set the hub routing preference to ${preference}`);
        await demo.waitFor(`>> press Enter to ${next}`);
        const lines = section(
          demo.output,
          `hub routing preference ${preference}: the winner for 10.250.0.0/16`,
        );
        expect(lines.filter((l) => l.startsWith('VirtualNetworkGateway'))).toEqual([
          expect.stringMatching(
            new RegExp(
              `^VirtualNetworkGateway +Active +10\\.250\\.0\\.0/16 +VirtualNetworkGateway +${hop.replace(/\./g, '\\.')}$`,
            ),
          ),
        ]);
        const sentToNva = (await frrView(path.join(dir, 'sdwan'))).filter((r) =>
          r.startsWith('10.250.0.0/16 '),
        );
        expect(
          printedViews(lines).get('what the SD-WAN NVA is sent for 10.250.0.0/16 (read from FRR)'),
        ).toEqual(sentToNva);
        if (toNva === undefined) expect(sentToNva).toEqual([]);
        else
          expect(sentToNva).toEqual([
            `10.250.0.0/16 10.1.0.4 10.1.255.6 ${toNva}`,
            `10.250.0.0/16 10.1.0.5 10.1.255.6 ${toNva}`,
          ]);
      }

      await demo.press('turn branch-to-branch off again');
      await demo.waitFor('== the scenario is up; Ctrl-C tears it down');
      const offAgain = await checked(
        'branch-to-branch off again: what each router learned (read from the daemon)',
      );
      expect(offAgain.get(SITE)).toEqual(off.get(SITE));
      expect(offAgain.get(EDGE)).toEqual(off.get(EDGE));
      for (const nva of [SDWAN, FIREWALL])
        for (const prefix of ['192.168.10.0/24', '192.168.20.0/24'])
          expect(prefixes(offAgain.get(nva))).not.toContain(prefix);
      // no session was reset: FRR's count of establishments is what it was before
      const counts = section(
        demo.output,
        'sessions never reset: times each FRR session was established (before; now)',
      );
      expect(counts).toHaveLength(2);
      expect(counts[0]).toBe(counts[1]);
      expect(counts[0]).toBe('  10.1.255.4 1, 10.1.255.5 1; 10.1.0.4 1, 10.1.0.5 1');
    } finally {
      await demo.stop();
    }
    const prefix = /log: \/.*\/(rl[0-9a-z]{4})-demo\//.exec(demo.output)?.[1];
    expect(prefix).toBeDefined();
    expect(await Lab.leftovers(prefix!)).toEqual({ namespaces: [], processes: [], links: [] });
  });
});
