/**
 * `routeserver route-table create|show|list|delete` and
 * `route-table route create|list`, shaped like `az network route-table`:
 * user-defined routes (UDRs) that win over BGP and system routes for the
 * same prefix (docs/azure-behaviour.md §3.5).
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { LOCAL_LOCATION } from '../../daemon/defaults.js';
import { CLI_ERROR_CODES, CliError } from '../errors.js';
import { examples, parseBoolean, parseIp, parseTags, runVerb, type CommandContext } from '../context.js';
import { flattenResource } from '../output.js';
import { listPath } from './routeserver.js';

const NEXT_HOP_TYPES = ['VirtualAppliance', 'VirtualNetworkGateway', 'VnetLocal', 'Internet', 'None'];

function tablePath(context: CommandContext, resourceGroup: string, name: string): string {
  return context.id(resourceGroup, ['routeTables', name]);
}

function nextHopType(value: string): string {
  const match = NEXT_HOP_TYPES.find((type) => type.toLowerCase() === value.toLowerCase());
  if (match === undefined)
    throw new CliError(
      CLI_ERROR_CODES.BAD_ARGUMENT,
      `--next-hop-type '${value}' is not one of: ${NEXT_HOP_TYPES.join(', ')}`,
    );
  return match;
}

function registerTableVerbs(group: CommandUnknownOpts): void {
  group
    .command('create')
    .description('create a route table')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'route table name')
    .option(
      '--disable-bgp-route-propagation [bool]',
      'keep BGP routes out of subnets using this table (default: false)',
    )
    .option('-l, --location <location>', `location (default: ${LOCAL_LOCATION})`)
    .option('--tags <tag...>', 'space-separated tags: key[=value]')
    .addHelpText(
      'after',
      examples(
        'routeserver route-table create -g rg1 -n rt1',
        'routeserver route-table create -g rg1 -n rt1 --disable-bgp-route-propagation true',
      ),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const tags = parseTags(options.tags);
        const body = {
          location: options.location ?? LOCAL_LOCATION,
          ...(tags === undefined ? {} : { tags }),
          properties: {
            disableBgpRoutePropagation: parseBoolean(options.disableBgpRoutePropagation) ?? false,
          },
        };
        return {
          json: flattenResource(
            await context.client.put(tablePath(context, options.resourceGroup, options.name), body),
          ),
        };
      });
    });

  group
    .command('show')
    .description('show a route table and its routes')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'route table name')
    .addHelpText('after', examples('routeserver route-table show -g rg1 -n rt1'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => ({
        json: flattenResource(
          await context.client.get(tablePath(context, options.resourceGroup, options.name)),
        ),
      }));
    });

  group
    .command('list')
    .description('list route tables in a resource group, or in the subscription without -g')
    .option('-g, --resource-group <name>', 'resource group')
    .addHelpText('after', examples('routeserver route-table list -o table'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => ({
        json: flattenResource(
          await context.client.list(listPath(context, options.resourceGroup, 'routeTables')),
        ),
      }));
    });

  group
    .command('delete')
    .description('delete a route table (refused while a subnet uses it)')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'route table name')
    .addHelpText('after', examples('routeserver route-table delete -g rg1 -n rt1'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        await context.client.delete(tablePath(context, options.resourceGroup, options.name));
        return undefined;
      });
    });
}

function registerRouteVerbs(table: CommandUnknownOpts): void {
  const group = table
    .command('route')
    .description('manage the routes of a route table')
    .addHelpText(
      'after',
      examples(
        'routeserver route-table route create -g rg1 --route-table-name rt1 -n default --address-prefix 0.0.0.0/0 --next-hop-type VirtualAppliance --next-hop-ip-address 10.1.2.4',
      ),
    );

  group
    .command('create')
    .description('add a user-defined route')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('--route-table-name <name>', 'route table name')
    .requiredOption('-n, --name <name>', 'route name')
    .requiredOption('--address-prefix <prefix>', 'destination prefix (CIDR)')
    .requiredOption('--next-hop-type <type>', NEXT_HOP_TYPES.join(', '))
    .option('--next-hop-ip-address <ip>', 'the appliance address (VirtualAppliance only)')
    .addHelpText(
      'after',
      examples(
        'routeserver route-table route create -g rg1 --route-table-name rt1 -n default --address-prefix 0.0.0.0/0 --next-hop-type VirtualAppliance --next-hop-ip-address 10.1.2.4',
        'routeserver route-table route create -g rg1 --route-table-name rt1 -n blackhole --address-prefix 192.0.2.0/24 --next-hop-type None',
      ),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const ip = options.nextHopIpAddress;
        const body = {
          properties: {
            addressPrefix: options.addressPrefix,
            nextHopType: nextHopType(options.nextHopType),
            ...(ip === undefined ? {} : { nextHopIpAddress: parseIp(ip, '--next-hop-ip-address') }),
          },
        };
        const path = `${tablePath(context, options.resourceGroup, options.routeTableName)}/routes/${options.name}`;
        return { json: flattenResource(await context.client.put(path, body)) };
      });
    });

  group
    .command('list')
    .description('list the routes of a route table')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('--route-table-name <name>', 'route table name')
    .addHelpText(
      'after',
      examples('routeserver route-table route list -g rg1 --route-table-name rt1 -o table'),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => ({
        json: flattenResource(
          await context.client.list(
            `${tablePath(context, options.resourceGroup, options.routeTableName)}/routes`,
          ),
        ),
      }));
    });
}

export function registerRouteTableCommands(parent: CommandUnknownOpts): void {
  const group = parent
    .command('route-table')
    .description('manage route tables (user-defined routes)')
    .addHelpText('after', examples('routeserver route-table create -g rg1 -n rt1'));
  registerTableVerbs(group);
  registerRouteVerbs(group);
}
