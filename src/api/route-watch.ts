/**
 * routeserver's extension of ARM: a watch on a NIC's effective route table,
 * `GET …/networkInterfaces/{nic}/effectiveRouteTable?watch=1`, answered as
 * server-sent events (HTML Living Standard, "Server-sent events"); docs/api.md
 * describes the stream. The revisions, the journal used to resume and the
 * watcher cap belong to the domain service (src/routeserver/route-watch.ts);
 * this file owns the HTTP side: names, errors, framing, heartbeats, and the
 * bound on what one slow client may leave buffered.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  isRouteServerError,
  ROUTE_SERVER_ERROR_CODES as E,
  type RouteServerService,
  type RouteWatch,
  type RouteWatchEvent,
} from '../routeserver/index.js';
import { buildResourceId, NETWORK_NAMESPACE } from './arm-id.js';
import { ArmError, resourceNotFound } from './errors.js';
import { assertValidResourceGroupName, assertValidResourceName, assertValidSubscriptionId } from './names.js';

export interface RouteWatchStreamOptions {
  /** a comment line is sent after this long without an event, so clients can tell a dead server */
  readonly heartbeatMs: number;
  /** a client that leaves more than this unread is disconnected (it resumes from its last revision) */
  readonly maxBufferedBytes: number;
  /** the reconnection delay the stream advises (`retry:`) */
  readonly retryMs: number;
}

export const DEFAULT_ROUTE_WATCH_STREAM: RouteWatchStreamOptions = {
  heartbeatMs: 15_000,
  maxBufferedBytes: 8 * 1024 * 1024,
  retryMs: 1000,
};

const WATCH_PATH =
  `/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/${NETWORK_NAMESPACE}` +
  '/networkInterfaces/:networkInterfaceName/effectiveRouteTable';

interface WatchParams {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly networkInterfaceName: string;
}

function queryValue(request: FastifyRequest, name: string): string | undefined {
  const query = request.query as Record<string, unknown>;
  for (const [key, value] of Object.entries(query)) {
    if (key.toLowerCase() === name.toLowerCase())
      return Array.isArray(value) ? String(value[0]) : String(value);
  }
  return undefined;
}

function checkWatchRequest(request: FastifyRequest): WatchParams {
  const params = request.params as WatchParams;
  assertValidSubscriptionId(params.subscriptionId);
  assertValidResourceGroupName(params.resourceGroupName);
  assertValidResourceName('networkInterfaces', params.networkInterfaceName, 'networkInterfaceName');
  const watch = queryValue(request, 'watch');
  if (watch !== '1' && watch !== 'true') {
    throw new ArmError(
      400,
      'InvalidParameter',
      'GET effectiveRouteTable is a watch and needs watch=1; POST effectiveRouteTable returns the table once.',
      { target: 'watch' },
    );
  }
  return params;
}

/** The domain service's refusals of a watch as ARM errors. */
function watchError(error: unknown, params: WatchParams): unknown {
  if (!isRouteServerError(error)) return error;
  if (error.code === E.NOT_FOUND) {
    const type = `${NETWORK_NAMESPACE}/networkInterfaces`;
    return resourceNotFound(type, params.networkInterfaceName, params.resourceGroupName);
  }
  if (error.code === E.WATCH_LIMIT) {
    return new ArmError(429, 'TooManyRequests', error.message, { headers: { 'retry-after': '10' } });
  }
  if (error.code === E.CLOSED) return new ArmError(503, 'ServiceUnavailable', error.message);
  return error;
}

/** One `text/event-stream` event; `data` is one line of JSON. */
function eventText(event: RouteWatchEvent): string {
  const data =
    event.kind === 'snapshot'
      ? { value: event.routes }
      : event.kind === 'change'
        ? { changes: event.changes }
        : {};
  return `id: ${event.revision}\nevent: ${event.kind}\ndata: ${JSON.stringify(data)}\n\n`;
}

