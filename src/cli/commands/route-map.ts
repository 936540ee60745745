/**
 * `routeserver route-map create|update|show|list|delete|evaluate`
 * (docs/route-maps.md): a route server's route maps
 * (`virtualHubs/{name}/routeMaps`), in the style of
 * `az network vhub route-map`. Rules come as a list (`--rules`, JSON or YAML,
 * inline or `@file`) or one at a time from flags; the API checks them and a
 * refusal prints its 400 as every verb does. `evaluate` is the dry run (POST
 * `…/evaluate`): what the stored map would change on a peering's current
 * routes, per instance.
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { examples, isRecord, propertiesOf, runVerb, type CommandContext } from '../context.js';
import { CLI_ERROR_CODES, CliError } from '../errors.js';
import { flattenResource, type Column } from '../output.js';
import {
  evaluationRows,
  hasOneRule,
  oneRule,
  readRules,
  ruleRows,
  withoutRules,
  withRule,
  type OneRuleOptions,
  type Rule,
} from './route-map-rules.js';
import { hubPath } from './routeserver.js';

function mapPath(context: CommandContext, resourceGroup: string, routeServer: string, name: string): string {
  return `${hubPath(context, resourceGroup, routeServer)}/routeMaps/${name}`;
}

const nameOf = (reference: unknown): string =>
  isRecord(reference) && typeof reference['id'] === 'string' ? reference['id'].split('/').pop()! : '';

const names = (value: unknown): string[] => (Array.isArray(value) ? value.map(nameOf) : []);

const MAP_COLUMNS: readonly Column[] = [
  { header: 'Name', value: (row) => row['name'] },
  { header: 'Rules', value: (row) => (Array.isArray(row['rules']) ? row['rules'].length : 0) },
  { header: 'InboundConnections', value: (row) => names(row['associatedInboundConnections']) },
  { header: 'OutboundConnections', value: (row) => names(row['associatedOutboundConnections']) },
  { header: 'ProvisioningState', value: (row) => row['provisioningState'] },
  { header: 'ResourceGroup', value: (row) => row['resourceGroup'] },
];

const RULE_COLUMNS: readonly Column[] = [
  { header: 'Rule', value: (row) => row['rule'] },
  { header: 'Match', value: (row) => row['match'] },
  { header: 'Actions', value: (row) => row['actions'] },
  { header: 'NextStep', value: (row) => row['nextStep'] },
];

const EVALUATION_COLUMNS: readonly Column[] = [
  { header: 'Instance', value: (row) => row['instance'] },
  { header: 'Network', value: (row) => row['network'] },
  { header: 'Result', value: (row) => row['result'] },
  { header: 'Rules', value: (row) => row['rules'] },
  { header: 'AsPathBefore', value: (row) => row['asPathBefore'] },
  { header: 'AsPathAfter', value: (row) => row['asPathAfter'] },
  { header: 'CommunitiesBefore', value: (row) => row['communitiesBefore'] },
  { header: 'CommunitiesAfter', value: (row) => row['communitiesAfter'] },
  { header: 'Summary', value: (row) => row['summary'] },
];

/** A map shown with its rules, one table row per rule. */
function shownMap(resource: unknown) {
  const json = flattenResource(resource);
  return { json, rows: ruleRows(isRecord(json) ? json['rules'] : undefined), columns: RULE_COLUMNS };
}

interface RuleOptions extends OneRuleOptions {
  rules?: string;
  removeRule?: string[];
}

/** The options of create and update (withRuleOptions declares them, so commander does not type them). */
interface WriteOptions extends RuleOptions {
  resourceGroup: string;
  routeserver: string;
  name: string;
}

/** The rules to PUT: `--rules` or the current ones, without `--remove-rule`, with the flags' rule. */
function composeRules(options: RuleOptions, current: readonly Rule[]): Rule[] {
  let rules = options.rules === undefined ? [...current] : readRules(options.rules);
  if (options.removeRule !== undefined) rules = withoutRules(rules, options.removeRule);
  if (hasOneRule(options)) rules = withRule(rules, oneRule(options));
  return rules;
}

/** The options of create and update: `--rules`, or one rule from flags. */
function withRuleOptions<T extends CommandUnknownOpts>(command: T): T {
  command
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('--routeserver <name>', 'route server name')
    .requiredOption('-n, --name <name>', 'route map name')
    .option('--rules <rules>', 'the rules, JSON or YAML (a list, or {"rules": [...]}); @file reads a file')
    .option(
      '--rule-name <name>',
      'one rule from the flags below: added, or in place of the rule of this name',
    )
    .option('--match-condition <condition>', 'Equals, Contains (default), NotEquals or NotContains')
    .option('--route-prefix <prefixes...>', 'match: route prefixes')
    .option('--community <communities...>', 'match: communities (ASN:value)')
    .option('--as-path <asns...>', 'match: AS numbers')
    .option('--action <type>', 'Drop, Add, Replace or Remove')
    .option('--action-route-prefix [prefixes...]', 'Replace: summarise into these prefixes')
    .option('--action-community [communities...]', 'Add, Replace (none: remove all) or Remove communities')
    .option('--action-as-path [asns...]', 'Add (prepend) or Replace (none: empty) the AS path')
    .option('--next-step <step>', 'after a match: Continue (default) or Terminate');
  return command;
}

