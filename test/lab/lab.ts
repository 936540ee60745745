/**
 * The interop lab topology: one network namespace per node, each joined by a
 * veth pair to a bridge that lives in its own "switch" namespace. Every name
 * carries a short random prefix (`rl` + 4 base36 characters), so two runs on
 * one machine never meet. Addresses exist only inside the lab's namespaces:
 * the root namespace has no route to them and nothing is bound there.
 *
 *   <prefix>-sw     bridge <prefix>br, veth ends <prefix>v0, <prefix>v1, …
 *   <prefix>-<node> eth0 with the node's addresses, lo up
 *
 * Teardown (destroy) stops every process the lab started by PID, then every
 * PID `ip netns pids` still lists in the lab's namespaces, then deletes the
 * namespaces, which removes the veths and the bridge. `ip netns del` alone
 * does not kill processes.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  LabProcess,
  run,
  runChecked,
  runSync,
  stopPid,
  stopPidSync,
  isAlive,
  sleepSync,
  waitFor,
} from './process.js';
import type { CommandResult } from './process.js';
import { findLeftovers } from './leftovers.js';
import type { Leftovers } from './leftovers.js';

export interface LabOptions {
  /** Label for the run's work directory (configs, sockets, logs). */
  name?: string;
  /** Keep the work directory after destroy (for debugging); also LAB_KEEP_DIR=1. */
  keepDir?: boolean;
}

export interface LabNode {
  readonly name: string;
  /** Network namespace holding this node's eth0. */
  readonly namespace: string;
  /** Addresses in CIDR form, e.g. 10.0.1.4/16 or fd00::4/64. */
  readonly addresses: readonly string[];
  /** Work directory for this node's configs, sockets and logs. */
  readonly dir: string;
}

export interface SpawnOptions {
  /** Where stdout and stderr go; default `<node dir>/<command>.log`. */
  logFile?: string;
  env?: Record<string, string>;
}

const NODE_NAME = /^[a-z][a-z0-9]{0,15}$/;
const labs = new Set<Lab>();
let handlersInstalled = false;

/** The address part of a CIDR string ("10.0.1.4/16" → "10.0.1.4"). */
export function addressOf(cidr: string): string {
  return cidr.split('/')[0]!;
}

export class Lab {
  readonly switchNamespace: string;
  private readonly nodes = new Map<string, LabNode>();
  private readonly processes: LabProcess[] = [];
  private destroyed = false;
  private destroying: Promise<void> | undefined;

  private constructor(
    /** Unique prefix of every namespace and interface name of this run. */
    readonly prefix: string,
    /** Work directory of the run. */
    readonly dir: string,
    private readonly keepDir: boolean,
  ) {
    this.switchNamespace = `${prefix}-sw`;
  }

  /** Creates the switch namespace and its bridge under a fresh random prefix. */
  static async create(options: LabOptions = {}): Promise<Lab> {
    const prefix = await unusedPrefix();
    const label = (options.name ?? 'lab').replace(/[^a-zA-Z0-9_-]/g, '_');
    const dir = path.join(tmpdir(), `${prefix}-${label}`);
    mkdirSync(dir, { recursive: true });
    const lab = new Lab(prefix, dir, options.keepDir ?? process.env.LAB_KEEP_DIR === '1');
    labs.add(lab);
    installExitHandlers();
    try {
      const sw = lab.switchNamespace;
      await runChecked('ip', ['netns', 'add', sw]);
      await runChecked('ip', ['-n', sw, 'link', 'add', lab.bridgeName, 'type', 'bridge']);
      await runChecked('ip', ['-n', sw, 'link', 'set', lab.bridgeName, 'up']);
    } catch (error) {
      await lab.destroy();
      throw error;
    }
    return lab;
  }

  /** Lists what remains of a run with the given prefix (namespaces, processes, links). */
  static leftovers(prefix: string): Promise<Leftovers> {
    return findLeftovers(prefix);
  }

  get bridgeName(): string {
    return `${this.prefix}br`;
  }

