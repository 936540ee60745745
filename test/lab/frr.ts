/**
 * FRR 8.4 bgpd alone (no zebra, no watchfrr): `/usr/lib/frr/bgpd -Z -S -P 0
 * --vty_socket DIR`. -Z: no zebra, next hops count as valid and nothing goes
 * into a kernel FIB; -S: stay root; -P 0: no TCP vty; a vty socket directory
 * per instance. `no bgp ebgp-requires-policy` is required, or FRR applies
 * RFC 8212 and exchanges nothing on eBGP. Read-back is vtysh JSON.
 * Per-announcement options become a route-map on the `network` statement.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BgpDaemonBase, communityValue, isIpv6, normaliseState, prependedAsns } from './daemon.js';
import type { AnnounceOptions, Announcement, BgpSession, LearnedRoute } from './daemon.js';
import type { BfdPeerState } from './daemon.js';
import type { LabProcess } from './process.js';
import { run, runChecked, waitFor } from './process.js';

const BGPD = '/usr/lib/frr/bgpd';
/**
 * FRR's BFD daemon. bgpd without zebra cannot register its neighbours with
 * bfdd (that goes through zebra), so `bfd` sessions are configured in bfdd
 * itself: the same sessions, just not tied to bgpd's.
 */
const BFDD = '/usr/lib/frr/bfdd';

/** One path of `show bgp <afi> unicast <prefix> json`. */
export interface FrrDetailPath {
  valid?: boolean;
  bestpath?: { overall?: boolean };
  aspath?: { string?: string; segments?: { type?: string; list?: number[] }[] };
  community?: { string?: string };
  nexthops?: { ip?: string; afi?: string; scope?: string }[];
  peer?: { peerId?: string };
}

interface FrrDetail {
  prefix?: string;
  paths?: FrrDetailPath[];
}

export class FrrDaemon extends BgpDaemonBase {
  readonly kind = 'frr';

  get vtyDir(): string {
    return this.node.dir;
  }

  async start(): Promise<void> {
    const conf = path.join(this.node.dir, 'frr.conf');
    writeFileSync(conf, this.config());
    this.process = this.lab.spawn(
      this.node,
      BGPD,
      [
        '-f',
        conf,
        '-i',
        path.join(this.node.dir, 'bgpd.pid'),
        '--vty_socket',
        this.vtyDir,
        '-Z',
        '-S',
        '-P',
        '0',
        '--log',
        `file:${path.join(this.node.dir, 'bgpd.log')}`,
      ],
      { logFile: path.join(this.node.dir, 'frr.out') },
    );
    await this.waitReady(async () => (await this.vtysh(['show bgp summary json'])).code === 0);
    if (this.options.bfd) await this.startBfd();
  }

  private bfdProcess: LabProcess | undefined;

  get bfdPid(): number | undefined {
    return this.bfdProcess?.running ? this.bfdProcess.pid : undefined;
  }

  /**
   * bfdd runs as FRR's user (it has no "stay root" switch like bgpd's -S and
   * insists that its user be in the vty group), so its vty socket, pid file
   * and log live in a directory of their own that this user may write.
   */
  get bfdDir(): string {
    return path.join(this.node.dir, 'bfdd');
  }

  /** Starts bfdd with a session toward every peer (options.bfd); resolves once it answers. */
  async startBfd(): Promise<void> {
    const dir = this.bfdDir;
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    const conf = path.join(dir, 'bfdd.conf');
    writeFileSync(conf, this.bfdConfig());
    this.bfdProcess = this.lab.spawn(
      this.node,
      BFDD,
      [
        '-f',
        conf,
        '-i',
        path.join(dir, 'bfdd.pid'),
        '--vty_socket',
        dir,
        '--bfdctl',
        path.join(dir, 'bfdd.sock'),
        '-P',
        '0',
        '--log',
        `file:${path.join(dir, 'bfdd.log')}`,
      ],
      { logFile: path.join(this.node.dir, 'bfdd.out') },
    );
    const bfdd = this.bfdProcess;
    await waitFor(
      `bfdd on ${this.node.name} to answer`,
      async () => {
        if (!bfdd.running) throw new Error(`bfdd exited:\n${bfdd.logTail()}`);
        return (await this.bfdVtysh('show bfd peers json')).code === 0 ? true : undefined;
      },
      { timeoutMs: 20_000, detail: () => bfdd.logTail() },
    );
  }

  private bfdVtysh(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return run('vtysh', ['--vty_socket', this.bfdDir, '-c', command]);
  }

