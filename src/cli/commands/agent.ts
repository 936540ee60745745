/**
 * `routeserver agent`: the data-plane agent (src/agent, docs/agent.md). It
 * reaches the API as every client verb does (--endpoint, --token, --ca-cert,
 * --data-dir) and runs until SIGTERM or SIGINT. Exit codes: 0 after a
 * signal, 1 when it cannot start (unknown NIC, unreachable API, refused
 * token, missing namespace or interface), 2 for malformed flags or config.
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type * as AgentModule from '../../agent/index.js';
import { CLI_API_VERSION } from '../../daemon/defaults.js';
import { resolveConnection } from '../connection.js';
import { examples, globalsOf } from '../context.js';
import { formatError } from '../errors.js';

interface AgentFlags {
  config?: string;
  proto?: string;
  flushOnExit?: boolean;
}

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} agent: ${line}\n`);
}

function parseProtocol(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const protocol = Number(value);
  if (!/^\d+$/.test(value) || protocol < 5 || protocol > 255) {
    throw new Error(`--proto must be a route protocol number from 5 to 255, got '${value}'`);
  }
  return protocol;
}

export function registerAgentCommand(program: CommandUnknownOpts): void {
  // commander calls these in command-line order, which groups --netns/--dev with their --nic
  const pending: [string, string][] = [];
  const collect = (field: string) => (value: string) => {
    pending.push([field, value]);
    return value;
  };
  program
    .command('agent')
    .description("program VMs' effective routes into their kernels (network namespaces or this host)")
    .option('--nic <id>', 'NIC resource id of a VM (repeat for more VMs)', collect('nic'))
    .option(
      '--netns <name>',
      'network namespace of the --nic before it (default: this namespace)',
      collect('netns'),
    )
    .option('--dev <ifname>', 'interface of the --nic before it (default: eth0)', collect('dev'))
    .option('--config <file>', 'YAML list of {nic, netns, dev} (a host with many VMs)')
    .option('--proto <number>', 'route protocol number marking the routes the agent owns (default: 247)')
    .option('--flush-on-exit', 'remove the routes the agent installed when it stops')
    .addHelpText(
      'after',
      examples(
        'routeserver agent --nic /subscriptions/…/networkInterfaces/vm1 --netns vm1 --dev eth0',
        'routeserver agent --config /etc/routeserver/agent.yaml --flush-on-exit',
      ),
    )
    .action(async (options: AgentFlags, command) => {
      // loaded here so that the other verbs start without the agent's modules
      const agentModule = await import('../../agent/index.js');
      const exitCode = await runAgent(agentModule, pending, options, command.optsWithGlobals());
      if (exitCode !== undefined) process.exitCode = exitCode;
    });
}

async function runAgent(
  agent: typeof AgentModule,
  pending: readonly [string, string][],
  options: AgentFlags,
  globals: Record<string, unknown>,
): Promise<number | undefined> {
  let targets;
  let protocol;
  try {
    const flags = new agent.TargetFlags();
    for (const [field, value] of pending) {
      if (field === 'nic') flags.nic(value);
      else flags.set(field as 'netns' | 'dev', value);
    }
    targets = [
      ...flags.targets,
      ...(options.config === undefined ? [] : agent.targetsFromFile(options.config)),
    ];
    agent.checkTargets(targets);
    protocol = parseProtocol(options.proto, agent.DEFAULT_ROUTE_PROTOCOL);
  } catch (error) {
    process.stderr.write(`ERROR: ${(error as Error).message}\n`);
    return 2;
  }
  let running;
  try {
    const connection = resolveConnection(globalsOf(globals));
    running = await agent.startAgent(
      targets,
      { ...connection, apiVersion: CLI_API_VERSION },
      {
        protocol,
        flushOnExit: options.flushOnExit === true,
        silenceTimeoutMs: 45_000,
        backoff: { initialMs: 500, maxMs: 30_000 },
        log,
      },
    );
  } catch (error) {
    process.stderr.write(`${formatError(error)}\n`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  try {
    await running.stop();
  } catch (error) {
    // --flush-on-exit could not remove every route: say which, and exit non-zero
    process.stderr.write(`${formatError(error)}\n`);
    return 1;
  }
  return 0;
}