  /**
   * Adds a node: namespace `<prefix>-<name>`, eth0 attached to the bridge,
   * exactly the given addresses (no kernel-made IPv6 link-local, no duplicate
   * address detection). Resolves once eth0 is up and every address usable,
   * so daemons started next all see the same, final interface state.
   */
  async addNode(name: string, addresses: readonly string[]): Promise<LabNode> {
    if (this.destroyed) throw new Error('lab is destroyed');
    if (!NODE_NAME.test(name)) throw new Error(`node name ${name} must match ${NODE_NAME}`);
    if (this.nodes.has(name)) throw new Error(`node ${name} exists`);
    const namespace = `${this.prefix}-${name}`;
    const veth = `${this.prefix}v${this.nodes.size}`;
    const node: LabNode = {
      name,
      namespace,
      addresses: [...addresses],
      dir: path.join(this.dir, name),
    };
    this.nodes.set(name, node);
    mkdirSync(node.dir, { recursive: true });
    const sw = this.switchNamespace;
    await runChecked('ip', ['netns', 'add', namespace]);
    await runChecked('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
    // Created inside the switch namespace with its peer moved straight into
    // the node: no interface of the lab ever appears in the root namespace.
    await runChecked('ip', [
      '-n',
      sw,
      'link',
      'add',
      veth,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      namespace,
    ]);
    await runChecked('ip', ['-n', sw, 'link', 'set', veth, 'master', this.bridgeName, 'up']);
    await configureIpv6(namespace);
    for (const cidr of addresses) {
      await runChecked('ip', ['-n', namespace, 'addr', 'add', cidr, 'dev', 'eth0']);
    }
    await runChecked('ip', ['-n', namespace, 'link', 'set', 'eth0', 'up']);
    await waitLinkReady(namespace, addresses);
    return node;
  }

  /**
   * Adds a node outside the VNet: namespace `<prefix>-<name>` with lo up and
   * no eth0 (nothing on the bridge). Reach it through `link`.
   */
  async addIsolatedNode(name: string): Promise<LabNode> {
    if (this.destroyed) throw new Error('lab is destroyed');
    if (!NODE_NAME.test(name)) throw new Error(`node name ${name} must match ${NODE_NAME}`);
    if (this.nodes.has(name)) throw new Error(`node ${name} exists`);
    const node: LabNode = {
      name,
      namespace: `${this.prefix}-${name}`,
      addresses: [],
      dir: path.join(this.dir, name),
    };
    this.nodes.set(name, node);
    mkdirSync(node.dir, { recursive: true });
    await runChecked('ip', ['netns', 'add', node.namespace]);
    await runChecked('ip', ['-n', node.namespace, 'link', 'set', 'lo', 'up']);
    return node;
  }

  /**
   * A point-to-point veth between two nodes: interface `aName` with `aCidr`
   * in `a`, `bName` with `bCidr` in `b`, both up. Created inside `a`'s
   * namespace with its peer placed straight into `b`, so it never appears in
   * the root namespace.
   */
  async link(
    a: LabNode,
    aName: string,
    aCidr: string,
    b: LabNode,
    bName: string,
    bCidr: string,
  ): Promise<void> {
    if (this.destroyed) throw new Error('lab is destroyed');
    await runChecked('ip', [
      '-n',
      a.namespace,
      'link',
      'add',
      aName,
      'type',
      'veth',
      'peer',
      'name',
      bName,
      'netns',
      b.namespace,
    ]);
    for (const [node, name, cidr] of [
      [a, aName, aCidr],
      [b, bName, bCidr],
    ] as const) {
      await runChecked('ip', ['-n', node.namespace, 'addr', 'add', cidr, 'dev', name]);
      await runChecked('ip', ['-n', node.namespace, 'link', 'set', name, 'up']);
    }
  }

  node(name: string): LabNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${name} in lab ${this.prefix}`);
    return node;
  }

  /** Namespaces of this lab, nodes first, switch last. */
  get namespaces(): string[] {
    return [...[...this.nodes.values()].map((n) => n.namespace), this.switchNamespace];
  }

  /**
   * Starts a long-running program inside the node's namespace. `ip netns
   * exec` execs the program, so the returned PID is the program's own. The
   * lab stops it on destroy.
   */
  spawn(node: LabNode, cmd: string, args: readonly string[], options: SpawnOptions = {}): LabProcess {
    if (this.destroyed) throw new Error('lab is destroyed');
    const logFile = options.logFile ?? path.join(node.dir, `${path.basename(cmd)}.log`);
    const child = LabProcess.start('ip', ['netns', 'exec', node.namespace, cmd, ...args], {
      logFile,
      ...(options.env ? { env: options.env } : {}),
    });
    this.processes.push(child);
    return child;
  }

  /** Runs a short command inside the node's namespace and returns its output. */
  exec(
    node: LabNode,
    cmd: string,
    args: readonly string[],
    options: { timeoutMs?: number } = {},
  ): Promise<CommandResult> {
    return run('ip', ['netns', 'exec', node.namespace, cmd, ...args], options);
  }

  /**
   * Stops everything and removes the namespaces. Safe to call twice and from
   * several places (afterAll and the signal handlers).
   */
  destroy(): Promise<void> {
    this.destroying ??= this.teardown();
    return this.destroying;
  }

  private async teardown(): Promise<void> {
    this.destroyed = true;
    await Promise.all(this.processes.map((p) => p.stop()));
    for (const ns of this.namespaces) {
      const pids = await namespacePids(ns);
      await Promise.all(pids.map((pid) => stopPid(pid)));
      await run('ip', ['netns', 'del', ns]);
    }
    if (!this.keepDir) rmSync(this.dir, { recursive: true, force: true });
    labs.delete(this);
  }

  /** Synchronous teardown for the process 'exit' handler (no event loop left). */
  destroySync(): void {
    this.destroyed = true;
    const live = this.processes.filter((p) => p.running);
    for (const p of live) p.signal('SIGTERM');
    const deadline = Date.now() + 2_000;
    while (live.some((p) => isAlive(p.pid)) && Date.now() < deadline) sleepSync(50);
    for (const p of live) if (isAlive(p.pid)) p.signal('SIGKILL');
    for (const ns of this.namespaces) {
      const out = runSync('ip', ['netns', 'pids', ns]).stdout;
      for (const pid of parsePids(out)) stopPidSync(pid);
      runSync('ip', ['netns', 'del', ns]);
    }
    if (!this.keepDir) rmSync(this.dir, { recursive: true, force: true });
    labs.delete(this);
  }
}

/**
 * Before eth0 goes up: no address the kernel makes up on its own (no IPv6
 * link-local) and no duplicate address detection, so the node has exactly
 * the addresses it was given, all usable at once. Otherwise the kernel adds
 * an fe80:: address that stays tentative for one to two seconds after the
 * link comes up, and a daemon sees it or not depending on how fast it
 * starts: BIRD puts a link-local next hop into its direct IPv6 sessions only
 * when it knows one, and FRR without zebra, having no interface data, treats
 * such an UPDATE as a withdrawal. A test that wants a link-local address
 * lists it (fe80::…/64) like any other.
 */
async function configureIpv6(namespace: string): Promise<void> {
  if (!existsSync('/proc/sys/net/ipv6')) return;
  await runChecked('ip', [
    'netns',
    'exec',
    namespace,
    'sysctl',
    '-q',
    '-w',
    'net.ipv6.conf.eth0.addr_gen_mode=1',
    'net.ipv6.conf.eth0.accept_dad=0',
  ]);
}

interface IpAddrShow {
  operstate?: string;
  addr_info?: { local?: string; prefixlen?: number; tentative?: boolean; dadfailed?: boolean }[];
}

/** Polls until eth0 is up and carries every address, none tentative. */
async function waitLinkReady(namespace: string, addresses: readonly string[]): Promise<void> {
  let last = '';
  await waitFor(
    `eth0 in ${namespace} to be up with ${addresses.join(', ') || 'no address'}`,
    async () => {
      last = await runChecked('ip', ['-n', namespace, '-j', 'addr', 'show', 'dev', 'eth0']);
      const [link] = JSON.parse(last) as IpAddrShow[];
      const present = new Set(
        (link?.addr_info ?? [])
          .filter((a) => !a.tentative && !a.dadfailed)
          .map((a) => `${a.local ?? ''}/${a.prefixlen ?? ''}`),
      );
      const ready = link?.operstate === 'UP' && addresses.every((cidr) => present.has(canonicalCidr(cidr)));
      return ready ? true : undefined;
    },
    { timeoutMs: 5_000, intervalMs: 20, detail: () => last },
  );
}

/** The form `ip -j addr` prints: compressed IPv6, lower case, with its prefix length. */
function canonicalCidr(cidr: string): string {
  const [address = '', length] = cidr.split('/');
  if (!address.includes(':')) return `${address}/${length ?? 32}`;
  return `${new URL(`http://[${address}]/`).hostname.slice(1, -1)}/${length ?? 128}`;
}

function parsePids(text: string): number[] {
  return text
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

export async function namespacePids(namespace: string): Promise<number[]> {
  const result = await run('ip', ['netns', 'pids', namespace]);
  return result.code === 0 ? parsePids(result.stdout) : [];
}

async function unusedPrefix(): Promise<string> {
  const existing = (await run('ip', ['netns', 'list'])).stdout;
  for (;;) {
    const n = randomBytes(4).readUInt32BE(0) % 36 ** 4;
    const prefix = `rl${n.toString(36).padStart(4, '0')}`;
    if (!existing.split('\n').some((line) => line.startsWith(`${prefix}-`))) return prefix;
  }
}

/**
 * An interrupted run (Ctrl-C, SIGTERM from a CI timeout, an uncaught error)
 * still tears its labs down. SIGKILL cannot be caught: `test/lab/sweep.ts`
 * cleans up after that.
 */
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const lab of [...labs]) lab.destroySync();
  });
  for (const [signal, number] of [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ] as const) {
    process.on(signal, () => {
      void Promise.all([...labs].map((lab) => lab.destroy())).finally(() => process.exit(128 + number));
    });
  }
}
