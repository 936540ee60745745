/**
 * OpenBGPD 7.7: `/usr/sbin/bgpd -d -f CONF` (`/usr/sbin/bgpd` is OpenBGPD;
 * FRR's is /usr/lib/frr/bgpd). `-d` keeps it in the foreground; the parent
 * (root) forks three `_openbgpd` children that exit with it, so only the
 * parent is signalled. Config must-haves: its own `socket`, `fib-update no`,
 * `allow from any` / `allow to any` (everything is filtered otherwise),
 * `listen on` the own address. Its chroot `/run/openbgpd` must exist. Read
 * back with `bgpctl -s SOCK -j`; runtime changes with `bgpctl network add|delete`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BgpDaemonBase, communityValue, normaliseState, prependedAsns } from './daemon.js';
import type { AnnounceOptions, Announcement, BgpSession, LearnedRoute } from './daemon.js';
import { run, runChecked } from './process.js';

interface OpenbgpdNeighbor {
  remote_addr?: string;
  state?: string;
}

export interface OpenbgpdRibEntry {
  prefix?: string;
  aspath?: string;
  exit_nexthop?: string;
  true_nexthop?: string;
  best?: boolean;
  /** true for prefixes this daemon originates */
  announced?: boolean;
  neighbor?: { remote_addr?: string; description?: string };
  communities?: string[];
}

export class OpenbgpdDaemon extends BgpDaemonBase {
  readonly kind = 'openbgpd';

  get controlSocket(): string {
    return path.join(this.node.dir, 'bgpd.sock');
  }

  async start(): Promise<void> {
    for (const a of this.initialAnnouncements) this.setArguments(a);
    const conf = path.join(this.node.dir, 'bgpd.conf');
    writeFileSync(conf, this.config());
    mkdirSync('/run/openbgpd', { recursive: true });
    this.process = this.lab.spawn(this.node, '/usr/sbin/bgpd', ['-d', '-f', conf], {
      logFile: path.join(this.node.dir, 'bgpd.log'),
    });
    await this.waitReady(async () => (await this.bgpctl(['show', 'summary'])).code === 0);
  }

  private bgpctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return run('bgpctl', ['-s', this.controlSocket, ...args]);
  }

  /** Path attribute settings, shared by `network … set { }` and `bgpctl network add`. */
  private setArguments(a: AnnounceOptions): string[] {
    const settings: string[] = [];
    for (const c of a.communities ?? []) settings.push('community', c);
    const prepend = prependedAsns(a, this.options.asn);
    if (prepend.some((asn) => asn !== this.options.asn)) {
      throw new Error('openbgpd: asPathPrepend can only repeat the local ASN (prepend-self)');
    }
    if (prepend.length) settings.push('prepend-self', String(prepend.length));
    if (a.nextHop) settings.push('nexthop', a.nextHop);
    return settings;
  }

  private networkLine(a: Announcement): string {
    const settings = this.setArguments(a);
    const pairs: string[] = [];
    for (let i = 0; i < settings.length; i += 2) pairs.push(`${settings[i]} ${settings[i + 1]}`);
    return `network ${a.prefix}${pairs.length ? ` set { ${pairs.join(' ')} }` : ''}`;
  }

  config(): string {
    const o = this.options;
    const lines = [
      `AS ${o.asn}`,
      `router-id ${this.routerId}`,
      `listen on ${o.localAddress}`,
      `socket "${this.controlSocket}"`,
      'fib-update no',
      'connect-retry 1',
      `holdtime ${this.holdTime}`,
      'holdtime min 3',
      ...this.initialAnnouncements.map((a) => this.networkLine(a)),
    ];
    for (const p of o.peers) {
      lines.push(`neighbor ${p.address} {`, `  remote-as ${p.asn}`, `  local-address ${o.localAddress}`);
      if (p.multihopTtl !== undefined) lines.push(`  multihop ${p.multihopTtl}`);
      if (p.passive) lines.push('  passive');
      lines.push('}');
    }
    lines.push('allow from any', 'allow to any');
    return lines.join('\n') + '\n';
  }

  async sessions(): Promise<BgpSession[]> {
    const out = await runChecked('bgpctl', ['-s', this.controlSocket, '-j', 'show', 'neighbor']);
    const { neighbors } = JSON.parse(out) as { neighbors?: OpenbgpdNeighbor[] };
    return (neighbors ?? []).map((n) => ({
      peer: n.remote_addr ?? '',
      state: normaliseState(n.state ?? ''),
    }));
  }

  async routes(): Promise<LearnedRoute[]> {
    const out = await runChecked('bgpctl', ['-s', this.controlSocket, '-j', 'show', 'rib', 'detail']);
    const { rib } = JSON.parse(out) as { rib?: OpenbgpdRibEntry[] };
    return (rib ?? []).map(openbgpdRoute).filter((r): r is LearnedRoute => r !== undefined);
  }

  async announce(prefix: string, options: AnnounceOptions = {}): Promise<void> {
    this.requireRunning();
    await runChecked('bgpctl', [
      '-s',
      this.controlSocket,
      'network',
      'add',
      prefix,
      ...this.setArguments(options),
    ]);
  }

  async withdraw(prefix: string): Promise<void> {
    this.requireRunning();
    await runChecked('bgpctl', ['-s', this.controlSocket, 'network', 'delete', prefix]);
  }
}

/** A learned route from one `show rib detail` entry; undefined for locally originated ones. */
export function openbgpdRoute(e: OpenbgpdRibEntry): LearnedRoute | undefined {
  // Originated prefixes show neighbor {description: "LOCAL", remote_addr: "???"}.
  const peer = e.neighbor?.remote_addr;
  if (e.announced || !peer || !/^[0-9a-fA-F:.]+$/.test(peer) || !e.prefix) return undefined;
  const route: LearnedRoute = {
    prefix: e.prefix,
    nextHop: e.exit_nexthop ?? e.true_nexthop ?? '',
    asPath: (e.aspath ?? '')
      .split(/[\s{},]+/)
      .filter((s) => /^\d+$/.test(s))
      .map(Number),
    peer,
    best: e.best === true,
  };
  if (e.communities?.length) route.communities = e.communities.map(communityValue);
  return route;
}