function registerWriteVerbs(group: CommandUnknownOpts): void {
  withRuleOptions(group.command('create').description('create a route map (or replace one) with its rules'))
    .addHelpText(
      'after',
      examples(
        'routeserver route-map create -g rg1 --routeserver rs1 -n from-sdwan --rules @from-sdwan.yaml',
        'routeserver route-map create -g rg1 --routeserver rs1 -n no-lab --rule-name deny --route-prefix 10.99.0.0/16 --action Drop',
        'routeserver route-map create -g rg1 --routeserver rs1 -n tag --rule-name t --action Add --action-community 65001:9',
      ),
    )
    .action(async (given, command) => {
      const options = given as WriteOptions;
      await runVerb(command, async (context) => {
        const path = mapPath(context, options.resourceGroup, options.routeserver, options.name);
        const body = { properties: { rules: composeRules(options, []) } };
        return shownMap(await context.client.put(path, body));
      });
    });

  withRuleOptions(
    group
      .command('update')
      .description("change a route map's rules; peerings that use it apply the change without a reset"),
  )
    .option('--remove-rule <names...>', 'remove the rules of these names')
    .addHelpText(
      'after',
      examples(
        'routeserver route-map update -g rg1 --routeserver rs1 -n from-sdwan --rules @from-sdwan.json',
        'routeserver route-map update -g rg1 --routeserver rs1 -n from-sdwan --rule-name standby --community 65001:200 --action Add --action-as-path 65001 65001',
        'routeserver route-map update -g rg1 --routeserver rs1 -n from-sdwan --remove-rule standby',
      ),
    )
    .action(async (given, command) => {
      const options = given as WriteOptions;
      await runVerb(command, async (context) => {
        if (options.rules === undefined && options.removeRule === undefined && !hasOneRule(options))
          throw new CliError(
            CLI_ERROR_CODES.BAD_ARGUMENT,
            'nothing to change: give --rules, --remove-rule or a rule (--rule-name …)',
          );
        const path = mapPath(context, options.resourceGroup, options.routeserver, options.name);
        const current = propertiesOf(await context.client.get(path))['rules'];
        const rules = composeRules(options, Array.isArray(current) ? current.filter(isRecord) : []);
        return shownMap(await context.client.put(path, { properties: { rules } }));
      });
    });
}

/** `inbound` as `Inbound`; anything else goes to the API as given (its 400 names it). */
function direction(value: string | undefined): string {
  if (value === undefined) return 'Inbound';
  return ['Inbound', 'Outbound'].find((d) => d.toLowerCase() === value.toLowerCase()) ?? value;
}

function registerReadVerbs(group: CommandUnknownOpts): void {
  group
    .command('show')
    .description('show a route map; -o table lists its rules')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('--routeserver <name>', 'route server name')
    .requiredOption('-n, --name <name>', 'route map name')
    .addHelpText(
      'after',
      examples('routeserver route-map show -g rg1 --routeserver rs1 -n from-sdwan -o table'),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const path = mapPath(context, options.resourceGroup, options.routeserver, options.name);
        return shownMap(await context.client.get(path));
      });
    });

  group
    .command('list')
    .description("list a route server's route maps and the peerings that use them")
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('--routeserver <name>', 'route server name')
    .addHelpText('after', examples('routeserver route-map list -g rg1 --routeserver rs1 -o table'))
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const path = `${hubPath(context, options.resourceGroup, options.routeserver)}/routeMaps`;
        return { json: flattenResource(await context.client.list(path)), columns: MAP_COLUMNS };
      });
    });

  group
    .command('delete')
    .description('delete a route map (refused while a peering uses it)')
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('--routeserver <name>', 'route server name')
    .requiredOption('-n, --name <name>', 'route map name')
    .option('-y, --yes', 'do not prompt for confirmation (accepted for az compatibility; there is no prompt)')
    .addHelpText(
      'after',
      examples('routeserver route-map delete -g rg1 --routeserver rs1 -n from-sdwan --yes'),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        await context.client.delete(
          mapPath(context, options.resourceGroup, options.routeserver, options.name),
        );
        return undefined;
      });
    });

  group
    .command('evaluate')
    .description("dry run: what the stored map would change on a peering's current routes, per instance")
    .requiredOption('-g, --resource-group <name>', 'resource group')
    .requiredOption('--routeserver <name>', 'route server name')
    .requiredOption('-n, --name <name>', 'route map name')
    .requiredOption('--peering <name>', 'the BGP peering (name or id)')
    .option('--direction <direction>', 'Inbound (the routes the peer sends, default) or Outbound')
    .addHelpText(
      'after',
      examples(
        'routeserver route-map evaluate -g rg1 --routeserver rs1 -n from-sdwan --peering sdwan -o table',
        'routeserver route-map evaluate -g rg1 --routeserver rs1 -n to-fw --peering fw --direction Outbound',
      ),
    )
    .action(async (options, command) => {
      await runVerb(command, async (context) => {
        const hub = hubPath(context, options.resourceGroup, options.routeserver);
        const peering = options.peering.startsWith('/')
          ? options.peering
          : `${hub}/bgpConnections/${options.peering}`;
        const body = { connection: { id: peering }, direction: direction(options.direction) };
        const result = await context.client.action(`${hub}/routeMaps/${options.name}/evaluate`, body);
        return { json: result, rows: evaluationRows(result), columns: EVALUATION_COLUMNS };
      });
    });
}

export function registerRouteMapCommands(parent: CommandUnknownOpts): void {
  const group = parent
    .command('route-map')
    .description("manage a route server's route maps (virtualHubs/{name}/routeMaps), docs/route-maps.md")
    .addHelpText(
      'after',
      examples(
        'routeserver route-map create -g rg1 --routeserver rs1 -n from-sdwan --rules @from-sdwan.yaml',
        'routeserver peering update -g rg1 --routeserver rs1 -n sdwan --inbound-route-map from-sdwan',
        'routeserver route-map evaluate -g rg1 --routeserver rs1 -n from-sdwan --peering sdwan -o table',
      ),
    );
  registerWriteVerbs(group);
  registerReadVerbs(group);
}
