/**
 * The audit log: one line for every write the API answers (PUT, PATCH,
 * DELETE, and POST actions that change something), saying who (the local
 * owner or a service principal's client id and display name), what (the
 * method and the ARM id), and the result (the HTTP status; for a
 * long-running operation the 201/202 that started it). Refused writes are
 * logged too, a 401 with who "unauthenticated". Lines go to the daemon's
 * structured log (src/daemon/logging.ts) at info level, `audit: true`.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { callerOf } from './auth.js';
import { requestAction } from './authorization.js';
import { isIdentityPath, type ServicePrincipal } from './identity.js';

const WRITES = new Set(['PUT', 'PATCH', 'DELETE', 'POST']);

interface AuditOptions {
  readonly logger: FastifyBaseLogger;
  readonly principals: readonly ServicePrincipal[];
}

/** Who made a request, as the audit line names them. */
function whoOf(
  caller: ReturnType<typeof callerOf>,
  names: ReadonlyMap<string, string | undefined>,
): Record<string, string> {
  if (caller === undefined) return { who: 'unauthenticated' };
  if (caller.kind === 'owner') return { who: 'local owner' };
  const displayName = names.get(caller.clientId.toLowerCase());
  return {
    who: caller.clientId,
    clientId: caller.clientId,
    ...(displayName === undefined ? {} : { displayName }),
  };
}

export function installAuditLog(app: FastifyInstance, options: AuditOptions): void {
  const names = new Map(options.principals.map((p) => [p.clientId.toLowerCase(), p.displayName]));
  app.addHook('onResponse', async (request, reply) => {
    if (!WRITES.has(request.method) || isIdentityPath(request.url)) return;
    // POSTs that only read (the route views, the directory's getByIds) are not writes
    if (request.method === 'POST') {
      const action = requestAction('POST', request.url);
      if (action === undefined || action.readAction !== undefined) return;
    }
    options.logger.info(
      {
        audit: true,
        ...whoOf(callerOf(request), names),
        method: request.method,
        id: (request.url.split('?')[0] ?? '').replace(/\/+$/, ''),
        status: reply.statusCode,
        requestId: request.id,
      },
      'audit: write',
    );
  });
}
