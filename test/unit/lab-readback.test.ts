/**
 * The interop lab's read-back parsers, on output captured from the real
 * daemons (BIRD 2.0.12, ExaBGP 4.2.21, FRR 8.4.4, GoBGP 3.10, OpenBGPD 7.7).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBirdCommunities, parseBirdProtocols, parseBirdRoutes } from '../lab/bird-parse.js';
import { communityValue, normaliseState, prependedAsns } from '../lab/daemon.js';
import { foldExabgpLog } from '../lab/exabgp-parse.js';
import { frrRoute, splitJsonObjects } from '../lab/frr.js';
import { gobgpRoute } from '../lab/gobgp.js';
import { openbgpdRoute } from '../lab/openbgpd.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/lab/${name}`, import.meta.url), 'utf8');

describe('BIRD text read-back', () => {
  it('reads BGP protocol states from show protocols, ignoring other protocols', () => {
    const states = parseBirdProtocols(fixture('bird-show-protocols.txt'));
    expect([...states]).toEqual([
      ['peer0', 'Established'],
      ['peer1', 'Active'],
    ]);
  });

  it('reads prefix, protocol, best flag, AS path, next hop and communities from show route all', () => {
    const routes = parseBirdRoutes(fixture('bird-show-route-all.txt'));
    expect(routes.find((r) => r.prefix === '10.251.0.0/16')).toEqual({
      prefix: '10.251.0.0/16',
      protocol: 'peer0',
      best: true,
      nextHop: '10.0.1.4',
      asPath: [65001, 65001, 65001],
      communities: ['65001:100', '65535:0'],
    });
    expect(routes.filter((r) => r.protocol === 'announce4').map((r) => r.prefix)).toEqual([
      '10.252.0.0/16',
      '10.253.0.0/16',
      '10.8.0.0/16',
    ]);
  });

  it('attributes a second route of the same prefix to its own protocol, not best', () => {
    const text = [
      'Table master4:',
      '10.9.0.0/16          unicast [peer0 10:04:16.903] * (100) [AS65001i]',
      '\tBGP.as_path: 65001',
      '\tBGP.next_hop: 10.0.1.4',
      '                     unicast [peer1 10:04:17.100] (100) [AS65003i]',
      '\tBGP.as_path: 65003 {64512 64513}',
      '\tBGP.next_hop: 10.0.1.6',
    ].join('\n');
    expect(parseBirdRoutes(text).map((r) => [r.prefix, r.protocol, r.best, r.asPath, r.nextHop])).toEqual([
      ['10.9.0.0/16', 'peer0', true, [65001], '10.0.1.4'],
      ['10.9.0.0/16', 'peer1', false, [65003, 64512, 64513], '10.0.1.6'],
    ]);
  });

  it('formats BIRD community pairs as asn:value', () => {
    expect(parseBirdCommunities('(65535,65282) (1,2)')).toEqual(['65535:65282', '1:2']);
  });
});

describe('ExaBGP JSON-lines read-back', () => {
  it('folds state messages and updates into sessions and the current Adj-RIB-In', () => {
    const lines = fixture('exabgp-received.jsonl').split('\n');
    // Up to and including the withdraw (line 8), before the session went down.
    const { sessions, routes } = foldExabgpLog(lines.slice(0, 8).join('\n'));
    expect(sessions.get('10.0.1.4')).toBe('Established');
    expect(routes.map((r) => r.prefix).sort()).toEqual(['10.230.0.0/16', '10.231.0.0/16', '10.250.0.0/16']);
    expect(routes.find((r) => r.prefix === '10.231.0.0/16')).toEqual({
      prefix: '10.231.0.0/16',
      nextHop: '10.0.1.4',
      asPath: [65001, 65003, 65003, 65003],
      peer: '10.0.1.4',
      communities: ['65003:1', '65535:0'],
    });
  });

  it('drops a peer routes when its session goes down', () => {
    const { sessions, routes } = foldExabgpLog(fixture('exabgp-received.jsonl'));
    expect(sessions.get('10.0.1.4')).toBe('Idle');
    expect(routes).toEqual([]);
  });
});

describe('FRR JSON read-back', () => {
  const detail = {
    prefix: '10.253.0.0/16',
    paths: [
      {
        aspath: {
          string: '4200000002 64999',
          segments: [{ type: 'as-sequence', list: [4200000002, 64999] }],
        },
        valid: true,
        bestpath: { overall: true },
        community: { string: 'no-export 65001:7' },
        nexthops: [{ ip: '10.0.1.5', afi: 'ipv4', used: true }],
        peer: { peerId: '10.0.1.5', routerId: '10.0.1.5', type: 'external' },
      },
    ],
  };

  it('splits the JSON documents vtysh prints for several commands', () => {
    const text = `${JSON.stringify(detail, null, 2)}\n{"prefix":"a\\"}{","paths":[]}\n`;
    expect(splitJsonObjects(text)).toEqual([detail, { prefix: 'a"}{', paths: [] }]);
  });

  it('turns a detailed path into a learned route with well-known communities as values', () => {
    expect(frrRoute(detail.prefix, detail.paths[0]!)).toEqual({
      prefix: '10.253.0.0/16',
      nextHop: '10.0.1.5',
      asPath: [4200000002, 64999],
      peer: '10.0.1.5',
      best: true,
      communities: ['65535:65281', '65001:7'],
    });
  });

  it('leaves out locally originated paths', () => {
    expect(frrRoute('10.0.0.0/16', { peer: { peerId: '(unspec)' } })).toBeUndefined();
  });

  it('leaves out the local path of a prefix that is also learned (peer 0.0.0.0, a prepending route-map)', () => {
    const local = { peer: { peerId: '0.0.0.0' }, aspath: { segments: [{ list: [65010, 65010] }] } };
    expect(frrRoute('10.250.0.0/16', local)).toBeUndefined();
  });
});

describe('GoBGP and OpenBGPD JSON read-back', () => {
  it('decodes GoBGP attributes (AS path, next hop, communities as 32-bit numbers)', () => {
    const path = {
      nlri: { prefix: '10.243.0.0/16' },
      best: true,
      attrs: [
        { type: 1, value: 0 },
        { type: 2, as_paths: [{ segment_type: 2, num: 2, asns: [4200000005, 4200000005] }] },
        { type: 3, nexthop: '10.0.1.8' },
        { type: 8, communities: [4260167681, 4294901760] },
      ],
      'source-id': '10.0.1.8',
      'neighbor-ip': '10.0.1.8',
    };
    expect(gobgpRoute('10.243.0.0/16', path)).toEqual({
      prefix: '10.243.0.0/16',
      nextHop: '10.0.1.8',
      asPath: [4200000005, 4200000005],
      peer: '10.0.1.8',
      best: true,
      communities: ['65005:1', '65535:0'],
    });
    expect(gobgpRoute('10.240.0.0/16', { nlri: { prefix: '10.240.0.0/16' }, attrs: [] })).toBeUndefined();
  });

  it('reads an OpenBGPD rib entry and skips the ones it originates', () => {
    const learned = {
      prefix: '10.241.0.0/16',
      aspath: '65004 65004 65004',
      exit_nexthop: '10.0.1.7',
      true_nexthop: '10.0.1.8',
      neighbor: { remote_addr: '10.0.1.7', bgp_id: '10.0.1.7' },
      best: true,
      communities: ['65004:1', 'GRACEFUL_SHUTDOWN'],
    };
    expect(openbgpdRoute(learned)).toEqual({
      prefix: '10.241.0.0/16',
      nextHop: '10.0.1.7',
      asPath: [65004, 65004, 65004],
      peer: '10.0.1.7',
      best: true,
      communities: ['65004:1', '65535:0'],
    });
    const local = {
      prefix: '10.242.0.0/16',
      neighbor: { description: 'LOCAL', remote_addr: '???' },
      announced: true,
    };
    expect(openbgpdRoute(local)).toBeUndefined();
  });
});

describe('shared helpers', () => {
  it('normalises the state words of every daemon to RFC 4271 names', () => {
    expect(
      ['ESTABLISHED', 'Established', 'up', 'BGP_FSM_OPENSENT', 'OpenConfirm', 'Passive', 'down'].map(
        normaliseState,
      ),
    ).toEqual(['Established', 'Established', 'Established', 'OpenSent', 'OpenConfirm', 'Active', 'Idle']);
  });

  it('maps well-known community names to values and keeps numeric ones', () => {
    expect(['no-advertise', 'NO_EXPORT', 'local-AS', '65001:7'].map(communityValue)).toEqual([
      '65535:65282',
      '65535:65281',
      '65535:65283',
      '65001:7',
    ]);
  });

  it('expands a prepend count into repetitions of the local ASN', () => {
    expect(prependedAsns({ asPathPrepend: 2 }, 65001)).toEqual([65001, 65001]);
    expect(prependedAsns({ asPathPrepend: [64512, 64513] }, 65001)).toEqual([64512, 64513]);
    expect(prependedAsns({}, 65001)).toEqual([]);
  });
});
