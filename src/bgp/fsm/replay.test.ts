import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { actionsJson, decodeEventLine, encodeEventLine, replay } from './replay.js';
import { fsmConfig } from './config.js';

const fixture = (name: string) =>
  readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8').split('\n');

describe('bgp/fsm record and replay', () => {
  it('replays a recorded session (Established, keepalives, hold timer expiry) to the recorded actions', () => {
    const { results, state } = replay(fixture('hold-timer-expiry.jsonl'));
    expect(results.map((r) => r.recorded.event.type)).toEqual([
      'ManualStart',
      'TcpConnectionConfirmed',
      'BGPOpen',
      'KeepAliveMsg',
      'KeepaliveTimer_Expires',
      'KeepAliveMsg',
      'KeepaliveTimer_Expires',
      'KeepaliveTimer_Expires',
      'HoldTimer_Expires',
    ]);
    for (const { recorded, actions } of results) {
      expect(actionsJson(actions), recorded.event.type).toBe(actionsJson(recorded.actions ?? []));
    }
    expect(state.name).toBe('Idle');
    expect(state.since).toBe(1_012_000);
  });

  it('round-trips bytes and sets through the line format', () => {
    const line = encodeEventLine({
      t: 5,
      event: {
        type: 'NotifMsg',
        notification: { type: 'notification', code: 6, subcode: 2, data: Uint8Array.of(1, 65) },
      },
      actions: [
        {
          type: 'SetCodecContext',
          context: {
            fourOctetAs: true,
            extendedMessage: false,
            addPathReceive: new Set([257]),
            addPathSend: new Set(),
          },
        },
      ],
    });
    const back = decodeEventLine(line);
    expect(back).toEqual({
      t: 5,
      event: {
        type: 'NotifMsg',
        notification: { type: 'notification', code: 6, subcode: 2, data: Uint8Array.of(1, 65) },
      },
      actions: [
        {
          type: 'SetCodecContext',
          context: {
            fourOctetAs: true,
            extendedMessage: false,
            addPathReceive: new Set([257]),
            addPathSend: new Set(),
          },
        },
      ],
    });
  });

  it('needs a configuration when the recording has none', () => {
    expect(() => replay(['{"t":1,"event":{"type":"ManualStart"}}'])).toThrow('configuration');
    const cfg = fsmConfig({ localAs: 65515, localIdentifier: 1, peerAs: 65001 });
    expect(replay(['{"t":1,"event":{"type":"ManualStart"}}'], { config: cfg }).state.name).toBe('Connect');
  });

  it('applies a configuration line recorded mid-session to the steps after it', () => {
    const cfg = fsmConfig({ localAs: 65515, localIdentifier: 1, peerAs: 65001, passive: true });
    const lines = [
      encodeEventLine({ config: cfg, attempt: 7 }),
      encodeEventLine({ t: 1, event: { type: 'ManualStart' }, attempt: 7 }),
      encodeEventLine({ config: { ...cfg, allowAutomaticStart: false }, attempt: 7 }),
      encodeEventLine({ t: 2, event: { type: 'TcpConnectionFails' }, attempt: 7 }),
    ];
    const { results } = replay(lines);
    expect(results[1]!.actions.some((a) => a.type === 'StartTimer' && a.timer === 'IdleHold')).toBe(false);
  });
});
