/**
 * `routeserver vnet-gateway`, `local-gateway` and `vpn-connection`
 * (`create|show|list|delete`), shaped like `az network vnet-gateway`,
 * `az network local-gateway` and `az network vpn-connection`: a VPN gateway
 * (active-active, ASN 65515) or an ExpressRoute gateway in the VNet's
 * GatewaySubnet, a VPN site with its BGP settings, and the connection
 * between them (or between the ExpressRoute gateway and a circuit).
 * docs/gateways.md describes what they do.
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { LOCAL_LOCATION } from '../../daemon/defaults.js';
import { CLI_ERROR_CODES, CliError } from '../errors.js';
import { examples, parseAsn, parseIp, parseTags, runVerb, type CommandContext } from '../context.js';
import { flattenResource } from '../output.js';
import { listPath } from './routeserver.js';

interface Family {
  /** the command group, as az names it */
  readonly group: string;
  /** the ARM collection */
  readonly collection: string;
  readonly what: string;
}

const GATEWAY: Family = {
  group: 'vnet-gateway',
  collection: 'virtualNetworkGateways',
  what: 'virtual network gateway',
};
const SITE: Family = {
  group: 'local-gateway',
  collection: 'localNetworkGateways',
  what: 'local network gateway (VPN site)',
};
const CONNECTION: Family = { group: 'vpn-connection', collection: 'connections', what: 'gateway connection' };

const pathOf = (context: CommandContext, family: Family, resourceGroup: string, name: string) =>
  context.id(resourceGroup, [family.collection, name]);

function gatewayType(value: string): 'Vpn' | 'ExpressRoute' {
  const match = (['Vpn', 'ExpressRoute'] as const).find((t) => t.toLowerCase() === value.toLowerCase());
  if (match === undefined)
    throw new CliError(
      CLI_ERROR_CODES.BAD_ARGUMENT,
      `--gateway-type '${value}' is not one of: Vpn, ExpressRoute`,
    );
  return match;
}

/** show, list and delete, the same for the three groups */
function registerReadVerbs(group: CommandUnknownOpts, family: Family): void {
  group
    .command('show')
    .description(`show a ${family.what}`)
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'name')
    .addHelpText('after', examples(`routeserver ${family.group} show -g rg1 -n name1`))
    .action(async (options, command) => {
      await runVerb(command, async (context) => ({
        json: flattenResource(
          await context.client.get(pathOf(context, family, options.resourceGroup, options.name)),
        ),
      }));
    });
  group
    .command('list')
    .description(`list ${family.what}s in a resource group, or in the subscription without -g`)
    .option('-g, --resource-group <name>', 'resource group')
    .addHelpText('after', examples(`routeserver ${family.group} list -o table`))
    .action(async (options, command) => {
      await runVerb(command, async (context) => ({
        json: flattenResource(
          await context.client.list(listPath(context, options.resourceGroup, family.collection)),
        ),
      }));
    });
  group
    .command('delete')
    .description(`delete a ${family.what} (refused while a connection names it)`)
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'name')
    .addHelpText('after', examples(`routeserver ${family.group} delete -g rg1 -n name1`))
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        await context.client.delete(pathOf(context, family, options.resourceGroup, options.name));
        return undefined;
      });
    });
}

