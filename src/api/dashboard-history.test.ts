/** The dashboard's memory of sessions: flaps, last NOTIFICATION, and bounded windows of samples and changes. */
import { describe, expect, it } from 'vitest';
import { SessionHistory, type SessionCounters } from './dashboard-history.js';

const counters = (learned: number, peerIp = '10.1.1.4'): SessionCounters => ({
  routeServerId: 'rs',
  connectionId: 'c',
  peerIp,
  instance: 'IN_0',
  localAddress: '10.1.0.4',
  state: 'Established',
  learned,
  advertised: 0,
  updatesReceived: 0,
  prefixesAnnounced: 0,
  prefixesWithdrawn: 0,
});

describe('SessionHistory', () => {
  it('counts a flap each time a session leaves Established and remembers when it entered its state', () => {
    const history = new SessionHistory({ sampleMs: 1000, samples: 10, stateChanges: 10 });
    const state = (from: string, to: string, at: number) =>
      history.record({ type: 'state', localAddress: '10.1.0.4', peer: '10.1.1.4', from, to }, at);
    state('OpenConfirm', 'Established', 1);
    state('Established', 'Idle', 2);
    state('OpenConfirm', 'Established', 3);
    state('Established', 'Idle', 4);
    expect(history.session('10.1.0.4', '10.1.1.4')).toEqual({ since: 4, flaps: 2 });
  });

  it('keeps the last NOTIFICATION of a session', () => {
    const history = new SessionHistory();
    history.record(
      {
        type: 'notification',
        direction: 'sent',
        localAddress: 'a',
        peer: 'b',
        name: 'Cease / Administrative Reset',
      },
      7,
    );
    expect(history.session('a', 'b')?.lastNotification).toEqual({
      at: 7,
      direction: 'sent',
      name: 'Cease / Administrative Reset',
    });
  });

  it('keeps only the newest state changes', () => {
    const history = new SessionHistory({ sampleMs: 1000, samples: 10, stateChanges: 3 });
    for (let at = 1; at <= 5; at++)
      history.record({ type: 'state', localAddress: 'a', peer: 'b', from: 'Idle', to: 'Connect' }, at);
    expect(history.snapshot().stateChanges.map((change) => change.at)).toEqual([3, 4, 5]);
  });

  it('keeps a window of samples per session, null where a session did not exist, and forgets sessions gone from the window', () => {
    const history = new SessionHistory({ sampleMs: 1000, samples: 3, stateChanges: 10 });
    history.sample([counters(1)], 1);
    history.sample([counters(2), counters(9, '10.1.1.5')], 2);
    history.sample([counters(3)], 3);
    expect(history.snapshot().learned).toEqual({
      '10.1.0.4|10.1.1.4': [1, 2, 3],
      '10.1.0.4|10.1.1.5': [null, 9, null],
    });
    history.sample([counters(4)], 4);
    history.sample([counters(5)], 5);
    const snapshot = history.snapshot();
    expect(snapshot.times).toEqual([3, 4, 5]);
    expect(snapshot.learned).toEqual({ '10.1.0.4|10.1.1.4': [3, 4, 5] });
  });
});
