import diagnostics from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { RIB_CHANNEL } from '../rib/index.js';
import { warmUpInstanceThread } from './warm-up.js';

describe('warmUpInstanceThread', () => {
  const heard: unknown[] = [];
  const listen = (message: unknown): void => void heard.push(message);
  afterEach(() => {
    diagnostics.unsubscribe(RIB_CHANNEL, listen);
    heard.length = 0;
  });

  it('runs every synthetic prefix through the engine, out to the peers and into the batch encoder', () => {
    const report = warmUpInstanceThread({ prefixesPerPeer: 500, rounds: 2 });
    // four peers × 500 prefixes × 2 rounds
    expect(report.prefixes).toBe(4000);
    // per round 1,500 distinct prefixes injected (the ECMP pair shares 500) and withdrawn again
    expect(report.injected).toBe(2 * 2 * 1500);
    // each round's table and its withdrawal reach every peer: at least one UPDATE each way per peer
    expect(report.updatesSent).toBeGreaterThanOrEqual(4 * 2 * 2);
    expect(report.milliseconds).toBeGreaterThan(0);
  });

  it('publishes no engine event: nothing of the warm-up reaches logs or metrics', () => {
    diagnostics.subscribe(RIB_CHANNEL, listen);
    warmUpInstanceThread({ prefixesPerPeer: 100, rounds: 1 });
    expect(heard).toEqual([]);
  });
});