function registerVnetGatewayGroup(parent: CommandUnknownOpts): void {
  const group = parent
    .command(GATEWAY.group)
    .description('manage VPN and ExpressRoute gateways (docs/gateways.md)')
    .addHelpText(
      'after',
      examples('routeserver vnet-gateway create -g rg1 -n vpngw --vnet vnet1 --gateway-type Vpn'),
    );
  group
    .command('create')
    .description("create a gateway in the VNet's GatewaySubnet (a VPN gateway is active-active, ASN 65515)")
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'gateway name')
    .requiredOption('--vnet <name>', 'the VNet whose GatewaySubnet the gateway uses')
    .option('--gateway-type <type>', 'Vpn or ExpressRoute (default: Vpn)')
    .option('--sku <sku>', 'SKU name, kept as given (default: VpnGw1AZ or ErGw1AZ)')
    .option('--asn <asn>', 'BGP ASN; 65515 is the only one a gateway next to a route server may have')
    .option('-l, --location <location>', `location (default: ${LOCAL_LOCATION})`)
    .option('--tags <tag...>', 'space-separated tags: key[=value]')
    .addHelpText(
      'after',
      examples(
        'routeserver vnet-gateway create -g rg1 -n vpngw --vnet vnet1 --gateway-type Vpn',
        'routeserver vnet-gateway create -g rg1 -n ergw --vnet vnet1 --gateway-type ExpressRoute',
      ),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const type = gatewayType(options.gatewayType ?? 'Vpn');
        const subnet = {
          id: `${context.id(options.resourceGroup, ['virtualNetworks', options.vnet])}/subnets/GatewaySubnet`,
        };
        const names = type === 'Vpn' ? ['vnetGatewayConfig0', 'vnetGatewayConfig1'] : ['vnetGatewayConfig0'];
        const tags = parseTags(options.tags);
        const body = {
          location: options.location ?? LOCAL_LOCATION,
          ...(tags === undefined ? {} : { tags }),
          properties: {
            gatewayType: type,
            ...(type === 'Vpn' ? { vpnType: 'RouteBased', activeActive: true, enableBgp: true } : {}),
            ...(options.sku === undefined ? {} : { sku: { name: options.sku, tier: options.sku } }),
            ...(options.asn === undefined ? {} : { bgpSettings: { asn: parseAsn(options.asn) } }),
            ipConfigurations: names.map((name) => ({ name, properties: { subnet } })),
          },
        };
        const path = pathOf(context, GATEWAY, options.resourceGroup, options.name);
        return { json: { vnetGateway: flattenResource(await context.client.put(path, body)) } };
      });
    });
  registerReadVerbs(group, GATEWAY);
}

function registerSiteCommands(parent: CommandUnknownOpts): void {
  const group = parent
    .command(SITE.group)
    .description('manage local network gateways: VPN sites and their BGP settings')
    .addHelpText(
      'after',
      examples(
        'routeserver local-gateway create -g rg1 -n branch --asn 65010 --bgp-peering-address 192.168.10.1',
      ),
    );
  group
    .command('create')
    .description('create or update a VPN site')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'local network gateway name')
    .option('--local-address-prefixes <prefix...>', "the site's address prefixes")
    .option('--gateway-ip-address <ip>', "the site's VPN device address (kept; the tunnel is the operator's)")
    .option('--asn <asn>', "the site's BGP ASN")
    .option('--bgp-peering-address <ip>', "the site's BGP address")
    .option('--peer-weight <weight>', 'BGP peer weight, 0-100')
    .option('-l, --location <location>', `location (default: ${LOCAL_LOCATION})`)
    .option('--tags <tag...>', 'space-separated tags: key[=value]')
    .addHelpText(
      'after',
      examples(
        'routeserver local-gateway create -g rg1 -n branch --local-address-prefixes 192.168.10.0/24 --asn 65010 --bgp-peering-address 192.168.10.1',
      ),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        if ((options.asn === undefined) !== (options.bgpPeeringAddress === undefined))
          throw new CliError(CLI_ERROR_CODES.BAD_ARGUMENT, '--asn and --bgp-peering-address go together');
        const tags = parseTags(options.tags);
        const body = {
          location: options.location ?? LOCAL_LOCATION,
          ...(tags === undefined ? {} : { tags }),
          properties: {
            localNetworkAddressSpace: { addressPrefixes: options.localAddressPrefixes ?? [] },
            ...(options.gatewayIpAddress === undefined
              ? {}
              : { gatewayIpAddress: parseIp(options.gatewayIpAddress, '--gateway-ip-address') }),
            ...(options.asn === undefined || options.bgpPeeringAddress === undefined
              ? {}
              : {
                  bgpSettings: {
                    asn: parseAsn(options.asn),
                    bgpPeeringAddress: parseIp(options.bgpPeeringAddress, '--bgp-peering-address'),
                    ...(options.peerWeight === undefined ? {} : { peerWeight: Number(options.peerWeight) }),
                  },
                }),
          },
        };
        const path = pathOf(context, SITE, options.resourceGroup, options.name);
        return { json: flattenResource(await context.client.put(path, body)) };
      });
    });
  registerReadVerbs(group, SITE);
}

