/**
 * A route-server instance with BFD toward an NVA (docs/bfd.md): real BGP and
 * BFD over loopback; the NVA is a BgpSpeaker of our own and its BFD a
 * `BfdSession` on sockets of its own. Detection times are 1 s (200 ms × 5),
 * so a busy test machine does not pass for a failure.
 */
import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { BfdSession, decodeControlPacket, encodeControlPacket } from '../bfd/index.js';
import { systemClock } from '../lib/clock.js';
import { RouteServerInstance } from './instance.js';
import { injectedRoutes, running, startNva, vnetView } from './instance.test-support.js';
import { loopbackBlock } from './nva.test-support.js';
import { until } from './until.test-support.js';

const network = vnetView([]);

/** An NVA's BGP: dials the instance, records its events, announces prefixes. */
async function nva(address: string, asn: number, instanceAddress: string, port: number) {
  const speaker = await startNva(address, asn);
  speaker.dial(instanceAddress, port);
  return {
    events: speaker.events,
    notificationReceived: speaker.notificationReceived,
    established: () => speaker.established(instanceAddress),
    announce: (prefix: string, asPath: number[]) => speaker.announce(instanceAddress, [prefix], asPath),
  };
}

async function startInstance(address: string, bfdPort: number, injected = injectedRoutes()) {
  const instance = await RouteServerInstance.start({
    instance: 'IN_0',
    address,
    port: 0,
    network,
    sink: injected.sink,
    bfdPorts: { singleHop: bfdPort, multihop: bfdPort },
  });
  running.push(instance);
  return instance;
}

/**
 * An NVA's BFD: one session on real UDP sockets (source port 49152+, the
 * given destination port); `kill()` stops it without a word, as a crashed
 * daemon would.
 */
async function nvaBfd(address: string, instanceAddress: string, port: number) {
  const receiver = dgram.createSocket('udp4');
  const sender = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => receiver.bind(port, address, resolve));
  await new Promise<void>((resolve) =>
    sender.bind(49152 + Math.floor(Math.random() * 16000), address, resolve),
  );
  let dead = false;
  const session = new BfdSession({
    clock: systemClock,
    random: Math.random,
    localDiscriminator: 0xbeef,
    timers: { desiredMinTxMs: 200, requiredMinRxMs: 200, detectMultiplier: 5 },
    send: (packet) => {
      if (!dead) sender.send(encodeControlPacket(packet), port, instanceAddress);
    },
    onStateChange: () => undefined,
    afterPendingInput: (callback) => setImmediate(callback),
  });
  receiver.on('message', (message) => {
    const decoded = decodeControlPacket(message);
    if (!dead && decoded.ok) session.receive(decoded.packet);
  });
  session.start();
  running.push({
    stop: async () => {
      session.shutdown();
      receiver.close();
      sender.close();
    },
  });
  return {
    session,
    kill: () => {
      dead = true;
    },
  };
}

describe('RouteServerInstance with BFD (docs/bfd.md)', () => {
  it('closes the BGP session with Cease / BFD Down and withdraws its routes when the peer’s BFD stops', async () => {
    const ip = loopbackBlock();
    const bfdPort = 20_000 + Math.floor(Math.random() * 20_000);
    const injected = injectedRoutes();
    const instance = await startInstance(ip(1), bfdPort, injected);
    instance.addPeer({ address: ip(2), asn: 65002, passive: true });
    await instance.configureBfd(ip(2), { minRx: 200, minTx: 200, multiplier: 5, multihop: true });
    const a = await nva(ip(2), 65002, ip(1), instance.speaker.port);
    const bfd = await nvaBfd(ip(2), ip(1), bfdPort);
    await until('Established', () => a.established());
    await until('BFD Up', () => instance.bfdState(ip(2)) === 'Up' && bfd.session.state === 'Up');
    a.announce('192.168.0.0/24', [65002]);
    await until('route injected', () => injected.has('192.168.0.0/24'));

    bfd.kill();
    const received = await until('NOTIFICATION received by the NVA', a.notificationReceived);
    expect([received.notification.code, received.notification.subcode]).toEqual([6, 10]);
    expect(injected.has('192.168.0.0/24')).toBe(false);
    expect(instance.bfdState(ip(2))).toBe('Down');
  });

  it('leaves the BGP session alone when the peer turns BFD off (AdminDown, RFC 5882 §3.2)', async () => {
    const ip = loopbackBlock();
    const bfdPort = 20_000 + Math.floor(Math.random() * 20_000);
    const instance = await startInstance(ip(1), bfdPort);
    instance.addPeer({ address: ip(2), asn: 65002, passive: true });
    await instance.configureBfd(ip(2), { minRx: 200, minTx: 200, multiplier: 5, multihop: true });
    const a = await nva(ip(2), 65002, ip(1), instance.speaker.port);
    const bfd = await nvaBfd(ip(2), ip(1), bfdPort);
    await until('Established and BFD Up', () => a.established() && instance.bfdState(ip(2)) === 'Up');
    bfd.session.shutdown();
    await until('BFD Down', () => instance.bfdState(ip(2)) === 'Down');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(a.established()).toBe(true);
    expect(a.events.some((e) => e.type === 'notification-received')).toBe(false);
    await instance.configureBfd(ip(2), undefined);
    expect(instance.bfdState(ip(2))).toBeUndefined();
  });
});
