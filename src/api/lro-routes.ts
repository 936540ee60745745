/**
 * HTTP side of long-running operations: the status and result resources the
 * SDK pollers GET, and reply helpers that start an operation and set the
 * headers pollers follow (`Azure-AsyncOperation`, `Location`, `Retry-After`).
 *
 * - PUT (create/update): 201 or 200 with the resource body (provisioningState
 *   `Updating`) and `Azure-AsyncOperation`; the status resource reports
 *   InProgress → Succeeded/Failed, then the poller GETs the resource itself.
 * - POST actions: 202 + `Location`; GET on it answers 202 while running, then
 *   200 with the result body.
 * - DELETE: 202 + `Location` and `Azure-AsyncOperation`; the Location answers
 *   202 while running, then 204.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { apiVersionOf } from './arm-hooks.js';
import { ArmErrorSchema } from './arm-resource.js';
import { ArmError } from './errors.js';
import type { OperationRegistry, OperationState } from './lro.js';

export interface LroSettings {
  readonly operations: OperationRegistry;
  /** `Retry-After` seconds sent while an operation runs */
  readonly retryAfterSeconds: number;
  /**
   * the API's public URL (public-url.ts), e.g. `https://rs.example:8443`: the base of every
   * link handed out; set from the bound address at listen() unless configured
   */
  publicUrl: string;
}

const OperationParams = Type.Object({
  subscriptionId: Type.String(),
  location: Type.String(),
  operationId: Type.String(),
});

const OperationStatusSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: Type.Union([
    Type.Literal('InProgress'),
    Type.Literal('Succeeded'),
    Type.Literal('Failed'),
    Type.Literal('Canceled'),
  ]),
  startTime: Type.String(),
  endTime: Type.Optional(Type.String()),
  error: Type.Optional(ArmErrorSchema.properties.error),
});

function operationPath(state: OperationState, kind: 'operations' | 'operationResults'): string {
  const location = encodeURIComponent(state.location);
  return `/subscriptions/${state.subscriptionId}/providers/Microsoft.Network/locations/${location}/${kind}/${state.id}`;
}

export function operationUrls(
  settings: LroSettings,
  request: FastifyRequest,
  state: OperationState,
): { asyncOperation: string; location: string } {
  const version = encodeURIComponent(apiVersionOf(request) ?? '');
  const base = settings.publicUrl;
  return {
    asyncOperation: `${base}${operationPath(state, 'operations')}?api-version=${version}`,
    location: `${base}${operationPath(state, 'operationResults')}?api-version=${version}`,
  };
}

function statusBody(state: OperationState) {
  return {
    id: operationPath(state, 'operations'),
    name: state.id,
    status: state.status,
    startTime: state.startTime,
    ...(state.endTime === undefined ? {} : { endTime: state.endTime }),
    ...(state.error === undefined ? {} : { error: state.error }),
  };
}

function unknownOperation(operationId: string): ArmError {
  return new ArmError(404, 'NotFound', `The operation '${operationId}' was not found or has expired.`);
}

export function registerOperationRoutes(app: FastifyInstance, settings: LroSettings): void {
  const prefix = '/subscriptions/:subscriptionId/providers/Microsoft.Network/locations/:location';
  app.get(
    `${prefix}/operations/:operationId`,
    {
      schema: {
        summary: 'Status of a long-running operation (Azure-AsyncOperation)',
        tags: ['operations'],
        params: OperationParams,
        response: { 200: OperationStatusSchema, default: ArmErrorSchema },
      },
    },
    async (request, reply) => {
      const { subscriptionId, operationId } = request.params as {
        subscriptionId: string;
        operationId: string;
      };
      const state = await settings.operations.find(subscriptionId, operationId);
      if (state === undefined) throw unknownOperation(operationId);
      if (state.status === 'InProgress') reply.header('retry-after', String(settings.retryAfterSeconds));
      return statusBody(state);
    },
  );
  app.get(
    `${prefix}/operationResults/:operationId`,
    {
      schema: {
        summary: 'Result of a long-running operation (Location)',
        description:
          '202 while running; then the result body (200), 204, or the ARM error of a failed operation',
        tags: ['operations'],
        params: OperationParams,
      },
    },
    async (request, reply) => {
      const { subscriptionId, operationId } = request.params as {
        subscriptionId: string;
        operationId: string;
      };
      const state = await settings.operations.find(subscriptionId, operationId);
      if (state === undefined) throw unknownOperation(operationId);
      return sendOperationResult(reply, request, settings, state);
    },
  );
}

function sendOperationResult(
  reply: FastifyReply,
  request: FastifyRequest,
  settings: LroSettings,
  state: OperationState,
): FastifyReply {
  if (state.status === 'InProgress') {
    const urls = operationUrls(settings, request, state);
    reply.header('location', urls.location).header('retry-after', String(settings.retryAfterSeconds));
    return reply.code(202).send();
  }
  if (state.status === 'Failed' || state.status === 'Canceled') {
    const error = state.error ?? { code: 'OperationFailed', message: 'The operation failed.' };
    return reply.code(state.errorStatusCode ?? 500).send({ error });
  }
  if (state.result === undefined) return reply.code(204).send();
  return reply.code(200).send(state.result);
}

/**
 * Starts `work` as an operation and answers 202 with Location, and
 * Azure-AsyncOperation unless `locationOnly`. POST actions whose result is a
 * map (learnedRoutes' PeerRouteList) must answer with Location only: the
 * SDK would read the status resource through the result's dictionary mapper
 * (`final-state-via: location`, as ARM answers them).
 */
export function replyAccepted(
  reply: FastifyReply,
  request: FastifyRequest,
  settings: LroSettings,
  subscriptionId: string,
  location: string,
  work: Promise<unknown>,
  options: { locationOnly?: boolean } = {},
): FastifyReply {
  const state = settings.operations.start(subscriptionId, location, work);
  const urls = operationUrls(settings, request, state);
  reply.code(202).header('location', urls.location);
  if (options.locationOnly !== true) reply.header('azure-asyncoperation', urls.asyncOperation);
  return reply.header('retry-after', String(settings.retryAfterSeconds)).send();
}

/** Answers a PUT whose effect completes later: status 200/201, the body, Azure-AsyncOperation. */
export function replyAsyncPut(
  reply: FastifyReply,
  request: FastifyRequest,
  settings: LroSettings,
  options: {
    statusCode: 200 | 201;
    body: unknown;
    subscriptionId: string;
    location: string;
    work: Promise<unknown>;
  },
): FastifyReply {
  const state = settings.operations.start(options.subscriptionId, options.location, options.work);
  const urls = operationUrls(settings, request, state);
  return reply
    .code(options.statusCode)
    .header('azure-asyncoperation', urls.asyncOperation)
    .header('retry-after', String(settings.retryAfterSeconds))
    .send(options.body);
}