  /** SIGKILL to bfdd by its PID: its sessions stop without a word (a crashed BFD). */
  killBfd(): void {
    const pid = this.bfdPid;
    if (pid === undefined) throw new Error(`bfdd on ${this.node.name} is not running`);
    process.kill(pid, 'SIGKILL');
  }

  bfdConfig(): string {
    const o = this.options;
    const bfd = o.bfd;
    if (!bfd) throw new Error('frr: no bfd options');
    const lines = [`hostname ${this.node.name}`, 'log stdout informational', '!', 'bfd'];
    for (const p of o.peers) {
      const where = bfd.multihop ? ' multihop' : '';
      lines.push(
        ` peer ${p.address}${where} local-address ${o.localAddress}`,
        `  detect-multiplier ${bfd.multiplier}`,
        `  receive-interval ${bfd.intervalMs}`,
        `  transmit-interval ${bfd.intervalMs}`,
        ' !',
      );
    }
    lines.push('!', '');
    return lines.join('\n');
  }

  /** bfdd's sessions (`show bfd peers json`), one per peer. */
  async bfdPeers(): Promise<BfdPeerState[]> {
    const result = await this.bfdVtysh('show bfd peers json');
    if (result.code !== 0) throw new Error(`vtysh show bfd peers json: ${result.stderr || result.stdout}`);
    const peers = JSON.parse(result.stdout) as { peer?: string; status?: string }[];
    const names: Record<string, BfdPeerState['state']> = {
      up: 'Up',
      down: 'Down',
      init: 'Init',
      'admin-down': 'AdminDown',
      shutdown: 'AdminDown',
    };
    return peers.map((p) => ({ peer: p.peer ?? '', state: names[p.status ?? ''] ?? 'Down' }));
  }

  private vtysh(commands: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return run('vtysh', ['--vty_socket', this.vtyDir, ...commands.flatMap((c) => ['-c', c])]);
  }

  private async vtyshJson<T>(command: string): Promise<T> {
    const result = await this.vtysh([command]);
    if (result.code !== 0) throw new Error(`vtysh ${command}: ${result.stderr || result.stdout}`);
    return JSON.parse(result.stdout) as T;
  }

  private routeMapName(prefix: string): string {
    return `LAB-${prefix.replace(/[^0-9a-fA-F]/g, '-')}`;
  }

  private routeMapLines(a: Announcement): string[] {
    const sets: string[] = [];
    if (a.communities?.length) sets.push(` set community ${a.communities.join(' ')} additive`);
    const prepend = prependedAsns(a, this.options.asn);
    if (prepend.length) sets.push(` set as-path prepend ${prepend.join(' ')}`);
    if (a.nextHop)
      sets.push(` set ${isIpv6(a.nextHop) ? 'ipv6 next-hop global' : 'ip next-hop'} ${a.nextHop}`);
    if (!sets.length) return [];
    return [`route-map ${this.routeMapName(a.prefix)} permit 10`, ...sets, 'exit'];
  }

  private networkLine(a: Announcement): string {
    const map = this.routeMapLines(a).length ? ` route-map ${this.routeMapName(a.prefix)}` : '';
    return `network ${a.prefix}${map}`;
  }

  config(): string {
    const o = this.options;
    const lines = [`hostname ${this.node.name}`, 'log stdout informational', '!'];
    for (const a of this.initialAnnouncements) lines.push(...this.routeMapLines(a));
    lines.push(
      `router bgp ${o.asn}`,
      ` bgp router-id ${this.routerId}`,
      ' no bgp ebgp-requires-policy',
      ' no bgp network import-check',
      ' no bgp default ipv4-unicast',
    );
    if (o.gracefulRestart)
      lines.push(
        ' bgp graceful-restart',
        // the Forwarding State bit in the OPEN after a restart: without it the helper drops our routes at once
        ' bgp graceful-restart preserve-fw-state',
        ` bgp graceful-restart restart-time ${o.gracefulRestart.restartTimeSeconds}`,
      );
    for (const p of o.peers) {
      const n = ` neighbor ${p.address}`;
      lines.push(`${n} remote-as ${p.asn}`, `${n} update-source ${o.localAddress}`);
      if (p.multihopTtl !== undefined) lines.push(`${n} ebgp-multihop ${p.multihopTtl}`);
      if (p.passive) lines.push(`${n} passive`);
      if (p.md5Password !== undefined) lines.push(`${n} password ${p.md5Password}`);
      lines.push(`${n} advertisement-interval 0`, `${n} timers ${this.keepalive} ${this.holdTime}`);
      lines.push(`${n} timers connect 1`);
    }
    for (const family of ['ipv4', 'ipv6'] as const) {
      lines.push(` address-family ${family} unicast`);
      for (const p of o.peers) {
        if (isIpv6(p.address) === (family === 'ipv6')) lines.push(`  neighbor ${p.address} activate`);
      }
      for (const a of this.initialAnnouncements) {
        if (isIpv6(a.prefix) === (family === 'ipv6')) lines.push(`  ${this.networkLine(a)}`);
      }
      lines.push(' exit-address-family');
    }
    lines.push('!', '');
    return lines.join('\n');
  }

