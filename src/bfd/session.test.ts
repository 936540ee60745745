import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { BfdDiagnostic } from './packet.js';
import type { ControlPacket } from './packet.js';
import { BfdSession } from './session.js';
import type { BfdStateChange, BfdTimers } from './session.js';

const FAST: BfdTimers = { desiredMinTxMs: 100, requiredMinRxMs: 100, detectMultiplier: 3 };

interface Sent {
  readonly at: number;
  readonly packet: ControlPacket;
}

/** Two sessions joined by a link with 1 ms latency in each direction, on one manual clock. */
class Pair {
  readonly clock = new ManualClock();
  readonly a: BfdSession;
  readonly b: BfdSession;
  readonly sentByA: Sent[] = [];
  readonly sentByB: Sent[] = [];
  readonly changesOfA: (BfdStateChange & { at: number })[] = [];
  readonly changesOfB: BfdStateChange[] = [];
  /** drop what A (or B) sends */
  cutA = false;
  cutB = false;

  constructor(timersA: BfdTimers = FAST, timersB: BfdTimers = FAST, random: () => number = () => 0.5) {
    this.a = new BfdSession({
      clock: this.clock,
      random,
      localDiscriminator: 0x1111,
      timers: timersA,
      send: (packet) =>
        this.carry(
          packet,
          this.sentByA,
          () => this.cutA,
          () => this.b,
        ),
      onStateChange: (change) => this.changesOfA.push({ ...change, at: this.clock.now() }),
    });
    this.b = new BfdSession({
      clock: this.clock,
      random,
      localDiscriminator: 0x2222,
      timers: timersB,
      send: (packet) =>
        this.carry(
          packet,
          this.sentByB,
          () => this.cutB,
          () => this.a,
        ),
      onStateChange: (change) => this.changesOfB.push(change),
    });
  }

  private carry(packet: ControlPacket, log: Sent[], cut: () => boolean, to: () => BfdSession): void {
    log.push({ at: this.clock.now(), packet });
    if (!cut()) this.clock.setTimer(1, () => to().receive(packet));
  }

  start(): void {
    this.a.start();
    this.b.start();
  }

  /** Advances in 10 ms steps until both are Up (at most `limitMs`). */
  untilUp(limitMs = 10_000): void {
    for (let t = 0; t < limitMs && (this.a.state !== 'Up' || this.b.state !== 'Up'); t += 10)
      this.clock.advance(10);
  }
}

const packet = (overrides: Partial<ControlPacket>): ControlPacket => ({
  diagnostic: 0,
  state: 'Down',
  poll: false,
  final: false,
  controlPlaneIndependent: false,
  demand: false,
  detectMultiplier: 3,
  myDiscriminator: 0x9999,
  yourDiscriminator: 0,
  desiredMinTxMicroseconds: 1_000_000,
  requiredMinRxMicroseconds: 100_000,
  requiredMinEchoRxMicroseconds: 0,
  ...overrides,
});

function lone(timers: BfdTimers = FAST, random: () => number = () => 0.5) {
  const clock = new ManualClock();
  const sent: Sent[] = [];
  const changes: BfdStateChange[] = [];
  const session = new BfdSession({
    clock,
    random,
    localDiscriminator: 0x1111,
    timers,
    send: (p) => sent.push({ at: clock.now(), packet: p }),
    onStateChange: (c) => changes.push(c),
  });
  return { clock, sent, changes, session };
}

/** A lone session brought Up by a scripted remote (discriminator 0x9999). */
function loneUp(timers: BfdTimers = FAST) {
  const s = lone(timers);
  s.session.start();
  s.session.receive(packet({ state: 'Down' }));
  s.session.receive(packet({ state: 'Up', yourDiscriminator: 0x1111 }));
  return s;
}

