/**
 * HTTPS over a unix socket: every connection goes to the API host's socket
 * (the test process stays in the root namespace, which has no route into
 * the lab; a socket file is reachable from any namespace).
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import path from 'node:path';
import { connect, type ConnectionOptions } from 'node:tls';
import type { NetworkManagementClient } from '@azure/arm-network';
import { sdkClient } from '../../../src/api/routes/sdk-lifecycle.test-support.js';

export class UnixSocketAgent extends Agent {
  constructor(
    private readonly socketPath: string,
    private readonly ca: string,
  ) {
    super({ keepAlive: false });
  }
  override createConnection(options: ConnectionOptions): ReturnType<typeof connect> {
    return connect({ ...options, path: this.socketPath, ca: this.ca, servername: 'localhost' });
  }
}

/**
 * The official SDK's client for the API host whose data directory is `dir`
 * (its api-token, tls/cert.pem and api.sock), every request over the socket;
 * with the agent and token for requests of one's own.
 */
export function hostSdkClient(
  dir: string,
  subscriptionId: string,
): { sdk: NetworkManagementClient; agent: UnixSocketAgent; token: string } {
  const token = readFileSync(path.join(dir, 'api-token'), 'utf8').trim();
  const ca = readFileSync(path.join(dir, 'tls', 'cert.pem'), 'utf8');
  const agent = new UnixSocketAgent(path.join(dir, 'api.sock'), ca);
  const sdk = sdkClient('https://localhost', subscriptionId, token, ca);
  sdk.pipeline.addPolicy({
    name: 'unix-socket',
    sendRequest: (request, next) => next(Object.assign(request, { agent })),
  });
  return { sdk, agent, token };
}
