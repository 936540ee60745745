import { describe, expect, it } from 'vitest';
import { AS_TRANS, CeaseSubcode, ErrorCode, OpenErrorSubcode } from '../codec/index.js';
import type { Capability, NotificationMessage, OpenMessage } from '../codec/index.js';
import { fsmConfig } from './config.js';
import { FsmReasonCode } from './errors.js';
import { initialState, step } from './fsm.js';
import type { FsmAction, FsmConfig, FsmEvent, FsmState } from './types.js';

const LOCAL_ID = 0x0a000004; // 10.0.0.4
const PEER_ID = 0x0a000104; // 10.0.1.4

const config = (overrides: Partial<FsmConfig> = {}): FsmConfig =>
  fsmConfig({ localAs: 65515, localIdentifier: LOCAL_ID, peerAs: 65001, holdTimeSeconds: 9, ...overrides });

function peerOpen(overrides: Partial<OpenMessage> = {}, capabilities?: Capability[]): OpenMessage {
  return {
    type: 'open',
    version: 4,
    myAs: 65001,
    holdTime: 90,
    bgpIdentifier: PEER_ID,
    capabilities: capabilities ?? [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'route-refresh' },
      { kind: 'four-octet-as', asn: 65001 },
    ],
    ...overrides,
  };
}

/** Drives an FSM through events with a fake clock; keeps every step's actions. */
class Driver {
  state: FsmState;
  now = 1_000;
  last: readonly FsmAction[] = [];
  constructor(cfg: FsmConfig = config()) {
    this.state = initialState(cfg, this.now);
  }
  send(...events: FsmEvent[]): this {
    for (const event of events) {
      const out = step(this.state, event, this.now);
      this.state = out.state;
      this.last = out.actions;
    }
    return this;
  }
  advance(ms: number): this {
    this.now += ms;
    return this;
  }
  get name() {
    return this.state.name;
  }
  sent(): NotificationMessage | undefined {
    const a = this.last.find((x) => x.type === 'SendNotification');
    return a?.type === 'SendNotification' ? a.notification : undefined;
  }
  timers(): Record<string, number | 'stop'> {
    const out: Record<string, number | 'stop'> = {};
    for (const a of this.last) {
      if (a.type === 'StartTimer') out[a.timer] = a.seconds;
      if (a.type === 'StopTimer') out[a.timer] ??= 'stop';
    }
    return out;
  }
  has(type: FsmAction['type']): boolean {
    return this.last.some((a) => a.type === type);
  }
}

const ev = <T extends FsmEvent['type']>(type: T) => ({ type }) as FsmEvent;
const open = (o: OpenMessage = peerOpen()): FsmEvent => ({ type: 'BGPOpen', open: o });
const notif = (code: number, subcode: number): NotificationMessage => ({
  type: 'notification',
  code,
  subcode,
  data: new Uint8Array(0),
});

/** Idle → Connect → OpenSent → OpenConfirm → Established. */
function established(cfg?: FsmConfig): Driver {
  return new Driver(cfg).send(ev('ManualStart'), ev('Tcp_CR_Acked'), open(), ev('KeepAliveMsg'));
}

describe('bgp/fsm Idle', () => {
  it('dials and starts the ConnectRetryTimer on ManualStart', () => {
    const d = new Driver().send(ev('ManualStart'));
    expect(d.name).toBe('Connect');
    expect(d.has('Connect')).toBe(true);
    expect(d.timers().ConnectRetry).toBe(5);
  });

  it('only listens (Active, no dial) when the peer is passive', () => {
    const d = new Driver(config({ passive: true })).send(ev('ManualStart'));
    expect(d.name).toBe('Active');
    expect(d.has('Connect')).toBe(false);
  });

  it('goes to Active without dialling on ManualStart_with_PassiveTcpEstablishment', () => {
    const d = new Driver().send(ev('ManualStart_with_PassiveTcpEstablishment'));
    expect(d.name).toBe('Active');
    expect(d.has('Connect')).toBe(false);
  });

  it('ignores messages and timer events', () => {
    for (const e of [ev('KeepAliveMsg'), ev('HoldTimer_Expires'), ev('TcpConnectionConfirmed'), open()]) {
      const d = new Driver().send(e);
      expect(d.name).toBe('Idle');
      expect(d.last).toEqual([]);
    }
  });

  it('restarts automatically when the IdleHoldTimer expires', () => {
    const d = new Driver().send(ev('IdleHoldTimer_Expires'));
    expect(d.name).toBe('Connect');
  });

  it('cancels a pending automatic restart on ManualStop', () => {
    const d = new Driver().send(ev('ManualStop'));
    expect(d.timers().IdleHold).toBe('stop');
  });
});

