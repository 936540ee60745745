/**
 * `routeserver create|show|list|update|delete`, shaped like
 * `az network routeserver`. A route server is a `virtualHubs` resource
 * (kind RouteServer, sku Standard) plus one ipConfiguration placing it in
 * RouteServerSubnet (docs/azure-behaviour.md §7.1–7.2): create PUTs the hub, then
 * `ipConfigurations/ipconfig1`; delete removes the ipConfiguration first.
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { LOCAL_LOCATION } from '../../daemon/defaults.js';
import { CLI_ERROR_CODES, CliError } from '../errors.js';
import {
  examples,
  isRecord,
  parseBoolean,
  parseTags,
  propertiesOf,
  runVerb,
  type CommandContext,
} from '../context.js';
import { flattenResource } from '../output.js';
import { registerPeeringCommands } from './peering.js';
import { registerRouteMapCommands } from './route-map.js';

const IP_CONFIGURATION_NAME = 'ipconfig1';
const HUB_ROUTING_PREFERENCES = ['ExpressRoute', 'VpnGateway', 'ASPath'];

function hubPreference(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = HUB_ROUTING_PREFERENCES.find((p) => p.toLowerCase() === value.toLowerCase());
  if (match === undefined) {
    throw new CliError(
      CLI_ERROR_CODES.BAD_ARGUMENT,
      `--hub-routing-preference '${value}' is not one of: ${HUB_ROUTING_PREFERENCES.join(', ')}`,
    );
  }
  return match;
}

export function hubPath(context: CommandContext, resourceGroup: string, name: string): string {
  return context.id(resourceGroup, ['virtualHubs', name]);
}

function listPath(context: CommandContext, resourceGroup: string | undefined, type: string): string {
  return resourceGroup === undefined
    ? `/subscriptions/${context.subscription}/providers/Microsoft.Network/${type}`
    : `/subscriptions/${context.subscription}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/${type}`;
}

export { listPath };

interface CreateOptions {
  resourceGroup: string;
  name: string;
  hostedSubnet: string;
  vnetName?: string | undefined;
  publicIpAddress?: string | undefined;
  location?: string | undefined;
  allowB2bTraffic?: string | boolean | undefined;
  hubRoutingPreference?: string | undefined;
  tags?: string[] | undefined;
}

async function createRouteServer(context: CommandContext, options: CreateOptions): Promise<unknown> {
  const { resourceGroup, name } = options;
  if (!options.hostedSubnet.startsWith('/') && options.vnetName === undefined) {
    throw new CliError(
      CLI_ERROR_CODES.BAD_ARGUMENT,
      '--hosted-subnet takes a subnet id, or a subnet name together with --vnet-name',
    );
  }
  const subnetId = context.idOrName(
    options.hostedSubnet,
    resourceGroup,
    ['virtualNetworks', options.vnetName ?? ''],
    ['subnets', options.hostedSubnet],
  );
  const tags = parseTags(options.tags);
  const preference = hubPreference(options.hubRoutingPreference);
  const hub = hubPath(context, resourceGroup, name);
  await context.client.put(hub, {
    location: options.location ?? LOCAL_LOCATION,
    ...(tags === undefined ? {} : { tags }),
    properties: {
      sku: 'Standard',
      allowBranchToBranchTraffic: parseBoolean(options.allowB2bTraffic) ?? false,
      ...(preference === undefined ? {} : { hubRoutingPreference: preference }),
    },
  });
  const publicIp = options.publicIpAddress;
  await context.client.put(`${hub}/ipConfigurations/${IP_CONFIGURATION_NAME}`, {
    properties: {
      subnet: { id: subnetId },
      ...(publicIp === undefined
        ? {}
        : {
            publicIPAddress: {
              id: context.idOrName(publicIp, resourceGroup, ['publicIPAddresses', publicIp]),
            },
          }),
    },
  });
  return context.client.get(hub);
}

interface UpdateOptions {
  resourceGroup: string;
  name: string;
  allowB2bTraffic?: string | boolean | undefined;
  hubRoutingPreference?: string | undefined;
  tags?: string[] | undefined;
}

/** az's generic update: GET, change the given fields, PUT the writable fields back. */
async function updateRouteServer(context: CommandContext, options: UpdateOptions): Promise<unknown> {
  const hub = hubPath(context, options.resourceGroup, options.name);
  const current = await context.client.get(hub);
  const properties = propertiesOf(current);
  const allow = parseBoolean(options.allowB2bTraffic);
  const preference = hubPreference(options.hubRoutingPreference);
  const tags = parseTags(options.tags) ?? (isRecord(current) ? current['tags'] : undefined);
  const writable: Record<string, unknown> = { sku: properties['sku'] ?? 'Standard' };
  for (const key of [
    'allowBranchToBranchTraffic',
    'hubRoutingPreference',
    'virtualRouterAutoScaleConfiguration',
  ]) {
    if (properties[key] !== undefined && properties[key] !== null) writable[key] = properties[key];
  }
  if (allow !== undefined) writable['allowBranchToBranchTraffic'] = allow;
  if (preference !== undefined) writable['hubRoutingPreference'] = preference;
  return context.client.put(hub, {
    location:
      isRecord(current) && typeof current['location'] === 'string' ? current['location'] : LOCAL_LOCATION,
    ...(isRecord(tags) ? { tags } : {}),
    properties: writable,
  });
}

