import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { decode, UpdateBuilder } from '../bgp/codec/index.js';
import type { PathAttributes, UpdateMessage } from '../bgp/codec/index.js';
import { ipv4KeyOf } from '../lib/prefix.js';
import { FOUR_OCTET, harness, ip, peerInfo, splitMessages } from './fixtures.test-support.js';
import type { PeerOutput } from './ports.js';

/**
 * Functional requirement: while a full table (1,000,000 prefixes) is
 * ingested and re-advertised, no single turn of the event loop does more
 * than a bounded amount of work, so KEEPALIVEs (and hold timers) keep
 * running. Asserted on the work each slice does (prefixes ingested,
 * published to the VNet and advertised), which does not depend on the
 * machine's load; the event-loop delay is printed as a figure only (the
 * benchmarks in bench/ measure time).
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

const SLICE = 16_384;

interface SliceWork {
  ingested: number;
  injected: number;
  advertised: number;
}

describe('event loop under a full table', () => {
  it('learns and re-advertises 1,000,000 prefixes in slices of bounded work, yielding between them', async () => {
    const messages = splitMessages(fullTable());
    const slices: SliceWork[] = [];
    const h = harness({
      routeLimit: TABLE,
      spaces: ['10.0.0.0/16'],
      sliceSize: SLICE,
      schedule: (task) =>
        setImmediate(() => {
          const { prefixesAnnounced, injectedChanges, prefixesAdvertised } = h.engine.counters;
          task();
          const after = h.engine.counters;
          slices.push({
            ingested: after.prefixesAnnounced - prefixesAnnounced,
            injected: after.injectedChanges - injectedChanges,
            advertised: after.prefixesAdvertised - prefixesAdvertised,
          });
        }),
    });
    const monitor = new CountingOutput();
    h.engine.peerUp('10.0.2.4', peerInfo('10.0.2.4', 65001), new CountingOutput());
    h.engine.peerUp('10.0.2.9', peerInfo('10.0.2.9', 65009), monitor);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    // Bursts of 1,024 UPDATEs (51,200 prefixes, several slices' budget) arrive
    // faster than one slice takes them, as from a peer dumping its table.
    for (let i = 0; i < messages.length; i++) {
      h.engine.receiveUpdate('10.0.2.4', decode(messages[i]!, FOUR_OCTET) as UpdateMessage);
      if (i % 1024 === 1023) await new Promise((resolve) => setImmediate(resolve));
    }
    await h.engine.whenIdle();
    delay.disable();
    const most = (field: keyof SliceWork) => Math.max(...slices.map((slice) => slice[field]));
    console.log(
      `full table: ${TABLE} prefixes in ${((performance.now() - started) / 1000).toFixed(2)} s, ` +
        `${slices.length} slices, at most ${most('ingested')} ingested / ${most('injected')} published / ` +
        `${most('advertised')} advertised in one; event-loop delay worst ${(delay.max / 1e6).toFixed(1)} ms, ` +
        `p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms (figures, not asserted)`,
    );
    expect(h.engine.locRibSize).toBe(TABLE);
    expect(h.sink.table.size).toBe(TABLE);
    expect(h.engine.peerCounters('10.0.2.9')?.advertised).toBe(TABLE + 1);
    // Every prefix went through a slice, and the table took many of them.
    expect(slices.reduce((sum, slice) => sum + slice.ingested, 0)).toBe(TABLE);
    expect(slices.length).toBeGreaterThanOrEqual(TABLE / (SLICE + PER_SET));
    // A slice ingests whole UPDATEs until its budget (a prefix or an UPDATE
    // counts one) is used: the bursts made slices full, never larger ...
    expect(most('ingested')).toBeGreaterThan(SLICE / 2);
    expect(most('ingested')).toBeLessThanOrEqual(SLICE + PER_SET);
    // ... publishes only what it changed ...
    expect(most('injected')).toBeLessThanOrEqual(SLICE + PER_SET);
    // ... and advertises what it changed plus at most one flush share.
    expect(most('advertised')).toBeLessThanOrEqual(2 * (SLICE + PER_SET));
  }, 180_000);
});
