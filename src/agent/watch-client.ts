/**
 * A client of the effective route watch (docs/api.md, "Watching effective
 * routes"): one HTTPS stream per NIC, server-sent events parsed into
 * snapshot / change / deleted messages, and refusals turned into errors
 * that say what to fix. Reconnecting is the caller's (target-sync.ts).
 */
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { AGENT_ERROR_CODES as E, AgentError, type AgentErrorCode } from './errors.js';
import type { EffectiveRow } from './kernel-routes.js';

/** Where the API is and how to authenticate (the CLI's --endpoint, --token, --ca-cert). */
export interface ApiAccess {
  /** base URL, https, no trailing slash */
  readonly endpoint: string;
  readonly token: string;
  /** an extra CA certificate (PEM) to trust */
  readonly ca: string | undefined;
  readonly apiVersion: string;
}

export type WatchMessage =
  | { readonly kind: 'snapshot'; readonly revision: string; readonly rows: readonly EffectiveRow[] }
  | {
      readonly kind: 'change';
      readonly revision: string;
      readonly changes: readonly {
        readonly addressPrefix: string;
        readonly routes: readonly EffectiveRow[];
      }[];
    }
  | { readonly kind: 'deleted'; readonly revision: string };

interface WatchHandlers {
  message(message: WatchMessage): void;
  /** the stream ended: the server closed it, the network failed, or nothing arrived for too long */
  end(error: AgentError): void;
}

export interface OpenWatch {
  close(): void;
}

/**
 * One TLS context per API access, shared by all its watches: building one
 * parses every root certificate, which for hundreds of watches opened at once
 * took longer than the server's TLS handshake timeout.
 */
const secureContexts = new WeakMap<ApiAccess, SecureContext>();

function secureContextOf(access: ApiAccess): SecureContext | undefined {
  if (access.ca === undefined) return undefined;
  let context = secureContexts.get(access);
  if (context === undefined) {
    context = createSecureContext({ ca: [...rootCertificates, access.ca] });
    secureContexts.set(access, context);
  }
  return context;
}

function refusal(status: number, body: string, access: ApiAccess, nicId: string): AgentError {
  let code = '';
  try {
    const armCode = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    if (typeof armCode === 'string') code = armCode;
  } catch {
    // not an ARM error body
  }
  if (status === 401) {
    return new AgentError(
      E.UNAUTHORIZED,
      `the API at ${access.endpoint} refused the token (${code || 401}): pass the server's token with --token ` +
        `or ROUTESERVER_TOKEN (routeserver serve keeps it in <data-dir>/api-token)`,
    );
  }
  if (status === 404) {
    return new AgentError(
      E.UNKNOWN_NIC,
      `the API has no network interface ${nicId} (${code || 404}): check --nic against 'routeserver nic list'`,
    );
  }
  return new AgentError(E.API_REFUSED, `the API answered ${status} ${code} to the watch of ${nicId}`.trim());
}

function networkError(error: Error & { code?: string }, access: ApiAccess): AgentError {
  const tls = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(error.code ?? '');
  const fix = tls
    ? 'trust the server certificate with --ca-cert (routeserver serve writes <data-dir>/tls/cert.pem)'
    : "start 'routeserver serve' there or fix --endpoint";
  return new AgentError(
    E.UNREACHABLE,
    `cannot reach the API at ${access.endpoint} (${error.message}): ${fix}`,
  );
}

function parseMessage(event: string, id: string, data: string): WatchMessage | undefined {
  const body = JSON.parse(data) as { value?: EffectiveRow[]; changes?: [] };
  if (event === 'snapshot') return { kind: 'snapshot', revision: id, rows: body.value ?? [] };
  if (event === 'change') return { kind: 'change', revision: id, changes: body.changes ?? [] };
  if (event === 'deleted') return { kind: 'deleted', revision: id };
  return undefined;
}

/** Splits a text/event-stream into events; comments (heartbeats) only count as life. */
class EventStreamParser {
  private buffer = '';

  constructor(private readonly onEvent: (event: string, id: string, data: string) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = '';
      let id = '';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const value = line.slice(colon + 1).replace(/^ /, '');
        const field = line.slice(0, colon);
        if (field === 'event') event = value;
        else if (field === 'id') id = value;
        else if (field === 'data') data.push(value);
      }
      if (event !== '') this.onEvent(event, id, data.join('\n'));
    }
  }
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    response.on('end', () => resolve(text));
    response.on('error', () => resolve(text));
  });
}

/**
 * Opens the watch of one NIC, resuming after `lastEventId`. Resolves once the
 * server accepted it (200); rejects with an AgentError that names the fix.
 */
export function openWatch(
  access: ApiAccess,
  nicId: string,
  lastEventId: string | undefined,
  handlers: WatchHandlers,
  silenceTimeoutMs: number,
): Promise<OpenWatch> {
  const url = `${access.endpoint}${nicId}/effectiveRouteTable?api-version=${access.apiVersion}&watch=1`;
  return new Promise((resolve, reject) => {
    const secureContext = secureContextOf(access);
    const request = httpsRequest(url, {
      ...(secureContext === undefined ? {} : { secureContext }),
      headers: {
        authorization: `Bearer ${access.token}`,
        accept: 'text/event-stream',
        ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
      },
      timeout: silenceTimeoutMs,
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${silenceTimeoutMs} ms`)));
    request.on('error', (error) => reject(networkError(error, access)));
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        void readBody(response).then((body) =>
          reject(refusal(response.statusCode ?? 0, body, access, nicId)),
        );
        return;
      }
      resolve(followStream(request, response, handlers, silenceTimeoutMs));
    });
    request.end();
  });
}

function followStream(
  request: ReturnType<typeof httpsRequest>,
  response: IncomingMessage,
  handlers: WatchHandlers,
  silenceTimeoutMs: number,
): OpenWatch {
  let ended = false;
  const finish = (error: AgentError) => {
    if (ended) return;
    ended = true;
    request.destroy();
    handlers.end(error);
  };
  const lost = (code: AgentErrorCode, text: string) => finish(new AgentError(code, text));
  request.removeAllListeners('error');
  request.on('error', (error) => lost(E.UNREACHABLE, `the watch stream failed: ${error.message}`));
  request.setTimeout(silenceTimeoutMs, () =>
    lost(E.UNREACHABLE, `nothing from the API for ${silenceTimeoutMs} ms (no heartbeat)`),
  );
  const parser = new EventStreamParser((event, id, data) => {
    const message = parseMessage(event, id, data);
    if (message !== undefined && !ended) handlers.message(message);
  });
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    try {
      parser.push(chunk);
    } catch (error) {
      lost(E.API_REFUSED, `the watch stream carried malformed data: ${(error as Error).message}`);
    }
  });
  response.on('close', () => lost(E.UNREACHABLE, 'the API closed the watch stream'));
  return { close: () => finish(new AgentError(E.STOPPED, 'stopped')) };
}
