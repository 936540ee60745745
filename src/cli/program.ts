/**
 * The `routeserver` command tree. `serve` and `demo` run the server; every
 * other verb is a client of the ARM API (docs/cli.md).
 */
import { readFileSync } from 'node:fs';
import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { DEFAULT_DATA_DIR, LOCAL_SUBSCRIPTION_ID } from '../daemon/defaults.js';
import { examples } from './context.js';
import { registerAgentCommand } from './commands/agent.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerIdentityCommands } from './commands/identity.js';
import { registerNicCommands } from './commands/nic.js';
import { registerRouteServerCommands } from './commands/routeserver.js';
import { registerGatewayCommands } from './commands/gateway.js';
import { registerRouteTableCommands } from './commands/route-table.js';
import { registerServeCommand } from './commands/serve.js';
import { registerVnetCommands } from './commands/vnet.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const VERSION = pkg.version;

export function buildProgram(): CommandUnknownOpts {
  const program = new Command()
    .name('routeserver')
    .description('BGP route server with Azure Route Server semantics and an ARM-compatible API')
    .version(VERSION)
    .addOption(
      new Option(
        '--endpoint <url>',
        'API base URL (default: <data-dir>/api-url, else https://127.0.0.1:8443)',
      ).env('ROUTESERVER_ENDPOINT'),
    )
    .addOption(
      new Option('--token <token>', 'API bearer token (default: <data-dir>/api-token)').env(
        'ROUTESERVER_TOKEN',
      ),
    )
    .addOption(
      new Option('--ca-cert <file>', 'CA certificate to trust (default: <data-dir>/tls/cert.pem)').env(
        'ROUTESERVER_CA_CERT',
      ),
    )
    .addOption(
      new Option('--data-dir <dir>', `the server's data directory (default: ${DEFAULT_DATA_DIR})`).env(
        'ROUTESERVER_DATA_DIR',
      ),
    )
    .addOption(
      new Option('--subscription <id>', `subscription id (default: ${LOCAL_SUBSCRIPTION_ID})`).env(
        'ROUTESERVER_SUBSCRIPTION',
      ),
    )
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['json', 'table']).default('json'),
    )
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError()
    .addHelpText(
      'after',
      examples(
        'npm start                      # or: routeserver serve',
        'routeserver vnet create -g rg1 -n vnet1 --address-prefixes 10.1.0.0/16',
        'routeserver vnet subnet create -g rg1 --vnet-name vnet1 -n RouteServerSubnet --address-prefixes 10.1.0.0/26',
        'routeserver create -g rg1 -n rs1 --vnet-name vnet1 --hosted-subnet RouteServerSubnet',
        'routeserver peering create -g rg1 --routeserver rs1 -n nva1 --peer-ip 10.1.1.4 --peer-asn 65001',
        'routeserver show -g rg1 -n rs1 -o table',
      ),
    ) as unknown as CommandUnknownOpts;

  program
    .command('version')
    .description('print the version')
    .action(() => console.log(`routeserver ${VERSION}`));

  registerServeCommand(program);
  registerDemoCommand(program);
  registerAgentCommand(program);
  registerIdentityCommands(program);
  registerRouteServerCommands(program);
  const alias = program
    .command('routeserver', { hidden: true })
    .description('the route server verbs, spelled as az network routeserver')
    .addHelpText(
      'after',
      examples('routeserver routeserver list -o table   # same as: routeserver list -o table'),
    );
  registerRouteServerCommands(alias);
  registerVnetCommands(program);
  registerRouteTableCommands(program);
  registerGatewayCommands(program);
  registerNicCommands(program);
  return program;
}