function textLength(events: readonly RouteWatchEvent[]): number {
  return events.reduce((sum, event) => sum + Buffer.byteLength(eventText(event)), 0);
}

/** One open watch stream: writes events, sends heartbeats, ends on delete, overflow or close. */
class WatchStream {
  private heartbeat: NodeJS.Timeout | undefined;
  private ended = false;
  watch: RouteWatch | undefined;

  constructor(
    private readonly response: ServerResponse,
    private readonly options: RouteWatchStreamOptions,
    private readonly onEnd: (stream: WatchStream) => void,
  ) {
    response.on('close', () => this.end());
  }

  /** Starts the stream with its first events (a snapshot, or a replay no larger than the bound). */
  open(requestId: string, initial: readonly RouteWatchEvent[]): void {
    this.response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-ms-request-id': requestId,
    });
    this.response.write(`retry: ${this.options.retryMs}\n\n`);
    for (const event of initial) this.write(event);
    if (!this.ended) this.armHeartbeat();
  }

  /**
   * Writes one event. A client that still leaves more than `maxBufferedBytes`
   * unread when the next event is due is disconnected instead (it resumes
   * from its last revision): the stream holds at most the bound and one
   * event, and an event larger than the bound still reaches a client that reads.
   */
  send(event: RouteWatchEvent): void {
    if (this.ended) return;
    if (this.response.writableLength > this.options.maxBufferedBytes) {
      this.response.destroy();
      this.end();
      return;
    }
    this.write(event);
    if (!this.ended) this.armHeartbeat();
  }

  private write(event: RouteWatchEvent): void {
    if (this.ended) return;
    this.response.write(eventText(event));
    if (event.kind === 'deleted') {
      this.response.end();
      this.end();
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.heartbeat);
    this.watch?.stop();
    this.onEnd(this);
    if (!this.response.writableEnded) this.response.end();
  }

  private armHeartbeat(): void {
    clearTimeout(this.heartbeat);
    this.heartbeat = setTimeout(() => {
      if (this.ended) return;
      this.response.write(': heartbeat\n\n');
      this.armHeartbeat();
    }, this.options.heartbeatMs);
  }
}

/** Registers the watch route; open streams end when the server closes. */
export function registerRouteWatch(
  app: FastifyInstance,
  service: RouteServerService,
  options: RouteWatchStreamOptions = DEFAULT_ROUTE_WATCH_STREAM,
): void {
  const open = new Set<WatchStream>();
  app.addHook('preClose', (done) => {
    for (const stream of [...open]) stream.end();
    done();
  });
  app.get(WATCH_PATH, { schema: { hide: true } }, async (request, reply) => {
    const params = checkWatchRequest(request);
    const nicId = buildResourceId(params.subscriptionId, params.resourceGroupName, [
      'networkInterfaces',
      params.networkInterfaceName,
    ]);
    const lastEventId = request.headers['last-event-id'] ?? queryValue(request, 'lastEventId');
    const resumeFrom = Array.isArray(lastEventId) ? lastEventId[0] : lastEventId;
    const stream = new WatchStream(reply.raw, options, (ended) => open.delete(ended));
    let pending: RouteWatchEvent[] = [];
    let opened = false;
    const start = (from: string | undefined) =>
      service.routeWatch
        .watch(nicId, from, (event) => (opened ? stream.send(event) : pending.push(event)))
        .catch((error: unknown) => {
          throw watchError(error, params);
        });
    let watch = await start(resumeFrom);
    if (watch.initial.length > 1 && textLength(watch.initial) > options.maxBufferedBytes) {
      // a replay larger than the bound would cut the stream off before the client read it: a snapshot instead
      watch.stop();
      pending = [];
      watch = await start(undefined);
    }
    stream.watch = watch;
    open.add(stream);
    reply.hijack();
    stream.open(request.id, [...watch.initial, ...pending]);
    opened = true;
    if (request.raw.destroyed) stream.end();
  });
}
