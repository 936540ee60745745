import { describe, expect, it } from 'vitest';
import { BASE_CONTEXT } from '../bgp/codec/index.js';
import { ExportCache, sameExportSet } from './attribute-store.js';
import type { ExportSet } from './attribute-store.js';
import {
  harness,
  NVA1,
  NVA2,
  NVA3,
  pathAttributes,
  peerInfo,
  TestOutput,
  up,
  updateOf,
  withdrawalOf,
} from './fixtures.test-support.js';

const MONITOR = '10.0.2.9';

const exportSet = (bytes: number[], ipv6NextHop?: number[]): ExportSet => ({
  block: Buffer.from(bytes),
  ...(ipv6NextHop ? { ipv6NextHop: Uint8Array.from(ipv6NextHop) } : {}),
});

describe('ExportCache', () => {
  it('answers every export class with the value stored for it, one class or several', () => {
    const cache = new ExportCache<number>();
    expect(cache.exportOf('nva|nva|4')).toBeUndefined();
    cache.keepExport('nva|nva|4', 1);
    expect(cache.exportOf('nva|nva|4')).toBe(1);
    expect(cache.exportOf('gateway|nva|4')).toBeUndefined();
    cache.keepExport('gateway|nva|4', 2);
    cache.keepExport('nva|nva|2', 3);
    cache.keepExport('nva|nva|4', 4);
    expect([
      cache.exportOf('nva|nva|4'),
      cache.exportOf('gateway|nva|4'),
      cache.exportOf('nva|nva|2'),
    ]).toEqual([4, 2, 3]);
  });
});

describe('sameExportSet', () => {
  it('is true for equal blocks and next hops, false when either differs', () => {
    const a = exportSet([64, 1, 1, 0]);
    expect(sameExportSet(a, a)).toBe(true);
    expect(sameExportSet(a, exportSet([64, 1, 1, 0]))).toBe(true);
    expect(sameExportSet(a, exportSet([64, 1, 1, 2]))).toBe(false);
    const v6 = exportSet([64, 1, 1, 0], [0x20, 1, 0xd, 0xb8]);
    expect(sameExportSet(v6, exportSet([64, 1, 1, 0], [0x20, 1, 0xd, 0xb8]))).toBe(true);
    expect(sameExportSet(v6, exportSet([64, 1, 1, 0], [0x20, 1, 0xd, 0xb9]))).toBe(false);
    expect(sameExportSet(v6, a)).toBe(false);
  });
});

describe('attribute sets and paths', () => {
  it('hands the VNet one next-hop array for the prefixes of every attribute set with that next hop', async () => {
    const h = harness({ routeLimit: 10_000 });
    up(h, NVA1, 65001);
    up(h, MONITOR, 65009);
    for (let set = 0; set < 20; set++)
      h.engine.receiveUpdate(
        NVA1,
        updateOf(pathAttributes([65001, 100 + set], NVA1), [`172.16.${set}.0/24`]),
      );
    await h.engine.whenIdle();
    expect(h.engine.attributeSetCount).toBe(20);
    const arrays = new Set([...h.sink.table.values()].map((route) => route.nextHops));
    expect(h.sink.table.size).toBe(20);
    expect(arrays.size).toBe(1);
    expect([...arrays][0]).toEqual([NVA1]);
  });

  it('does not send a prefix again when its new attribute set exports the same bytes', async () => {
    const h = harness({ routeLimit: 10_000 });
    up(h, NVA1, 65001);
    const monitor = new TestOutput();
    up(h, MONITOR, 65009, monitor);
    const prefixes = ['172.16.0.0/24', '172.16.1.0/24'];
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([65001, 7], NVA1), prefixes));
    await h.engine.whenIdle();
    const before = monitor.updates.length;
    // another MED (the route server does not pass it on, src/policy/export-rules.ts): a new set, the same export
    h.engine.receiveUpdate(NVA1, updateOf({ ...pathAttributes([65001, 7], NVA1), med: 300 }, prefixes));
    await h.engine.whenIdle();
    expect(h.engine.attributeSetCount).toBe(1);
    expect(monitor.updates.length).toBe(before);
  });

  it('shares one set between peers and frees it when the last of them withdraws, in any order', async () => {
    const h = harness({ routeLimit: 10_000 });
    for (const [address, asn] of [
      [NVA1, 65001],
      [NVA2, 65002],
      [NVA3, 65003],
    ] as const)
      up(h, address, asn);
    // the same received bytes from three peers: one set, a path per peer
    const attributes = pathAttributes([65100, 7], '10.0.9.9');
    const send = async (peer: string, update = updateOf(attributes, ['172.16.0.0/24'])) => {
      h.engine.receiveUpdate(peer, update);
      await h.engine.whenIdle();
    };
    await send(NVA1);
    await send(NVA2);
    expect(h.engine.attributeSetCount).toBe(1);
    // the first peer's path (the one the set holds) goes first, a third peer takes its place
    await send(NVA1, withdrawalOf(['172.16.0.0/24']));
    expect(h.engine.attributeSetCount).toBe(1);
    await send(NVA3);
    await send(NVA2, withdrawalOf(['172.16.0.0/24']));
    expect(h.engine.attributeSetCount).toBe(1);
    expect(h.engine.peerCounters(NVA3)?.received).toBe(1);
    await send(NVA3, withdrawalOf(['172.16.0.0/24']));
    expect(h.engine.attributeSetCount).toBe(0);
    // and the set comes back for a peer that announces it again
    await send(NVA2);
    expect(h.engine.attributeSetCount).toBe(1);
    expect(h.sink.table.size).toBe(1);
  });

  it("reads a set's attributes back from its received bytes, with the AS size its session negotiated", async () => {
    const h = harness({ routeLimit: 10_000 });
    // a 4-octet-AS session with an AS above 65535, and a session without 4-octet AS
    up(h, NVA1, 4_200_000_001);
    h.engine.peerUp(NVA2, peerInfo(NVA2, 65002, NVA2, BASE_CONTEXT), new TestOutput());
    h.engine.receiveUpdate(NVA1, updateOf(pathAttributes([4_200_000_001, 65100], NVA1), ['172.16.0.0/24']));
    h.engine.receiveUpdate(
      NVA2,
      updateOf(pathAttributes([65002, 65200], NVA2), ['172.16.1.0/24'], [], BASE_CONTEXT),
    );
    await h.engine.whenIdle();
    // the views decode the sets' kept bytes (src/rib/attribute-store.ts `attributes`)
    expect(h.engine.learnedRoutes(NVA1).map((r) => [r.network, r.asPath])).toEqual([
      ['172.16.0.0/24', '4200000001-65100'],
    ]);
    expect(h.engine.learnedRoutes(NVA2).map((r) => [r.network, r.asPath])).toEqual([
      ['172.16.1.0/24', '65002-65200'],
    ]);
  });
});
