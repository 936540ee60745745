/**
 * One VM's routes: follows its NIC's effective route watch and keeps the
 * kernel's main table in step.
 *
 * - The table is held by prefix; a snapshot replaces it, a change replaces
 *   the listed prefixes' rows.
 * - Programming is level-triggered: read what the kernel holds, plan
 *   (kernel-routes.ts), run one batch. Changes arriving while a batch runs
 *   are folded into the next one.
 * - A lost stream is reopened from the last revision, after a back-off that
 *   doubles from `backoff.initialMs` to `backoff.maxMs` (with jitter). The
 *   routes stay as they are meanwhile.
 */
import { AGENT_ERROR_CODES as E, AgentError } from './errors.js';
import { KernelSession, type KernelTarget } from './kernel.js';
import type { LineFailure } from './ip-batch.js';
import { batchLine, desiredRoutes, planRoutes, type EffectiveRow } from './kernel-routes.js';
import { openWatch, type ApiAccess, type OpenWatch, type WatchMessage } from './watch-client.js';

function describe(failed: readonly LineFailure[]): string {
  return failed.map((failure) => `${failure.line}: ${failure.message}`).join('; ');
}

export interface AgentTarget extends KernelTarget {
  /** the NIC's ARM resource id */
  readonly nic: string;
}

export interface SyncOptions {
  /** the route protocol number marking the agent's routes */
  readonly protocol: number;
  /** a stream silent this long (no event, no heartbeat) is reopened */
  readonly silenceTimeoutMs: number;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  readonly log: (line: string) => void;
}

export class TargetSync {
  private readonly rows = new Map<string, readonly EffectiveRow[]>();
  private revision: string | undefined;
  private watch: OpenWatch | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private kernelFailures = 0;
  private programming = false;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private firstSnapshot: (() => void) | undefined;
  private readonly conflicts = new Set<string>();
  private readonly kernel: KernelSession;

  constructor(
    readonly target: AgentTarget,
    private readonly access: ApiAccess,
    private readonly options: SyncOptions,
  ) {
    this.kernel = new KernelSession(target);
  }

  private get name(): string {
    return `${this.target.netns ?? 'host'}/${this.target.dev}`;
  }

  /** Checks the namespace and interface, opens the watch and waits for the first snapshot. */
  async start(): Promise<void> {
    await this.kernel.check();
    const snapshot = new Promise<void>((resolve) => (this.firstSnapshot = resolve));
    this.watch = await this.open();
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new AgentError(E.UNREACHABLE, `no snapshot of ${this.target.nic} from the API`)),
        this.options.silenceTimeoutMs,
      ).unref(),
    );
    await Promise.race([snapshot, timeout]);
  }

  /** Starts programming the kernel (after every target started: nothing half-programmed). */
  program(): Promise<void> {
    this.programming = true;
    return this.reconcile();
  }

  /** Ends the target's `ip` process (after `stop`, `settled` and `flush`). */
  close(): void {
    this.kernel.close();
  }

  /** Waits for the batch running now, if any. */
  async settled(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.watch?.close();
  }

  /** Removes every route the agent installed in this target. */
  async flush(): Promise<void> {
    await this.settled();
    const { own } = await this.kernel.routes(this.options.protocol);
    const lines = [...own.values()].map((route) => batchLine({ op: 'delete', route }, this.options.protocol));
    const failed = await this.kernel.apply(lines);
    this.options.log(`${this.name}: removed ${lines.length - failed.length} routes`);
    if (failed.length > 0) throw new AgentError(E.KERNEL, describe(failed));
  }

  private open(): Promise<OpenWatch> {
    return openWatch(
      this.access,
      this.target.nic,
      this.revision,
      { message: (message) => this.onMessage(message), end: (error) => this.onStreamEnd(error) },
      this.options.silenceTimeoutMs,
    );
  }

  private onMessage(message: WatchMessage): void {
    this.revision = message.revision;
    if (message.kind === 'snapshot') {
      this.rows.clear();
      for (const row of message.rows) {
        const key = row.addressPrefix.join(' ');
        this.rows.set(key, [...(this.rows.get(key) ?? []), row]);
      }
      this.firstSnapshot?.();
      this.firstSnapshot = undefined;
    } else if (message.kind === 'change') {
      for (const change of message.changes) {
        if (change.routes.length === 0) this.rows.delete(change.addressPrefix);
        else this.rows.set(change.addressPrefix, change.routes);
      }
    } else {
      this.options.log(`${this.name}: ${this.target.nic} was deleted on the server; its routes stay`);
      return;
    }
    if (this.programming) void this.reconcile();
  }

  private onStreamEnd(error: AgentError): void {
    if (this.stopped) return;
    this.watch = undefined;
    this.options.log(`${this.name}: ${error.message}; keeping the routes, reconnecting`);
    this.retryLater();
  }

  private retryLater(): void {
    const { initialMs, maxMs } = this.options.backoff;
    const delay = Math.min(maxMs, initialMs * 2 ** Math.min(this.failures, 20)) * (0.75 + Math.random() / 2);
    this.failures++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    if (this.stopped) return;
    try {
      this.watch = await this.open();
      if (this.stopped) this.watch.close();
      this.failures = 0;
      this.options.log(`${this.name}: watch of ${this.target.nic} resumed`);
    } catch (error) {
      this.options.log(`${this.name}: ${(error as Error).message}`);
      this.retryLater();
    }
  }

  /** Runs batches until the kernel matches the table (one at a time). */
  private reconcile(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.reconcileOnce().then(
          () => (this.kernelFailures = 0),
          (error: unknown) => this.kernelFailed(error),
        );
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async reconcileOnce(): Promise<void> {
    const desired = desiredRoutes([...this.rows.values()].flat(), this.target.dev);
    const { own, foreign } = await this.kernel.routes(this.options.protocol);
    const plan = planRoutes(desired, own, foreign);
    for (const prefix of plan.conflicts) {
      if (!this.conflicts.has(prefix))
        this.options.log(`${this.name}: ${prefix} is held by another route; left alone`);
    }
    this.conflicts.clear();
    for (const prefix of plan.conflicts) this.conflicts.add(prefix);
    if (plan.operations.length === 0) return;
    const lines = plan.operations.map((operation) => batchLine(operation, this.options.protocol));
    const failed = await this.kernel.apply(lines);
    const replaced = plan.operations.filter((operation) => operation.op === 'replace').length;
    this.options.log(
      `${this.name}: ${replaced} routes set, ${lines.length - replaced} removed (revision ${this.revision})`,
    );
    if (failed.length > 0) throw new AgentError(E.KERNEL, describe(failed));
  }

  private kernelFailed(error: unknown): void {
    const { initialMs, maxMs } = this.options.backoff;
    const delay = Math.min(maxMs, initialMs * 2 ** Math.min(this.kernelFailures++, 20));
    this.options.log(`${this.name}: ${(error as Error).message}; retrying in ${Math.round(delay)} ms`);
    if (!this.stopped) setTimeout(() => void this.reconcile(), delay).unref();
  }
}
