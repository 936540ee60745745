/**
 * `routeserver peering create|show|list|update|delete|list-learned-routes|list-advertised-routes`,
 * shaped like `az network routeserver peering`: the route server's BGP
 * connections (`virtualHubs/{name}/bgpConnections`) and the routes each
 * instance learned from or advertises to a peer (POST learnedRoutes /
 * advertisedRoutes, answered as `{"RouteServiceRole_IN_0": [...], "RouteServiceRole_IN_1": [...]}`).
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { CLI_ERROR_CODES, CliError } from '../errors.js';
import {
  examples,
  isRecord,
  parseAsn,
  parseIp,
  propertiesOf,
  runVerb,
  type CommandContext,
} from '../context.js';
import { flattenResource, type Column } from '../output.js';
import { hubPath } from './routeserver.js';
import { md5KeyProperty, withMd5KeyOptions } from './peering-md5.js';
import { routingConfigurationProperty, withRouteMapOptions } from './peering-route-maps.js';

function connectionPath(
  context: CommandContext,
  resourceGroup: string,
  routeServer: string,
  name: string,
): string {
  return `${hubPath(context, resourceGroup, routeServer)}/bgpConnections/${name}`;
}

interface BfdOptions {
  bfd?: boolean;
  bfdMinRx?: string;
  bfdMinTx?: string;
  bfdMultiplier?: string;
  bfdMultihop?: string;
}

/** A non-negative integer argument; the API checks the range (docs/bfd.md). */
function parseCount(value: string, what: string): number {
  if (!/^\d+$/.test(value))
    throw new CliError(CLI_ERROR_CODES.BAD_ARGUMENT, `${what} '${value}' is not a whole number`);
  return Number(value);
}

function parseSwitch(value: string, what: string): boolean {
  if (value !== 'true' && value !== 'false')
    throw new CliError(CLI_ERROR_CODES.BAD_ARGUMENT, `${what} '${value}' is not true or false`);
  return value === 'true';
}

/**
 * The peering's `bfd` extension property (docs/bfd.md) from the --bfd
 * options over the current one; undefined when neither gives any.
 */
function bfdProperty(options: BfdOptions, current: unknown): Record<string, unknown> | undefined {
  const bfd: Record<string, unknown> = isRecord(current) ? { ...current } : {};
  if (options.bfd !== undefined) bfd['enabled'] = options.bfd;
  if (options.bfdMinRx !== undefined) bfd['minRx'] = parseCount(options.bfdMinRx, '--bfd-min-rx');
  if (options.bfdMinTx !== undefined) bfd['minTx'] = parseCount(options.bfdMinTx, '--bfd-min-tx');
  if (options.bfdMultiplier !== undefined)
    bfd['multiplier'] = parseCount(options.bfdMultiplier, '--bfd-multiplier');
  if (options.bfdMultihop !== undefined) bfd['multihop'] = parseSwitch(options.bfdMultihop, '--bfd-multihop');
  return Object.keys(bfd).length === 0 ? undefined : bfd;
}

/** The --bfd options of create and update (an extension: Azure's peerings have no BFD). */
function withBfdOptions<T extends CommandUnknownOpts>(command: T): T {
  command
    .option('--bfd', 'turn BFD on: a BFD failure takes the session down at once (docs/bfd.md)')
    .option('--no-bfd', 'turn BFD off (the hold timer alone detects a failure, as in Azure)')
    .option('--bfd-min-rx <ms>', 'BFD Required Min RX interval in ms (50-60000, default 300)')
    .option('--bfd-min-tx <ms>', 'BFD Desired Min TX interval in ms (50-60000, default 300)')
    .option('--bfd-multiplier <n>', 'BFD Detect Mult (2-255, default 3)')
    .option(
      '--bfd-multihop <true|false>',
      'multihop BFD, RFC 5883 (default true; false: single-hop, RFC 5881)',
    );
  return command;
}

interface GracefulRestartOptions {
  gracefulRestart?: boolean;
  restartTime?: string;
  stalePathTime?: string;
}

/**
 * The peering's `gracefulRestart` extension property (docs/graceful-restart.md)
 * from the options over the current one; undefined when neither gives any.
 */
function gracefulRestartProperty(
  options: GracefulRestartOptions,
  current: unknown,
): Record<string, unknown> | undefined {
  const gr: Record<string, unknown> = isRecord(current) ? { ...current } : {};
  if (options.gracefulRestart !== undefined) gr['enabled'] = options.gracefulRestart;
  if (options.restartTime !== undefined)
    gr['restartTime'] = parseCount(options.restartTime, '--restart-time');
  if (options.stalePathTime !== undefined)
    gr['stalePathTime'] = parseCount(options.stalePathTime, '--stale-path-time');
  return Object.keys(gr).length === 0 ? undefined : gr;
}

