/**
 * `routeserver demo`: runs the compiled scripts/demo.ts (Azure Route Server's
 * overview scenario with FRR and BIRD in network namespaces; with
 * --with-gateways, the same hub with VPN and ExpressRoute gateways),
 * dist/demo/scripts/demo.js, built with the lab it drives by scripts/build.sh.
 * The demo drives the interop lab (test/lab), which src/ must not import, so
 * it runs as its own process; Ctrl-C reaches it (same process group) and
 * SIGTERM is forwarded, and it tears the scenario down.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { examples } from '../context.js';

// this file runs as dist/cli/commands/demo.js
const SCRIPT = fileURLToPath(new URL('../../demo/scripts/demo.js', import.meta.url));

export function registerDemoCommand(program: CommandUnknownOpts): void {
  program
    .command('demo')
    .description(
      "build Azure Route Server's overview scenario in network namespaces (root): a VNet with a route server, " +
        'an SD-WAN NVA (FRR) and a firewall NVA (BIRD), two VMs; print sessions, routes, a VM effective route table, ' +
        'and packets from the VM following it (routeserver agent) through the NVAs',
    )
    .option('--once', 'print everything, then tear down and exit (instead of waiting for Ctrl-C)')
    .option(
      '--with-gateways',
      'the same VNet with a VPN gateway (VPN site: FRR) and an ExpressRoute gateway (edge: BIRD): what every ' +
        'router learns with branch-to-branch off, on (through the API) and off again, and the hub routing ' +
        "preference's winner in a VM's effective routes",
    )
    .option('--step', 'with --with-gateways: wait for Enter before each change')
    .addHelpText(
      'after',
      examples(
        'routeserver demo          # as root: sudo routeserver demo',
        'routeserver demo --once',
        'routeserver demo --with-gateways --step',
      ),
    )
    .action(async (options) => {
      if (!existsSync(SCRIPT)) {
        process.stderr.write(`ERROR: ${SCRIPT} is missing; compile the sources first: npm run build\n`);
        process.exitCode = 1;
        return;
      }
      const flags = [
        ...(options.once ? ['--once'] : []),
        ...(options.withGateways ? ['--with-gateways'] : []),
        ...(options.step ? ['--step'] : []),
      ];
      const child = spawn(process.execPath, [SCRIPT, ...flags], {
        stdio: 'inherit',
      });
      const forward = (signal: NodeJS.Signals) => () => {
        if (child.exitCode === null) child.kill(signal);
      };
      const onInt = () => {}; // the terminal sends SIGINT to the child too; wait for its teardown
      const onTerm = forward('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      const code = await new Promise<number>((resolve) =>
        child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal === null ? 1 : 128))),
      );
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.exitCode = code;
    });
}
