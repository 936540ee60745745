import { describe, expect, it } from 'vitest';
import { familyKey, IPV4_UNICAST, IPV6_UNICAST } from '../codec/index.js';
import type { Capability, OpenMessage } from '../codec/index.js';
import { collisionLoser, survivingDirection } from './collision.js';
import { forbiddenPeerAsnReason, fsmConfig } from './config.js';
import { buildOpen, negotiate } from './open.js';

const config = fsmConfig({ localAs: 65515, localIdentifier: 0x0a000004, peerAs: 65001 });

function peer(capabilities: Capability[], holdTime = 180): OpenMessage {
  return { type: 'open', version: 4, myAs: 65001, holdTime, bgpIdentifier: 1, capabilities };
}

describe('bgp/fsm capability negotiation', () => {
  it('advertises IPv4 unicast, route refresh, enhanced route refresh, extended message and 4-octet AS', () => {
    const kinds = buildOpen(config).capabilities.map((c) => c.kind);
    expect(kinds).toEqual([
      'multiprotocol',
      'route-refresh',
      'enhanced-route-refresh',
      'extended-message',
      'four-octet-as',
    ]);
  });

  it('puts AS_TRANS in My AS when the local AS needs 4 octets (RFC 6793 §4.1)', () => {
    const open = buildOpen(fsmConfig({ localAs: 4200000000, localIdentifier: 1, peerAs: 65001 }));
    expect(open.myAs).toBe(23456);
  });

  it('enables only what both sides advertised', () => {
    const n = negotiate(config, peer([{ kind: 'four-octet-as', asn: 65001 }, { kind: 'route-refresh' }]));
    expect(n.context.fourOctetAs).toBe(true);
    expect(n.context.extendedMessage).toBe(false);
    expect(n.peerRouteRefresh).toBe(true);
    expect(n.enhancedRouteRefresh).toBe(false);
  });

  it('assumes IPv4 unicast for a peer without Multiprotocol capabilities (RFC 4760)', () => {
    expect(negotiate(config, peer([])).families).toEqual([{ afi: 1, safi: 1 }]);
  });

  it('keeps the families both sides advertised', () => {
    const cfg = fsmConfig({
      ...config,
      families: [
        { afi: 1, safi: 1 },
        { afi: 2, safi: 1 },
      ],
    });
    const n = negotiate(cfg, peer([{ kind: 'multiprotocol', afi: 2, safi: 1 }]));
    expect(n.families).toEqual([{ afi: 2, safi: 1 }]);
  });

  it('negotiates ADD-PATH per family and direction (RFC 7911 §5)', () => {
    const cfg = fsmConfig({
      ...config,
      addPath: [
        { afi: 1, safi: 1, receive: true, send: true },
        { afi: 2, safi: 1, receive: true, send: false },
      ],
    });
    const n = negotiate(
      cfg,
      peer([
        {
          kind: 'add-path',
          families: [
            { afi: 1, safi: 1, sendReceive: 2 },
            { afi: 2, safi: 1, sendReceive: 3 },
          ],
        },
      ]),
    );
    expect([...n.context.addPathReceive].sort()).toEqual([IPV4_UNICAST, IPV6_UNICAST].sort());
    expect([...n.context.addPathSend]).toEqual([]);
    expect(familyKey(1, 1)).toBe(IPV4_UNICAST);
  });

  it('rejects a hold time outside 0 or 3..65535 in the configuration', () => {
    expect(() => fsmConfig({ localAs: 1, localIdentifier: 1, peerAs: 2, holdTimeSeconds: 2 })).toThrow(
      RangeError,
    );
  });
});

describe('bgp/fsm connection collision (RFC 4271 §6.8)', () => {
  it('keeps our outbound connection when our BGP Identifier is higher', () => {
    expect(survivingDirection(0x0a000005, 0x0a000004)).toBe('outbound');
    const loser = collisionLoser(
      { direction: 'outbound', state: 'OpenConfirm' },
      { direction: 'inbound', state: 'OpenSent' },
      0x0a000005,
      0x0a000004,
    );
    expect(loser).toBe('b');
  });

  it('keeps the peer’s inbound connection when its BGP Identifier is higher', () => {
    const loser = collisionLoser(
      { direction: 'outbound', state: 'OpenConfirm' },
      { direction: 'inbound', state: 'OpenSent' },
      0x0a000004,
      0x0a000104,
    );
    expect(loser).toBe('a');
  });

  it('compares identifiers as unsigned 32-bit numbers', () => {
    expect(survivingDirection(0xc0000001, 0x0a000001)).toBe('outbound');
  });

  it('always keeps an Established connection', () => {
    const loser = collisionLoser(
      { direction: 'inbound', state: 'OpenSent' },
      { direction: 'outbound', state: 'Established' },
      0xffffffff,
      1,
    );
    expect(loser).toBe('a');
  });

  it('resolves nothing while one connection has no TCP yet', () => {
    const loser = collisionLoser(
      { direction: 'outbound', state: 'Connect' },
      { direction: 'inbound', state: 'OpenSent' },
      2,
      1,
    );
    expect(loser).toBeUndefined();
  });
});

describe('bgp/fsm forbidden peer ASNs (docs/azure-behaviour.md §2.4)', () => {
  it.each([0, 8074, 8075, 12076, 65515, 65517, 65520, 23456, 64496, 64511, 65535, 65551])(
    'refuses AS %i',
    (asn) => {
      expect(forbiddenPeerAsnReason(asn, 65515)).toBeDefined();
    },
  );
  it.each([65001, 64512, 65516, 4200000001])('accepts AS %i', (asn) => {
    expect(forbiddenPeerAsnReason(asn, 65515)).toBeUndefined();
  });
});
