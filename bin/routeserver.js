#!/usr/bin/env node
// Entry point of the `routeserver` command: runs the compiled JavaScript in
// dist/ (built by `npm run build`, `npm start`, `npm test` and before packing).
import { existsSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    `ERROR: ${fileURLToPath(main)} is missing; compile the sources first: npm run build\n`,
  );
  process.exit(1);
}
await import(main.href);