describe('bgp/fsm Connect and Active', () => {
  it('sends OPEN and waits with a large HoldTimer once TCP is up (RFC 4271 §8.2.2)', () => {
    const d = new Driver().send(ev('ManualStart'), ev('Tcp_CR_Acked'));
    expect(d.name).toBe('OpenSent');
    const sendOpen = d.last.find((a) => a.type === 'SendOpen');
    expect(sendOpen?.type === 'SendOpen' && sendOpen.open.holdTime).toBe(9);
    expect(d.timers().Hold).toBe(240);
    expect(d.timers().ConnectRetry).toBe('stop');
  });

  it('accepts an inbound connection in Active (TcpConnectionConfirmed)', () => {
    const d = new Driver(config({ passive: true })).send(ev('ManualStart'), ev('TcpConnectionConfirmed'));
    expect(d.name).toBe('OpenSent');
  });

  it('drops the attempt and dials again when the ConnectRetryTimer expires in Connect', () => {
    const d = new Driver().send(ev('ManualStart'), ev('ConnectRetryTimer_Expires'));
    expect(d.name).toBe('Connect');
    expect(d.last.map((a) => a.type)).toEqual(['Disconnect', 'StopTimer', 'StartTimer', 'Connect']);
  });

  it('dials from Active when the ConnectRetryTimer expires', () => {
    const d = new Driver().send(ev('ManualStart'), ev('TcpConnectionFails'));
    expect(d.name).toBe('Active');
    d.send(ev('ConnectRetryTimer_Expires'));
    expect(d.name).toBe('Connect');
    expect(d.has('Connect')).toBe(true);
  });

  it('stays Active without dialling when a passive peer’s ConnectRetryTimer expires', () => {
    const d = new Driver(config({ passive: true })).send(ev('ManualStart'), ev('ConnectRetryTimer_Expires'));
    expect(d.name).toBe('Active');
    expect(d.has('Connect')).toBe(false);
  });

  it('keeps listening in Active when the dial fails (RFC says Idle, we do Active)', () => {
    const d = new Driver().send(ev('ManualStart'), ev('TcpConnectionFails'));
    expect(d.name).toBe('Active');
    expect(d.timers().ConnectRetry).toBe(5);
  });

  it('goes Idle and schedules a restart when an accepted connection fails in Active', () => {
    const d = new Driver(config({ passive: true })).send(ev('ManualStart'), ev('TcpConnectionFails'));
    expect(d.name).toBe('Idle');
    expect(d.timers().IdleHold).toBe(1);
  });

  it('goes Idle without a restart on ManualStop', () => {
    const d = new Driver().send(ev('ManualStart'), ev('ManualStop'));
    expect(d.name).toBe('Idle');
    expect(d.timers().IdleHold).toBeUndefined();
    expect(d.state.connectRetryCounter).toBe(0);
  });
});

