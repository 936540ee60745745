/**
 * Folds ExaBGP's JSON API stream (one message per line: `"type":"state"`
 * up/down/connected, `"type":"update"` with announce/withdraw/eor) into the
 * current session states and Adj-RIB-In per peer. A session going down
 * clears that peer's routes. Lines that are not JSON are skipped.
 */
import type { LearnedRoute, SessionState } from './daemon.js';
import { normaliseState } from './daemon.js';

interface ExabgpMessage {
  type?: string;
  neighbor?: {
    address?: { peer?: string };
    state?: string;
    message?: { update?: ExabgpUpdate };
  };
}

interface ExabgpUpdate {
  attribute?: {
    'as-path'?: unknown;
    community?: [number, number][];
  };
  /** family → next hop → NLRIs (4.x: list of {nlri}; older: object keyed by prefix) */
  announce?: Record<string, Record<string, unknown>>;
  /** family → NLRIs */
  withdraw?: Record<string, unknown>;
}

export interface ExabgpState {
  sessions: Map<string, SessionState>;
  routes: LearnedRoute[];
}

function nlriPrefixes(nlris: unknown): string[] {
  if (Array.isArray(nlris)) {
    return nlris
      .map((n) => (typeof n === 'string' ? n : (n as { nlri?: string }).nlri))
      .filter((p): p is string => typeof p === 'string');
  }
  return nlris && typeof nlris === 'object' ? Object.keys(nlris) : [];
}

/** `[65001, 65002]` (4.2) or `{"0": {"element": "as-sequence", "value": [...]}}` (5.x). */
function asPathOf(value: unknown): number[] {
  if (Array.isArray(value)) return value.flat().filter((v): v is number => typeof v === 'number');
  if (value && typeof value === 'object') {
    return Object.values(value as Record<string, { value?: number[] }>).flatMap((s) => s.value ?? []);
  }
  return [];
}

function applyUpdate(rib: Map<string, LearnedRoute>, peer: string, update: ExabgpUpdate): void {
  for (const nlris of Object.values(update.withdraw ?? {})) {
    for (const prefix of nlriPrefixes(nlris)) rib.delete(prefix);
  }
  const asPath = asPathOf(update.attribute?.['as-path']);
  const communities = (update.attribute?.community ?? []).map(([asn, value]) => `${asn}:${value}`);
  for (const byNextHop of Object.values(update.announce ?? {})) {
    for (const [nextHop, nlris] of Object.entries(byNextHop)) {
      for (const prefix of nlriPrefixes(nlris)) {
        const route: LearnedRoute = { prefix, nextHop, asPath, peer };
        if (communities.length) route.communities = communities;
        rib.set(prefix, route);
      }
    }
  }
}

export function foldExabgpLog(text: string): ExabgpState {
  const sessions = new Map<string, SessionState>();
  const ribs = new Map<string, Map<string, LearnedRoute>>();
  for (const line of text.split('\n')) {
    let message: ExabgpMessage;
    try {
      message = JSON.parse(line) as ExabgpMessage;
    } catch {
      continue;
    }
    const peer = message.neighbor?.address?.peer;
    if (!peer) continue;
    const rib = ribs.get(peer) ?? new Map<string, LearnedRoute>();
    ribs.set(peer, rib);
    if (message.type === 'state' && message.neighbor?.state) {
      const state = normaliseState(message.neighbor.state);
      sessions.set(peer, state);
      if (state !== 'Established') rib.clear();
    } else if (message.type === 'update') {
      const update = message.neighbor?.message?.update;
      if (update) applyUpdate(rib, peer, update);
    }
  }
  return { sessions, routes: [...ribs.values()].flatMap((rib) => [...rib.values()]) };
}
