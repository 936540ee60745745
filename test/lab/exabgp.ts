/**
 * ExaBGP 4.2: configured through `exabgp_<section>_<key>` environment
 * variables — daemon_user=root (else its API process cannot write the lab
 * directory), daemonize=false, api_cli=false (no named-pipe warning),
 * api_ack=false (no `done` lines in the JSON), tcp_bind empty (dial only;
 * set to the local address when a peer is passive), log_level=DEBUG (only
 * then does the log say why a session was reset: `peer reset, message
 * [notification sent (4,0)]`, `we already have a peer in state established`).
 *
 * The API bridge is a small generated shell script run as ExaBGP's
 * `process`: each line written to `cmd.fifo` goes to ExaBGP as a command,
 * and every JSON message ExaBGP emits is appended to `received.jsonl`, which
 * exabgp-parse.ts folds into session states and routes.
 */
import { closeSync, constants, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { BgpDaemonBase, isIpv6, prependedAsns } from './daemon.js';
import type { AnnounceOptions, Announcement, BgpSession, LearnedRoute } from './daemon.js';
import { foldExabgpLog } from './exabgp-parse.js';
import { runChecked } from './process.js';

const API_BRIDGE = `#!/bin/bash
# ExaBGP API bridge: each line written to FIFO $1 is an ExaBGP command;
# every JSON message ExaBGP emits (state changes, received UPDATEs) is appended to $2.
[ -p "$1" ] || mkfifo "$1"
cat 0<>"$1" &                 # read-write open: never hits EOF when a writer closes
trap "kill $! 2>/dev/null" EXIT
cat >> "$2"                   # ends when ExaBGP closes our stdin (it is shutting down)
`;

export class ExabgpDaemon extends BgpDaemonBase {
  readonly kind = 'exabgp';

  get commandFifo(): string {
    return path.join(this.node.dir, 'cmd.fifo');
  }

  get receivedLog(): string {
    return path.join(this.node.dir, 'received.jsonl');
  }

  async start(): Promise<void> {
    const bridge = path.join(this.node.dir, 'api.sh');
    writeFileSync(bridge, API_BRIDGE, { mode: 0o755 });
    await runChecked('mkfifo', [this.commandFifo]);
    writeFileSync(this.receivedLog, '');
    const conf = path.join(this.node.dir, 'exabgp.conf');
    writeFileSync(conf, this.config(bridge));
    const listen = this.options.peers.some((p) => p.passive) ? this.options.localAddress : '';
    this.process = this.lab.spawn(this.node, 'exabgp', [conf], {
      logFile: path.join(this.node.dir, 'exabgp.log'),
      env: {
        exabgp_daemon_user: 'root',
        exabgp_daemon_daemonize: 'false',
        exabgp_api_cli: 'false',
        exabgp_api_ack: 'false',
        exabgp_log_destination: 'stdout',
        exabgp_log_level: 'DEBUG',
        exabgp_tcp_bind: listen,
      },
    });
    // Ready once the bridge holds the FIFO open for reading.
    await this.waitReady(async () => {
      const fd = this.tryOpenFifo();
      if (fd === undefined) return false;
      closeSync(fd);
      return true;
    });
  }

  private tryOpenFifo(): number | undefined {
    try {
      // Non-blocking: fails with ENXIO while no reader exists instead of hanging.
      return openSync(this.commandFifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch {
      return undefined;
    }
  }

  private routeSpec(a: Announcement): string {
    const parts = [`route ${a.prefix} next-hop ${a.nextHop ?? 'self'}`];
    if (a.communities?.length) parts.push(`community [ ${a.communities.join(' ')} ]`);
    // An explicit as-path is sent as given (ExaBGP adds the local ASN only
    // when there is none), so the local ASN goes in front here.
    const prepend = prependedAsns(a, this.options.asn);
    if (prepend.length) parts.push(`as-path [ ${[this.options.asn, ...prepend].join(' ')} ]`);
    return parts.join(' ');
  }

  config(bridge: string): string {
    const o = this.options;
    const lines = [
      'process api {',
      `  run ${bridge} ${this.commandFifo} ${this.receivedLog};`,
      '  encoder json;',
      '}',
    ];
    for (const p of o.peers) {
      lines.push(
        `neighbor ${p.address} {`,
        `  router-id ${this.routerId};`,
        `  local-address ${o.localAddress};`,
        `  local-as ${o.asn};`,
        `  peer-as ${p.asn};`,
        `  hold-time ${this.holdTime};`,
      );
      if (p.multihopTtl !== undefined) lines.push(`  outgoing-ttl ${p.multihopTtl};`);
      if (p.passive) lines.push('  passive true;');
      lines.push(
        `  family { ${isIpv6(p.address) ? 'ipv6' : 'ipv4'} unicast; }`,
        '  api { processes [ api ]; receive { parsed; update; } neighbor-changes; }',
        '  static {',
        ...this.initialAnnouncements
          .filter((a) => isIpv6(a.prefix) === isIpv6(p.address))
          .map((a) => `    ${this.routeSpec(a)};`),
        '  }',
        '}',
      );
    }
    return lines.join('\n') + '\n';
  }

  private state(): ReturnType<typeof foldExabgpLog> {
    return foldExabgpLog(readFileSync(this.receivedLog, 'utf8'));
  }

  async sessions(): Promise<BgpSession[]> {
    const { sessions } = this.state();
    return this.options.peers.map((p) => ({ peer: p.address, state: sessions.get(p.address) ?? 'Idle' }));
  }

  async routes(): Promise<LearnedRoute[]> {
    return this.state().routes;
  }

  /** Sends one API command; without a `neighbor X` selector it applies to every peer. */
  command(line: string): void {
    this.requireRunning();
    const fd = this.tryOpenFifo();
    if (fd === undefined) throw new Error('exabgp: API bridge is not reading its FIFO');
    try {
      writeSync(fd, `${line}\n`);
    } finally {
      closeSync(fd);
    }
  }

  async announce(prefix: string, options: AnnounceOptions = {}): Promise<void> {
    this.command(`announce ${this.routeSpec({ prefix, ...options })}`);
  }

  async withdraw(prefix: string): Promise<void> {
    this.command(`withdraw route ${prefix} next-hop self`);
  }
}
