/**
 * Vitest global set-up of both projects: the tests run the `routeserver`
 * command as users do (bin/routeserver.js, which runs the compiled dist/), so
 * dist/ must match the sources; scripts/build.sh recompiles only when they
 * changed.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function buildDist(): void {
  execFileSync('bash', [fileURLToPath(new URL('../scripts/build.sh', import.meta.url))], {
    stdio: 'inherit',
  });
}
