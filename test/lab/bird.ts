/**
 * BIRD 2.0: `bird -f -c CONF -s CTL -P PIDFILE`, `log stderr all`. Pitfalls:
 * `rs` is a keyword (never a protocol or template name); `include` must sit
 * on a line of its own; multihop sessions resolve next hops recursively, so
 * a table of connected routes (`igp table`) is needed or every learned route
 * is unreachable; `strict bind yes` keeps BIRD on its own address. Announced
 * prefixes are static routes in an included file, changed at runtime by
 * rewriting it and `birdc configure` (sessions stay up). BIRD has no JSON:
 * `birdc show route all` text is parsed by bird-parse.ts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseBirdProtocols, parseBirdRoutes } from './bird-parse.js';
import { BgpDaemonBase, isIpv6, prependedAsns } from './daemon.js';
import type { AnnounceOptions, Announcement, BfdPeerState, BgpSession, LearnedRoute } from './daemon.js';
import { run, runChecked } from './process.js';

export class BirdDaemon extends BgpDaemonBase {
  readonly kind = 'bird';
  private readonly announced = new Map<string, Announcement>();

  get controlSocket(): string {
    return path.join(this.node.dir, 'bird.ctl');
  }

  /** BGP protocol name of the i-th peer ("peer0", …). */
  protocolName(index: number): string {
    return `peer${index}`;
  }

  /** `recovery`: start as after a graceful restart (`bird -R`: Restart State and Forwarding State bits). */
  async start(options: { recovery?: boolean } = {}): Promise<void> {
    for (const a of this.initialAnnouncements) {
      this.checkSupported(a);
      this.announced.set(a.prefix, a);
    }
    this.writeRoutes();
    const conf = path.join(this.node.dir, 'bird.conf');
    writeFileSync(conf, this.config());
    this.process = this.lab.spawn(
      this.node,
      'bird',
      [
        '-f',
        '-c',
        conf,
        '-s',
        this.controlSocket,
        '-P',
        path.join(this.node.dir, 'bird.pid'),
        ...(options.recovery === true ? ['-R'] : []),
      ],
      { logFile: path.join(this.node.dir, 'bird.log') },
    );
    await this.waitReady(async () => (await this.birdc(['show', 'status'])).code === 0);
  }

  private birdc(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return run('birdc', ['-s', this.controlSocket, ...args]);
  }

  private checkSupported(a: Announcement): void {
    if (a.nextHop) throw new Error('bird: a per-announcement nextHop is not supported in the lab');
  }

  private routeLine(a: Announcement): string {
    const actions: string[] = [];
    for (const c of a.communities ?? []) {
      const [asn, value] = c.split(':');
      actions.push(`bgp_community.add((${asn},${value}));`);
    }
    // The session prepends the local ASN on export; prepend the rest here (last first).
    for (const asn of prependedAsns(a, this.options.asn).reverse()) actions.push(`bgp_path.prepend(${asn});`);
    const block = actions.length ? ` { ${actions.join(' ')} }` : '';
    return `route ${a.prefix} blackhole${block};`;
  }

  private routesFile(family: 4 | 6): string {
    return path.join(this.node.dir, `routes${family}.conf`);
  }

  private writeRoutes(): void {
    for (const family of [4, 6] as const) {
      const lines = [...this.announced.values()]
        .filter((a) => isIpv6(a.prefix) === (family === 6))
        .map((a) => this.routeLine(a));
      writeFileSync(this.routesFile(family), lines.join('\n') + '\n');
    }
  }

  config(): string {
    const o = this.options;
    const lines = [
      'log stderr all;',
      `router id ${this.routerId};`,
      'protocol device { }',
      '# connected routes only, to resolve the next hops of multihop sessions',
      'ipv4 table igp4;',
      'ipv6 table igp6;',
      'protocol direct { ipv4 { table igp4; }; ipv6 { table igp6; }; interface "eth0"; }',
      'protocol static announce4 {',
      '  ipv4;',
      `  include "${this.routesFile(4)}";`,
      '}',
      'protocol static announce6 {',
      '  ipv6;',
      `  include "${this.routesFile(6)}";`,
      '}',
      'template bgp peers {',
      `  local ${o.localAddress} as ${o.asn};`,
      '  strict bind yes;',
      `  hold time ${this.holdTime}; keepalive time ${this.keepalive};`,
      '  connect retry time 1; connect delay time 1; error wait time 1, 5;',
      ...(o.gracefulRestart
        ? [`  graceful restart on; graceful restart time ${o.gracefulRestart.restartTimeSeconds};`]
        : []),
      '}',
    ];
    if (o.bfd) lines.push(...this.bfdLines());
    o.peers.forEach((p, i) => {
      const family = isIpv6(p.address) ? 'ipv6' : 'ipv4';
      const table = isIpv6(p.address) ? 'igp6' : 'igp4';
      const source = isIpv6(p.address) ? 'announce6' : 'announce4';
      const multihop = p.multihopTtl !== undefined ? ` multihop ${p.multihopTtl};` : '';
      const igp = p.multihopTtl !== undefined ? ` igp table ${table};` : '';
      const password = p.md5Password !== undefined ? ` password "${p.md5Password}";` : '';
      lines.push(
        `protocol bgp ${this.protocolName(i)} from peers {`,
        `  neighbor ${p.address} as ${p.asn};${multihop}${p.passive ? ' passive on;' : ''}${password}`,
        `  ${family} {${igp} import all; export where proto = "${source}"; };`,
        '}',
      );
    });
    return lines.join('\n') + '\n';
  }

  /** `protocol bfd` with a session toward every peer (options.bfd), not tied to the BGP protocols. */
  private bfdLines(): string[] {
    const o = this.options;
    const bfd = o.bfd!;
    const timers = `min rx interval ${bfd.intervalMs} ms; min tx interval ${bfd.intervalMs} ms; multiplier ${bfd.multiplier};`;
    const lines = ['protocol bfd bfd1 {'];
    lines.push(bfd.multihop ? `  multihop { ${timers} };` : `  interface "eth0" { ${timers} };`);
    for (const p of o.peers) {
      const line = bfd.multihop
        ? `  neighbor ${p.address} local ${o.localAddress} multihop on;`
        : `  neighbor ${p.address} dev "eth0" local ${o.localAddress};`;
      lines.push(line);
    }
    lines.push('}');
    return lines;
  }

  /** `birdc show bfd sessions`: one line per session, address first. */
  async bfdPeers(): Promise<BfdPeerState[]> {
    const out = await runChecked('birdc', ['-s', this.controlSocket, 'show', 'bfd', 'sessions']);
    const states = new Set(['AdminDown', 'Down', 'Init', 'Up']);
    const peers: BfdPeerState[] = [];
    for (const line of out.split('\n')) {
      const words = line.trim().split(/\s+/);
      const state = words.find((w) => states.has(w));
      if (words[0] && /^[0-9a-f.:]+$/i.test(words[0]) && state)
        peers.push({ peer: words[0], state: state as BfdPeerState['state'] });
    }
    return peers;
  }

  async sessions(): Promise<BgpSession[]> {
    const out = await runChecked('birdc', ['-s', this.controlSocket, 'show', 'protocols']);
    const states = parseBirdProtocols(out);
    return this.options.peers.map((p, i) => ({
      peer: p.address,
      state: states.get(this.protocolName(i)) ?? 'Idle',
    }));
  }

  async routes(): Promise<LearnedRoute[]> {
    const peerOf = new Map(this.options.peers.map((p, i) => [this.protocolName(i), p.address]));
    const out: LearnedRoute[] = [];
    for (const table of ['master4', 'master6']) {
      const text = await runChecked('birdc', [
        '-s',
        this.controlSocket,
        'show',
        'route',
        'all',
        'table',
        table,
      ]);
      for (const r of parseBirdRoutes(text)) {
        const peer = peerOf.get(r.protocol);
        if (peer === undefined) continue;
        const route: LearnedRoute = {
          prefix: r.prefix,
          nextHop: r.nextHop,
          asPath: r.asPath,
          peer,
          best: r.best,
        };
        if (r.communities.length) route.communities = r.communities;
        out.push(route);
      }
    }
    return out;
  }

  async announce(prefix: string, options: AnnounceOptions = {}): Promise<void> {
    this.requireRunning();
    const a = { prefix, ...options };
    this.checkSupported(a);
    this.announced.set(prefix, a);
    await this.reconfigure();
  }

  async withdraw(prefix: string): Promise<void> {
    this.requireRunning();
    this.announced.delete(prefix);
    await this.reconfigure();
  }

  /** Static routes change without a session reset (channel settings would reset it). */
  private async reconfigure(): Promise<void> {
    this.writeRoutes();
    const out = await runChecked('birdc', ['-s', this.controlSocket, 'configure']);
    if (!/Reconfigured|Reconfiguration in progress/.test(out)) throw new Error(`birdc configure: ${out}`);
  }
}
