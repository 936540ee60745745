import { describe, expect, it } from 'vitest';
import { UpdateBuilder } from '../bgp/codec/index.js';
import type { NotificationMessage } from '../bgp/codec/index.js';
import { ipv4KeyOf, parseIpv4, parsePrefix, prefixKey } from '../lib/prefix.js';
import { RawPeer, openFrom } from '../bgp/session/raw-peer.test-support.js';
import { RouteServerInstance } from './instance.js';
import { injectedRoutes, running, startNva, vnetView } from './instance.test-support.js';
import { loopbackBlock } from './nva.test-support.js';
import { until } from './until.test-support.js';

const network = vnetView();

/** An NVA dialing the instance at `instanceAddress`. */
async function nva(address: string, asn: number, instanceAddress: string, port: number) {
  const speaker = await startNva(address, asn);
  speaker.dial(instanceAddress, port);
  return {
    ...speaker,
    established: () => speaker.established(instanceAddress),
    announce: (prefixes: string[], asPath: number[]) => speaker.announce(instanceAddress, prefixes, asPath),
  };
}

describe('RouteServerInstance', () => {
  it('learns from one NVA, injects into the VNet, reflects to the other, and advertises the VNet', async () => {
    const ip = loopbackBlock();
    const injected = injectedRoutes();
    const instance = await RouteServerInstance.start({
      instance: 'IN_0',
      address: ip(1),
      port: 0,
      network,
      sink: injected.sink,
    });
    running.push(instance);
    for (const host of [2, 3]) instance.addPeer({ address: ip(host), asn: 65000 + host, passive: true });
    const a = await nva(ip(2), 65002, ip(1), instance.speaker.port);
    const b = await nva(ip(3), 65003, ip(1), instance.speaker.port);
    await until('both sessions Established', () => a.established() && b.established());

    a.announce(['192.168.0.0/24'], [65002]);
    const reflected = await until('route reflected to the other NVA', () => b.route('192.168.0.0/24'));
    expect(reflected.attributes.asPath).toEqual([{ type: 2, asns: [65515, 65002] }]);
    expect(reflected.attributes.nextHop).toBe(parseIpv4(ip(2)));
    expect(injected.routes.get(prefixKey(parsePrefix('192.168.0.0/24')))).toEqual([ip(2)]);
    expect(instance.learnedRoutes(ip(2))).toMatchObject([{ network: '192.168.0.0/24', asPath: '65002' }]);

    for (const side of [a, b]) {
      const vnet = await until('VNet space advertised', () => side.route('10.0.0.0/16'));
      expect(vnet.attributes).toMatchObject({
        origin: 0,
        asPath: [{ type: 2, asns: [65515] }],
        nextHop: parseIpv4(ip(1)),
      });
    }
  });

  it('resets a session that exceeds the route limit with Cease / Maximum Number of Prefixes Reached', async () => {
    const ip = loopbackBlock();
    const instance = await RouteServerInstance.start({
      instance: 'IN_0',
      address: ip(1),
      port: 0,
      network,
      sink: { applyInjectedRoutes: () => undefined },
      routeLimit: 2,
    });
    running.push(instance);
    instance.addPeer({ address: ip(2), asn: 65002, passive: true });
    const a = await nva(ip(2), 65002, ip(1), instance.speaker.port);
    await until('Established', () => a.established());
    a.announce(['192.168.0.0/24', '192.168.1.0/24', '192.168.2.0/24'], [65002]);
    const received = await until('NOTIFICATION received by the NVA', a.notificationReceived);
    const notification: NotificationMessage = received.notification;
    expect([notification.code, notification.subcode]).toEqual([6, 1]);
    // RFC 4486 §4: AFI (2 octets) = 1, SAFI (1 octet) = 1, prefix upper bound (4 octets) = 2
    expect(Buffer.from(notification.data).toString('hex')).toBe('00010100000002');
    expect(instance.engine.counters.routeLimitExceeded).toBe(1);
  });

  it('stops reading a flooding peer while the engine has a backlog, and the session stays up', async () => {
    const ip = loopbackBlock();
    const instance = await RouteServerInstance.start({
      instance: 'IN_0',
      address: ip(1),
      port: 0,
      network,
      sink: { applyInjectedRoutes: () => undefined },
      routeLimit: 1_000_000,
    });
    running.push(instance);
    instance.addPeer({ address: ip(2), asn: 65002, passive: true });
    const peer = await RawPeer.connect(instance.speaker.port, ip(1), ip(2));
    running.push({ stop: () => Promise.resolve(peer.close()) });
    await peer.handshake(openFrom(65002, ip(2)));
    await until('Established', () => instance.speaker.peer(ip(2))?.state === 'Established');
    // 100,000 UPDATEs of one prefix each (4.8 MB), written at once: far faster than they can be ingested.
    const total = 100_000;
    const builder = new UpdateBuilder(peer.context);
    const attributes = { origin: 0, asPath: [{ type: 2, asns: [65002] }], nextHop: parseIpv4(ip(2))! };
    for (let i = 0; i < total; i++) builder.announce(attributes, [ipv4KeyOf(0x30000000 + i * 256, 24)]);
    let most = 0;
    const sample = setInterval(() => (most = Math.max(most, instance.engine.queuedUpdates)), 1);
    peer.socket.write(builder.take());
    await until('every prefix learned', () => instance.engine.locRibSize === total, 60_000);
    clearInterval(sample);
    // The mark (1,024 UPDATEs) plus what one socket read had already delivered.
    expect(most).toBeLessThanOrEqual(1024 + 2048);
    expect(most).toBeGreaterThan(0);
    expect(instance.speaker.peer(ip(2))!.state).toBe('Established');
    expect(peer.isClosed).toBe(false);
  });
});
