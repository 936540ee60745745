/**
 * The import direction of docs/architecture.md, as data.
 *
 * A module may import only modules listed before it (lower layers). Within a
 * module any import is allowed. Pure modules may not import I/O builtins.
 */
export const MODULE_ORDER = [
  'src/lib',
  'src/bgp/codec',
  'src/bgp/fsm',
  'src/bgp/session',
  'src/bfd',
  'src/policy',
  'src/rib',
  'src/bmp',
  'src/sdn',
  'src/store',
  'src/runtime',
  'src/routeserver',
  'src/api',
  'src/daemon',
  'src/agent',
  'src/cli',
] as const;

/** Extra bans that the order alone does not express (docs/architecture.md). */
export const FORBIDDEN_EDGES: ReadonlyArray<readonly [from: string, to: string]> = [
  // the CLI is a client of the API over HTTP; it must not reach into the server core
  // (`routeserver serve` starts the server through src/daemon, the composition root)
  ['src/cli', 'src/routeserver'],
  ['src/cli', 'src/store'],
  ['src/cli', 'src/rib'],
  ['src/cli', 'src/sdn'],
  ['src/cli', 'src/bgp/session'],
  ['src/cli', 'src/bgp/fsm'],
  ['src/cli', 'src/runtime'],
  // the BGP runtime gets its configuration and address spaces as plain data, so it
  // can run in another thread or on another host: it never reaches the model or the store
  ['src/runtime', 'src/sdn'],
  ['src/runtime', 'src/store'],
  // BMP export reads sessions and the route engine; the model and the store are none of its business
  ['src/sdn', 'src/bmp'],
  ['src/store', 'src/bmp'],
];

/**
 * Modules whose code may import only the modules listed (besides itself):
 * the management API reaches the rest of the server through the domain
 * service alone, so store and virtual-network errors and types arrive as
 * src/routeserver's. Tests (`*.test.ts`, `*.test-support.ts`) may assemble a
 * real stack beneath the module they test and are not held to this list.
 */
export const ALLOWED_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  'src/api': ['src/routeserver', 'src/lib'],
  // the data-plane agent is an API client on the VM's host: it knows the API's wire format only
  'src/agent': ['src/lib'],
};

/** Modules that do no I/O: the BGP codec and FSM, route engine, policy, SDN model. */
export const PURE_MODULES = ['src/lib', 'src/bgp/codec', 'src/bgp/fsm', 'src/policy', 'src/rib', 'src/sdn'];

export const IO_BUILTINS = [
  'net',
  'fs',
  'fs/promises',
  'child_process',
  'http',
  'https',
  'http2',
  'dgram',
  'tls',
  'cluster',
  'worker_threads',
];
