/**
 * One HTTPS request to the route server's API with its bearer token, for
 * what the official SDK cannot send (bodies with properties its models lack,
 * `/metrics`) or where a test times the answer. The agent decides where the
 * connection goes (the API host's unix socket in the interop tests).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Agent } from 'node:https';
import { request } from 'node:https';

export interface ApiAnswer {
  status: number;
  body: string;
  /** the answer's headers (`location` of a long-running operation, …) */
  headers: IncomingHttpHeaders;
  /** from sending the request to the end of the answer */
  ms: number;
}

export interface ApiClient {
  readonly agent: Agent;
  readonly token: string;
  /** appended as `api-version` to every path under /subscriptions */
  readonly apiVersion?: string;
}

/** Sends `body` (if any) as JSON and resolves with the status and the whole answer. */
export function apiRequest(
  client: ApiClient,
  method: string,
  requestPath: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const started = performance.now();
  const payload = body === undefined ? '' : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent: client.agent,
        method,
        path: withApiVersion(requestPath, client.apiVersion),
        headers: {
          authorization: `Bearer ${client.token}`,
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function withApiVersion(requestPath: string, apiVersion: string | undefined): string {
  if (apiVersion === undefined || !requestPath.startsWith('/subscriptions')) return requestPath;
  return `${requestPath}${requestPath.includes('?') ? '&' : '?'}api-version=${apiVersion}`;
}
