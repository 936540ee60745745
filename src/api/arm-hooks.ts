/**
 * Request pipeline pieces that make fastify speak ARM: request ids, auth,
 * api-version, and error / not-found answers as ARM error bodies instead of
 * fastify's defaults.
 */

import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';
import { isSupportedApiVersion, SUPPORTED_API_VERSIONS } from './api-versions.js';
import { rememberCaller, type BearerAuthenticator } from './auth.js';
import { rememberListFilter, type Authorizer } from './authorization.js';
import { isIdentityPath } from './identity.js';
import { ArmError, toArmError, type ArmErrorDetail } from './errors.js';
import { checkHostHeader } from './public-url.js';
import { armErrorOf } from './routes/edge.js';
import { fromStoreError, RouteServerError } from '../routeserver/index.js';

/** ARM paths need `api-version`; other paths (the OpenAPI document) do not. */
function isArmPath(url: string): boolean {
  const path = url.toLowerCase();
  return path.startsWith('/subscriptions/') || path.startsWith('/providers/');
}

/** The `api-version` query value; ARM treats query parameter names case-insensitively. */
export function apiVersionOf(request: FastifyRequest): string | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  if (query === undefined || query === null) return undefined;
  for (const [key, value] of Object.entries(query)) {
    if (key.toLowerCase() === 'api-version') return Array.isArray(value) ? String(value[0]) : String(value);
  }
  return undefined;
}

/** Paths below Microsoft.Network whose api-version is another provider's: operations, provider registration. */
const NOT_NETWORK_VERSIONED =
  /\/providers\/microsoft\.network(\/locations\/[^/]+\/(operations|operationresults)\/|\/register$|$)/;

/**
 * The api-version every ARM request carries; Microsoft.Network's must be one
 * this server serves, other providers' (Microsoft.Resources: subscriptions)
 * have versions of their own and are served the same whatever it is.
 */
function checkApiVersion(request: FastifyRequest): void {
  const version = apiVersionOf(request);
  if (version === undefined || version.length === 0) {
    throw new ArmError(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
      { target: 'api-version' },
    );
  }
  const path = request.url.toLowerCase().split('?')[0] ?? '';
  // operation status URLs carry the api-version of the request that started them, which may be
  // another provider's (a resource group's delete: Microsoft.Resources), as does provider registration
  const network = path.includes('/providers/microsoft.network') && !NOT_NETWORK_VERSIONED.test(path);
  if (network && !isSupportedApiVersion(version)) {
    throw new ArmError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${version}' is invalid. The supported versions are '${SUPPORTED_API_VERSIONS.join(',')}'.`,
      { target: 'api-version' },
    );
  }
}

function sendArmError(reply: FastifyReply, error: ArmError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(error.statusCode).type('application/json; charset=utf-8').send(error.toBody());
}

function jsonPath(instancePath: string, missing: unknown): string {
  const parts = instancePath.split('/').filter((part) => part.length > 0);
  if (typeof missing === 'string') parts.push(missing);
  return parts.join('.');
}

/** fastify/ajv schema failures → InvalidRequestFormat with one detail per violation. */
function validationError(error: FastifyError): ArmError {
  const where = error.validationContext ?? 'body';
  const details: ArmErrorDetail[] = (error.validation ?? []).map((issue) => {
    const params = issue.params;
    const extra = params.additionalProperty;
    const target = jsonPath(issue.instancePath, params.missingProperty ?? extra);
    const message =
      typeof extra === 'string'
        ? `Could not find member '${extra}' on object at '${jsonPath(issue.instancePath, undefined) || '(root)'}'.`
        : `${target || '(root)'} ${issue.message ?? 'is invalid'}.`;
    return { code: 'InvalidJson', message, target };
  });
  const first = details[0]?.target;
  return new ArmError(400, 'InvalidRequestFormat', `Cannot parse the request ${where}.`, {
    details,
    ...(first === undefined || first.length === 0 ? {} : { target: first }),
  });
}

/**
 * The longest path segment the router matches (fastify's `maxParamLength`):
 * longer than any valid name, so an over-long name reaches the name check
 * and its precise InvalidResourceName; beyond it the router refuses.
 */
export const MAX_PATH_SEGMENT_LENGTH = 2048;

/** Errors the router raises before any hook runs (frameworkErrors). */
function routerError(error: FastifyError): ArmError | undefined {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return new ArmError(
        400,
        'InvalidUri',
        'The request URI is invalid: its path has a malformed %-escape.',
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ArmError(
        400,
        'InvalidResourceName',
        `A name in the request path is longer than ${MAX_PATH_SEGMENT_LENGTH} characters.`,
      );
  }
  return undefined;
}

