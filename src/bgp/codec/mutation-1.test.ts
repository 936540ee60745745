import { describe, expect, it } from 'vitest';
import { generatedSeeds, goldenSeeds, runMutations } from './__fixtures__/mutation.js';

// 90,000 of the 200,000-input mutation budget; mutation-2.test.ts runs another 90,000,
// test/unit/codec-daemon-mutation.test.ts 20,000 seeded from daemon captures.
describe('mutated golden and generated messages (part 1)', () => {
  it('decode to a message that re-encodes faithfully, or fail with a typed error', () => {
    const seeds = [...goldenSeeds(), ...generatedSeeds(200, 7001)];
    const outcome = runMutations(seeds, 90_000, 1);
    expect(outcome.decoded + outcome.rejected).toBe(90_000);
    expect(outcome.decoded).toBeGreaterThan(1000);
    expect(outcome.rejected).toBeGreaterThan(1000);
  });
});
