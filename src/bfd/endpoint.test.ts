import { afterEach, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import { BfdEndpoint } from './endpoint.js';
import type { BfdEvent } from './endpoint.js';
import { encodeControlPacket } from './packet.js';

/** Loopback addresses of one test (127.a.b.host) and destination ports of its own. */
function loopbackBlock() {
  const a = 100 + Math.floor(Math.random() * 150);
  const b = Math.floor(Math.random() * 250);
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  return { ip: (host: number) => `127.${a}.${b}.${host}`, ports: { singleHop: base, multihop: base + 1 } };
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const open: BfdEndpoint[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

function endpoint(address: string, ports: { singleHop: number; multihop: number }) {
  const events: BfdEvent[] = [];
  const e = new BfdEndpoint({ localAddress: address, ports, onStateChange: (event) => events.push(event) });
  open.push(e);
  return { endpoint: e, events };
}

// a detection time of 1 s: event-loop stalls of a busy test machine must not look like failures
const TIMERS = { desiredMinTxMs: 200, requiredMinRxMs: 200, detectMultiplier: 5 };

describe('bfd/endpoint over UDP on loopback', () => {
  it.each([true, false])('brings a session Up between two endpoints (multihop: %s)', async (multihop) => {
    const { ip, ports } = loopbackBlock();
    const a = endpoint(ip(1), ports);
    const b = endpoint(ip(2), ports);
    await a.endpoint.configure({ peerAddress: ip(2), multihop, timers: TIMERS });
    await b.endpoint.configure({ peerAddress: ip(1), multihop, timers: TIMERS });
    await until('both Up', () => a.endpoint.state(ip(2)) === 'Up' && b.endpoint.state(ip(1)) === 'Up');
    expect(a.events.at(-1)).toMatchObject({ localAddress: ip(1), peer: ip(2), to: 'Up', multihop });
    const port = a.endpoint.sourcePort(ip(2))!;
    expect(port).toBeGreaterThanOrEqual(49152);
    expect(port).toBeLessThanOrEqual(65535);
  });

  it('takes the peer Down with remote state AdminDown when a session is removed', async () => {
    const { ip, ports } = loopbackBlock();
    const a = endpoint(ip(1), ports);
    const b = endpoint(ip(2), ports);
    await a.endpoint.configure({ peerAddress: ip(2), multihop: true, timers: TIMERS });
    await b.endpoint.configure({ peerAddress: ip(1), multihop: true, timers: TIMERS });
    await until('both Up', () => a.endpoint.state(ip(2)) === 'Up' && b.endpoint.state(ip(1)) === 'Up');
    await a.endpoint.remove(ip(2));
    const down = await until('B Down', () => b.events.find((e) => e.to === 'Down'));
    expect(down).toMatchObject({ from: 'Up', remoteState: 'AdminDown', diagnostic: 3 });
    expect(a.endpoint.state(ip(2))).toBeUndefined();
  });

  it('discards a packet from an address that is not the peer, and one for an unknown discriminator', async () => {
    const { ip, ports } = loopbackBlock();
    const a = endpoint(ip(1), ports);
    await a.endpoint.configure({ peerAddress: ip(2), multihop: true, timers: TIMERS });
    const stranger = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => stranger.bind(0, ip(3), resolve));
    const packet = {
      diagnostic: 0,
      state: 'Down' as const,
      poll: false,
      final: false,
      controlPlaneIndependent: false,
      demand: false,
      detectMultiplier: 3,
      myDiscriminator: 7,
      yourDiscriminator: 0,
      desiredMinTxMicroseconds: 1_000_000,
      requiredMinRxMicroseconds: 50_000,
      requiredMinEchoRxMicroseconds: 0,
    };
    stranger.send(encodeControlPacket(packet), ports.multihop, ip(1));
    stranger.send(encodeControlPacket({ ...packet, yourDiscriminator: 12345 }), ports.multihop, ip(1));
    await until('both discarded', () => a.endpoint.discarded().get('no-session') === 2);
    expect(a.endpoint.state(ip(2))).toBe('Down');
    stranger.close();
  });

  it('changes timers of a running session without a new session', async () => {
    const { ip, ports } = loopbackBlock();
    const a = endpoint(ip(1), ports);
    const b = endpoint(ip(2), ports);
    await a.endpoint.configure({ peerAddress: ip(2), multihop: true, timers: TIMERS });
    await b.endpoint.configure({ peerAddress: ip(1), multihop: true, timers: TIMERS });
    await until('both Up', () => a.endpoint.state(ip(2)) === 'Up' && b.endpoint.state(ip(1)) === 'Up');
    const port = a.endpoint.sourcePort(ip(2));
    await a.endpoint.configure({
      peerAddress: ip(2),
      multihop: true,
      timers: { ...TIMERS, desiredMinTxMs: 80 },
    });
    expect(a.endpoint.sourcePort(ip(2))).toBe(port);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(b.events.filter((e) => e.to === 'Down')).toEqual([]);
  });
});
