/**
 * The TCP-MD5 options of `routeserver peering create|update`
 * (docs/tcp-md5.md): the key goes into the peering's write-only `md5Key`
 * extension property; `show` and `list` only ever print
 * `md5KeyConfigured`. A key on the command line is visible to other users
 * of the host (ps): `--md5-key-file` reads it from a file instead.
 */
import { readFileSync } from 'node:fs';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { CLI_ERROR_CODES, CliError } from '../errors.js';

interface Md5KeyOptions {
  /** a key, or false for --no-md5-key */
  md5Key?: string | false;
  md5KeyFile?: string;
}

export function withMd5KeyOptions<T extends CommandUnknownOpts>(command: T): T {
  command
    .option('--md5-key <key>', 'TCP-MD5 (RFC 2385) key for the session, 1-80 bytes (docs/tcp-md5.md)')
    .option('--md5-key-file <path>', 'read the TCP-MD5 key from a file (its first line)')
    .option('--no-md5-key', 'remove the TCP-MD5 key (unsigned session, as in Azure)');
  return command;
}

/** The `md5Key` member of the PUT body: absent (keep the stored key), a key, or '' (remove). */
export function md5KeyProperty(options: unknown): { md5Key?: string } {
  const { md5Key, md5KeyFile } = options as Md5KeyOptions;
  if (md5KeyFile !== undefined && md5Key !== undefined)
    throw new CliError(
      CLI_ERROR_CODES.BAD_ARGUMENT,
      'give --md5-key, --md5-key-file or --no-md5-key, not two',
    );
  if (md5Key === false) return { md5Key: '' };
  if (md5Key !== undefined) return { md5Key };
  if (md5KeyFile === undefined) return {};
  let text: string;
  try {
    text = readFileSync(md5KeyFile, 'utf8');
  } catch (error) {
    throw new CliError(
      CLI_ERROR_CODES.BAD_ARGUMENT,
      `--md5-key-file ${md5KeyFile}: ${(error as Error).message}`,
    );
  }
  return { md5Key: text.split(/\r?\n/)[0] ?? '' };
}
