import { afterEach, describe, expect, it } from 'vitest';
import { loopbackBlock } from './raw-peer.test-support.js';
import { BgpSpeaker } from './speaker.js';
import type { SessionEvent } from './events.js';
import { md5KeyProblem, tcpMd5Availability } from './tcp-md5.js';

const speakers: BgpSpeaker[] = [];

afterEach(async () => {
  await Promise.all(speakers.splice(0).map((s) => s.stop()));
});

/** Resolves with the first event that matches, among those seen so far and later ones. */
function eventLog() {
  const events: SessionEvent[] = [];
  const waiting: { match: (e: SessionEvent) => boolean; resolve: (e: SessionEvent) => void }[] = [];
  return {
    events,
    onEvent(event: SessionEvent) {
      events.push(event);
      for (const w of waiting.filter((w) => w.match(event))) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(event);
      }
    },
    next(match: (e: SessionEvent) => boolean): Promise<SessionEvent> {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiting.push({ match, resolve }));
    },
  };
}

describe('TCP-MD5 keys', () => {
  it('accepts keys of 1 to 80 bytes, counted as UTF-8 bytes', () => {
    expect(md5KeyProblem('k')).toBeUndefined();
    expect(md5KeyProblem('x'.repeat(80))).toBeUndefined();
    expect(md5KeyProblem('')).toMatch(/must not be empty/);
    expect(md5KeyProblem('x'.repeat(81))).toMatch(/81 bytes; at most 80/);
    expect(md5KeyProblem('é'.repeat(41))).toMatch(/82 bytes/);
  });

  it('refuses a peer whose key is longer than 80 bytes', async () => {
    const ip = loopbackBlock();
    const speaker = await BgpSpeaker.start({ localAddress: ip(1), port: 0 });
    speakers.push(speaker);
    expect(() => speaker.addPeer({ address: ip(2), asn: 65002, md5Key: 'x'.repeat(81) })).toThrow(
      expect.objectContaining({ code: 'BGPRS_ERR_SESSION_BAD_CONFIG' }),
    );
    expect(speaker.peer(ip(2))).toBeUndefined();
  });
});

describe('TCP-MD5 sessions through the kernel', () => {
  it('has the addon built (native/tcp-md5/build.sh runs in the test set-up)', () => {
    expect(tcpMd5Availability()).toMatchObject({ available: true });
  });

  it('signs a dialed session from its SYN and a listener accepts it with the same key', async () => {
    const ip = loopbackBlock();
    const server = eventLog();
    const listening = await BgpSpeaker.start({ localAddress: ip(1), port: 0, listener: server });
    speakers.push(listening);
    listening.addPeer({ address: ip(2), asn: 65002, passive: true, md5Key: 'lab-secret' });
    const dialing = await BgpSpeaker.start({
      localAddress: ip(2),
      localAs: 65002,
      listen: false,
      allowReservedPeerAsns: true,
    });
    speakers.push(dialing);
    const session = dialing.addPeer({
      address: ip(1),
      asn: 65515,
      port: listening.port,
      md5Key: 'lab-secret',
    });
    await server.next((e) => e.type === 'state' && e.to === 'Established');
    expect(listening.peer(ip(2))?.state).toBe('Established');
    await new Promise<void>((resolve) => {
      const poll = () => (session.state === 'Established' ? resolve() : setTimeout(poll, 10));
      poll();
    });
  });

  it('keeps a keyed peer Idle and says why when the addon is unavailable; other peers start', async () => {
    const ip = loopbackBlock();
    const log = eventLog();
    const speaker = await BgpSpeaker.start({
      localAddress: ip(1),
      port: 0,
      listener: log,
      tcpMd5: { available: false, reason: 'the TCP-MD5 addon cannot be loaded (test)' },
    });
    speakers.push(speaker);
    const keyed = speaker.addPeer({ address: ip(2), asn: 65002, md5Key: 'k' });
    const plain = speaker.addPeer({ address: ip(3), asn: 65003 });
    const failure = await log.next((e) => e.type === 'tcp-md5-failed');
    expect(failure).toMatchObject({ peer: ip(2), message: 'the TCP-MD5 addon cannot be loaded (test)' });
    expect(keyed.state).toBe('Idle');
    await log.next((e) => e.type === 'state' && e.peer === ip(3) && e.from === 'Idle');
    expect(plain.state).not.toBe('Idle');
    expect(log.events.some((e) => e.type === 'state' && e.peer === ip(2))).toBe(false);
  });

  it('takes a key off the listener when the peer is configured without one', async () => {
    const ip = loopbackBlock();
    const log = eventLog();
    const listening = await BgpSpeaker.start({ localAddress: ip(1), port: 0, listener: log });
    speakers.push(listening);
    listening.addPeer({ address: ip(2), asn: 65002, passive: true, md5Key: 'old' });
    listening.updatePeer({ address: ip(2), asn: 65002, passive: true });
    const dialing = await BgpSpeaker.start({
      localAddress: ip(2),
      localAs: 65002,
      listen: false,
      allowReservedPeerAsns: true,
    });
    speakers.push(dialing);
    dialing.addPeer({ address: ip(1), asn: 65515, port: listening.port });
    await log.next((e) => e.type === 'state' && e.to === 'Established');
  });
});