describe('bfd/session state machine (RFC 5880 §6.8.6)', () => {
  it('comes Up through Down → Init → Up on both sides (three-way handshake)', () => {
    const pair = new Pair();
    pair.start();
    pair.untilUp();
    expect(pair.changesOfA.map((c) => c.to)).toEqual(['Init', 'Up']);
    expect(pair.changesOfB.map((c) => c.to)).toEqual(['Init', 'Up']);
    expect(pair.a.diagnostic).toBe(BfdDiagnostic.None);
  });

  it('learns the remote discriminator and echoes it as Your Discriminator', () => {
    const pair = new Pair();
    pair.start();
    pair.untilUp();
    expect(pair.sentByA.at(-1)!.packet.yourDiscriminator).toBe(0x2222);
    expect(pair.sentByB.at(-1)!.packet.yourDiscriminator).toBe(0x1111);
    expect(pair.sentByA[0]!.packet.yourDiscriminator).toBe(0);
  });

  it('goes Down with diagnostic 1 when no packet arrives within the Detection Time', () => {
    const pair = new Pair();
    pair.start();
    pair.untilUp();
    pair.clock.advance(5_000);
    expect(pair.a.detectionTimeMs).toBe(300);
    pair.cutB = true;
    pair.clock.advance(1_000);
    const lastArrival = pair.sentByB.filter((x) => x.at < pair.clock.now() - 1_000).at(-1)!.at + 1;
    const down = pair.changesOfA.at(-1)!;
    expect(down).toEqual({
      from: 'Up',
      to: 'Down',
      diagnostic: BfdDiagnostic.ControlDetectionTimeExpired,
      remoteState: 'Up',
      at: lastArrival + 300,
    });
  });

  it('forgets the remote discriminator after the Detection Time (RFC 5880 §6.8.1)', () => {
    const pair = new Pair();
    pair.start();
    pair.untilUp();
    pair.clock.advance(5_000);
    pair.cutB = true;
    pair.clock.advance(2_000);
    expect(pair.a.state).toBe('Down');
    expect(pair.sentByA.at(-1)!.packet.yourDiscriminator).toBe(0);
  });

  it('follows the remote Down with diagnostic 3 (Neighbor Signaled Session Down) and the peer goes Down as well', () => {
    const pair = new Pair();
    pair.start();
    pair.untilUp();
    pair.clock.advance(5_000);
    pair.cutA = true;
    pair.clock.advance(400);
    expect(pair.b.state).toBe('Down');
    pair.cutA = false;
    pair.clock.advance(1_100);
    expect(pair.changesOfA.find((c) => c.to === 'Down')?.diagnostic).toBe(
      BfdDiagnostic.NeighborSignaledSessionDown,
    );
  });

  it('comes Up again once packets flow after a failure', () => {
    const pair = new Pair();
    pair.start();
    pair.untilUp();
    pair.clock.advance(5_000);
    pair.cutB = true;
    pair.clock.advance(1_000);
    expect(pair.a.state).toBe('Down');
    pair.cutB = false;
    pair.untilUp();
    expect(pair.a.state).toBe('Up');
    expect(pair.b.state).toBe('Up');
  });

  it('treats a remote AdminDown as Down with diagnostic 3 and reports the remote state', () => {
    const s = loneUp();
    s.session.receive(packet({ state: 'AdminDown', yourDiscriminator: 0x1111, diagnostic: 7 }));
    expect(s.changes.at(-1)).toEqual({
      from: 'Up',
      to: 'Down',
      diagnostic: BfdDiagnostic.NeighborSignaledSessionDown,
      remoteState: 'AdminDown',
    });
  });

  it('ignores Your Discriminator 0 in a packet whose State is not Down (RFC 5880 §6.8.6)', () => {
    const s = lone();
    s.session.start();
    s.session.receive(packet({ state: 'Init', yourDiscriminator: 0 }));
    expect(s.session.state).toBe('Down');
  });

  it('goes Down on a Down with Your Discriminator 0 (the remote forgot us)', () => {
    const s = loneUp();
    s.session.receive(packet({ state: 'Down', yourDiscriminator: 0 }));
    expect(s.session.state).toBe('Down');
  });

  it('goes from Down straight to Up when the remote is already in Init', () => {
    const s = lone();
    s.session.start();
    s.session.receive(packet({ state: 'Init', yourDiscriminator: 0x1111 }));
    expect(s.changes.map((c) => c.to)).toEqual(['Up']);
  });

  it('stays Down when the remote reports Up before it knows us', () => {
    const s = lone();
    s.session.start();
    s.session.receive(packet({ state: 'Up', yourDiscriminator: 0x1111 }));
    expect(s.session.state).toBe('Down');
  });

  it('sends AdminDown with diagnostic 7 once on shutdown, then nothing', () => {
    const s = loneUp();
    const before = s.sent.length;
    s.session.shutdown();
    expect(s.sent.length).toBe(before + 1);
    expect(s.sent.at(-1)!.packet).toMatchObject({
      state: 'AdminDown',
      diagnostic: BfdDiagnostic.AdministrativelyDown,
    });
    s.clock.advance(10_000);
    expect(s.sent.length).toBe(before + 1);
    expect(s.changes.at(-1)?.to).toBe('AdminDown');
  });

  it('ignores packets after shutdown', () => {
    const s = loneUp();
    s.session.shutdown();
    s.session.receive(packet({ state: 'Down', yourDiscriminator: 0x1111 }));
    expect(s.session.state).toBe('AdminDown');
  });
});

