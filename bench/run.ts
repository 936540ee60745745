/**
 * Route-server benchmark: routeserver against BIRD, FRR, OpenBGPD and GoBGP
 * under identical load, in a lab of network namespaces. See bench/README.md.
 *
 *   npm run bench                                   scenarios a-c, every DUT, 3 passes
 *   npm run bench -- --scenario b --dut bird,routeserver --pairs 3
 *
 * Prints a Markdown table and writes it with the raw runs (JSON) to bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Lab } from '../test/lab/index.js';
import type { Packing } from './harness/table.js';
import { bird, frr, gobgp, openbgpd } from './duts/daemons.js';
import { SECOND_INSTANCE_ADDRESS, routeserver, routeserverNoVnet } from './duts/routeserver.js';
import type { BenchPeer, Dut } from './duts/types.js';
import { loadAverage } from './runner/proc.js';
import { markdown, ratios, summaries } from './runner/report.js';
import { SCENARIOS, runOnce } from './runner/scenario.js';
import type { RunOptions, RunResult, Topology } from './runner/scenario.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DUTS: Dut[] = [routeserver, routeserverNoVnet, bird, frr, openbgpd, gobgp];

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'a,b,b2,c,ci' },
    dut: { type: 'string', default: DUTS.map((d) => d.id).join(',') },
    pairs: { type: 'string', default: '3' },
    'slow-passes': { type: 'string', default: '1' },
    packing: { type: 'string', default: 'anchor' },
    timeout: { type: 'string', default: '60' },
    'churn-seconds': { type: 'string', default: '60' },
    'churn-rate': { type: 'string', default: '200000' },
    flaps: { type: 'string', default: '100' },
    'no-install': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(`usage: npm run bench -- [--scenario a,b,b2,c,ci,d,e] [--dut ${DUTS.map((d) => d.id).join(',')}]
       [--pairs 3] [--slow-passes 1] [--packing anchor|real|diverse] [--timeout 60] [--churn-seconds 60] [--churn-rate 200000] [--flaps 100] [--no-install]`);
  process.exit(0);
}

function ensureDependencies(duts: readonly Dut[]): void {
  // routeserver runs as `routeserver serve` from dist/: compiled when the sources changed
  if (duts.some((d) => d.id.startsWith('routeserver')))
    execFileSync('bash', [path.join(ROOT, 'scripts/build.sh')], { stdio: 'inherit', cwd: ROOT });
  if (values['no-install']) return;
  execFileSync('bash', [path.join(ROOT, 'scripts/install-deps.sh')], { stdio: 'inherit', cwd: ROOT });
}

async function topology(maxPeers: number): Promise<Topology> {
  const lab = await Lab.create({ name: 'bench' });
  const dutAddress = '10.0.0.4';
  const injectors: BenchPeer[] = Array.from({ length: maxPeers }, (_, i) => ({
    address: `10.0.1.${i + 1}`,
    asn: 65101 + i,
  }));
  const monitor: BenchPeer = { address: '10.0.2.1', asn: 65002 };
  // routeserver's second instance listens on .5; the other daemons bind .4 alone
  const dut = await lab.addNode('dut', [`${dutAddress}/16`, `${SECOND_INSTANCE_ADDRESS}/16`]);
  const gen = await lab.addNode(
    'gen',
    injectors.map((p) => `${p.address}/16`),
  );
  const mon = await lab.addNode('mon', [`${monitor.address}/16`]);
  return { lab, dut, gen, mon, dutAddress, dutAsn: 65515, injectors, monitor };
}

async function main(): Promise<void> {
  const scenarioIds = values.scenario.split(',').map((s) => s.trim());
  for (const id of scenarioIds) if (!SCENARIOS[id]) throw new Error(`unknown scenario ${id}`);
  const wanted = values.dut.split(',').map((s) => s.trim());
  const chosen = DUTS.filter((d) => wanted.includes(d.id));
  if (chosen.length !== wanted.length)
    throw new Error(`unknown DUT in ${values.dut}; known: ${DUTS.map((d) => d.id).join(',')}`);
  const passes = Number(values.pairs);
  const options: RunOptions = {
    packing: values.packing as Packing,
    timeoutS: Number(values.timeout),
    churnSeconds: Number(values['churn-seconds']),
    churnRate: Number(values['churn-rate']),
    flaps: Number(values.flaps),
    dutCpu: 1,
    harnessCpu: 0,
  };
  ensureDependencies(chosen);
  // The runner and the CLI tools it polls share CPU 0 with the harness; the DUT gets CPU 1.
  execFileSync('taskset', ['-pc', String(options.harnessCpu), String(process.pid)], { stdio: 'ignore' });
  const duts: Dut[] = [];
  for (const d of chosen) {
    if (await d.available()) duts.push(d);
    else console.error(`bench: ${d.id} is not available here, skipped`);
  }
  const started = new Date();
  const loadBefore = loadAverage();
  console.error(`bench: load average ${loadBefore} before the runs`);
  const t = await topology(Math.max(...scenarioIds.map((id) => SCENARIOS[id]!.peers)));
  const results: RunResult[] = [];
  let n = 0;
  try {
    for (const id of scenarioIds) {
      const scenario = SCENARIOS[id]!;
      const givenUp = new Set<string>();
      for (let pass = 1; pass <= passes; pass++) {
        const order = pass % 2 === 1 ? duts : [...duts].reverse();
        for (const dut of order) {
          if (givenUp.has(dut.id)) continue;
          // GoBGP takes minutes per run: it gets --slow-passes passes, not --pairs.
          if (dut.slow && pass > Number(values['slow-passes'])) continue;
          const runDir = path.join(t.lab.dir, `run${++n}-${id}-${dut.id}`);
          const r = await runOnce(t, scenario, dut, pass, options, runDir).catch(
            (error: unknown): RunResult => ({
              scenario: id,
              dut: dut.id,
              label: dut.id,
              pass,
              ok: false,
              error: `the run failed: ${(error as Error).message}`,
              loadAverage: loadAverage(),
            }),
          );
          results.push(r);
          save(false);
          console.error(
            `bench: ${id} ${dut.id} pass ${pass}: ${r.ok ? 'ok' : 'FAILED'} last-at-monitor ${r.upToMonitorS?.toFixed(2) ?? '–'} s, ` +
              `withdraw ${r.withdrawAllS?.toFixed(2) ?? '–'} s, re-announce ${r.reannounceS?.toFixed(2) ?? '–'} s, ` +
              `CPU ${r.cpuLoadS?.toFixed(2) ?? '–'} s, RSS ${r.loadPeakRssMb?.toFixed(0) ?? '–'} MB after load, ${r.peakRssMb?.toFixed(0) ?? '–'} MB peak, load ${r.loadAverage}` +
              (r.harnessCpuLoadS
                ? `, harness CPU ${r.harnessCpuLoadS.injector.toFixed(2)}+${r.harnessCpuLoadS.monitor.toFixed(2)} s`
                : '') +
              (r.error ? `\n  ${r.error.split('\n').join('\n  ')}` : ''),
          );
          // A DUT that ran out of time once will again: later passes would only burn the budget.
          if (r.timedOut || !r.ok) givenUp.add(dut.id);
        }
      }
    }
  } finally {
    await t.lab.destroy();
  }
  save(true);

  /** Writes the table and the raw runs; after every run too, so that a run cut short leaves its figures. */
  function save(final: boolean): void {
    const table = markdown(results, SCENARIOS);
    const header = [
      `Command: npm run bench -- --scenario ${values.scenario} --dut ${duts.map((d) => d.id).join(',')} --pairs ${passes} --slow-passes ${values['slow-passes']} --packing ${options.packing}` +
        (scenarioIds.includes('d')
          ? ` --churn-seconds ${options.churnSeconds} --churn-rate ${options.churnRate}`
          : ''),
      `Started ${started.toISOString()}, load average ${loadBefore} before and ${loadAverage()} after; DUT pinned to CPU ${options.dutCpu}, injector and monitor to CPU ${options.harnessCpu}.`,
      '',
    ].join('\n');
    if (final) console.log(header + table);
    const out = path.join(ROOT, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    const stamp = started.toISOString().replace(/[:.]/g, '-');
    writeFileSync(path.join(out, `${stamp}.md`), header + table + '\n');
    writeFileSync(
      path.join(out, `${stamp}.json`),
      JSON.stringify(
        {
          started,
          options,
          loadBefore,
          summaries: summaries(results),
          ratios: ratios(results),
          runs: results,
        },
        null,
        2,
      ),
    );
    if (final) console.error(`bench: results in bench/results/${stamp}.{md,json}`);
  }
}

// A promise of a phase that was given up on (its process stopped) must not end the bench: log it, go on.
process.on('unhandledRejection', (reason) => {
  console.error(`bench: ignored a late failure: ${(reason as Error | undefined)?.message ?? String(reason)}`);
});

await main();
