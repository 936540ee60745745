/**
 * A small ARM client over HTTPS: bearer token, api-version, JSON bodies, ARM
 * error bodies turned into `ArmResponseError`, and long-running operations
 * polled the way `@azure/arm-network`'s pollers poll them (docs/api.md):
 *
 * - PUT answered with `Azure-AsyncOperation`: GET the status resource until
 *   `Succeeded` (or `Failed`/`Canceled`), then GET the resource;
 * - POST/DELETE answered 202 with `Location`: GET it while it answers 202;
 *   200 carries the result, 204 ends a delete.
 *
 * Between polls the client waits the server's `Retry-After` (capped at 10 s);
 * the first poll goes out at once.
 */
import { request as httpsRequest, Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { CLI_API_VERSION } from '../daemon/defaults.js';
import type { Connection } from './connection.js';
import { ArmResponseError, CLI_ERROR_CODES, CliError, type ReceivedErrorDetail } from './errors.js';

interface ArmResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

const MAX_RETRY_AFTER_MS = 10_000;
const REQUEST_TIMEOUT_MS = 60_000;
/** an operation that has not finished after this long is reported as a failure */
const MAX_OPERATION_MS = 10 * 60_000;

function header(response: ArmResponse, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The ARM error of a refused request, or a generic one when the body is not ARM. */
/** An ARM error's `message`: the string itself, any other value as JSON, nothing as ''. */
function messageText(value: unknown): string {
  if (typeof value === 'string') return value;
  return value === undefined || value === null ? '' : JSON.stringify(value);
}

function armErrorOf(response: ArmResponse): ArmResponseError {
  const error = asRecord(asRecord(response.body)?.['error']);
  if (error !== undefined && typeof error['code'] === 'string') {
    const details = Array.isArray(error['details']) ? (error['details'] as ReceivedErrorDetail[]) : [];
    const target = typeof error['target'] === 'string' ? error['target'] : undefined;
    return new ArmResponseError(
      response.status,
      error['code'],
      messageText(error['message']),
      target,
      details,
    );
  }
  return new ArmResponseError(
    response.status,
    `HTTP${response.status}`,
    `the server answered ${response.status}`,
  );
}

export class ArmClient {
  private readonly agent: Agent;

  constructor(private readonly connection: Connection) {
    const ca = connection.ca === undefined ? undefined : [...rootCertificates, connection.ca];
    this.agent = new Agent({ keepAlive: true, ...(ca === undefined ? {} : { ca }) });
  }

  get endpoint(): string {
    return this.connection.endpoint;
  }

  close(): void {
    this.agent.destroy();
  }

  /** One request; `pathOrUrl` is an ARM path (api-version added) or an absolute URL from a poll header. */
  send(method: string, pathOrUrl: string, body?: unknown): Promise<ArmResponse> {
    const url = new URL(pathOrUrl, `${this.connection.endpoint}/`);
    if (!/^https?:\/\//i.test(pathOrUrl) && !url.searchParams.has('api-version'))
      url.searchParams.set('api-version', CLI_API_VERSION);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.connection.token}`,
      accept: 'application/json',
    };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        { method, headers, agent: this.agent, timeout: REQUEST_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = undefined;
            if (text.length > 0) {
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = text;
              }
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on('error', (cause: Error) =>
        reject(
          new CliError(
            CLI_ERROR_CODES.UNREACHABLE,
            `cannot reach the routeserver API at ${this.connection.endpoint}: ${cause.message}` +
              ` (is 'routeserver serve' running? see --endpoint, --ca-cert)`,
            { cause },
          ),
        ),
      );
      req.end(payload);
    });
  }

  /** A request that must succeed (2xx); an ARM error otherwise. */
  async call(method: string, path: string, body?: unknown): Promise<ArmResponse> {
    const response = await this.send(method, path, body);
    if (response.status < 200 || response.status > 299) throw armErrorOf(response);
    return response;
  }

  async get(path: string): Promise<unknown> {
    return (await this.call('GET', path)).body;
  }

  /** GET, or undefined on 404. */
  async find(path: string): Promise<unknown> {
    const response = await this.send('GET', path);
    if (response.status === 404) return undefined;
    if (response.status < 200 || response.status > 299) throw armErrorOf(response);
    return response.body;
  }

  /** Every item of a list, following `nextLink`. */
  async list(path: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let next: string | undefined = path;
    while (next !== undefined) {
      const page = asRecord(await this.get(next));
      const value = page?.['value'];
      if (!Array.isArray(value))
        throw new CliError(CLI_ERROR_CODES.BAD_RESPONSE, `a list without 'value' from ${next}`);
      items.push(...(value as unknown[]));
      next = typeof page?.['nextLink'] === 'string' ? page['nextLink'] : undefined;
    }
    return items;
  }

  /** PUT and wait for the operation; resolves with the resource as GET returns it afterwards. */
  async put(path: string, body: unknown): Promise<unknown> {
    const response = await this.call('PUT', path, body);
    const asyncUrl = header(response, 'azure-asyncoperation');
    if (asyncUrl === undefined) return response.body;
    await this.waitForStatus(asyncUrl, response);
    return this.get(path);
  }

  /** POST an action and wait for its result (`Location` polling). */
  async action(path: string, body?: unknown): Promise<unknown> {
    const response = await this.call('POST', path, body ?? {});
    if (response.status !== 202) return response.body;
    return (await this.waitForLocation(response)).body;
  }

  /** DELETE and wait; resolves with whether the resource existed (false on 204 or 404). */
  async delete(path: string): Promise<boolean> {
    const response = await this.send('DELETE', path);
    if (response.status === 404 || response.status === 204) return false;
    if (response.status < 200 || response.status > 299) throw armErrorOf(response);
    if (response.status === 202) {
      const asyncUrl = header(response, 'azure-asyncoperation');
      if (header(response, 'location') !== undefined) await this.waitForLocation(response);
      else if (asyncUrl !== undefined) await this.waitForStatus(asyncUrl, response);
    }
    return true;
  }

  private retryDelay(response: ArmResponse): number {
    const seconds = Number(header(response, 'retry-after') ?? '1');
    return Math.min(Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000, MAX_RETRY_AFTER_MS);
  }

  private async waitForStatus(url: string, first: ArmResponse): Promise<void> {
    const deadline = Date.now() + MAX_OPERATION_MS;
    let previous = first;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await sleep(this.retryDelay(previous));
      previous = await this.call('GET', url);
      const status = asRecord(previous.body)?.['status'];
      if (status === 'Succeeded') return;
      if (status === 'Failed' || status === 'Canceled') throw operationError(previous.body, String(status));
      if (Date.now() > deadline)
        throw new CliError(CLI_ERROR_CODES.OPERATION_FAILED, `operation ${url} did not finish`);
    }
  }

  private async waitForLocation(first: ArmResponse): Promise<ArmResponse> {
    const url = header(first, 'location');
    if (url === undefined) throw new CliError(CLI_ERROR_CODES.BAD_RESPONSE, '202 without a Location header');
    const deadline = Date.now() + MAX_OPERATION_MS;
    let previous = first;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await sleep(this.retryDelay(previous));
      previous = await this.call('GET', url);
      if (previous.status !== 202) return previous;
      if (Date.now() > deadline)
        throw new CliError(CLI_ERROR_CODES.OPERATION_FAILED, `operation ${url} did not finish`);
    }
  }
}

function operationError(body: unknown, status: string): Error {
  const error = asRecord(asRecord(body)?.['error']);
  if (error !== undefined && typeof error['code'] === 'string')
    return new ArmResponseError(200, error['code'], messageText(error['message']));
  return new CliError(CLI_ERROR_CODES.OPERATION_FAILED, `the operation ended ${status}`);
}
