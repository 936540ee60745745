/**
 * `routeserver nic create|show|list|delete|show-effective-route-table|next-hop`,
 * shaped like `az network nic` (and Network Watcher's next hop). A NIC has
 * one IP configuration in one subnet; `nic create` prints `{"NewNIC": …}` as az does.
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { LOCAL_LOCATION } from '../../daemon/defaults.js';
import { CLI_ERROR_CODES, CliError } from '../errors.js';
import {
  examples,
  isRecord,
  parseIp,
  parseTags,
  propertiesOf,
  runVerb,
  type CommandContext,
} from '../context.js';
import { nextHopFromTable, parseDestination } from '../next-hop.js';
import { flattenResource, type Column } from '../output.js';
import { listPath } from './routeserver.js';

function nicPath(context: CommandContext, resourceGroup: string, name: string): string {
  return context.id(resourceGroup, ['networkInterfaces', name]);
}

/** az's table transformer for effective route tables. */
const EFFECTIVE_ROUTE_COLUMNS: readonly Column[] = [
  { header: 'Source', value: (row) => row['source'] },
  { header: 'State', value: (row) => row['state'] },
  {
    header: 'Address Prefix',
    value: (row) => (Array.isArray(row['addressPrefix']) ? row['addressPrefix'].join(' ') : ''),
  },
  { header: 'Next Hop Type', value: (row) => row['nextHopType'] },
  {
    header: 'Next Hop IP',
    value: (row) => (Array.isArray(row['nextHopIpAddress']) ? row['nextHopIpAddress'].join(' ') : ''),
  },
];

function rowsOf(result: unknown): Record<string, unknown>[] {
  const value = isRecord(result) ? result['value'] : undefined;
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** The route table of the NIC's subnet (for a winning user route), or null. */
async function subnetRouteTable(context: CommandContext, nic: unknown): Promise<string | null> {
  const ipConfigurations = propertiesOf(nic)['ipConfigurations'];
  const first: unknown = Array.isArray(ipConfigurations) ? ipConfigurations[0] : undefined;
  const subnet = propertiesOf(first)['subnet'];
  if (!isRecord(subnet) || typeof subnet['id'] !== 'string') return null;
  const routeTable = propertiesOf(await context.client.get(subnet['id']))['routeTable'];
  return isRecord(routeTable) && typeof routeTable['id'] === 'string' ? routeTable['id'] : null;
}

interface CreateOptions {
  resourceGroup: string;
  name: string;
  subnet: string;
  vnetName?: string | undefined;
  privateIpAddress?: string | undefined;
  location?: string | undefined;
  tags?: string[] | undefined;
}

function nicBody(context: CommandContext, options: CreateOptions): Record<string, unknown> {
  if (!options.subnet.startsWith('/') && options.vnetName === undefined)
    throw new CliError(
      CLI_ERROR_CODES.BAD_ARGUMENT,
      '--subnet takes a subnet id, or a subnet name together with --vnet-name',
    );
  const subnetId = context.idOrName(
    options.subnet,
    options.resourceGroup,
    ['virtualNetworks', options.vnetName ?? ''],
    ['subnets', options.subnet],
  );
  const ip =
    options.privateIpAddress === undefined
      ? undefined
      : parseIp(options.privateIpAddress, '--private-ip-address');
  const tags = parseTags(options.tags);
  return {
    location: options.location ?? LOCAL_LOCATION,
    ...(tags === undefined ? {} : { tags }),
    properties: {
      ipConfigurations: [
        {
          name: 'ipconfig1',
          properties: {
            subnet: { id: subnetId },
            privateIPAllocationMethod: ip === undefined ? 'Dynamic' : 'Static',
            ...(ip === undefined ? {} : { privateIPAddress: ip }),
          },
        },
      ],
    },
  };
}

function registerBasicVerbs(group: CommandUnknownOpts): void {
  group
    .command('create')
    .description('create a network interface (a VM) in a subnet')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'network interface name')
    .requiredOption('--subnet <subnet>', 'subnet id, or subnet name with --vnet-name')
    .option('--vnet-name <name>', 'the virtual network of --subnet when it is a name')
    .option('--private-ip-address <ip>', 'static address (default: the first free address from .4)')
    .option('-l, --location <location>', `location (default: ${LOCAL_LOCATION})`)
    .option('--tags <tag...>', 'space-separated tags: key[=value]')
    .addHelpText(
      'after',
      examples(
        'routeserver nic create -g rg1 -n vm1-nic --vnet-name vnet1 --subnet workload --private-ip-address 10.1.1.4',
      ),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const nic = flattenResource(
          await context.client.put(
            nicPath(context, options.resourceGroup, options.name),
            nicBody(context, options),
          ),
        );
        return { json: { NewNIC: nic }, rows: [nic as Record<string, unknown>] };
      });
    });

  group
    .command('show')
    .description('show a network interface')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'network interface name')
    .addHelpText('after', examples('routeserver nic show -g rg1 -n vm1-nic'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => ({
        json: flattenResource(
          await context.client.get(nicPath(context, options.resourceGroup, options.name)),
        ),
      }));
    });

  group
    .command('list')
    .description('list network interfaces in a resource group, or in the subscription without -g')
    .option('-g, --resource-group <name>', 'resource group')
    .addHelpText('after', examples('routeserver nic list -g rg1 -o table'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => ({
        json: flattenResource(
          await context.client.list(listPath(context, options.resourceGroup, 'networkInterfaces')),
        ),
      }));
    });

  group
    .command('delete')
    .description('delete a network interface')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'network interface name')
    .addHelpText('after', examples('routeserver nic delete -g rg1 -n vm1-nic'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        await context.client.delete(nicPath(context, options.resourceGroup, options.name));
        return undefined;
      });
    });
}

function registerRoutingVerbs(group: CommandUnknownOpts): void {
  group
    .command('show-effective-route-table')
    .description(
      "the NIC's effective routes: system, BGP (from the route server) and user routes, with their state",
    )
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'network interface name')
    .addHelpText('after', examples('routeserver nic show-effective-route-table -g rg1 -n vm1-nic -o table'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const result = await context.client.action(
          `${nicPath(context, options.resourceGroup, options.name)}/effectiveRouteTable`,
        );
        return { json: flattenResource(result), rows: rowsOf(result), columns: EFFECTIVE_ROUTE_COLUMNS };
      });
    });

  group
    .command('next-hop')
    .description("the next hop of the NIC's traffic to a destination (longest match in its effective routes)")
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'network interface name')
    .requiredOption('--dest <ip>', 'destination IP address')
    .addHelpText('after', examples('routeserver nic next-hop -g rg1 -n vm1-nic --dest 10.250.1.1'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const destination = parseDestination(options.dest);
        const path = nicPath(context, options.resourceGroup, options.name);
        const nic = await context.client.get(path);
        const table = await context.client.action(`${path}/effectiveRouteTable`);
        const routeTableId = await subnetRouteTable(context, nic);
        return { json: nextHopFromTable(table, destination, options.dest, routeTableId) };
      });
    });
}

export function registerNicCommands(parent: CommandUnknownOpts): void {
  const group = parent
    .command('nic')
    .description('manage network interfaces (VMs) and inspect their routing')
    .addHelpText(
      'after',
      examples(
        'routeserver nic create -g rg1 -n vm1-nic --vnet-name vnet1 --subnet workload',
        'routeserver nic show-effective-route-table -g rg1 -n vm1-nic -o table',
        'routeserver nic next-hop -g rg1 -n vm1-nic --dest 10.250.1.1',
      ),
    );
  registerBasicVerbs(group);
  registerRoutingVerbs(group);
}
