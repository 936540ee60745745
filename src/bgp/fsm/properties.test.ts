import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NotificationMessage } from '../codec/index.js';
import { fsmConfig } from './config.js';
import { initialState, step } from './fsm.js';
import type { FsmEvent, FsmState } from './types.js';

const config = fsmConfig({ localAs: 65515, localIdentifier: 0x0a000004, peerAs: 65001, holdTimeSeconds: 9 });
const notification: NotificationMessage = {
  type: 'notification',
  code: 6,
  subcode: 2,
  data: new Uint8Array(0),
};

const SIMPLE = [
  'ManualStart',
  'ManualStop',
  'AutomaticStart',
  'ManualStart_with_PassiveTcpEstablishment',
  'AutomaticStart_with_PassiveTcpEstablishment',
  'AutomaticStop',
  'ConnectRetryTimer_Expires',
  'HoldTimer_Expires',
  'KeepaliveTimer_Expires',
  'DelayOpenTimer_Expires',
  'IdleHoldTimer_Expires',
  'TcpConnection_Valid',
  'Tcp_CR_Invalid',
  'Tcp_CR_Acked',
  'TcpConnectionConfirmed',
  'TcpConnectionFails',
  'OpenCollisionDump',
  'KeepAliveMsg',
  'UpdateMsg',
  'RouteRefreshMsg',
] as const;

const eventArb: fc.Arbitrary<FsmEvent> = fc.oneof(
  fc.constantFrom(...SIMPLE).map((type) => ({ type })),
  fc
    .record({
      holdTime: fc.constantFrom(0, 1, 3, 9, 90),
      myAs: fc.constantFrom(65001, 65002),
      bgpIdentifier: fc.constantFrom(0, 0x0a000004, 0x0a000104),
    })
    .map(({ holdTime, myAs, bgpIdentifier }) => ({
      type: 'BGPOpen' as const,
      open: { type: 'open' as const, version: 4, myAs, holdTime, bgpIdentifier, capabilities: [] },
    })),
  fc
    .constantFrom('BGPHeaderErr', 'BGPOpenMsgErr', 'NotifMsgVerErr', 'NotifMsg', 'UpdateMsgErr')
    .map((type) => ({ type, notification })),
);

describe('bgp/fsm invariants over random event sequences', () => {
  it('never throws, tears everything down on the way to Idle, and reaches Established only from OpenConfirm on KEEPALIVE', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(eventArb, { maxLength: 60 }), (passive, events) => {
        let state: FsmState = initialState({ ...config, passive }, 0);
        let now = 0;
        for (const event of events) {
          now += 1000;
          const before = state;
          const { state: after, actions } = step(state, event, now);
          const types = actions.map((a) => a.type);
          if (after.name === 'Idle' && before.name !== 'Idle') {
            expect(types).toContain('Disconnect');
            expect(actions).toContainEqual({ type: 'StopTimer', timer: 'Hold' });
            expect(after.negotiated).toBeUndefined();
          }
          if (after.name === 'Established' && before.name !== 'Established') {
            expect([before.name, event.type]).toEqual(['OpenConfirm', 'KeepAliveMsg']);
          }
          if (types.includes('SendKeepalive')) expect(after.negotiated).toBeDefined();
          if (after.name === 'OpenConfirm' || after.name === 'Established') {
            expect(after.negotiated?.holdTimeSeconds === 0 || after.negotiated!.holdTimeSeconds >= 3).toBe(
              true,
            );
          }
          if (passive) expect(types).not.toContain('Connect');
          state = after;
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