/** Removes the ipConfigurations first (ARM refuses a hub that still has them placed), then the hub. */
async function deleteRouteServer(
  context: CommandContext,
  resourceGroup: string,
  name: string,
): Promise<void> {
  const hub = hubPath(context, resourceGroup, name);
  const found = await context.client.find(hub);
  if (found === undefined) return;
  for (const ipConfiguration of await context.client.list(`${hub}/ipConfigurations`)) {
    if (isRecord(ipConfiguration) && typeof ipConfiguration['id'] === 'string')
      await context.client.delete(ipConfiguration['id']);
  }
  await context.client.delete(hub);
}

/**
 * Adds the route server verbs to `group`: the program itself (`routeserver
 * create …`) and, for commands pasted from az, the hidden group
 * `routeserver create …`.
 */
export function registerRouteServerCommands(group: CommandUnknownOpts): void {
  group
    .command('create')
    .description(
      'create a route server in a RouteServerSubnet (/26 or larger; the two instances take .4 and .5)',
    )
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'route server name')
    .requiredOption('--hosted-subnet <subnet>', 'the RouteServerSubnet: its id, or its name with --vnet-name')
    .option('--vnet-name <name>', 'the virtual network of --hosted-subnet when it is a name')
    .option(
      '--public-ip-address <pip>',
      'public IP id or name (an existing Standard public IP; routeserver needs none)',
    )
    .option('-l, --location <location>', `location (default: ${LOCAL_LOCATION})`)
    .option('--allow-b2b-traffic [bool]', 'allow branch-to-branch traffic (default: false)')
    .option('--hub-routing-preference <preference>', `ExpressRoute (default), VpnGateway or ASPath`)
    .option('--tags <tag...>', 'space-separated tags: key[=value]')
    .addHelpText(
      'after',
      examples(
        'routeserver create -g rg1 -n rs1 --vnet-name vnet1 --hosted-subnet RouteServerSubnet',
        'routeserver create -g rg1 -n rs1 --hosted-subnet /subscriptions/.../subnets/RouteServerSubnet --allow-b2b-traffic true',
      ),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => ({
        json: flattenResource(await createRouteServer(context, options)),
      }));
    });

  group
    .command('show')
    .description('show a route server')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'route server name')
    .addHelpText(
      'after',
      examples('routeserver show -g rg1 -n rs1', 'routeserver show -g rg1 -n rs1 -o table'),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => ({
        json: flattenResource(
          await context.client.get(hubPath(context, options.resourceGroup, options.name)),
        ),
      }));
    });

  group
    .command('list')
    .description('list route servers in a resource group, or in the subscription without -g')
    .option('-g, --resource-group <name>', 'resource group')
    .addHelpText('after', examples('routeserver list -g rg1 -o table', 'routeserver list'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const hubs = await context.client.list(listPath(context, options.resourceGroup, 'virtualHubs'));
        return {
          json: flattenResource(hubs.filter((hub) => !isRecord(hub) || hub['kind'] !== 'VirtualWan')),
        };
      });
    });

  group
    .command('update')
    .description('update a route server')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'route server name')
    .option('--allow-b2b-traffic [bool]', 'allow branch-to-branch traffic: true or false')
    .option('--hub-routing-preference <preference>', 'ExpressRoute, VpnGateway or ASPath')
    .option('--tags <tag...>', 'replace the tags: key[=value] ...')
    .addHelpText(
      'after',
      examples(
        'routeserver update -g rg1 -n rs1 --allow-b2b-traffic true',
        'routeserver update -g rg1 -n rs1 --hub-routing-preference ASPath',
      ),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => ({
        json: flattenResource(await updateRouteServer(context, options)),
      }));
    });

  group
    .command('delete')
    .description(
      'delete a route server (its ipConfiguration first, then the hub); nothing happens when it does not exist',
    )
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'route server name')
    .option('-y, --yes', 'do not prompt for confirmation (accepted for az compatibility; there is no prompt)')
    .addHelpText('after', examples('routeserver delete -g rg1 -n rs1 --yes'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        await deleteRouteServer(context, options.resourceGroup, options.name);
        return undefined;
      });
    });

  registerPeeringCommands(group);
  registerRouteMapCommands(group);
}
