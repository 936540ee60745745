/**
 * The routes an instance in another process advertises to a peer, asked of
 * that process when they are asked for (live-encoding.ts `q` and `r` keys):
 * an Adj-RIB-Out holds every other peer's routes (28,000 per peer at Azure's
 * 8 × 4,000), so publishing it for every peer on every change would be most
 * of what the processes write to the store.
 *
 * The asking process writes a query key under its lease; the process that
 * runs the instance reads the Adj-RIB-Out from its runtime and writes the
 * answer under its own lease, in chunks; the asker deletes the query once
 * it has every chunk, and the answering process then deletes the answer. A
 * process that dies takes its queries or answers with its lease.
 *
 * The answering process acknowledges a query at once (chunk 0 of 0, written
 * again every HEARTBEAT_MS while it works), then reads the routes and writes
 * them chunk by chunk, `bulk`, so a large answer (1,000,000 routes: 50
 * chunks, about 6 MiB) never delays injected routes or session states. An
 * instance that does not acknowledge within ANSWER_TIMEOUT_MS is left out of
 * the answer, as an instance that is down (its routes are shown once it
 * answers again); one that acknowledged but then sends nothing for
 * ANSWER_PROGRESS_MS fails the query with the retryable STORE_UNAVAILABLE
 * (503), rather than answering without its routes.
 */
import { randomBytes } from 'node:crypto';
import type { InstanceId } from '../rib/ports.js';
import type { PeerRoute } from '../runtime/index.js';
import type { LiveEntry } from '../store/index.js';
import { RouteServerError, ROUTE_SERVER_ERROR_CODES as E } from './errors.js';
import {
  decodePeerRoutes,
  encodePeerRoutes,
  liveKey,
  ROUTES_PER_CHUNK,
  type ParsedKey,
} from './live-encoding.js';

const ANSWER_TIMEOUT_MS = 5000;
/** The answering process writes its acknowledgement again this often until the answer is written. */
const HEARTBEAT_MS = 5000;
const ANSWER_PROGRESS_MS = 30_000;

interface Asked {
  readonly chunks: Map<number, Buffer>;
  /** the answering process acknowledged the query: it runs the instance and is reading the routes */
  acknowledged(): void;
  finish(routes: PeerRoute[]): void;
}

interface AdvertisedQueryPorts {
  /** writes (or, with value undefined, deletes) this process's keys; `bulk` as live-state.ts says */
  publish(entries: readonly LiveEntry[], options?: { bulk?: boolean }): void;
  /** the Adj-RIB-Out of a local instance toward a peer, by route server and connection id keys */
  advertisedRoutes(
    routeServer: string,
    instance: InstanceId,
    connection: string,
  ): Promise<readonly PeerRoute[]>;
  onError(error: unknown): void;
}

export class AdvertisedQueries {
  /** query → the answer being collected */
  private readonly asked = new Map<string, Asked>();
  /** query key → the keys of the answer this process published */
  private readonly answered = new Map<string, string[]>();
  private sequence = 0;
  private closed = false;

  constructor(private readonly ports: AdvertisedQueryPorts) {}

  /**
   * The routes `instance` (run by another process) advertises to the peer;
   * [] if it does not acknowledge in time; rejects when it acknowledged but
   * its answer stopped arriving.
   */
  ask(routeServer: string, instance: InstanceId, connection: string): Promise<PeerRoute[]> {
    const query = `${process.pid}-${++this.sequence}-${randomBytes(4).toString('hex')}`;
    const key = liveKey('q', routeServer, instance, connection, query);
    return new Promise((resolve, reject) => {
      const end = () => {
        clearTimeout(timer);
        this.asked.delete(query);
        if (!this.closed) this.ports.publish([{ key, value: undefined }]);
      };
      const stalled = () => {
        end();
        reject(
          new RouteServerError(
            E.STORE_UNAVAILABLE,
            `${instance}'s advertised routes stopped arriving through the store ` +
              `(nothing for ${ANSWER_PROGRESS_MS / 1000} s); try again`,
            '',
          ),
        );
      };
      let timer = setTimeout(() => {
        end();
        resolve([]);
      }, ANSWER_TIMEOUT_MS);
      this.asked.set(query, {
        chunks: new Map(),
        acknowledged: () => {
          clearTimeout(timer);
          timer = setTimeout(stalled, ANSWER_PROGRESS_MS);
        },
        finish: (routes) => {
          end();
          resolve(routes);
        },
      });
      this.ports.publish([{ key, value: Buffer.from('?') }]);
    });
  }

  /** A query or answer key of any process changed; `local`: this process runs the key's instance. */
  onKey(parsed: ParsedKey, key: string, value: Buffer | undefined, local: boolean): void {
    if (parsed.kind === 'q' && local) {
      if (value === undefined) this.withdraw(key);
      else if (!this.answered.has(key)) this.answer(parsed, key).catch((error) => this.ports.onError(error));
    } else if (parsed.kind === 'r' && !local && value !== undefined) {
      this.collect(parsed, value);
    }
  }

  close(): void {
    this.closed = true;
    for (const asked of [...this.asked.values()]) asked.finish([]);
  }

  private async answer(parsed: ParsedKey, key: string): Promise<void> {
    const answerKey = (chunk: number, chunks: number) =>
      liveKey('r', parsed.routeServer, parsed.instance, parsed.item, parsed.chunk!, `${chunk}`, `${chunks}`);
    const acknowledgement = answerKey(0, 0);
    // every key of the answer so far; withdraw deletes them
    const keys = [acknowledgement];
    this.answered.set(key, keys);
    let beats = 0;
    const beat = () => {
      if (!this.closed) this.ports.publish([{ key: acknowledgement, value: Buffer.from(`${++beats}`) }]);
    };
    beat();
    const heartbeat = setInterval(beat, HEARTBEAT_MS);
    try {
      const routes = await this.ports.advertisedRoutes(parsed.routeServer, parsed.instance, parsed.item);
      const chunks = Math.max(1, Math.ceil(routes.length / ROUTES_PER_CHUNK));
      for (let chunk = 0; chunk < chunks; chunk++) {
        // deleted meanwhile: the asker has its answer, gave up or died
        if (this.closed || this.answered.get(key) !== keys) return;
        const slice = routes.slice(chunk * ROUTES_PER_CHUNK, (chunk + 1) * ROUTES_PER_CHUNK);
        const entry = { key: answerKey(chunk, chunks), value: encodePeerRoutes(slice)[0]! };
        keys.push(entry.key);
        this.ports.publish([entry], { bulk: true });
        // one chunk at a time: this thread's other work goes on between them
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  private withdraw(key: string): void {
    const answer = this.answered.get(key);
    if (answer === undefined) return;
    this.answered.delete(key);
    if (answer.length > 0) this.ports.publish(answer.map((each) => ({ key: each, value: undefined })));
  }

  private collect(parsed: ParsedKey, value: Buffer): void {
    const asked = parsed.chunk === undefined ? undefined : this.asked.get(parsed.chunk);
    const answer = parsed.answer;
    if (asked === undefined || answer === undefined) return;
    // the acknowledgement, then each chunk: the answer is still coming
    asked.acknowledged();
    if (answer.chunks === 0) return;
    asked.chunks.set(answer.chunk, value);
    if (asked.chunks.size < answer.chunks) return;
    const routes: PeerRoute[] = [];
    for (let chunk = 0; chunk < answer.chunks; chunk++)
      routes.push(...decodePeerRoutes(parsed.instance, asked.chunks.get(chunk)!));
    asked.finish(routes);
  }
}
