/**
 * Vitest global set-up of both projects: the tests run the `routeserver`
 * command as users do (bin/routeserver.js, which runs the compiled dist/), so
 * dist/ must match the sources; scripts/build.sh recompiles only when they
 * changed. The TCP-MD5 addon (native/tcp-md5, docs/tcp-md5.md) is compiled
 * when its source is newer than the build.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function buildDist(): void {
  execFileSync('bash', [fileURLToPath(new URL('../scripts/build.sh', import.meta.url))], {
    stdio: 'inherit',
  });
  // --if-possible: without a compiler the other tests still run; the TCP-MD5 tests then fail, naming the cause
  execFileSync(
    'sh',
    [fileURLToPath(new URL('../native/tcp-md5/build.sh', import.meta.url)), '--if-possible'],
    {
      stdio: 'inherit',
    },
  );
}
