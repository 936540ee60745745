/**
 * The main thread's side of one instance's worker thread: starts it, sends
 * commands and matches their answers, keeps the session states the worker
 * pushes (so `sessionStates` answers at once, whatever the worker is doing),
 * decodes route batches, and republishes forwarded diagnostics events.
 *
 * Supervision: a worker that exits without being stopped (an uncaught
 * exception, an out-of-memory abort) is reported on `RUNTIME_CHANNEL`
 * (`instance-failed`, with the error), every session it had is reported
 * down on the session channel (so logs and metrics say so), everything it
 * injected is withdrawn from the virtual network, pending commands fail, and
 * the instance is started again with its current configuration after a
 * back-off: 1 s, doubled for each failure within the last 5 minutes, at most
 * 60 s (`instance-restarted` once it listens). The peers then reconnect as
 * after any restart of a BGP speaker.
 */
import diagnostics from 'node:diagnostics_channel';
import { BMP_CHANNEL } from '../bmp/index.js';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SESSION_CHANNEL, type SessionEvent } from '../bgp/session/index.js';
import { RIB_CHANNEL } from '../rib/index.js';
import { BgpRuntimeError, RUNTIME_ERROR_CODES } from './errors.js';
import { publishRuntimeEvent } from './events.js';
import {
  RouteBatchView,
  type CommandResults,
  type InstanceCommand,
  type InstanceReport,
  type InstanceStartSpec,
} from './protocol.js';
import type { SessionState } from './types.js';

/** What the handle tells its runtime. */
interface InstanceHandleEvents {
  routes(batch: RouteBatchView): void;
  /** the worker failed: everything it injected is gone */
  withdrawAll(): void;
  /** UPDATEs for the other end of an internal link */
  linkSend?(linkId: string, messages: readonly Uint8Array[], generation: number): void;
  /** bytes of the other end of an internal link this instance's engine took */
  linkAcknowledged?(linkId: string, bytes: number, generation: number): void;
  /** the other end of an internal link fell too far behind: reset the link */
  linkReset?(linkId: string): void;
  /** the instance listens again after a failure (its internal links are up again on its side) */
  restarted?(): void;
}

const REPUBLISHED = new Set([SESSION_CHANNEL, RIB_CHANNEL, BMP_CHANNEL]);
const RESTART_BASE_MS = 1000;
const RESTART_MAX_MS = 60_000;
const FAILURE_WINDOW_MS = 5 * 60_000;

/**
 * How to start the worker: its compiled module, or — when running from the
 * TypeScript sources — a bootstrap that registers tsx's require hook in the
 * thread first (Node 20 applies no module hooks of the main thread to a
 * worker, and none registered with `--import` in it).
 */
