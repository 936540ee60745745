/**
 * The common face of every BGP daemon in the lab (FRR, BIRD, GoBGP, ExaBGP,
 * OpenBGPD): one options object generates the config, and the read-back is
 * structured data with normalised session states, whatever the daemon
 * prints.
 */
import type { Lab, LabNode } from './lab.js';
import type { LabProcess } from './process.js';
import { sleep, waitFor } from './process.js';

/** RFC 4271 §8.2.2 state names. */
export type SessionState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export interface BgpSession {
  /** Neighbor address as configured. */
  peer: string;
  state: SessionState;
}

export interface LearnedRoute {
  prefix: string;
  nextHop: string;
  /** AS_PATH as a flat list of ASNs (AS_SET members inlined). */
  asPath: number[];
  /** Address of the neighbor the route came from. */
  peer: string;
  /** Standard communities as "asn:value". */
  communities?: string[];
  best?: boolean;
}

export interface BgpPeer {
  address: string;
  asn: number;
  /** eBGP multihop with this TTL; a directly connected session when absent. */
  multihopTtl?: number;
  /** Only accept the connection, never dial. */
  passive?: boolean;
  /** RFC 2385 TCP-MD5 key (FRR `neighbor X password`, BIRD `password`); other daemons ignore it. */
  md5Password?: string;
}

export interface AnnounceOptions {
  /** Standard communities, "65535:65282". */
  communities?: string[];
  /**
   * Extra AS path before the local ASN: a count repeats the local ASN, a
   * list is used as given. The peer sees [localAsn, ...prepended].
   */
  asPathPrepend?: number | number[];
  /** NEXT_HOP to send instead of the local address. */
  nextHop?: string;
}

export interface Announcement extends AnnounceOptions {
  prefix: string;
}

export interface BgpDaemonOptions {
  asn: number;
  /** The address sessions are sourced from (and listened on). */
  localAddress: string;
  /** Defaults to localAddress when that is IPv4. */
  routerId?: string;
  peers: BgpPeer[];
  holdTimeSeconds?: number;
  keepaliveSeconds?: number;
  /** Prefixes originated at start. */
  announce?: (string | Announcement)[];
  /**
   * BFD with every peer (FRR: a `bfdd` next to `bgpd`; BIRD: `protocol bfd`);
   * other daemons refuse it.
   */
  bfd?: BfdOptions;
  /**
   * RFC 4724 graceful restart with every peer, as restarting speaker and
   * helper (FRR: `bgp graceful-restart` with `preserve-fw-state`; BIRD:
   * `graceful restart on`); other daemons ignore it.
   */
  gracefulRestart?: { restartTimeSeconds: number };
}

export interface BfdOptions {
  /** receive and transmit interval, ms */
  intervalMs: number;
  multiplier: number;
  /** RFC 5883 multihop; single-hop (RFC 5881) otherwise */
  multihop: boolean;
}

export interface BfdPeerState {
  peer: string;
  /** RFC 5880 state name */
  state: 'AdminDown' | 'Down' | 'Init' | 'Up';
}

export interface BgpDaemon {
  readonly kind: string;
  readonly node: LabNode;
  readonly options: BgpDaemonOptions;
  /** PID of the daemon's main process while it runs. */
  readonly pid: number | undefined;
  /** Writes the config, launches the daemon, resolves once its control socket answers. */
  start(): Promise<void>;
  /** SIGTERM by PID, wait up to 5 s, SIGKILL. */
  stop(): Promise<void>;
  sessions(): Promise<BgpSession[]>;
  waitEstablished(peerAddress: string, timeoutMs?: number): Promise<void>;
  /** Routes learned from peers (locally originated ones are left out). */
  routes(): Promise<LearnedRoute[]>;
  announce(prefix: string, options?: AnnounceOptions): Promise<void>;
  withdraw(prefix: string): Promise<void>;
  waitRoute(
    prefix: string,
    options?: { peer?: string; match?: (route: LearnedRoute) => boolean; timeoutMs?: number },
  ): Promise<LearnedRoute>;
  waitNoRoute(prefix: string, options?: { peer?: string; timeoutMs?: number }): Promise<void>;
  /** The lines of the daemon's log that match `pattern`, for error messages. */
  logLines(pattern: RegExp): string[];
}

