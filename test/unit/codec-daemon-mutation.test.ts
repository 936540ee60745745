import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runMutations, type Seed } from '../../src/bgp/codec/__fixtures__/mutation.js';
import { BASE_CONTEXT } from '../../src/bgp/codec/index.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/bgp');

/** Every recorded message; all sessions negotiated 4-octet AS and nothing that changes framing. */
function daemonSeeds(): Seed[] {
  const seeds: Seed[] = [];
  for (const daemon of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    for (const file of readdirSync(path.join(root, daemon.name)).filter((f) => f.endsWith('.hex'))) {
      for (const line of readFileSync(path.join(root, daemon.name, file), 'utf8').split('\n')) {
        if (line && !line.startsWith('#')) {
          seeds.push({ bytes: Buffer.from(line, 'hex'), context: { ...BASE_CONTEXT, fourOctetAs: true } });
        }
      }
    }
  }
  return seeds;
}

// 20,000 of the 200,000-input mutation budget (the rest: src/bgp/codec/mutation-*.test.ts).
describe('mutated messages recorded from real daemons', () => {
  it('decode to a message that re-encodes faithfully, or fail with a typed error', () => {
    const seeds = daemonSeeds();
    expect(seeds.length).toBeGreaterThan(50);
    const outcome = runMutations(seeds, 20_000, 3);
    expect(outcome.decoded + outcome.rejected).toBe(20_000);
    expect(outcome.decoded).toBeGreaterThan(500);
  });
});
