/**
 * BIRD 2, FRR bgpd, OpenBGPD and GoBGP as route-server DUTs. Config choices
 * follow docs in /bench/README.md ("Equivalent configurations"): passive
 * sessions, hold 180 s, next hop and AS path left as the injector sent them
 * (route-server client mode), no kernel protocol or FIB updates, FRR's
 * advertisement interval 0. `importOnly` sends nothing back to injectors.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { run } from '../../test/lab/process.js';
import { spawnPinned } from './types.js';
import type { Dut, DutContext, RunningDut } from './types.js';

async function versionOf(cmd: string, args: string[], pattern: RegExp): Promise<string> {
  const r = await run(cmd, args, { timeoutMs: 5_000 });
  return pattern.exec(`${r.stdout}\n${r.stderr}`)?.[1] ?? '?';
}

async function installed(path: string): Promise<boolean> {
  return (await run('test', ['-x', path])).code === 0;
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

// ------------------------------------------------------------------ BIRD 2

export const bird: Dut = {
  id: 'bird',
  label: async () => `BIRD ${await versionOf('bird', ['--version'], /version (\S+)/)}`,
  available: () => installed('/usr/sbin/bird'),
  async start(c: DutContext): Promise<RunningDut> {
    const ctl = `${c.dir}/bird.ctl`;
    const lines = [
      `log "${c.dir}/bird-events.log" { warning, error, fatal };`,
      `router id ${c.address};`,
      'protocol device {}',
      `template bgp rsc { local ${c.address} as ${c.asn}; strict bind yes; passive yes; rs client;`,
      '  hold time 180; ipv4 { import all; export all; next hop keep; }; }',
      ...c.injectors.map(
        (p, i) =>
          `protocol bgp inj${i} from rsc { neighbor ${p.address} as ${p.asn};` +
          (c.importOnly ? ' ipv4 { import all; export none; };' : '') +
          ' }',
      ),
      `protocol bgp mon from rsc { neighbor ${c.monitor.address} as ${c.monitor.asn}; }`,
    ];
    writeFileSync(`${c.dir}/bird.conf`, lines.join('\n') + '\n');
    const process = spawnPinned(c, 'bird', ['-f', '-c', `${c.dir}/bird.conf`, '-s', ctl], 'bird.log');
    return {
      process,
      learnedPollMs: 100,
      learned: async () => {
        const r = await run('birdc', ['-s', ctl, 'show', 'protocols', 'all'], { timeoutMs: 10_000 });
        if (r.code !== 0) return undefined;
        // "inj3 BGP ... Routes: 4000 imported, 28000 exported" blocks; sum the injectors'.
        const counts = [...r.stdout.matchAll(/^inj\d+[\s\S]*?Routes:\s+(\d+) imported/gm)].map((m) =>
          Number(m[1]),
        );
        return sum(counts);
      },
    };
  },
};

// ------------------------------------------------------------------ FRR

export const frr: Dut = {
  id: 'frr',
  label: async () => `FRR ${await versionOf('/usr/lib/frr/bgpd', ['--version'], /version (\S+)/)}`,
  available: () => installed('/usr/lib/frr/bgpd'),
  async start(c: DutContext): Promise<RunningDut> {
    const all = [...c.injectors.map((p) => ({ ...p, group: 'INJ' })), { ...c.monitor, group: 'MON' }];
    const lines = [
      'frr defaults traditional',
      'hostname dut',
      `router bgp ${c.asn}`,
      ` bgp router-id ${c.address}`,
      ' no bgp ebgp-requires-policy',
      ' no bgp network import-check',
      ...['INJ', 'MON'].flatMap((g) => [
        ` neighbor ${g} peer-group`,
        ` neighbor ${g} passive`,
        ` neighbor ${g} timers 60 180`,
        ` neighbor ${g} advertisement-interval 0`,
      ]),
      ...all.flatMap((p) => [
        ` neighbor ${p.address} remote-as ${p.asn}`,
        ` neighbor ${p.address} peer-group ${p.group}`,
      ]),
      ' address-family ipv4 unicast',
      ...['INJ', 'MON'].flatMap((g) => [
        `  neighbor ${g} route-server-client`,
        `  neighbor ${g} attribute-unchanged next-hop`,
      ]),
      ...(c.importOnly ? ['  neighbor INJ route-map DENYALL out'] : []),
      ' exit-address-family',
      'route-map DENYALL deny 10',
    ];
    writeFileSync(`${c.dir}/frr.conf`, lines.join('\n') + '\n');
    const vty = `${c.dir}/vty`;
    mkdirSync(vty, { recursive: true });
    const process = spawnPinned(
      c,
      '/usr/lib/frr/bgpd',
      [
        '-f',
        `${c.dir}/frr.conf`,
        '-i',
        `${c.dir}/bgpd.pid`,
        '--vty_socket',
        vty,
        '-Z',
        '-S',
        '-P',
        '0',
        '-l',
        c.address,
      ],
      'frr.log',
    );
    return {
      process,
      learnedPollMs: 100,
      learned: async () => {
        const r = await run('vtysh', ['--vty_socket', vty, '-c', 'show bgp ipv4 unicast summary json'], {
          timeoutMs: 10_000,
        });
        if (r.code !== 0) return undefined;
        const peers = (JSON.parse(r.stdout) as { peers?: Record<string, { pfxRcd?: number }> }).peers ?? {};
        return sum(
          Object.entries(peers)
            .filter(([a]) => a !== c.monitor.address)
            .map(([, p]) => p.pfxRcd ?? 0),
        );
      },
    };
  },
};

// ------------------------------------------------------------------ OpenBGPD

export const openbgpd: Dut = {
  id: 'openbgpd',
  label: async () => {
    const r = await run('dpkg-query', ['-W', '-f', '${Version}', 'openbgpd']);
    return `OpenBGPD ${r.stdout.replace(/-\d+$/, '') || '?'}`;
  },
  available: () => installed('/usr/sbin/bgpd'),
  async start(c: DutContext): Promise<RunningDut> {
    const sock = `${c.dir}/bgpd.sock`;
    const neighbor = (p: { address: string; asn: number }): string[] => [
      `  neighbor ${p.address} {`,
      `    remote-as ${p.asn}`,
      '    passive',
      '    transparent-as yes',
      '    set nexthop no-modify',
      '    enforce neighbor-as no',
      '  }',
    ];
    const lines = [
      `AS ${c.asn}`,
      `router-id ${c.address}`,
      `listen on ${c.address}`,
      'fib-update no',
      `socket "${sock}"`,
      'holdtime 180',
      'group "inj" {',
      ...c.injectors.flatMap(neighbor),
      '}',
      'group "mon" {',
      ...neighbor(c.monitor),
      '}',
      'allow from any',
      'allow to any',
      ...(c.importOnly ? ['deny to group "inj"'] : []),
    ];
    writeFileSync(`${c.dir}/bgpd.conf`, lines.join('\n') + '\n');
    mkdirSync('/run/openbgpd', { recursive: true });
    const process = spawnPinned(c, '/usr/sbin/bgpd', ['-d', '-f', `${c.dir}/bgpd.conf`], 'openbgpd.log');
    return {
      process,
      learnedPollMs: 100,
      learned: async () => {
        const r = await run('bgpctl', ['-s', sock, '-j', 'show', 'neighbor'], { timeoutMs: 10_000 });
        if (r.code !== 0) return undefined;
        const list =
          (
            JSON.parse(r.stdout) as {
              neighbors?: { remote_addr?: string; stats?: { prefixes?: { received?: number } } }[];
            }
          ).neighbors ?? [];
        return sum(
          list
            .filter((n) => n.remote_addr !== c.monitor.address)
            .map((n) => n.stats?.prefixes?.received ?? 0),
        );
      },
    };
  },
};

// ------------------------------------------------------------------ GoBGP

export const gobgp: Dut = {
  id: 'gobgp',
  slow: true,
  label: async () => `GoBGP ${await versionOf('gobgpd', ['--version'], /version (\S+)/)}`,
  available: () => installed('/usr/bin/gobgpd'),
  async start(c: DutContext): Promise<RunningDut> {
    const api = `unix://${c.dir}/api.sock`;
    const neighbor = (p: { address: string; asn: number }, exportNone: boolean): string => `
[[neighbors]]
  [neighbors.config]
    neighbor-address = "${p.address}"
    peer-as = ${p.asn}
  [neighbors.timers.config]
    hold-time = 180
    keepalive-interval = 60
  [neighbors.transport.config]
    passive-mode = true
    local-address = "${c.address}"
  [neighbors.route-server.config]
    route-server-client = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
${exportNone ? '  [neighbors.apply-policy.config]\n    default-export-policy = "reject-route"\n' : ''}`;
    const toml = [
      '[global.config]',
      `  as = ${c.asn}`,
      `  router-id = "${c.address}"`,
      '  port = 179',
      `  local-address-list = ["${c.address}"]`,
      ...c.injectors.map((p) => neighbor(p, c.importOnly)),
      neighbor(c.monitor, false),
    ];
    writeFileSync(`${c.dir}/gobgpd.toml`, toml.join('\n') + '\n');
    const process = spawnPinned(
      c,
      'gobgpd',
      ['-f', `${c.dir}/gobgpd.toml`, '--api-hosts', api, '--pprof-disable', '-l', 'warn'],
      'gobgpd.log',
    );
    return {
      process,
      // ListPeer takes GoBGP's server lock; poll rarely.
      learnedPollMs: 1000,
      learned: async () => {
        const r = await run('gobgp', ['--target', api, '-j', 'neighbor'], { timeoutMs: 10_000 });
        if (r.code !== 0) return undefined;
        const list = JSON.parse(r.stdout) as {
          state?: { neighbor_address?: string; afi_safis?: { state?: { received?: number } }[] };
          afi_safis?: { state?: { received?: number } }[];
        }[];
        return sum(
          list
            .filter((n) => n.state?.neighbor_address !== c.monitor.address)
            .map((n) =>
              (n.afi_safis ?? n.state?.afi_safis ?? []).reduce((a, s) => a + (s.state?.received ?? 0), 0),
            ),
        );
      },
    };
  },
};