/** The --graceful-restart options of create and update (an extension: Azure's peerings have none). */
function withGracefulRestartOptions<T extends CommandUnknownOpts>(command: T): T {
  command
    .option(
      '--graceful-restart',
      "turn graceful restart on (RFC 4724): an NVA's routes stay while it restarts (docs/graceful-restart.md)",
    )
    .option('--no-graceful-restart', 'turn graceful restart off (routes go with the session, as in Azure)')
    .option('--restart-time <s>', 'Restart Time we advertise, seconds (1-4095, default 120)')
    .option(
      '--stale-path-time <s>',
      "how long an NVA's stale routes wait for its End-of-RIB, seconds (1-4095, default 360)",
    );
  return command;
}

/** The extension properties of create and update, from the options over the current ones. */
function extensionProperties(
  options: object,
  current: Record<string, unknown>,
  hubId: string,
): Record<string, unknown> {
  const bfd = bfdProperty(options, current['bfd']);
  const gracefulRestart = gracefulRestartProperty(options, current['gracefulRestart']);
  return {
    ...(bfd === undefined ? {} : { bfd }),
    ...(gracefulRestart === undefined ? {} : { gracefulRestart }),
    ...md5KeyProperty(options),
    ...routingConfigurationProperty(options, current, hubId),
  };
}

/** One table row per route, instance first: the map of instance → routes, flattened. */
function routeRows(result: unknown): Record<string, unknown>[] {
  if (!isRecord(result)) return [];
  const rows: Record<string, unknown>[] = [];
  for (const [instance, routes] of Object.entries(result)) {
    if (!Array.isArray(routes)) continue;
    for (const route of routes) if (isRecord(route)) rows.push({ instance, ...route });
  }
  return rows;
}

const ROUTE_COLUMNS: readonly Column[] = [
  { header: 'Instance', value: (row) => row['instance'] },
  { header: 'Network', value: (row) => row['network'] },
  { header: 'NextHop', value: (row) => row['nextHop'] },
  { header: 'SourcePeer', value: (row) => row['sourcePeer'] },
  { header: 'AsPath', value: (row) => row['asPath'] },
  { header: 'Origin', value: (row) => row['origin'] },
  { header: 'Weight', value: (row) => row['weight'] },
  { header: 'LocalAddress', value: (row) => row['localAddress'] },
];

const PEERING_COLUMNS: readonly Column[] = [
  { header: 'Name', value: (row) => row['name'] },
  { header: 'PeerAsn', value: (row) => row['peerAsn'] },
  { header: 'PeerIp', value: (row) => row['peerIp'] },
  { header: 'ConnectionState', value: (row) => row['connectionState'] },
  { header: 'ProvisioningState', value: (row) => row['provisioningState'] },
  { header: 'ResourceGroup', value: (row) => row['resourceGroup'] },
];

function withPeeringColumns(json: unknown) {
  return { json, columns: PEERING_COLUMNS };
}

function routesVerb(group: CommandUnknownOpts, verb: string, action: string, what: string): void {
  group
    .command(verb)
    .description(`list the routes ${what}, per route server instance`)
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('--routeserver <name>', 'route server name')
    .requiredOption('-n, --name <name>', 'peering name')
    .addHelpText(
      'after',
      examples(
        `routeserver peering ${verb} -g rg1 --routeserver rs1 -n nva1`,
        `routeserver peering ${verb} -g rg1 --routeserver rs1 -n nva1 -o table`,
      ),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const path = connectionPath(context, options.resourceGroup, options.routeserver, options.name);
        const result = await context.client.action(`${path}/${action}`);
        return { json: result, rows: routeRows(result), columns: ROUTE_COLUMNS };
      });
    });
}

