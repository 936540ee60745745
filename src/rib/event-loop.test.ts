import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { decode, UpdateBuilder } from '../bgp/codec/index.js';
import type { PathAttributes, UpdateMessage } from '../bgp/codec/index.js';
import { ipv4KeyOf } from '../lib/prefix.js';
import { FOUR_OCTET, harness, ip, peerInfo, splitMessages } from './fixtures.test-support.js';
import type { PeerOutput } from './ports.js';

/**
 * Functional requirement, not a speed test: while a full table (1,000,000
 * prefixes) is ingested and re-advertised, the event loop never stalls for a
 * second, so KEEPALIVEs (and hold timers) keep running.
 */
const TABLE = 1_000_000;
const PER_SET = 50;

function fullTable(): Buffer {
  const builder = new UpdateBuilder(FOUR_OCTET, 8 << 20);
  for (let first = 0; first < TABLE; first += PER_SET) {
    const set = first / PER_SET;
    const attributes: PathAttributes = {
      origin: 0,
      asPath: [{ type: 2, asns: [65001, 3000 + (set % 5000), 100 + (set % 977)] }],
      nextHop: ip('10.0.2.4'),
      communities: [65001 * 65536 + (set % 100)],
    };
    const keys: number[] = [];
    for (let i = first; i < first + PER_SET; i++) keys.push(ipv4KeyOf((16 << 24) + i * 256, 24));
    builder.announce(attributes, keys);
  }
  return builder.take();
}

class CountingOutput implements PeerOutput {
  bytes = 0;
  send(messages: Buffer[]): boolean {
    for (const m of messages) this.bytes += m.length;
    return true;
  }
  onDrain(callback: () => void): void {
    setImmediate(callback);
  }
}

describe('event loop under a full table', () => {
  it('never blocks the event loop for a second while 1,000,000 prefixes are learned and re-advertised', async () => {
    const messages = splitMessages(fullTable());
    const h = harness({ routeLimit: TABLE, spaces: ['10.0.0.0/16'] });
    const monitor = new CountingOutput();
    h.engine.peerUp('10.0.2.4', peerInfo('10.0.2.4', 65001), new CountingOutput());
    h.engine.peerUp('10.0.2.9', peerInfo('10.0.2.9', 65009), monitor);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    for (let i = 0; i < messages.length; i++) {
      h.engine.receiveUpdate('10.0.2.4', decode(messages[i]!, FOUR_OCTET) as UpdateMessage);
      if (i % 32 === 31) await new Promise((resolve) => setImmediate(resolve));
    }
    await h.engine.whenIdle();
    delay.disable();
    const worstMs = delay.max / 1e6;
    console.log(
      `full table: ${TABLE} prefixes in ${((performance.now() - started) / 1000).toFixed(2)} s, ` +
        `worst event-loop delay ${worstMs.toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms`,
    );
    expect(h.engine.locRibSize).toBe(TABLE);
    expect(h.sink.table.size).toBe(TABLE);
    expect(h.engine.peerCounters('10.0.2.9')?.advertised).toBe(TABLE + 1);
    expect(worstMs).toBeLessThan(1000);
  }, 180_000);
});
