/**
 * A device under test: one daemon configured as an equivalent route server
 * (eBGP, passive towards every peer, no kernel/FIB programming, everything
 * learned re-advertised to the monitor unchanged — next hop kept, no policy
 * delay), started inside the lab's DUT namespace pinned to one CPU.
 */
import type { Lab, LabNode, LabProcess } from '../../test/lab/index.js';

export interface BenchPeer {
  readonly address: string;
  readonly asn: number;
}

export interface DutContext {
  readonly lab: Lab;
  readonly node: LabNode;
  /** per-run directory for configs, sockets and logs */
  readonly dir: string;
  readonly address: string;
  readonly asn: number;
  readonly injectors: readonly BenchPeer[];
  readonly monitor: BenchPeer;
  /** injectors only send (scenario c): the DUT exports to the monitor alone */
  readonly importOnly: boolean;
  /** CPU the DUT is pinned to */
  readonly cpu: number;
}

export interface RunningDut {
  readonly process: LabProcess;
  /** routes learned from the injectors, read from the daemon (undefined: not observable) */
  learned?(): Promise<number | undefined>;
  /** how often `learned` may be polled without disturbing the daemon much */
  readonly learnedPollMs?: number;
  /** notes that belong next to the figures (e.g. what could not be configured) */
  readonly notes?: readonly string[];
}

export interface Dut {
  /** short id used on the command line */
  readonly id: string;
  /** row label in the tables, with the version */
  label(): Promise<string>;
  /** whether the daemon is installed (or can run) here */
  available(): Promise<boolean>;
  start(context: DutContext): Promise<RunningDut>;
  /** run in the first `--slow-passes` passes only (GoBGP: scenario b alone takes minutes) */
  readonly slow?: boolean;
}

/** Starts `cmd args` in the DUT namespace under `taskset -c <cpu>`. */
export function spawnPinned(
  context: DutContext,
  cmd: string,
  args: readonly string[],
  logName: string,
  env?: Record<string, string>,
): LabProcess {
  return context.lab.spawn(context.node, 'taskset', ['-c', String(context.cpu), cmd, ...args], {
    logFile: `${context.dir}/${logName}`,
    ...(env ? { env } : {}),
  });
}
