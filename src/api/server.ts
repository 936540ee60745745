/**
 * The management API server: HTTPS only, bearer token on every request, ARM
 * conventions (see docs/api.md). Resource handlers register through
 * `ApiServer.registerResource` before `listen()`.
 */

import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { LATEST_API_VERSION } from './api-versions.js';
import { armFrameworkErrors, installArmHooks, MAX_PATH_SEGMENT_LENGTH } from './arm-hooks.js';
import { BearerAuthenticator } from './auth.js';
import { installAuditLog } from './audit.js';
import { Authorizer } from './authorization.js';
import { ensureApiCredentials, tokenSigningKey, type ApiCredentials, type TlsOption } from './credentials.js';
import { registerIdentityRoutes, TokenAuthority, type IdentityOptions } from './identity.js';
import { registerGraphRoutes } from './routes/graph.js';
import { isDashboardAssetPath, registerDashboardShell } from './dashboard.js';
import { registerSubscriptionRoutes, type SubscriptionEntry } from './routes/subscriptions.js';
import {
  assignmentsInForce,
  configuredRecords,
  registerRoleAssignmentRoutes,
  type ConfiguredRoleAssignment,
} from './routes/role-assignments.js';
import type { RoleAssignmentRecords } from '../routeserver/index.js';
import { OperationRegistry } from './lro.js';
import { registerOperationRoutes, type LroSettings } from './lro-routes.js';
import { registerArmResource, type ArmResourceDefinition } from './resource-routes.js';
import {
  checkConnectionLimits,
  closeWhenBodyUnread,
  DEFAULT_CONNECTION_LIMITS,
  limitedHttpsServerFactory,
  type ConnectionLimits,
} from './connection-limits.js';
import { ApiSetupError } from './errors.js';
import { apiTlsOptions } from './tls-policy.js';
import { parsePublicUrl, publicUrlOfListen } from './public-url.js';
import { ProviderOperations, registerOperationsRoute } from './routes/operations.js';

/** Where the OpenAPI document is served (behind the bearer token, like every path). */
export const OPENAPI_PATH = '/openapi.json';

export interface ApiServerOptions {
  readonly dataDir: string;
  readonly listen: { readonly host: string; readonly port: number };
  /** PEM strings or file paths; generated into `<dataDir>/tls/` when absent */
  readonly tls?: TlsOption;
  /** bearer token; read from or generated into `<dataDir>/api-token` when absent */
  readonly token?: string;
  /** pino logger; false or absent = silent */
  readonly logger?: FastifyBaseLogger | false;
  /** `Retry-After` seconds on long-running operations, default 1 */
  readonly retryAfterSeconds?: number;
  /**
   * the URL clients reach the API at, the base of nextLink, Location and Azure-AsyncOperation
   * (public-url.ts); default: from the listen address
   */
  readonly publicUrl?: string;
  /** request body limit, default 4 MiB (ARM's own limit) */
  readonly bodyLimit?: number;
  /** timeouts and connection caps (connection-limits.ts); each defaults to DEFAULT_CONNECTION_LIMITS */
  readonly connectionLimits?: Partial<ConnectionLimits>;
  /** service principals and the token endpoint (identity.ts); without it only the static token is accepted */
  readonly identity?: IdentityOptions;
  /** what `GET /subscriptions` lists (the clients' login reads it) */
  readonly subscriptions?: readonly SubscriptionEntry[];
  /** role assignments made through the API (with the configuration's, authorization.ts) */
  readonly roleAssignments?: RoleAssignmentRecords;
  /** where the audit line of every write goes (audit.ts); absent: no audit log */
  readonly auditLogger?: FastifyBaseLogger;
}

export interface ApiServer {
  readonly app: FastifyInstance;
  readonly credentials: ApiCredentials;
  readonly operations: OperationRegistry;
  readonly lro: LroSettings;
  /** decides each request by role (authorization.ts); the dashboard asks it where a caller may write */
  readonly authorizer: Authorizer;
  /** the subscriptions `GET /subscriptions` lists */
  readonly subscriptionIds: readonly string[];
  registerResource<Body>(definition: ArmResourceDefinition<Body>): void;
  /** starts listening; resolves with the bound address */
  listen(): Promise<{ host: string; port: number; url: string }>;
  close(): Promise<void>;
}

/** The connection limits in force: the defaults with the configured ones; ApiSetupError when invalid. */
function connectionLimitsOf(options: ApiServerOptions): ConnectionLimits {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.connectionLimits };
  const problem = checkConnectionLimits(limits);
  if (problem !== undefined) throw new ApiSetupError('BGPRS_ERR_API_CONFIG', problem);
  return limits;
}

