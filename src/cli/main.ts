/**
 * The `routeserver` command. `serve` starts the server; the management verbs
 * are API clients (see docs/architecture.md).
 */
import { readFileSync } from 'node:fs';
import { Command } from '@commander-js/extra-typings';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command()
  .name('routeserver')
  .description('BGP route server with Azure Route Server semantics and an ARM-compatible API')
  .version(pkg.version);

program
  .command('version')
  .description('print the version')
  .action(() => console.log(`routeserver ${pkg.version}`));

await program.parseAsync(process.argv);
