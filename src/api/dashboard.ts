/**
 * The web dashboard's shell (docs/dashboard.md): `GET /` answers the
 * single-page app built by Vite into `dist/web/` (scripts/build.sh), and
 * `/assets/*` its content-hashed scripts and styles. These paths hold no
 * data and need no token: the app's sign-in page asks for one, and every
 * request for data (`/dashboard/api/*`, the ARM paths) goes through the
 * bearer check like any other. `GET /dashboard/api/session` tells the app
 * who signed in; the overview (dashboard-data.ts) says where it may write,
 * so a Reader sees no write action.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { callerOf } from './auth.js';
import type { Authorizer } from './authorization.js';
import { ArmError } from './errors.js';
import type { Caller } from './identity.js';

/** Where the data endpoints of the dashboard live (dashboard-data.ts); behind the bearer token. */
export const DASHBOARD_API_PREFIX = '/dashboard/api';

/**
 * The built app: next to the compiled server (`dist/api/` → `dist/web/`),
 * or, when the server runs from its TypeScript sources, in the checkout's `dist/web/`.
 */
function builtAppDirectory(): string | undefined {
  for (const candidate of ['../web/', '../../dist/web/']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

/** The paths of the app's shell, served without a token (they hold no data). */
export function isDashboardAssetPath(url: string): boolean {
  const path = (url.split('?')[0] ?? '').toLowerCase();
  return path === '/' || path === '/index.html' || path.startsWith('/assets/');
}

/**
 * Headers of the shell: the page itself is revalidated on every load (it
 * names the current asset files); scripts may only come from this origin.
 */
function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('cache-control', 'no-cache')
    .header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    )
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer');
}

/** A PUT of a BGP connection below `scopeId`: what "may write" means for the dashboard. */
function writeProbeUrl(scopeId: string): string {
  return `${scopeId.replace(/\/+$/, '')}/bgpConnections/probe`;
}

/** Whether `caller` may write below each of `scopeIds` (route server ids): the authorizer's answer. */
export async function writableScopes(
  authorizer: Authorizer,
  caller: Caller,
  scopeIds: readonly string[],
): Promise<string[]> {
  const writable: string[] = [];
  for (const id of scopeIds) {
    try {
      await authorizer.authorize(caller, 'PUT', writeProbeUrl(id));
      writable.push(id);
    } catch (error) {
      if (!(error instanceof ArmError) || error.statusCode !== 403) throw error;
    }
  }
  return writable;
}

/** Registers `/`, `/assets/*` (when the app is built) and the session endpoint. */
export async function registerDashboardShell(
  app: FastifyInstance,
  directory: string | undefined = builtAppDirectory(),
): Promise<void> {
  app.get(`${DASHBOARD_API_PREFIX}/session`, { schema: { hide: true } }, async (request) => {
    const caller = callerOf(request) ?? { kind: 'owner' };
    return { principal: caller.kind === 'owner' ? 'owner (API token)' : caller.clientId };
  });
  if (directory === undefined) return;
  const index = readFileSync(`${directory}index.html`);
  const sendIndex = async (_request: unknown, reply: FastifyReply) =>
    pageHeaders(reply).type('text/html; charset=utf-8').send(index);
  app.get('/', { schema: { hide: true } }, sendIndex);
  app.get('/index.html', { schema: { hide: true } }, sendIndex);
  await app.register(fastifyStatic, {
    root: `${directory}assets`,
    prefix: '/assets/',
    index: false,
    // file names carry a hash of their content (Vite): a changed file is a new name
    immutable: true,
    maxAge: '365d',
    decorateReply: false,
    setHeaders: (response) => {
      response.header('x-content-type-options', 'nosniff');
    },
  });
}
