import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ControlClient } from '../../bench/harness/control.js';
import { learnedFromMetrics, serveConfig } from '../../bench/duts/routeserver.js';
import { loadConfigFile } from '../../src/daemon/config-load.js';
import { decode } from '../../src/bgp/codec/index.js';
import type { UpdateMessage } from '../../src/bgp/codec/index.js';
import { prefixFromKey } from '../../src/lib/prefix.js';
import { PrefixCounter } from '../../bench/harness/counter.js';
import { CONTEXT, encodeAnnounce, encodePeer } from '../../bench/harness/table.js';
import type { PeerPlan } from '../../bench/harness/table.js';
import { END_OF_RIB, FrameWalker, planAddress, planIndex } from '../../bench/harness/wire.js';
import { markdown, ratios } from '../../bench/runner/report.js';
import type { FlapResult, RunResult } from '../../bench/runner/scenario.js';

const plan = (packing: PeerPlan['packing'], count: number, first = 0): PeerPlan => ({
  asn: 65101,
  nextHop: 0x0a000101,
  first,
  count,
  packing,
});

function messages(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  new FrameWalker((b, start, length) => out.push(Buffer.from(b.subarray(start, start + length)))).feed(bytes);
  return out;
}

describe('bench injector tables', () => {
  it('packs exactly 1,000 prefixes per UPDATE in anchor mode, all decodable by the codec', () => {
    const { bytes, updates } = encodeAnnounce(plan('anchor', 2500), 0, 2500);
    const decoded = messages(bytes).map((m) => decode(m, CONTEXT) as UpdateMessage);
    expect(updates).toBe(3);
    expect(decoded.map((u) => u.nlri.length)).toEqual([1000, 1000, 500]);
    expect(prefixFromKey(decoded[0]!.nlri[0]!)).toEqual({ family: 4, address: planAddress(0), length: 24 });
  });

  it('gives every set of prefixes its own attributes in real mode and re-announces a slice with the same ones', () => {
    const p = { ...plan('real', 60), perSet: 15 };
    const all = messages(encodeAnnounce(p, 0, 60).bytes).map((m) => decode(m, CONTEXT) as UpdateMessage);
    expect(all).toHaveLength(4);
    expect(new Set(all.map((u) => Buffer.from(u.attributeBytes).toString('hex'))).size).toBe(4);
    const slice = messages(encodeAnnounce(p, 15, 15).bytes).map((m) => decode(m, CONTEXT) as UpdateMessage);
    expect(Buffer.from(slice[0]!.attributeBytes)).toEqual(Buffer.from(all[1]!.attributeBytes));
  });

  it('gives every UPDATE of 3 prefixes its own attributes in diverse mode: AS paths 2–7 long, MED on a third, 0–4 communities', () => {
    const all = messages(encodeAnnounce(plan('diverse', 3000), 0, 3000).bytes).map(
      (m) => decode(m, CONTEXT) as UpdateMessage,
    );
    expect(all).toHaveLength(1000);
    expect(all.every((u) => u.nlri.length === 3)).toBe(true);
    expect(new Set(all.map((u) => Buffer.from(u.attributeBytes).toString('hex'))).size).toBe(1000);
    const lengths = new Set(all.map((u) => u.attributes.asPath!.flatMap((s) => s.asns).length));
    expect([...lengths].sort()).toEqual([2, 3, 4, 5, 6, 7]);
    expect(all.filter((u) => u.attributes.med !== undefined)).toHaveLength(334);
    const communities = new Set(all.map((u) => u.attributes.communities?.length ?? 0));
    expect([...communities].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('withdraws the whole range', () => {
    const streams = encodePeer(plan('anchor', 3000, 7000));
    const withdrawn = messages(streams.withdraw).flatMap((m) => [
      ...(decode(m, CONTEXT) as UpdateMessage).withdrawn,
    ]);
    expect(withdrawn).toHaveLength(3000);
    expect(planIndex(prefixFromKey(withdrawn[0]!).address as number)).toBe(7000);
  });
});

describe('bench monitor counting', () => {
  it('counts announcements and withdrawals across arbitrary chunk boundaries', () => {
    const streams = encodePeer(plan('anchor', 5000));
    const counter = new PrefixCounter();
    const walker = new FrameWalker((b, start, length, type) => {
      if (type === 2) counter.update(b, start, length);
    });
    const stream = Buffer.concat([streams.announce, END_OF_RIB, streams.withdraw]);
    let announcedAt = -1;
    for (let o = 0; o < stream.length; o += 777) {
      walker.feed(stream.subarray(o, o + 777));
      if (counter.present === 5000 && announcedAt < 0) announcedAt = o;
    }
    expect(announcedAt).toBeGreaterThan(0);
    expect(counter.present).toBe(0);
    expect(counter.announced).toBe(5000);
    expect(counter.withdrawn).toBe(5000);
    expect(counter.firstAt).toBeGreaterThan(0);
  });

  it('counts prefixes outside the plan apart and never as present', () => {
    const counter = new PrefixCounter();
    counter.onNlri(0x0a000000, 16);
    counter.onNlri(planAddress(3), 25);
    expect(counter.present).toBe(0);
    expect(counter.other).toBe(2);
  });
});

describe('bench control channel', () => {
  it('fails a pending call when the harness process goes away, and every later call at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-control-'));
    const socketPath = join(dir, 'control.sock');
    // a harness that dies on its first request
    const server = net.createServer((socket) => socket.once('data', () => socket.destroy()));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const client = await ControlClient.connect(socketPath, 'monitor');
      await expect(client.call('waitPresent', { count: 1 })).rejects.toThrow(
        'monitor: control channel closed',
      );
      await expect(client.call('stats')).rejects.toThrow('monitor: control channel closed');
    } finally {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bench routeserver DUT', () => {
  it('writes a configuration file that routeserver serve accepts: 1 route server, a peering per injector and the monitor, 100 NICs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-serve-config-'));
    try {
      const file = join(dir, 'routeserver.yaml');
      const injectors = Array.from({ length: 100 }, (_, i) => ({
        address: `10.0.1.${i + 1}`,
        asn: 65101 + i,
      }));
      writeFileSync(
        file,
        stringify(serveConfig({ injectors, monitor: { address: '10.0.2.1', asn: 65002 } })),
      );
      const config = loadConfigFile(file);
      const peerings = config.routeServers?.[0]?.peerings ?? [];
      expect(peerings).toHaveLength(101);
      expect(peerings.at(-1)).toEqual({ name: 'mon', peerIp: '10.0.2.1', peerAsn: 65002 });
      expect(new Set(config.networkInterfaces?.map((n) => n.privateIpAddress)).size).toBe(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sums the routes learned from every peer but the monitor, over both instances', () => {
    const rs = '/subscriptions/s/resourceGroups/bench/providers/Microsoft.Network/virtualHubs/rs';
    const series = (instance: string, peer: string, value: number) =>
      `CountOfRoutesLearnedFromPeer{routeserviceinstance="RouteServiceRole_${instance}",bgppeerip="${peer}",bgppeertype="Nva",routeserver="${rs}"} ${value}`;
    const text = [
      '# HELP CountOfRoutesLearnedFromPeer routes in the Adj-RIB-In',
      '# TYPE CountOfRoutesLearnedFromPeer gauge',
      series('IN_0', '10.0.1.1', 4000),
      series('IN_0', '10.0.1.2', 3999),
      series('IN_0', '10.0.2.1', 7),
      series('IN_1', '10.0.1.1', 0),
      `CountOfRoutesAdvertisedToPeer{routeserviceinstance="RouteServiceRole_IN_0",bgppeerip="10.0.1.1",bgppeertype="Nva",routeserver="${rs}"} 8000`,
    ].join('\n');
    expect(learnedFromMetrics(text, '10.0.2.1')).toBe(7999);
  });
});

describe('bench report', () => {
  const run = (dut: string, r: Partial<RunResult>): RunResult => ({
    scenario: 'e',
    dut,
    label: dut,
    pass: 1,
    ok: true,
    loadAverage: 1,
    ...r,
  });
  const flap = (flaps: number): FlapResult => ({
    flaps,
    planned: 100,
    withdrawMedianS: 0.01,
    reconnectMedianS: 5,
    reannounceMedianS: 0.02,
    totalS: 60,
    cpuS: 1,
  });

  it('keeps a finished load exact when a later phase timed out, and shows the flaps done', () => {
    const results = [
      run('routeserver', { upToMonitorS: 0.4, flap: flap(100) }),
      run('gobgp', {
        ok: false,
        timedOut: true,
        upToMonitorS: 12,
        flap: flap(7),
        error: 'flaps: 7 of 100 done',
      }),
    ];
    const ratio = ratios(results).find((r) => r.peer === 'gobgp' && r.metric === 'upToMonitorS')!;
    expect(ratio.median).toBeCloseTo(0.4 / 12);
    expect(ratio.bound).toBeUndefined();
    const text = markdown(results, {});
    expect(text).toMatch(/\| e: {2}\| gobgp \| – \| 12\.00 \|/);
    expect(text).toContain('| e | gobgp | 1 | 7 of 100 flaps in 60.0 s;');
    expect(text).toContain('| e | routeserver | 1 | 100 flaps in 60.0 s;');
  });

  it('marks the time to the monitor as a lower bound when the load itself timed out', () => {
    const results = [
      run('routeserver', { upToMonitorS: 2.5 }),
      run('gobgp', { ok: false, timedOut: true, loadTimedOut: true, upToMonitorS: 60 }),
    ];
    expect(ratios(results).find((r) => r.metric === 'upToMonitorS')).toMatchObject({ bound: '<' });
    expect(markdown(results, {})).toMatch(/\| gobgp \| – \| > 60\.00 \|/);
  });
});
