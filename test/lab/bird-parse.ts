/**
 * Parsers for BIRD 2's text output (it has no JSON): `birdc show protocols`
 * and `birdc show route all`.
 */
import { normaliseState } from './daemon.js';
import type { SessionState } from './daemon.js';

export interface BirdRoute {
  prefix: string;
  protocol: string;
  best: boolean;
  nextHop: string;
  asPath: number[];
  communities: string[];
}

const STATE_WORD = /^(Idle|Connect|Active|Passive|OpenSent|OpenConfirm|Established)$/;

/**
 * `show protocols` lines look like
 * `peer0      BGP        ---        up     10:12:31.123  Established` or
 * `peer0      BGP        ---        start  10:12:31.123  Active        Socket: Connection refused`;
 * returns protocol name → state for BGP protocols.
 */
export function parseBirdProtocols(text: string): Map<string, SessionState> {
  const states = new Map<string, SessionState>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+BGP\s+\S+\s+(\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, name, up, rest] = m;
    const word = (rest ?? '').split(/\s+/).find((w) => STATE_WORD.test(w));
    states.set(name!, up === 'up' ? 'Established' : normaliseState(word ?? 'Idle'));
  }
  return states;
}

// `10.250.0.0/16        unicast [peer0 10:12:31.456] * (100) [AS65001i]`
// A continuation route of the same prefix starts with whitespace instead of the prefix.
const ROUTE_LINE = /^(\S+)?\s+\w+ \[(\S+) [^\]]*\](\s\*)? \(\d+\)/;

/** Parses `show route all` into one entry per route (several per prefix possible). */
export function parseBirdRoutes(text: string): BirdRoute[] {
  const routes: BirdRoute[] = [];
  let current: BirdRoute | undefined;
  let prefix: string | undefined;
  for (const line of text.split('\n')) {
    const m = ROUTE_LINE.exec(line);
    if (m && (m[1] ?? prefix ?? '').includes('/')) {
      prefix = m[1] ?? prefix!;
      current = {
        prefix,
        protocol: m[2]!,
        best: m[3] !== undefined,
        nextHop: '',
        asPath: [],
        communities: [],
      };
      routes.push(current);
      continue;
    }
    if (!current) continue;
    const attr = /^\s+BGP\.(\w+):\s*(.*)$/.exec(line);
    if (!attr) continue;
    const [, name, value] = attr;
    if (name === 'as_path')
      current.asPath = (value ?? '')
        .split(/[\s{}]+/)
        .filter(Boolean)
        .map(Number);
    else if (name === 'next_hop') current.nextHop = (value ?? '').trim().split(/\s+/)[0] ?? '';
    else if (name === 'community') current.communities = parseBirdCommunities(value ?? '');
  }
  return routes;
}

/** `(65535,65282) (65001,7)` → ["65535:65282", "65001:7"]. */
export function parseBirdCommunities(value: string): string[] {
  return [...value.matchAll(/\((\d+),\s*(\d+)\)/g)].map((m) => `${m[1]}:${m[2]}`);
}
