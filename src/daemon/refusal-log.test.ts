import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BgpSpeaker, SESSION_CHANNEL } from '../bgp/session/index.js';
import type { RefusalCode, SessionEvent } from '../bgp/session/index.js';
import { loopbackBlock } from '../bgp/session/raw-peer.test-support.js';
import { createLogger } from './logging.js';
import { countRefusedConnections, REFUSED_CONNECTIONS_METRIC } from './metrics.js';
import { logSessionEvents } from './session-log.js';

function capture() {
  const records: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      records.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { records, logger: createLogger({ stream, format: 'json', level: 'info' }) };
}

const channel = diagnostics.channel(SESSION_CHANNEL);

function refused(
  remoteAddress: string | undefined,
  code: RefusalCode = 'BGPRS_ERR_SESSION_REFUSED_UNKNOWN_PEER',
): SessionEvent {
  return {
    type: 'connection-refused',
    localAddress: '10.1.0.4',
    ...(remoteAddress === undefined ? {} : { remoteAddress, remotePort: 40_000 }),
    code,
  };
}

async function refusedCount(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric(REFUSED_CONNECTIONS_METRIC)!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels['reason']), v.value]));
}

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  vi.useRealTimers();
});

function subscribe(registry: Registry, options: Parameters<typeof logSessionEvents>[1] = {}) {
  const { records, logger } = capture();
  stops.push(countRefusedConnections(registry));
  const unsubscribe = logSessionEvents(logger, options);
  stops.push(unsubscribe);
  return { records, unsubscribe };
}

describe('refused BGP connections: rate-limited log, counted in full', () => {
  it('logs the first of a burst from one address, then one summary line; the counter has them all', async () => {
    vi.useFakeTimers();
    const registry = new Registry();
    const { records } = subscribe(registry);
    for (let i = 0; i < 3_746; i++) channel.publish(refused('192.0.2.7'));
    expect(records.map((r) => [r['msg'], r['remote']])).toEqual([
      ['BGP connection refused', '192.0.2.7:40000'],
    ]);
    vi.advanceTimersByTime(60_000);
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({
      level: 40,
      msg: 'BGP connections refused: 3745 not logged one by one in the last 60 s',
      refused: 3_746,
      suppressed: 3_745,
      sources: 1,
      topSources: [{ address: '192.0.2.7', count: 3_746 }],
      reasons: { BGPRS_ERR_SESSION_REFUSED_UNKNOWN_PEER: 3_746 },
    });
    expect(await refusedCount(registry)).toEqual({
      unknown_peer: 3_746,
      peer_stopped: 0,
      too_many_connections: 0,
      reset_before_accept: 0,
    });
    // a quiet window writes nothing; the next refusal opens a new window and is logged again
    vi.advanceTimersByTime(120_000);
    channel.publish(refused('192.0.2.7'));
    expect(records).toHaveLength(3);
  });

  it('names the first 20 addresses of a window and counts at most 1,024 one by one', () => {
    vi.useFakeTimers();
    const { records } = subscribe(new Registry());
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2_000; i++) channel.publish(refused(`198.18.${i >> 8}.${i & 255}`));
    }
    expect(records).toHaveLength(20);
    vi.advanceTimersByTime(60_000);
    expect(records).toHaveLength(21);
    expect(records[20]).toMatchObject({
      refused: 4_000,
      suppressed: 3_980,
      sources: 1_024,
      refusedFromOtherSources: 2 * (2_000 - 1_024),
    });
    expect(records[20]!['topSources']).toHaveLength(5);
  });

  it('writes what it held back when unsubscribed, and logs a reset before accept without an address', async () => {
    const registry = new Registry();
    const { records, unsubscribe } = subscribe(registry);
    channel.publish(refused(undefined, 'BGPRS_ERR_SESSION_REFUSED_RESET_BEFORE_ACCEPT'));
    channel.publish(refused(undefined, 'BGPRS_ERR_SESSION_REFUSED_RESET_BEFORE_ACCEPT'));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      msg: 'BGP connection reset by its sender before it was accepted (source address unknown)',
      code: 'BGPRS_ERR_SESSION_REFUSED_RESET_BEFORE_ACCEPT',
    });
    expect(records[0]).not.toHaveProperty('remote');
    unsubscribe();
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({ refused: 2, suppressed: 1 });
    expect((await refusedCount(registry))['reset_before_accept']).toBe(2);
  });

  it('keeps a real burst of connections from a non-peer address to a bounded number of lines', async () => {
    const ip = loopbackBlock();
    const speaker = await BgpSpeaker.start({ localAddress: ip(1), port: 0 });
    stops.push(() => void speaker.stop());
    const registry = new Registry();
    const { records, unsubscribe } = subscribe(registry);
    const burst = 500;
    for (let sent = 0; sent < burst; sent += 50) {
      await Promise.all(
        Array.from(
          { length: 50 },
          () =>
            new Promise<void>((resolve) => {
              const socket = net.connect({ host: ip(1), port: speaker.port, localAddress: ip(9) });
              socket.on('error', () => resolve());
              socket.on('close', () => resolve());
            }),
        ),
      );
    }
    const deadline = Date.now() + 10_000;
    while ((await refusedCount(registry))['unknown_peer']! < burst && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await refusedCount(registry))['unknown_peer']).toBe(burst);
    expect(records).toHaveLength(1);
    unsubscribe();
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({ refused: burst, suppressed: burst - 1 });
  });
});
