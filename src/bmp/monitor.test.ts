/**
 * The monitor against a real route engine: what a collector holds after the
 * dump and after live changes equals the engine's Adj-RIB-In, pre-policy
 * (every route) and post-policy (the routes the import rules accepted).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BASE_CONTEXT, encode } from '../bgp/codec/index.js';
import { formatPrefix, prefixFromKey } from '../lib/prefix.js';
import type { RouteEngine } from '../rib/index.js';
import {
  harness,
  pathAttributes,
  peerInfo,
  TestOutput,
  updateOf,
  withdrawalOf,
} from '../rib/fixtures.test-support.js';
import { BmpTable } from './decode.test-support.js';
import { BmpMonitor } from './monitor.js';
import type { BmpOutput, MonitoredSession } from './monitor.js';

/** A collector's end of the connection: everything sent lands in a BmpTable; `backlogged` on demand. */
class CollectorOutput implements BmpOutput {
  readonly table = new BmpTable();
  backlogged = false;
  readonly dumpSliceBytes = 1 << 20;
  sends = 0;
  private drains: (() => void)[] = [];
  send(messages: readonly Buffer[]): void {
    this.sends++;
    for (const message of messages) this.table.push(message);
  }
  onDrain(callback: () => void): void {
    this.drains.push(callback);
  }
  drain(): void {
    this.backlogged = false;
    const drains = this.drains;
    this.drains = [];
    for (const callback of drains) callback();
  }
}

const OPEN = (asn: number, id: number) =>
  encode(
    { type: 'open', version: 4, myAs: asn, holdTime: 90, bgpIdentifier: id, capabilities: [] },
    BASE_CONTEXT,
  );

function session(peer: string, asn: number): MonitoredSession {
  return {
    peer,
    address: peer,
    asn,
    bgpId: 0x0a000000 + Number(peer.split('.')[3]),
    localAddress: '10.0.1.4',
    localPort: 179,
    remotePort: 50000,
    sentOpen: OPEN(65515, 0x0a000104),
    receivedOpen: OPEN(asn, 1),
    upAtMs: 1_700_000_000_000,
  };
}

const engines: RouteEngine[] = [];
afterEach(() => {
  for (const engine of engines.splice(0)) engine.dispose();
});

/** An engine with NVA 10.0.0.10 (AS 65001) up, and a monitor observing it. */
function setup(): { engine: RouteEngine; monitor: BmpMonitor; up: (peer: string, asn: number) => void } {
  const { engine } = harness({ routeLimit: 1_000_000 });
  engines.push(engine);
  const monitor = new BmpMonitor({
    tables: engine,
    sysName: 'rs IN_0',
    sysDescr: 'routeserver',
    now: () => 0,
  });
  engine.observeAdjRibIn(monitor);
  const up = (peer: string, asn: number) => {
    engine.peerUp(peer, peerInfo(peer, asn), new TestOutput());
    monitor.sessionUp(session(peer, asn));
  };
  up('10.0.0.10', 65001);
  return { engine, monitor, up };
}

/** The engine's Adj-RIB-In of a peer as prefix text: every route, or the accepted ones. */
function engineTable(engine: RouteEngine, peer: string, postPolicy: boolean): string[] {
  const out: string[] = [];
  const routes = engine.adjRibIn(peer);
  for (let next = routes.next(); next.done !== true; next = routes.next()) {
    const [key, route] = next.value;
    if (!postPolicy || route.verdict.accepted) out.push(formatPrefix(prefixFromKey(key)));
  }
  return out.sort();
}

const ACCEPTED = pathAttributes([65001], '10.0.0.10');
/** 65515 in the AS path: learned, rejected by the import rules (docs/azure-behaviour.md §3) */
const REJECTED = pathAttributes([65001, 65515], '10.0.0.10');

