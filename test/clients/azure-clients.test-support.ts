/**
 * The official Azure clients (az CLI, Python SDK) as scripts/install-azure-clients.sh
 * unpacks them, run against a routeserver daemon started in this process with
 * a service principal declared in its configuration file.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { hashClientSecret } from '../../src/api/index.js';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.js';

export const TENANT = '7e4a1c2b-0d3f-4a5b-9c8d-112233445566';
export const CLIENT = '3f0c9b1e-5a6d-4e7f-8a9b-0c1d2e3f4a5b';
export const SECRET = 'client-secret-for-the-lab-0123456789';
export const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

/** The unpacked clients' tree (installs it on first use; cached afterwards). */
export function azureClientsTree(): string {
  const out = execFileSync('bash', ['scripts/install-azure-clients.sh'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim().split('\n').pop()!;
}

export interface ClientLab {
  readonly daemon: Daemon;
  readonly url: string;
  readonly env: NodeJS.ProcessEnv;
  /** runs `az ARGS…`; resolves with stdout, rejects with stderr on a non-zero exit */
  az(...args: string[]): Promise<string>;
  /** `az` with a configuration directory of its own (`name`): no login, no cached token */
  azIn(name: string): (...args: string[]) => Promise<string>;
  /** runs a Python program with the SDK on its path */
  python(program: string): Promise<string>;
  close(): Promise<void>;
}

/** A service principal of the lab's configuration file besides CLIENT (an Owner of the subscription). */
export interface LabPrincipal {
  readonly clientId: string;
  readonly secret: string;
  readonly displayName: string;
  /** built-in roles, `scope` default the subscription */
  readonly roles?: readonly { readonly role: string; readonly scope?: string }[];
}

export interface ClientLabOptions {
  readonly principals?: readonly LabPrincipal[];
  /** more lines of the configuration file (resources) */
  readonly configuration?: readonly string[];
}

function principalLines(principal: LabPrincipal): string[] {
  const roles = principal.roles ?? [];
  return [
    `    - clientId: ${principal.clientId}`,
    `      secretHash: ${hashClientSecret(principal.secret)}`,
    `      displayName: ${principal.displayName}`,
    ...(roles.length === 0 ? [] : ['      roleAssignments:']),
    ...roles.map((r) => `        - { role: ${r.role}${r.scope === undefined ? '' : `, scope: ${r.scope}`} }`),
  ];
}

/**
 * The configuration file of a server the clients log in to: the lab's
 * tenant, CLIENT as an Owner of the subscription, and `options`' principals
 * and lines.
 */
export function writeClientConfig(root: string, options: ClientLabOptions = {}): string {
  const config = join(root, 'routeserver.yaml');
  const owner: LabPrincipal = {
    clientId: CLIENT,
    secret: SECRET,
    displayName: 'lab automation',
    roles: [{ role: 'Owner' }],
  };
  writeFileSync(
    config,
    [
      'identity:',
      `  tenantId: ${TENANT}`,
      '  servicePrincipals:',
      ...[owner, ...(options.principals ?? [])].flatMap(principalLines),
      'resourceGroup: rg-lab',
      ...(options.configuration ?? []),
      '',
    ].join('\n'),
  );
  return config;
}

export interface ClientRunner {
  readonly env: NodeJS.ProcessEnv;
  az(...args: string[]): Promise<string>;
  azIn(name: string): (...args: string[]) => Promise<string>;
  python(program: string): Promise<string>;
}

/**
 * Runs the clients with `root` as their home and configuration directory,
 * trusting `certPath`; `namespace`: inside that network namespace (a lab
 * node's, where the server listens on its own loopback).
 */
export function clientRunner(root: string, certPath: string, namespace?: string): ClientRunner {
  const tree = azureClientsTree();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: root,
    LANG: 'C.UTF-8',
    PYTHONPATH: join(tree, 'usr/lib/python3/dist-packages'),
    AZURE_CONFIG_DIR: join(root, 'az'),
    REQUESTS_CA_BUNDLE: certPath,
    AZURE_CORE_COLLECT_TELEMETRY: 'false',
    AZURE_CORE_NO_COLOR: 'true',
    AZURE_CORE_ONLY_SHOW_ERRORS: 'true',
  };
  const [command, prefix] =
    namespace === undefined
      ? ['/usr/bin/python3', []]
      : ['ip', ['netns', 'exec', namespace, '/usr/bin/python3']];
  const run = (args: string[], input?: string, extraEnv: NodeJS.ProcessEnv = {}) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(
        command,
        [...prefix, ...args],
        { env: { ...env, ...extraEnv }, timeout: 120_000, maxBuffer: 16 << 20 },
        (error, stdout, stderr) => {
          if (error)
            reject(new Error(`python3 ${args.slice(0, 4).join(' ')} failed: ${stderr || error.message}`));
          else resolve(stdout);
        },
      );
      if (input !== undefined) child.stdin!.end(input);
    });
  return {
    env,
    az: (...args) => run(['-m', 'azure.cli', ...args]),
    azIn:
      (name) =>
      (...args) =>
        run(['-m', 'azure.cli', ...args], undefined, { AZURE_CONFIG_DIR: join(root, `az-${name}`) }),
    python: (program) => run(['-'], program),
  };
}

export async function startClientLab(options: ClientLabOptions = {}): Promise<ClientLab> {
  const root = mkdtempSync(join(tmpdir(), 'rs-clients-'));
  const daemon = await startDaemon({
    dataDir: join(root, 'data'),
    configFile: writeClientConfig(root, options),
    apiListen: { host: '127.0.0.1', port: 0 },
    bgp: { enabled: false },
    logger: pino({ level: 'silent' }),
  });
  const runner = clientRunner(root, daemon.certPath!);
  return {
    daemon,
    url: daemon.apiUrl!,
    ...runner,
    async close() {
      await daemon.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
