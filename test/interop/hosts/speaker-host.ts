/**
 * Runs route-server BGP speakers in a child process (inside a lab namespace)
 * for interop tests: `node --import tsx speaker-host.ts CONFIG.json EVENTS.jsonl`.
 *
 * CONFIG.json: `{ "speakers": [{ "localAddress", "peers": [PeerOptions…] }] }`.
 * Every session event is appended to EVENTS.jsonl as one JSON line, with
 * UPDATEs summarised (announced and withdrawn prefixes as text) and
 * NOTIFICATIONs as code/subcode. SIGTERM stops the speakers with Cease /
 * Administrative Shutdown and exits.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { formatPrefix, prefixFromKey } from '../../../src/lib/prefix.js';
import { BgpSpeaker } from '../../../src/bgp/session/index.js';
import type { PeerOptions, SessionEvent } from '../../../src/bgp/session/index.js';

interface HostConfig {
  speakers: { localAddress: string; peers: PeerOptions[] }[];
}

const [configPath, eventsPath] = process.argv.slice(2);
if (!configPath || !eventsPath) throw new Error('usage: speaker-host.ts CONFIG.json EVENTS.jsonl');
const config = JSON.parse(readFileSync(configPath, 'utf8')) as HostConfig;

function summarise(event: SessionEvent): Record<string, unknown> {
  switch (event.type) {
    case 'update':
      return {
        type: 'update',
        localAddress: event.localAddress,
        peer: event.peer,
        nlri: event.update.nlri.map((k) => formatPrefix(prefixFromKey(k))),
        withdrawn: event.update.withdrawn.map((k) => formatPrefix(prefixFromKey(k))),
        asPath: event.update.attributes.asPath?.flatMap((s) => s.asns) ?? [],
      };
    case 'notification-sent':
    case 'notification-received':
      return {
        type: event.type,
        localAddress: event.localAddress,
        peer: event.peer,
        code: event.notification.code,
        subcode: event.notification.subcode,
      };
    case 'state':
      return {
        type: 'state',
        localAddress: event.localAddress,
        peer: event.peer,
        from: event.from,
        to: event.to,
        reason: event.reason?.code,
        holdTime: event.negotiated?.holdTimeSeconds,
      };
    default:
      return { ...event };
  }
}

function emit(record: Record<string, unknown>): void {
  appendFileSync(eventsPath!, JSON.stringify({ at: Date.now(), ...record }) + '\n');
}

const speakers: BgpSpeaker[] = [];
for (const s of config.speakers) {
  const speaker = await BgpSpeaker.start({
    localAddress: s.localAddress,
    listener: { onEvent: (e) => emit(summarise(e)) },
  });
  speakers.push(speaker);
  for (const peer of s.peers) speaker.addPeer(peer);
}
emit({ type: 'ready', pid: process.pid });

process.on('SIGTERM', () => {
  void Promise.all(speakers.map((s) => s.stop('interop test finished'))).finally(() => process.exit(0));
});
