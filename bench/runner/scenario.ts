/**
 * One run: one scenario against one DUT. Starts the monitor and the
 * injector (CPU 0) and the DUT (CPU 1) in the lab, then measures from the
 * moment every injector session is Established:
 *   load        announce everything → last prefix learned (DUT, polled where
 *               observable) and at the monitor
 *   withdraw    withdraw everything → monitor empty
 *   re-announce announce everything again → monitor full
 * plus the scenario's extra phase (churn, flap). Every process is stopped by
 * PID before this returns, also on failure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab, LabNode, LabProcess } from '../../test/lab/index.js';
import { namespacePids } from '../../test/lab/lab.js';
import { stopPid } from '../../test/lab/process.js';
import { ControlClient } from '../harness/control.js';
import type { Json } from '../harness/control.js';
import type { Packing } from '../harness/table.js';
import { now } from '../harness/wire.js';
import type { BenchPeer, Dut, RunningDut } from '../duts/types.js';
import { loadAverage, usage } from './proc.js';

const HARNESS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'harness');

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly peers: number;
  readonly prefixesPerPeer: number;
  readonly importOnly: boolean;
  /** the table's attribute sets, instead of `--packing` */
  readonly packing?: Packing;
  readonly extra?: 'churn' | 'flap';
}

export const SCENARIOS: Record<string, Scenario> = {
  a: { id: 'a', title: '8 peers × 4,000', peers: 8, prefixesPerPeer: 4000, importOnly: false },
  b: { id: 'b', title: '1 peer × 1,000,000', peers: 1, prefixesPerPeer: 1_000_000, importOnly: false },
  b2: {
    id: 'b2',
    title: 'b′: 1 peer × 1,000,000, diverse attributes (3 prefixes per set)',
    peers: 1,
    prefixesPerPeer: 1_000_000,
    importOnly: false,
    packing: 'diverse',
  },
  c: {
    id: 'c',
    title: '100 peers × 10,000 (every DUT exports to all 100 peers)',
    peers: 100,
    prefixesPerPeer: 10_000,
    importOnly: false,
  },
  ci: {
    id: 'ci',
    title: '100 peers × 10,000 (import-only peers)',
    peers: 100,
    prefixesPerPeer: 10_000,
    importOnly: true,
  },
  d: {
    id: 'd',
    title: 'churn: (b), then 10 % withdrawn and re-announced for 60 s',
    peers: 1,
    prefixesPerPeer: 1_000_000,
    importOnly: false,
    extra: 'churn',
  },
  e: {
    id: 'e',
    title: 'flap: (a), then peer 1 of 8 disconnects and reconnects 100×',
    peers: 8,
    prefixesPerPeer: 4000,
    importOnly: false,
    extra: 'flap',
  },
};

export interface Topology {
  readonly lab: Lab;
  readonly dut: LabNode;
  readonly gen: LabNode;
  readonly mon: LabNode;
  readonly dutAddress: string;
  readonly dutAsn: number;
  readonly injectors: readonly BenchPeer[];
  readonly monitor: BenchPeer;
}

export interface RunOptions {
  readonly packing: Packing;
  readonly timeoutS: number;
  readonly churnSeconds: number;
  /** offered churn in prefix updates/s; 0 = as fast as the DUT's sockets take them */
  readonly churnRate: number;
  readonly flaps: number;
  readonly dutCpu: number;
  readonly harnessCpu: number;
}

export interface ChurnResult {
  readonly seconds: number;
  readonly cycles: number;
  readonly sentPerS: number;
  readonly monitorPerS: number;
  readonly behindAtStop: number;
  readonly drainS: number;
}

export interface FlapResult {
  /** flaps completed: fewer than `planned` when the phase ran out of time */
  readonly flaps: number;
  readonly planned: number;
  readonly withdrawMedianS: number;
  readonly reconnectMedianS: number;
  readonly reannounceMedianS: number;
  readonly totalS: number;
  readonly cpuS: number;
}

