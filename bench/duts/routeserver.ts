/**
 * routeserver DUTs: the route-server instance of bench/duts/routeserver-host.ts
 * with VNet programming on (`routeserver`, the real job: every injected route
 * goes into the virtual network model's effective routes) and off
 * (`routeserver-novnet`). The route limit per peer (Azure: 4,000) is raised
 * to the scenario's table size. The route server exports to every peer
 * (Azure semantics): an import-only injector cannot be configured, so in
 * scenario (c) it does the export work the other DUTs are spared.
 */
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ControlClient } from '../harness/control.js';
import { spawnPinned } from './types.js';
import type { Dut, DutContext, RunningDut } from './types.js';

const HOST = path.join(path.dirname(fileURLToPath(import.meta.url)), 'routeserver-host.ts');
const NICS = 100;

function make(id: string, vnet: boolean): Dut {
  return {
    id,
    label: () => Promise.resolve(`routeserver (${process.version}${vnet ? '' : ', VNet programming off'})`),
    available: () => Promise.resolve(true),
    async start(c: DutContext): Promise<RunningDut> {
      const config = {
        address: c.address,
        asn: c.asn,
        routeLimit: 2_000_000,
        vnet,
        nics: NICS,
        monitor: c.monitor,
        peers: c.injectors,
      };
      writeFileSync(`${c.dir}/routeserver.json`, JSON.stringify(config));
      const control = `${c.dir}/routeserver.sock`;
      const args = [
        ...(process.env.BENCH_CPU_PROF ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      ];
      const proc = spawnPinned(
        c,
        process.execPath,
        [...args, '--max-old-space-size=8192', '--import', 'tsx', HOST, control, `${c.dir}/routeserver.json`],
        'routeserver.log',
      );
      const client = await ControlClient.connect(control, id, 30_000);
      void proc.exited.then(() => client.close());
      return {
        process: proc,
        learnedPollMs: 100,
        learned: async () => (await client.call<{ learned: number }>('learned')).learned,
        notes: c.importOnly
          ? ['exports to every injector too (no per-peer export policy in Azure semantics)']
          : [],
      };
    },
  };
}

export const routeserver = make('routeserver', true);
export const routeserverNoVnet = make('routeserver-novnet', false);
