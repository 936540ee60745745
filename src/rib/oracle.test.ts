import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WellKnownCommunity } from '../bgp/codec/index.js';
import { formatPrefix } from '../lib/prefix.js';
import {
  harness,
  ip,
  pathAttributes,
  peerInfo,
  TestOutput,
  updateOf,
  withdrawalOf,
} from './fixtures.test-support.js';

/**
 * The engine's state after any sequence of announcements, withdrawals and
 * session resets equals what a direct reading of the rules gives:
 * - injected: per prefix, the accepted paths of the shortest AS-path length,
 *   their distinct next hops and source peers;
 * - advertised to a monitoring peer: the best path (shortest AS path, then
 *   lowest router id) with 65515 prepended, unless it is NO_ADVERTISE.
 */
const PEERS = ['10.0.2.1', '10.0.2.2', '10.0.2.3'];
const PREFIXES = ['10.10.0.0/24', '10.10.1.0/24', '10.10.2.0/24', '0.0.0.0/0', '192.168.0.0/16'];
const NEXT_HOPS = ['10.0.2.1', '10.0.2.2', '10.0.2.100'];

interface Route {
  readonly asns: number[];
  readonly nextHop: string;
  readonly noAdvertise: boolean;
}

type Operation =
  | { kind: 'announce'; peer: number; prefixes: string[]; route: Omit<Route, 'asns'> & { extra: number[] } }
  | { kind: 'withdraw'; peer: number; prefixes: string[] }
  | { kind: 'reset'; peer: number }
  | { kind: 'settle' };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('announce' as const),
      peer: fc.integer({ min: 0, max: 2 }),
      prefixes: fc.subarray(PREFIXES, { minLength: 1 }),
      route: fc.record({
        extra: fc.array(fc.constantFrom(65010, 65011, 65515), { maxLength: 2 }),
        nextHop: fc.constantFrom(...NEXT_HOPS),
        noAdvertise: fc.boolean(),
      }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('withdraw' as const),
      peer: fc.integer({ min: 0, max: 2 }),
      prefixes: fc.subarray(PREFIXES, { minLength: 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reset' as const), peer: fc.integer({ min: 0, max: 2 }) }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'settle' as const }) },
);

function expectedInjected(state: Map<string, Route>[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const prefix of PREFIXES) {
    const paths = state
      .map((table, peer) => ({ peer, route: table.get(prefix) }))
      .filter((p): p is { peer: number; route: Route } => !!p.route && !p.route.asns.includes(65515));
    if (paths.length === 0) continue;
    const shortest = Math.min(...paths.map((p) => p.route.asns.length));
    const ecmp = paths.filter((p) => p.route.asns.length === shortest);
    out.set(
      prefix,
      [...new Set(ecmp.map((p) => p.route.nextHop))].sort((a, b) => ip(a) - ip(b)),
    );
  }
  return out;
}

function expectedAdvertised(state: Map<string, Route>[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const prefix of PREFIXES) {
    const paths = state
      .map((table, peer) => ({ peer, route: table.get(prefix) }))
      .filter((p): p is { peer: number; route: Route } => !!p.route && !p.route.asns.includes(65515));
    if (paths.length === 0) continue;
    // shortest AS path, then lowest router id (= peer address here)
    paths.sort((a, b) => a.route.asns.length - b.route.asns.length || a.peer - b.peer);
    const best = paths[0]!.route;
    if (!best.noAdvertise) out.set(prefix, [65515, ...best.asns]);
  }
  return out;
}

describe('route engine against an oracle', () => {
  it('ends in the state the rules describe after any sequence of changes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(operation, { maxLength: 25 }),
        fc.integer({ min: 1, max: 8 }),
        async (operations, sliceSize) => {
          const h = harness({ sliceSize });
          const monitor = new TestOutput();
          h.engine.peerUp('10.0.2.50', peerInfo('10.0.2.50', 65050), monitor);
          const state = PEERS.map(() => new Map<string, Route>());
          PEERS.forEach((address, i) =>
            h.engine.peerUp(address, peerInfo(address, 65001 + i), new TestOutput()),
          );
          for (const op of operations) {
            if (op.kind === 'settle') {
              await h.engine.whenIdle();
            } else if (op.kind === 'reset') {
              h.engine.peerDown(PEERS[op.peer]!);
              h.engine.peerUp(PEERS[op.peer]!, peerInfo(PEERS[op.peer]!, 65001 + op.peer), new TestOutput());
              state[op.peer]!.clear();
            } else if (op.kind === 'withdraw') {
              h.engine.receiveUpdate(PEERS[op.peer]!, withdrawalOf(op.prefixes));
              for (const p of op.prefixes) state[op.peer]!.delete(p);
            } else {
              const asns = [65001 + op.peer, ...op.route.extra];
              const communities = op.route.noAdvertise ? [WellKnownCommunity.NoAdvertise] : [];
              h.engine.receiveUpdate(
                PEERS[op.peer]!,
                updateOf(pathAttributes(asns, op.route.nextHop, { communities }), op.prefixes),
              );
              for (const p of op.prefixes)
                state[op.peer]!.set(p, {
                  asns,
                  nextHop: op.route.nextHop,
                  noAdvertise: op.route.noAdvertise,
                });
            }
          }
          await h.engine.whenIdle();
          const injected = new Map(
            [...h.sink.table.values()].map((r) => [formatPrefix(r.prefix), [...r.nextHops]]),
          );
          expect(injected).toEqual(expectedInjected(state));
          const advertised = new Map(
            [...monitor.table].map(([prefix, update]) => [
              prefix,
              update.attributes.asPath!.flatMap((s) => s.asns),
            ]),
          );
          expect(advertised).toEqual(expectedAdvertised(state));
          expect(h.engine.attributeSetCount).toBeLessThanOrEqual(PEERS.length * PREFIXES.length);
        },
      ),
      { numRuns: 150 },
    );
  });
});