function buildApp(
  options: ApiServerOptions,
  credentials: ApiCredentials,
  limits: ConnectionLimits,
  authenticator: BearerAuthenticator,
): FastifyInstance {
  const logger = options.logger === undefined || options.logger === false ? undefined : options.logger;
  const tls = apiTlsOptions(credentials);
  return Fastify({
    https: tls,
    serverFactory: limitedHttpsServerFactory(tls, limits),
    ...(logger === undefined ? { logger: false } : { loggerInstance: logger }),
    routerOptions: {
      caseSensitive: false,
      ignoreTrailingSlash: true,
      maxParamLength: MAX_PATH_SEGMENT_LENGTH,
    },
    frameworkErrors: armFrameworkErrors(authenticator),
    bodyLimit: options.bodyLimit ?? 4 * 1024 * 1024,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    return503OnClosing: true,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: true },
    },
  });
}

async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'routeserver management API',
        description: 'ARM-compatible Microsoft.Network resources (Azure Route Server semantics)',
        version: LATEST_API_VERSION,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}

export async function createApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const credentials = await ensureApiCredentials({
    dataDir: options.dataDir,
    listenHost: options.listen.host,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.token === undefined ? {} : { token: options.token }),
  });
  const configuredUrl = options.publicUrl === undefined ? undefined : parsePublicUrl(options.publicUrl);
  const publicUrl = { current: configuredUrl ?? publicUrlOfListen(options.listen.host, options.listen.port) };
  const authority =
    options.identity === undefined
      ? undefined
      : new TokenAuthority(tokenSigningKey(options.dataDir), options.identity, () => publicUrl.current);
  const authenticator = new BearerAuthenticator(credentials.token, authority);
  const app = buildApp(options, credentials, connectionLimitsOf(options), authenticator);
  closeWhenBodyUnread(app);
  const operations = new OperationRegistry({
    onUnexpectedError: (operationId, err) =>
      app.log.error({ err, operationId }, 'long-running operation failed'),
  });
  const lro: LroSettings = {
    operations,
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
    get publicUrl() {
      return publicUrl.current;
    },
    set publicUrl(url: string) {
      publicUrl.current = url;
    },
  };
  const principals = options.identity?.principals ?? [];
  const configured: ConfiguredRoleAssignment[] = principals.flatMap((principal) =>
    (principal.roleAssignments ?? []).map((assignment) => ({
      principalId: principal.clientId,
      ...assignment,
    })),
  );
  const configuredInForce = configuredRecords(configured);
  const authorizer = new Authorizer(() => assignmentsInForce(configuredInForce, options.roleAssignments));
  installArmHooks(app, { authenticator, authorizer, isOpenPath: isDashboardAssetPath });
  if (options.auditLogger !== undefined) installAuditLog(app, { logger: options.auditLogger, principals });
  await registerOpenApi(app);
  if (authority !== undefined) {
    registerIdentityRoutes(app, authority, () => publicUrl.current);
    registerGraphRoutes(app, principals);
  }
  registerSubscriptionRoutes(app, options.subscriptions ?? [], authority?.tenantId);
  registerRoleAssignmentRoutes(app, {
    ...(options.roleAssignments === undefined ? {} : { records: options.roleAssignments }),
    configured,
    principals: principals.map((principal) => principal.clientId),
    tenantId: authority?.tenantId ?? '00000000-0000-0000-0000-000000000000',
    subscriptions: options.subscriptions ?? [],
  });
  const providerOperations = new ProviderOperations();
  registerOperationsRoute(app, providerOperations);
  registerOperationRoutes(app, lro);
  await registerDashboardShell(app);
  return {
    app,
    credentials,
    operations,
    lro,
    authorizer,
    subscriptionIds: (options.subscriptions ?? []).map((entry) => entry.subscriptionId),
    registerResource(definition) {
      registerArmResource(app, lro, definition);
      providerOperations.add(definition.types, 'read');
      if (definition.put !== undefined) providerOperations.add(definition.types, 'write');
      if (definition.delete !== undefined) providerOperations.add(definition.types, 'delete');
      for (const action of Object.keys(definition.actions ?? {}))
        providerOperations.add(definition.types, `${action}/action`);
    },
    async listen() {
      await app.listen({ host: options.listen.host, port: options.listen.port });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      if (configuredUrl === undefined) publicUrl.current = publicUrlOfListen(address.address, address.port);
      return { host: address.address, port: address.port, url: `https://${host}:${address.port}` };
    },
    close: () => app.close(),
  };
}