/** Maps every error the pipeline can raise to an ARM answer. */
function toArmAnswer(error: FastifyError | Error): ArmError {
  if (error instanceof ArmError) return error;
  // a store that did not answer, on any path (a resource group read before a PUT, a role
  // assignment): 503, retryable, as the domain's own writes answer (src/routeserver/core.ts)
  const fromStore = fromStoreError(error);
  if (fromStore instanceof RouteServerError) return armErrorOf(fromStore);
  const fastifyError = error as FastifyError;
  if (fastifyError.validation !== undefined) return validationError(fastifyError);
  const fromRouter = routerError(fastifyError);
  if (fromRouter !== undefined) return fromRouter;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ArmError(
        400,
        'InvalidRequestContent',
        `The request content was invalid and could not be deserialized: ${fastifyError.message}`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ArmError(
        415,
        'UnsupportedMediaType',
        "The content media type is not supported. Only 'application/json' is supported.",
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ArmError(413, 'RequestEntityTooLarge', 'The request content is too large.');
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new ArmError(status, 'BadRequest', fastifyError.message);
  }
  return toArmError(error);
}

interface ArmHookOptions {
  readonly authenticator: BearerAuthenticator;
  /** role-based access control (authorization.ts); without it every authenticated caller may do everything */
  readonly authorizer?: Authorizer;
  /** paths that hold no data and need no token (the dashboard's page and assets, dashboard.ts) */
  readonly isOpenPath?: (url: string) => boolean;
}

/** The headers every answer carries: request ids, caching, HSTS. */
function setArmHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-ms-request-id', request.id);
  const correlation = request.headers['x-ms-correlation-request-id'];
  reply.header('x-ms-correlation-request-id', typeof correlation === 'string' ? correlation : request.id);
  const clientRequestId = request.headers['x-ms-client-request-id'];
  if (typeof clientRequestId === 'string') reply.header('x-ms-client-request-id', clientRequestId);
  reply.header('cache-control', 'no-cache');
  reply.header('strict-transport-security', 'max-age=31536000');
}

/**
 * fastify's `frameworkErrors`: what the router refuses before any hook runs
 * (a malformed %-escape, an over-long segment) answers like everything
 * else — ARM headers, authentication first, then the ARM error.
 */
export function armFrameworkErrors(
  authenticator: BearerAuthenticator,
): NonNullable<FastifyServerOptions['frameworkErrors']> {
  return (error, request, reply) => {
    setArmHeaders(request, reply);
    let answer: ArmError;
    try {
      authenticator.check(request.headers.authorization);
      answer = toArmAnswer(error);
    } catch (refusal) {
      answer = toArmAnswer(refusal as Error);
    }
    void sendArmError(reply, answer);
  };
}

/**
 * A POST whose body is optional (a hub's `effectiveRoutes`) comes from the
 * SDK with `Content-Type: application/json` and no body at all: ARM takes it
 * as no parameters. Every other method still needs a body with that header.
 */
function acceptEmptyActionBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && request.method === 'POST') {
      done(null, undefined);
      return;
    }
    void parseJson(request, body as string, done);
  });
}

export function installArmHooks(app: FastifyInstance, options: ArmHookOptions): void {
  app.removeContentTypeParser(['text/plain']);
  acceptEmptyActionBodies(app);
  app.addHook('onRequest', async (request, reply) => {
    setArmHeaders(request, reply);
    // the discovery documents and the token endpoint are how a client gets a token
    const read = request.method === 'GET' || request.method === 'HEAD';
    if (isIdentityPath(request.url) || (read && options.isOpenPath?.(request.url) === true)) {
      checkHostHeader(request.headers.host);
      return;
    }
    const caller = options.authenticator.check(request.headers.authorization);
    rememberCaller(request, caller);
    checkHostHeader(request.headers.host);
    if (isArmPath(request.url)) checkApiVersion(request);
    const listFilter = await options.authorizer?.authorize(caller, request.method, request.url);
    if (listFilter !== undefined) rememberListFilter(request, listFilter);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const answer = toArmAnswer(error);
    if (answer.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    return sendArmError(reply, answer);
  });
  app.setNotFoundHandler((request, reply) => sendArmError(reply, notFoundAnswer(request)));
}

/** 404 for a path no route serves, shaped as ARM does for an unknown type or path. */
function notFoundAnswer(request: FastifyRequest): ArmError {
  const path = request.url.split('?')[0] ?? '';
  const match = /\/providers\/([^/]+)\/(.+)$/i.exec(path);
  if (match !== null && match[1]!.toLowerCase() === 'microsoft.network') {
    const segments = match[2]!.split('/').filter((_, index) => index % 2 === 0);
    const type = segments.join('/');
    return new ArmError(
      404,
      'InvalidResourceType',
      `The resource type '${type}' could not be found in the namespace 'Microsoft.Network' for api version ` +
        `'${apiVersionOf(request) ?? ''}'.`,
    );
  }
  if (match !== null) {
    return new ArmError(404, 'InvalidResourceNamespace', `The resource namespace '${match[1]}' is invalid.`);
  }
  return new ArmError(404, 'NotFound', `No route serves ${request.method} ${path}.`);
}