function startWorker(name: string): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./instance-worker.js', import.meta.url), { name });
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const entry = fileURLToPath(new URL('./instance-worker.ts', import.meta.url));
  const bootstrap = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)});`;
  return new Worker(bootstrap, { eval: true, name });
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class InstanceHandle {
  private worker: Worker | undefined;
  private readonly states = new Map<string, SessionState>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped = false;
  private listeningPort: number | undefined;
  /** set once the instance listens: from then on a failure restarts it */
  private supervised = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly failures: number[] = [];

  constructor(
    /** the instance's configuration now (peers, spaces, settings change while it runs) */
    private readonly spec: () => InstanceStartSpec,
    private readonly events: InstanceHandleEvents,
  ) {}

  get instance(): string {
    return this.spec().instance;
  }

  /** Starts the worker and the instance in it; rejects (and ends the worker) when it cannot listen. */
  async start(): Promise<void> {
    const worker = startWorker(`bgp ${this.spec().instance}`);
    this.worker = worker;
    worker.on('message', (report: InstanceReport) => this.onReport(worker, report));
    worker.on('error', (error) => this.onExit(worker, error));
    worker.on('exit', (code) => this.onExit(worker, new Error(`worker thread exited with code ${code}`)));
    try {
      this.listeningPort = await this.request({ op: 'start', spec: this.spec() });
    } catch (error) {
      this.worker = undefined;
      await worker.terminate();
      throw error;
    }
    this.supervised = true;
  }

  /** Sends a command; resolves with its answer. Rejects when the worker is not running or fails. */
  request<C extends InstanceCommand>(command: C): Promise<CommandResults[C['op']]> {
    const worker = this.worker;
    if (worker === undefined) return Promise.reject(new Error(`instance ${this.instance} is not running`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...command, id });
    });
  }

  /** Sends a command whose answer nobody waits for; a stopped or failed instance ignores it. */
  async tell(command: InstanceCommand): Promise<void> {
    if (this.worker === undefined) return;
    await this.request(command);
  }

  sessionState(peerIp: string): SessionState {
    return this.states.get(peerIp) ?? 'Idle';
  }

  /**
   * Closes the sessions (Cease with `communication`; with `restarting`,
   * sessions that negotiated graceful restart close without one), then ends the worker.
   */
  async stop(communication: string, restarting = false): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (worker === undefined) return;
    try {
      await this.request({ op: 'stop', communication, ...(restarting ? { restarting } : {}) });
    } finally {
      this.worker = undefined;
      await worker.terminate();
      this.states.clear();
    }
  }

  /** The port the instance listens on, once started. */
  get port(): number | undefined {
    return this.listeningPort;
  }

  /** The worker, for supervision tools and tests. */
  get thread(): Worker | undefined {
    return this.worker;
  }

  private onReport(worker: Worker, report: InstanceReport): void {
    if (worker !== this.worker) return;
    switch (report.type) {
      case 'reply':
      case 'failed': {
        const pending = this.pending.get(report.id);
        this.pending.delete(report.id);
        if (report.type === 'reply') pending?.resolve(report.value);
        else pending?.reject(failure(report.code, report.message));
        return;
      }
      case 'session':
        this.states.set(report.peer, report.state);
        return;
      case 'routes':
        this.events.routes(new RouteBatchView(report.batch));
        return;
      case 'link-send':
        this.events.linkSend?.(report.linkId, report.messages, report.generation);
        return;
      case 'link-ack':
        this.events.linkAcknowledged?.(report.linkId, report.bytes, report.generation);
        return;
      case 'link-reset':
        this.events.linkReset?.(report.linkId);
        return;
      case 'diagnostics':
        if (REPUBLISHED.has(report.channel)) diagnostics.channel(report.channel).publish(report.message);
        return;
    }
  }

  private onExit(worker: Worker, error: Error): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    void worker.terminate();
    if (!this.supervised || this.stopped) return;
    this.supervised = false;
    this.reportSessionsDown(this.spec(), error);
    this.events.withdrawAll();
    this.scheduleRestart(error);
  }

  private scheduleRestart(error: Error): void {
    const spec = this.spec();
    const now = Date.now();
    this.failures.push(now);
    while (this.failures[0]! < now - FAILURE_WINDOW_MS) this.failures.shift();
    const restartInMs = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** (this.failures.length - 1));
    publishRuntimeEvent({
      type: 'instance-failed',
      routeServerId: spec.routeServerId,
      instance: spec.instance,
      error: error.message,
      restartInMs,
    });
    this.restartTimer = setTimeout(() => void this.restart(), restartInMs);
    this.restartTimer.unref();
  }

  private reportSessionsDown(spec: InstanceStartSpec, error: Error): void {
    const channel = diagnostics.channel(SESSION_CHANNEL);
    for (const [peer, state] of this.states) {
      if (state === 'Idle') continue;
      const event: SessionEvent = {
        type: 'state',
        localAddress: spec.address,
        peer,
        from: state,
        to: 'Idle',
        reason: { code: 'instance-failed', text: `the instance's thread failed: ${error.message}` },
      };
      channel.publish(event);
    }
    this.states.clear();
  }

  private async restart(): Promise<void> {
    if (this.stopped) return;
    const spec = this.spec();
    try {
      await this.start();
      this.events.restarted?.();
      publishRuntimeEvent({
        type: 'instance-restarted',
        routeServerId: spec.routeServerId,
        instance: spec.instance,
      });
    } catch (error) {
      // the start failed (e.g. the address is gone): try again later
      if (!this.stopped) this.scheduleRestart(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

function failure(code: string | undefined, message: string): Error {
  if (code === RUNTIME_ERROR_CODES.BGP_BIND) return new BgpRuntimeError(code, message);
  return new Error(message);
}
