import { describe, expect, it } from 'vitest';
import { RouteServerInstance } from './instance.js';
import { injectedRoutes, running, startNva, vnetView } from './instance.test-support.js';
import { loopbackBlock } from './nva.test-support.js';
import { until } from './until.test-support.js';

const network = vnetView();
const GR = { restartTimeSeconds: 60, restarting: false };

/** An instance with one passive peer, and what it injects (with every removal counted). */
async function instanceWithPeer(ip: (host: number) => string, gracefulRestart: boolean) {
  const injected = injectedRoutes();
  const instance = await RouteServerInstance.start({
    instance: 'IN_0',
    address: ip(1),
    port: 0,
    network,
    sink: injected.sink,
  });
  running.push(instance);
  instance.addPeer({
    address: ip(2),
    asn: 65002,
    passive: true,
    ...(gracefulRestart ? { gracefulRestart: GR, stalePathTimeSeconds: 30 } : {}),
  });
  return { instance, has: injected.has, removals: injected.removals };
}

/** An NVA speaker with graceful restart dialing the instance. */
async function nva(ip: (host: number) => string, port: number) {
  const started = await startNva(ip(2), 65002);
  const session = () => started.speaker.peer(ip(1));
  const connect = async () => {
    started.dial(ip(1), port, { gracefulRestart: GR });
    await until('session Established', () => session()?.state === 'Established');
  };
  /** the process dies: the connection closes without a NOTIFICATION */
  const crash = () => {
    session()!.abandon();
    started.speaker.removePeer(ip(1));
  };
  return {
    speaker: started.speaker,
    events: started.events,
    session,
    connect,
    announce: (...prefixes: string[]) => started.announce(ip(1), prefixes, [65002]),
    crash,
    endOfRib: () => started.send(ip(1), (b) => b.endOfRib(1, 1)),
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
