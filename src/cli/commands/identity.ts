/**
 * `routeserver identity hash-secret`: the stored form of a service
 * principal's client secret for the configuration file's
 * `identity.servicePrincipals[].secretHash` (docs/identity.md). The secret
 * is read from standard input, so it stays out of shell history and process
 * listings.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { hashClientSecret } from '../../api/index.js';
import { examples } from '../context.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function registerIdentityCommands(program: CommandUnknownOpts): void {
  const identity = program
    .command('identity')
    .description('service principals that log in to the API')
    .addHelpText(
      'after',
      examples(
        'routeserver identity create-principal >> principals.yaml',
        'routeserver identity hash-secret < secret.txt',
      ),
    );
  identity
    .command('hash-secret')
    .description('print the secretHash of a client secret read from standard input')
    .addHelpText('after', examples('routeserver identity hash-secret < secret.txt'))
    .action(async () => {
      const secret = await readStdin();
      if (secret.length < 16) {
        console.error('identity hash-secret: the secret must be at least 16 characters');
        process.exitCode = 2;
        return;
      }
      console.log(hashClientSecret(secret));
    });
  identity
    .command('create-principal')
    .description(
      'print a new client id, a random secret and its secretHash (YAML for the configuration file)',
    )
    .addHelpText('after', examples('routeserver identity create-principal'))
    .action(() => {
      const secret = randomBytes(24).toString('base64url');
      const clientId = randomUUID();
      console.log(`# client secret (shown once; give it to the client, it is not stored): ${secret}`);
      console.log(`- clientId: ${clientId}`);
      console.log(`  secretHash: ${hashClientSecret(secret)}`);
    });
}