describe('bgp/fsm DelayOpen (RFC 4271 §8.1.1)', () => {
  const delayed = () => config({ delayOpenTimeSeconds: 2 });

  it('waits DelayOpenTime before sending OPEN', () => {
    const d = new Driver(delayed()).send(ev('ManualStart'), ev('Tcp_CR_Acked'));
    expect(d.name).toBe('Connect');
    expect(d.state.delayOpenRunning).toBe(true);
    expect(d.timers().DelayOpen).toBe(2);
    d.send(ev('DelayOpenTimer_Expires'));
    expect(d.name).toBe('OpenSent');
    expect(d.has('SendOpen')).toBe(true);
  });

  it('answers an OPEN that arrives during DelayOpen with OPEN and KEEPALIVE (event 20)', () => {
    const d = new Driver(delayed()).send(ev('ManualStart'), ev('Tcp_CR_Acked'), open());
    expect(d.name).toBe('OpenConfirm');
    expect(d.last.map((a) => a.type)).toContain('SendOpen');
    expect(d.last.map((a) => a.type)).toContain('SendKeepalive');
  });
});

describe('bgp/fsm OpenSent: OPEN validation (RFC 4271 §6.2)', () => {
  const openSent = (cfg?: FsmConfig) => new Driver(cfg).send(ev('ManualStart'), ev('Tcp_CR_Acked'));

  it('accepts a valid OPEN, sends KEEPALIVE and negotiates the smaller hold time', () => {
    const d = openSent().send(open());
    expect(d.name).toBe('OpenConfirm');
    expect(d.has('SendKeepalive')).toBe(true);
    expect(d.timers()).toMatchObject({ Hold: 9, Keepalive: 3 });
    expect(d.state.negotiated?.holdTimeSeconds).toBe(9);
  });

  it('takes the peer’s hold time when it is smaller, keepalive a third of it', () => {
    const d = openSent(config({ holdTimeSeconds: 180 })).send(open(peerOpen({ holdTime: 30 })));
    expect(d.state.negotiated).toMatchObject({ holdTimeSeconds: 30, keepaliveSeconds: 10 });
  });

  it('runs neither Hold nor Keepalive timer when the hold time is 0', () => {
    const d = openSent().send(open(peerOpen({ holdTime: 0 })));
    expect(d.timers()).toMatchObject({ Hold: 'stop', Keepalive: 'stop' });
  });

  it('defaults to hold 180 s and keepalive 60 s like Azure Route Server', () => {
    const cfg = fsmConfig({ localAs: 65515, localIdentifier: LOCAL_ID, peerAs: 65001 });
    const d = openSent(cfg).send(open(peerOpen({ holdTime: 180 })));
    expect(d.state.negotiated).toMatchObject({ holdTimeSeconds: 180, keepaliveSeconds: 60 });
  });

  it('rejects a wrong peer AS with OPEN Message Error / Bad Peer AS', () => {
    const d = openSent().send(open(peerOpen({ myAs: 65002 }, [])));
    expect(d.name).toBe('Idle');
    expect(d.sent()).toMatchObject({ code: ErrorCode.OpenMessage, subcode: OpenErrorSubcode.BadPeerAs });
    expect(d.state.reason?.code).toBe(FsmReasonCode.BadPeerAs);
  });

  it('takes the peer AS from the 4-octet AS capability when My AS is AS_TRANS (RFC 6793)', () => {
    const cfg = config({ peerAs: 4200000001 });
    const d = openSent(cfg).send(
      open(peerOpen({ myAs: AS_TRANS }, [{ kind: 'four-octet-as', asn: 4200000001 }])),
    );
    expect(d.name).toBe('OpenConfirm');
    expect(d.state.negotiated?.context.fourOctetAs).toBe(true);
  });

  it('rejects a 4-octet peer that cannot say its AS (no capability) as Bad Peer AS', () => {
    const d = openSent(config({ peerAs: 4200000001 })).send(open(peerOpen({ myAs: AS_TRANS }, [])));
    expect(d.sent()?.subcode).toBe(OpenErrorSubcode.BadPeerAs);
  });

  it('rejects a capability AS that contradicts My AS as Bad Peer AS', () => {
    const d = openSent().send(open(peerOpen({ myAs: 65009 }, [{ kind: 'four-octet-as', asn: 65001 }])));
    expect(d.sent()?.subcode).toBe(OpenErrorSubcode.BadPeerAs);
  });

  it('rejects an unsupported version with the largest version we support as data', () => {
    const d = openSent().send(open(peerOpen({ version: 3 })));
    expect(d.sent()).toMatchObject({ code: 2, subcode: OpenErrorSubcode.UnsupportedVersionNumber });
    expect([...d.sent()!.data]).toEqual([0, 4]);
  });

  it.each([1, 2])('rejects hold time %i s with Unacceptable Hold Time', (holdTime) => {
    const d = openSent().send(open(peerOpen({ holdTime })));
    expect(d.sent()).toMatchObject({ code: 2, subcode: OpenErrorSubcode.UnacceptableHoldTime });
    expect(d.name).toBe('Idle');
  });

  it.each([
    ['zero', 0],
    ['ours', LOCAL_ID],
  ])('rejects a BGP Identifier that is %s with Bad BGP Identifier', (_n, bgpIdentifier) => {
    const d = openSent().send(open(peerOpen({ bgpIdentifier })));
    expect(d.sent()).toMatchObject({ code: 2, subcode: OpenErrorSubcode.BadBgpIdentifier });
  });

  it('sends the NOTIFICATION of a header error and closes', () => {
    const d = openSent().send({ type: 'BGPHeaderErr', notification: notif(1, 1) });
    expect(d.sent()).toMatchObject({ code: 1, subcode: 1 });
    expect(d.has('Disconnect')).toBe(true);
    expect(d.state.connectRetryCounter).toBe(1);
  });

  it('sends Hold Timer Expired when no OPEN arrives in time', () => {
    const d = openSent().send(ev('HoldTimer_Expires'));
    expect(d.sent()).toMatchObject({ code: ErrorCode.HoldTimerExpired, subcode: 0 });
    expect(d.name).toBe('Idle');
  });

  it('answers a KEEPALIVE before OPEN with FSM Error / unexpected in OpenSent (RFC 6608)', () => {
    const d = openSent().send(ev('KeepAliveMsg'));
    expect(d.sent()).toMatchObject({ code: ErrorCode.FiniteStateMachine, subcode: 1 });
  });

  it('goes back to Active when TCP fails in OpenSent', () => {
    const d = openSent().send(ev('TcpConnectionFails'));
    expect(d.name).toBe('Active');
  });

  it('closes without answering a NOTIFICATION', () => {
    const d = openSent().send({ type: 'NotifMsg', notification: notif(6, 2) });
    expect(d.name).toBe('Idle');
    expect(d.sent()).toBeUndefined();
  });
});