describe('bfd/session timers (RFC 5880 §6.8.2–§6.8.4, §6.8.7)', () => {
  it('advertises and uses a Desired Min TX of one second while not Up (§6.8.3)', () => {
    const s = lone();
    s.session.start();
    s.clock.advance(5_000);
    const times = s.sent.map((x) => x.at);
    expect(s.sent.every((x) => x.packet.desiredMinTxMicroseconds === 1_000_000)).toBe(true);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(750);
  });

  it('advertises the configured rate once Up and then sends at the larger of its own and the remote Required Min RX', () => {
    const pair = new Pair(FAST, { ...FAST, requiredMinRxMs: 200 });
    pair.start();
    pair.untilUp();
    pair.clock.advance(2_000);
    expect(pair.sentByA.at(-1)!.packet.desiredMinTxMicroseconds).toBe(100_000);
    expect(pair.a.transmitIntervalMs).toBe(200);
    expect(pair.b.transmitIntervalMs).toBe(100);
  });

  it('computes the Detection Time from the remote Detect Mult and the larger of our RX and its TX (§6.8.4)', () => {
    const pair = new Pair(FAST, { desiredMinTxMs: 150, requiredMinRxMs: 100, detectMultiplier: 5 });
    pair.start();
    pair.untilUp();
    pair.clock.advance(2_000);
    expect(pair.a.detectionTimeMs).toBe(5 * 150);
    expect(pair.b.detectionTimeMs).toBe(3 * 100);
  });

  it('jitters each interval down by 0–25 % (§6.8.7)', () => {
    for (const [random, expected] of [
      [0, 75],
      [0.999, 99.975],
    ] as const) {
      const s = loneUp();
      s.session.receive(packet({ state: 'Up', yourDiscriminator: 0x1111, final: true }));
      const from = s.sent.length;
      // replace the random source by re-creating with a fixed value
      const t = lone(FAST, () => random);
      t.session.start();
      t.session.receive(packet({ state: 'Down', desiredMinTxMicroseconds: 100_000 }));
      t.session.receive(
        packet({ state: 'Up', yourDiscriminator: 0x1111, desiredMinTxMicroseconds: 100_000 }),
      );
      t.session.receive(packet({ state: 'Up', yourDiscriminator: 0x1111, final: true }));
      t.clock.advance(1_000);
      const times = t.sent.filter((x) => !x.packet.final).map((x) => x.at);
      const gaps = times.slice(-3).map((at, i, all) => (i === 0 ? undefined : at - all[i - 1]!));
      expect(gaps[1]).toBeCloseTo(expected, 6);
      expect(gaps[2]).toBeCloseTo(expected, 6);
      expect(s.sent.length).toBeGreaterThanOrEqual(from);
    }
  });

  it('keeps every interval under 90 % when Detect Mult is 1 (§6.8.7)', () => {
    const t = lone({ ...FAST, detectMultiplier: 1 }, () => 0.999);
    t.session.start();
    t.session.receive(packet({ state: 'Init', yourDiscriminator: 0x1111 }));
    t.session.receive(packet({ state: 'Up', yourDiscriminator: 0x1111, final: true }));
    t.clock.advance(1_000);
    const times = t.sent.filter((x) => !x.packet.final).map((x) => x.at);
    const gap = times.at(-1)! - times.at(-2)!;
    expect(gap).toBeLessThanOrEqual(90);
    expect(gap).toBeGreaterThanOrEqual(75);
  });

  it('sends no periodic packets while the remote Required Min RX is 0 (§6.8.7)', () => {
    const t = lone();
    t.session.start();
    t.session.receive(packet({ state: 'Down', requiredMinRxMicroseconds: 0 }));
    const count = t.sent.length;
    // until the Detection Time (3 s here) ends and the remote is forgotten
    t.clock.advance(2_900);
    expect(t.sent.length).toBe(count);
  });

  it('stops periodic packets when the remote asks for Demand mode and both are Up (§6.8.7)', () => {
    const t = loneUp();
    t.session.receive(packet({ state: 'Up', yourDiscriminator: 0x1111, final: true, demand: true }));
    const count = t.sent.length;
    t.clock.advance(250);
    expect(t.sent.length).toBe(count);
  });
});

