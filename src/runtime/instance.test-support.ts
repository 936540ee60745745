/**
 * What the RouteServerInstance tests share: a VNet view, a sink that records
 * the injected routes, and an NVA that is a BgpSpeaker of our own dialing
 * the instance over loopback. Everything started is stopped after each test.
 */
import { afterEach } from 'vitest';
import { UpdateBuilder } from '../bgp/codec/index.js';
import type { UpdateMessage } from '../bgp/codec/index.js';
import { BgpSpeaker } from '../bgp/session/index.js';
import type { PeerOptions, SessionEvent } from '../bgp/session/index.js';
import { ipv4KeyOf, parseIpv4, parsePrefix, prefixContains, prefixKey } from '../lib/prefix.js';
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import type { InjectedRouteBatch, InjectedRouteSink, VirtualNetworkView } from '../rib/index.js';

/** Stopped after each test of the file that imports this module. */
export const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

/** A VNet with the address space 10.0.0.0/16: everything outside it may be injected. */
export function vnetView(addressSpaces: readonly string[] = ['10.0.0.0/16']): VirtualNetworkView {
  const spaces = addressSpaces.map((space) => parsePrefix(space));
  return {
    advertisedAddressSpaces: () => spaces,
    isInjectable: (p: Prefix) => !spaces.some((s) => prefixContains(s, p)),
    onAddressSpacesChanged: () => () => undefined,
  };
}

/** The routes an instance injects into the VNet (prefix → next hops), and how often each was removed. */
export function injectedRoutes() {
  const routes = new Map<PrefixKey, readonly string[]>();
  const removed = new Map<PrefixKey, number>();
  const sink: InjectedRouteSink = {
    applyInjectedRoutes: (_instance: string, changes: InjectedRouteBatch) => {
      for (let i = 0; i < changes.size; i++) {
        const key = changes.keyAt(i);
        const id = changes.hopSetAt(i);
        if (id !== 0) routes.set(key, changes.hopSet(id));
        else {
          routes.delete(key);
          removed.set(key, (removed.get(key) ?? 0) + 1);
        }
      }
    },
  };
  const keyOf = (prefix: string) => prefixKey(parsePrefix(prefix));
  return {
    routes,
    sink,
    has: (prefix: string) => routes.has(keyOf(prefix)),
    removals: (prefix: string) => removed.get(keyOf(prefix)) ?? 0,
  };
}

/** The key of an IPv4 prefix written as text. */
export function ipv4Key(prefix: string): number {
  const parsed = parsePrefix(prefix);
  return ipv4KeyOf(parsed.address as number, parsed.length);
}

/**
 * An NVA at `address` (AS `asn`): a speaker that only dials, records its
 * session events, and sends UPDATEs to the instance it peers with.
 */
export async function startNva(address: string, asn: number) {
  const events: SessionEvent[] = [];
  const speaker = await BgpSpeaker.start({
    localAddress: address,
    listen: false,
    localAs: asn,
    allowReservedPeerAsns: true,
    listener: { onEvent: (e) => events.push(e) },
  });
  running.push(speaker);
  const updates = () =>
    events
      .filter((e): e is Extract<SessionEvent, { type: 'update' }> => e.type === 'update')
      .map((e) => e.update);
  const send = (instanceAddress: string, build: (builder: UpdateBuilder) => void) => {
    const session = speaker.peer(instanceAddress)!;
    const builder = new UpdateBuilder(session.negotiated!.context);
    build(builder);
    session.write([builder.take()]);
  };
  return {
    speaker,
    events,
    /** dials the instance at `instanceAddress` (hold time 9 s, restart after 1 s) */
    dial: (instanceAddress: string, port: number, options: Partial<PeerOptions> = {}) =>
      speaker.addPeer({
        address: instanceAddress,
        asn: 65515,
        port,
        holdTimeSeconds: 9,
        idleHoldTimeSeconds: 1,
        ...options,
      }),
    established: (instanceAddress: string) => speaker.peer(instanceAddress)?.state === 'Established',
    /** the last UPDATE received that announced `prefix` */
    route: (prefix: string): UpdateMessage | undefined =>
      updates()
        .filter((u) => u.nlri.includes(prefixKey(parsePrefix(prefix)) as number))
        .at(-1),
    /** the first NOTIFICATION the NVA received */
    notificationReceived: () =>
      events.find(
        (e): e is Extract<SessionEvent, { type: 'notification-received' }> =>
          e.type === 'notification-received',
      ),
    send,
    /** one UPDATE announcing `prefixes` with `asPath` and the NVA as next hop */
    announce: (instanceAddress: string, prefixes: readonly string[], asPath: readonly number[]) =>
      send(instanceAddress, (b) =>
        b.announce(
          { origin: 0, asPath: [{ type: 2, asns: [...asPath] }], nextHop: parseIpv4(address)! },
          prefixes.map(ipv4Key),
        ),
      ),
  };
}