function registerConnectionCommands(parent: CommandUnknownOpts): void {
  const group = parent
    .command(CONNECTION.group)
    .description(
      'manage gateway connections: a VPN gateway to a VPN site, an ExpressRoute gateway to a circuit',
    )
    .addHelpText(
      'after',
      examples(
        'routeserver vpn-connection create -g rg1 -n to-branch --vnet-gateway1 vpngw --local-gateway2 branch --enable-bgp',
      ),
    );
  group
    .command('create')
    .description('connect a gateway to a VPN site (IPsec) or to an ExpressRoute circuit')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('-n, --name <name>', 'connection name')
    .requiredOption('--vnet-gateway1 <name>', 'the VNet gateway')
    .option('--local-gateway2 <name>', 'the VPN site (IPsec connection)')
    .option('--express-route-circuit2 <name>', 'the circuit (ExpressRoute connection)')
    .option('--enable-bgp', 'peer with the VPN site over BGP')
    .option('--shared-key <key>', 'accepted as az takes it, not stored (the tunnel is the operator’s)')
    .option('--routing-weight <weight>', 'routing weight, 0-32000')
    .option('-l, --location <location>', `location (default: ${LOCAL_LOCATION})`)
    .option('--tags <tag...>', 'space-separated tags: key[=value]')
    .addHelpText(
      'after',
      examples(
        'routeserver vpn-connection create -g rg1 -n to-branch --vnet-gateway1 vpngw --local-gateway2 branch --enable-bgp',
        'routeserver vpn-connection create -g rg1 -n to-edge --vnet-gateway1 ergw --express-route-circuit2 edge',
      ),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const site = options.localGateway2;
        const circuit = options.expressRouteCircuit2;
        if ((site === undefined) === (circuit === undefined))
          throw new CliError(
            CLI_ERROR_CODES.BAD_ARGUMENT,
            'give exactly one of --local-gateway2 and --express-route-circuit2',
          );
        const rg = options.resourceGroup;
        const tags = parseTags(options.tags);
        const body = {
          location: options.location ?? LOCAL_LOCATION,
          ...(tags === undefined ? {} : { tags }),
          properties: {
            connectionType: site === undefined ? 'ExpressRoute' : 'IPsec',
            virtualNetworkGateway1: { id: pathOf(context, GATEWAY, rg, options.vnetGateway1) },
            ...(site === undefined ? {} : { localNetworkGateway2: { id: pathOf(context, SITE, rg, site) } }),
            ...(circuit === undefined
              ? {}
              : { peer: { id: context.id(rg, ['expressRouteCircuits', circuit]) } }),
            enableBgp: options.enableBgp === true,
            ...(options.sharedKey === undefined ? {} : { sharedKey: options.sharedKey }),
            ...(options.routingWeight === undefined ? {} : { routingWeight: Number(options.routingWeight) }),
          },
        };
        const path = pathOf(context, CONNECTION, rg, options.name);
        return { json: { resource: flattenResource(await context.client.put(path, body)) } };
      });
    });
  registerReadVerbs(group, CONNECTION);
}

export function registerGatewayCommands(parent: CommandUnknownOpts): void {
  registerVnetGatewayGroup(parent);
  registerSiteCommands(parent);
  registerConnectionCommands(parent);
}
