/**
 * What every API verb shares: the global options, the client built from
 * them, resource paths, argument parsers, and the run wrapper that prints the
 * result or the error (az style) and sets the exit code.
 */
import { isIP } from 'node:net';
import { buildResourceId, type TypeNamePair } from '../api/arm-id.js';
import { LOCAL_SUBSCRIPTION_ID } from '../daemon/defaults.js';
import { ArmClient } from './arm-client.js';
import { resolveConnection } from './connection.js';
import { CLI_ERROR_CODES, CliError, formatError } from './errors.js';
import { render, type CommandResult, type OutputFormat } from './output.js';

interface GlobalOptions {
  readonly endpoint?: string | undefined;
  readonly token?: string | undefined;
  readonly caCert?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly subscription?: string | undefined;
  readonly output?: string | undefined;
}

export interface CommandContext {
  readonly client: ArmClient;
  readonly subscription: string;
  /** `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/{type}/{name}…` */
  id(resourceGroup: string, ...segments: readonly TypeNamePair[]): string;
  /** an id given as is, or built from a name */
  idOrName(value: string, resourceGroup: string, ...segments: readonly TypeNamePair[]): string;
}

function outputFormat(value: string | undefined): OutputFormat {
  const format = (value ?? 'json').toLowerCase();
  if (format === 'json' || format === 'table') return format;
  throw new CliError(CLI_ERROR_CODES.BAD_ARGUMENT, `output format '${value}' is not one of: json, table`);
}

function makeContext(globals: GlobalOptions): CommandContext {
  const client = new ArmClient(resolveConnection(globals));
  const subscription =
    globals.subscription ?? process.env['ROUTESERVER_SUBSCRIPTION'] ?? LOCAL_SUBSCRIPTION_ID;
  const id = (resourceGroup: string, ...segments: readonly TypeNamePair[]) =>
    buildResourceId(subscription, resourceGroup, ...segments);
  return {
    client,
    subscription,
    id,
    idOrName: (value, resourceGroup, ...segments) =>
      value.startsWith('/') ? value : id(resourceGroup, ...segments),
  };
}

/** Runs one verb: builds the context, prints the result, or prints the error and sets exit code 1. */
export async function runVerb(
  command: { optsWithGlobals(): Record<string, unknown> },
  verb: (context: CommandContext) => Promise<CommandResult | undefined>,
): Promise<void> {
  let context: CommandContext | undefined;
  try {
    const globals = globalsOf(command.optsWithGlobals());
    const format = outputFormat(globals.output);
    context = makeContext(globals);
    const result = await verb(context);
    if (result !== undefined) {
      const text = render(result, format);
      if (text.length > 0) process.stdout.write(`${text}\n`);
    }
  } catch (error) {
    process.stderr.write(`${formatError(error)}\n`);
    process.exitCode = 1;
  } finally {
    context?.client.close();
  }
}

function stringOption(values: Record<string, unknown>, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

export function globalsOf(values: Record<string, unknown>): GlobalOptions {
  return {
    endpoint: stringOption(values, 'endpoint'),
    token: stringOption(values, 'token'),
    caCert: stringOption(values, 'caCert'),
    dataDir: stringOption(values, 'dataDir'),
    subscription: stringOption(values, 'subscription'),
    output: stringOption(values, 'output'),
  };
}

// ---- argument parsers (commander's `argParser`) ---------------------------

export function parseBoolean(value: string | boolean | undefined): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  const text = value.toLowerCase();
  if (['true', 'yes', 'y', '1', 'on'].includes(text)) return true;
  if (['false', 'no', 'n', '0', 'off'].includes(text)) return false;
  throw new CliError(CLI_ERROR_CODES.BAD_ARGUMENT, `'${value}' is not a boolean (true or false)`);
}

export function parseAsn(value: string): number {
  const asn = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(asn) || asn > 4294967295) {
    throw new CliError(CLI_ERROR_CODES.BAD_ARGUMENT, `'${value}' is not an AS number (0-4294967295)`);
  }
  return asn;
}

export function parseIp(value: string, what: string): string {
  if (isIP(value) === 0)
    throw new CliError(CLI_ERROR_CODES.BAD_ARGUMENT, `${what} '${value}' is not an IP address`);
  return value;
}

/** `a=b c=d` style tags, as az's --tags */
export function parseTags(values: readonly string[] | undefined): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  const tags: Record<string, string> = {};
  for (const value of values) {
    const equals = value.indexOf('=');
    if (equals === 0) throw new CliError(CLI_ERROR_CODES.BAD_ARGUMENT, `tag '${value}' has no name`);
    if (equals < 0) tags[value] = '';
    else tags[value.slice(0, equals)] = value.slice(equals + 1);
  }
  return tags;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value.properties` of an ARM resource (an empty object when absent). */
export function propertiesOf(resource: unknown): Record<string, unknown> {
  const properties = isRecord(resource) ? resource['properties'] : undefined;
  return isRecord(properties) ? properties : {};
}

/** Examples appended to a command's --help. */
export function examples(...lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((line) => (line.startsWith('#') ? `  ${line}` : `  $ ${line}`)).join('\n')}\n`;
}