describe('bgp/fsm OpenConfirm', () => {
  const openConfirm = () => new Driver().send(ev('ManualStart'), ev('Tcp_CR_Acked'), open());

  it('reaches Established on KEEPALIVE and restarts the HoldTimer', () => {
    const d = openConfirm().send(ev('KeepAliveMsg'));
    expect(d.name).toBe('Established');
    expect(d.timers().Hold).toBe(9);
  });

  it('sends KEEPALIVE when the KeepaliveTimer expires', () => {
    const d = openConfirm().send(ev('KeepaliveTimer_Expires'));
    expect(d.last).toEqual([
      { type: 'SendKeepalive' },
      { type: 'StartTimer', timer: 'Keepalive', seconds: 3 },
    ]);
  });

  it('answers a second OPEN with FSM Error / unexpected in OpenConfirm', () => {
    const d = openConfirm().send(open());
    expect(d.sent()).toMatchObject({ code: 5, subcode: 2 });
  });

  it('sends Cease / Connection Collision Resolution on OpenCollisionDump', () => {
    const d = openConfirm().send(ev('OpenCollisionDump'));
    expect(d.sent()).toMatchObject({ code: 6, subcode: CeaseSubcode.ConnectionCollisionResolution });
    expect(d.name).toBe('Idle');
  });

  it('sends Hold Timer Expired when the peer goes silent', () => {
    const d = openConfirm().send(ev('HoldTimer_Expires'));
    expect(d.sent()?.code).toBe(ErrorCode.HoldTimerExpired);
  });
});

