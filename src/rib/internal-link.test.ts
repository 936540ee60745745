/**
 * Flow control on an internal link (src/rib/internal-link.ts): the sender's
 * window of unacknowledged bytes, the receiver holding what its engine
 * cannot take yet, and a slow engine costing the other end a bounded amount.
 */
import { describe, expect, it } from 'vitest';
import { UpdateBuilder } from '../bgp/codec/index.js';
import { harness, FOUR_OCTET, pathAttributes, peerInfo, updateOf, v4Key } from './fixtures.test-support.js';
import type { Harness } from './fixtures.test-support.js';
import { InternalLinkReceiver, InternalLinkSender, internalPeerInfo } from './internal-link.js';
import type { InternalLinkPeer } from './internal-link.js';

const RS = '10.0.0.4';
const VPN_GW = '10.0.255.4';
const SITE = '192.168.10.1';
const LINK = 'vpngw#IN_0~rs#IN_0';
const GATEWAY_PEER: InternalLinkPeer = {
  address: VPN_GW,
  asn: 65515,
  kind: 'gateway',
  gateway: { id: 'vpngw', type: 'Vpn' },
};
const ROUTE_SERVER_PEER: InternalLinkPeer = { address: RS, asn: 65515, kind: 'route-server' };

/** `count` UPDATEs of one prefix each, every one with its own attribute set, as the link carries them. */
function encodedUpdates(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => {
    const builder = new UpdateBuilder(FOUR_OCTET);
    builder.announce(pathAttributes([65010, 1000 + i], VPN_GW), [v4Key(`172.16.${i >> 8}.${i & 255}/32`)]);
    return builder.take();
  });
}

/** An engine whose slices run only when the test says (`runSlices`): a slow engine, made deterministic. */
function slowEngine(options: Parameters<typeof harness>[0]): Harness & { runSlices(): void } {
  let queued: (() => void)[] = [];
  const h = harness({ ...options, schedule: (task) => queued.push(task) });
  return {
    ...h,
    runSlices() {
      while (queued.length > 0) {
        const tasks = queued;
        queued = [];
        for (const task of tasks) task();
      }
    },
  };
}

describe('internal link sender', () => {
  it('answers false from its window on, and calls onDrain once acknowledgements bring it to half', () => {
    const transmitted: Buffer[] = [];
    const sender = new InternalLinkSender((messages) => transmitted.push(...messages), 100);
    expect(sender.send([Buffer.alloc(60)])).toBe(true);
    expect(sender.send([Buffer.alloc(40)])).toBe(false);
    expect(transmitted).toHaveLength(2); // what was sent with the false answer is transmitted too
    let drained = 0;
    sender.onDrain(() => drained++);
    sender.acknowledge(40, 0);
    expect(drained).toBe(0); // 60 in flight: above half the window
    sender.acknowledge(10, 0);
    expect(drained).toBe(1);
    sender.acknowledge(10, 0);
    expect(drained).toBe(1);
    expect(sender.bytesInFlight).toBe(40);
  });

  it('never counts below zero (an acknowledgement from before the link came up again)', () => {
    const sender = new InternalLinkSender(() => undefined, 100);
    sender.acknowledge(500, 0);
    expect(sender.bytesInFlight).toBe(0);
    expect(sender.send([Buffer.alloc(99)])).toBe(true);
  });

  it('tags what it transmits with its generation and drops an acknowledgement of another generation', () => {
    const generations: number[] = [];
    const sender = new InternalLinkSender((_messages, generation) => generations.push(generation), 100, 3);
    expect(sender.send([Buffer.alloc(80)])).toBe(true);
    expect(generations).toEqual([3]);
    sender.acknowledge(80, 2); // the link's previous incarnation: not what this one sent
    expect(sender.bytesInFlight).toBe(80);
    sender.acknowledge(80, 3);
    expect(sender.bytesInFlight).toBe(0);
  });

  it('refuses a window that is not positive', () => {
    expect(() => new InternalLinkSender(() => undefined, 0)).toThrow(/window must be positive/);
  });
});

describe('internal link receiver', () => {
  it('gives its engine UPDATEs up to the engine’s mark, holds the rest, and acknowledges only what the engine took', () => {
    const rs = slowEngine({ localAddress: RS, spaces: ['10.0.0.0/16'], inputHighWater: 2 });
    rs.engine.peerUp(LINK, internalPeerInfo(GATEWAY_PEER), { send: () => true, onDrain: () => undefined });
    const acknowledged: number[] = [];
    const receiver = new InternalLinkReceiver(rs.engine, LINK, (bytes) => acknowledged.push(bytes));
    const updates = encodedUpdates(5);
    receiver.receive(updates, 0);
    expect(receiver.heldMessages).toBe(3);
    expect(acknowledged).toEqual([updates[0]!.length + updates[1]!.length]);

    rs.runSlices();
    expect(receiver.heldMessages).toBe(0);
    expect(acknowledged.reduce((a, b) => a + b, 0)).toBe(updates.reduce((a, u) => a + u.length, 0));
    expect(rs.engine.learnedRoutes(LINK)).toHaveLength(5);
    receiver.close();
  });

  it('frames messages split across chunks, and acknowledges a message once it is whole', () => {
    const rs = harness({ localAddress: RS, spaces: ['10.0.0.0/16'] });
    rs.engine.peerUp(LINK, internalPeerInfo(GATEWAY_PEER), { send: () => true, onDrain: () => undefined });
    const acknowledged: number[] = [];
    const receiver = new InternalLinkReceiver(rs.engine, LINK, (bytes) => acknowledged.push(bytes));
    const [update] = encodedUpdates(1);
    receiver.receive([update!.subarray(0, 10)], 0);
    expect(acknowledged).toEqual([]);
    receiver.receive([update!.subarray(10)], 0);
    expect(acknowledged).toEqual([update!.length]);
  });
});

