/**
 * The `routeserver` command. `serve` starts the server; the management verbs
 * are API clients (see docs/architecture.md and docs/cli.md).
 */
import { buildProgram } from './program.js';

await buildProgram().parseAsync(process.argv);