const STATE_NAMES: Record<string, SessionState> = {
  idle: 'Idle',
  connect: 'Connect',
  active: 'Active',
  passive: 'Active',
  opensent: 'OpenSent',
  openconfirm: 'OpenConfirm',
  established: 'Established',
  up: 'Established',
  down: 'Idle',
  connected: 'Connect',
};

/** Maps a daemon's state word ("ESTABLISHED", "bgp_fsm_opensent", "up"...) to the RFC name. */
export function normaliseState(text: string): SessionState {
  const key = text
    .toLowerCase()
    .replace(/^bgp_fsm_/, '')
    .replace(/[^a-z]/g, '');
  return STATE_NAMES[key] ?? 'Idle';
}

/**
 * Well-known communities by the names daemons print (FRR "no-export",
 * OpenBGPD "NO_EXPORT"): RFC 1997, RFC 7999, RFC 8326, RFC 8642 and the
 * IANA registry.
 */
const WELL_KNOWN_COMMUNITIES: Record<string, string> = {
  'graceful-shutdown': '65535:0',
  'accept-own': '65535:1',
  'route-filter-translated-v4': '65535:2',
  'route-filter-v4': '65535:3',
  'route-filter-translated-v6': '65535:4',
  'route-filter-v6': '65535:5',
  'llgr-stale': '65535:6',
  'no-llgr': '65535:7',
  'accept-own-nexthop': '65535:8',
  blackhole: '65535:666',
  'no-export': '65535:65281',
  'no-advertise': '65535:65282',
  'no-export-subconfed': '65535:65283',
  'local-as': '65535:65283',
  'no-peer': '65535:65284',
};

/** "65001:7" stays; a well-known name becomes its "65535:n" value. */
export function communityValue(text: string): string {
  return WELL_KNOWN_COMMUNITIES[text.toLowerCase().replaceAll('_', '-')] ?? text;
}

export function announcementOf(entry: string | Announcement): Announcement {
  return typeof entry === 'string' ? { prefix: entry } : entry;
}

/** The ASNs to put before the local ASN for an announcement. */
export function prependedAsns(options: AnnounceOptions, localAsn: number): number[] {
  const prepend = options.asPathPrepend;
  if (prepend === undefined) return [];
  return typeof prepend === 'number' ? Array<number>(prepend).fill(localAsn) : [...prepend];
}

export function isIpv6(addressOrPrefix: string): boolean {
  return addressOrPrefix.includes(':');
}

/** Start, stop and the polling helpers every daemon shares. */
export abstract class BgpDaemonBase implements BgpDaemon {
  abstract readonly kind: string;
  protected process: LabProcess | undefined;

  constructor(
    protected readonly lab: Lab,
    readonly node: LabNode,
    readonly options: BgpDaemonOptions,
  ) {}

  get pid(): number | undefined {
    return this.process?.pid;
  }

  logLines(pattern: RegExp): string[] {
    const log = this.process?.logTail(Number.MAX_SAFE_INTEGER) ?? '';
    return log.split('\n').filter((line) => pattern.test(line));
  }

  get routerId(): string {
    const id = this.options.routerId ?? this.options.localAddress;
    if (isIpv6(id)) throw new Error(`${this.kind}: set routerId (an IPv4 address) for an IPv6-only node`);
    return id;
  }

  get holdTime(): number {
    return this.options.holdTimeSeconds ?? 9;
  }

  get keepalive(): number {
    return this.options.keepaliveSeconds ?? Math.max(1, Math.floor(this.holdTime / 3));
  }