describe('bfd/session Poll Sequence (RFC 5880 §6.5)', () => {
  it('polls when it comes Up (the one-second rate ends) until the remote answers with Final', () => {
    const t = loneUp();
    t.clock.advance(100);
    const polls = t.sent.filter((x) => x.packet.state === 'Up');
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((x) => x.packet.poll && x.packet.desiredMinTxMicroseconds === 100_000)).toBe(true);
    t.session.receive(packet({ state: 'Up', yourDiscriminator: 0x1111, final: true }));
    expect(t.session.pollInProgress).toBe(false);
    t.clock.advance(300);
    expect(t.sent.at(-1)!.packet.poll).toBe(false);
  });

  it('answers a Poll at once with Final and without Poll, outside the periodic schedule', () => {
    const t = loneUp();
    t.session.receive(packet({ state: 'Up', yourDiscriminator: 0x1111, final: true }));
    const before = t.sent.length;
    t.session.receive(packet({ state: 'Up', yourDiscriminator: 0x1111, poll: true }));
    expect(t.sent.length).toBe(before + 1);
    expect(t.sent.at(-1)!.packet).toMatchObject({ final: true, poll: false, state: 'Up' });
  });

  it('keeps the old transmit interval while a larger Desired Min TX is polled, then uses it', () => {
    const t = loneUp();
    t.session.receive(packet({ state: 'Up', yourDiscriminator: 0x1111, final: true }));
    expect(t.session.transmitIntervalMs).toBe(100);
    t.session.setTimers({ ...FAST, desiredMinTxMs: 500 });
    expect(t.session.pollInProgress).toBe(true);
    expect(t.session.transmitIntervalMs).toBe(100);
    t.clock.advance(100);
    expect(t.sent.at(-1)!.packet).toMatchObject({ poll: true, desiredMinTxMicroseconds: 500_000 });
    t.session.receive(packet({ state: 'Up', yourDiscriminator: 0x1111, final: true }));
    expect(t.session.transmitIntervalMs).toBe(500);
  });

  it('keeps the old Detection Time while a smaller Required Min RX is polled, then uses it', () => {
    const slow = { ...FAST, requiredMinRxMs: 400 };
    const t = lone(slow);
    t.session.start();
    t.session.receive(packet({ state: 'Down', desiredMinTxMicroseconds: 100_000 }));
    t.session.receive(packet({ state: 'Up', yourDiscriminator: 0x1111, desiredMinTxMicroseconds: 100_000 }));
    t.session.receive(
      packet({ state: 'Up', yourDiscriminator: 0x1111, final: true, desiredMinTxMicroseconds: 100_000 }),
    );
    expect(t.session.detectionTimeMs).toBe(1_200);
    t.session.setTimers(FAST);
    expect(t.session.detectionTimeMs).toBe(1_200);
    t.session.receive(
      packet({ state: 'Up', yourDiscriminator: 0x1111, final: true, desiredMinTxMicroseconds: 100_000 }),
    );
    expect(t.session.detectionTimeMs).toBe(300);
  });

  it('never sets Poll and Final in one packet', () => {
    const pair = new Pair();
    pair.start();
    pair.untilUp();
    pair.a.setTimers({ ...FAST, desiredMinTxMs: 200 });
    pair.clock.advance(3_000);
    const all = [...pair.sentByA, ...pair.sentByB];
    expect(all.some((x) => x.packet.final)).toBe(true);
    expect(all.some((x) => x.packet.poll && x.packet.final)).toBe(false);
    expect(pair.a.pollInProgress).toBe(false);
    expect(pair.a.transmitIntervalMs).toBe(200);
  });
});
