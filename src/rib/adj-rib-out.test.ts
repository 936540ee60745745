import { describe, expect, it } from 'vitest';
import {
  harness,
  NVA1,
  pathAttributes,
  peerInfo,
  TestOutput,
  up,
  updateOf,
} from './fixtures.test-support.js';

const MONITOR = '10.0.2.9';

function prefixes(count: number, second = 0): string[] {
  return Array.from({ length: count }, (_, i) => `172.${16 + second}.${i >> 8}.${i & 255}/32`);
}

describe('Adj-RIB-Out', () => {
  it('packs prefixes that share an attribute set into as few UPDATEs as fit', async () => {
    const h = harness({ routeLimit: 10_000 });
    up(h, NVA1, 65001);
    const monitor = new TestOutput();
    up(h, MONITOR, 65009, monitor);
    await h.engine.whenIdle();
    const before = monitor.updates.length;
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), prefixes(1500)));
    await h.engine.whenIdle();
    const sent = monitor.updates.slice(before);
    // 1,500 host routes of 5 octets each need two 4,096-octet UPDATEs.
    expect(sent.length).toBe(2);
    expect(sent.reduce((n, u) => n + u.nlri.length, 0)).toBe(1500);
  });

  it('sends one UPDATE per distinct attribute set', async () => {
    const h = harness();
    up(h, NVA1, 65001);
    const monitor = new TestOutput();
    up(h, MONITOR, 65009, monitor);
    await h.engine.whenIdle();
    const before = monitor.updates.length;
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), prefixes(10)));
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001, 7], NVA1), prefixes(10, 1)));
    await h.engine.whenIdle();
    expect(monitor.updates.slice(before).map((u) => u.nlri.length)).toEqual([10, 10]);
  });

  it('hands the UPDATEs of many attribute sets from one slice to the session in one buffer', async () => {
    const h = harness({ routeLimit: 10_000 });
    up(h, NVA1, 65001);
    const monitor = new TestOutput();
    up(h, MONITOR, 65009, monitor);
    await h.engine.whenIdle();
    const buffers: number[] = [];
    const send = monitor.send.bind(monitor);
    monitor.send = (sent) => {
      buffers.push(sent.length);
      return send(sent);
    };
    const before = monitor.updates.length;
    for (let set = 0; set < 50; set++)
      h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001, 100 + set], NVA1), prefixes(3, set)));
    await h.engine.whenIdle();
    expect(monitor.updates.length - before).toBe(50);
    expect(buffers).toEqual([1]);
  });

  it('sends End-of-RIB once, after the initial dump', async () => {
    const h = harness({ spaces: ['10.0.0.0/16'] });
    up(h, NVA1, 65001);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), prefixes(20)));
    await h.engine.whenIdle();
    const monitor = new TestOutput();
    up(h, MONITOR, 65009, monitor);
    await h.engine.whenIdle();
    const updates = monitor.updates;
    expect(monitor.endOfRibCount).toBe(1);
    const last = updates.at(-1)!;
    expect(last.nlri.length + last.withdrawn.length).toBe(0);
    expect(monitor.table.size).toBe(21);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), prefixes(5, 3)));
    await h.engine.whenIdle();
    expect(monitor.endOfRibCount).toBe(1);
    expect(h.engine.counters.endOfRibSent).toBe(2);
  });

  it('stops sending under backpressure and resumes on drain', async () => {
    const h = harness({ sliceSize: 1024, routeLimit: 100_000 });
    up(h, NVA1, 65001);
    const monitor = new TestOutput();
    up(h, MONITOR, 65009, monitor);
    await h.engine.whenIdle();
    monitor.blocked = true;
    const calls = monitor.sendCalls;
    for (let i = 0; i < 5; i++) {
      h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001, i + 1], NVA1), prefixes(2000, i)));
    }
    await h.engine.whenIdle();
    // One send() was answered "full": nothing more until the session drains.
    expect(monitor.sendCalls).toBe(calls + 1);
    expect(monitor.waitingForDrain).toBe(true);
    expect(h.engine.locRibSize).toBe(10_000);
    expect(monitor.table.size).toBeLessThan(10_000);
    monitor.drain();
    await new Promise((resolve) => setImmediate(resolve));
    await h.engine.whenIdle();
    expect(monitor.table.size).toBe(10_000);
    expect(monitor.sendCalls).toBeGreaterThan(calls + 1);
  });

  it('resends the whole Adj-RIB-Out on ROUTE-REFRESH', async () => {
    const h = harness({ spaces: ['10.0.0.0/16'] });
    up(h, NVA1, 65001);
    const monitor = new TestOutput();
    up(h, MONITOR, 65009, monitor);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), prefixes(30)));
    await h.engine.whenIdle();
    const before = monitor.updates.length;
    h.engine.routeRefreshRequested(MONITOR);
    await h.engine.whenIdle();
    const resent = monitor.updates.slice(before);
    expect(resent.reduce((n, u) => n + u.nlri.length, 0)).toBe(31);
    expect(h.engine.advertisedRoutes(MONITOR).length).toBe(31);
  });

  it('sends nothing when the export of a prefix does not change', async () => {
    const h = harness();
    up(h, NVA1, 65001);
    const monitor = new TestOutput();
    up(h, MONITOR, 65009, monitor);
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), prefixes(3)));
    await h.engine.whenIdle();
    const before = monitor.messages.length;
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001], NVA1), prefixes(3)));
    await h.engine.whenIdle();
    expect(monitor.messages.length).toBe(before);
  });
});

describe('Adj-RIB-Out at Azure scale', () => {
  const PEERS = 8;
  const PER_PEER = 4000;
  const nva = (i: number): string => `10.0.2.${20 + i}`;
  const slash24s = (peer: number, from: number, count: number): string[] =>
    Array.from({ length: count }, (_, i) => `${20 + peer}.${(from + i) >> 8}.${(from + i) & 255}.0/24`);
  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('sends 8 peers × 4,000 routes and the VNet to a monitor in few UPDATEs, one per attribute set and size', async () => {
    const h = harness({ routeLimit: PER_PEER, spaces: ['10.0.0.0/16'] });
    const outputs = Array.from({ length: PEERS }, () => new TestOutput());
    for (let i = 0; i < PEERS; i++) h.engine.peerUp(nva(i), peerInfo(nva(i), 65001 + i), outputs[i]!);
    const monitor = new TestOutput();
    up(h, MONITOR, 65009, monitor);
    await h.engine.whenIdle();
    // As sessions deliver them: the peers' UPDATEs interleaved, 100 prefixes each, one per event-loop turn.
    for (let from = 0; from < PER_PEER; from += 100) {
      for (let i = 0; i < PEERS; i++) {
        h.engine.receiveUpdate(nva(i), updateOf(pathAttributes([65001 + i], nva(i)), slash24s(i, from, 100)));
        await tick();
      }
    }
    await h.engine.whenIdle();
    const routes = monitor.updates.filter((u) => u.nlri.length > 0);
    expect(monitor.table.size).toBe(PEERS * PER_PEER + 1);
    expect(routes.reduce((n, u) => n + u.nlri.length, 0)).toBe(PEERS * PER_PEER + 1);
    expect(routes.length).toBeLessThanOrEqual(2500);
    // Every NVA gets the other seven's routes and the VNet, never its own.
    for (let i = 0; i < PEERS; i++) {
      expect(outputs[i]!.table.size).toBe((PEERS - 1) * PER_PEER + 1);
      expect(outputs[i]!.table.has(`${20 + i}.0.0.0/24`)).toBe(false);
    }
  });
});
