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

/** The captures test/fixtures/bgp/capture.ts records: one IPv4 and one IPv6 session per daemon. */
const EXPECTED_DAEMONS = ['bird', 'exabgp', 'frr', 'gobgp', 'openbgpd'] as const;
const EXPECTED_FILES = ['ipv4-session.hex', 'ipv6-session.hex'] as const;
const EXPECTED = EXPECTED_DAEMONS.flatMap((daemon) => EXPECTED_FILES.map((file) => `${daemon}/${file}`));

/** The names of the captures present on disk, `daemon/file.hex`. */
function captureNames(): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((daemon) =>
      readdirSync(path.join(root, daemon.name))
        .filter((f) => f.endsWith('.hex'))
        .map((file) => `${daemon.name}/${file}`),
    )
    .sort();
}

/** One capture; throws when it is missing or has no local OPEN, so the tests that use it fail. */
function readSession(name: string): Session {
  const lines = readFileSync(path.join(root, name), 'utf8').split('\n');
  const local = lines.find((l) => l.startsWith('# local-open '));
  if (local === undefined) throw new Error(`${name} has no '# local-open' line`);
  return {
    name,
    localOpen: Buffer.from(local.slice('# local-open '.length), 'hex'),
    messages: lines.filter((l) => l && !l.startsWith('#')).map((l) => Buffer.from(l, 'hex')),
  };
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

describe('sessions recorded from FRR, BIRD, GoBGP, OpenBGPD and ExaBGP', () => {
  it('are all present: an IPv4 and an IPv6 session of each of the five daemons, and nothing else', () => {
    expect(captureNames()).toEqual([...EXPECTED].sort());
  });

  for (const name of EXPECTED) {
    it(`decodes every message of ${name} without a problem and re-encodes it byte for byte`, () => {
      const session = readSession(name);
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

    it(`finds the announced routes in ${name}`, () => {
      const updates = decodeSession(readSession(name)).filter((m) => m.type === 'update');
      if (name.endsWith('ipv4-session.hex')) {
        expect(updates.some((u) => u.nlri.length > 0 && u.attributes.nextHop !== undefined)).toBe(true);
      } else {
        expect(updates.some((u) => (u.attributes.mpReach?.nlri.prefixes.length ?? 0) > 0)).toBe(true);
      }
      expect(updates.some((u) => (u.attributes.communities?.length ?? 0) > 0)).toBe(true);
    });
  }

  it('reads the shutdown communication FRR, BIRD and OpenBGPD send with Cease/Administrative Shutdown', () => {
    for (const daemon of ['frr', 'bird', 'openbgpd']) {
      const notification = decodeSession(readSession(`${daemon}/ipv4-session.hex`)).find(
        (m) => m.type === 'notification',
      );
      expect(notification).toMatchObject({
        code: 6,
        subcode: 2,
        shutdownCommunication: 'maintenance window',
      });
    }
  });

  it('recognises the End-of-RIB markers BIRD and ExaBGP send for each family', () => {
    for (const daemon of ['bird', 'exabgp']) {
      for (const [file, afi] of [
        ['ipv4-session.hex', 1],
        ['ipv6-session.hex', 2],
      ] as const) {
        const messages = decodeSession(readSession(`${daemon}/${file}`));
        const markers = messages.flatMap((m) => (m.type === 'update' ? [endOfRibFamily(m)] : []));
        expect(markers).toContainEqual({ afi, safi: 1 });
      }
    }
  });

  it("reads FRR's FQDN capability", () => {
    const open = decode(readSession('frr/ipv4-session.hex').messages[0]!, BASE_CONTEXT) as OpenMessage;
    expect(open.capabilities.find((c) => c.kind === 'fqdn')).toMatchObject({
      kind: 'fqdn',
      hostname: expect.any(String),
    });
  });
});
