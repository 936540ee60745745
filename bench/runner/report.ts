/**
 * Summaries of the runs: per scenario and DUT the median and range of every
 * figure, and the ratio routeserver / peer computed pass by pass (each pass
 * runs every DUT once, in alternating order) as median and range.
 */
import type { RunResult, Scenario } from './scenario.js';

type Metric =
  | 'upToLearnedS'
  | 'upToMonitorS'
  | 'withdrawAllS'
  | 'reannounceS'
  | 'cpuLoadS'
  | 'loadPeakRssMb'
  | 'peakRssMb';

const METRICS: { key: Metric; title: string; digits: number }[] = [
  { key: 'upToLearnedS', title: 'up → last learned (s)', digits: 2 },
  { key: 'upToMonitorS', title: 'up → last at monitor (s)', digits: 2 },
  { key: 'withdrawAllS', title: 'withdraw all (s)', digits: 2 },
  { key: 'reannounceS', title: 're-announce (s)', digits: 2 },
  { key: 'cpuLoadS', title: 'CPU, load (s)', digits: 2 },
  { key: 'loadPeakRssMb', title: 'peak RSS after load (MB)', digits: 0 },
  { key: 'peakRssMb', title: 'peak RSS (MB)', digits: 0 },
];

export const ROUTESERVER_IDS = ['routeserver', 'routeserver-novnet'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function cell(values: number[], digits: number, lowerBound: boolean): string {
  if (values.length === 0) return '–';
  const m = median(values).toFixed(digits);
  const prefix = lowerBound ? '> ' : '';
  if (values.length === 1) return prefix + m;
  const lo = Math.min(...values).toFixed(digits);
  const hi = Math.max(...values).toFixed(digits);
  return `${prefix}${m} (${lo}–${hi})`;
}

export interface Summary {
  readonly scenario: string;
  readonly dut: string;
  readonly label: string;
  readonly runs: number;
  readonly failed: number;
  readonly medians: Partial<Record<Metric, number>>;
  readonly loadAverage: number;
}

export interface Ratio {
  readonly scenario: string;
  readonly routeserver: string;
  readonly peer: string;
  readonly metric: Metric;
  readonly pairs: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** '>' when routeserver ran out of time in a pair (the ratio is a lower bound), '<' when the peer did */
  readonly bound?: '>' | '<';
}

export function summaries(results: readonly RunResult[]): Summary[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of results)
    groups.set(`${r.scenario}\t${r.dut}`, [...(groups.get(`${r.scenario}\t${r.dut}`) ?? []), r]);
  return [...groups.values()].map((rs) => ({
    scenario: rs[0]!.scenario,
    dut: rs[0]!.dut,
    label: rs[0]!.label,
    runs: rs.length,
    failed: rs.filter((r) => !r.ok).length,
    medians: Object.fromEntries(
      METRICS.map((m) => [
        m.key,
        median(rs.map((r) => r[m.key]).filter((v): v is number => v !== undefined)),
      ]),
    ),
    loadAverage: median(rs.map((r) => r.loadAverage)),
  }));
}

export function ratios(results: readonly RunResult[]): Ratio[] {
  const out: Ratio[] = [];
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  for (const scenario of scenarios) {
    const inScenario = results.filter((r) => r.scenario === scenario);
    const peers = [...new Set(inScenario.map((r) => r.dut))].filter((d) => !ROUTESERVER_IDS.includes(d));
    for (const rs of ROUTESERVER_IDS) {
      for (const peer of peers) {
        for (const metric of ['upToMonitorS', 'reannounceS', 'cpuLoadS', 'peakRssMb'] as Metric[]) {
          const values: number[] = [];
          let bound: '>' | '<' | undefined;
          for (const pass of new Set(inScenario.map((r) => r.pass))) {
            const ra = inScenario.find((r) => r.pass === pass && r.dut === rs);
            const rb = inScenario.find((r) => r.pass === pass && r.dut === peer);
            const a = ra?.[metric];
            const b = rb?.[metric];
            if (a === undefined || b === undefined || b <= 0) continue;
            // A timed-out load is a lower bound; two lower bounds give no ratio.
            const aBound = metric === 'upToMonitorS' && ra?.loadTimedOut === true;
            const bBound = metric === 'upToMonitorS' && rb?.loadTimedOut === true;
            if (aBound && bBound) continue;
            if (aBound) bound = '>';
            if (bBound) bound = '<';
            values.push(a / b);
          }
          if (values.length === 0) continue;
          out.push({
            scenario,
            routeserver: rs,
            peer,
            metric,
            pairs: values.length,
            median: median(values),
            min: Math.min(...values),
            max: Math.max(...values),
            ...(bound ? { bound } : {}),
          });
        }
      }
    }
  }
  return out;
}

