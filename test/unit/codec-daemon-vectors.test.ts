import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BASE_CONTEXT,
  decode,
  encode,
  endOfRibFamily,
  type BgpMessage,
  type CodecContext,
  type OpenMessage,
} from '../../src/bgp/codec/index.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/bgp');

interface Session {
  name: string;
  localOpen: Buffer;
  messages: Buffer[];
}

function sessions(): Session[] {
  const out: Session[] = [];
  for (const daemon of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    for (const file of readdirSync(path.join(root, daemon.name)).filter((f) => f.endsWith('.hex'))) {
      const lines = readFileSync(path.join(root, daemon.name, file), 'utf8').split('\n');
      const local = lines.find((l) => l.startsWith('# local-open '))!.slice('# local-open '.length);
      out.push({
        name: `${daemon.name}/${file}`,
        localOpen: Buffer.from(local, 'hex'),
        messages: lines.filter((l) => l && !l.startsWith('#')).map((l) => Buffer.from(l, 'hex')),
      });
    }
  }
  return out;
}

function has(open: OpenMessage, kind: string): boolean {
  return open.capabilities.some((c) => c.kind === kind);
}

/** What the two OPENs negotiated (RFC 6793, RFC 8654; the recorder never offers ADD-PATH). */
function negotiated(local: OpenMessage, remote: OpenMessage): CodecContext {
  return {
    ...BASE_CONTEXT,
    fourOctetAs: has(local, 'four-octet-as') && has(remote, 'four-octet-as'),
    extendedMessage: has(local, 'extended-message') && has(remote, 'extended-message'),
  };
}

function decodeSession(session: Session): BgpMessage[] {
  const local = decode(session.localOpen, BASE_CONTEXT) as OpenMessage;
  const remote = decode(session.messages[0]!, BASE_CONTEXT) as OpenMessage;
  const context = negotiated(local, remote);
  return session.messages.map((bytes) => decode(bytes, context));
}

const ALL = sessions();
const DAEMONS = new Set(ALL.map((s) => s.name.split('/')[0]));

describe('sessions recorded from FRR, BIRD, GoBGP, OpenBGPD and ExaBGP', () => {
  it('cover at least three independent implementations, each with an IPv4 and an IPv6 session', () => {
    expect(DAEMONS.size).toBeGreaterThanOrEqual(3);
    for (const daemon of DAEMONS) {
      expect(ALL.map((s) => s.name)).toEqual(
        expect.arrayContaining([`${daemon}/ipv4-session.hex`, `${daemon}/ipv6-session.hex`]),
      );
    }
  });

  for (const session of ALL) {
    it(`decodes every message of ${session.name} without a problem and re-encodes it byte for byte`, () => {
      const local = decode(session.localOpen, BASE_CONTEXT) as OpenMessage;
      const remote = decode(session.messages[0]!, BASE_CONTEXT);
      expect(remote.type).toBe('open');
      const context = negotiated(local, remote as OpenMessage);
      for (const bytes of session.messages) {
        const message = decode(bytes, context);
        if (message.type === 'update') expect(message.problems).toBeUndefined();
        expect(encode(message, context).toString('hex')).toBe(bytes.toString('hex'));
      }
    });

    it(`finds the announced routes in ${session.name}`, () => {
      const updates = decodeSession(session).filter((m) => m.type === 'update');
      if (session.name.endsWith('ipv4-session.hex')) {
        expect(updates.some((u) => u.nlri.length > 0 && u.attributes.nextHop !== undefined)).toBe(true);
      } else {
        expect(updates.some((u) => (u.attributes.mpReach?.nlri.prefixes.length ?? 0) > 0)).toBe(true);
      }
      expect(updates.some((u) => (u.attributes.communities?.length ?? 0) > 0)).toBe(true);
    });
  }

  it('reads the shutdown communication FRR, BIRD and OpenBGPD send with Cease/Administrative Shutdown', () => {
    for (const daemon of ['frr', 'bird', 'openbgpd'].filter((d) => DAEMONS.has(d))) {
      const session = ALL.find((s) => s.name === `${daemon}/ipv4-session.hex`)!;
      const notification = decodeSession(session).find((m) => m.type === 'notification');
      expect(notification).toMatchObject({
        code: 6,
        subcode: 2,
        shutdownCommunication: 'maintenance window',
      });
    }
  });

  it('recognises the End-of-RIB markers BIRD and ExaBGP send for each family', () => {
    for (const daemon of ['bird', 'exabgp'].filter((d) => DAEMONS.has(d))) {
      for (const [file, afi] of [
        ['ipv4-session.hex', 1],
        ['ipv6-session.hex', 2],
      ] as const) {
        const messages = decodeSession(ALL.find((s) => s.name === `${daemon}/${file}`)!);
        const markers = messages.flatMap((m) => (m.type === 'update' ? [endOfRibFamily(m)] : []));
        expect(markers).toContainEqual({ afi, safi: 1 });
      }
    }
  });

  it("reads FRR's FQDN capability", () => {
    const session = ALL.find((s) => s.name === 'frr/ipv4-session.hex')!;
    const open = decode(session.messages[0]!, BASE_CONTEXT) as OpenMessage;
    expect(open.capabilities.find((c) => c.kind === 'fqdn')).toMatchObject({
      kind: 'fqdn',
      hostname: expect.any(String),
    });
  });
});