  async sessions(): Promise<BgpSession[]> {
    const neighbors = await this.vtyshJson<Record<string, { bgpState?: string }>>('show bgp neighbors json');
    return Object.entries(neighbors).map(([peer, n]) => ({ peer, state: normaliseState(n.bgpState ?? '') }));
  }

  /** Why the session with `peer` last went down, as bgpd words it (`show bgp neighbors PEER json`). */
  async lastReset(peer: string): Promise<string> {
    const n = await this.vtyshJson<
      Record<string, { lastResetDueTo?: string; lastNotificationReason?: string }>
    >(`show bgp neighbors ${peer} json`);
    const entry = n[peer] ?? {};
    return [entry.lastResetDueTo, entry.lastNotificationReason].filter(Boolean).join('; ');
  }

  /**
   * The summary table (`show bgp <afi> unicast json`) lacks communities, so
   * the prefixes learned from peers are then read in detail, all in one
   * vtysh call.
   */
  async routes(): Promise<LearnedRoute[]> {
    const out: LearnedRoute[] = [];
    for (const family of ['ipv4', 'ipv6']) {
      const table = await this.vtyshJson<{ routes?: Record<string, { peerId?: string }[]> }>(
        `show bgp ${family} unicast json`,
      );
      const learned = Object.entries(table.routes ?? {})
        .filter(([, paths]) => paths.some((p) => p.peerId !== undefined && p.peerId !== '(unspec)'))
        .map(([prefix]) => prefix);
      if (!learned.length) continue;
      const result = await this.vtysh(learned.map((prefix) => `show bgp ${family} unicast ${prefix} json`));
      for (const detail of splitJsonObjects(result.stdout) as FrrDetail[]) {
        for (const p of detail.paths ?? []) {
          const route = frrRoute(detail.prefix ?? '', p);
          if (route) out.push(route);
        }
      }
    }
    return out;
  }

  async announce(prefix: string, options: AnnounceOptions = {}): Promise<void> {
    this.requireRunning();
    const a: Announcement = { prefix, ...options };
    const family = isIpv6(prefix) ? 'ipv6' : 'ipv4';
    const mapLines = this.routeMapLines(a);
    await runChecked('vtysh', [
      '--vty_socket',
      this.vtyDir,
      '-c',
      'configure terminal',
      ...mapLines.flatMap((l) => ['-c', l.trim()]),
      '-c',
      `router bgp ${this.options.asn}`,
      '-c',
      `address-family ${family} unicast`,
      '-c',
      this.networkLine(a),
    ]);
  }

  async withdraw(prefix: string): Promise<void> {
    this.requireRunning();
    const family = isIpv6(prefix) ? 'ipv6' : 'ipv4';
    await runChecked('vtysh', [
      '--vty_socket',
      this.vtyDir,
      '-c',
      'configure terminal',
      '-c',
      `router bgp ${this.options.asn}`,
      '-c',
      `address-family ${family} unicast`,
      '-c',
      `no network ${prefix}`,
    ]);
  }
}

/** A learned route from one detailed path; undefined for locally originated ones. */
export function frrRoute(prefix: string, p: FrrDetailPath): LearnedRoute | undefined {
  const peer = p.peer?.peerId;
  // a prefix learned and also originated here: the local path says peer 0.0.0.0 (:: for IPv6)
  if (!peer || peer === '(unspec)' || peer === '0.0.0.0' || peer === '::' || p.valid === false)
    return undefined;
  const global = p.nexthops?.find((n) => n.ip !== undefined && n.scope !== 'link-local');
  const route: LearnedRoute = {
    prefix,
    nextHop: global?.ip ?? '',
    asPath: (p.aspath?.segments ?? []).flatMap((s) => s.list ?? []),
    peer,
    best: p.bestpath?.overall === true,
  };
  const communities = p.community?.string?.split(' ').filter(Boolean);
  if (communities?.length) route.communities = communities.map(communityValue);
  return route;
}

/** Splits the concatenated JSON documents vtysh prints for several commands. */
export function splitJsonObjects(text: string): unknown[] {
  const docs: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) docs.push(JSON.parse(text.slice(start, i + 1)));
  }
  return docs;
}