export function markdown(results: readonly RunResult[], scenarios: Record<string, Scenario>): string {
  const lines: string[] = [];
  const header = ['scenario', 'DUT', ...METRICS.map((m) => m.title), 'runs', 'load avg'];
  lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
  const bySd = new Map<string, RunResult[]>();
  for (const r of results)
    bySd.set(`${r.scenario}\t${r.dut}`, [...(bySd.get(`${r.scenario}\t${r.dut}`) ?? []), r]);
  for (const rs of bySd.values()) {
    const first = rs[0]!;
    const cells = METRICS.map((m) =>
      cell(
        rs.map((r) => r[m.key]).filter((v): v is number => v !== undefined),
        m.digits,
        m.key === 'upToMonitorS' && rs.every((r) => r.loadTimedOut),
      ),
    );
    const failed = rs.filter((r) => !r.ok).length;
    const runs = failed ? `${rs.length} (${failed} failed)` : String(rs.length);
    const load = median(rs.map((r) => r.loadAverage)).toFixed(1);
    lines.push(
      `| ${first.scenario}: ${scenarios[first.scenario]?.title ?? ''} | ${first.label} | ${cells.join(' | ')} | ${runs} | ${load} |`,
    );
  }
  const rows = ratios(results);
  if (rows.length > 0) {
    lines.push(
      '',
      'Ratio routeserver / peer, pass by pass (median (min–max), n pairs); < 1 means routeserver is faster or smaller:',
      '',
    );
    lines.push(
      '| scenario | routeserver | peer | last at monitor | re-announce | CPU, load | peak RSS |',
      '|---|---|---|---|---|---|---|',
    );
    const keyed = new Map<string, Ratio[]>();
    for (const r of rows)
      keyed.set(`${r.scenario}\t${r.routeserver}\t${r.peer}`, [
        ...(keyed.get(`${r.scenario}\t${r.routeserver}\t${r.peer}`) ?? []),
        r,
      ]);
    for (const group of keyed.values()) {
      const g = group[0]!;
      const f = (metric: Metric): string => {
        const r = group.find((x) => x.metric === metric);
        if (!r) return '–';
        const b = r.bound ? `${r.bound} ` : '';
        return r.pairs === 1
          ? `${b}${r.median.toFixed(2)}, n=1`
          : `${b}${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)}), n=${r.pairs}`;
      };
      lines.push(
        `| ${g.scenario} | ${g.routeserver} | ${g.peer} | ${f('upToMonitorS')} | ${f('reannounceS')} | ${f('cpuLoadS')} | ${f('peakRssMb')} |`,
      );
    }
  }
  const extras = results.filter((r) => r.churn || r.flap);
  if (extras.length > 0) {
    lines.push('', '| scenario | DUT | pass | figures |', '|---|---|---|---|');
    for (const r of extras) {
      const c = r.churn;
      const f = r.flap;
      const text = c
        ? `${c.cycles} cycles in ${c.seconds.toFixed(0)} s; sent ${(c.sentPerS / 1000).toFixed(0)} k prefix updates/s, monitor saw ${(c.monitorPerS / 1000).toFixed(0)} k/s; behind at stop ${c.behindAtStop}; ${Number.isNaN(c.drainS) ? 'not drained within the timeout' : `drained ${c.drainS.toFixed(2)} s after stop`}`
        : f
          ? `${f.flaps === f.planned ? f.flaps : `${f.flaps} of ${f.planned}`} flaps in ${f.totalS.toFixed(1)} s; median withdraw ${f.withdrawMedianS.toFixed(3)} s, reconnect ${f.reconnectMedianS.toFixed(3)} s, re-announce ${f.reannounceMedianS.toFixed(3)} s; DUT CPU ${f.cpuS.toFixed(2)} s`
          : '';
      lines.push(`| ${r.scenario} | ${r.label} | ${r.pass} | ${text} |`);
    }
  }
  lines.push('', ...harnessCheck(results));
  const failures = results.filter((r) => r.error);
  if (failures.length > 0) {
    lines.push('', 'Incomplete runs:', '');
    for (const r of failures)
      lines.push(`- ${r.scenario} / ${r.label} / pass ${r.pass}: ${r.error!.split('\n')[0]}`);
  }
  const notes = [...new Set(results.flatMap((r) => (r.notes ?? []).map((n) => `${r.label}: ${n}`)))];
  if (notes.length > 0) lines.push('', ...notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

/** Whether the load generator and monitor kept up: their CPU during the fastest load of each scenario. */
function harnessCheck(results: readonly RunResult[]): string[] {
  const out: string[] = [];
  for (const scenario of new Set(results.map((r) => r.scenario))) {
    const done = results.filter(
      (r) => r.scenario === scenario && r.ok && r.harnessCpuLoadS && r.upToMonitorS,
    );
    if (done.length === 0) continue;
    const fastest = done.reduce((a, b) => (a.upToMonitorS! <= b.upToMonitorS! ? a : b));
    const h = fastest.harnessCpuLoadS!;
    out.push(
      `- Harness check, scenario ${scenario}: during the fastest load (${fastest.label}, ${fastest.upToMonitorS!.toFixed(2)} s) ` +
        `the injector used ${h.injector.toFixed(2)} s and the monitor ${h.monitor.toFixed(2)} s of CPU.`,
    );
  }
  return out;
}
