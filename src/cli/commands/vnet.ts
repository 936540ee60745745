/**
 * `routeserver vnet create|show|list|delete`, `vnet subnet create|list|show`
 * and `vnet peering create|list`, shaped like `az network vnet`.
 * `vnet create` prints `{"newVNet": …}` as az does.
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { LOCAL_LOCATION } from '../../daemon/defaults.js';
import { examples, parseBoolean, parseTags, runVerb, type CommandContext } from '../context.js';
import { flattenResource } from '../output.js';
import { listPath } from './routeserver.js';

function vnetPath(context: CommandContext, resourceGroup: string, name: string): string {
  return context.id(resourceGroup, ['virtualNetworks', name]);
}

interface VnetCreateOptions {
  resourceGroup: string;
  name: string;
  addressPrefixes: string[];
  subnetName?: string | undefined;
  subnetPrefixes?: string[] | undefined;
  location?: string | undefined;
  tags?: string[] | undefined;
}

function vnetBody(options: VnetCreateOptions): Record<string, unknown> {
  const tags = parseTags(options.tags);
  const subnetPrefix = options.subnetPrefixes?.[0];
  const subnets =
    options.subnetName === undefined
      ? undefined
      : [
          {
            name: options.subnetName,
            properties: { addressPrefix: subnetPrefix ?? options.addressPrefixes[0] },
          },
        ];
  return {
    location: options.location ?? LOCAL_LOCATION,
    ...(tags === undefined ? {} : { tags }),
    properties: {
      addressSpace: { addressPrefixes: options.addressPrefixes },
      ...(subnets === undefined ? {} : { subnets }),
    },
  };
}

function registerVnetVerbs(group: CommandUnknownOpts): void {
  group
    .command('create')
    .description('create a virtual network, optionally with a first subnet')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'virtual network name')
    .requiredOption('--address-prefixes <prefix...>', 'address space, space-separated CIDR prefixes')
    .option('--subnet-name <name>', 'name of a first subnet')
    .option('--subnet-prefixes <prefix...>', 'its prefix (default: the first address prefix)')
    .option('-l, --location <location>', `location (default: ${LOCAL_LOCATION})`)
    .option('--tags <tag...>', 'space-separated tags: key[=value]')
    .addHelpText(
      'after',
      examples(
        'routeserver vnet create -g rg1 -n vnet1 --address-prefixes 10.1.0.0/16',
        'routeserver vnet create -g rg1 -n vnet1 --address-prefixes 10.1.0.0/16 --subnet-name RouteServerSubnet --subnet-prefixes 10.1.0.0/26',
      ),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const vnet = await context.client.put(
          vnetPath(context, options.resourceGroup, options.name),
          vnetBody(options),
        );
        const flat = flattenResource(vnet);
        return { json: { newVNet: flat }, rows: [flat as Record<string, unknown>] };
      });
    });

  group
    .command('show')
    .description('show a virtual network with its subnets and peerings')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'virtual network name')
    .addHelpText('after', examples('routeserver vnet show -g rg1 -n vnet1'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => ({
        json: flattenResource(
          await context.client.get(vnetPath(context, options.resourceGroup, options.name)),
        ),
      }));
    });

  group
    .command('list')
    .description('list virtual networks in a resource group, or in the subscription without -g')
    .option('-g, --resource-group <name>', 'resource group')
    .addHelpText('after', examples('routeserver vnet list -o table'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => ({
        json: flattenResource(
          await context.client.list(listPath(context, options.resourceGroup, 'virtualNetworks')),
        ),
      }));
    });

  group
    .command('delete')
    .description('delete a virtual network (refused while a route server or NIC uses it)')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'virtual network name')
    .addHelpText('after', examples('routeserver vnet delete -g rg1 -n vnet1'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        await context.client.delete(vnetPath(context, options.resourceGroup, options.name));
        return undefined;
      });
    });
}

function registerSubnetVerbs(vnet: CommandUnknownOpts): void {
  const group = vnet
    .command('subnet')
    .description('manage subnets of a virtual network')
    .addHelpText(
      'after',
      examples(
        'routeserver vnet subnet create -g rg1 --vnet-name vnet1 -n RouteServerSubnet --address-prefixes 10.1.0.0/26',
      ),
    );

  group
    .command('create')
    .description('create a subnet')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('--vnet-name <name>', 'virtual network name')
    .requiredOption(
      '-n, --name <name>',
      'subnet name (a route server needs RouteServerSubnet, /26 or larger)',
    )
    .requiredOption('--address-prefixes <prefix...>', 'the subnet prefix')
    .option('--route-table <table>', 'route table id or name to associate')
    .addHelpText(
      'after',
      examples(
        'routeserver vnet subnet create -g rg1 --vnet-name vnet1 -n RouteServerSubnet --address-prefixes 10.1.0.0/26',
        'routeserver vnet subnet create -g rg1 --vnet-name vnet1 -n workload --address-prefixes 10.1.1.0/24 --route-table rt1',
      ),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const table = options.routeTable;
        const body = {
          properties: {
            addressPrefix: options.addressPrefixes[0],
            ...(table === undefined
              ? {}
              : {
                  routeTable: { id: context.idOrName(table, options.resourceGroup, ['routeTables', table]) },
                }),
          },
        };
        const path = `${vnetPath(context, options.resourceGroup, options.vnetName)}/subnets/${options.name}`;
        return { json: flattenResource(await context.client.put(path, body)) };
      });
    });

  group
    .command('show')
    .description('show a subnet')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('--vnet-name <name>', 'virtual network name')
    .requiredOption('-n, --name <name>', 'subnet name')
    .addHelpText('after', examples('routeserver vnet subnet show -g rg1 --vnet-name vnet1 -n workload'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const path = `${vnetPath(context, options.resourceGroup, options.vnetName)}/subnets/${options.name}`;
        return { json: flattenResource(await context.client.get(path)) };
      });
    });

  group
    .command('list')
    .description('list the subnets of a virtual network')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('--vnet-name <name>', 'virtual network name')
    .addHelpText('after', examples('routeserver vnet subnet list -g rg1 --vnet-name vnet1 -o table'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => ({
        json: flattenResource(
          await context.client.list(`${vnetPath(context, options.resourceGroup, options.vnetName)}/subnets`),
        ),
      }));
    });
}

function registerPeeringVerbs(vnet: CommandUnknownOpts): void {
  const group = vnet
    .command('peering')
    .description('manage virtual network peerings')
    .addHelpText(
      'after',
      examples(
        'routeserver vnet peering create -g rg1 -n hub-to-spoke --vnet-name hub --remote-vnet spoke --allow-gateway-transit',
      ),
    );

  group
    .command('create')
    .description('peer a virtual network with another (peer both ways for the peering to be Connected)')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'peering name')
    .requiredOption('--vnet-name <name>', 'the local virtual network')
    .requiredOption(
      '--remote-vnet <vnet>',
      'the remote virtual network: its id, or a name in the same resource group',
    )
    .option('--allow-vnet-access [bool]', 'allow access between the address spaces (default: true)')
    .option(
      '--allow-forwarded-traffic [bool]',
      'allow traffic forwarded from outside the remote VNet (default: false)',
    )
    .option(
      '--allow-gateway-transit [bool]',
      "let the remote VNet use this VNet's gateways and route server (default: false)",
    )
    .option(
      '--use-remote-gateways [bool]',
      "use the remote VNet's gateways and route server (default: false)",
    )
    .addHelpText(
      'after',
      examples(
        'routeserver vnet peering create -g rg1 -n hub-to-spoke --vnet-name hub --remote-vnet spoke --allow-gateway-transit',
        'routeserver vnet peering create -g rg1 -n spoke-to-hub --vnet-name spoke --remote-vnet hub --use-remote-gateways',
      ),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const remote = context.idOrName(options.remoteVnet, options.resourceGroup, [
          'virtualNetworks',
          options.remoteVnet,
        ]);
        const body = {
          properties: {
            remoteVirtualNetwork: { id: remote },
            allowVirtualNetworkAccess: parseBoolean(options.allowVnetAccess) ?? true,
            allowForwardedTraffic: parseBoolean(options.allowForwardedTraffic) ?? false,
            allowGatewayTransit: parseBoolean(options.allowGatewayTransit) ?? false,
            useRemoteGateways: parseBoolean(options.useRemoteGateways) ?? false,
          },
        };
        const path = `${vnetPath(context, options.resourceGroup, options.vnetName)}/virtualNetworkPeerings/${options.name}`;
        return { json: flattenResource(await context.client.put(path, body)) };
      });
    });

  group
    .command('list')
    .description('list the peerings of a virtual network')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('--vnet-name <name>', 'virtual network name')
    .addHelpText('after', examples('routeserver vnet peering list -g rg1 --vnet-name hub -o table'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const path = `${vnetPath(context, options.resourceGroup, options.vnetName)}/virtualNetworkPeerings`;
        return { json: flattenResource(await context.client.list(path)) };
      });
    });
}

export function registerVnetCommands(parent: CommandUnknownOpts): void {
  const group = parent
    .command('vnet')
    .description('manage virtual networks, subnets and peerings')
    .addHelpText(
      'after',
      examples(
        'routeserver vnet create -g rg1 -n vnet1 --address-prefixes 10.1.0.0/16',
        'routeserver vnet subnet create -g rg1 --vnet-name vnet1 -n RouteServerSubnet --address-prefixes 10.1.0.0/26',
      ),
    );
  registerVnetVerbs(group);
  registerSubnetVerbs(group);
  registerPeeringVerbs(group);
}
