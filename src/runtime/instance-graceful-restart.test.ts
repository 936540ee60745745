import { afterEach, describe, expect, it } from 'vitest';
import { UpdateBuilder } from '../bgp/codec/index.js';
import { BgpSpeaker } from '../bgp/session/index.js';
import type { SessionEvent } from '../bgp/session/index.js';
import { ipv4KeyOf, parseIpv4, parsePrefix, prefixContains, prefixKey } from '../lib/prefix.js';
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import type { InjectedRouteBatch, VirtualNetworkView } from '../rib/index.js';
import { RouteServerInstance } from './instance.js';
import { until } from './until.test-support.js';

function loopbackBlock(): (host: number) => string {
  const a = 100 + Math.floor(Math.random() * 150);
  const b = Math.floor(Math.random() * 250);
  return (host) => `127.${a}.${b}.${host}`;
}

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

const spaces = [parsePrefix('10.0.0.0/16')];
const network: VirtualNetworkView = {
  advertisedAddressSpaces: () => spaces,
  isInjectable: (p: Prefix) => !spaces.some((s) => prefixContains(s, p)),
  onAddressSpacesChanged: () => () => undefined,
};
const GR = { restartTimeSeconds: 60, restarting: false };

/** An instance with one passive peer, and what it injects (with every removal counted). */
async function instanceWithPeer(ip: (host: number) => string, gracefulRestart: boolean) {
  const injected = new Map<PrefixKey, readonly string[]>();
  const removed = new Map<PrefixKey, number>();
  const instance = await RouteServerInstance.start({
    instance: 'IN_0',
    address: ip(1),
    port: 0,
    network,
    sink: {
      applyInjectedRoutes: (_i: string, changes: InjectedRouteBatch) => {
        for (let i = 0; i < changes.size; i++) {
          const id = changes.hopSetAt(i);
          if (id !== 0) injected.set(changes.keyAt(i), changes.hopSet(id));
          else {
            injected.delete(changes.keyAt(i));
            removed.set(changes.keyAt(i), (removed.get(changes.keyAt(i)) ?? 0) + 1);
          }
        }
      },
    },
  });
  running.push(instance);
  instance.addPeer({
    address: ip(2),
    asn: 65002,
    passive: true,
    ...(gracefulRestart ? { gracefulRestart: GR, stalePathTimeSeconds: 30 } : {}),
  });
  const has = (prefix: string) => injected.has(prefixKey(parsePrefix(prefix)));
  const removals = (prefix: string) => removed.get(prefixKey(parsePrefix(prefix))) ?? 0;
  return { instance, has, removals };
}

/** An NVA speaker with graceful restart dialing the instance. */
async function nva(ip: (host: number) => string, port: number) {
  const events: SessionEvent[] = [];
  const speaker = await BgpSpeaker.start({
    localAddress: ip(2),
    listen: false,
    localAs: 65002,
    allowReservedPeerAsns: true,
    listener: { onEvent: (e) => events.push(e) },
  });
  running.push(speaker);
  const session = () => speaker.peer(ip(1));
  const connect = async () => {
    speaker.addPeer({
      address: ip(1),
      asn: 65515,
      port,
      holdTimeSeconds: 9,
      idleHoldTimeSeconds: 1,
      gracefulRestart: GR,
    });
    await until('session Established', () => session()?.state === 'Established');
  };
  const send = (build: (builder: UpdateBuilder) => void) => {
    const builder = new UpdateBuilder(session()!.negotiated!.context);
    build(builder);
    session()!.write([builder.take()]);
  };
  const announce = (...prefixes: string[]) =>
    send((b) =>
      b.announce(
        { origin: 0, asPath: [{ type: 2, asns: [65002] }], nextHop: parseIpv4(ip(2))! },
        prefixes.map((p) => {
          const prefix = parsePrefix(p);
          return ipv4KeyOf(prefix.address as number, prefix.length);
        }),
      ),
    );
  /** the process dies: the connection closes without a NOTIFICATION */
  const crash = () => {
    session()!.abandon();
    speaker.removePeer(ip(1));
  };
  return {
    speaker,
    events,
    session,
    connect,
    announce,
    crash,
    endOfRib: () => send((b) => b.endOfRib(1, 1)),
  };
}

