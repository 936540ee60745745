import { describe, expect, it } from 'vitest';
import { fromHex } from '../../lib/bytes.js';
import { BASE_CONTEXT, BgpWireError, decode, encode, notificationFor } from '../codec/index.js';
import type { Capability, OpenMessage } from '../codec/index.js';
import { fsmConfig } from './config.js';
import { initialState, step } from './fsm.js';
import { buildOpen, negotiate } from './open.js';
import type { FsmState } from './types.js';

const base = fsmConfig({ localAs: 65515, localIdentifier: 0x0a000004, peerAs: 65001 });
const withGr = fsmConfig({ ...base, gracefulRestart: { restartTimeSeconds: 120, restarting: false } });

function peerOpen(capabilities: Capability[]): OpenMessage {
  return { type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpIdentifier: 1, capabilities };
}

function openBytes(parameters: string): Buffer {
  const body = '04fde9005a0a000001' + (parameters.length / 2).toString(16).padStart(2, '0') + parameters;
  return fromHex('ff'.repeat(16) + (19 + body.length / 2).toString(16).padStart(4, '0') + '01' + body);
}

describe('graceful restart capability (RFC 4724 §3)', () => {
  it('is not advertised unless configured (Azure Route Server advertises none)', () => {
    expect(buildOpen(base).capabilities.some((c) => c.kind === 'graceful-restart')).toBe(false);
  });

  it('advertises the Restart Time and every family with the Forwarding State bit', () => {
    const open = buildOpen(
      fsmConfig({
        ...withGr,
        families: [
          { afi: 1, safi: 1 },
          { afi: 2, safi: 1 },
        ],
      }),
    );
    expect(open.capabilities.find((c) => c.kind === 'graceful-restart')).toEqual({
      kind: 'graceful-restart',
      flags: 0,
      restartTime: 120,
      families: [
        { afi: 1, safi: 1, flags: 0x80 },
        { afi: 2, safi: 1, flags: 0x80 },
      ],
    });
  });

  it('sets the Restart State bit after a restart', () => {
    const open = buildOpen(
      fsmConfig({ ...base, gracefulRestart: { restartTimeSeconds: 90, restarting: true } }),
    );
    expect(open.capabilities.find((c) => c.kind === 'graceful-restart')).toMatchObject({ flags: 0x8 });
  });

  it('round-trips our OPEN through the codec, capability bytes as RFC 4724 §3 lays them out', () => {
    const open = buildOpen(
      fsmConfig({ ...base, gracefulRestart: { restartTimeSeconds: 300, restarting: true } }),
    );
    const bytes = encode(open, BASE_CONTEXT);
    // code 64, length 6, R bit + 300 s (0x812c), AFI 1, SAFI 1, F bit
    expect(Buffer.from(bytes).toString('hex')).toContain('4006812c00010180');
    expect((decode(bytes, BASE_CONTEXT) as OpenMessage).capabilities).toEqual(open.capabilities);
  });

  it('answers a capability whose length is not 2 + 4n with OPEN Message Error (2/0)', () => {
    let error: unknown;
    try {
      decode(openBytes('0205' + '4003' + '0078' + '00'), BASE_CONTEXT);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BgpWireError);
    expect((error as BgpWireError).code).toBe('BGPRS_ERR_MALFORMED_CAPABILITY');
    expect(notificationFor(error as BgpWireError)).toMatchObject({
      type: 'notification',
      code: 2,
      subcode: 0,
    });
  });

  it('sends that NOTIFICATION and goes Idle when the OPEN fails to decode in OpenSent', () => {
    let state: FsmState = initialState(withGr, 0);
    for (const type of ['ManualStart', 'Tcp_CR_Acked'] as const) state = step(state, { type }, 0).state;
    expect(state.name).toBe('OpenSent');
    const notification = { type: 'notification' as const, code: 2, subcode: 0, data: new Uint8Array(0) };
    const result = step(state, { type: 'BGPOpenMsgErr', notification }, 0);
    expect(result.state.name).toBe('Idle');
    expect(result.actions).toContainEqual({ type: 'SendNotification', notification });
  });
});

describe('graceful restart negotiation (RFC 4724 §4)', () => {
  it('applies only when both sides advertise the capability', () => {
    const gr: Capability = { kind: 'graceful-restart', flags: 0, restartTime: 120, families: [] };
    expect(negotiate(base, peerOpen([gr])).gracefulRestart).toBeUndefined();
    expect(negotiate(withGr, peerOpen([])).gracefulRestart).toBeUndefined();
    expect(negotiate(withGr, peerOpen([gr])).gracefulRestart).toEqual({
      peerRestartTimeSeconds: 120,
      peerRestarting: false,
      families: [],
    });
  });

  it("keeps the peer's Restart Time, Restart State and Forwarding State of the session's families", () => {
    const gr: Capability = {
      kind: 'graceful-restart',
      flags: 0x8,
      restartTime: 45,
      families: [
        { afi: 1, safi: 1, flags: 0 },
        { afi: 2, safi: 1, flags: 0x80 },
      ],
    };
    expect(negotiate(withGr, peerOpen([gr])).gracefulRestart).toEqual({
      peerRestartTimeSeconds: 45,
      peerRestarting: true,
      // IPv6 is not a family of this session (no Multiprotocol capability for it)
      families: [{ afi: 1, safi: 1, forwardingPreserved: false }],
    });
  });
});
