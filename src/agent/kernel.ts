/**
 * The agent's hands on the kernel: iproute2's `ip`, one long-lived
 * `ip [-n NAME] -force -N -4 -json -batch -` process per VM (its network
 * namespace, `ip -n`, or the host's), fed commands over stdin. Routes are
 * read with `route show table main` and written with `route replace` and
 * `route del`; every request ends with a query whose JSON line marks the
 * end of its reply, and `ip`'s `Command failed -:N` names each failed
 * command (ip-batch.ts). One process per VM for the agent's lifetime, not
 * one per change: process starts were the agent's cost at scale
 * (docs/agent.md says why `ip` rather than a netlink library). Only the
 * main table is used.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AGENT_ERROR_CODES as E, AgentError } from './errors.js';
import { BatchLedger, type BatchReply, type LineFailure } from './ip-batch.js';
import { readRoutes, type JsonRoute, type KernelRoute } from './kernel-routes.js';

/** Where one VM's routes go. */
export interface KernelTarget {
  /** named network namespace (`ip netns`); undefined = the agent's own namespace */
  readonly netns: string | undefined;
  readonly dev: string;
}

/** A reply slower than this means `ip` is stuck: the process is killed and a new one started. */
const REPLY_TIMEOUT_MS = 60_000;

/** One VM's `ip -batch` process, started on first use and again after it died. */
export class KernelSession {
  private child: ChildProcessWithoutNullStreams | undefined;
  private ledger = new BatchLedger();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(readonly target: KernelTarget) {}

  private get where(): string {
    return this.target.netns === undefined ? 'this host' : `namespace '${this.target.netns}'`;
  }

  /** Refuses a namespace or interface that does not exist, naming the fix. */
  async check(): Promise<void> {
    if (this.target.netns !== undefined && !existsSync(`/run/netns/${this.target.netns}`)) {
      throw new AgentError(
        E.NO_NAMESPACE,
        `network namespace '${this.target.netns}' does not exist (see 'ip netns list'): create it or fix --netns`,
      );
    }
    const reply = await this.request([], `link show dev ${this.target.dev}`);
    if (reply.output === undefined)
      throw new AgentError(E.NO_DEVICE, `${this.where} has no interface '${this.target.dev}': fix --dev`);
  }

  /** The agent's own routes (route protocol `protocol`) and the prefixes other owners hold. */
  async routes(protocol: number): Promise<{ own: Map<string, KernelRoute>; foreign: Set<string> }> {
    return readRoutes(this.parse(await this.request([], 'route show table main')), protocol);
  }

  /**
   * Runs `ip -batch` lines in order; resolves with the lines `ip` refused (it
   * goes on past them). The query that ends the request is the interface,
   * not the table: its one short JSON line marks the end as well, where a
   * table of thousands of routes would be printed and parsed for nothing.
   */
  async apply(lines: readonly string[]): Promise<LineFailure[]> {
    if (lines.length === 0) return [];
    const reply = await this.request(lines, `link show dev ${this.target.dev}`);
    this.parse(reply);
    return [...reply.failures];
  }

  /** Ends the process (stdin closed: `ip` exits at the end of its input). */
  close(): void {
    this.closed = true;
    this.child?.stdin.end();
    this.child = undefined;
  }

  private parse(reply: BatchReply): JsonRoute[] {
    if (reply.output === undefined) {
      const why = reply.failures.map((failure) => `${failure.line}: ${failure.message}`).join('; ');
      throw new AgentError(E.KERNEL, `ip in ${this.where}: ${why}`);
    }
    return JSON.parse(reply.output) as JsonRoute[];
  }

  private request(commands: readonly string[], query: string): Promise<BatchReply> {
    if (this.closed) return Promise.reject(new AgentError(E.STOPPED, 'stopped'));
    const child = this.child ?? this.start();
    return new Promise<BatchReply>((resolve, reject) => {
      const text = this.ledger.submit(
        commands,
        query,
        (reply) => {
          this.armTimer();
          resolve(reply);
        },
        reject,
      );
      child.stdin.write(text);
      this.armTimer();
    });
  }

  private start(): ChildProcessWithoutNullStreams {
    const args = ['-force', '-N', '-4', '-json', '-batch', '-'];
    const ipArgs = this.target.netns === undefined ? args : ['-n', this.target.netns, ...args];
    // sh only joins stderr to stdout (one ordered stream) and execs ip; no argument reaches its parser
    const child = spawn('sh', ['-c', 'exec "$0" "$@" 2>&1', 'ip', ...ipArgs], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const ledger = this.ledger;
    const gone = (why: string) => {
      if (this.child === child) this.child = undefined;
      if (this.ledger === ledger) this.ledger = new BatchLedger();
      clearTimeout(this.timer);
      ledger.failAll(new AgentError(E.KERNEL, `ip in ${this.where} ${why}`));
    };
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let end: number;
      while ((end = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        if (!ledger.receive(line)) child.kill('SIGKILL');
      }
    });
    child.stderr.resume();
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => gone(`cannot run: ${error.message}`));
    child.on('close', (code, signal) =>
      gone(`exited (${signal ?? `status ${code}`})${buffered === '' ? '' : `: ${buffered.trim()}`}`),
    );
    this.child = child;
    return child;
  }

  /** Kills a process that leaves a request unanswered for REPLY_TIMEOUT_MS. */
  private armTimer(): void {
    clearTimeout(this.timer);
    if (this.ledger.pending === 0) return;
    const child = this.child;
    this.timer = setTimeout(() => {
      child?.kill('SIGKILL');
    }, REPLY_TIMEOUT_MS);
    this.timer.unref();
  }
}
