import { describe, expect, it } from 'vitest';
import { CeaseSubcode, ErrorCode } from '../bgp/codec/index.js';
import type { SessionCloseRequest } from './session-close.js';
import {
  harness,
  hostRoutes,
  NVA1,
  NVA2,
  pathAttributes,
  TestOutput,
  up,
  updateOf,
  withdrawalOf,
} from './fixtures.test-support.js';

describe('per-peer route limit', () => {
  it('closes the session with Cease / Maximum Number of Prefixes Reached and withdraws its routes', async () => {
    const h = harness({ routeLimit: 3 });
    const requests: SessionCloseRequest[] = [];
    h.engine.onSessionCloseRequested((r) => requests.push(r));
    const other = new TestOutput();
    up(h, NVA1, 65001);
    up(h, NVA2, 65002, other);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), hostRoutes(2)));
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(2);
    expect(other.table.size).toBe(2);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), hostRoutes(2, 2)));
    await h.engine.whenIdle();
    expect(requests).toEqual([
      {
        peer: NVA1,
        reason: 'route-limit',
        notification: {
          type: 'notification',
          code: ErrorCode.Cease,
          subcode: CeaseSubcode.MaximumPrefixesReached,
          data: Uint8Array.from([0, 1, 1, 0, 0, 0, 3]),
        },
      },
    ]);
    expect(h.sink.table.size).toBe(0);
    expect(other.table.size).toBe(0);
    expect(h.engine.counters.routeLimitExceeded).toBe(1);
    expect(h.engine.peerCounters(NVA1)).toMatchObject({ received: 0, routeLimitExceeded: 1 });
  });

  it('counts a re-announcement of routes already held, as Azure does', async () => {
    const h = harness({ routeLimit: 4 });
    const requests: SessionCloseRequest[] = [];
    h.engine.onSessionCloseRequested((r) => requests.push(r));
    up(h, NVA1, 65001);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), hostRoutes(3)));
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), hostRoutes(3)));
    await h.engine.whenIdle();
    expect(requests.length).toBe(1);
  });

  it('accepts an UPDATE that brings the peer exactly to the limit', async () => {
    const h = harness({ routeLimit: 4 });
    const requests: SessionCloseRequest[] = [];
    h.engine.onSessionCloseRequested((r) => requests.push(r));
    up(h, NVA1, 65001);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), hostRoutes(2)));
    h.engine.receiveUpdate(NVA1, withdrawalOf(hostRoutes(1)));
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), hostRoutes(3, 2)));
    await h.engine.whenIdle();
    expect(requests).toEqual([]);
    expect(h.engine.peerCounters(NVA1)?.received).toBe(4);
  });

  it('ignores what the peer sends after the limit tripped, and the peer recovers on a new session under the limit', async () => {
    const h = harness({ routeLimit: 3 });
    up(h, NVA1, 65001);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), hostRoutes(4)));
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), hostRoutes(1, 10)));
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(0);
    h.engine.peerDown(NVA1);
    up(h, NVA1, 65001);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), hostRoutes(3)));
    await h.engine.whenIdle();
    expect(h.sink.table.size).toBe(3);
    expect(h.engine.peerCounters(NVA1)).toMatchObject({ received: 3, accepted: 3 });
  });

  it('defaults to 4,000 routes', async () => {
    const h = harness();
    const requests: SessionCloseRequest[] = [];
    h.engine.onSessionCloseRequested((r) => requests.push(r));
    up(h, NVA1, 65001);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), hostRoutes(4000)));
    await h.engine.whenIdle();
    expect(requests).toEqual([]);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), hostRoutes(1, 4000)));
    await h.engine.whenIdle();
    expect(requests.length).toBe(1);
    expect(requests[0]!.notification.data).toEqual(Uint8Array.from([0, 1, 1, 0, 0, 0x0f, 0xa0]));
  });
});

describe('route limit changes', () => {
  it('applies a new limit to the next UPDATE', async () => {
    const h = harness({ routeLimit: 10 });
    const requests: SessionCloseRequest[] = [];
    h.engine.onSessionCloseRequested((r) => requests.push(r));
    up(h, NVA1, 65001);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), hostRoutes(5)));
    await h.engine.whenIdle();
    h.engine.setRouteLimit(6);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), hostRoutes(2, 5)));
    await h.engine.whenIdle();
    expect(requests.map((r) => r.notification.data)).toEqual([Uint8Array.from([0, 1, 1, 0, 0, 0, 6])]);
  });

  it('refuses a limit that is not a positive integer', () => {
    const h = harness();
    expect(() => h.engine.setRouteLimit(0)).toThrow(
      expect.objectContaining({ code: 'BGPRS_ERR_RIB_INVALID_OPTION' }),
    );
  });
});
