/**
 * BMP export of a running instance (src/bmp) over real TCP on loopback: an
 * NVA's session and routes reach a collector; a collector that stops
 * reading never holds BGP back, and gets the tables again once it reads.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UpdateBuilder } from '../bgp/codec/index.js';
import type { OpenMessage } from '../bgp/codec/index.js';
import { BgpSpeaker } from '../bgp/session/index.js';
import { BmpTable, readBgpMessage, readPeerUp } from '../bmp/decode.test-support.js';
import { ipv4KeyOf, parseIpv4, parsePrefix, prefixContains } from '../lib/prefix.js';
import type { Prefix } from '../lib/prefix.js';
import type { VirtualNetworkView } from '../rib/index.js';
import { RouteServerInstance } from './instance.js';
import { loopbackBlock } from './nva.test-support.js';
import { until } from './until.test-support.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const spaces = [parsePrefix('10.0.0.0/16')];
const network: VirtualNetworkView = {
  advertisedAddressSpaces: () => spaces,
  isInjectable: (p: Prefix) => !spaces.some((s) => prefixContains(s, p)),
  onAddressSpacesChanged: () => () => undefined,
};

/** A collector on loopback: each connection's bytes go into its own BmpTable. */
async function collector(address: string) {
  const connections: { socket: net.Socket; table: BmpTable; closed: boolean }[] = [];
  const server = net.createServer((socket) => {
    const entry = { socket, table: new BmpTable(), closed: false };
    connections.push(entry);
    socket.on('data', (chunk: Buffer) => entry.table.push(chunk));
    socket.on('close', () => (entry.closed = true));
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of connections) c.socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { connections, port: (server.address() as net.AddressInfo).port };
}

/** IN_0 on ip(1) with the NVA ip(2) (AS 65002) configured, exporting BMP to ip(9). */
async function instanceWithNva(bufferBytes?: number) {
  const ip = loopbackBlock();
  const bmp = await collector(ip(9));
  const instance = await RouteServerInstance.start({
    instance: 'IN_0',
    address: ip(1),
    port: 0,
    network,
    sink: { applyInjectedRoutes: () => undefined },
    routeLimit: 1_000_000,
    bmp: {
      collectors: [{ address: ip(9), port: bmp.port }],
      sysName: 'rs IN_0',
      sysDescr: 'routeserver test',
      statisticsIntervalMs: 0,
      ...(bufferBytes === undefined ? {} : { connection: { bufferBytes } }),
    },
  });
  cleanups.push(() => instance.stop());
  instance.addPeer({ address: ip(2), asn: 65002, passive: true });
  const speaker = await BgpSpeaker.start({
    localAddress: ip(2),
    listen: false,
    localAs: 65002,
    allowReservedPeerAsns: true,
  });
  cleanups.push(() => speaker.stop());
  speaker.addPeer({ address: ip(1), asn: 65515, port: instance.speaker.port, holdTimeSeconds: 9 });
  const session = () => speaker.peer(ip(1))!;
  await until('Established', () => session().state === 'Established');
  const announce = (prefixes: readonly string[], asPath: number[], communities?: number[]) => {
    const builder = new UpdateBuilder(session().negotiated!.context);
    builder.announce(
      {
        origin: 0,
        asPath: [{ type: 2, asns: asPath }],
        nextHop: parseIpv4(ip(2))!,
        ...(communities === undefined ? {} : { communities }),
      },
      prefixes.map((p) => {
        const prefix = parsePrefix(p);
        return ipv4KeyOf(prefix.address as number, prefix.length);
      }),
    );
    session().write([builder.take()]);
  };
  return { ip, bmp, instance, session, announce };
}

describe('BMP export of an instance', () => {
  it('sends Peer Up with both OPENs, the routes pre- and post-policy, Peer Down with the NOTIFICATION received, Termination', async () => {
    const { ip, bmp, instance, session, announce } = await instanceWithNva();
    announce(['192.168.0.0/24', '192.168.1.0/24'], [65002]);
    announce(['192.168.2.0/24'], [65002, 65515]); // rejected by the import rules
    const first = await until('a collector connection', () => bmp.connections[0]);
    const table = first.table;
    await until('three routes pre-policy', () => table.prefixes(ip(2), false).length === 3);
    expect(table.prefixes(ip(2), true)).toEqual(['192.168.0.0/24', '192.168.1.0/24']);

    expect(table.types[0]).toBe(4);
    const up = table.peerUps[0]!;
    expect(up.peer).toMatchObject({ address: ip(2), asn: 65002, bgpId: ip(2) });
    const opens = readPeerUp(up.body);
    expect(opens.localAddress).toBe(ip(1));
    expect(opens.localPort).toBe(instance.speaker.port);
    expect((opens.sentOpen as OpenMessage).bgpIdentifier).toBe(parseIpv4(ip(1)));
    expect((opens.receivedOpen as OpenMessage).myAs).toBe(65002);

    session().stop(); // the NVA closes with Cease / Administrative Shutdown
    await until('Peer Down', () => table.peerDowns[0]);
    const down = table.peerDowns[0]!.body;
    expect(down[0]).toBe(3); // remote system closed with a NOTIFICATION
    expect(readBgpMessage(down.subarray(1))[0]).toMatchObject({ type: 'notification', code: 6, subcode: 2 });

    await instance.stop();
    await until('connection closed', () => first.closed);
    expect(table.types.at(-1)).toBe(5);
  });

  it('never holds BGP back for a collector that stops reading: drops, then the tables again once it reads', async () => {
    const { ip, bmp, instance, session, announce } = await instanceWithNva(64 * 1024);
    const first = await until('a collector connection', () => bmp.connections[0]);
    first.socket.pause(); // the collector stops reading
    // 4,000 routes, each with its own 3.6 kB attribute set (900 communities): 30 MB of BMP, more than
    // the kernel's socket buffers hold
    const prefixes = Array.from({ length: 4000 }, (_, i) => `20.0.${i >> 8}.${i & 255}/32`);
    const filler = Array.from({ length: 899 }, (_, i) => (65002 * 65536 + i) >>> 0);
    for (const [i, prefix] of prefixes.entries())
      announce([prefix], [65002], [...filler, (65003 * 65536 + i) >>> 0]);
    await until(
      'every route learned',
      () => instance.engine.peerCounters(ip(2))?.accepted === prefixes.length,
      60_000,
    );
    expect(session().state).toBe('Established');
    const stalled = instance.bmp!.statistics()[0]!;
    expect(stalled.messagesDropped).toBeGreaterThan(0);
    expect(stalled.bufferedBytes).toBeLessThanOrEqual(64 * 1024 + 70 * 1024); // the limit, and one buffer (64 kB and a message) past it

    first.socket.resume(); // it reads again: Termination, a new connection, the full table
    await until('a second connection', () => bmp.connections[1], 20_000);
    expect(first.table.types.at(-1)).toBe(5);
    const second = bmp.connections[1]!.table;
    await until(
      'the whole table again',
      () => second.prefixes(ip(2), true).length === prefixes.length,
      60_000,
    );
    expect(instance.bmp!.statistics()[0]).toMatchObject({ sessions: 2, resyncs: 1, connected: true });
  });
});