describe('internal link generations', () => {
  it('drops UPDATEs an earlier incarnation of the link sent that arrive after the link came up again', () => {
    const rs = slowEngine({ localAddress: RS, spaces: ['10.0.0.0/16'] });
    const [stale, fresh] = [encodedUpdates(1), encodedUpdates(2).slice(1)];
    // generation 1: up, then reset by its owner while an UPDATE was on its way
    rs.engine.peerUp(LINK, internalPeerInfo(GATEWAY_PEER), { send: () => true, onDrain: () => undefined });
    const first = new InternalLinkReceiver(rs.engine, LINK, () => undefined, 1);
    first.close();
    rs.engine.peerDown(LINK);
    // generation 2: the link is up again, the old UPDATE arrives, then the new one
    rs.engine.peerUp(LINK, internalPeerInfo(GATEWAY_PEER), { send: () => true, onDrain: () => undefined });
    const acknowledged: number[] = [];
    const second = new InternalLinkReceiver(rs.engine, LINK, (bytes) => acknowledged.push(bytes), 2);
    second.receive(stale, 1);
    second.receive(fresh, 2);
    rs.runSlices();
    expect(rs.engine.learnedRoutes(LINK).map((route) => route.network)).toEqual(['172.16.0.1/32']);
    expect(acknowledged).toEqual([fresh[0]!.length]);
    second.close();
  });
});

describe('a link between a busy and a slow engine', () => {
  /**
   * The VPN gateway's engine learns `prefixes` from its site and sends them
   * to the route server's engine, which runs only when `pump` lets it.
   */
  function linked(options: { prefixes: number; window: number; outputLagLimit?: number }) {
    const rs = slowEngine({ localAddress: RS, spaces: ['10.0.0.0/16'], inputHighWater: 8 });
    const vpn = harness({
      localAddress: VPN_GW,
      spaces: ['10.0.0.0/16'],
      role: 'vpn-gateway',
      routeLimit: 2 * options.prefixes,
      ...(options.outputLagLimit !== undefined ? { outputLagLimit: options.outputLagLimit } : {}),
    });
    const toRouteServer = new InternalLinkSender(
      (messages, generation) => intoRouteServer.receive(messages, generation),
      options.window,
    );
    const intoRouteServer = new InternalLinkReceiver(rs.engine, LINK, (bytes, generation) =>
      toRouteServer.acknowledge(bytes, generation),
    );
    const intoGateway = new InternalLinkReceiver(vpn.engine, LINK);
    const flow = { maxInFlight: 0, largestSend: 0, refused: 0 };
    const send = toRouteServer.send.bind(toRouteServer);
    toRouteServer.send = (messages) => {
      flow.largestSend = Math.max(
        flow.largestSend,
        messages.reduce((a, m) => a + m.length, 0),
      );
      const accepted = send(messages);
      flow.maxInFlight = Math.max(flow.maxInFlight, toRouteServer.bytesInFlight);
      if (!accepted) flow.refused++;
      return accepted;
    };
    vpn.engine.peerUp(LINK, internalPeerInfo(ROUTE_SERVER_PEER), toRouteServer);
    rs.engine.peerUp(LINK, internalPeerInfo(GATEWAY_PEER), {
      send: (messages) => {
        intoGateway.receive(messages, 0);
        return true;
      },
      onDrain: () => undefined,
    });
    vpn.engine.peerUp(SITE, peerInfo(SITE, 65010), { send: () => true, onDrain: () => undefined });
    for (let i = 0; i < options.prefixes; i++)
      vpn.engine.receiveUpdate(
        SITE,
        updateOf(pathAttributes([65010, 1000 + (i % 5000)], SITE), [
          `172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`,
        ]),
      );
    return { rs, vpn, flow, toRouteServer };
  }

  it('keeps what is in flight within the window (plus one write) while the slow engine catches up, and loses nothing', async () => {
    const window = 16 * 1024;
    const { rs, vpn, flow } = linked({ prefixes: 5_000, window });
    for (let round = 0; round < 1000; round++) {
      await vpn.engine.whenIdle();
      rs.runSlices();
      if (rs.sink.table.size === 5_000) break;
    }
    expect(flow.refused).toBeGreaterThan(0);
    expect(flow.maxInFlight).toBeLessThanOrEqual(window + flow.largestSend);
    expect(rs.sink.table.size).toBe(5_000);
    expect(rs.sink.route('172.16.19.31/32')?.nextHops).toEqual([VPN_GW]);
  });

  it('asks for the link to be closed once the slow end is outputLagLimit bytes behind (its owner resets the link)', async () => {
    const { vpn, toRouteServer } = linked({ prefixes: 2_000, window: 1024, outputLagLimit: 16 * 1024 });
    const closed: string[] = [];
    vpn.engine.onSessionCloseRequested((request) => closed.push(`${request.peer} ${request.reason}`));
    await vpn.engine.whenIdle();
    // the first table went in one write: the link waits for acknowledgements the slow end does not send
    expect(toRouteServer.bytesInFlight).toBeGreaterThan(1024);
    expect(closed).toEqual([]);
    // every route again with a new AS path: UPDATEs the link cannot take wait in the journal
    for (let i = 0; i < 2_000; i++)
      vpn.engine.receiveUpdate(
        SITE,
        updateOf(pathAttributes([65010, 9000 + i], SITE), [`172.16.${i >> 8}.${i & 255}/32`]),
      );
    await vpn.engine.whenIdle();
    expect(closed).toEqual([`${LINK} output-lag`]);
  });
});