export interface RunResult {
  readonly scenario: string;
  readonly dut: string;
  readonly label: string;
  readonly pass: number;
  ok: boolean;
  error?: string;
  /** a phase hit the timeout; that DUT is not run again in later passes */
  timedOut?: boolean;
  /** the load phase itself hit the timeout: `upToMonitorS` is a lower bound */
  loadTimedOut?: boolean;
  loadAverage: number;
  upToLearnedS?: number;
  firstAtMonitorS?: number;
  upToMonitorS?: number;
  withdrawAllS?: number;
  reannounceS?: number;
  cpuLoadS?: number;
  cpuTotalS?: number;
  /** peak RSS when the load phase ended (before withdraw-all and re-announce) */
  loadPeakRssMb?: number;
  peakRssMb?: number;
  sessionResets?: number;
  /** CPU seconds the injector and the monitor used during the load phase (they share one core) */
  harnessCpuLoadS?: { injector: number; monitor: number };
  churn?: ChurnResult;
  flap?: FlapResult;
  notes?: readonly string[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!;
};

class PhaseTimeout extends Error {}

/** Waits for `promise`, failing with a PhaseTimeout after `seconds`, or at once when the DUT exits. */
type Guard = <T>(promise: Promise<T>, seconds: number, what: string) => Promise<T>;

/** Marks a promise whose rejection may come after nobody awaits it any more (a phase ended first). */
function settled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

async function within<T>(promise: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new PhaseTimeout(`${what}: over ${seconds.toFixed(1)} s`)),
          seconds * 1000,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function spawnHarness(
  t: Topology,
  node: LabNode,
  dir: string,
  name: string,
  config: Json,
  cpu: number,
): LabProcess {
  writeFileSync(`${dir}/${name}.json`, JSON.stringify(config));
  return t.lab.spawn(
    node,
    'taskset',
    [
      '-c',
      String(cpu),
      process.execPath,
      '--import',
      'tsx',
      `${HARNESS}/${name}.ts`,
      `${dir}/${name}.sock`,
      `${dir}/${name}.json`,
    ],
    { logFile: `${dir}/${name}.log` },
  );
}

/** Polls the DUT's own count of learned routes until it reaches `total`; resolves to the time or undefined. */
function pollLearned(
  running: RunningDut,
  total: number,
  until: { done: boolean },
): Promise<number | undefined> {
  if (!running.learned) return Promise.resolve(undefined);
  const learned = running.learned.bind(running);
  return (async () => {
    // a poll that fails now and then (the daemon busy past the CLI's timeout) is tried again
    let failures = 0;
    while (!until.done) {
      const n = await learned().catch(() => undefined);
      if (n === undefined && ++failures >= 5) return undefined;
      if (n !== undefined && n >= total) return now();
      await new Promise((r) => setTimeout(r, running.learnedPollMs ?? 100));
    }
    return undefined;
  })();
}

export async function runOnce(
  t: Topology,
  scenario: Scenario,
  dut: Dut,
  pass: number,
  options: RunOptions,
  runDir: string,
): Promise<RunResult> {
  mkdirSync(runDir, { recursive: true });
  const injectors = t.injectors.slice(0, scenario.peers);
  const total = scenario.peers * scenario.prefixesPerPeer;
  const result: RunResult = {
    scenario: scenario.id,
    dut: dut.id,
    label: await dut.label(),
    pass,
    ok: false,
    loadAverage: loadAverage(),
  };
  const spawned: LabProcess[] = [];
  const clients: ControlClient[] = [];
  let running: RunningDut | undefined;
  try {
    const port = 179;
    spawned.push(
      spawnHarness(
        t,
        t.gen,
        runDir,
        'injector',
        {
          dut: t.dutAddress,
          port,
          prefixesPerPeer: scenario.prefixesPerPeer,
          packing: scenario.packing ?? options.packing,
          pauseReading: scenario.importOnly,
          peers: injectors,
        },
        options.harnessCpu,
      ),
      spawnHarness(
        t,
        t.mon,
        runDir,
        'monitor',
        { dut: t.dutAddress, port, ...t.monitor },
        options.harnessCpu,
      ),
    );
    const inj = await ControlClient.connect(`${runDir}/injector.sock`, 'injector', 60_000);
    const mon = await ControlClient.connect(`${runDir}/monitor.sock`, 'monitor', 60_000);
    clients.push(inj, mon);
    await inj.call('info'); // the tables are encoded before the DUT starts
    running = await dut.start({
      lab: t.lab,
      node: t.dut,
      dir: runDir,
      address: t.dutAddress,
      asn: t.dutAsn,
      injectors,
      monitor: t.monitor,
      importOnly: scenario.importOnly,
      cpu: options.dutCpu,
    });
    if (running.notes) result.notes = running.notes;
    spawned.push(running.process);
    const pid = running.process.pid;
    const died = settled(
      running.process.exited.then((code) => {
        throw new Error(`DUT exited (${code}) during the run`);
      }),
    );
    const guard: Guard = (p, seconds, what) => within(Promise.race([settled(p), died]), seconds, what);
    await mon.call('start');
    await guard(mon.call('waitUp'), 60, 'monitor session');
    await inj.call('start');
    const up = await guard(inj.call<{ at: number }>('waitUp'), 60, 'injector sessions');
    const x: Phase = { inj, mon, guard };
    const cpu0 = usage(pid).cpuSeconds;
    const [injPid, monPid] = [spawned[0]!.pid, spawned[1]!.pid];
    const harness0 = [usage(injPid).cpuSeconds, usage(monPid).cpuSeconds];
    const timeout = options.timeoutS;
    try {
      await loadPhase(result, { ...x, running, total, up: up.at, timeout });
      const loaded = usage(pid);
      result.cpuLoadS = loaded.cpuSeconds - cpu0;
      result.loadPeakRssMb = loaded.peakRssMb;
      result.harnessCpuLoadS = {
        injector: usage(injPid).cpuSeconds - harness0[0]!,
        monitor: usage(monPid).cpuSeconds - harness0[1]!,
      };
      result.withdrawAllS = await swing(x, 'withdraw', 0, timeout);
      result.reannounceS = await swing(x, 'announce', total, timeout);
      if (scenario.extra === 'churn') await churnPhase(result, x, total, options, timeout);
      if (scenario.extra === 'flap') {
        await flapPhase(result, x, total, scenario.prefixesPerPeer, options.flaps, pid, timeout);
      }
      result.ok = true;
    } catch (error) {
      if (!(error instanceof PhaseTimeout)) throw error;
      result.timedOut = true;
      const held = await mon.call<{ present: number }>('stats').catch(() => undefined);
      result.error = `${error.message}; the monitor held ${held?.present ?? '?'} of ${total} prefixes`;
    }
    const end = usage(pid);
    result.cpuTotalS = end.cpuSeconds;
    result.peakRssMb = end.peakRssMb;
    type SessionStats = { losses: number; notifications: string[] };
    const unknown: SessionStats = { losses: NaN, notifications: ['(harness process gone)'] };
    const injStats = await inj.call<SessionStats>('stats').catch(() => unknown);
    const monStats = await mon.call<SessionStats>('stats').catch(() => unknown);
    result.sessionResets = injStats.losses + monStats.losses;
    if (!(result.sessionResets === 0)) {
      result.notes = [
        ...(result.notes ?? []),
        `NOTIFICATIONs: ${[...injStats.notifications, ...monStats.notifications].join(', ') || 'none'}`,
      ];
    }
  } catch (error) {
    // a DUT that crashed, a harness process that died, a start that failed: recorded, and the bench goes on
    result.ok = false;
    result.error = `${(error as Error).message}${running ? `\n${running.process.logTail(8)}` : ''}`;
    if (running?.process.running) {
      const end = usage(running.process.pid);
      result.cpuTotalS = end.cpuSeconds;
      result.peakRssMb = end.peakRssMb;
    }
  } finally {
    for (const c of clients) c.close();
    await Promise.all(spawned.map((p) => p.stop()));
    // OpenBGPD's children and anything else left in the DUT namespace, by PID.
    for (const node of [t.dut, t.gen, t.mon]) {
      await Promise.all((await namespacePids(node.namespace)).map((p) => stopPid(p)));
    }
  }
  return result;
}

/** The harness's control channels and the run's guard, for every phase. */
interface Phase {
  inj: ControlClient;
  mon: ControlClient;
  guard: Guard;
}

interface LoadInput extends Phase {
  running: RunningDut;
  total: number;
  up: number;
  timeout: number;
}

async function loadPhase(result: RunResult, x: LoadInput): Promise<void> {
  await x.mon.call('mark');
  const stop = { done: false };
  const learned = settled(pollLearned(x.running, x.total, stop));
  const full = settled(
    x.mon.call<{ at: number; firstAt: number }>('waitPresent', {
      count: x.total,
      timeoutMs: x.timeout * 1000 + 5000,
    }),
  );
  void x.inj.call('announce').catch(() => undefined);
  try {
    const f = await x.guard(full, x.timeout, 'load');
    result.upToMonitorS = (f.at - x.up) / 1000;
    result.firstAtMonitorS = (f.firstAt - x.up) / 1000;
    const l = await within(learned, 5, 'learned poll').catch(() => undefined);
    if (l !== undefined) result.upToLearnedS = (l - x.up) / 1000;
  } catch (error) {
    if (error instanceof PhaseTimeout) {
      result.upToMonitorS = x.timeout;
      result.loadTimedOut = true;
    }
    throw error;
  } finally {
    stop.done = true;
  }
}

/** Withdraw or announce everything; seconds from the first byte written to the monitor reaching `target`. */
async function swing(x: Phase, cmd: string, target: number, timeout: number): Promise<number> {
  await x.mon.call('mark');
  const reached = settled(
    x.mon.call<{ at: number }>('waitPresent', { count: target, timeoutMs: timeout * 1000 + 5000 }),
  );
  const sent = await x.guard(x.inj.call<{ startAt: number }>(cmd), timeout, cmd);
  const r = await x.guard(reached, timeout, `${cmd} at monitor`);
  return (r.at - sent.startAt) / 1000;
}

async function churnPhase(
  result: RunResult,
  { inj, mon, guard }: Phase,
  total: number,
  o: RunOptions,
  timeout: number,
): Promise<void> {
  type Counts = { announced: number; withdrawn: number; present: number };
  const before = await mon.call<Counts>('stats');
  const c = await guard(
    inj.call<{ startAt: number; endAt: number; cycles: number; prefixEvents: number }>('churn', {
      seconds: o.churnSeconds,
      fraction: 0.1,
      rate: o.churnRate,
    }),
    o.churnSeconds + timeout,
    'churn',
  );
  const atStop = await mon.call<Counts>('stats');
  const seen = atStop.announced + atStop.withdrawn - before.announced - before.withdrawn;
  const seconds = (c.endAt - c.startAt) / 1000;
  const churn = {
    seconds,
    cycles: c.cycles,
    sentPerS: c.prefixEvents / seconds,
    monitorPerS: seen / seconds,
    behindAtStop: Math.max(0, c.prefixEvents - seen),
    drainS: NaN,
  };
  result.churn = churn;
  // The backlog: how long after the injector stopped until the monitor has the whole table and goes quiet.
  await guard(
    mon.call('waitPresent', { count: total, timeoutMs: timeout * 1000 + 5000 }),
    timeout,
    'churn drain',
  );
  const quiet = await guard(mon.call<{ lastAt: number }>('waitQuiet', { ms: 1000 }), timeout, 'churn quiet');
  result.churn = { ...churn, drainS: Math.max(0, (quiet.lastAt - c.endAt) / 1000) };
}

/**
 * `flaps` times: peer 1 stops, its prefixes leave the monitor, it reconnects and announces again.
 * The flaps share one deadline of `timeout` seconds, so a DUT that holds a flapping peer down
 * (GoBGP idles it for seconds each time) ends the phase after `timeout` with the flaps it did.
 */
async function flapPhase(
  result: RunResult,
  x: Phase,
  total: number,
  perPeer: number,
  flaps: number,
  pid: number,
  timeout: number,
): Promise<void> {
  const withdraw: number[] = [];
  const reconnect: number[] = [];
  const reannounce: number[] = [];
  const cpu0 = usage(pid).cpuSeconds;
  const t0 = now();
  const left = (): number => Math.max(0.001, timeout - (now() - t0) / 1000);
  const record = (done: number): void => {
    result.flap = {
      flaps: done,
      planned: flaps,
      withdrawMedianS: median(withdraw),
      reconnectMedianS: median(reconnect),
      reannounceMedianS: median(reannounce),
      totalS: (now() - t0) / 1000,
      cpuS: usage(pid).cpuSeconds - cpu0,
    };
  };
  for (let k = 0; k < flaps; k++) {
    try {
      await oneFlap();
    } catch (error) {
      if (!(error instanceof PhaseTimeout)) throw error;
      record(k);
      throw new PhaseTimeout(`flaps: ${k} of ${flaps} done within ${timeout} s (${error.message})`);
    }
  }
  record(flaps);

  async function oneFlap(): Promise<void> {
    const { inj, mon, guard } = x;
    const wait = { timeoutMs: timeout * 1000 + 5000 };
    const gone = settled(mon.call<{ at: number }>('waitPresent', { count: total - perPeer, ...wait }));
    const stopped = await inj.call<{ at: number }>('stop', { peers: [0] });
    withdraw.push(((await guard(gone, left(), 'flap withdraw')).at - stopped.at) / 1000);
    await inj.call('start', { peers: [0] });
    const up = await guard(inj.call<{ at: number }>('waitUp', { peers: [0] }), left(), 'flap reconnect');
    reconnect.push((up.at - stopped.at) / 1000);
    const full = settled(mon.call<{ at: number }>('waitPresent', { count: total, ...wait }));
    const sent = await inj.call<{ startAt: number }>('announce', { peers: [0] });
    reannounce.push(((await guard(full, left(), 'flap re-announce')).at - sent.startAt) / 1000);
  }
}