export function registerPeeringCommands(parent: CommandUnknownOpts): void {
  const group = parent
    .command('peering')
    .description("manage a route server's BGP peerings (virtualHubs/{name}/bgpConnections)")
    .addHelpText(
      'after',
      examples(
        'routeserver peering create -g rg1 --routeserver rs1 -n nva1 --peer-ip 10.1.1.4 --peer-asn 65001',
        'routeserver peering list -g rg1 --routeserver rs1 -o table',
        'routeserver peering list-learned-routes -g rg1 --routeserver rs1 -n nva1',
      ),
    );

  withRouteMapOptions(
    withMd5KeyOptions(
      withGracefulRestartOptions(
        withBfdOptions(
          group
            .command('create')
            .description('add a BGP peer: both route server instances open a session to it (eBGP multihop)')
            .requiredOption('-g, --resource-group <name>', 'resource group')
            .requiredOption('--routeserver <name>', 'route server name')
            .requiredOption('-n, --name <name>', 'peering name')
            .requiredOption('--peer-ip <ip>', "the NVA's address")
            .requiredOption('--peer-asn <asn>', "the NVA's AS number (not one Azure reserves, e.g. 65515)"),
        ),
      ),
    ),
  )
    .addHelpText(
      'after',
      examples(
        'routeserver peering create -g rg1 --routeserver rs1 -n nva1 --peer-ip 10.1.1.4 --peer-asn 65001',
        'routeserver peering create -g rg1 --routeserver rs1 -n nva2 --peer-ip 10.1.1.5 --peer-asn 65002 --bfd --bfd-min-rx 100 --bfd-min-tx 100',
        'routeserver peering create -g rg1 --routeserver rs1 -n nva3 --peer-ip 10.1.1.6 --peer-asn 65003 --graceful-restart --restart-time 120',
        'routeserver peering create -g rg1 --routeserver rs1 -n nva4 --peer-ip 10.1.1.7 --peer-asn 65004 --inbound-route-map from-nva4',
      ),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const path = connectionPath(context, options.resourceGroup, options.routeserver, options.name);
        const body = {
          properties: {
            peerIp: parseIp(options.peerIp, '--peer-ip'),
            peerAsn: parseAsn(options.peerAsn),
            ...extensionProperties(options, {}, hubPath(context, options.resourceGroup, options.routeserver)),
          },
        };
        return withPeeringColumns(flattenResource(await context.client.put(path, body)));
      });
    });

  group
    .command('show')
    .description('show a BGP peering and its connection state')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('--routeserver <name>', 'route server name')
    .requiredOption('-n, --name <name>', 'peering name')
    .addHelpText('after', examples('routeserver peering show -g rg1 --routeserver rs1 -n nva1'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const path = connectionPath(context, options.resourceGroup, options.routeserver, options.name);
        return withPeeringColumns(flattenResource(await context.client.get(path)));
      });
    });

  group
    .command('list')
    .description("list a route server's BGP peerings")
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('--routeserver <name>', 'route server name')
    .addHelpText('after', examples('routeserver peering list -g rg1 --routeserver rs1 -o table'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const path = `${hubPath(context, options.resourceGroup, options.routeserver)}/bgpConnections`;
        return withPeeringColumns(flattenResource(await context.client.list(path)));
      });
    });

  withRouteMapOptions(
    withMd5KeyOptions(
      withGracefulRestartOptions(
        withBfdOptions(
          group
            .command('update')
            .description(
              "change a peering's address, ASN, graceful restart or TCP-MD5 key (its sessions restart) or its BFD or route maps (they do not)",
            )
            .requiredOption('-g, --resource-group <name>', 'resource group')
            .requiredOption('--routeserver <name>', 'route server name')
            .requiredOption('-n, --name <name>', 'peering name')
            .option('--peer-ip <ip>', "the NVA's address")
            .option('--peer-asn <asn>', "the NVA's AS number"),
        ),
      ),
    ),
  )
    .addHelpText(
      'after',
      examples(
        'routeserver peering update -g rg1 --routeserver rs1 -n nva1 --peer-asn 65002',
        'routeserver peering update -g rg1 --routeserver rs1 -n nva1 --bfd --bfd-multiplier 5',
        'routeserver peering update -g rg1 --routeserver rs1 -n nva1 --no-graceful-restart',
        'routeserver peering update -g rg1 --routeserver rs1 -n nva1 --md5-key-file /etc/routeserver/nva1.key',
        'routeserver peering update -g rg1 --routeserver rs1 -n nva1 --outbound-route-map to-nva1',
        'routeserver peering update -g rg1 --routeserver rs1 -n nva1 --no-inbound-route-map',
      ),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const path = connectionPath(context, options.resourceGroup, options.routeserver, options.name);
        const current = propertiesOf(await context.client.get(path));
        const body = {
          properties: {
            peerIp: options.peerIp === undefined ? current['peerIp'] : parseIp(options.peerIp, '--peer-ip'),
            peerAsn: options.peerAsn === undefined ? current['peerAsn'] : parseAsn(options.peerAsn),
            ...extensionProperties(
              options,
              current,
              hubPath(context, options.resourceGroup, options.routeserver),
            ),
          },
        };
        return withPeeringColumns(flattenResource(await context.client.put(path, body)));
      });
    });

  group
    .command('delete')
    .description('remove a BGP peer (both instances close their sessions with a Cease)')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('--routeserver <name>', 'route server name')
    .requiredOption('-n, --name <name>', 'peering name')
    .option('-y, --yes', 'do not prompt for confirmation (accepted for az compatibility; there is no prompt)')
    .addHelpText('after', examples('routeserver peering delete -g rg1 --routeserver rs1 -n nva1 --yes'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        await context.client.delete(
          connectionPath(context, options.resourceGroup, options.routeserver, options.name),
        );
        return undefined;
      });
    });

  routesVerb(group, 'list-learned-routes', 'learnedRoutes', 'the route server learned from the peer');
  routesVerb(group, 'list-advertised-routes', 'advertisedRoutes', 'the route server advertises to the peer');
}
