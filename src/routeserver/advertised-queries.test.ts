import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PeerRoute } from '../runtime/index.js';
import type { LiveEntry } from '../store/index.js';
import { AdvertisedQueries } from './advertised-queries.js';
import { ROUTE_SERVER_ERROR_CODES as E } from './errors.js';
import { parseLiveKey } from './live-encoding.js';

const route = (i: number): PeerRoute => ({
  instance: 'IN_1',
  localAddress: '10.1.0.5',
  network: `20.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32`,
  nextHop: '10.0.0.10',
  sourcePeer: '10.0.0.10',
  origin: 'ebgp',
  asPath: '65010',
  weight: 0,
});

/**
 * Two processes on one live state: A asks, B runs IN_1 and answers with
 * `advertised`. Every key written reaches both, as etcd's watch delivers it.
 */
function deployment(advertised: () => Promise<readonly PeerRoute[]>) {
  const bulk: string[] = [];
  const processes: AdvertisedQueries[] = [];
  const deliver = (entries: readonly LiveEntry[], options?: { bulk?: boolean }) => {
    if (options?.bulk === true) bulk.push(...entries.map((entry) => entry.key));
    queueMicrotask(() => {
      for (const { key, value } of entries) {
        const parsed = parseLiveKey(key)!;
        processes.forEach((each, index) =>
          each.onKey(parsed, key, value, index === 1 && parsed.instance === 'IN_1'),
        );
      }
    });
  };
  const ports = (routes: () => Promise<readonly PeerRoute[]>) => ({
    publish: deliver,
    advertisedRoutes: routes,
    onError: (error: unknown) => {
      throw error;
    },
  });
  processes.push(new AdvertisedQueries(ports(() => Promise.resolve([]))));
  processes.push(new AdvertisedQueries(ports(advertised)));
  return { asker: processes[0]!, answerer: processes[1]!, bulk };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('advertised routes asked of the process that runs the instance', () => {
  it('answers with every route, in chunks written bulk', async () => {
    const routes = Array.from({ length: 45_000 }, (_, i) => route(i));
    const { asker, bulk } = deployment(() => Promise.resolve(routes));
    const answer = await asker.ask('rs', 'IN_1', 'nva1');
    expect(answer.map((r) => r.network).sort()).toEqual(routes.map((r) => r.network).sort());
    expect(bulk.map((key) => parseLiveKey(key)!.answer!.chunks)).toEqual([3, 3, 3]);
  });

  it('answers an instance with nothing to advertise with no routes', async () => {
    const { asker } = deployment(() => Promise.resolve([]));
    expect(await asker.ask('rs', 'IN_1', 'nva1')).toEqual([]);
  });

  it('leaves out an instance that does not acknowledge, as an instance that is down', async () => {
    vi.useFakeTimers();
    const { asker } = deployment(() => Promise.resolve([route(1)]));
    // nobody runs IN_0: no process answers
    const answer = asker.ask('rs', 'IN_0', 'nva1');
    await vi.advanceTimersByTimeAsync(5000);
    expect(await answer).toEqual([]);
  });

  it('waits for a slow answer while the answering process says it is still working', async () => {
    vi.useFakeTimers();
    let read: (routes: readonly PeerRoute[]) => void = () => undefined;
    const { asker } = deployment(() => new Promise<readonly PeerRoute[]>((resolve) => (read = resolve)));
    const answer = asker.ask('rs', 'IN_1', 'nva1');
    await vi.advanceTimersByTimeAsync(120_000);
    read([route(7)]);
    await vi.advanceTimersByTimeAsync(0);
    expect((await answer).map((r) => r.network)).toEqual(['20.0.0.7/32']);
  });

  it('fails, retryable, when an acknowledged answer stops arriving', async () => {
    vi.useFakeTimers();
    const { asker, answerer } = deployment(() => new Promise<readonly PeerRoute[]>(() => undefined));
    const answer = asker.ask('rs', 'IN_1', 'nva1');
    const failure = expect(answer).rejects.toMatchObject({ code: E.STORE_UNAVAILABLE });
    await vi.advanceTimersByTimeAsync(1000);
    // the answering process stops without answering (its heartbeat stops)
    answerer.close();
    await vi.advanceTimersByTimeAsync(30_000);
    await failure;
  });
});