describe('graceful restart on a route-server instance (RFC 4724 §4.2)', () => {
  it('keeps a restarting NVA’s routes in the VNet and sweeps what it does not send again at End-of-RIB', async () => {
    const ip = loopbackBlock();
    const rs = await instanceWithPeer(ip, true);
    const peer = await nva(ip, rs.instance.speaker.port);
    await peer.connect();
    expect(peer.session()!.negotiated!.gracefulRestart).toMatchObject({ peerRestartTimeSeconds: 60 });
    peer.announce('192.168.1.0/24', '192.168.2.0/24');
    await until('routes injected', () => rs.has('192.168.1.0/24') && rs.has('192.168.2.0/24'));

    peer.crash();
    await until('stale routes held', () => rs.instance.engine.staleRouteCount(ip(2)) === 2);
    expect(rs.has('192.168.1.0/24') && rs.has('192.168.2.0/24')).toBe(true);

    await peer.connect();
    peer.announce('192.168.1.0/24');
    peer.endOfRib();
    await until('unannounced stale route swept', () => !rs.has('192.168.2.0/24'));
    expect(rs.has('192.168.1.0/24')).toBe(true);
    expect(rs.removals('192.168.1.0/24')).toBe(0);
    expect(rs.instance.engine.staleRouteCount(ip(2))).toBe(0);
  });

  it('withdraws the routes at once without graceful restart on the peering (Azure’s behaviour)', async () => {
    const ip = loopbackBlock();
    const rs = await instanceWithPeer(ip, false);
    const peer = await nva(ip, rs.instance.speaker.port);
    await peer.connect();
    expect(peer.session()!.negotiated!.gracefulRestart).toBeUndefined();
    peer.announce('192.168.1.0/24');
    await until('route injected', () => rs.has('192.168.1.0/24'));
    peer.crash();
    await until('route withdrawn', () => !rs.has('192.168.1.0/24'));
  });

  it('withdraws the routes at once when the NVA ends the session with a NOTIFICATION', async () => {
    const ip = loopbackBlock();
    const rs = await instanceWithPeer(ip, true);
    const peer = await nva(ip, rs.instance.speaker.port);
    await peer.connect();
    peer.announce('192.168.1.0/24');
    await until('route injected', () => rs.has('192.168.1.0/24'));
    peer.speaker.removePeer(ip(1));
    await until('route withdrawn', () => !rs.has('192.168.1.0/24'));
    expect(rs.instance.engine.staleRouteCount(ip(2))).toBe(0);
  });

  it('closes graceful-restart sessions without a NOTIFICATION when the instance stops to restart', async () => {
    const ip = loopbackBlock();
    const rs = await instanceWithPeer(ip, true);
    const peer = await nva(ip, rs.instance.speaker.port);
    await peer.connect();
    await rs.instance.stop('restarting', { restarting: true });
    await until('NVA session down', () => peer.session()?.state !== 'Established');
    expect(peer.events.some((e) => e.type === 'notification-received')).toBe(false);
  });

  it('sets the Restart State bit in the OPENs until the first session after a restart is Established', async () => {
    const ip = loopbackBlock();
    const rs = await instanceWithPeer(ip, false);
    rs.instance.removePeer(ip(2));
    rs.instance.addPeer({
      address: ip(2),
      asn: 65002,
      passive: true,
      gracefulRestart: { restartTimeSeconds: 90, restarting: true },
    });
    const peer = await nva(ip, rs.instance.speaker.port);
    await peer.connect();
    expect(peer.session()!.negotiated!.gracefulRestart).toMatchObject({
      peerRestartTimeSeconds: 90,
      peerRestarting: true,
      families: [{ afi: 1, safi: 1, forwardingPreserved: true }],
    });
    expect(rs.instance.speaker.peer(ip(2))!.fsmConfig.gracefulRestart).toEqual({
      restartTimeSeconds: 90,
      restarting: false,
    });
  });
});
