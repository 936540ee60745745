import { spawnSync } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { ipv4KeyOf, parseIpv4 } from '../../lib/prefix.js';
import { encode } from '../codec/index.js';
import type { BgpMessage, NotificationMessage, UpdateMessage } from '../codec/index.js';
import { RawPeer, loopbackBlock, openFrom } from './raw-peer.test-support.js';
import { BgpSpeaker } from './speaker.js';
import type { PeerOptions, SpeakerOptions } from './speaker.js';
import { SESSION_CHANNEL } from './events.js';
import type { SessionEvent } from './events.js';
import { actionsJson, replay } from '../fsm/index.js';

const speakers: BgpSpeaker[] = [];
const peers: RawPeer[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  await Promise.all(speakers.splice(0).map((s) => s.stop()));
});

interface Rig {
  speaker: BgpSpeaker;
  events: SessionEvent[];
  refreshRequests: [string, number, number][];
  ip: (host: number) => string;
  connect(host: number): Promise<RawPeer>;
  waitEvent(match: (e: SessionEvent) => boolean, timeoutMs?: number): Promise<SessionEvent>;
}

async function rig(
  peerHosts: number[],
  peerOptions: Partial<PeerOptions> = {},
  options: Partial<SpeakerOptions> = {},
): Promise<Rig> {
  const ip = loopbackBlock();
  const events: SessionEvent[] = [];
  const refreshRequests: [string, number, number][] = [];
  let notify: () => void = () => undefined;
  const speaker = await BgpSpeaker.start({
    localAddress: ip(1),
    port: 0,
    listener: {
      onEvent: (e) => {
        events.push(e);
        notify();
      },
      onRouteRefreshRequest: (peer, afi, safi) => refreshRequests.push([peer, afi, safi]),
    },
    ...options,
  });
  speakers.push(speaker);
  for (const host of peerHosts) {
    speaker.addPeer({
      address: ip(host),
      asn: 65000 + host,
      passive: true,
      holdTimeSeconds: 9,
      ...peerOptions,
    });
  }
  const waitEvent = async (match: (e: SessionEvent) => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events.find(match);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no matching event in ${JSON.stringify(events.map((e) => e.type))}`);
      await new Promise<void>((resolve) => {
        notify = resolve;
        setTimeout(resolve, 50);
      });
    }
  };
  const connect = async (host: number) => {
    const p = await RawPeer.connect(speaker.port, ip(1), ip(host));
    peers.push(p);
    return p;
  };
  return { speaker, events, refreshRequests, ip, connect, waitEvent };
}

/** A peer at ip(host) that completed the OPEN exchange. */
async function establishedPeer(r: Rig, host: number): Promise<RawPeer> {
  const p = await r.connect(host);
  await p.handshake(openFrom(65000 + host, r.ip(host)));
  await r.waitEvent((e) => e.type === 'state' && e.peer === r.ip(host) && e.to === 'Established');
  return p;
}

async function expectNotificationAndClose(
  p: RawPeer,
  code: number,
  subcode: number,
): Promise<NotificationMessage> {
  const n = await p.nextOf('notification');
  expect([n.code, n.subcode]).toEqual([code, subcode]);
  await p.closed;
  return n;
}

const ipv4Update = (prefix: string, length: number, nextHop: string): UpdateMessage => ({
  type: 'update',
  withdrawn: [],
  attributes: { origin: 0, asPath: [{ type: 2, asns: [65002] }], nextHop: parseIpv4(nextHop)! },
  attributeBytes: new Uint8Array(0),
  nlri: [ipv4KeyOf(parseIpv4(prefix)!, length)],
});

describe('bgp/session OPEN exchange over loopback', () => {
  it('reaches Established with a peer that dials in, and reports the negotiated hold time', async () => {
    const r = await rig([2]);
    const p = await r.connect(2);
    const ours = await p.handshake(openFrom(65002, r.ip(2), { holdTime: 30 }));
    expect(ours).toMatchObject({ myAs: 65515, holdTime: 9, bgpIdentifier: parseIpv4(r.ip(1)) });
    const up = await r.waitEvent((e) => e.type === 'state' && e.to === 'Established');
    expect(up.type === 'state' && up.negotiated?.holdTimeSeconds).toBe(9);
    expect(r.speaker.peer(r.ip(2))?.state).toBe('Established');
  });

  it('keeps sending KEEPALIVEs at a third of the hold time', async () => {
    const r = await rig([2], { holdTimeSeconds: 3 });
    const p = await r.connect(2);
    await p.handshake(openFrom(65002, r.ip(2), { holdTime: 3 }));
    const started = Date.now();
    await p.nextOf('keepalive', 5_000);
    await p.nextOf('keepalive', 5_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('dials a peer that is not passive, from its own address', async () => {
    const ip = loopbackBlock();
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: ip(2), port: 0 }, resolve));
    const port = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const speaker = await BgpSpeaker.start({ localAddress: ip(1), port: 0 });
    speakers.push(speaker);
    speaker.addPeer({ address: ip(2), asn: 65002, port, holdTimeSeconds: 9 });
    const socket = await accepted;
    expect(socket.remoteAddress).toBe(ip(1));
    const p = new RawPeer(socket);
    peers.push(p);
    expect((await p.nextOf('open')).myAs).toBe(65515);
    server.close();
  });
});

describe('bgp/session bad peers get the right NOTIFICATION and nobody else notices', () => {
  async function withBystander(): Promise<{ r: Rig; bystander: RawPeer }> {
    const r = await rig([2, 3]);
    const bystander = await establishedPeer(r, 3);
    return { r, bystander };
  }

  async function expectBystanderUp(r: Rig, bystander: RawPeer): Promise<void> {
    expect(bystander.isClosed).toBe(false);
    expect(r.speaker.peer(r.ip(3))?.state).toBe('Established');
    expect(r.events.some((e) => e.type === 'state' && e.peer === r.ip(3) && e.from === 'Established')).toBe(
      false,
    );
  }

  it('answers a wrong peer AS with OPEN Message Error / Bad Peer AS', async () => {
    const { r, bystander } = await withBystander();
    const p = await r.connect(2);
    p.send(openFrom(65099, r.ip(2)));
    await expectNotificationAndClose(p, 2, 2);
    await expectBystanderUp(r, bystander);
  });

  it('answers an unsupported version with Unsupported Version Number and our version as data', async () => {
    const { r, bystander } = await withBystander();
    const p = await r.connect(2);
    const bytes = encode(openFrom(65002, r.ip(2)), { ...p.context, fourOctetAs: false });
    bytes[19] = 3;
    p.send(bytes);
    const n = await expectNotificationAndClose(p, 2, 1);
    expect([...n.data]).toEqual([0, 4]);
    await expectBystanderUp(r, bystander);
  });

  it('answers a hold time of 1 s with Unacceptable Hold Time', async () => {
    const { r, bystander } = await withBystander();
    const p = await r.connect(2);
    p.send(openFrom(65002, r.ip(2), { holdTime: 1 }));
    await expectNotificationAndClose(p, 2, 6);
    await expectBystanderUp(r, bystander);
  });

  it('answers a header whose marker is not all ones with Connection Not Synchronized', async () => {
    const { r, bystander } = await withBystander();
    const p = await r.connect(2);
    const bytes = encode(openFrom(65002, r.ip(2)), p.context);
    bytes[3] = 0;
    p.send(bytes);
    await expectNotificationAndClose(p, 1, 1);
    await expectBystanderUp(r, bystander);
  });

  it('answers a bad message length with Bad Message Length and the length as data', async () => {
    const { r, bystander } = await withBystander();
    const p = await r.connect(2);
    p.send(Buffer.from([...Array<number>(16).fill(255), 0, 5, 4]));
    const n = await expectNotificationAndClose(p, 1, 2);
    expect([...n.data]).toEqual([0, 5]);
    await expectBystanderUp(r, bystander);
  });

  it('drops an Established session that sends garbage, with a header error NOTIFICATION', async () => {
    const { r, bystander } = await withBystander();
    const p = await establishedPeer(r, 2);
    p.send(Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n'));
    await expectNotificationAndClose(p, 1, 1);
    const down = await r.waitEvent(
      (e) => e.type === 'state' && e.peer === r.ip(2) && e.from === 'Established',
    );
    expect(down.type === 'state' && down.reason?.code).toBe('BGPRS_ERR_FSM_HEADER_ERROR');
    await expectBystanderUp(r, bystander);
  });

  it('drops an Established session that sends an UPDATE with a malformed attribute list', async () => {
    const { r, bystander } = await withBystander();
    const p = await establishedPeer(r, 2);
    // Withdrawn Routes Length says 200 octets in a 27-octet UPDATE.
    p.send(Buffer.from([...Array<number>(16).fill(255), 0, 27, 2, 0, 200, 0, 0, 0, 0, 0, 0]));
    await expectNotificationAndClose(p, 3, 1);
    await expectBystanderUp(r, bystander);
  });

  it('refuses a connection from an address that is not a configured peer', async () => {
    const r = await rig([2]);
    const p = await r.connect(9);
    await p.closed;
    await expect(p.next(100)).rejects.toThrow('connection closed');
    const refused = await r.waitEvent((e) => e.type === 'connection-refused');
    expect(refused).toMatchObject({ remoteAddress: r.ip(9), code: 'BGPRS_ERR_SESSION_REFUSED_UNKNOWN_PEER' });
  });

  it('reports a connection reset in the accept queue as reset before accept, not as an unknown peer', async () => {
    const r = await rig([2]);
    // A child process connects from the configured peer's address and resets
    // at once, while spawnSync keeps this event loop (and the speaker's
    // accept) blocked: the speaker only sees the connection after the reset.
    const script = `const c = require('node:net').connect({ host: '${r.ip(1)}', port: ${r.speaker.port},
      localAddress: '${r.ip(2)}' }, () => { c.resetAndDestroy(); setTimeout(() => {}, 100); });`;
    const child = spawnSync(process.execPath, ['-e', script], { timeout: 10_000 });
    expect(child.status).toBe(0);
    const refused = await r.waitEvent((e) => e.type === 'connection-refused');
    expect(refused).toEqual({
      type: 'connection-refused',
      localAddress: r.ip(1),
      code: 'BGPRS_ERR_SESSION_REFUSED_RESET_BEFORE_ACCEPT',
    });
    expect(r.speaker.peer(r.ip(2))!.state).not.toBe('Established');
  });
});

describe('bgp/session messages in and out', () => {
  it('delivers a received UPDATE decoded, and End-of-RIB as its own event', async () => {
    const r = await rig([2]);
    const p = await establishedPeer(r, 2);
    p.send(ipv4Update('10.250.0.0', 16, r.ip(2)));
    p.send({ type: 'update', withdrawn: [], attributes: {}, attributeBytes: new Uint8Array(0), nlri: [] });
    const update = await r.waitEvent((e) => e.type === 'update');
    expect(update.type === 'update' && update.update.nlri).toEqual([ipv4KeyOf(parseIpv4('10.250.0.0')!, 16)]);
    expect(update.type === 'update' && update.update.attributeBytes.length).toBeGreaterThan(0);
    expect(await r.waitEvent((e) => e.type === 'end-of-rib')).toMatchObject({ afi: 1, safi: 1 });
  });

  it('asks the owner to re-send the Adj-RIB-Out when the peer sends ROUTE-REFRESH', async () => {
    const r = await rig([2]);
    const p = await establishedPeer(r, 2);
    p.send({ type: 'route-refresh', afi: 1, safi: 1, subtype: 0 });
    await r.waitEvent((e) => e.type === 'route-refresh');
    expect(r.refreshRequests).toEqual([[r.ip(2), 1, 1]]);
  });

  it('sends ROUTE-REFRESH to a peer with the capability', async () => {
    const r = await rig([2]);
    const p = await establishedPeer(r, 2);
    expect(r.speaker.peer(r.ip(2))!.requestRouteRefresh(1, 1)).toBe('sent');
    expect(await p.nextOf('route-refresh')).toMatchObject({ afi: 1, safi: 1, subtype: 0 });
  });

  it('hard-resets a peer without route refresh (Cease / Administrative Reset) and lets it back in', async () => {
    const r = await rig([2]);
    const p = await r.connect(2);
    await p.handshake({ ...openFrom(65002, r.ip(2)), capabilities: [{ kind: 'four-octet-as', asn: 65002 }] });
    await r.waitEvent((e) => e.type === 'state' && e.to === 'Established');
    expect(r.speaker.peer(r.ip(2))!.requestRouteRefresh(1, 1)).toBe('reset');
    await expectNotificationAndClose(p, 6, 4);
    const again = await r.connect(2);
    await again.handshake(openFrom(65002, r.ip(2)));
  });

  it('sends Cease / Peer De-configured with the shutdown communication when a peer is removed', async () => {
    const r = await rig([2]);
    const p = await establishedPeer(r, 2);
    r.speaker.removePeer(r.ip(2), 'decommissioned');
    const n = await expectNotificationAndClose(p, 6, 3);
    expect(n.data.length).toBe(0);
    expect(r.speaker.peer(r.ip(2))).toBeUndefined();
  });

  it('sends Cease / Administrative Shutdown with an RFC 9003 message when the speaker stops', async () => {
    const r = await rig([2]);
    const p = await establishedPeer(r, 2);
    await Promise.all([r.speaker.stop('maintenance'), p.closed]);
    const n = await p.nextOf('notification');
    expect([n.code, n.subcode, n.shutdownCommunication]).toEqual([6, 2, 'maintenance']);
  });

  it('reports backpressure when a peer stops reading, and drain once it reads again', async () => {
    const r = await rig([2], {}, { highWaterMarkBytes: 64 * 1024 });
    const p = await establishedPeer(r, 2);
    p.socket.pause();
    const session = r.speaker.peer(r.ip(2))!;
    const batch: BgpMessage[] = Array.from({ length: 200 }, (_, i) => ipv4Update(`10.${i}.0.0`, 16, r.ip(1)));
    let accepted = true;
    for (let i = 0; i < 5_000 && accepted; i++) accepted = session.write(batch);
    expect(accepted).toBe(false);
    expect(session.queuedBytes).toBeGreaterThanOrEqual(64 * 1024);
    p.socket.resume();
    await r.waitEvent((e) => e.type === 'drain', 20_000);
  });
});

describe('bgp/session timers with an injected clock', () => {
  it('sends Hold Timer Expired to a peer that goes silent, and accepts it again afterwards', async () => {
    const clock = new ManualClock();
    const r = await rig([2], {}, { clock });
    const p = await establishedPeer(r, 2);
    clock.advance(9_001);
    await expectNotificationAndClose(p, 4, 0);
    const down = await r.waitEvent((e) => e.type === 'state' && e.from === 'Established');
    expect(down.type === 'state' && down.reason?.code).toBe('BGPRS_ERR_FSM_HOLD_TIMER_EXPIRED');
    const again = await r.connect(2);
    await again.handshake(openFrom(65002, r.ip(2)));
  });

  it('keeps a session whose peer sends KEEPALIVEs within the hold time', async () => {
    const clock = new ManualClock();
    const r = await rig([2], {}, { clock });
    const p = await establishedPeer(r, 2);
    for (let i = 0; i < 5; i++) {
      clock.advance(4_000);
      p.send({ type: 'keepalive' });
      await p.nextOf('keepalive');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(r.speaker.peer(r.ip(2))!.state).toBe('Established');
  });

  it('does not expire the hold timer while reading is paused on our side, and does once resumed', async () => {
    const clock = new ManualClock();
    const r = await rig([2], {}, { clock });
    const p = await establishedPeer(r, 2);
    const session = r.speaker.peer(r.ip(2))!;
    session.pauseReading();
    // The peer keeps sending KEEPALIVEs; we do not read them for three hold times.
    for (let i = 0; i < 9; i++) {
      p.send({ type: 'keepalive' });
      clock.advance(3_000);
      await p.nextOf('keepalive');
    }
    expect(session.state).toBe('Established');
    session.resumeReading();
    clock.advance(9_001);
    await expectNotificationAndClose(p, 4, 0);
  });
});

describe('bgp/session connection collision (RFC 4271 §6.8) over loopback', () => {
  /** The speaker dials the peer (connection A) and the peer dials the speaker (connection B). */
  async function collide(peerIdentifier: string) {
    const ip = loopbackBlock();
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: ip(2), port: 0 }, resolve));
    const port = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const events: SessionEvent[] = [];
    const speaker = await BgpSpeaker.start({
      localAddress: ip(1),
      port: 0,
      listener: { onEvent: (e) => events.push(e) },
    });
    speakers.push(speaker);
    speaker.addPeer({ address: ip(2), asn: 65002, port, holdTimeSeconds: 9 });
    const outbound = new RawPeer(await accepted);
    server.close();
    await outbound.nextOf('open');
    const inbound = await RawPeer.connect(speaker.port, ip(1), ip(2));
    peers.push(outbound, inbound);
    const open = openFrom(65002, peerIdentifier);
    inbound.send(open);
    outbound.send(open);
    return { speaker, outbound, inbound, events, ip };
  }

  it('keeps the peer’s connection when the peer’s BGP Identifier is higher', async () => {
    const { speaker, outbound, inbound, ip } = await collide('200.0.0.1');
    await expectNotificationAndClose(outbound, 6, 7);
    await inbound.nextOf('open');
    inbound.send({ type: 'keepalive' });
    await inbound.nextOf('keepalive');
    await waitUntil(() => speaker.peer(ip(2))?.state === 'Established');
  });

  it('keeps our connection when our BGP Identifier is higher', async () => {
    const { speaker, outbound, inbound, ip } = await collide('1.1.1.1');
    await expectNotificationAndClose(inbound, 6, 7);
    outbound.send({ type: 'keepalive' });
    await outbound.nextOf('keepalive');
    await waitUntil(() => speaker.peer(ip(2))?.state === 'Established');
    expect(outbound.isClosed).toBe(false);
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('bgp/session record and replay', () => {
  it('records every FSM event as a JSON line that replays through step to the same actions', async () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const r = await rig([2], {}, { clock, recorder: (_peer, line) => lines.push(line) });
    const p = await establishedPeer(r, 2);
    p.send(ipv4Update('10.250.0.0', 16, r.ip(2)));
    await r.waitEvent((e) => e.type === 'update');
    clock.advance(9_001);
    await p.closed;
    const { results, state } = replay(lines);
    expect(results.length).toBeGreaterThan(5);
    for (const { recorded, actions } of results)
      expect(actionsJson(actions)).toBe(actionsJson(recorded.actions ?? []));
    expect(state.name).toBe('Idle');
    expect(state.reason?.code).toBe('BGPRS_ERR_FSM_HOLD_TIMER_EXPIRED');
  });
});

describe('bgp/session peer configuration', () => {
  it('refuses a peer ASN Azure Route Server forbids', async () => {
    const r = await rig([]);
    expect(() => r.speaker.addPeer({ address: r.ip(5), asn: 65515 })).toThrow(
      expect.objectContaining({ code: 'BGPRS_ERR_SESSION_FORBIDDEN_PEER_ASN' }),
    );
    expect(() => r.speaker.addPeer({ address: r.ip(5), asn: 12076 })).toThrow('Azure');
  });

  it('refuses a second peer with the same address', async () => {
    const r = await rig([2]);
    expect(() => r.speaker.addPeer({ address: r.ip(2), asn: 65002 })).toThrow(
      expect.objectContaining({ code: 'BGPRS_ERR_SESSION_DUPLICATE_PEER' }),
    );
  });

  it('resets a live session with Cease / Other Configuration Change when the peer is updated', async () => {
    const r = await rig([2]);
    const p = await establishedPeer(r, 2);
    r.speaker.updatePeer({ address: r.ip(2), asn: 65002, passive: true, holdTimeSeconds: 30 });
    await expectNotificationAndClose(p, 6, 6);
    const again = await r.connect(2);
    const ours = await again.handshake(openFrom(65002, r.ip(2)));
    expect(ours.holdTime).toBe(30);
  });
});

describe('bgp/session diagnostics channel', () => {
  it('publishes session events on routeserver:bgp:session', async () => {
    const seen: SessionEvent[] = [];
    const onMessage = (message: unknown) => seen.push(message as SessionEvent);
    diagnostics.subscribe(SESSION_CHANNEL, onMessage);
    try {
      const r = await rig([2]);
      await establishedPeer(r, 2);
      const mine = seen
        .filter((e) => e.type === 'state' && e.localAddress === r.ip(1))
        .map((e) => e.type === 'state' && e.to);
      expect(mine).toEqual(['Active', 'OpenSent', 'OpenConfirm', 'Established']);
    } finally {
      diagnostics.unsubscribe(SESSION_CHANNEL, onMessage);
    }
  });
});