describe('BMP monitor', () => {
  it('sends Initiation, Peer Up and a dump of the table, pre- and post-policy, each ended by End-of-RIB', async () => {
    const { engine, monitor } = setup();
    engine.receiveUpdate('10.0.0.10', updateOf(ACCEPTED, ['10.1.0.0/16', '10.2.0.0/16']));
    engine.receiveUpdate('10.0.0.10', updateOf(REJECTED, ['10.3.0.0/16']));
    await engine.whenIdle();
    const collector = new CollectorOutput();
    monitor.collectorUp(collector);
    await new Promise((resolve) => setImmediate(resolve));
    const table = collector.table;
    expect(table.types.slice(0, 2)).toEqual([4, 3]);
    expect(table.prefixes('10.0.0.10', false)).toEqual(['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16']);
    expect(table.prefixes('10.0.0.10', true)).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
    expect(table.endOfRib).toContainEqual({ peer: '10.0.0.10', postPolicy: false });
    expect(table.endOfRib).toContainEqual({ peer: '10.0.0.10', postPolicy: true });
    expect(table.peerUps[0]!.peer).toMatchObject({ asn: 65001, bgpId: '10.0.0.10' });
  });

  it('sends live changes: a route replaced by a rejected one leaves the post-policy table, a withdrawal both', async () => {
    const { engine, monitor } = setup();
    const collector = new CollectorOutput();
    monitor.collectorUp(collector);
    engine.receiveUpdate('10.0.0.10', updateOf(ACCEPTED, ['10.1.0.0/16', '10.2.0.0/16', '10.4.0.0/16']));
    await engine.whenIdle();
    engine.receiveUpdate('10.0.0.10', updateOf(REJECTED, ['10.1.0.0/16']));
    engine.receiveUpdate('10.0.0.10', withdrawalOf(['10.2.0.0/16']));
    await engine.whenIdle();
    await Promise.resolve();
    const table = collector.table;
    expect(table.prefixes('10.0.0.10', false)).toEqual(['10.1.0.0/16', '10.4.0.0/16']);
    expect(table.prefixes('10.0.0.10', true)).toEqual(['10.4.0.0/16']);
    expect(table.prefixes('10.0.0.10', false)).toEqual(engineTable(engine, '10.0.0.10', false));
    expect(table.prefixes('10.0.0.10', true)).toEqual(engineTable(engine, '10.0.0.10', true));
    // the rejected route's attributes are what the collector holds pre-policy
    expect(table.pre.get('10.0.0.10')!.get('10.1.0.0/16')!.attributes.asPath).toEqual([
      { type: 2, asns: [65001, 65515] },
    ]);
  });

  it('ends with the last change of a prefix changed several times in one slice', async () => {
    const { engine, monitor } = setup();
    const collector = new CollectorOutput();
    monitor.collectorUp(collector);
    engine.receiveUpdate('10.0.0.10', updateOf(ACCEPTED, ['10.1.0.0/16', '10.2.0.0/16']));
    engine.receiveUpdate('10.0.0.10', withdrawalOf(['10.1.0.0/16']));
    engine.receiveUpdate('10.0.0.10', updateOf(REJECTED, ['10.2.0.0/16']));
    engine.receiveUpdate('10.0.0.10', updateOf(ACCEPTED, ['10.2.0.0/16', '10.3.0.0/16'], ['10.3.0.0/16']));
    await engine.whenIdle();
    await Promise.resolve();
    expect(engine.counters.slices).toBe(1);
    expect(collector.table.prefixes('10.0.0.10', false)).toEqual(['10.2.0.0/16', '10.3.0.0/16']);
    expect(collector.table.prefixes('10.0.0.10', true)).toEqual(['10.2.0.0/16', '10.3.0.0/16']);
  });

  it('ends with the table when changes come while a large dump waits for a backlogged collector', async () => {
    const { engine, monitor } = setup();
    const prefixes = Array.from({ length: 20_000 }, (_, i) => `11.${i >> 8}.${i & 255}.0/24`);
    for (let i = 0; i < prefixes.length; i += 1000)
      engine.receiveUpdate('10.0.0.10', updateOf(ACCEPTED, prefixes.slice(i, i + 1000)));
    await engine.whenIdle();
    const collector = new CollectorOutput();
    monitor.collectorUp(collector);
    await new Promise((resolve) => setImmediate(resolve)); // one dump slice
    collector.backlogged = true;
    await new Promise((resolve) => setImmediate(resolve));
    const before = collector.sends;
    // while the dump waits: withdraw some, replace some, add some
    engine.receiveUpdate('10.0.0.10', withdrawalOf(prefixes.slice(15_000, 15_500)));
    engine.receiveUpdate('10.0.0.10', updateOf(REJECTED, prefixes.slice(16_000, 16_100)));
    engine.receiveUpdate('10.0.0.10', updateOf(ACCEPTED, ['12.0.0.0/8']));
    await engine.whenIdle();
    await new Promise((resolve) => setImmediate(resolve));
    expect(collector.sends).toBe(before + 1); // the live changes only: the dump is waiting
    collector.drain();
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    const table = collector.table;
    expect(table.prefixes('10.0.0.10', false)).toEqual(engineTable(engine, '10.0.0.10', false));
    expect(table.prefixes('10.0.0.10', true)).toEqual(engineTable(engine, '10.0.0.10', true));
    expect(table.prefixes('10.0.0.10', false)).toHaveLength(19_501);
    expect(table.prefixes('10.0.0.10', true)).toHaveLength(19_401);
  });

  it('reports a Peer Down with its cause and nothing more of that session', async () => {
    const { engine, monitor } = setup();
    const collector = new CollectorOutput();
    monitor.collectorUp(collector);
    engine.receiveUpdate('10.0.0.10', updateOf(ACCEPTED, ['10.1.0.0/16']));
    await engine.whenIdle();
    await Promise.resolve();
    const cease = encode({ type: 'notification', code: 6, subcode: 2, data: new Uint8Array() }, BASE_CONTEXT);
    monitor.sessionDown('10.0.0.10', { reason: 1, notification: cease });
    engine.peerDown('10.0.0.10');
    await engine.whenIdle();
    await Promise.resolve();
    const table = collector.table;
    expect(table.types.at(-1)).toBe(2);
    expect(table.peerDowns[0]!.body).toEqual(Buffer.concat([Buffer.from([1]), cease]));
    expect(table.pre.has('10.0.0.10')).toBe(false);
  });

  it('sends nothing without a collector, and everything again to the next one', async () => {
    const { engine, monitor, up } = setup();
    const first = new CollectorOutput();
    monitor.collectorUp(first);
    monitor.collectorDown();
    up('10.0.0.11', 65002);
    engine.receiveUpdate('10.0.0.10', updateOf(ACCEPTED, ['10.1.0.0/16']));
    engine.receiveUpdate('10.0.0.11', updateOf(pathAttributes([65002], '10.0.0.11'), ['10.5.0.0/16']));
    await engine.whenIdle();
    await Promise.resolve();
    expect(first.table.types).toEqual([4, 3]);
    const second = new CollectorOutput();
    monitor.collectorUp(second);
    for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(second.table.peerUps).toHaveLength(2);
    expect(second.table.prefixes('10.0.0.10', true)).toEqual(['10.1.0.0/16']);
    expect(second.table.prefixes('10.0.0.11', true)).toEqual(['10.5.0.0/16']);
  });

  it('ignores the routes of peers it was not told of (internal links)', async () => {
    const { engine, monitor } = setup();
    const collector = new CollectorOutput();
    monitor.collectorUp(collector);
    engine.peerUp('10.0.0.99', peerInfo('10.0.0.99', 65099), new TestOutput());
    engine.receiveUpdate('10.0.0.99', updateOf(pathAttributes([65099], '10.0.0.99'), ['10.9.0.0/16']));
    await engine.whenIdle();
    await Promise.resolve();
    expect(collector.table.types).toEqual([4, 3]);
  });

  it('reports the routes of each session in its Adj-RIB-In, and those accepted, in Statistics Reports', async () => {
    const { engine, monitor } = setup();
    engine.receiveUpdate('10.0.0.10', updateOf(ACCEPTED, ['10.1.0.0/16', '10.2.0.0/16']));
    engine.receiveUpdate('10.0.0.10', updateOf(REJECTED, ['10.3.0.0/16']));
    await engine.whenIdle();
    const sent: Buffer[] = [];
    monitor.collectorUp({
      send: (m) => sent.push(...m),
      backlogged: false,
      dumpSliceBytes: 1 << 20,
      onDrain: () => undefined,
    });
    monitor.reportStatistics();
    const report = sent.at(-1)!;
    expect(report[5]).toBe(1);
    expect(report.readUInt32BE(48)).toBe(2);
    expect([report.readUInt16BE(52), Number(report.readBigUInt64BE(56))]).toEqual([7, 3]);
    expect([report.readUInt16BE(64), Number(report.readBigUInt64BE(68))]).toEqual([8, 2]);
  });
});
