/**
 * Control channel between the bench runner and the harness processes: JSON
 * lines over a unix socket (a file path, so it works across network
 * namespaces). A request `{ id, cmd, ...args }` gets exactly one reply
 * `{ id, ok: true, ...result }` or `{ id, ok: false, error }`; commands may
 * take as long as they need (e.g. "wait until 1,000,000 prefixes").
 */
import net from 'node:net';
import { rmSync } from 'node:fs';

export type Json = Record<string, unknown>;
export type Handler = (request: Json) => Promise<Json> | Json;

/** Serves `handler` on `path`; the process exits when the runner disconnects. */
export function serveControl(path: string, handler: Handler): net.Server {
  rmSync(path, { force: true });
  const server = net.createServer((socket) => {
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      buffered += text;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        void answer(socket, line, handler);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => process.exit(0));
  });
  server.listen(path);
  return server;
}

async function answer(socket: net.Socket, line: string, handler: Handler): Promise<void> {
  let id: unknown;
  try {
    const request = JSON.parse(line) as Json;
    id = request.id;
    const result = await handler(request);
    socket.write(JSON.stringify({ ...result, id, ok: true }) + '\n');
  } catch (error) {
    socket.write(JSON.stringify({ id, ok: false, error: String((error as Error).message ?? error) }) + '\n');
  }
}

export class ControlClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  private buffered = '';
  /** why the channel is unusable (closed, or a reply that is not JSON); calls then fail at once */
  private failure: Error | undefined;

  private constructor(
    private readonly socket: net.Socket,
    readonly name: string,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      try {
        this.onData(text);
      } catch (error) {
        this.fail(`reply is not JSON (${(error as Error).message})`);
        socket.destroy();
      }
    });
    socket.on('close', () => this.fail('control channel closed'));
    socket.on('error', () => undefined);
  }

  /** Rejects every pending call and every later one: a harness process that died must not hang the runner. */
  private fail(reason: string): void {
    this.failure ??= new Error(`${this.name}: ${reason}`);
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  /** Connects, retrying until the process has bound its socket. */
  static async connect(path: string, name: string, timeoutMs = 20_000): Promise<ControlClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(path, () => resolve(s));
          s.once('error', reject);
        });
        return new ControlClient(socket, name);
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`${name}: no control socket at ${path}`, { cause: error });
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private onData(text: string): void {
    this.buffered += text;
    for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
      const reply = JSON.parse(this.buffered.slice(0, nl)) as Json;
      this.buffered = this.buffered.slice(nl + 1);
      const p = this.pending.get(reply.id as number);
      if (!p) continue;
      this.pending.delete(reply.id as number);
      if (reply.ok) p.resolve(reply);
      else p.reject(new Error(`${this.name}: ${String(reply.error)}`));
    }
  }

  call<T extends Json = Json>(cmd: string, args: Json = {}): Promise<T> {
    const id = this.nextId++;
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: Json) => void, reject });
      this.socket.write(JSON.stringify({ ...args, cmd, id }) + '\n');
    });
  }

  close(): void {
    this.socket.end();
  }
}
