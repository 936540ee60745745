/**
 * Harness calibration: is the load generator faster than what it measures?
 * The same DUT (BIRD, the fastest one here) is loaded with 1 peer × N
 * prefixes twice, alternating: by our injector + monitor, and by a BIRD
 * injector (static routes, enabled with `birdc enable`) + a BIRD monitor
 * polled with `show route protocol dut count` every 20 ms. If ours reports
 * a shorter time, the harness is not what limits the figures.
 *
 *   npx tsx bench/calibrate.ts [prefixes=1000000] [rounds=2]
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Lab } from '../test/lab/index.js';
import type { LabNode, LabProcess } from '../test/lab/index.js';
import { run } from '../test/lab/process.js';
import { bird } from './duts/daemons.js';
import { planAddress } from './harness/wire.js';
import { formatIpv4 } from '../src/lib/prefix.js';
import { runOnce } from './runner/scenario.js';
import type { Topology } from './runner/scenario.js';

const prefixes = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 2);

async function birdc(ctl: string, ...args: string[]): Promise<string> {
  return (await run('birdc', ['-s', ctl, ...args], { timeoutMs: 30_000 })).stdout;
}

async function until<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function spawnBird(lab: Lab, node: LabNode, dir: string, name: string, config: string): [string, LabProcess] {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/${name}.conf`, config);
  const ctl = `${dir}/${name}.ctl`;
  const p = lab.spawn(node, 'taskset', ['-c', '0', 'bird', '-f', '-c', `${dir}/${name}.conf`, '-s', ctl], {
    logFile: `${dir}/${name}.log`,
  });
  return [ctl, p];
}

/** One load of BIRD-DUT by a BIRD injector and a BIRD monitor; seconds from `enable` to the full count. */
async function birdHarnessRound(t: Topology, dir: string): Promise<number> {
  const inj = t.injectors[0]!;
  const routes = Array.from(
    { length: prefixes },
    (_, i) => `route ${formatIpv4(planAddress(i))}/24 blackhole;`,
  );
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/routes.conf`, routes.join('\n') + '\n');
  const dut = await bird.start({
    lab: t.lab,
    node: t.dut,
    dir,
    address: t.dutAddress,
    asn: t.dutAsn,
    injectors: [inj],
    monitor: t.monitor,
    importOnly: false,
    cpu: 1,
  });
  const [injCtl, injProcess] = spawnBird(
    t.lab,
    t.gen,
    dir,
    'inj',
    [
      `router id ${inj.address};`,
      'protocol device {}',
      'protocol static s1 { ipv4; disabled yes;',
      `include "${dir}/routes.conf";`,
      '}',
      `protocol bgp dut { local ${inj.address} as ${inj.asn}; neighbor ${t.dutAddress} as ${t.dutAsn}; hold time 180;`,
      '  ipv4 { import none; export where source = RTS_STATIC; }; }',
    ].join('\n'),
  );
  const [monCtl, monProcess] = spawnBird(
    t.lab,
    t.mon,
    dir,
    'mon',
    [
      `router id ${t.monitor.address};`,
      'protocol device {}',
      `protocol bgp dut { local ${t.monitor.address} as ${t.monitor.asn}; neighbor ${t.dutAddress} as ${t.dutAsn}; hold time 180;`,
      '  ipv4 { import all; export none; }; }',
    ].join('\n'),
  );
  try {
    for (const ctl of [injCtl, monCtl]) {
      await until('BIRD harness sessions', 60_000, async () =>
        /dut\s+BGP\s+.*Established/.test(await birdc(ctl, 'show', 'protocols')) ? true : undefined,
      );
    }
    const start = performance.now();
    await birdc(injCtl, 'enable', 's1');
    await until('BIRD monitor count', 300_000, async () => {
      const m = /(\d+) of \d+ routes/.exec(await birdc(monCtl, 'show', 'route', 'protocol', 'dut', 'count'));
      return m && Number(m[1]) >= prefixes ? true : undefined;
    });
    return (performance.now() - start) / 1000;
  } finally {
    await Promise.all([dut.process.stop(), injProcess.stop(), monProcess.stop()]);
  }
}

async function main(): Promise<void> {
  execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' });
  const lab = await Lab.create({ name: 'calibrate' });
  try {
    const injectors = [{ address: '10.0.1.1', asn: 65101 }];
    const monitor = { address: '10.0.2.1', asn: 65002 };
    const t: Topology = {
      lab,
      dut: await lab.addNode('dut', ['10.0.0.4/16']),
      gen: await lab.addNode('gen', ['10.0.1.1/16']),
      mon: await lab.addNode('mon', ['10.0.2.1/16']),
      dutAddress: '10.0.0.4',
      dutAsn: 65515,
      injectors,
      monitor,
    };
    const scenario = {
      id: 'cal',
      title: `1 × ${prefixes}`,
      peers: 1,
      prefixesPerPeer: prefixes,
      importOnly: false,
    };
    const options = {
      packing: 'anchor' as const,
      timeoutS: 120,
      churnSeconds: 0,
      churnRate: 0,
      flaps: 0,
      dutCpu: 1,
      harnessCpu: 0,
    };
    for (let round = 1; round <= rounds; round++) {
      const ours = await runOnce(t, scenario, bird, round, options, path.join(lab.dir, `ours${round}`));
      const theirs = await birdHarnessRound(t, path.join(lab.dir, `bird${round}`));
      console.log(
        `round ${round}: BIRD DUT, 1 × ${prefixes}: our injector+monitor ${ours.upToMonitorS?.toFixed(2)} s ` +
          `(injector CPU ${ours.harnessCpuLoadS?.injector.toFixed(2)} s, monitor CPU ${ours.harnessCpuLoadS?.monitor.toFixed(2)} s, ` +
          `DUT CPU ${ours.cpuLoadS?.toFixed(2)} s); BIRD injector+monitor ${theirs.toFixed(2)} s`,
      );
    }
  } finally {
    await lab.destroy();
  }
}

await main();
