/**
 * HTTPS over a unix socket: every connection goes to the API host's socket
 * (the test process stays in the root namespace, which has no route into
 * the lab; a socket file is reachable from any namespace).
 */
import { Agent } from 'node:https';
import { connect, type ConnectionOptions } from 'node:tls';

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
