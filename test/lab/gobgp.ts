/**
 * GoBGP 3.10: `gobgpd -f TOML --api-hosts unix://SOCK --pprof-disable -p`.
 * The gRPC API runs on a unix socket (nothing on TCP 50051), and the CLI
 * reaches it with `gobgp --target unix://SOCK` from the root namespace. The
 * TOML has no originated routes: they are added through the API once it
 * answers, with `origin igp` (the CLI default is incomplete). While the API
 * is not ready the CLI prints `context deadline exceeded` on stdout.
 *
 * Slow to dial: the first connect waits a random 5–9 s and the retry floor
 * is 5 s, but GoBGP accepts incoming connections at once while Active, so
 * let its partner dial.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BgpDaemonBase, isIpv6, normaliseState, prependedAsns } from './daemon.js';
import type { AnnounceOptions, BgpSession, LearnedRoute } from './daemon.js';
import { run, runChecked } from './process.js';

/** GoBGP's session_state enum (api.PeerState_SessionState). */
const GOBGP_STATES = ['Unknown', 'Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

interface GobgpNeighbor {
  conf?: { neighbor_address?: string };
  state?: { neighbor_address?: string; session_state?: number | string };
}

export interface GobgpPath {
  nlri?: { prefix?: string };
  best?: boolean;
  'source-id'?: string;
  'neighbor-ip'?: string;
  attrs?: GobgpAttribute[];
}

interface GobgpAttribute {
  type: number;
  nexthop?: string;
  as_paths?: { segment_type?: number; asns?: number[] }[];
  communities?: number[];
  nlri?: { prefix?: string };
}

export class GobgpDaemon extends BgpDaemonBase {
  readonly kind = 'gobgp';

  get apiSocket(): string {
    return path.join(this.node.dir, 'gobgp.sock');
  }

  private get target(): string[] {
    return ['--target', `unix://${this.apiSocket}`];
  }

  async start(): Promise<void> {
    const conf = path.join(this.node.dir, 'gobgpd.toml');
    writeFileSync(conf, this.config());
    this.process = this.lab.spawn(
      this.node,
      'gobgpd',
      ['-f', conf, '--api-hosts', `unix://${this.apiSocket}`, '--pprof-disable', '-p'],
      { logFile: path.join(this.node.dir, 'gobgpd.log') },
    );
    await this.waitReady(async () => (await run('gobgp', [...this.target, 'global'])).code === 0);
    for (const a of this.initialAnnouncements) await this.announce(a.prefix, a);
  }

  config(): string {
    const o = this.options;
    const lines = [
      '[global.config]',
      `  as = ${o.asn}`,
      `  router-id = "${this.routerId}"`,
      `  local-address-list = ["${o.localAddress}"]`,
    ];
    for (const p of o.peers) {
      lines.push(
        '',
        '[[neighbors]]',
        '  [neighbors.config]',
        `    neighbor-address = "${p.address}"`,
        `    peer-as = ${p.asn}`,
        '  [neighbors.timers.config]',
        '    connect-retry = 5',
        `    hold-time = ${this.holdTime}`,
        `    keepalive-interval = ${this.keepalive}`,
        '  [neighbors.transport.config]',
        `    local-address = "${o.localAddress}"`,
        `    passive-mode = ${p.passive === true}`,
        '  [[neighbors.afi-safis]]',
        '    [neighbors.afi-safis.config]',
        `      afi-safi-name = "${isIpv6(p.address) ? 'ipv6-unicast' : 'ipv4-unicast'}"`,
      );
      if (p.multihopTtl !== undefined) {
        lines.push(
          '  [neighbors.ebgp-multihop.config]',
          '    enabled = true',
          `    multihop-ttl = ${p.multihopTtl}`,
        );
      }
    }
    return lines.join('\n') + '\n';
  }

  async sessions(): Promise<BgpSession[]> {
    const out = await runChecked('gobgp', [...this.target, '-j', 'neighbor']);
    const neighbors = JSON.parse(out) as GobgpNeighbor[] | null;
    return (neighbors ?? []).map((n) => {
      const raw = n.state?.session_state ?? 0;
      const word = typeof raw === 'number' ? (GOBGP_STATES[raw] ?? 'Idle') : raw;
      return {
        peer: n.state?.neighbor_address ?? n.conf?.neighbor_address ?? '',
        state: normaliseState(word),
      };
    });
  }

  async routes(): Promise<LearnedRoute[]> {
    const out: LearnedRoute[] = [];
    for (const family of ['ipv4', 'ipv6']) {
      const text = await runChecked('gobgp', [...this.target, '-j', 'global', 'rib', '-a', family]);
      const table = JSON.parse(text) as Record<string, GobgpPath[]> | null;
      for (const [prefix, paths] of Object.entries(table ?? {})) {
        for (const p of paths) {
          const route = gobgpRoute(prefix, p);
          if (route) out.push(route);
        }
      }
    }
    return out;
  }

  async announce(prefix: string, options: AnnounceOptions = {}): Promise<void> {
    this.requireRunning();
    const args = [...this.target, 'global', 'rib', 'add', '-a', isIpv6(prefix) ? 'ipv6' : 'ipv4', prefix];
    args.push('origin', 'igp');
    // GoBGP puts its own ASN in front on eBGP sessions; this is what follows it.
    const prepend = prependedAsns(options, this.options.asn);
    if (prepend.length) args.push('aspath', prepend.join(','));
    if (options.communities?.length) args.push('community', options.communities.join(','));
    if (options.nextHop) args.push('nexthop', options.nextHop);
    await runChecked('gobgp', args);
  }

  async withdraw(prefix: string): Promise<void> {
    this.requireRunning();
    await runChecked('gobgp', [
      ...this.target,
      'global',
      'rib',
      'del',
      '-a',
      isIpv6(prefix) ? 'ipv6' : 'ipv4',
      prefix,
    ]);
  }
}

/** A learned route from one path of `gobgp -j global rib`; undefined for local ones. */
export function gobgpRoute(prefix: string, p: GobgpPath): LearnedRoute | undefined {
  const peer = p['neighbor-ip'];
  if (!peer || peer === '<nil>' || p['source-id'] === '<nil>') return undefined;
  const attrs = p.attrs ?? [];
  // Type 3 is NEXT_HOP; IPv6 next hops travel in MP_REACH_NLRI (type 14).
  const nextHop = attrs.find((a) => a.type === 3 || a.type === 14)?.nexthop ?? '';
  const asPath = attrs.find((a) => a.type === 2)?.as_paths?.flatMap((s) => s.asns ?? []) ?? [];
  const route: LearnedRoute = { prefix, nextHop, asPath, peer, best: p.best === true };
  const communities = attrs.find((a) => a.type === 8)?.communities;
  if (communities?.length) {
    route.communities = communities.map((c) => `${Math.floor(c / 65536)}:${c % 65536}`);
  }
  return route;
}
