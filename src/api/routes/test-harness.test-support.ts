/**
 * An API server with every network resource registered over the domain
 * service on a real SQLite store, driven with fastify's inject.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RouteServerService, type RouteServerServiceOptions } from '../../routeserver/index.js';
import { openSqliteStore, type SqliteResourceStore } from '../../store/index.js';
import { createApiServer, type ApiServer, type ApiServerOptions } from '../server.js';
import { registerNetworkResources } from './index.js';

export const SUB = '00000000-0000-0000-0000-0000000000ee';
export const NET = `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network`;
export const V = 'api-version=2024-05-01';

export interface ApiHarness {
  server: ApiServer;
  service: RouteServerService;
  store: SqliteResourceStore;
  request(
    method: 'GET' | 'PUT' | 'DELETE' | 'POST' | 'PATCH',
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Answer>;
  /** POST an action and follow its Location until the result */
  /** POST an action with an optional JSON body, then follow its Location until it answers */
  action(path: string, body?: unknown): Promise<Answer>;
  close(): Promise<void>;
}

export interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

function pathOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

export async function apiHarness(
  options: Partial<RouteServerServiceOptions> = {},
  serverOptions: Partial<ApiServerOptions> = {},
): Promise<ApiHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'rs-api-net-'));
  const store = openSqliteStore({ path: join(dir, 'state.db') });
  const service = await RouteServerService.open({ store, ...options });
  const server = await createApiServer({
    dataDir: dir,
    listen: { host: '127.0.0.1', port: 0 },
    roleAssignments: service.roleAssignments,
    ...serverOptions,
  });
  registerNetworkResources(server, service);
  const authorization = `Bearer ${server.credentials.token}`;
  const request: ApiHarness['request'] = async (method, path, body, headers = {}) => {
    const url = path.includes('?') ? path : `${path.startsWith('/') ? '' : `${NET}/`}${path}?${V}`;
    const res = await server.app.inject({
      method,
      url,
      headers: { authorization, ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return {
      statusCode: res.statusCode,
      headers: res.headers,
      body: res.body === '' ? undefined : res.json(),
    };
  };
  return {
    server,
    service,
    store,
    request,
    async action(path, body) {
      const accepted = await request('POST', path, body);
      if (accepted.statusCode !== 202) return accepted;
      let answer = accepted;
      for (let i = 0; i < 50 && answer.statusCode === 202; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        answer = await request('GET', pathOf(accepted.headers.location as string));
      }
      return answer;
    },
    async close() {
      await server.close();
      await service.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