  get initialAnnouncements(): Announcement[] {
    return (this.options.announce ?? []).map(announcementOf);
  }

  /** Writes the config and launches the daemon; resolves once its control socket answers. */
  abstract start(): Promise<void>;
  abstract sessions(): Promise<BgpSession[]>;
  abstract routes(): Promise<LearnedRoute[]>;
  abstract announce(prefix: string, options?: AnnounceOptions): Promise<void>;
  abstract withdraw(prefix: string): Promise<void>;

  async stop(): Promise<void> {
    await this.process?.stop();
  }

  /** SIGKILL to the daemon by its PID (a crash: no NOTIFICATION); resolves once it has exited. */
  async kill(): Promise<void> {
    const daemon = this.process;
    if (!daemon?.running) throw new Error(`${this.kind} on ${this.node.name} is not running`);
    process.kill(daemon.pid, 'SIGKILL');
    await daemon.exited;
  }

  protected requireRunning(): LabProcess {
    if (!this.process) throw new Error(`${this.kind} on ${this.node.name} is not started`);
    if (!this.process.running) {
      throw new Error(`${this.kind} on ${this.node.name} exited; log:\n${this.process.logTail()}`);
    }
    return this.process;
  }

  /** Polls until the control interface answers (probe resolves true). */
  protected async waitReady(probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    await waitFor(
      `${this.kind} on ${this.node.name} to answer on its control socket`,
      async () => {
        this.requireRunning();
        return (await probe()) ? true : undefined;
      },
      { timeoutMs, detail: () => this.process?.logTail() ?? '' },
    );
  }

  async waitEstablished(peerAddress: string, timeoutMs = 30_000): Promise<void> {
    let last: BgpSession[] = [];
    await waitFor(
      `${this.kind} on ${this.node.name}: session with ${peerAddress} Established`,
      async () => {
        this.requireRunning();
        last = await this.sessions();
        return last.some((s) => s.peer === peerAddress && s.state === 'Established') ? true : undefined;
      },
      {
        timeoutMs,
        intervalMs: 200,
        detail: () => `sessions: ${JSON.stringify(last)}\n${this.process?.logTail() ?? ''}`,
      },
    );
  }

  /** Waits until a learned route for prefix matches (optionally from one peer). */
  async waitRoute(
    prefix: string,
    options: { peer?: string; match?: (route: LearnedRoute) => boolean; timeoutMs?: number } = {},
  ): Promise<LearnedRoute> {
    let last: LearnedRoute[] = [];
    return waitFor(
      `${this.kind} on ${this.node.name} to learn ${prefix}`,
      async () => {
        last = await this.routes();
        return last.find(
          (r) =>
            r.prefix === prefix &&
            (options.peer === undefined || r.peer === options.peer) &&
            (options.match === undefined || options.match(r)),
        );
      },
      { timeoutMs: options.timeoutMs ?? 20_000, intervalMs: 200, detail: () => JSON.stringify(last) },
    );
  }

  /** Waits until no learned route for prefix remains (optionally: from one peer). */
  async waitNoRoute(prefix: string, options: { peer?: string; timeoutMs?: number } = {}): Promise<void> {
    await waitFor(
      `${this.kind} on ${this.node.name} to lose ${prefix}`,
      async () => {
        const routes = await this.routes();
        const left = routes.some(
          (r) => r.prefix === prefix && (options.peer === undefined || r.peer === options.peer),
        );
        return left ? undefined : true;
      },
      { timeoutMs: options.timeoutMs ?? 20_000, intervalMs: 200 },
    );
  }

  /** Retries an action that may fail while the daemon is still starting. */
  protected async retry<T>(action: () => Promise<T>, attempts = 50, delayMs = 100): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await action();
      } catch (error) {
        if (i >= attempts) throw error;
        await sleep(delayMs);
      }
    }
  }
}
