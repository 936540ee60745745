/**
 * The two Microsoft Graph reads (https://learn.microsoft.com/graph/api/overview)
 * that `az role assignment` makes to turn a service principal's client id
 * into the object id an assignment names, and to print the principal's
 * name in a list: `GET /v1.0/servicePrincipals?$filter=servicePrincipalNames/any(c:c eq '…')`
 * and `POST /v1.0/directoryObjects/getByIds`. The cloud metadata names the
 * server itself as the Graph resource (identity.ts), so the clients send
 * the token they hold. The directory is the configuration's service
 * principals; a principal's object id is its client id (docs/identity.md).
 */
import type { FastifyInstance } from 'fastify';
import type { ServicePrincipal } from '../identity.js';

const GRAPH_CONTEXT = 'https://graph.microsoft.com/v1.0/$metadata';

function directoryObject(principal: ServicePrincipal) {
  return {
    '@odata.type': '#microsoft.graph.servicePrincipal',
    id: principal.clientId,
    appId: principal.clientId,
    displayName: principal.displayName ?? principal.clientId,
    servicePrincipalNames: [principal.clientId],
    servicePrincipalType: 'Application',
    accountEnabled: true,
  };
}

/** The value of `servicePrincipalNames/any(c:c eq '…')` or `appId eq '…'` in a `$filter`. */
function filteredName(filter: string): string | undefined {
  const match = /(?:eq)\s+'((?:[^']|'')*)'/i.exec(filter);
  return match === null ? undefined : match[1]!.replace(/''/g, "'").toLowerCase();
}

export function registerGraphRoutes(app: FastifyInstance, principals: readonly ServicePrincipal[]): void {
  app.get('/v1.0/servicePrincipals', { schema: { hide: true } }, async (request) => {
    const query = request.query as Record<string, unknown>;
    const filter = Object.entries(query).find(([key]) => key.toLowerCase() === '$filter')?.[1];
    const name = typeof filter === 'string' ? filteredName(filter) : undefined;
    const found = principals.filter((p) => name === undefined || p.clientId.toLowerCase() === name);
    return { '@odata.context': `${GRAPH_CONTEXT}#servicePrincipals`, value: found.map(directoryObject) };
  });

  app.post<{ Body: { ids?: unknown } | undefined }>(
    '/v1.0/directoryObjects/getByIds',
    { schema: { hide: true } },
    async (request) => {
      const ids = Array.isArray(request.body?.ids)
        ? request.body.ids.map((id) => String(id).toLowerCase())
        : [];
      const found = principals.filter((p) => ids.includes(p.clientId.toLowerCase()));
      return { '@odata.context': `${GRAPH_CONTEXT}#directoryObjects`, value: found.map(directoryObject) };
    },
  );
}