describe('bgp/fsm Established', () => {
  it('restarts the HoldTimer on KEEPALIVE, UPDATE and ROUTE-REFRESH', () => {
    for (const e of ['KeepAliveMsg', 'UpdateMsg', 'RouteRefreshMsg'] as const) {
      const d = established().send(ev(e));
      expect(d.name).toBe('Established');
      expect(d.last).toEqual([{ type: 'StartTimer', timer: 'Hold', seconds: 9 }]);
    }
  });

  it('sends Hold Timer Expired, deletes routes and schedules a restart when the peer goes silent', () => {
    const d = established().advance(9_000).send(ev('HoldTimer_Expires'));
    expect(d.name).toBe('Idle');
    expect(d.sent()).toEqual(notif(4, 0));
    expect(d.has('DeleteRoutes')).toBe(true);
    expect(d.timers().IdleHold).toBe(1);
    expect(d.state.since).toBe(d.now);
    expect(d.state.reason?.code).toBe(FsmReasonCode.HoldTimerExpired);
  });

  it('backs off the automatic restart after consecutive failures', () => {
    const d = established().send(ev('HoldTimer_Expires'));
    d.send(ev('IdleHoldTimer_Expires'), ev('Tcp_CR_Acked'), ev('HoldTimer_Expires'));
    expect(d.timers().IdleHold).toBe(2);
    d.send(ev('IdleHoldTimer_Expires'), ev('Tcp_CR_Acked'), ev('HoldTimer_Expires'));
    expect(d.timers().IdleHold).toBe(4);
  });

  it('sends the UPDATE error NOTIFICATION and deletes routes on UpdateMsgErr', () => {
    const d = established().send({ type: 'UpdateMsgErr', notification: notif(3, 1) });
    expect(d.sent()).toMatchObject({ code: 3, subcode: 1 });
    expect(d.has('DeleteRoutes')).toBe(true);
  });

  it('sends the header error NOTIFICATION mid-session (RFC 4271 §6.1)', () => {
    const d = established().send({ type: 'BGPHeaderErr', notification: notif(1, 1) });
    expect(d.sent()).toMatchObject({ code: 1, subcode: 1 });
    expect(d.name).toBe('Idle');
  });

  it('sends Cease / Administrative Shutdown with the given communication on ManualStop', () => {
    const cease = {
      type: 'notification',
      code: 6,
      subcode: 2,
      data: Uint8Array.of(3, 98, 121, 101),
    } as const;
    const d = established().send({ type: 'ManualStop_with_Cease', notification: cease });
    expect(d.sent()).toBe(cease);
    expect(d.timers().IdleHold).toBeUndefined();
  });

  it('sends Cease / Administrative Reset and restarts on AutomaticStop', () => {
    const d = established().send(ev('AutomaticStop'));
    expect(d.sent()).toMatchObject({ code: 6, subcode: CeaseSubcode.AdministrativeReset });
    expect(d.timers().IdleHold).toBe(1);
  });

  it('goes Idle on a NOTIFICATION from the peer without answering it', () => {
    const d = established().send({ type: 'NotifMsg', notification: notif(6, 2) });
    expect(d.name).toBe('Idle');
    expect(d.sent()).toBeUndefined();
    expect(d.has('DeleteRoutes')).toBe(true);
  });

  it('answers a second OPEN with FSM Error / unexpected in Established', () => {
    const d = established().send(open());
    expect(d.sent()).toMatchObject({ code: 5, subcode: 3 });
  });

  it('goes Idle when TCP fails', () => {
    const d = established().send(ev('TcpConnectionFails'));
    expect(d.name).toBe('Idle');
    expect(d.has('DeleteRoutes')).toBe(true);
  });

  it('zeroes the ConnectRetryCounter on reaching Established', () => {
    const d = established().send(ev('HoldTimer_Expires'));
    expect(d.state.connectRetryCounter).toBe(1);
    d.send(ev('IdleHoldTimer_Expires'), ev('Tcp_CR_Acked'), open(), ev('KeepAliveMsg'));
    expect(d.state.connectRetryCounter).toBe(0);
  });
});
